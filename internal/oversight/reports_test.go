package oversight_test

import (
	"context"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/auth"
	"vanguard/internal/learning"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/oversight"
	"vanguard/internal/points"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

var beijing = time.FixedZone("CST", 8*3600)

// world is a town committee with two branches, their members and a winter of records:
// what the test built is kept beside, so that the expected figures are counted from it
// and not from the tables the reports read.
type world struct {
	t        *testing.T
	ctx      context.Context
	db       *store.DB
	now      time.Time
	orgs     *org.Service
	people   *member.Service
	acts     *activity.Service
	learn    *learning.Service
	reports  *oversight.Reports
	town     org.Org
	a, b     org.Org
	members  map[int64][]member.Person // full and probationary members by branch
	meetings []meeting
}

// meeting is a held meeting as the test built it.
type meeting struct {
	org     int64
	kind    activity.Kind
	starts  time.Time
	present int
	late    int
	absent  int
}

func newWorld(t *testing.T, db *store.DB) *world {
	w := &world{t: t, ctx: context.Background(), db: db, now: time.Date(2024, 2, 1, 10, 0, 0, 0, beijing), members: map[int64][]member.Person{}}
	w.orgs = org.New(db)
	w.people = member.New(db, w.orgs)
	clock := func() time.Time { return w.now }
	w.acts = activity.New(db, activity.Options{Now: clock})
	ledger := points.New(db)
	w.learn = learning.New(db, w.orgs, w.people, ledger)
	w.reports = oversight.NewReports(db, w.acts, ledger, nil, clock)
	w.town = w.org(0, org.Committee, "城关镇党委")
	w.a = w.org(w.town.ID, org.Branch, "第一支部")
	w.b = w.org(w.town.ID, org.Branch, "第二支部")
	for i, name := range []string{"张一", "张二", "张三"} {
		w.member(w.a.ID, name, member.StageFull, time.Date(2010, time.Month(i+1), 1, 0, 0, 0, 0, time.UTC))
	}
	for i, name := range []string{"李一", "李二"} {
		w.member(w.b.ID, name, member.StageFull, time.Date(2012, time.Month(i+1), 1, 0, 0, 0, 0, time.UTC))
	}
	// Admitted by the second branch in November 2023: probation entered in Q4, not in December.
	w.member(w.b.ID, "李三", member.StageProbationary, time.Date(2023, 11, 15, 0, 0, 0, 0, time.UTC))
	return w
}

func (w *world) org(parent int64, kind org.Kind, name string) org.Org {
	w.t.Helper()
	o, err := w.orgs.Create(w.ctx, org.NewOrg{ParentID: parent, Kind: kind, Name: name})
	if err != nil {
		w.t.Fatalf("org %s: %v", name, err)
	}
	return o
}

func (w *world) member(orgID int64, name string, st member.Stage, joined time.Time) member.Person {
	w.t.Helper()
	p, err := w.people.Create(w.ctx, member.NewPerson{Name: name, OrgID: orgID, Stage: st, JoinedAt: joined})
	if err != nil {
		w.t.Fatalf("person %s: %v", name, err)
	}
	w.members[orgID] = append(w.members[orgID], p)
	return p
}

var admin = org.ScopeOf(auth.Account{ID: 1, IsAdmin: true}, org.Manage)

// hold holds a meeting of a branch: the first `absent` members absent, the next `late`
// late, everyone else present.
func (w *world) hold(orgID int64, kind activity.Kind, starts time.Time, late, absent int) {
	w.t.Helper()
	a, err := w.acts.Create(w.ctx, admin, activity.Input{Kind: kind, HostIDs: []int64{orgID}, Title: string(kind),
		StartsAt: starts, EndsAt: starts.Add(time.Hour)})
	if err != nil {
		w.t.Fatalf("create %s: %v", kind, err)
	}
	if _, err := w.acts.Move(w.ctx, admin, a.ID, activity.Held, ""); err != nil {
		w.t.Fatalf("hold %s: %v", kind, err)
	}
	var rc activity.RollCall
	for i, p := range w.members[orgID] {
		switch {
		case i < absent:
			rc.Marks = append(rc.Marks, activity.Mark{PersonID: p.ID, Presence: activity.Absent})
		case i < absent+late:
			rc.Marks = append(rc.Marks, activity.Mark{PersonID: p.ID, Presence: activity.Late})
		default:
			rc.Marks = append(rc.Marks, activity.Mark{PersonID: p.ID, Presence: activity.Present})
		}
	}
	if _, err := w.acts.RecordRollCall(w.ctx, admin, a.ID, rc); err != nil {
		w.t.Fatalf("roll call %s: %v", kind, err)
	}
	n := len(w.members[orgID])
	w.meetings = append(w.meetings, meeting{org: orgID, kind: kind, starts: starts, present: n - late - absent, late: late, absent: absent})
}

func (w *world) report(kind oversight.ReportKind, period string) oversight.Report {
	w.t.Helper()
	p, err := oversight.ParsePeriod(period, w.now)
	if err != nil {
		w.t.Fatal(err)
	}
	rep, err := w.reports.Report(w.ctx, kind, w.town.ID, p)
	if err != nil {
		w.t.Fatalf("%s %s: %v", kind, period, err)
	}
	return rep
}

// figure reads an organization's figure (0 for the total row) by column key.
func figure(t *testing.T, rep oversight.Report, orgID int64, key string) float64 {
	t.Helper()
	col := -1
	for i, c := range rep.Columns {
		if c.Key == key {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("%s has no column %s", rep.Kind, key)
	}
	if orgID == 0 {
		return rep.Total.Values[col]
	}
	for _, r := range rep.Rows {
		if r.OrgID == orgID {
			return r.Values[col]
		}
	}
	t.Fatalf("%s has no row for %d", rep.Kind, orgID)
	return 0
}

func (w *world) winter() {
	w.hold(w.a.ID, activity.CommitteeMeeting, time.Date(2023, 12, 5, 14, 0, 0, 0, beijing), 1, 0)
	// 23:30 on New Year's Eve in Beijing is still 2023 there, though 15:30 UTC.
	w.hold(w.a.ID, activity.GeneralMeeting, time.Date(2023, 12, 31, 23, 30, 0, 0, beijing), 1, 1)
	// 00:30 on New Year's Day in Beijing is 16:30 on 31 December UTC, but January's.
	w.hold(w.a.ID, activity.ThemeDay, time.Date(2024, 1, 1, 0, 30, 0, 0, beijing), 0, 0)
	w.hold(w.b.ID, activity.ThemeDay, time.Date(2023, 11, 20, 9, 0, 0, 0, beijing), 0, 2)
	w.hold(w.b.ID, activity.HeartTalk, time.Date(2023, 12, 1, 9, 0, 0, 0, beijing), 0, 0)
	// Volunteering is not organizational life: neither counted nor in the attendance.
	w.hold(w.b.ID, activity.VolunteerService, time.Date(2023, 12, 2, 9, 0, 0, 0, beijing), 0, 3)
}

// TestOrganizationalLifeMatchesTheRecords builds a winter of meetings and compares the
// organizational life report of December, the fourth quarter and the year with the
// figures counted from what was built.
func TestOrganizationalLifeMatchesTheRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.winter()
		for _, period := range []string{"2023-12", "2023-Q4", "2023", "2024-01"} {
			p, _ := oversight.ParsePeriod(period, w.now)
			from, to := oversight.Bounds(p)
			rep := w.report(oversight.OrganizationalLife, period)
			type sums struct{ held, talks, present, late, absent int }
			want := map[int64]*sums{w.town.ID: {}, w.a.ID: {}, w.b.ID: {}}
			byKind := map[int64]map[activity.Kind]int{w.a.ID: {}, w.b.ID: {}}
			total := sums{}
			for _, m := range w.meetings {
				if m.starts.Before(from) || !m.starts.Before(to) || !m.kind.OrgLife() {
					continue
				}
				s := want[m.org]
				if m.kind == activity.HeartTalk {
					s.talks++
				} else {
					byKind[m.org][m.kind]++
				}
				s.held++
				s.present += m.present
				s.late += m.late
				s.absent += m.absent
				total.held++
				total.present += m.present
				total.late += m.late
				total.absent += m.absent
			}
			for id, s := range want {
				for _, c := range []struct {
					key  string
					want int
				}{{"held_total", s.held}, {"heart_talks", s.talks}, {"present", s.present}, {"late", s.late}, {"absent", s.absent},
					{"held." + string(activity.GeneralMeeting), byKind[id][activity.GeneralMeeting]},
					{"held." + string(activity.CommitteeMeeting), byKind[id][activity.CommitteeMeeting]},
					{"held." + string(activity.ThemeDay), byKind[id][activity.ThemeDay]}} {
					if got := figure(t, rep, id, c.key); got != float64(c.want) {
						t.Errorf("%s org %d %s = %v, want %d", period, id, c.key, got, c.want)
					}
				}
			}
			if got := figure(t, rep, 0, "held_total"); got != float64(total.held) {
				t.Errorf("%s total held = %v, want %d", period, got, total.held)
			}
			if att := total.present + total.late + total.absent; att > 0 {
				rate := float64(int(float64(total.present+total.late)/float64(att)*1000+0.5)) / 10
				if got := figure(t, rep, 0, "attendance_rate"); got != rate {
					t.Errorf("%s total rate = %v, want %v", period, got, rate)
				}
			}
		}
		if rep := w.report(oversight.OrganizationalLife, "2023-12"); len(rep.Rows) != 3 || rep.Rows[0].OrgID != w.town.ID || !rep.TakenAt.Equal(w.now) {
			t.Errorf("rows %+v taken %v: want the town first, then its two branches, taken now", rep.Rows, rep.TakenAt)
		}
	})
}

