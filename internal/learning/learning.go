// Package learning is the cloud micro-classroom of seeds 000 and 004 ("Learning in the
// Silk City"): courses of lessons (an article, a video, a PDF, a quiz), the progress a
// member's page reports as they go, a question bank per organization with quizzes drawn
// from it and scored on the server, and campaigns such as winter training (冬训) with
// their completion per member, branch and subtree.
//
// Learning is never a daily quota. Points come from completed lessons and quiz results
// through the points ledger, each with an idempotency key, so that a retried or doubled
// report never earns twice; there are no streaks, no login rewards and no points for time
// spent online.
package learning

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/points"
	"vanguard/internal/store"
)

// Caller is who is asking: an account and the person it acts as.
type Caller = member.Caller

// Visibility says who may see a course.
type Visibility string

const (
	Subtree  Visibility = "subtree"  // the course's organization and everything below it
	Alliance Visibility = "alliance" // also the organizations of an alliance and their subtrees
	Public   Visibility = "public"   // everyone signed in
)

// Valid tells whether v is known.
func (v Visibility) Valid() bool { return v == Subtree || v == Alliance || v == Public }

// Key is the catalog key of the visibility's name.
func (v Visibility) Key() string { return "learning.visibility." + string(v) }

// LessonKind is what a lesson is.
type LessonKind string

const (
	Article  LessonKind = "article"  // rich text, sanitized; completed by reading time and scroll
	Video    LessonKind = "video"    // an uploaded file or a link; completed by the share watched
	Document LessonKind = "document" // a PDF shown in the browser; completed by reading time
	QuizStep LessonKind = "quiz"     // completed by passing its quiz
)

// Valid tells whether k is known.
func (k LessonKind) Valid() bool {
	return k == Article || k == Video || k == Document || k == QuizStep
}

// Key is the catalog key of the kind's name.
func (k LessonKind) Key() string { return "learning.lesson_kind." + string(k) }

// Lesson is one step of a course.
type Lesson struct {
	ID              int64      `json:"id"`
	CourseID        int64      `json:"course_id"`
	Position        int        `json:"position"`
	Kind            LessonKind `json:"kind"`
	Title           string     `json:"title"`
	TitleEn         string     `json:"title_en,omitempty"`
	Body            string     `json:"body,omitempty"` // sanitized HTML
	MediaURL        string     `json:"media_url,omitempty"`
	FileID          int64      `json:"file_id,omitempty"`
	QuizID          int64      `json:"quiz_id,omitempty"`
	MinSeconds      int        `json:"min_seconds"`
	DurationSeconds int        `json:"duration_seconds,omitempty"`
}

// ReadingMinutes is the reading time an article or document needs, rounded up.
func (l Lesson) ReadingMinutes() int { return (l.MinSeconds + 59) / 60 }

// DisplayTitle is the title in the reader's language.
func (l Lesson) DisplayTitle(lang string) string { return pick(lang, l.Title, l.TitleEn) }

