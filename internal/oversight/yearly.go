package oversight

// An organization's yearly record (年度党建工作台账): one printable page with its year —
// the meetings it held, its people and their posts, points and stars, the evaluations
// and their rectifications, and the reports it published. Every part is read from the
// records; nothing is typed in for it.

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/evaluation"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/points"
	"vanguard/internal/store"
)

// Yearly is an organization's year.
type Yearly struct {
	OrgID    int64                   `json:"org_id"`
	OrgName  string                  `json:"org_name"`
	OrgEn    string                  `json:"org_name_en,omitempty"`
	Year     int                     `json:"year"`
	TakenAt  time.Time               `json:"taken_at"`
	Meetings []YearMeeting           `json:"meetings"`
	People   []YearPerson            `json:"people"`
	Points   []YearPoints            `json:"points"`
	Ranked   bool                    `json:"ranked"` // the organization switched rankings on
	Stars    []YearStars             `json:"stars"`  // how many earned each number of stars
	Rounds   []evaluation.HistoryRow `json:"evaluations"`
	Rects    []YearRectification     `json:"rectifications"`
	Articles []YearArticle           `json:"articles"`
}

// DisplayName is the organization's name in the reader's language.
func (y Yearly) DisplayName(lang string) string {
	if lang == "en" && y.OrgEn != "" {
		return y.OrgEn
	}
	return y.OrgName
}

// YearMeeting is a held meeting and its attendance.
type YearMeeting struct {
	ID       int64          `json:"id"`
	StartsAt time.Time      `json:"starts_at"`
	Kind     activity.Kind  `json:"kind"`
	Title    string         `json:"title"`
	Tally    activity.Tally `json:"attendance"`
}

// YearPerson is someone who belonged to the organization in the year: their stage at
// the year's end (or today) and the posts they held in it during the year.
type YearPerson struct {
	ID    int64          `json:"id"`
	Name  string         `json:"name"`
	Stage member.Stage   `json:"stage"`
	Posts []org.PostKind `json:"posts,omitempty"`
}

// YearPoints is a member's points total and stars of the year. Rank is set only when the
// organization switched rankings on.
type YearPoints struct {
	PersonID int64  `json:"person_id"`
	Name     string `json:"name"`
	Total    int    `json:"total"`
	Stars    int    `json:"stars"`
	Rank     int    `json:"rank,omitempty"`
}

// YearStars counts the members who earned a number of stars.
type YearStars struct {
	Stars   int `json:"stars"`
	Members int `json:"members"`
}

// YearRectification is a rectification task opened on the year's evaluations.
type YearRectification struct {
	Title  string                `json:"title"`
	Status evaluation.RectStatus `json:"status"`
	DueOn  time.Time             `json:"due_on"`
}

// YearArticle is a report the organization published in the year.
type YearArticle struct {
	ID         int64     `json:"id"`
	Title      string    `json:"title"`
	ReleasedAt time.Time `json:"released_at"`
}

// YearlyRecord reads an organization's year. It does not check access: handlers ask
// org.Can(View).
func (s *Reports) YearlyRecord(ctx context.Context, orgID int64, year int) (Yearly, error) {
	y := Yearly{OrgID: orgID, Year: year, TakenAt: s.now(), Meetings: []YearMeeting{}, People: []YearPerson{},
		Points: []YearPoints{}, Stars: []YearStars{}, Rounds: []evaluation.HistoryRow{}, Rects: []YearRectification{}, Articles: []YearArticle{}}
	err := s.db.QueryRowContext(ctx, `SELECT name, name_en FROM orgs WHERE id = $1`, orgID).Scan(&y.OrgName, &y.OrgEn)
	if errors.Is(err, sql.ErrNoRows) {
		return y, store.ErrNotFound
	}
	if err != nil {
		return y, fmt.Errorf("oversight: organization %d: %w", orgID, err)
	}
	for _, part := range []func(context.Context, *Yearly) error{s.yearMeetings, s.yearPeople, s.yearPoints, s.yearEvaluations, s.yearArticles} {
		if err := part(ctx, &y); err != nil {
			return y, err
		}
	}
	return y, nil
}

