package oversight

import (
	"context"
	"fmt"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/evaluation"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/points"
	"vanguard/internal/store"
)

// Service computes the oversight figures. It reads the tables of the other domains
// directly, with a fixed number of set-based queries per source whatever the size of the
// subtree, and reuses what those domains already compute: the compliance calendar for
// what was due and held, the ranking index for the points, the development rules for
// overdue steps, the evaluation bands for result levels.
type Service struct {
	db         *store.DB
	orgs       *org.Service
	activities *activity.Service
	points     *points.Service
	evaluation *evaluation.Service
	now        func() time.Time
	cache      *dashCache
}

// New makes the service.
func New(db *store.DB, orgs *org.Service, activities *activity.Service, ledger *points.Service, evaluations *evaluation.Service) *Service {
	return &Service{db: db, orgs: orgs, activities: activities, points: ledger, evaluation: evaluations, now: time.Now,
		cache: newDashCache(CacheOptions{Fresh: Fresh, MaxStale: MaxStale})}
}

// SetClock replaces the clock, for tests that need a fixed "now".
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Dashboard is an organization's subtree in a period, as a higher committee reads it.
// Every figure is split one level down: Children for an organization with child
// organizations, People for one without (a branch or a party group).
type Dashboard struct {
	OrgID   int64     `json:"org_id"`
	Name    string    `json:"name"`
	NameEn  string    `json:"name_en,omitempty"`
	Kind    org.Kind  `json:"kind"`
	Period  string    `json:"period"`
	From    string    `json:"from"` // the period's first day
	To      string    `json:"to"`   // the period's last day
	TakenAt time.Time `json:"taken_at"`

	Meetings       Meetings          `json:"meetings"`
	Attendance     Attendance        `json:"attendance"`
	Members        int               `json:"members"` // probationary and full members
	Pipeline       Pipeline          `json:"pipeline"`
	Campaigns      []CampaignFigures `json:"campaigns"`
	Points         PointFigures      `json:"points"`
	Topics         []StatusCount     `json:"topics"` // opened in the period, by their status now
	Ideas          []StatusCount     `json:"ideas"`  // submitted in the period, by their status now
	Evaluations    []RoundFigures    `json:"evaluations"`
	Rectifications Rectifications    `json:"rectifications"`

	Children []Child  `json:"children"`
	People   []Person `json:"people"`
}

// Meetings counts the periods of the compliance rules that overlap the dashboard's
// period: begun (due), with what the rule asks for held, ended without it (overdue).
type Meetings struct {
	Due     int            `json:"due"`
	Held    int            `json:"held"`
	Overdue int            `json:"overdue"`
	ByKind  []KindFigures  `json:"by_kind"`
	ByMonth []MonthFigures `json:"by_month"`
	// OverdueOrgs are the organizations of the subtree with an overdue period, most
	// overdue first (at most maxOverdueOrgs of them).
	OverdueOrgs []OrgOverdue `json:"overdue_orgs"`
}

// KindFigures are the meeting counts of one kind of activity.
type KindFigures struct {
	Kind    activity.Kind `json:"kind"`
	Due     int           `json:"due"`
	Held    int           `json:"held"`
	Overdue int           `json:"overdue"`
}

// MonthFigures are the meeting counts of one month: a rule's period counts under the
// first month it shares with the dashboard's period.
type MonthFigures struct {
	Month   string `json:"month"` // 2026-03
	Due     int    `json:"due"`
	Held    int    `json:"held"`
	Overdue int    `json:"overdue"`
}

// OrgOverdue is an organization with overdue meetings.
type OrgOverdue struct {
	OrgID   int64  `json:"org_id"`
	Name    string `json:"name"`
	Overdue int    `json:"overdue"`
}

// Attendance tallies who attended the held activities of the period (counted per host,
// as the compliance calendar does).
type Attendance struct {
	Present int     `json:"present"`
	Late    int     `json:"late"`
	Leave   int     `json:"leave"`
	Absent  int     `json:"absent"`
	Rate    float64 `json:"rate"` // attended (present or late) of everyone expected, 0–1
}

