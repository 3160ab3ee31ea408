package oversight

import (
	"context"
	"strconv"
	"time"

	"vanguard/internal/evaluation"
	"vanguard/internal/points"
)

// campaigns counts, for every learning campaign running in the period in which the
// subtree takes part, its members (probationary and full, in an organization taking
// part) and those who met its targets — the courses completed before it ended and its
// activities attended, as learning.Service.Completion counts them — by child, or by
// person for a branch.
func (s *Service) campaigns(ctx context.Context, f *figures) error {
	key := `COALESCE(c.ancestor_id, 0)`
	if f.leaf {
		key = `p.id`
	}
	// Each person's courses and activities are counted through the (course, person) and
	// (activity, person) keys, so the cost follows the subtree's people and not every
	// completion and attendance of the campaign across the province.
	rows, err := s.db.QueryContext(ctx, `WITH m AS (SELECT id, title, title_en, ends_at, target_courses, target_activities FROM campaigns
			WHERE starts_at < $3 AND ends_at >= $2)
		SELECT m.id, m.title, m.title_en, `+key+`, COUNT(*),
			COALESCE(SUM(CASE WHEN (SELECT COUNT(*) FROM campaign_courses k JOIN course_completions cc ON cc.course_id = k.course_id
					WHERE k.campaign_id = m.id AND cc.person_id = p.id AND cc.completed_at <= m.ends_at) >= m.target_courses
				AND (SELECT COUNT(*) FROM campaign_activities ka JOIN attendance x ON x.activity_id = ka.activity_id
					WHERE ka.campaign_id = m.id AND x.person_id = p.id AND x.status IN ('present', 'late')) >= m.target_activities
				THEN 1 ELSE 0 END), 0)
		FROM m JOIN org_tree t ON t.ancestor_id = $1`+byChild+`
		JOIN people p ON p.org_id = t.org_id AND p.stage IN ('probationary', 'full')
		WHERE EXISTS (SELECT 1 FROM org_tree x JOIN campaign_orgs co ON co.org_id = x.ancestor_id
			WHERE co.campaign_id = m.id AND x.org_id = t.org_id)
		GROUP BY m.id, m.title, m.title_en, `+key+`
		ORDER BY m.id`, f.d.OrgID, f.from, f.to)
	if err != nil {
		return wrap("campaigns", err)
	}
	defer rows.Close()
	f.d.Campaigns = []CampaignFigures{}
	for rows.Next() {
		var cf CampaignFigures
		var id int64
		var members, complete int
		if err := rows.Scan(&cf.ID, &cf.Title, &cf.TitleEn, &id, &members, &complete); err != nil {
			return wrap("scan campaign", err)
		}
		if n := len(f.d.Campaigns); n == 0 || f.d.Campaigns[n-1].ID != cf.ID {
			f.d.Campaigns = append(f.d.Campaigns, cf)
		}
		last := &f.d.Campaigns[len(f.d.Campaigns)-1]
		last.Members += members
		last.Complete += complete
		last.Percent = percent(last.Complete, last.Members)
		if ch := f.child(id); ch != nil && !f.leaf {
			ch.CampaignMembers += members
			ch.CampaignComplete += complete
			ch.CampaignPercent = percent(ch.CampaignComplete, ch.CampaignMembers)
		}
		if p := f.person[id]; p != nil && f.leaf {
			p.Campaigns += members
			p.CampaignsComplete += complete
		}
	}
	return rows.Err()
}

func percent(n, of int) int {
	if of == 0 {
		return 0
	}
	return n * 100 / of
}

// pointBuckets are the edges of the points histogram: a total falls in the first bucket
// whose Max it does not pass.
var pointBuckets = []Bucket{
	{Label: "≤0", Min: 0, Max: 0},
	{Label: "1–9", Min: 1, Max: 9},
	{Label: "10–29", Min: 10, Max: 29},
	{Label: "30–59", Min: 30, Max: 59},
	{Label: "60–99", Min: 60, Max: 99},
	{Label: "100–199", Min: 100, Max: 199},
	{Label: "≥200", Min: 200, Max: 0},
}

