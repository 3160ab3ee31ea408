package activity_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/auth"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// periodsText draws a rule's periods: H held (a digit for more than one), O overdue,
// D due now and not yet held, - not due yet.
func periodsText(ps []activity.Period) string {
	var b strings.Builder
	for _, p := range ps {
		switch {
		case p.Overdue:
			b.WriteByte('O')
		case p.Held == 1:
			b.WriteByte('H')
		case p.Held > 1:
			b.WriteByte(byte('0' + min(p.Held, 9)))
		case p.Due:
			b.WriteByte('D')
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

// calendarText maps "org/kind" to its periods.
func calendarText(c activity.Calendar) map[string]string {
	m := map[string]string{}
	for _, o := range c.Orgs {
		for _, r := range o.Rules {
			m[o.Name+"/"+string(r.Kind)] = periodsText(r.Periods)
		}
	}
	return m
}

func TestComplianceCalendar(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		gb := e.org(root.ID, org.GeneralBranch, "总支")
		b1 := e.org(gb.ID, org.Branch, "一支部")
		g1 := e.org(b1.ID, org.Group, "一小组")
		b2 := e.org(root.ID, org.Branch, "二支部")
		b3 := e.org(root.ID, org.Branch, "三支部")
		m1 := e.full(b1.ID, "甲")
		m2 := e.full(b1.ID, "乙")
		e.full(g1.ID, "丙")

		at := func(m time.Month, d, h int) time.Time { return time.Date(2025, m, d, h, 0, 0, 0, beijing) }
		hold := func(kind activity.Kind, start time.Time, hosts ...int64) activity.Activity {
			t.Helper()
			in := meeting(hosts...)
			in.Kind, in.StartsAt, in.EndsAt = kind, start, start.Add(time.Hour)
			a := e.create(in)
			e.clock.Set(in.EndsAt)
			return e.move(a.ID, activity.Held)
		}
		gm := hold(activity.GeneralMeeting, at(2, 10, 14), b1.ID)
		e.clock.Set(gm.StartsAt) // correct the roll call of February's meeting
		if _, err := e.svc.RecordRollCall(e.ctx, e.admin, gm.ID, activity.RollCall{Marks: []activity.Mark{
			{PersonID: m1.ID, Presence: activity.Present}, {PersonID: m2.ID, Presence: activity.Late}}}); err != nil {
			t.Fatal(err)
		}
		hold(activity.GeneralMeeting, at(5, 12, 14), b1.ID)
		for m := time.January; m <= time.May; m++ {
			hold(activity.CommitteeMeeting, at(m, 15, 9), b1.ID)
		}
		hold(activity.ThemeDay, at(1, 20, 9), b1.ID, b2.ID) // a joint theme day counts for both
		hold(activity.ThemeDay, at(3, 31, 20), b1.ID)       // the evening of 31 March is March…
		hold(activity.ThemeDay, at(4, 1, 7), b1.ID)         // …and 7:00 on 1 April (23:00 UTC on the 31st) is April
		// The secretary's lecture counts; the same lecture by anyone else would not
		// (TestPartyLectureBySecretary).
		if _, err := e.orgs.Appoint(e.ctx, e.db, org.NewPost{OrgID: b1.ID, PersonID: m1.ID, Kind: org.Secretary,
			StartedOn: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		in := meeting(b1.ID)
		in.Kind, in.SpeakerID, in.StartsAt, in.EndsAt = activity.PartyLecture, m1.ID, at(7, 1, 15), at(7, 1, 16)
		e.clock.Set(in.EndsAt)
		e.move(e.create(in).ID, activity.Held)
		hold(activity.GroupMeeting, at(1, 8, 19), g1.ID)
		hold(activity.GroupMeeting, at(12, 30, 19).AddDate(-1, 0, 0), g1.ID) // last year's
		// Neither a cancelled nor a planned activity counts.
		in = meeting(b1.ID)
		in.Kind, in.StartsAt, in.EndsAt = activity.CommitteeMeeting, at(6, 16, 9), at(6, 16, 10)
		e.move(e.create(in).ID, activity.Cancelled)
		in.Kind, in.StartsAt, in.EndsAt = activity.GeneralMeeting, at(7, 20, 9), at(7, 20, 10)
		e.create(in)

		// Local rules: the committee asks for a party lecture every quarter, the general
		// branch every month; the second branch is too small for a committee.
		rules := []struct {
			on int64
			r  activity.Rule
		}{
			{root.ID, activity.Rule{OrgKind: org.Branch, Kind: activity.PartyLecture, Frequency: activity.Quarterly}},
			{gb.ID, activity.Rule{OrgKind: org.Branch, Kind: activity.PartyLecture, Frequency: activity.Monthly}},
			{b2.ID, activity.Rule{OrgKind: org.Branch, Kind: activity.CommitteeMeeting, Frequency: activity.Never}},
		}
		for _, c := range rules {
			if err := e.svc.SetRule(e.ctx, e.admin, c.on, c.r); err != nil {
				t.Fatal(err)
			}
		}
		e.clock.Set(at(3, 14, 0))
		if err := e.orgs.Dissolve(e.ctx, b3.ID, at(3, 15, 0)); err != nil {
			t.Fatal(err)
		}

		e.clock.Set(at(7, 15, 10))
		cal, err := e.svc.Calendar(e.ctx, root.ID, 2025)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"一支部/general_meeting":      "HHD-",
			"一支部/committee_meeting":    "HHHHHOD-----",
			"一支部/theme_day":            "HOHHOOD-----",
			"一支部/party_lecture":        "OOOOOOH-----",
			"一支部/life_meeting":         "D",
			"一支部/democratic_appraisal": "D",
			"一小组/group_meeting":        "HOOOOOD-----",
			"二支部/general_meeting":      "OOD-",
			"二支部/theme_day":            "HOOOOOD-----",
			"二支部/party_lecture":        "OOD-",
			"二支部/life_meeting":         "D",
			"二支部/democratic_appraisal": "D",
			"三支部/general_meeting":      "O---",
			"三支部/committee_meeting":    "OOO---------",
			"三支部/theme_day":            "OOO---------",
			"三支部/party_lecture":        "O---",
			"三支部/life_meeting":         "D",
			"三支部/democratic_appraisal": "D",
			// No branch has two committee members on record: no pair is due a talk.
			"一支部/heart_talk": "-",
			"二支部/heart_talk": "-",
			"三支部/heart_talk": "-",
		}
		got := calendarText(cal)
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s = %q, want %q", k, got[k], w)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected rule %s = %q", k, got[k])
			}
		}
		var names []string
		for _, o := range cal.Orgs {
			names = append(names, o.Name)
		}
		if want := []string{"党委", "总支", "一支部", "一小组", "二支部", "三支部"}; !slices.Equal(names, want) {
			t.Errorf("order = %v, want %v", names, want)
		}
		byName := map[string]activity.OrgCalendar{}
		for _, o := range cal.Orgs {
			byName[o.Name] = o
		}
		if o := byName["二支部"]; o.Totals != (activity.CalendarTotals{Due: 15, Held: 1, Overdue: 9}) {
			t.Errorf("二支部 totals = %+v", o.Totals)
		}
		for _, r := range byName["一支部"].Rules {
			if r.Kind == activity.PartyLecture && r.SetOn != gb.ID {
				t.Errorf("the party lecture rule of 一支部 comes from %d, want the general branch %d", r.SetOn, gb.ID)
			}
		}
		// 11 activities hosted by 一支部 with 3 people each; 2 attended.
		if a := byName["一支部"].Attendance; a != (activity.Tally{Present: 1, Late: 1, Absent: 31}) {
			t.Errorf("一支部 attendance = %+v", a)
		}
		var sum activity.CalendarTotals
		for _, o := range cal.Orgs {
			sum.Due, sum.Held, sum.Overdue = sum.Due+o.Totals.Due, sum.Held+o.Totals.Held, sum.Overdue+o.Totals.Overdue
		}
		if sum != cal.Total {
			t.Errorf("total %+v, sum of the orgs %+v", cal.Total, sum)
		}

		// A branch's own calendar follows the overrides set above it.
		own, err := e.svc.Calendar(e.ctx, b1.ID, 2025)
		if err != nil || len(own.Orgs) != 2 || calendarText(own)["一支部/party_lecture"] != "OOOOOOH-----" {
			t.Errorf("一支部's own calendar: %+v, %v", calendarText(own), err)
		}
		// Last year is over: everything was due, and the group's December meeting counts.
		last, _ := e.svc.Calendar(e.ctx, g1.ID, 2024)
		if got := calendarText(last)["一小组/group_meeting"]; got != "OOOOOOOOOOOH" {
			t.Errorf("the group's 2024 = %q", got)
		}
		// Next year nothing is due yet.
		next, _ := e.svc.Calendar(e.ctx, root.ID, 2026)
		if next.Total != (activity.CalendarTotals{}) || len(next.Orgs) != 5 {
			t.Errorf("2026: %+v with %d orgs", next.Total, len(next.Orgs))
		}
		if _, err := e.svc.Calendar(e.ctx, root.ID, 1900); !slices.Equal(errKeys(err), []string{"activity.error.year"}) {
			t.Errorf("the year 1900: %v", err)
		}
		if _, err := e.svc.Calendar(e.ctx, 999999, 2025); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a missing org: %v", err)
		}
		// The only top organization's calendar is read without the tree table; with a
		// second one on record, through it. Both give the same calendar.
		e.org(0, org.Committee, "另一党委")
		again, err := e.svc.Calendar(e.ctx, root.ID, 2025)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again, cal) {
			t.Errorf("with a second top organization the calendar differs:\n%+v\nwant %+v", calendarText(again), calendarText(cal))
		}
	})
}