func (a *Attendance) add(b Attendance) {
	a.Present += b.Present
	a.Late += b.Late
	a.Leave += b.Leave
	a.Absent += b.Absent
	a.rate()
}

func (a *Attendance) rate() {
	a.Rate = 0
	if n := a.Present + a.Late + a.Leave + a.Absent; n > 0 {
		a.Rate = float64(a.Present+a.Late) / float64(n)
	}
}

// Pipeline is membership development: the people at each stage from application to
// probation, and the steps whose deadline has passed.
type Pipeline struct {
	Stages       []StageCount  `json:"stages"`
	Total        int           `json:"total"`
	Overdue      int           `json:"overdue"`
	OverdueSteps []StatusCount `json:"overdue_steps"` // by step key
}

// StageCount is how many people stand at a stage.
type StageCount struct {
	Stage member.Stage `json:"stage"`
	Count int          `json:"count"`
}

// StatusCount is how many records are in a status (or at a step).
type StatusCount struct {
	Status string `json:"status"`
	Count  int    `json:"count"`
}

// CampaignFigures is one learning campaign's completion in the subtree.
type CampaignFigures struct {
	ID       int64  `json:"id"`
	Title    string `json:"title"`
	TitleEn  string `json:"title_en,omitempty"`
	Members  int    `json:"members"`
	Complete int    `json:"complete"`
	Percent  int    `json:"percent"`
}

// PointFigures are the points of the period: how many people earned how much, and the
// stars the thresholds give. Top is filled only where the organization switched
// individual rankings on.
type PointFigures struct {
	People     int          `json:"people"` // with an entry in the period
	Total      int          `json:"total"`
	Buckets    []Bucket     `json:"buckets"`
	Stars      []StarCount  `json:"stars"` // people per star level, 1 upwards
	RankingsOn bool         `json:"rankings_on"`
	Top        []RankedLine `json:"top,omitempty"`
}

// Bucket counts the people whose total lies in [Min, Max]; Max 0 is open-ended above,
// Min 0 with Max 0 is "nothing or less".
type Bucket struct {
	Label string `json:"label"`
	Min   int    `json:"min"`
	Max   int    `json:"max"`
	Count int    `json:"count"`
}

// StarCount is how many people earned a number of stars.
type StarCount struct {
	Stars int `json:"stars"`
	Count int `json:"count"`
}

// RankedLine is a line of the ranking, shown only with rankings on.
type RankedLine struct {
	Rank     int    `json:"rank"`
	PersonID int64  `json:"person_id"`
	Name     string `json:"name"`
	Total    int    `json:"total"`
}

// RoundFigures is one of the latest evaluation rounds with subjects in the subtree.
type RoundFigures struct {
	RoundID  int64                   `json:"round_id"`
	Title    string                  `json:"title"`
	Year     int                     `json:"year"`
	Subjects int                     `json:"subjects"` // in the subtree
	Complete int                     `json:"complete"` // every item scored
	Levels   []evaluation.LevelCount `json:"levels"`
}

// Rectifications counts the rectification tasks not closed by a re-check.
type Rectifications struct {
	Open    int `json:"open"`
	Overdue int `json:"overdue"`
}

// Child is a child organization with its headline figures; its name links to its own
// dashboard.
type Child struct {
	OrgID              int64      `json:"org_id"`
	Name               string     `json:"name"`
	NameEn             string     `json:"name_en,omitempty"`
	Kind               org.Kind   `json:"kind"`
	Due                int        `json:"due"`
	Held               int        `json:"held"`
	Overdue            int        `json:"overdue"`
	Attendance         Attendance `json:"attendance"`
	Members            int        `json:"members"`
	Pipeline           int        `json:"pipeline"`
	CampaignMembers    int        `json:"campaign_members"`
	CampaignComplete   int        `json:"campaign_complete"`
	CampaignPercent    int        `json:"campaign_percent"`
	OverdueSteps       int        `json:"overdue_steps"`
	OpenRectifications int        `json:"open_rectifications"`
}