// Course is a sequence of lessons.
type Course struct {
	ID         int64      `json:"id"`
	OrgID      int64      `json:"org_id"`
	OrgName    string     `json:"org_name"`
	Title      string     `json:"title"`
	TitleEn    string     `json:"title_en,omitempty"`
	Summary    string     `json:"summary"`
	SummaryEn  string     `json:"summary_en,omitempty"`
	Tags       []string   `json:"tags"`
	Required   bool       `json:"required"`
	Minutes    int        `json:"minutes"`
	CoverURL   string     `json:"cover_url,omitempty"`
	Visibility Visibility `json:"visibility"`
	AllianceID int64      `json:"alliance_id,omitempty"`
	Lessons    []Lesson   `json:"lessons,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// DisplayTitle is the title in the reader's language.
func (c Course) DisplayTitle(lang string) string { return pick(lang, c.Title, c.TitleEn) }

// DisplaySummary is the summary in the reader's language.
func (c Course) DisplaySummary(lang string) string { return pick(lang, c.Summary, c.SummaryEn) }

// Lesson finds one of the course's lessons.
func (c Course) Lesson(id int64) (Lesson, bool) {
	for _, l := range c.Lessons {
		if l.ID == id {
			return l, true
		}
	}
	return Lesson{}, false
}

func pick(lang, zh, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return zh
}

// Service keeps courses, progress, quizzes and campaigns.
type Service struct {
	db     *store.DB
	orgs   *org.Service
	people *member.Service
	points *points.Service
	now    func() time.Time
}

// New builds the service. Completed lessons and passed quizzes earn points in ledger.
func New(db *store.DB, orgs *org.Service, people *member.Service, ledger *points.Service) *Service {
	return &Service{db: db, orgs: orgs, people: people, points: ledger, now: time.Now}
}

// award records what a completion earns, in the transaction that completed it, so that
// the points and the progress commit or fail together. The event's key makes a retried
// or doubled completion a duplicate in the ledger. When the rule holds no points for
// the person (a resident) or the period is closed, the learning stands without points;
// any other refusal is a fault and undoes the progress with it.
func (s *Service) award(ctx context.Context, q store.Querier, e points.Event) error {
	if s.points == nil {
		return nil
	}
	e.Source = "learning"
	res, err := s.points.RecordSystem(ctx, q, []points.Event{e})
	if err != nil {
		return wrap("award "+e.Key, err)
	}
	for _, r := range res {
		var refusal *i18n.Error
		if r.Err == nil || errors.As(r.Err, &refusal) && (refusal.Key == "points.error.stage" || refusal.Key == "points.error.closed") {
			continue
		}
		return wrap("award "+e.Key, r.Err)
	}
	return nil
}

// PointsThisYear is the caller's points of the current year, or nil when the platform
// keeps no points (or the account is no person's).
func (s *Service) PointsThisYear(ctx context.Context, c Caller) (*int, error) {
	if s.points == nil || c.Person == nil {
		return nil, nil
	}
	n, err := s.points.Total(ctx, c.Person.ID, strconv.Itoa(s.now().In(beijing).Year()))
	if err != nil {
		return nil, wrap("points total", err)
	}
	return &n, nil
}

// WithClock returns the service reading the time from now: for the demo's progress of
// past weeks, through the same rules as a report made today.
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.now = now
	return &c
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// CallerOf finds the person record of an account.
func (s *Service) CallerOf(ctx context.Context, a auth.Account) (Caller, error) {
	return s.people.CallerOf(ctx, a)
}

// sees is the condition that the caller may read course c: View on its organization,
// a public course, or a person in its organization's subtree — or, for a course shared
// with an alliance, in the subtree of one of the alliance's organizations. It is the one
// statement of visibility for lists, single courses, lessons and progress reports.
func sees(c Caller, next int) (string, []any) {
	if c.Account.ID == 0 && !c.Account.IsAdmin && c.Person == nil {
		return "FALSE", nil // nobody
	}
	cond, args := org.ScopeOf(c.Account, org.View).Condition("c.org_id", next)
	out := `(` + cond + ` OR c.visibility = '` + string(Public) + `'`
	if c.Person != nil {
		n := "$" + strconv.Itoa(next+len(args))
		out += ` OR EXISTS (SELECT 1 FROM people sp WHERE sp.id = ` + n + ` AND sp.org_id IS NOT NULL AND (
			EXISTS (SELECT 1 FROM org_tree sx WHERE sx.ancestor_id = c.org_id AND sx.org_id = sp.org_id)
			OR (c.visibility = '` + string(Alliance) + `' AND EXISTS (SELECT 1 FROM alliance_members am
				JOIN org_tree ax ON ax.ancestor_id = am.org_id WHERE am.alliance_id = c.alliance_id AND ax.org_id = sp.org_id))))`
		args = append(args, c.Person.ID)
	}
	return out + `)`, args
}

// tagsText keeps tags as ",a,b," so that LIKE '%,a,%' finds one on either engine.
func tagsText(tags []string) string {
	var b strings.Builder
	b.WriteString(",")
	for _, t := range cleanTags(tags) {
		b.WriteString(t)
		b.WriteString(",")
	}
	return b.String()
}

func cleanTags(tags []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.TrimSpace(strings.ReplaceAll(t, ",", " "))
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

func tagsOf(text string) []string {
	return cleanTags(strings.Split(text, ","))
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("learning: %s: %w", what, err)
}
