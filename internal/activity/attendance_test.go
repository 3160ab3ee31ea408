package activity_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

func TestLeave(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		branch := e.org(root.ID, org.Branch, "支部")
		other := e.org(root.ID, org.Branch, "别的支部")
		a1 := e.full(branch.ID, "甲")
		a2 := e.full(branch.ID, "乙")
		a3 := e.full(branch.ID, "丙")
		stranger := e.full(other.ID, "外人")
		act := e.create(meeting(branch.ID))
		secretary := e.manager("secretary", branch.ID)
		otherSecretary := e.manager("other", other.ID)

		before := e.snapshot()
		refused := []struct {
			name   string
			person int64
			reason string
			key    string
		}{
			{"no reason", a1.ID, "  ", "error.required"},
			{"not in the audience", stranger.ID, "出差", "activity.error.not_in_audience"},
		}
		for _, c := range refused {
			if err := e.svc.RequestLeave(e.ctx, act.ID, c.person, c.reason); !slices.Equal(errKeys(err), []string{c.key}) {
				t.Errorf("%s: %v, want %s", c.name, err, c.key)
			}
		}
		if err := e.svc.DecideLeave(e.ctx, secretary, act.ID, a1.ID, true); !slices.Equal(errKeys(err), []string{"activity.error.no_leave_request"}) {
			t.Errorf("deciding without a request: %v", err)
		}
		if after := e.snapshot(); after != before {
			t.Errorf("refused leave changed the database")
		}

		for _, p := range []member.Person{a1, a2, a3} {
			if err := e.svc.RequestLeave(e.ctx, act.ID, p.ID, "外出培训"); err != nil {
				t.Fatalf("request leave: %v", err)
			}
		}
		if err := e.svc.RequestLeave(e.ctx, act.ID, a1.ID, "身体不适"); err != nil {
			t.Errorf("asking again: %v", err)
		}
		if err := e.svc.DecideLeave(e.ctx, otherSecretary, act.ID, a1.ID, true); !errors.Is(err, activity.ErrForbidden) {
			t.Errorf("another branch's secretary decided: %v", err)
		}
		if err := e.svc.DecideLeave(e.ctx, secretary, act.ID, a1.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DecideLeave(e.ctx, secretary, act.ID, a2.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DecideLeave(e.ctx, secretary, act.ID, a1.ID, false); !slices.Equal(errKeys(err), []string{"activity.error.no_leave_request"}) {
			t.Errorf("deciding twice: %v", err)
		}
		if err := e.svc.RequestLeave(e.ctx, act.ID, a1.ID, "again"); !slices.Equal(errKeys(err), []string{"activity.error.leave_approved"}) {
			t.Errorf("asking after approval: %v", err)
		}
		got1, _ := e.svc.Attendance(e.ctx, act.ID, a1.ID)
		got2, _ := e.svc.Attendance(e.ctx, act.ID, a2.ID)
		got3, _ := e.svc.Attendance(e.ctx, act.ID, a3.ID)
		if got1.Presence != activity.OnLeave || got1.LeaveState != activity.LeaveApproved || got1.LeaveReason != "身体不适" {
			t.Errorf("approved: %+v", got1)
		}
		if got2.Presence != activity.Invited || got2.LeaveState != activity.LeaveDeclined {
			t.Errorf("declined: %+v", got2)
		}
		if got3.Presence != activity.Invited || got3.LeaveState != activity.LeaveRequested {
			t.Errorf("pending: %+v", got3)
		}
		// Once held, no more requests; a pending one may still be granted afterwards.
		e.clock.Set(act.EndsAt)
		e.move(act.ID, activity.Held)
		if err := e.svc.RequestLeave(e.ctx, act.ID, a2.ID, "补假"); !slices.Equal(errKeys(err), []string{"activity.error.not_planned"}) {
			t.Errorf("asking after it was held: %v", err)
		}
		if err := e.svc.DecideLeave(e.ctx, secretary, act.ID, a3.ID, true); err != nil {
			t.Fatal(err)
		}
		want := map[int64]activity.Presence{a1.ID: activity.OnLeave, a2.ID: activity.Absent, a3.ID: activity.OnLeave}
		if got := e.presences(act.ID); !mapsEqual(got, want) {
			t.Errorf("after holding: %v, want %v", got, want)
		}
	})
}

