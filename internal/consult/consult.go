// Package consult keeps deliberation topics (围炉议事, "everything is easy to discuss",
// seed 004): a topic put to an organization's members, its residents or named
// representatives; their opinions and replies; one person one vote; the decision with
// its reasons and conditions; follow-up updates until the work is done; the meetings
// held on it.
//
// Who may read and who may take part is answered in one place for lists and single
// topics alike: the audience condition below, pushed into SQL. An account with View on
// the topic's organization reads it; a person in its audience reads it and takes part.
package consult

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/notify"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// ErrNotYours refuses a change to another person's opinion: handlers answer 403.
var ErrNotYours = errors.New("consult: the opinion is another person's")

// Eligibility says who takes part in a topic.
type Eligibility string

const (
	Members             Eligibility = "members"           // probationary and full members of the organization and below
	MembersAndResidents Eligibility = "members_residents" // everyone attached to the organization and below: members, candidates, residents
	Representatives     Eligibility = "representatives"   // the people the organizer names (村民代表), wherever they belong
)

// Eligibilities lists the kinds of audience.
func Eligibilities() []Eligibility {
	return []Eligibility{Members, MembersAndResidents, Representatives}
}

// Valid tells whether e is known.
func (e Eligibility) Valid() bool {
	for _, v := range Eligibilities() {
		if e == v {
			return true
		}
	}
	return false
}

// Key is the catalog key of the audience's name.
func (e Eligibility) Key() string { return "consult.eligibility." + string(e) }

// Results says when the count of votes is shown.
type Results string

const (
	ResultsLive       Results = "live"        // while the vote runs
	ResultsAfterClose Results = "after_close" // only once it has closed, so that early counts sway nobody
)

// ResultsModes lists the choices.
func ResultsModes() []Results { return []Results{ResultsLive, ResultsAfterClose} }

// Valid tells whether r is known.
func (r Results) Valid() bool { return r == ResultsLive || r == ResultsAfterClose }

// Key is the catalog key of the mode's name.
func (r Results) Key() string { return "consult.results." + string(r) }

// Phase is where a topic stands, from its status and the clock.
type Phase string

const (
	PhaseUpcoming Phase = "upcoming" // open, before its window
	PhaseOpen     Phase = "open"     // taking opinions and votes
	PhaseClosed   Phase = "closed"   // the window is over; no decision yet
	PhaseDecided  Phase = "decided"  // decided; follow-up updates are published
	PhaseDone     Phase = "done"     // the follow-up is complete
)

// Key is the catalog key of the phase's name.
func (p Phase) Key() string { return "consult.phase." + string(p) }

// Option is one thing a vote can be cast for.
type Option struct {
	ID    int64  `json:"id"`
	Key   string `json:"key,omitempty"`   // a vote kind's own option (agree, disagree…), labelled by the catalog
	Label string `json:"label,omitempty"` // an option the organizer wrote
}

// LabelKey is the catalog key of a kind's option, or "" for one the organizer wrote.
func (o Option) LabelKey() string {
	if o.Key == "" {
		return ""
	}
	return "consult.option." + o.Key
}

// Text is the option's label as a message: a kind's option from the catalog, an
// organizer's option as written.
func (o Option) Text() i18n.Message {
	if o.Key != "" {
		return i18n.Msg(o.LabelKey())
	}
	return i18n.Msg("consult.option.own", "label", o.Label)
}

// PersonRef names a person.
type PersonRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Decision is what the organizer recorded at the close.
type Decision struct {
	Text       string    `json:"text"`
	Reasons    string    `json:"reasons"`
	Conditions []string  `json:"conditions"` // principles the decision holds to, e.g. voluntary participation
	OptionID   int64     `json:"option_id,omitempty"`
	DecidedBy  string    `json:"decided_by"`
	DecidedAt  time.Time `json:"decided_at"`
}

