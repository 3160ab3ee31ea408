package oversight_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/auth"
	"vanguard/internal/evaluation"
	"vanguard/internal/learning"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/oversight"
	"vanguard/internal/points"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// TestDashboardMatchesTheRecords builds records on a small tree, computes the figures
// with plain loops over what it created, and compares them with the dashboard's.
//
//	镇党委 town ── 一支部 b1: m1, m2 (full), app (applicant, no talk for months), prob (probationary)
//	           └── 二支部 b2: m3 (full)
//	河西 other ── 河西支部 ob: x (full) — out of the town's scope
func TestDashboardMatchesTheRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2025, 6, 1, 10, 0, 0, 0, beijing)
		clock := now
		orgs := org.New(db)
		people := member.New(db, orgs)
		acts := activity.New(db, activity.Options{Now: func() time.Time { return clock }})
		ledger := points.New(db)
		evals := evaluation.New(db, orgs, people, acts, ledger)
		if err := evals.InstallBuiltins(ctx); err != nil {
			t.Fatal(err)
		}
		svc := oversight.New(db, orgs, acts, ledger, evals)
		svc.SetClock(func() time.Time { return now })
		// The figures are compared with records written a moment before: no cache.
		svc.SetCache(oversight.CacheOptions{})
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		mkOrg := func(parent int64, kind org.Kind, name string) org.Org {
			o, err := orgs.Create(ctx, org.NewOrg{ParentID: parent, Kind: kind, Name: name})
			must(err)
			return o
		}
		town := mkOrg(0, org.Committee, "镇党委")
		b1 := mkOrg(town.ID, org.Branch, "一支部")
		b2 := mkOrg(town.ID, org.Branch, "二支部")
		other := mkOrg(0, org.Committee, "河西")
		ob := mkOrg(other.ID, org.Branch, "河西支部")
		joined := time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC)
		mkPerson := func(orgID int64, name string, n member.NewPerson) member.Person {
			n.Name, n.OrgID = name, orgID
			if n.Stage == "" {
				n.Stage, n.JoinedAt = member.StageFull, joined
			}
			p, err := people.Create(ctx, n)
			must(err)
			return p
		}
		m1 := mkPerson(b1.ID, "甲", member.NewPerson{})
		m2 := mkPerson(b1.ID, "乙", member.NewPerson{})
		app := mkPerson(b1.ID, "丙", member.NewPerson{Stage: member.StageApplicant})
		prob := mkPerson(b1.ID, "丁", member.NewPerson{Stage: member.StageProbationary, JoinedAt: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)})
		m3 := mkPerson(b2.ID, "戊", member.NewPerson{})
		x := mkPerson(ob.ID, "己", member.NewPerson{})
		all := []member.Person{m1, m2, app, prob, m3, x}
		// The applicant applied in January; the probationer was admitted in April.
		must(db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE people SET applied_at = $1, stage_since = $1 WHERE id = $2`,
				time.Date(2025, 1, 5, 0, 0, 0, 0, time.UTC), app.ID); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE people SET stage_since = $1, admitted_at = $1 WHERE id = $2`,
				time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), prob.ID)
			return err
		}))

		// Organizational life: a general meeting in each branch in February (b1: m1
		// present, m2 absent; b2: m3 late), and one in the other tree.
		admin := org.ScopeOf(auth.Account{ID: 1, IsAdmin: true}, org.Manage)
		type held struct {
			host  int64
			kind  activity.Kind
			marks map[int64]activity.Presence
		}
		meetings := []held{
			{b1.ID, activity.GeneralMeeting, map[int64]activity.Presence{m1.ID: activity.Present, m2.ID: activity.Absent}},
			{b2.ID, activity.GeneralMeeting, map[int64]activity.Presence{m3.ID: activity.Late}},
			{ob.ID, activity.GeneralMeeting, map[int64]activity.Presence{x.ID: activity.Present}},
		}
		var b1Meeting int64
		for i, h := range meetings {
			start := time.Date(2025, 2, 10+i, 14, 0, 0, 0, beijing)
			a, err := acts.Create(ctx, admin, activity.Input{Kind: h.kind, HostIDs: []int64{h.host}, Title: "支部党员大会",
				StartsAt: start, EndsAt: start.Add(time.Hour)})
			must(err)
			clock = start.Add(time.Hour)
			_, err = acts.Move(ctx, admin, a.ID, activity.Held, "")
			must(err)
			var marks []activity.Mark
			for id, p := range h.marks {
				marks = append(marks, activity.Mark{PersonID: id, Presence: p})
			}
			_, err = acts.RecordRollCall(ctx, admin, a.ID, activity.RollCall{Marks: marks})
			must(err)
			if h.host == b1.ID {
				b1Meeting = a.ID
			}
		}
		clock = now

		// Points in March: totals 5 (m1), 12 (m3) and 100 outside; stars at 10 points.
		award := map[int64]int{m1.ID: 5, m3.ID: 12, x.ID: 100}
		must(db.InTx(ctx, func(tx *store.Tx) error {
			var events []points.Event
			for id, n := range award {
				events = append(events, points.Event{Key: "award-" + itoa(id), PersonID: id, Rule: "learning-platform", Points: &n,
					OccurredAt: time.Date(2025, 3, 3, 10, 0, 0, 0, beijing), Source: "import"})
			}
			res, err := ledger.RecordSystem(ctx, tx, events)
			for _, r := range res {
				if r.Status != points.Recorded {
					t.Errorf("point event: %+v", r)
				}
			}
			return err
		}))
		must(ledger.SetThresholds(ctx, town.ID, points.QuarterPeriod, []points.Threshold{{Stars: 1, Points: 10}}))

		// A campaign of the town asking for b1's general meeting: m1 attended it.
		learn := learning.New(db, orgs, people, ledger)
		_, err := learn.CreateCampaign(ctx, learning.Campaign{OrgID: town.ID, Title: "冬训", TargetActivities: 1,
			StartsAt: time.Date(2025, 1, 1, 0, 0, 0, 0, beijing), EndsAt: time.Date(2025, 3, 1, 0, 0, 0, 0, beijing),
			OrgIDs: []int64{town.ID}, ActivityIDs: []int64{b1Meeting}})
		must(err)

		// Topics and ideas as their tables hold them: two in the quarter in the town, one
		// of last year, one in the other tree.
		type rec struct {
			orgID  int64
			status string
			at     time.Time
		}
		inQ1, lastYear := time.Date(2025, 2, 1, 9, 0, 0, 0, beijing), time.Date(2024, 11, 1, 9, 0, 0, 0, beijing)
		topics := []rec{{b1.ID, "open", inQ1}, {b2.ID, "decided", inQ1}, {b1.ID, "open", lastYear}, {ob.ID, "open", inQ1}}
		ideas := []rec{{b1.ID, "adopted", inQ1}, {town.ID, "submitted", inQ1}, {b2.ID, "adopted", inQ1}, {ob.ID, "declined", inQ1}}
		var roundID, templateID, itemID int64
		must(db.InTx(ctx, func(tx *store.Tx) error {
			for _, r := range topics {
				if _, err := tx.ExecContext(ctx, `INSERT INTO topics (org_id, title, vote_kind, eligibility, results, opens_at, closes_at,
					status, created_at, updated_at) VALUES ($1, '修路', 'proposal', 'members', 'public', $2, $3, $4, $2, $2)`,
					r.orgID, r.at, r.at.AddDate(0, 0, 7), r.status); err != nil {
					return err
				}
			}
			for _, r := range ideas {
				if _, err := tx.ExecContext(ctx, `INSERT INTO ideas (org_id, person_id, title, proposal, category, status, submitted_at,
					updated_at) VALUES ($1, $2, '金点子', '建议', 'other', $3, $4, $4)`, r.orgID, m1.ID, r.status, r.at); err != nil {
					return err
				}
			}
			// An evaluation round of the county's kind over both branches and the other
			// tree's: b1 complete at 95, b2 not scored yet, ob complete.
			if err := tx.QueryRowContext(ctx, `SELECT id FROM eval_templates WHERE subject = 'org' ORDER BY id LIMIT 1`).Scan(&templateID); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT MIN(id) FROM eval_items WHERE template_id = $1`, templateID).Scan(&itemID); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO eval_rounds (template_id, org_id, title, year, deadline, status, created_at)
				VALUES ($1, $2, '支部标准化', 2024, $3, 'closed', $4) RETURNING id`, templateID, town.ID,
				time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC), now).Scan(&roundID); err != nil {
				return err
			}
			for _, a := range []struct {
				orgID  int64
				scored string
				total  float64
				rects  []string
			}{{b1.ID, "all", 95, []string{"open", "closed"}}, {b2.ID, "none", 0, nil}, {ob.ID, "all", 70, []string{"open"}}} {
				var id int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO assessments (round_id, subject_org_id, scored, total, updated_at)
					VALUES ($1, $2, CASE WHEN $3 = 'all' THEN (SELECT COUNT(*) FROM eval_items WHERE template_id = $4) ELSE 0 END, $5, $6) RETURNING id`,
					roundID, a.orgID, a.scored, templateID, a.total, now).Scan(&id); err != nil {
					return err
				}
				for _, st := range a.rects {
					if _, err := tx.ExecContext(ctx, `INSERT INTO rectifications (assessment_id, item_id, title, owner_id, due_on, status, created_at)
						VALUES ($1, $2, '整改', $3, $4, $5, $6)`, id, itemID, m1.ID, time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), st, now); err != nil {
						return err
					}
				}
			}
			return nil
		}))

		p, err := oversight.ParsePeriod("2025-Q1", now)
		must(err)
		d, err := svc.Dashboard(ctx, town.ID, p)
		must(err)

		// Meetings: every built-in rule of a branch, its periods overlapping the quarter;
		// held where a meeting of its kind was held in it; overdue when ended unheld.
		from, to := oversight.Bounds(p)
		var due, done, overdue int
		for _, branch := range []int64{b1.ID, b2.ID} {
			for _, r := range activity.BuiltinRules() {
				if r.OrgKind != org.Branch || r.Kind == activity.HeartTalk { // no committee: no pair is due
					continue
				}
				for i := range r.Frequency.Periods() {
					start, end := activity.PeriodBounds(r.Frequency, 2025, i)
					if !end.After(from) || !start.Before(to) {
						continue
					}
					due++
					ok := false
					for j, h := range meetings {
						at := time.Date(2025, 2, 10+j, 14, 0, 0, 0, beijing)
						if h.host == branch && h.kind == r.Kind && !at.Before(start) && at.Before(end) {
							ok = true
						}
					}
					if ok {
						done++
					} else if !now.Before(end) {
						overdue++
					}
				}
			}
		}
		if d.Meetings.Due != due || d.Meetings.Held != done || d.Meetings.Overdue != overdue {
			t.Errorf("meetings %d due, %d held, %d overdue; want %d, %d, %d", d.Meetings.Due, d.Meetings.Held, d.Meetings.Overdue, due, done, overdue)
		}
		var attended, expected int
		// The audience is the host's members; whoever the roll call left unmarked was
		// absent once the meeting was held.
		for _, h := range meetings[:2] {
			for _, pe := range all {
				if pe.OrgID != h.host || !pe.Stage.IsMember() {
					continue
				}
				expected++
				if pr := h.marks[pe.ID]; pr == activity.Present || pr == activity.Late {
					attended++
				}
			}
		}
		if want := float64(attended) / float64(expected); d.Attendance.Rate != want {
			t.Errorf("attendance rate %v, want %v", d.Attendance.Rate, want)
		}

		// People: members, the pipeline and its overdue step (the talk with the applicant
		// was due a month after the application).
		members, pipeline := map[int64]int{}, map[int64]int{}
		for _, pe := range all {
			if pe.OrgID == ob.ID {
				continue
			}
			if pe.Stage.IsMember() {
				members[pe.OrgID]++
			}
			if pe.Stage != member.StageFull && pe.Stage != member.StageResident {
				pipeline[pe.OrgID]++
			}
		}
		if d.Members != members[b1.ID]+members[b2.ID] || d.Pipeline.Total != pipeline[b1.ID]+pipeline[b2.ID] {
			t.Errorf("members %d, pipeline %d; want %v, %v", d.Members, d.Pipeline.Total, members, pipeline)
		}
		if d.Pipeline.Overdue != 1 || len(d.Pipeline.OverdueSteps) != 1 || d.Pipeline.OverdueSteps[0].Status != "development.step.talk" {
			t.Errorf("overdue steps %d %+v, want the applicant's talk", d.Pipeline.Overdue, d.Pipeline.OverdueSteps)
		}

		// Points: the totals of the town's people, bucketed; a star from 10 points.
		var total, earners, starred int
		for id, n := range award {
			if id == x.ID {
				continue
			}
			total, earners = total+n, earners+1
			if n >= 10 {
				starred++
			}
		}
		if d.Points.Total != total || d.Points.People != earners || len(d.Points.Stars) != 1 || d.Points.Stars[0].Count != starred {
			t.Errorf("points %+v, want %d people, %d points, %d starred", d.Points, earners, total, starred)
		}
		if d.Points.RankingsOn || d.Points.Top != nil {
			t.Errorf("rankings off, yet %+v", d.Points)
		}

		// The campaign: the town's members, those who attended the meeting it asks for.
		var takers, complete int
		for _, pe := range all {
			if pe.OrgID == ob.ID || !pe.Stage.IsMember() {
				continue
			}
			takers++
			if pr := meetings[0].marks[pe.ID]; pe.OrgID == b1.ID && (pr == activity.Present || pr == activity.Late) {
				complete++
			}
		}
		if len(d.Campaigns) != 1 || d.Campaigns[0].Members != takers || d.Campaigns[0].Complete != complete {
			t.Errorf("campaigns %+v, want %d of %d complete", d.Campaigns, complete, takers)
		}

		// Topics and ideas of the town opened in the quarter, by status.
		count := func(list []rec) map[string]int {
			out := map[string]int{}
			for _, r := range list {
				if r.orgID != ob.ID && !r.at.Before(from) && r.at.Before(to) {
					out[r.status]++
				}
			}
			return out
		}
		for name, c := range map[string]struct {
			got  []oversight.StatusCount
			want map[string]int
		}{"topics": {d.Topics, count(topics)}, "ideas": {d.Ideas, count(ideas)}} {
			seen := 0
			for _, sc := range c.got {
				seen += sc.Count
				if sc.Count != c.want[sc.Status] {
					t.Errorf("%s %s: %d, want %d", name, sc.Status, sc.Count, c.want[sc.Status])
				}
			}
			total := 0
			for _, n := range c.want {
				total += n
			}
			if seen != total {
				t.Errorf("%s: %d counted, want %d", name, seen, total)
			}
		}

		// The round: two subjects in the town, one complete at 95; one open rectification,
		// past its due date.
		r, err := evals.Round(ctx, roundID)
		must(err)
		var level evaluation.Level
		for i := len(r.Template.Bands) - 1; i >= 0; i-- {
			if b := r.Template.Bands[i]; 95 >= b.Min {
				level = b.Level
			}
		}
		if len(d.Evaluations) != 1 || d.Evaluations[0].Subjects != 2 || d.Evaluations[0].Complete != 1 {
			t.Fatalf("evaluations %+v", d.Evaluations)
		}
		for _, lc := range d.Evaluations[0].Levels {
			if want := b2i(lc.Level == level); lc.Count != want {
				t.Errorf("level %s: %d, want %d", lc.Level, lc.Count, want)
			}
		}
		if d.Rectifications.Open != 1 || d.Rectifications.Overdue != 1 {
			t.Errorf("rectifications %+v, want one open and overdue", d.Rectifications)
		}

		// One level down: each branch with its own figures.
		if len(d.Children) != 2 || len(d.People) != 0 {
			t.Fatalf("children %+v, people %+v", d.Children, d.People)
		}
		for _, ch := range d.Children {
			wantRect := b2i(ch.OrgID == b1.ID)
			if ch.Members != members[ch.OrgID] || ch.Pipeline != pipeline[ch.OrgID] || ch.Due != due/2 || ch.OpenRectifications != wantRect {
				t.Errorf("child %s: %+v; want %d members, %d in development, %d due", ch.Name, ch, members[ch.OrgID], pipeline[ch.OrgID], due/2)
			}
		}

		// A branch lists its people — nobody from elsewhere — by id, whatever their points.
		bd, err := svc.Dashboard(ctx, b1.ID, p)
		must(err)
		var ids []int64
		for _, pe := range bd.People {
			ids = append(ids, pe.PersonID)
			if pe.PersonID == m1.ID && (pe.Points != award[m1.ID] || pe.Attended != 1 || pe.Expected != 1) {
				t.Errorf("m1 %+v", pe)
			}
			if pe.PersonID == app.ID && pe.OverdueStep != "development.step.talk" {
				t.Errorf("the applicant's overdue step: %+v", pe)
			}
		}
		if want := []int64{m1.ID, m2.ID, app.ID, prob.ID}; !equal(ids, want) {
			t.Errorf("b1's people %v, want %v", ids, want)
		}
		raw, err := json.Marshal(bd)
		must(err)
		if strings.Contains(string(raw), `"top"`) || strings.Contains(string(raw), `"rank"`) || strings.Contains(string(raw), x.Name) {
			t.Errorf("a ranking or an outsider in a branch's dashboard: %s", raw)
		}

		// With rankings switched on, the town's ranking appears, highest first.
		must(ledger.SaveSettings(ctx, points.Settings{OrgID: town.ID, Rankings: true, ObjectionDays: 15}))
		d, err = svc.Dashboard(ctx, town.ID, p)
		must(err)
		if len(d.Points.Top) != 2 || d.Points.Top[0].PersonID != m3.ID || d.Points.Top[1].PersonID != m1.ID {
			t.Errorf("rankings on: %+v", d.Points.Top)
		}
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