// bucketOf is the index of the bucket a total falls in.
func bucketOf(total int) int {
	for i, b := range pointBuckets[:len(pointBuckets)-1] {
		if total <= b.Max {
			return i
		}
	}
	return len(pointBuckets) - 1
}

// pointFigures buckets the period's totals from the ranking index, which already sums
// the ledger per organization and period, and counts stars by the thresholds in force at
// the root. Individual lines (Top) appear only when the root switched rankings on.
func (s *Service) pointFigures(ctx context.Context, f *figures) error {
	totals, err := s.points.Totals(ctx, f.d.OrgID, f.p)
	if err != nil {
		return err
	}
	ths, _, err := s.points.Thresholds(ctx, f.d.OrgID, f.p.Kind)
	if err != nil {
		return err
	}
	pf := &f.d.Points
	pf.Buckets = append([]Bucket(nil), pointBuckets...)
	stars := map[int]int{}
	for _, t := range totals {
		pf.People++
		pf.Total += t
		pf.Buckets[bucketOf(t)].Count++
		if n := points.StarsFor(t, ths); n > 0 {
			stars[n]++
		}
	}
	pf.Stars = []StarCount{}
	for _, th := range ths {
		pf.Stars = append(pf.Stars, StarCount{Stars: th.Stars, Count: stars[th.Stars]})
	}
	set, err := s.points.Settings(ctx, f.d.OrgID)
	if err != nil {
		return err
	}
	pf.RankingsOn = set.Rankings
	if !set.Rankings {
		return nil
	}
	top, _, err := s.points.Ranking(ctx, f.d.OrgID, f.p, 0, 10)
	if err != nil {
		return err
	}
	ids := make([]int64, len(top))
	for i, st := range top {
		ids[i] = st.PersonID
	}
	names, err := s.points.Names(ctx, ids)
	if err != nil {
		return err
	}
	for _, st := range top {
		pf.Top = append(pf.Top, RankedLine{Rank: st.Rank, PersonID: st.PersonID, Name: names[st.PersonID], Total: st.Total})
	}
	return nil
}

// statuses counts the deliberation topics opened and the ideas submitted in the period
// in the subtree, by their status now.
func (s *Service) statuses(ctx context.Context, f *figures) error {
	var err error
	if f.d.Topics, err = s.countByStatus(ctx, f, `topics`, `opens_at`, []string{"open", "decided", "done"}); err != nil {
		return err
	}
	f.d.Ideas, err = s.countByStatus(ctx, f, `ideas`, `submitted_at`,
		[]string{"submitted", "under_review", "adopted", "declined", "implemented"})
	return err
}

