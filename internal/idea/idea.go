// Package idea keeps the ideas members and employees submit — the "Golden Idea Project"
// (金点子工程) of seed 000 — and their review: submitted → under review → adopted or
// declined (with a reason the submitter sees) → implemented, each move by a named
// reviewer on a date, after one transition table.
//
// Who reads an idea: an account with View on its organization (the reviewers and the
// committees above); its submitter; and, once a reviewer has taken it up, everyone in
// the organization's subtree — a fresh idea is screened before colleagues see it, and a
// declined one is not shown to them, so a turned-down suggestion does not shame anyone.
//
// Points: an adopted idea, and again an implemented one, earns its submitter points. This
// package tells whoever is set with Credit, in the review's transaction; the application
// sets the points ledger there.
package idea

import (
	"context"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/member"
	"vanguard/internal/notify"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// Categories of an idea, after what a manufacturer's suggestion scheme asks about.
func Categories() []string {
	return []string{"production", "quality", "cost", "safety", "management", "service", "other"}
}

// CategoryKey is the catalog key of a category's name.
func CategoryKey(c string) string { return "idea.category." + c }

func validCategory(c string) bool {
	for _, v := range Categories() {
		if c == v {
			return true
		}
	}
	return false
}

// Attachment describes a file sent with an idea.
type Attachment struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// KB is the attachment's size in kilobytes, for a list.
func (a Attachment) KB() string { return strconv.FormatFloat(float64(a.Size)/1024, 'f', 1, 64) }

// File is an attachment with its content.
type File struct {
	Attachment
	Content []byte
}

// Idea is a submitted idea.
type Idea struct {
	ID              int64
	OrgID           int64
	OrgName         string
	OrgNameEn       string
	PersonID        int64
	PersonName      string
	AccountID       int64 // the submitter's account, 0 when they have none
	Title           string
	Problem         string
	Proposal        string
	Benefit         string
	Category        string
	Status          Status
	Reason          string // why it was declined
	ReviewerID      int64  // the account of the last review move
	ReviewerName    string
	SubmittedAt     time.Time
	ReviewStartedAt *time.Time
	AdoptedAt       *time.Time
	DeclinedAt      *time.Time
	ImplementedAt   *time.Time
	Supports        int
	Attachments     []Attachment
}

// OrgDisplayName is the organization's name in the reader's language.
func (i Idea) OrgDisplayName(lang string) string {
	if lang == "en" && i.OrgNameEn != "" {
		return i.OrgNameEn
	}
	return i.OrgName
}

// Service keeps ideas.
type Service struct {
	db      *store.DB
	orgs    *org.Service
	people  *member.Service
	notices *notify.Service
	now     func() time.Time
	credit  CreditHook
}

// CreditHook is told, in the review's transaction, that an idea reached a status that
// earns its submitter points.
type CreditHook func(ctx context.Context, q store.Querier, c Credit) error

// Credit is an idea's move that earns points.
type Credit struct {
	IdeaID   int64
	PersonID int64
	Status   Status // Adopted or Implemented
	At       time.Time
}

// Credit sets who is told of moves that earn points; call it once, before serving.
func (s *Service) Credit(h CreditHook) { s.credit = h }

// New builds the service.
func New(db *store.DB, orgs *org.Service, people *member.Service, notices *notify.Service) *Service {
	return &Service{db: db, orgs: orgs, people: people, notices: notices, now: time.Now}
}

// Caller is who is asking: an account and the person it acts as.
type Caller = member.Caller

// CallerOf finds the person record of an account.
func (s *Service) CallerOf(ctx context.Context, a auth.Account) (Caller, error) {
	return s.people.CallerOf(ctx, a)
}

// Access is what a caller may do with an idea.
type Access struct {
	View    bool // read it
	Own     bool // the caller submitted it
	Support bool // support it: a person who may read it, not its submitter, while it is not declined
	Review  bool // move it along: Manage on its organization
}

// publicStatuses are those in which an idea is shown to its organization.
var publicStatuses = []Status{UnderReview, Adopted, Implemented}

func (st Status) public() bool {
	for _, p := range publicStatuses {
		if st == p {
			return true
		}
	}
	return false
}

func publicList() string {
	names := make([]string, len(publicStatuses))
	for i, st := range publicStatuses {
		names[i] = "'" + string(st) + "'"
	}
	return strings.Join(names, ", ")
}

// AccessTo answers what a caller may do with an idea.
func (s *Service) AccessTo(ctx context.Context, c Caller, i Idea) (Access, error) {
	var a Access
	view, err := s.orgs.Can(ctx, c.Account, org.View, i.OrgID)
	if err != nil {
		return a, err
	}
	a.Own = c.Person != nil && c.Person.ID == i.PersonID
	a.View = view || a.Own
	if !a.View && c.Person != nil && i.Status.public() {
		if a.View, err = s.orgs.InSubtree(ctx, i.OrgID, c.Person.OrgID); err != nil {
			return a, err
		}
	}
	a.Support = a.View && c.Person != nil && !a.Own && i.Status != Declined
	if view {
		if a.Review, err = s.orgs.Can(ctx, c.Account, org.Manage, i.OrgID); err != nil {
			return a, err
		}
	}
	return a, nil
}

// visibleWhere is the condition of the ideas a caller may read, for lists.
func visibleWhere(c Caller, next int) (string, []any) {
	cond, args := org.ScopeOf(c.Account, org.View).Condition("i.org_id", next)
	if c.Person == nil {
		return cond, args
	}
	n := next + len(args)
	return `(` + cond + ` OR i.person_id = $` + strconv.Itoa(n) + ` OR (i.status IN (` + publicList() + `)
		AND i.org_id IN (SELECT x.ancestor_id FROM org_tree x WHERE x.org_id = $` + strconv.Itoa(n+1) + `)))`,
		append(args, c.PersonID(), c.PersonOrgID())
}