// Topic is a matter put to deliberation.
type Topic struct {
	ID              int64
	OrgID           int64
	OrgName         string
	OrgNameEn       string
	Title           string
	Background      string
	VoteKind        string
	Eligibility     Eligibility
	Representatives []PersonRef // for Representatives
	Secret          bool
	Results         Results
	OpensAt         time.Time
	ClosesAt        time.Time
	Status          Status
	Options         []Option
	Decision        *Decision
	CreatedAt       time.Time
}

// OrgDisplayName is the organization's name in the reader's language.
func (t Topic) OrgDisplayName(lang string) string {
	if lang == "en" && t.OrgNameEn != "" {
		return t.OrgNameEn
	}
	return t.OrgName
}

// PhaseAt is the topic's phase at a moment.
func (t Topic) PhaseAt(now time.Time) Phase {
	switch {
	case t.Status == Done:
		return PhaseDone
	case t.Status == Decided:
		return PhaseDecided
	case now.Before(t.OpensAt):
		return PhaseUpcoming
	case now.Before(t.ClosesAt):
		return PhaseOpen
	}
	return PhaseClosed
}

// ResultsVisibleAt tells whether the count of votes may be shown at a moment: always
// for live results, otherwise once the vote has closed.
func (t Topic) ResultsVisibleAt(now time.Time) bool {
	p := t.PhaseAt(now)
	return t.Results == ResultsLive || p != PhaseUpcoming && p != PhaseOpen
}

// OwnOptions tells whether the organizer wrote the options (a choice between plans),
// so that an opinion may argue for one of them.
func (t Topic) OwnOptions() bool { return len(t.Options) > 0 && t.Options[0].Key == "" }

// Option finds one of the topic's options.
func (t Topic) Option(id int64) (Option, bool) {
	for _, o := range t.Options {
		if o.ID == id {
			return o, true
		}
	}
	return Option{}, false
}

// Service keeps topics.
type Service struct {
	db      *store.DB
	orgs    *org.Service
	people  *member.Service
	notices *notify.Service
	now     func() time.Time
}

// New builds the service.
func New(db *store.DB, orgs *org.Service, people *member.Service, notices *notify.Service) *Service {
	return &Service{db: db, orgs: orgs, people: people, notices: notices, now: time.Now}
}

// WithClock returns the service reading the time from now: for a deliberation recorded
// after the fact — the demo's fireside talk of some weeks ago — through the same rules
// (the window, the status table) as one held today.
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.now = now
	return &c
}

// Now is the service's clock, for pages that show a topic's phase.
func (s *Service) Now() time.Time { return s.now() }

// Caller is who is asking: an account and the person it acts as.
type Caller = member.Caller

// CallerOf finds the person record of an account. An account without one (a worker's
// login, a system administrator) reads but does not take part.
func (s *Service) CallerOf(ctx context.Context, a auth.Account) (Caller, error) {
	return s.people.CallerOf(ctx, a)
}

// audience is the condition that person p may take part in topic t. It is the one
// statement of eligibility: single checks, lists, counts and notices all use it.
var audience = `((t.eligibility = '` + string(Representatives) + `' AND p.id IN (SELECT r.person_id FROM topic_representatives r WHERE r.topic_id = t.id))
	OR (t.eligibility IN ('` + string(Members) + `', '` + string(MembersAndResidents) + `')
	    AND p.org_id IN (SELECT x.org_id FROM org_tree x WHERE x.ancestor_id = t.org_id)
	    AND (t.eligibility = '` + string(MembersAndResidents) + `' OR p.stage IN ('` + string(member.StageProbationary) + `', '` + string(member.StageFull) + `'))))`

// eligible tells whether a person is in a topic's audience.
func eligible(ctx context.Context, q store.Querier, topicID, personID int64) (bool, error) {
	if personID == 0 {
		return false, nil
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM topics t, people p WHERE t.id = $1 AND p.id = $2 AND `+audience, topicID, personID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("consult: eligibility of %d for %d: %w", personID, topicID, err)
	}
	return n > 0, nil
}

// EligibleCount counts a topic's audience, for participation figures.
func (s *Service) EligibleCount(ctx context.Context, topicID int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM topics t, people p WHERE t.id = $1 AND `+audience, topicID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("consult: audience of %d: %w", topicID, err)
	}
	return n, nil
}

