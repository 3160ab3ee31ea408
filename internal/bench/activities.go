package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/evaluation"
	"vanguard/internal/store"
)

// The rest of the records a dashboard reads, for the province build() made: a year of
// branch life up to the run day, the development pipeline, a learning campaign, topics
// and ideas, and an evaluation round. Like build(), it writes straight into the tables in
// large transactions: the services would take hours for a province, and what the
// dashboard benchmark measures is reading.
//
// Per-person attendance rows are not written: a year of a million members is some forty
// million of them. The activities carry their tallies in activity_hosts (as the service
// copies them there when it marks one held), and the summaries are rebuilt from those.

var beijing = time.FixedZone("CST", 8*3600)

// yearPlan is one kind of branch activity in the synthetic year.
type yearPlan struct {
	kind   activity.Kind
	title  string
	months []int // the months it is due in
	day    int
	miss   int // one in miss is not held
}

var branchYear = []yearPlan{
	{activity.GeneralMeeting, "支部党员大会", allMonths(), 10, 8},
	{activity.CommitteeMeeting, "支部委员会会议", allMonths(), 5, 10},
	{activity.ThemeDay, "主题党日", allMonths(), 20, 6},
	{activity.PartyLecture, "书记讲党课", []int{2, 5, 8, 11}, 25, 5},
}

func allMonths() []int { return []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12} }

// Year says what buildYear wrote, for the report and the tests.
type Year struct {
	Year           int
	Activities     int
	Missed         int
	Probationary   int
	Pipeline       int // applicants, activists and development targets added beside the members
	Completions    int
	Topics, Ideas  int
	Assessments    int
	Rectifications int
	OpenRects      int
	// Held counts, per host organization id, the held activities by kind and month
	// (Beijing time), with the party lectures by someone else than the secretary apart.
	Held map[int64]map[string][12]int
}

// yearBuilder carries what the parts of the year share.
type yearBuilder struct {
	db       *store.DB
	p        *province
	o        Options
	r        *rand.Rand
	now      time.Time
	year     int
	created  time.Time
	byBranch map[int32][]int64 // branch index → its members' ids, in id order
	out      *Year
}

// buildYear writes the year up to now (Beijing time) for the province p.
func buildYear(ctx context.Context, db *store.DB, p *province, o Options, now time.Time) (*Year, error) {
	now = now.In(beijing)
	y := &yearBuilder{db: db, p: p, o: o, r: rand.New(rand.NewPCG(o.Seed, 7)), now: now, year: now.Year(),
		created: time.Date(now.Year(), 1, 1, 9, 0, 0, 0, beijing), byBranch: map[int32][]int64{},
		out: &Year{Year: now.Year(), Held: map[int64]map[string][12]int{}}}
	for i, b := range p.personOrg {
		y.byBranch[b] = append(y.byBranch[b], p.personIDs[i])
	}
	for _, step := range []struct {
		name string
		run  func(context.Context) error
	}{
		{"posts", y.posts},
		{"development", y.development},
		{"activities", y.activities},
		{"summaries", func(ctx context.Context) error { return activity.New(db, activity.Options{}).RebuildSummaries(ctx) }},
		{"campaign", y.campaign},
		{"deliberation", y.deliberation},
		{"evaluation", y.evaluation},
		{"statistics", y.analyze},
	} {
		t0 := time.Now()
		if err := step.run(ctx); err != nil {
			return nil, fmt.Errorf("bench: the year's %s: %w", step.name, err)
		}
		if o.Log != nil {
			fmt.Fprintf(o.Log, "  %s in %s\n", step.name, time.Since(t0).Round(time.Millisecond))
		}
	}
	return y.out, nil
}

