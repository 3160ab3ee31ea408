// Package evaluation keeps the evaluations of seed 001 and seed 002: checklists with
// weighted items (branch standardization, the political physical examination, the six
// competitions, the star-rated branch), rounds that apply one to the organizations or
// people of a subtree, each subject's self-assessment and the assessor's item-by-item
// score with a score suggested from the records already kept here (record once), the
// rectification of the items that lost points, the democratic appraisal of members with
// secret ballots, and the secretaries' reports of a year's work.
//
// Who may do what. The organizer of a round is anyone with Manage on the round's
// organization: they start and close it, score its subjects and re-check their
// rectifications. A subject organization self-assesses through those with Manage on it; a
// subject person self-assesses themselves. A round is read with View on its organization,
// an assessment also by its subject.
//
// Points are evidence too: an item with the points source suggests a score from the
// ledger's totals of the round's year against the one-star mark of the star system.
package evaluation

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/auth"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/points"
	"vanguard/internal/store"
)

// ErrForbidden is returned when the caller may read an object but not do what they asked.
var ErrForbidden = errors.New("evaluation: not allowed")

// Caller is who is asking: an account and the person it acts as.
type Caller = member.Caller

// Service keeps evaluations.
type Service struct {
	db         *store.DB
	orgs       *org.Service
	people     *member.Service
	activities *activity.Service
	ledger     *points.Service
	now        func() time.Time
}

// New builds the service. The ledger gives the points evidence; without it (nil) no item
// suggests a score from points.
func New(db *store.DB, orgs *org.Service, people *member.Service, activities *activity.Service, ledger *points.Service) *Service {
	return &Service{db: db, orgs: orgs, people: people, activities: activities, ledger: ledger, now: time.Now}
}

// SetClock replaces the clock, for tests and the demo that date things in the past.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// CallerOf finds the person record of an account.
func (s *Service) CallerOf(ctx context.Context, a auth.Account) (Caller, error) {
	return s.people.CallerOf(ctx, a)
}

// Level is the result level of a total, after a template's bands.
type Level string

// Levels lists the levels a template's bands may name.
func Levels() []Level {
	return []Level{"excellent", "good", "qualified", "basic", "unqualified", "star5", "star4", "star3", "star2", "star1", "none"}
}

// Valid tells whether l is known.
func (l Level) Valid() bool {
	for _, v := range Levels() {
		if l == v {
			return true
		}
	}
	return false
}

// Key is the catalog key of the level's name.
func (l Level) Key() string { return "evaluation.level." + string(l) }

// Grade is a rating of a member in the democratic appraisal, or of a secretary's report.
type Grade string

// AppraisalGrades are the four grades of the democratic appraisal of members
// (优秀, 合格, 基本合格, 不合格).
func AppraisalGrades() []Grade { return []Grade{"excellent", "qualified", "basic", "unqualified"} }

// ReportGrades are the grades of a secretary's work report (好, 较好, 一般, 差).
func ReportGrades() []Grade { return []Grade{"good", "fairly_good", "average", "poor"} }

func gradeIn(g Grade, list []Grade) bool {
	for _, v := range list {
		if g == v {
			return true
		}
	}
	return false
}

// Key is the catalog key of the grade's name.
func (g Grade) Key() string { return "evaluation.grade." + string(g) }

func clean(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }

// round1 rounds a score to a tenth, as a paper sheet is scored.
func round1(f float64) float64 { return math.Round(f*10) / 10 }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Limits of free text, so a form cannot store a book.
const (
	maxTitle = 200
	maxText  = 10000
)

// Today is the service's clock, for a page or a test asking what is overdue.
func (s *Service) Today() time.Time { return s.now() }