// TestComplianceInAReport checks due, done and overdue against the branch work
// regulation's rules as the test states them: the committee meeting and the theme day
// monthly, the general meeting quarterly.
func TestComplianceInAReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.winter()
		rules := map[activity.Kind]int{activity.CommitteeMeeting: 1, activity.ThemeDay: 1, activity.GeneralMeeting: 3} // months per period
		for _, c := range []struct {
			period string
			months []int // the months of the period, all of 2023
		}{{"2023-12", []int{12}}, {"2023-Q4", []int{10, 11, 12}}} {
			rep := w.report(oversight.OrganizationalLife, c.period)
			for _, branch := range []int64{w.a.ID, w.b.ID} {
				due, done := 0, 0
				for kind, span := range rules {
					if span > len(c.months) {
						continue // a quarterly rule's quarter is not inside a month
					}
					for i := 0; i < len(c.months); i += span {
						due++
						for _, m := range w.meetings {
							mm := int(m.starts.In(beijing).Month())
							if m.org == branch && m.kind == kind && m.starts.In(beijing).Year() == 2023 && mm >= c.months[i] && mm < c.months[i]+span {
								done++
								break
							}
						}
					}
				}
				for key, want := range map[string]int{"due": due, "done": done, "overdue": due - done} {
					if got := figure(t, rep, branch, key); got != float64(want) {
						t.Errorf("%s branch %d %s = %v, want %d", c.period, branch, key, got, want)
					}
				}
			}
			if got := figure(t, rep, w.town.ID, "due"); got != 0 {
				t.Errorf("%s: the committee itself has no rule, due %v", c.period, got)
			}
		}
	})
}