func (y *yearBuilder) date(month, day int) time.Time {
	return time.Date(y.year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// committee is the branch's secretary, deputy and organization member: its first three
// members.
func (y *yearBuilder) committee(branch int32) []int64 {
	m := y.byBranch[branch]
	return m[:min(3, len(m))]
}

func (y *yearBuilder) posts(ctx context.Context) error {
	kinds := []string{"secretary", "deputy_secretary", "organization_member"}
	since := y.date(1, 1).AddDate(-1, 0, 0)
	var rows [][]any
	for _, b := range y.p.branches {
		for i, person := range y.committee(b) {
			rows = append(rows, []any{y.p.orgIDs[b], person, kinds[i], since})
		}
	}
	return y.db.InTx(ctx, func(tx *store.Tx) error {
		return insertRows(ctx, tx, "posts", "org_id, person_id, kind, started_on", rows)
	})
}

// development makes some members probationary (a few past their probation or waiting too
// long for approval) and adds applicants, activists and development targets beside the
// members, some with the talk overdue.
func (y *yearBuilder) development(ctx context.Context) error {
	today := time.Date(y.now.Year(), y.now.Month(), y.now.Day(), 0, 0, 0, 0, time.UTC)
	type group struct {
		admitted time.Time
		approved bool
	}
	groups := map[group][]any{}
	for _, id := range y.p.personIDs {
		if y.r.IntN(100) >= 3 {
			continue
		}
		g := group{admitted: today.AddDate(0, -1-y.r.IntN(15), -y.r.IntN(28)), approved: y.r.IntN(10) != 0}
		groups[g] = append(groups[g], id)
		y.out.Probationary++
	}
	keys := make([]group, 0, len(groups))
	for g := range groups {
		keys = append(keys, g)
	}
	sort.Slice(keys, func(i, j int) bool {
		if !keys[i].admitted.Equal(keys[j].admitted) {
			return keys[i].admitted.Before(keys[j].admitted)
		}
		return !keys[i].approved && keys[j].approved
	})
	var pipeline [][]any
	stamp := y.created
	for range len(y.p.personIDs) / 40 {
		b := y.p.branches[y.r.IntN(len(y.p.branches))]
		applied := today.AddDate(0, -y.r.IntN(30), -y.r.IntN(28))
		var talked, activist, candidate any
		stage, since, review, hours := "applicant", applied, false, 0
		switch n := y.r.IntN(10); {
		case n < 4:
			// A third wait for the talk; those who applied over a month ago are overdue.
			if y.r.IntN(3) != 0 {
				talked = applied.AddDate(0, 0, 10)
			}
		case n < 8:
			stage, since = "activist", applied.AddDate(0, 1, 0)
			talked, activist = applied.AddDate(0, 0, 10), since
		default:
			stage, since = "candidate", applied.AddDate(1, 1, 0)
			talked, activist, candidate = applied.AddDate(0, 0, 10), applied.AddDate(0, 1, 0), since
			review, hours = y.r.IntN(2) == 0, 8*y.r.IntN(4)
		}
		if since.After(today) {
			since = today
		}
		pipeline = append(pipeline, []any{"发展对象" + strconv.Itoa(len(pipeline)), y.p.orgIDs[b], stage, since, applied,
			talked, activist, candidate, review, hours, stamp, stamp})
	}
	y.out.Pipeline = len(pipeline)
	return y.db.InTx(ctx, func(tx *store.Tx) error {
		for _, g := range keys {
			ids := groups[g]
			var approved any
			if g.approved {
				approved = g.admitted.AddDate(0, 1, 0)
			}
			for start := 0; start < len(ids); start += 1000 {
				part := ids[start:min(start+1000, len(ids))]
				args := append([]any{g.admitted, approved}, part...)
				if _, err := tx.ExecContext(ctx, `UPDATE people SET stage = 'probationary', stage_since = $1, admitted_at = $1, approved_at = $2
					WHERE id IN (`+store.Params(3, len(part))+`)`, args...); err != nil {
					return err
				}
			}
		}
		return insertRows(ctx, tx, "people", "name, org_id, stage, stage_since, applied_at, talked_at, activist_since, candidate_since, "+
			"political_review_done, training_hours, created_at, updated_at", pipeline)
	})
}

// activities writes every branch's held meetings of the year up to now, a thousand
// branches to a transaction.
func (y *yearBuilder) activities(ctx context.Context) error {
	const per = 1000
	for start := 0; start < len(y.p.branches); start += per {
		var acts, hosts [][]any
		for _, b := range y.p.branches[start:min(start+per, len(y.p.branches))] {
			a, h := y.branchYear(b)
			acts, hosts = append(acts, a...), append(hosts, h...)
		}
		err := y.db.InTx(ctx, func(tx *store.Tx) error {
			ids, err := insertReturning(ctx, tx, "activities", "kind, title, starts_at, ends_at, speaker_id, status, held_at, locks_at, "+
				"quorum_voting, quorum_present, created_at, updated_at", acts)
			if err != nil {
				return err
			}
			for i := range hosts {
				hosts[i][0] = ids[i]
			}
			return insertRows(ctx, tx, "activity_hosts", "activity_id, org_id, kind, held_year, held_month, present, late, on_leave, absent, by_secretary", hosts)
		})
		if err != nil {
			return err
		}
		y.out.Activities += len(acts)
	}
	return nil
}

// branchYear is one branch's held activities and their hosts rows (the activity id to
// be filled in).
func (y *yearBuilder) branchYear(b int32) (acts, hosts [][]any) {
	members := y.byBranch[b]
	committee := y.committee(b)
	org := y.p.orgIDs[b]
	held := y.out.Held[org]
	if held == nil {
		held = map[string][12]int{}
	}
	for _, plan := range branchYear {
		for _, m := range plan.months {
			start := time.Date(y.year, time.Month(m), plan.day, 19, 0, 0, 0, beijing)
			if !start.Add(2 * time.Hour).Before(y.now) {
				continue
			}
			if y.r.IntN(plan.miss) == 0 {
				y.out.Missed++
				continue
			}
			audience := len(members)
			if plan.kind == activity.CommitteeMeeting {
				audience = len(committee)
			}
			var t [4]int // present, late, on leave, absent
			for range audience {
				switch n := y.r.IntN(100); {
				case n < 80:
					t[0]++
				case n < 86:
					t[1]++
				case n < 94:
					t[2]++
				default:
					t[3]++
				}
			}
			var speaker any
			bySecretary := false
			if plan.kind == activity.PartyLecture && len(members) > 0 {
				// Now and then a lecture is given by a member rather than the secretary:
				// it is held, but does not meet the secretary's lecture rule.
				who := members[0]
				if y.r.IntN(10) == 0 {
					who = members[y.r.IntN(len(members))]
				}
				speaker, bySecretary = who, who == members[0]
			}
			var voting, present any
			if plan.kind == activity.GeneralMeeting {
				voting, present = audience, t[0]+t[1]
			}
			end := start.Add(2 * time.Hour)
			acts = append(acts, []any{string(plan.kind), plan.title, start, end, speaker, "held", end,
				end.AddDate(0, 0, 7), voting, present, y.created, end})
			hosts = append(hosts, []any{int64(0), org, string(plan.kind), y.year, m, t[0], t[1], t[2], t[3], bySecretary})
			key := string(plan.kind)
			if plan.kind == activity.PartyLecture && !bySecretary {
				key += "/other"
			}
			c := held[key]
			c[m-1]++
			held[key] = c
		}
	}
	y.out.Held[org] = held
	return acts, hosts
}

// campaign is the year's learning campaign over the whole province: two required
// courses, each branch somewhere between a third and nearly all of the way.
func (y *yearBuilder) campaign(ctx context.Context) error {
	root := y.p.orgIDs[0]
	starts, ends := time.Date(y.year, 3, 1, 0, 0, 0, 0, beijing), time.Date(y.year, 12, 31, 23, 59, 0, 0, beijing)
	return y.db.InTx(ctx, func(tx *store.Tx) error {
		var courses [2]int64
		for i := range courses {
			if err := tx.QueryRowContext(ctx, `INSERT INTO courses (org_id, title, required, minutes, visibility, created_at, updated_at)
				VALUES ($1, $2, TRUE, 45, 'subtree', $3, $3) RETURNING id`, root, "专题学习第"+strconv.Itoa(i+1)+"课", starts).Scan(&courses[i]); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO lessons (course_id, position, kind, title, body, min_seconds) VALUES ($1, 1, 'article', $2, $3, 300)`,
				courses[i], "原文学习", "<p>学习内容</p>"); err != nil {
				return err
			}
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO campaigns (org_id, title, starts_at, ends_at, target_courses, created_at)
			VALUES ($1, $2, $3, $4, 2, $3) RETURNING id`, root, strconv.Itoa(y.year)+"年专题学习", starts, ends).Scan(&id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_orgs (campaign_id, org_id) VALUES ($1, $2)`, id, root); err != nil {
			return err
		}
		for _, c := range courses {
			if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_courses (campaign_id, course_id) VALUES ($1, $2)`, id, c); err != nil {
				return err
			}
		}
		span := max(y.now.Sub(starts), time.Hour)
		var rows [][]any
		for _, b := range y.p.branches {
			rate := 30 + y.r.IntN(66)
			for _, person := range y.byBranch[b] {
				for i, c := range courses {
					if y.r.IntN(100) >= rate-10*i {
						break
					}
					rows = append(rows, []any{c, person, starts.Add(time.Duration(y.r.Int64N(int64(span))))})
				}
			}
			if len(rows) >= 20_000 {
				if err := insertRows(ctx, tx, "course_completions", "course_id, person_id, completed_at", rows); err != nil {
					return err
				}
				y.out.Completions += len(rows)
				rows = rows[:0]
			}
		}
		y.out.Completions += len(rows)
		return insertRows(ctx, tx, "course_completions", "course_id, person_id, completed_at", rows)
	})
}

// deliberation puts a topic to one branch in five and gives two in five a few ideas, in
// every status.
func (y *yearBuilder) deliberation(ctx context.Context) error {
	var topics, ideas [][]any
	statuses := []string{"submitted", "under_review", "adopted", "declined", "implemented"}
	categories := []string{"production", "quality", "cost", "safety", "management", "service", "other"}
	for _, b := range y.p.branches {
		members := y.byBranch[b]
		if len(members) == 0 {
			continue
		}
		org := y.p.orgIDs[b]
		if y.r.IntN(5) == 0 {
			opens := time.Date(y.year, time.Month(1+y.r.IntN(int(y.now.Month()))), 1+y.r.IntN(28), 9, 0, 0, 0, beijing)
			if opens.After(y.now) {
				opens = y.now.Add(-24 * time.Hour)
			}
			closes := opens.AddDate(0, 0, 14)
			status := "open"
			var decided any
			if closes.Before(y.now) {
				status, decided = []string{"decided", "done"}[y.r.IntN(2)], closes
			}
			topics = append(topics, []any{org, "议题" + strconv.Itoa(len(topics)), "proposal", "members", "live", opens, closes, status,
				decided, y.created, opens})
		}
		if y.r.IntN(5) < 2 {
			for range 1 + y.r.IntN(3) {
				at := y.created.Add(time.Duration(y.r.Int64N(int64(max(y.now.Sub(y.created), time.Hour)))))
				status := statuses[y.r.IntN(len(statuses))]
				var adopted, declined, implemented any
				switch status {
				case "adopted":
					adopted = at.Add(72 * time.Hour)
				case "declined":
					declined = at.Add(72 * time.Hour)
				case "implemented":
					adopted, implemented = at.Add(72*time.Hour), at.Add(30*24*time.Hour)
				}
				ideas = append(ideas, []any{org, members[y.r.IntN(len(members))], "金点子" + strconv.Itoa(len(ideas)), "建议内容",
					categories[y.r.IntN(len(categories))], status, at, adopted, declined, implemented, at})
			}
		}
	}
	y.out.Topics, y.out.Ideas = len(topics), len(ideas)
	return y.db.InTx(ctx, func(tx *store.Tx) error {
		ids, err := insertReturning(ctx, tx, "topics", "org_id, title, vote_kind, eligibility, results, opens_at, closes_at, status, "+
			"decided_at, created_at, updated_at", topics)
		if err != nil {
			return err
		}
		var options [][]any
		for _, id := range ids {
			for i, k := range []string{"agree", "disagree", "abstain"} {
				options = append(options, []any{id, k, i + 1})
			}
		}
		if err := insertRows(ctx, tx, "topic_options", "topic_id, key, position", options); err != nil {
			return err
		}
		return insertRows(ctx, tx, "ideas", "org_id, person_id, title, proposal, category, status, submitted_at, adopted_at, "+
			"declined_at, implemented_at, updated_at", ideas)
	})
}

// evaluation opens the year's standardization round over every branch: most scored,
// and rectifications, some still open, where items lost points.
func (y *yearBuilder) evaluation(ctx context.Context) error {
	svc := evaluation.New(y.db, nil, nil, nil, nil)
	if err := svc.InstallBuiltins(ctx); err != nil {
		return err
	}
	tmpl, err := svc.BuiltinID(ctx, "standardization")
	if err != nil {
		return fmt.Errorf("the standardization template: %w", err)
	}
	var items []int64
	rows, err := y.db.QueryContext(ctx, `SELECT id FROM eval_items WHERE template_id = $1 ORDER BY position`, tmpl)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		items = append(items, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return y.db.InTx(ctx, func(tx *store.Tx) error {
		var round int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO eval_rounds (template_id, org_id, title, year, deadline, status, created_at)
			VALUES ($1, $2, $3, $4, $5, 'open', $6) RETURNING id`, tmpl, y.p.orgIDs[0], strconv.Itoa(y.year)+"年度党支部标准化规范化考评",
			y.year, y.date(12, 31), y.created).Scan(&round); err != nil {
			return err
		}
		var subjects [][]any
		var scored []bool
		for _, b := range y.p.branches {
			s := y.r.IntN(5) != 0
			total := 0.0
			if s {
				total = float64(60 + y.r.IntN(41))
			}
			n := 0
			if s {
				n = 1
			}
			subjects = append(subjects, []any{round, y.p.orgIDs[b], n, total, y.now})
			scored = append(scored, s)
		}
		ids, err := insertReturning(ctx, tx, "assessments", "round_id, subject_org_id, scored, total, updated_at", subjects)
		if err != nil {
			return err
		}
		y.out.Assessments = len(ids)
		var rects [][]any
		for i, b := range y.p.branches {
			committee := y.committee(b)
			if !scored[i] || len(committee) == 0 || y.r.IntN(4) != 0 {
				continue
			}
			for range 1 + y.r.IntN(2) {
				status := []string{"open", "open", "fixed", "closed"}[y.r.IntN(4)]
				if status == "open" {
					y.out.OpenRects++
				}
				due := y.now.AddDate(0, 0, 30-y.r.IntN(60))
				rects = append(rects, []any{ids[i], items[y.r.IntN(len(items))], "整改事项", committee[0],
					time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, time.UTC), status, y.now})
			}
		}
		y.out.Rectifications = len(rects)
		return insertRows(ctx, tx, "rectifications", "assessment_id, item_id, title, owner_id, due_on, status, created_at", rects)
	})
}

// analyze gives the planner the sizes it works with, as autovacuum and a nightly ANALYZE
// would.
func (y *yearBuilder) analyze(ctx context.Context) error {
	for _, t := range []string{"orgs", "org_tree", "people", "posts", "activities", "activity_hosts", "activity_org_years",
		"courses", "course_completions", "campaigns", "topics", "ideas", "eval_rounds", "assessments", "rectifications",
		"point_entries", "point_counters"} {
		if err := y.db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "ANALYZE "+t)
			return err
		}); err != nil {
			return fmt.Errorf("analyze %s: %w", t, err)
		}
	}
	return nil
}

// paramsPerStatement keeps a multi-row statement well under both engines' limits on
// bound parameters.
const paramsPerStatement = 4000

// insertRows writes rows (all of the same width) in multi-row statements.
func insertRows(ctx context.Context, tx *store.Tx, table, cols string, rows [][]any) error {
	_, err := insert(ctx, tx, table, cols, rows, false)
	return err
}

// insertReturning writes rows and returns their ids, in the order of rows.
func insertReturning(ctx context.Context, tx *store.Tx, table, cols string, rows [][]any) ([]int64, error) {
	return insert(ctx, tx, table, cols, rows, true)
}

func insert(ctx context.Context, tx *store.Tx, table, cols string, rows [][]any, returning bool) ([]int64, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	width := strings.Count(cols, ",") + 1
	per := max(1, paramsPerStatement/width)
	var ids []int64
	args := make([]any, 0, per*width)
	for start := 0; start < len(rows); start += per {
		part := rows[start:min(start+per, len(rows))]
		args = args[:0]
		for _, r := range part {
			args = append(args, r...)
		}
		q := "INSERT INTO " + table + " (" + cols + ") VALUES " + store.Tuples(len(part), width)
		if !returning {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return nil, fmt.Errorf("insert into %s: %w", table, err)
			}
			continue
		}
		got, err := returningIDs(ctx, tx, q+" RETURNING id", args)
		if err != nil {
			return nil, fmt.Errorf("insert into %s: %w", table, err)
		}
		if len(got) != len(part) {
			return nil, fmt.Errorf("insert into %s: %d ids for %d rows", table, len(got), len(part))
		}
		ids = append(ids, got...)
	}
	return ids, nil
}

func returningIDs(ctx context.Context, tx *store.Tx, q string, args []any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	ids, err := store.IDs(rows)
	// RETURNING gives no order guarantee; the ids of one statement are consecutive and
	// follow the rows' order (as build() relies on).
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	return ids, err
}