// audienceAccounts lists the accounts of a topic's audience, for notices.
func audienceAccounts(ctx context.Context, q store.Querier, topicID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.account_id FROM topics t, people p
		WHERE t.id = $1 AND p.account_id IS NOT NULL AND `+audience, topicID)
	if err != nil {
		return nil, fmt.Errorf("consult: audience accounts of %d: %w", topicID, err)
	}
	return store.IDs(rows)
}

// Access is what a caller may do with a topic.
type Access struct {
	View     bool // read it: View on its organization, or in its audience
	TakePart bool // give opinions and vote: in its audience
	Manage   bool // moderate, decide, publish updates, link meetings: Manage on its organization
}

// AccessTo answers what a caller may do with a topic.
func (s *Service) AccessTo(ctx context.Context, c Caller, t Topic) (Access, error) {
	var a Access
	var err error
	if a.TakePart, err = eligible(ctx, s.db, t.ID, c.PersonID()); err != nil {
		return a, err
	}
	view, err := s.orgs.Can(ctx, c.Account, org.View, t.OrgID)
	if err != nil {
		return a, err
	}
	a.View = view || a.TakePart
	if view {
		if a.Manage, err = s.orgs.Can(ctx, c.Account, org.Manage, t.OrgID); err != nil {
			return a, err
		}
	}
	return a, nil
}

// visibleWhere is the condition of the topics a caller may read, for lists: those of
// organizations in the account's View scope, and those whose audience holds the
// caller's person.
func visibleWhere(c Caller, next int) (string, []any) {
	cond, args := org.ScopeOf(c.Account, org.View).Condition("t.org_id", next)
	if c.Person == nil {
		return cond, args
	}
	n := next + len(args)
	return `(` + cond + ` OR EXISTS (SELECT 1 FROM people p WHERE p.id = $` + strconv.Itoa(n) + ` AND ` + audience + `))`,
		append(args, c.Person.ID)
}

// VoteKind is a kind of vote: its options, or how many the organizer writes.
type VoteKind struct {
	Key        string
	OwnOptions bool     // the organizer writes the options
	MinOptions int      // for OwnOptions
	MaxOptions int      // for OwnOptions
	Options    []string // the kind's own option keys, in order
}

// Key is the catalog key of the kind's name.
func (k VoteKind) NameKey() string { return "consult.vote_kind." + k.Key }

// VoteKinds lists the kinds of vote, from the database.
func (s *Service) VoteKinds(ctx context.Context) ([]VoteKind, error) {
	return voteKinds(ctx, s.db)
}

func voteKinds(ctx context.Context, q store.Querier) ([]VoteKind, error) {
	rows, err := q.QueryContext(ctx, `SELECT k.key, k.own_options, k.min_options, k.max_options, COALESCE(o.key, '')
		FROM vote_kinds k LEFT JOIN vote_kind_options o ON o.kind = k.key ORDER BY k.position, o.position`)
	if err != nil {
		return nil, fmt.Errorf("consult: vote kinds: %w", err)
	}
	defer rows.Close()
	var list []VoteKind
	for rows.Next() {
		var k VoteKind
		var option string
		if err := rows.Scan(&k.Key, &k.OwnOptions, &k.MinOptions, &k.MaxOptions, &option); err != nil {
			return nil, fmt.Errorf("consult: scan vote kind: %w", err)
		}
		if n := len(list); n > 0 && list[n-1].Key == k.Key {
			list[n-1].Options = append(list[n-1].Options, option)
			continue
		}
		if option != "" {
			k.Options = []string{option}
		}
		list = append(list, k)
	}
	return list, rows.Err()
}