// Overrides are set by administrators of the subtree, validated, and can be cleared.
func TestComplianceRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		branch := e.org(root.ID, org.Branch, "支部")
		group := e.org(branch.ID, org.Group, "小组")
		other := e.org(0, org.Committee, "别的党委")
		admin, err := e.accounts.CreateAccount(e.ctx, auth.NewAccount{Username: "branch-admin", Password: "long enough password"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.orgs.GrantRole(e.ctx, e.db, admin.ID, branch.ID, org.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		adminScope := org.ScopeOf(admin, org.Administer)
		managerScope := org.ScopeOf(e.account("manager", branch.ID), org.Administer)

		lecture := activity.Rule{OrgKind: org.Branch, Kind: activity.PartyLecture, Frequency: activity.Quarterly}
		bad := []struct {
			name string
			r    activity.Rule
			key  string
		}{
			{"org kind", activity.Rule{OrgKind: "club", Kind: activity.PartyLecture, Frequency: activity.Monthly}, "activity.error.org_kind"},
			{"kind", activity.Rule{OrgKind: org.Branch, Kind: "dinner", Frequency: activity.Monthly}, "activity.error.kind"},
			{"frequency", activity.Rule{OrgKind: org.Branch, Kind: activity.PartyLecture, Frequency: "weekly"}, "activity.error.frequency"},
		}
		for _, c := range bad {
			if err := e.svc.SetRule(e.ctx, adminScope, branch.ID, c.r); !slices.Equal(errKeys(err), []string{c.key}) {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		if err := e.svc.SetRule(e.ctx, managerScope, branch.ID, lecture); !errors.Is(err, activity.ErrForbidden) {
			t.Errorf("a manager set a rule: %v", err)
		}
		if err := e.svc.SetRule(e.ctx, adminScope, root.ID, lecture); !errors.Is(err, activity.ErrForbidden) {
			t.Errorf("a branch admin set a rule for the committee: %v", err)
		}
		if err := e.svc.SetRule(e.ctx, adminScope, 999999, lecture); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a rule for a missing org: %v", err)
		}

		frequencies := func(id int64) map[activity.Kind]activity.Frequency {
			rules, err := e.svc.Rules(e.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			m := map[activity.Kind]activity.Frequency{}
			for _, r := range rules {
				m[r.Kind] = r.Frequency
			}
			return m
		}
		if got := frequencies(branch.ID); len(got) != 7 || got[activity.PartyLecture] != activity.Yearly || got[activity.HeartTalk] != activity.Yearly || got[activity.GeneralMeeting] != activity.Quarterly {
			t.Errorf("built-in branch rules = %v", got)
		}
		if got := frequencies(group.ID); len(got) != 1 || got[activity.GroupMeeting] != activity.Monthly {
			t.Errorf("built-in group rules = %v", got)
		}
		if got := frequencies(root.ID); len(got) != 0 {
			t.Errorf("a committee has rules %v", got)
		}
		// Set twice (the second wins), add a rule of a kind with no built-in one, lift one.
		for _, r := range []activity.Rule{lecture, {OrgKind: org.Branch, Kind: activity.PartyLecture, Frequency: activity.Monthly},
			{OrgKind: org.Branch, Kind: activity.VolunteerService, Frequency: activity.Quarterly},
			{OrgKind: org.Branch, Kind: activity.DemocraticAppraisal, Frequency: activity.Never}} {
			if err := e.svc.SetRule(e.ctx, adminScope, branch.ID, r); err != nil {
				t.Fatal(err)
			}
		}
		got := frequencies(branch.ID)
		if len(got) != 7 || got[activity.PartyLecture] != activity.Monthly || got[activity.VolunteerService] != activity.Quarterly {
			t.Errorf("after overrides: %v", got)
		}
		if _, ok := got[activity.DemocraticAppraisal]; ok {
			t.Error("a lifted rule is still in force")
		}
		if list, _ := e.svc.Overrides(e.ctx, branch.ID); len(list) != 3 {
			t.Errorf("overrides = %+v", list)
		}
		if got := frequencies(other.ID); len(got) != 0 {
			t.Errorf("another tree got rules %v", got)
		}
		if err := e.svc.ClearRule(e.ctx, adminScope, branch.ID, org.Branch, activity.PartyLecture); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.ClearRule(e.ctx, adminScope, branch.ID, org.Branch, activity.PartyLecture); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("clearing twice: %v", err)
		}
		if got := frequencies(branch.ID); got[activity.PartyLecture] != activity.Yearly {
			t.Errorf("after clearing: %v", got)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE action IN ('set_rule', 'clear_rule')`); n != 5 {
			t.Errorf("%d rule changes audited, want 5", n)
		}
	})
}

// ruleOf finds a rule's calendar for an organization by name.
func ruleOf(t *testing.T, c activity.Calendar, name string, k activity.Kind) activity.RuleCalendar {
	t.Helper()
	for _, o := range c.Orgs {
		for _, r := range o.Rules {
			if o.Name == name && r.Kind == k {
				return r
			}
		}
	}
	t.Fatalf("no %s rule for %s", k, name)
	return activity.RuleCalendar{}
}

// The party lecture rule counts the lectures the host's secretary gave while in office,
// not any lecture: not a former secretary's, not a guest's, not another host's secretary.
func TestPartyLectureBySecretary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		b1 := e.org(root.ID, org.Branch, "一支部")
		b2 := e.org(root.ID, org.Branch, "二支部")
		oldSec, newSec, member := e.full(b1.ID, "老书记"), e.full(b1.ID, "新书记"), e.full(b1.ID, "党员")
		appoint := func(person int64, on time.Time) {
			t.Helper()
			if _, err := e.orgs.Appoint(e.ctx, e.db, org.NewPost{OrgID: b1.ID, PersonID: person, Kind: org.Secretary, StartedOn: on}); err != nil {
				t.Fatal(err)
			}
		}
		appoint(oldSec.ID, time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC))
		appoint(newSec.ID, time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)) // the old term ends on 30 April
		if err := e.svc.SetRule(e.ctx, e.admin, root.ID, activity.Rule{OrgKind: org.Branch, Kind: activity.PartyLecture, Frequency: activity.Monthly}); err != nil {
			t.Fatal(err)
		}
		lecture := func(speaker int64, start time.Time, hosts ...int64) {
			t.Helper()
			in := meeting(hosts...)
			in.Kind, in.SpeakerID, in.StartsAt, in.EndsAt = activity.PartyLecture, speaker, start, start.Add(time.Hour)
			e.clock.Set(in.EndsAt)
			e.move(e.create(in).ID, activity.Held)
		}
		at := func(m time.Month, d, h int) time.Time { return time.Date(2025, m, d, h, 0, 0, 0, beijing) }
		lecture(member.ID, at(1, 10, 15), b1.ID)        // an ordinary member's: not the rule's
		lecture(oldSec.ID, at(2, 10, 15), b1.ID, b2.ID) // joint: counts for 一支部 only
		lecture(oldSec.ID, at(4, 30, 7), b1.ID)         // the last morning of the term (23:00 UTC on the 29th)
		lecture(oldSec.ID, at(5, 10, 15), b1.ID)        // no longer the secretary
		lecture(newSec.ID, at(6, 10, 15), b1.ID)        // the new secretary
		lecture(0, at(7, 1, 15), b1.ID)                 // a guest lecturer by name only

		e.clock.Set(at(7, 15, 10))
		cal, err := e.svc.Calendar(e.ctx, root.ID, 2025)
		if err != nil {
			t.Fatal(err)
		}
		if got := periodsText(ruleOf(t, cal, "一支部", activity.PartyLecture).Periods); got != "OHOHOHD-----" {
			t.Errorf("一支部 lectures = %q, want OHOHOHD-----", got)
		}
		if got := periodsText(ruleOf(t, cal, "二支部", activity.PartyLecture).Periods); got != "OOOOOOD-----" {
			t.Errorf("二支部 lectures = %q: another branch's secretary counted", got)
		}
	})
}

// Heart-to-heart talks are due between every pair of the committee each year; a talk
// counts for the pair who attended it, when exactly two did, as corrected by the roll call.
func TestHeartTalkPairs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		b1 := e.org(root.ID, org.Branch, "一支部")
		sec, org1, prop, plain := e.full(b1.ID, "书记"), e.full(b1.ID, "组织委员"), e.full(b1.ID, "宣传委员"), e.full(b1.ID, "党员")
		gone := e.full(b1.ID, "前委员")
		from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, p := range []struct {
			person int64
			kind   org.PostKind
		}{{sec.ID, org.Secretary}, {org1.ID, org.OrganizationMember}, {prop.ID, org.PropagandaMember},
			{sec.ID, org.CommitteeMember}, {gone.ID, org.CommitteeMember}} {
			if _, err := e.orgs.Appoint(e.ctx, e.db, org.NewPost{OrgID: b1.ID, PersonID: p.person, Kind: p.kind, StartedOn: from}); err != nil {
				t.Fatal(err)
			}
		}
		// The former member's term ended in February: not on the committee any more.
		posts, err := e.orgs.PostsOn(e.ctx, b1.ID, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range posts {
			if p.PersonID == gone.ID {
				if err := e.orgs.EndPost(e.ctx, p.ID, time.Date(2025, 2, 28, 0, 0, 0, 0, time.UTC)); err != nil {
					t.Fatal(err)
				}
			}
		}
		at := func(m time.Month, d int) time.Time { return time.Date(2025, m, d, 15, 0, 0, 0, beijing) }
		talk := func(start time.Time, attended ...int64) int64 {
			t.Helper()
			in := meeting(b1.ID)
			in.Kind, in.StartsAt, in.EndsAt = activity.HeartTalk, start, start.Add(time.Hour)
			a := e.create(in)
			e.clock.Set(in.EndsAt)
			e.move(a.ID, activity.Held)
			var marks []activity.Mark
			for _, p := range attended {
				marks = append(marks, activity.Mark{PersonID: p, Presence: activity.Present})
			}
			if _, err := e.svc.RecordRollCall(e.ctx, e.admin, a.ID, activity.RollCall{Marks: marks}); err != nil {
				t.Fatal(err)
			}
			return a.ID
		}
		talk(at(1, 10), sec.ID, gone.ID)                                      // a pair no longer due
		talk(at(3, 10), org1.ID, sec.ID)                                      // secretary and organization member
		talk(at(4, 10), sec.ID, org1.ID, prop.ID)                             // three at once: no pair's talk
		talk(at(5, 10), prop.ID, plain.ID)                                    // not a committee pair
		fixed := talk(at(6, 10), org1.ID, plain.ID)                           // recorded wrongly…
		talk(time.Date(2024, 12, 10, 15, 0, 0, 0, beijing), org1.ID, prop.ID) // last year's

		e.clock.Set(at(7, 15))
		pairs := func() (string, activity.Period) {
			t.Helper()
			cal, err := e.svc.Calendar(e.ctx, root.ID, 2025)
			if err != nil {
				t.Fatal(err)
			}
			r := ruleOf(t, cal, "一支部", activity.HeartTalk)
			var list []string
			for _, p := range r.Pairs {
				mark := "missing"
				if p.Talked[0] {
					mark = "talked"
				}
				list = append(list, p.A.Name+"+"+p.B.Name+":"+mark)
			}
			return strings.Join(list, " "), r.Periods[0]
		}
		got, period := pairs()
		if want := "书记+组织委员:talked 书记+宣传委员:missing 组织委员+宣传委员:missing"; got != want {
			t.Errorf("pairs = %s\nwant    %s", got, want)
		}
		if period != (activity.Period{Held: 1, Missing: 2, Due: true}) {
			t.Errorf("2025 period = %+v", period)
		}
		// …and corrected: the June talk was between the two committee members.
		e.clock.Set(at(6, 10))
		if _, err := e.svc.RecordRollCall(e.ctx, e.admin, fixed, activity.RollCall{Marks: []activity.Mark{
			{PersonID: plain.ID, Presence: activity.Absent}, {PersonID: prop.ID, Presence: activity.Present}}}); err != nil {
			t.Fatal(err)
		}
		e.clock.Set(at(7, 15))
		if got, _ := pairs(); got != "书记+组织委员:talked 书记+宣传委员:missing 组织委员+宣传委员:talked" {
			t.Errorf("after the correction: %s", got)
		}
		// Last year the committee had four members, and only one pair talked: overdue.
		last, err := e.svc.Calendar(e.ctx, b1.ID, 2024)
		if err != nil {
			t.Fatal(err)
		}
		r := ruleOf(t, last, "一支部", activity.HeartTalk)
		if len(r.Pairs) != 6 || r.Periods[0] != (activity.Period{Held: 1, Missing: 5, Due: true, Overdue: true}) {
			t.Errorf("2024: %d pairs, %+v", len(r.Pairs), r.Periods[0])
		}
	})
}