// The roll call marks many people in one go, all or nothing.
func TestRollCall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		branch := e.org(root.ID, org.Branch, "支部")
		other := e.org(root.ID, org.Branch, "别的支部")
		var ms []member.Person
		for _, n := range []string{"一", "二", "三", "四", "五", "六"} {
			ms = append(ms, e.full(branch.ID, n))
		}
		stranger := e.full(other.ID, "外人")
		act := e.create(meeting(branch.ID))
		if err := e.svc.RequestLeave(e.ctx, act.ID, ms[5].ID, "值班"); err != nil {
			t.Fatal(err)
		}
		e.clock.Set(act.StartsAt.Add(3 * time.Minute))

		before := e.snapshot()
		bad := []struct {
			name string
			rc   activity.RollCall
			key  string
		}{
			{"someone outside the audience", activity.RollCall{Marks: []activity.Mark{{PersonID: ms[0].ID, Presence: activity.Present}, {PersonID: stranger.ID, Presence: activity.Present}}}, "activity.error.not_in_audience"},
			{"an unknown status", activity.RollCall{Marks: []activity.Mark{{PersonID: ms[0].ID, Presence: "sleeping"}}}, "activity.error.presence"},
			{"the rest back to invited", activity.RollCall{Others: activity.Invited}, "activity.error.presence"},
		}
		for _, c := range bad {
			if _, err := e.svc.RecordRollCall(e.ctx, e.admin, act.ID, c.rc); !slices.Equal(errKeys(err), []string{c.key}) {
				t.Errorf("%s: %v, want %s", c.name, err, c.key)
			}
		}
		if after := e.snapshot(); after != before {
			t.Errorf("a refused roll call changed the database")
		}
		// Tick the exceptions, the rest were present; the pending leave stays for a decision.
		// Someone marked on leave at the roll call does not ask for leave again.
		tally, err := e.svc.RecordRollCall(e.ctx, e.admin, act.ID, activity.RollCall{
			Marks:  []activity.Mark{{PersonID: ms[1].ID, Presence: activity.Late}, {PersonID: ms[2].ID, Presence: activity.Absent}, {PersonID: ms[3].ID, Presence: activity.OnLeave}},
			Others: activity.Present,
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := (activity.Tally{Invited: 1, Present: 2, Late: 1, Leave: 1, Absent: 1}); tally != want {
			t.Errorf("tally = %+v, want %+v", tally, want)
		}
		if err := e.svc.RequestLeave(e.ctx, act.ID, ms[3].ID, "补请假"); !slices.Equal(errKeys(err), []string{"activity.error.leave_approved"}) {
			t.Errorf("asking for leave when marked on leave: %v", err)
		}
		// A correction: the absent one arrived; someone marked by mistake is unmarked.
		if _, err := e.svc.RecordRollCall(e.ctx, e.admin, act.ID, activity.RollCall{Marks: []activity.Mark{{PersonID: ms[2].ID, Presence: activity.Late}, {PersonID: ms[0].ID, Presence: activity.Invited}}}); err != nil {
			t.Fatal(err)
		}
		want := map[int64]activity.Presence{ms[0].ID: activity.Invited, ms[1].ID: activity.Late, ms[2].ID: activity.Late,
			ms[3].ID: activity.OnLeave, ms[4].ID: activity.Present, ms[5].ID: activity.Invited}
		if got := e.presences(act.ID); !mapsEqual(got, want) {
			t.Errorf("presences = %v, want %v", got, want)
		}
		at, _ := e.svc.Attendance(e.ctx, act.ID, ms[4].ID)
		if at.Method != activity.MethodRollCall || at.SignedInAt == nil {
			t.Errorf("marked present: %+v", at)
		}

		// Held: no one can go back to invited; after the lock, nothing changes.
		e.clock.Set(act.EndsAt)
		e.move(act.ID, activity.Held)
		if _, err := e.svc.RecordRollCall(e.ctx, e.admin, act.ID, activity.RollCall{Marks: []activity.Mark{{PersonID: ms[1].ID, Presence: activity.Invited}}}); !slices.Equal(errKeys(err), []string{"activity.error.presence"}) {
			t.Errorf("back to invited after holding: %v", err)
		}
		e.clock.Add(activity.RecordLockDays * 24 * time.Hour)
		if _, err := e.svc.RecordRollCall(e.ctx, e.admin, act.ID, activity.RollCall{Marks: []activity.Mark{{PersonID: ms[1].ID, Presence: activity.Present}}}); !slices.Equal(errKeys(err), []string{"activity.error.attendance_locked"}) {
			t.Errorf("after the lock: %v", err)
		}
		// A cancelled activity takes no roll call.
		b := e.create(meeting(branch.ID))
		e.move(b.ID, activity.Cancelled)
		if _, err := e.svc.RecordRollCall(e.ctx, e.admin, b.ID, activity.RollCall{Others: activity.Present}); !slices.Equal(errKeys(err), []string{"activity.error.cancelled"}) {
			t.Errorf("roll call of a cancelled activity: %v", err)
		}
	})
}