func (y *Yearly) bounds() (from, to time.Time) {
	return time.Date(y.Year, 1, 1, 0, 0, 0, 0, beijing), time.Date(y.Year+1, 1, 1, 0, 0, 0, 0, beijing)
}

func (s *Reports) yearMeetings(ctx context.Context, y *Yearly) error {
	rs, err := s.db.QueryContext(ctx, `SELECT a.id, a.starts_at, a.kind, a.title, h.present, h.late, h.on_leave, h.absent
		FROM activity_hosts h JOIN activities a ON a.id = h.activity_id
		WHERE h.org_id = $1 AND h.held_year = $2 ORDER BY a.starts_at, a.id`, y.OrgID, y.Year)
	if err != nil {
		return fmt.Errorf("oversight: meetings of %d in %d: %w", y.OrgID, y.Year, err)
	}
	defer rs.Close()
	for rs.Next() {
		var m YearMeeting
		if err := rs.Scan(&m.ID, &m.StartsAt, &m.Kind, &m.Title, &m.Tally.Present, &m.Tally.Late, &m.Tally.Leave, &m.Tally.Absent); err != nil {
			return fmt.Errorf("oversight: scan meeting: %w", err)
		}
		y.Meetings = append(y.Meetings, m)
	}
	return rs.Err()
}

func (s *Reports) yearPeople(ctx context.Context, y *Yearly) error {
	from, to := y.bounds()
	last := dateOnly(to.Add(-time.Second))
	if today := dateOnly(s.now()); today.Before(last) {
		last = today
	}
	rs, err := s.db.QueryContext(ctx, `SELECT DISTINCT p.id, p.name,
		COALESCE((SELECT e.to_stage FROM stage_events e WHERE e.person_id = p.id AND e.on_date <= $3
		          ORDER BY e.on_date DESC, e.id DESC LIMIT 1), p.stage)
		FROM person_orgs m JOIN people p ON p.id = m.person_id
		WHERE m.org_id = $1 AND m.started_on <= $3 AND (m.ended_on IS NULL OR m.ended_on >= $2)`,
		y.OrgID, dateOnly(from), last)
	if err != nil {
		return fmt.Errorf("oversight: people of %d in %d: %w", y.OrgID, y.Year, err)
	}
	index := map[int64]int{}
	for rs.Next() {
		var p YearPerson
		if err := rs.Scan(&p.ID, &p.Name, &p.Stage); err != nil {
			rs.Close()
			return fmt.Errorf("oversight: scan person: %w", err)
		}
		if p.Stage == member.StageResident {
			continue // a resident attached to the organization is not one of its people here
		}
		index[p.ID] = len(y.People)
		y.People = append(y.People, p)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return fmt.Errorf("oversight: people of %d in %d: %w", y.OrgID, y.Year, err)
	}
	rs, err = s.db.QueryContext(ctx, `SELECT person_id, kind FROM posts
		WHERE org_id = $1 AND started_on <= $3 AND (ended_on IS NULL OR ended_on >= $2) ORDER BY started_on, id`,
		y.OrgID, dateOnly(from), last)
	if err != nil {
		return fmt.Errorf("oversight: posts of %d in %d: %w", y.OrgID, y.Year, err)
	}
	defer rs.Close()
	for rs.Next() {
		var id int64
		var kind org.PostKind
		if err := rs.Scan(&id, &kind); err != nil {
			return fmt.Errorf("oversight: scan post: %w", err)
		}
		if i, ok := index[id]; ok && !slices.Contains(y.People[i].Posts, kind) {
			y.People[i].Posts = append(y.People[i].Posts, kind)
		}
	}
	if err := rs.Err(); err != nil {
		return err
	}
	// Those with a post first (the committee), then by stage from full members down,
	// then by name.
	order := map[member.Stage]int{}
	for i, st := range member.Stages() {
		order[st] = -i
	}
	slices.SortStableFunc(y.People, func(a, b YearPerson) int {
		return cmp.Or(cmp.Compare(noPost(a), noPost(b)), cmp.Compare(order[a.Stage], order[b.Stage]), cmp.Compare(a.Name, b.Name))
	})
	return nil
}