func (s *Service) countByStatus(ctx context.Context, f *figures, table, at string, order []string) ([]StatusCount, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.status, COUNT(*) FROM `+table+` r
		WHERE r.org_id IN (SELECT org_id FROM org_tree WHERE ancestor_id = $1) AND r.`+at+` >= $2 AND r.`+at+` < $3
		GROUP BY r.status`, f.d.OrgID, f.from, f.to)
	if err != nil {
		return nil, wrap(table+" by status", err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, wrap("scan "+table, err)
		}
		counts[st] = n
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(table+" by status", err)
	}
	out := make([]StatusCount, 0, len(order))
	for _, st := range order {
		out = append(out, StatusCount{Status: st, Count: counts[st]})
		delete(counts, st)
	}
	for st, n := range counts { // a status added later still shows
		out = append(out, StatusCount{Status: st, Count: n})
	}
	return out, nil
}

// subjectsInTree lists the subtree's assessments as a, with the organization of the
// subtree their subject is (an organization) or belongs to (a person) as t and its child
// c. It starts from the subtree, through the (round, subject) keys, so that a branch reads
// its own assessments and not every round's. With oneRound, $2 is the round.
func subjectsInTree(oneRound bool) string {
	round := ""
	if oneRound {
		round = ` AND a.round_id = $2`
	}
	return ` (SELECT a.id, a.round_id, a.scored, a.total, t.org_id, t.distance
		FROM org_tree t JOIN assessments a ON a.subject_org_id = t.org_id
		WHERE t.ancestor_id = $1` + round + `
	UNION ALL SELECT a.id, a.round_id, a.scored, a.total, t.org_id, t.distance
		FROM org_tree t JOIN people sp ON sp.org_id = t.org_id JOIN assessments a ON a.subject_person_id = sp.id
		WHERE t.ancestor_id = $1 AND a.subject_org_id IS NULL` + round + `) a
	LEFT JOIN org_tree c ON c.org_id = a.org_id AND c.distance = a.distance - 1 `
}

// rounds finds the latest evaluation rounds with a subject in the subtree, whoever
// organized them, and the levels the subtree's complete assessments reached under each
// round's bands.
func (s *Service) rounds(ctx context.Context, f *figures) error {
	rows, err := s.db.QueryContext(ctx, `SELECT r.id FROM eval_rounds r WHERE r.id IN (
		SELECT a.round_id FROM`+subjectsInTree(false)+`)
		ORDER BY r.year DESC, r.id DESC LIMIT `+itoa(maxRounds), f.d.OrgID)
	if err != nil {
		return wrap("latest rounds", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return wrap("scan round", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return wrap("latest rounds", err)
	}
	f.d.Evaluations = []RoundFigures{}
	for _, id := range ids {
		rf, err := s.round(ctx, f, id)
		if err != nil {
			return err
		}
		f.d.Evaluations = append(f.d.Evaluations, rf)
	}
	return nil
}

func (s *Service) round(ctx context.Context, f *figures, id int64) (RoundFigures, error) {
	r, err := s.evaluation.Round(ctx, id)
	if err != nil {
		return RoundFigures{}, err
	}
	rf := RoundFigures{RoundID: r.ID, Title: r.Title, Year: r.Year}
	rows, err := s.db.QueryContext(ctx, `SELECT a.scored, a.total FROM`+subjectsInTree(true), f.d.OrgID, id)
	if err != nil {
		return rf, wrap("round results", err)
	}
	defer rows.Close()
	levels := map[evaluation.Level]int{}
	for rows.Next() {
		var a evaluation.Assessment
		if err := rows.Scan(&a.Scored, &a.Total); err != nil {
			return rf, wrap("scan result", err)
		}
		rf.Subjects++
		if res := evaluation.ResultOf(r, a); res.Level != "" {
			rf.Complete++
			levels[res.Level]++
		}
	}
	for _, b := range r.Template.Bands {
		rf.Levels = append(rf.Levels, evaluation.LevelCount{Level: b.Level, Count: levels[b.Level]})
	}
	return rf, rows.Err()
}

// rectifications counts the rectification tasks of the subtree's assessments that no
// re-check has closed, and those past their due date.
func (s *Service) rectifications(ctx context.Context, f *figures) error {
	rows, err := s.db.QueryContext(ctx, `SELECT COALESCE(c.ancestor_id, 0), x.due_on FROM`+subjectsInTree(false)+`
		JOIN rectifications x ON x.assessment_id = a.id WHERE x.status <> 'closed'`, f.d.OrgID)
	if err != nil {
		return wrap("rectifications", err)
	}
	defer rows.Close()
	n := s.now().In(beijing)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
	for rows.Next() {
		var id int64
		var due time.Time
		if err := rows.Scan(&id, &due); err != nil {
			return wrap("scan rectification", err)
		}
		f.d.Rectifications.Open++
		if today.After(time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, time.UTC)) {
			f.d.Rectifications.Overdue++
		}
		if ch := f.child(id); ch != nil {
			ch.OpenRectifications++
		}
	}
	return rows.Err()
}

func itoa(n int) string { return strconv.Itoa(n) }