// Rates for a person and an organization count held activities only.
func TestAttendanceRates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		b1 := e.org(root.ID, org.Branch, "一支部")
		b2 := e.org(root.ID, org.Branch, "二支部")
		x := e.full(b1.ID, "甲")
		y := e.full(b1.ID, "乙")
		z := e.full(b2.ID, "丙")
		hold := func(hosts []int64, day int, marks ...activity.Mark) {
			t.Helper()
			in := meeting(hosts...)
			in.StartsAt = time.Date(2025, 2, day, 14, 0, 0, 0, beijing)
			in.EndsAt = in.StartsAt.Add(time.Hour)
			a := e.create(in)
			e.clock.Set(in.StartsAt)
			if _, err := e.svc.RecordRollCall(e.ctx, e.admin, a.ID, activity.RollCall{Marks: marks}); err != nil {
				t.Fatal(err)
			}
			e.clock.Set(in.EndsAt)
			e.move(a.ID, activity.Held)
		}
		hold([]int64{b1.ID}, 3, activity.Mark{PersonID: x.ID, Presence: activity.Present}, activity.Mark{PersonID: y.ID, Presence: activity.Late})
		hold([]int64{b1.ID}, 10, activity.Mark{PersonID: x.ID, Presence: activity.Present}, activity.Mark{PersonID: y.ID, Presence: activity.OnLeave})
		hold([]int64{b1.ID, b2.ID}, 17, activity.Mark{PersonID: z.ID, Presence: activity.Present})
		e.create(meeting(b1.ID)) // planned: not counted

		from, to := time.Date(2025, 2, 1, 0, 0, 0, 0, beijing), time.Date(2025, 3, 1, 0, 0, 0, 0, beijing)
		cases := []struct {
			name string
			get  func() (activity.Tally, error)
			want activity.Tally
			rate float64
		}{
			{"甲", func() (activity.Tally, error) { return e.svc.PersonAttendance(e.ctx, x.ID, from, to) }, activity.Tally{Present: 2, Absent: 1}, 2.0 / 3},
			{"乙", func() (activity.Tally, error) { return e.svc.PersonAttendance(e.ctx, y.ID, from, to) }, activity.Tally{Late: 1, Leave: 1, Absent: 1}, 1.0 / 3},
			{"丙", func() (activity.Tally, error) { return e.svc.PersonAttendance(e.ctx, z.ID, from, to) }, activity.Tally{Present: 1}, 1},
			{"一支部", func() (activity.Tally, error) { return e.svc.OrgAttendance(e.ctx, b1.ID, from, to) }, activity.Tally{Present: 3, Late: 1, Leave: 1, Absent: 2}, 4.0 / 7},
			{"二支部", func() (activity.Tally, error) { return e.svc.OrgAttendance(e.ctx, b2.ID, from, to) }, activity.Tally{Present: 1, Absent: 2}, 1.0 / 3},
			{"党委, the joint meeting once", func() (activity.Tally, error) { return e.svc.OrgAttendance(e.ctx, root.ID, from, to) }, activity.Tally{Present: 3, Late: 1, Leave: 1, Absent: 2}, 4.0 / 7},
			{"another month", func() (activity.Tally, error) { return e.svc.OrgAttendance(e.ctx, root.ID, to, to.AddDate(0, 1, 0)) }, activity.Tally{}, 0},
		}
		for _, c := range cases {
			got, err := c.get()
			if err != nil || got != c.want || math.Abs(got.Rate()-c.rate) > 1e-9 {
				t.Errorf("%s: %+v rate %.3f, %v; want %+v rate %.3f", c.name, got, got.Rate(), err, c.want, c.rate)
			}
		}
	})
}