func noPost(p YearPerson) int { return min(1, 1-len(p.Posts)) }

// yearPoints reads the year's points totals and stars from the ledger. Without rankings
// switched on the list is by name and carries no rank: stars are earned against
// thresholds, places are not shown.
func (s *Reports) yearPoints(ctx context.Context, y *Yearly) error {
	if s.points == nil {
		return nil
	}
	p := points.YearOf(points.Day(y.Year*10000 + 101))
	roll, _, err := s.points.StarRoll(ctx, y.OrgID, p)
	if err != nil {
		return fmt.Errorf("oversight: stars of %d in %d: %w", y.OrgID, y.Year, err)
	}
	set, err := s.points.Settings(ctx, y.OrgID)
	if err != nil {
		return err
	}
	y.Ranked = set.Rankings
	ids := make([]int64, len(roll))
	for i, e := range roll {
		ids[i] = e.PersonID
	}
	names, err := s.points.Names(ctx, ids)
	if err != nil {
		return err
	}
	stars := map[int]int{}
	for _, e := range roll {
		yp := YearPoints{PersonID: e.PersonID, Name: names[e.PersonID], Total: e.Total, Stars: e.Stars}
		if y.Ranked {
			yp.Rank = e.Rank
		}
		y.Points = append(y.Points, yp)
		if e.Stars > 0 {
			stars[e.Stars]++ // stars awarded: no line for the members who earned none
		}
	}
	if y.Ranked {
		slices.SortStableFunc(y.Points, func(a, b YearPoints) int { return cmp.Compare(a.Rank, b.Rank) })
	} else {
		slices.SortStableFunc(y.Points, func(a, b YearPoints) int { return cmp.Compare(a.Name, b.Name) })
	}
	for n, c := range stars {
		y.Stars = append(y.Stars, YearStars{Stars: n, Members: c})
	}
	slices.SortFunc(y.Stars, func(a, b YearStars) int { return cmp.Compare(b.Stars, a.Stars) })
	return nil
}

func (s *Reports) yearEvaluations(ctx context.Context, y *Yearly) error {
	if s.evaluation != nil {
		hist, err := s.evaluation.History(ctx, y.OrgID, 0)
		if err != nil {
			return fmt.Errorf("oversight: evaluations of %d: %w", y.OrgID, err)
		}
		for _, h := range hist {
			if h.Year == y.Year {
				y.Rounds = append(y.Rounds, h)
			}
		}
	}
	rs, err := s.db.QueryContext(ctx, `SELECT x.title, x.status, x.due_on
		FROM rectifications x JOIN assessments a ON a.id = x.assessment_id JOIN eval_rounds r ON r.id = a.round_id
		WHERE a.subject_org_id = $1 AND r.year = $2 ORDER BY x.due_on, x.id`, y.OrgID, y.Year)
	if err != nil {
		return fmt.Errorf("oversight: rectifications of %d in %d: %w", y.OrgID, y.Year, err)
	}
	defer rs.Close()
	for rs.Next() {
		var r YearRectification
		if err := rs.Scan(&r.Title, &r.Status, &r.DueOn); err != nil {
			return fmt.Errorf("oversight: scan rectification: %w", err)
		}
		y.Rects = append(y.Rects, r)
	}
	return rs.Err()
}

func (s *Reports) yearArticles(ctx context.Context, y *Yearly) error {
	from, to := y.bounds()
	rs, err := s.db.QueryContext(ctx, `SELECT id, title, released_at FROM articles
		WHERE org_id = $1 AND status = 'published' AND released_at >= $2 AND released_at < $3 ORDER BY released_at, id`,
		y.OrgID, from, to)
	if err != nil {
		return fmt.Errorf("oversight: articles of %d in %d: %w", y.OrgID, y.Year, err)
	}
	defer rs.Close()
	for rs.Next() {
		var a YearArticle
		if err := rs.Scan(&a.ID, &a.Title, &a.ReleasedAt); err != nil {
			return fmt.Errorf("oversight: scan article: %w", err)
		}
		y.Articles = append(y.Articles, a)
	}
	return rs.Err()
}