// TestDevelopmentReport records steps across December and the new year, and compares.
func TestDevelopmentReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		p, err := w.people.Create(w.ctx, member.NewPerson{Name: "王申请", OrgID: w.a.ID, BirthDate: time.Date(1995, 5, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		applied := time.Date(2023, 12, 10, 0, 0, 0, 0, time.UTC)
		if _, err := w.people.Record(w.ctx, p.ID, member.Move{Transition: member.Transition{Kind: member.KindAdvance, To: member.StageApplicant, On: applied}}); err != nil {
			t.Fatal(err)
		}
		dec := w.report(oversight.Development, "2023-12")
		q4 := w.report(oversight.Development, "2023-Q4")
		nov := w.report(oversight.Development, "2023-11")
		for _, c := range []struct {
			rep  oversight.Report
			org  int64
			key  string
			want float64
		}{
			{dec, w.a.ID, "at_end.full", 3}, {dec, w.a.ID, "at_end.applicant", 1}, {dec, w.a.ID, "entered.applicant", 1},
			{dec, w.b.ID, "at_end.full", 2}, {dec, w.b.ID, "at_end.probationary", 1}, {dec, w.b.ID, "admitted", 0},
			{q4, w.b.ID, "admitted", 1}, {q4, w.a.ID, "entered.applicant", 1}, {q4, 0, "at_end.full", 5},
			{nov, w.a.ID, "at_end.applicant", 0}, {nov, w.b.ID, "at_end.probationary", 1}, {nov, 0, "admitted", 1},
			// The talk is due within a month of the application (by 10 January): not
			// overdue at the end of December, overdue by the end of 2024.
			{dec, w.a.ID, "steps_overdue", 0},
		} {
			if got := figure(t, c.rep, c.org, c.key); got != c.want {
				t.Errorf("%s org %d %s = %v, want %v", c.rep.Period, c.org, c.key, got, c.want)
			}
		}
		w.now = time.Date(2025, 1, 5, 9, 0, 0, 0, beijing)
		if got := figure(t, w.report(oversight.Development, "2024"), w.a.ID, "steps_overdue"); got != 1 {
			t.Errorf("2024 steps overdue = %v, want 1 (the talk)", got)
		}
	})
}