// Members who took part in no organizational life since a date, with the last time they
// did.
func TestInactiveMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		branch := e.org(root.ID, org.Branch, "支部")
		group := e.org(branch.ID, org.Group, "小组")
		other := e.org(root.ID, org.Branch, "别的支部")
		active := e.full(branch.ID, "常来")
		lapsed := e.full(group.ID, "去年来过")
		never := e.person(branch.ID, "从没来", member.StageProbationary)
		volunteer := e.full(branch.ID, "只做志愿")
		activist := e.person(branch.ID, "积极分子", member.StageActivist)
		newcomer, err := e.people.Create(e.ctx, member.NewPerson{Name: "新党员", OrgID: branch.ID, Stage: member.StageProbationary,
			JoinedAt: time.Date(2025, 1, 5, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		elsewhere := e.full(other.ID, "别处")

		hold := func(kind activity.Kind, start time.Time, attended ...member.Person) {
			t.Helper()
			in := meeting(branch.ID)
			in.Kind, in.StartsAt, in.EndsAt, in.IncludeDevelopment = kind, start, start.Add(time.Hour), true
			a := e.create(in)
			e.clock.Set(in.StartsAt)
			var marks []activity.Mark
			for _, p := range attended {
				marks = append(marks, activity.Mark{PersonID: p.ID, Presence: activity.Present})
			}
			if _, err := e.svc.RecordRollCall(e.ctx, e.admin, a.ID, activity.RollCall{Marks: marks}); err != nil {
				t.Fatal(err)
			}
			e.clock.Set(in.EndsAt)
			e.move(a.ID, activity.Held)
		}
		lastYear := time.Date(2024, 6, 20, 15, 0, 0, 0, beijing)
		hold(activity.ThemeDay, lastYear, lapsed, active)
		hold(activity.GroupMeeting, time.Date(2025, 2, 14, 15, 0, 0, 0, beijing), active, activist)
		hold(activity.VolunteerService, time.Date(2025, 2, 20, 9, 0, 0, 0, beijing), volunteer)
		// A planned or cancelled activity counts for nobody.
		planned := meeting(branch.ID)
		e.create(planned)

		since := time.Date(2024, 9, 10, 0, 0, 0, 0, beijing)
		got, err := e.svc.InactiveMembers(e.ctx, e.admin, root.ID, since)
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]*time.Time{}
		for _, m := range got {
			names[m.Name] = m.LastAttended
		}
		if len(got) != 4 || names["去年来过"] == nil || !names["去年来过"].Equal(lastYear) ||
			names["从没来"] != nil || names["只做志愿"] != nil || names["别处"] != nil {
			t.Errorf("inactive = %+v", got)
		}
		for _, m := range got {
			if m.PersonID == active.ID || m.PersonID == activist.ID || m.PersonID == newcomer.ID {
				t.Errorf("%s is listed", m.Name)
			}
		}
		if _, ok := names["只做志愿"]; !ok {
			t.Error("volunteering alone counted as organizational life")
		}
		_ = never
		_ = elsewhere
		// The scope: a secretary of the other branch sees only their own people.
		sc := e.manager("other", other.ID)
		got, err = e.svc.InactiveMembers(e.ctx, sc, root.ID, since)
		if err != nil || len(got) != 1 || got[0].Name != "别处" {
			t.Errorf("in the other branch's scope: %+v, %v", got, err)
		}
		// The group alone.
		got, _ = e.svc.InactiveMembers(e.ctx, e.admin, group.ID, since)
		if len(got) != 1 || got[0].PersonID != lapsed.ID {
			t.Errorf("in the group: %+v", got)
		}
	})
}
