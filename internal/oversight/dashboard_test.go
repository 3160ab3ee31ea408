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
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/oversight"
	"vanguard/internal/points"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

var beijing = time.FixedZone("CST", 8*3600)

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
		evals := evaluation.New(db, orgs, people, acts)
		if err := evals.InstallBuiltins(ctx); err != nil {
			t.Fatal(err)
		}
		svc := oversight.New(db, orgs, acts, ledger, evals)
		svc.SetClock(func() time.Time { return now })
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

		_ = b1Meeting
		_ = all

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

		// One level down: each branch with its own figures.
		if len(d.Children) != 2 || len(d.People) != 0 {
			t.Fatalf("children %+v, people %+v", d.Children, d.People)
		}
		for _, ch := range d.Children {
			if ch.Members != members[ch.OrgID] || ch.Pipeline != pipeline[ch.OrgID] || ch.Due != due/2 {
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
	})
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