// TestLearningReport runs a December campaign with one required course.
func TestLearningReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		course, err := w.learn.CreateCourse(w.ctx, learning.NewCourse{OrgID: w.town.ID, Title: "冬训课程", Visibility: learning.Subtree,
			Lessons: []learning.NewLesson{{Kind: learning.Article, Title: "第一课", Body: "<p>正文</p>", MinSeconds: 10}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.learn.CreateCampaign(w.ctx, learning.Campaign{OrgID: w.town.ID, Title: "冬训", TargetCourses: 1,
			StartsAt: time.Date(2023, 12, 1, 0, 0, 0, 0, beijing), EndsAt: time.Date(2024, 1, 31, 0, 0, 0, 0, beijing),
			OrgIDs: []int64{w.town.ID}, CourseIDs: []int64{course.ID}}); err != nil {
			t.Fatal(err)
		}
		// The rows the learning service writes when a member completes a course's last
		// lesson: one member of the first branch in December, one of the second in January.
		done := []struct {
			p  member.Person
			at time.Time
		}{{w.members[w.a.ID][0], time.Date(2023, 12, 20, 10, 0, 0, 0, beijing)}, {w.members[w.b.ID][0], time.Date(2024, 1, 3, 10, 0, 0, 0, beijing)}}
		err = db.InTx(w.ctx, func(tx *store.Tx) error {
			for _, d := range done {
				if _, err := tx.ExecContext(w.ctx, `INSERT INTO course_completions (course_id, person_id, completed_at) VALUES ($1, $2, $3)`, course.ID, d.p.ID, d.at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		dec := w.report(oversight.Learning, "2023-12")
		jan := w.report(oversight.Learning, "2024-01")
		for _, c := range []struct {
			rep  oversight.Report
			org  int64
			key  string
			want float64
		}{
			{dec, w.a.ID, "campaigns", 1}, {dec, w.a.ID, "required", 3}, {dec, w.a.ID, "completed", 1}, {dec, w.a.ID, "courses_completed", 1},
			{dec, w.b.ID, "required", 3}, {dec, w.b.ID, "completed", 0}, {dec, 0, "required", 6}, {dec, 0, "completed", 1},
			{dec, 0, "completion_rate", 16.7}, {jan, 0, "completed", 2}, {jan, w.b.ID, "courses_completed", 1}, {jan, w.a.ID, "courses_completed", 0},
		} {
			if got := figure(t, c.rep, c.org, c.key); got != c.want {
				t.Errorf("%s org %d %s = %v, want %v", c.rep.Period, c.org, c.key, got, c.want)
			}
		}
		if got := figure(t, w.report(oversight.Learning, "2023-11"), 0, "campaigns"); got != 0 {
			t.Errorf("November: %v campaigns, want none", got)
		}
	})
}

// TestJointMeetingCountsOnceInTheTotal holds one theme day jointly by both branches: each
// branch's row counts it, as each would report it, but the town's total counts the
// meeting and the people at it once.
func TestJointMeetingCountsOnceInTheTotal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.hold(w.a.ID, activity.CommitteeMeeting, time.Date(2023, 12, 5, 14, 0, 0, 0, beijing), 0, 1)
		starts := time.Date(2023, 12, 18, 9, 0, 0, 0, beijing)
		a, err := w.acts.Create(w.ctx, admin, activity.Input{Kind: activity.ThemeDay, HostIDs: []int64{w.a.ID, w.b.ID}, Title: "联合主题党日",
			StartsAt: starts, EndsAt: starts.Add(2 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.acts.Move(w.ctx, admin, a.ID, activity.Held, ""); err != nil {
			t.Fatal(err)
		}
		// Everyone of both branches is there but the second branch's first member.
		var rc activity.RollCall
		joint := meeting{kind: activity.ThemeDay, starts: starts}
		for _, id := range []int64{w.a.ID, w.b.ID} {
			for i, p := range w.members[id] {
				if id == w.b.ID && i == 0 {
					rc.Marks = append(rc.Marks, activity.Mark{PersonID: p.ID, Presence: activity.Absent})
					joint.absent++
					continue
				}
				rc.Marks = append(rc.Marks, activity.Mark{PersonID: p.ID, Presence: activity.Present})
				joint.present++
			}
		}
		if _, err := w.acts.RecordRollCall(w.ctx, admin, a.ID, rc); err != nil {
			t.Fatal(err)
		}
		single := w.meetings[0]
		rep := w.report(oversight.OrganizationalLife, "2023-12")
		theme := "held." + string(activity.ThemeDay)
		for _, c := range []struct {
			org  int64
			key  string
			want int
		}{
			{w.a.ID, theme, 1}, {w.b.ID, theme, 1}, {w.a.ID, "held_total", 2}, {w.b.ID, "held_total", 1},
			{w.b.ID, "present", joint.present}, {w.b.ID, "absent", joint.absent},
			{0, theme, 1}, {0, "held_total", 2},
			{0, "present", single.present + joint.present}, {0, "absent", single.absent + joint.absent},
		} {
			if got := figure(t, rep, c.org, c.key); got != float64(c.want) {
				t.Errorf("org %d %s = %v, want %d", c.org, c.key, got, c.want)
			}
		}
		// Compliance is each host's own: the joint theme day fulfils both branches' rule.
		if got := figure(t, rep, 0, "done"); got != figure(t, rep, w.a.ID, "done")+figure(t, rep, w.b.ID, "done") {
			t.Errorf("total done %v is not the sum of the branches'", got)
		}
		if rep.Note != "" {
			t.Errorf("an untranslated report has a note %q", rep.Note)
		}
		rep.Translate(func(key string) string { return key }, "en")
		if rep.Note != "oversight.report.note.joint" {
			t.Errorf("the organizational life report's note is %q", rep.Note)
		}
	})
}