// Person is a person of a branch or group with their figures for the period; the name
// links to the person's page. People are listed by id, never by their figures.
type Person struct {
	PersonID          int64        `json:"person_id"`
	Name              string       `json:"name"`
	Stage             member.Stage `json:"stage"`
	Attended          int          `json:"attended"`
	Expected          int          `json:"expected"`
	AttendanceRate    float64      `json:"attendance_rate"`
	Points            int          `json:"points"`
	Campaigns         int          `json:"campaigns"` // taking part in
	CampaignsComplete int          `json:"campaigns_complete"`
	OverdueStep       string       `json:"overdue_step,omitempty"`
}

// maxOverdueOrgs bounds the list of organizations with overdue meetings: a province has
// thousands; the drill-down reaches the rest.
const maxOverdueOrgs = 20

// maxRounds is how many of the latest evaluation rounds the dashboard shows.
const maxRounds = 3

// Compute computes the figures of an organization's subtree for a period now, past the
// cache. It does not check access: handlers ask org.Can(View).
func (s *Service) Compute(ctx context.Context, orgID int64, p Period) (Dashboard, error) {
	root, err := s.orgs.Get(ctx, orgID)
	if err != nil {
		return Dashboard{}, err
	}
	from, to := Bounds(p)
	d := Dashboard{OrgID: root.ID, Name: root.Name, NameEn: root.NameEn, Kind: root.Kind, Period: p.Name,
		From: from.Format(time.DateOnly), To: to.AddDate(0, 0, -1).Format(time.DateOnly), TakenAt: s.now().UTC()}
	kids, err := s.orgs.Children(ctx, orgID)
	if err != nil {
		return d, err
	}
	f := &figures{d: &d, p: p, from: from, to: to, children: map[int64]*Child{}, leaf: len(kids) == 0}
	for _, k := range kids {
		if k.DissolvedAt != nil && k.DissolvedAt.Before(from) {
			continue
		}
		d.Children = append(d.Children, Child{OrgID: k.ID, Name: k.Name, NameEn: k.NameEn, Kind: k.Kind})
	}
	for i := range d.Children {
		f.children[d.Children[i].OrgID] = &d.Children[i]
	}
	if f.leaf {
		if err := s.people(ctx, f); err != nil {
			return d, err
		}
	}
	steps := []func(context.Context, *figures) error{
		s.meetings, s.attendance, s.membership, s.pipeline, s.campaigns, s.pointFigures,
		s.statuses, s.rounds, s.rectifications,
	}
	for _, step := range steps {
		if err := step(ctx, f); err != nil {
			return d, err
		}
	}
	if d.Children == nil {
		d.Children = []Child{}
	}
	if d.People == nil {
		d.People = []Person{}
	}
	return d, nil
}

// figures is a dashboard being computed.
type figures struct {
	d        *Dashboard
	p        Period
	from, to time.Time
	children map[int64]*Child // by org id; the root's own records fall under no child
	leaf     bool             // no child organizations: the People list is filled
	person   map[int64]*Person
}

// child is the child a record of the subtree counts under; nil for the root's own.
func (f *figures) child(id int64) *Child { return f.children[id] }

// byChild joins an organization of the subtree (t.org_id, with t.ancestor_id the root)
// to the root's child it lies under: its ancestor one level below the root, which is the
// one at one less than its own distance from the root. The root's own rows find none.
const byChild = ` LEFT JOIN org_tree c ON c.org_id = t.org_id AND c.distance = t.distance - 1 `

func wrap(what string, err error) error { return fmt.Errorf("oversight: %s: %w", what, err) }

// Percent is the rate in whole percent, for a page.
func (a Attendance) Percent() int { return int(a.Rate*100 + 0.5) }
