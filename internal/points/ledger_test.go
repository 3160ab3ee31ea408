package points_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/points"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

func errField(err error) string {
	var e *i18n.Error
	if errors.As(err, &e) {
		return e.Field + " " + e.Key
	}
	var es i18n.Errors
	if errors.As(err, &es) && len(es) > 0 {
		return es[0].Field + " " + es[0].Key
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// A rule for logging in or time online is refused; a lower organization may tighten an
// inherited cap but not loosen it, and the tightened cap is the one in force below it.
func TestRulesRefusePresenceAndLooserCaps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, rand.New(rand.NewPCG(5, 5)), 4)
		root, leaf := w.all[0], w.leaves[0]
		base := points.RuleInput{OrgID: root, Code: "river-patrol", NameZh: "巡河", NameEn: "River patrol", Points: 2, DayCap: 4,
			Stages: []string{"full"}, EarnedBy: "volunteer"}
		for _, c := range []struct {
			change func(*points.RuleInput)
			want   string
		}{
			{func(in *points.RuleInput) { in.Code, in.NameZh = "daily-login", "每日登录" }, "code points.error.presence"},
			{func(in *points.RuleInput) { in.NameEn = "Time online" }, "code points.error.presence"},
			{func(in *points.RuleInput) { in.EarnedBy = "login" }, "earned_by points.error.earned_by"},
			{func(in *points.RuleInput) { in.Points = 0 }, "points points.error.points_zero"},
			{func(in *points.RuleInput) { in.Stages = []string{"member"} }, "stages points.error.stage"},
		} {
			in := base
			c.change(&in)
			if _, err := w.svc.DefineRule(w.ctx, in); errField(err) != c.want {
				t.Errorf("%+v: %q, want %q", in, errField(err), c.want)
			}
		}
		if _, err := w.svc.DefineRule(w.ctx, base); err != nil {
			t.Fatal(err)
		}
		looser := base
		looser.OrgID, looser.DayCap = leaf, 10
		if _, err := w.svc.DefineRule(w.ctx, looser); errField(err) != "day_cap points.error.looser" {
			t.Errorf("a looser cap below: %q", errField(err))
		}
		tighter := looser
		tighter.DayCap, tighter.Points = 2, 1
		if _, err := w.svc.DefineRule(w.ctx, tighter); err != nil {
			t.Fatal(err)
		}
		rules, err := w.svc.Rules(w.ctx, leaf)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range rules {
			if r.Code == "river-patrol" {
				found = r.DayCap == 2 && r.Points == 1 && !r.Inherited
			}
		}
		if !found {
			t.Errorf("the leaf's rule in force is not its tighter one: %+v", rules)
		}
	})
}

// The ledger's answers: a capped event is kept at zero with its reason, a retry is a
// duplicate, and bad events are refused by field while the rest count.
func TestLedgerCapsRetriesAndRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, rand.New(rand.NewPCG(6, 6)), 2)
		member, activist := w.people[0], w.person(w.leaves[0], "activist")
		at := time.Date(2026, 5, 4, 10, 0, 0, 0, beijing)
		ev := func(key string, person int64, rule string) points.Event {
			return points.Event{Key: key, PersonID: person, Rule: rule, OccurredAt: at, Note: "志愿服务"}
		}
		batch := []points.Event{
			ev("a", member, "volunteer-service"),  // 3
			ev("b", member, "volunteer-service"),  // 6: the day's cap
			ev("c", member, "volunteer-service"),  // capped
			ev("a", member, "volunteer-service"),  // duplicate within the batch
			ev("d", activist, "meeting-attended"), // the rule is for members
			{Key: "e", PersonID: member, Rule: "volunteer-service", OccurredAt: time.Now().Add(time.Hour)},
			{Key: "f", PersonID: 999999, Rule: "volunteer-service", OccurredAt: at},
			{Key: "", PersonID: member, Rule: "volunteer-service", OccurredAt: at},
			{Key: "g", PersonID: member, Rule: "manual-award", OccurredAt: at, Points: pts(-3), Note: "错"},
		}
		res, err := w.svc.Record(w.ctx, admin, batch)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"recorded", "recorded", "capped", "duplicate", "events[4].person_id points.error.stage",
			"events[5].occurred_at points.error.future", "events[6].person_id points.error.person",
			"events[7].idempotency_key error.required", "events[8].points points.error.sign"}
		for i, x := range res {
			got := x.Status
			if x.Err != nil {
				got = errField(x.Err)
			}
			if got != want[i] {
				t.Errorf("event %d: %q, want %q", i, got, want[i])
			}
		}
		if res[2].Points != 0 || res[2].Reason != "cap:day" {
			t.Errorf("capped: %+v", res[2])
		}
		// The next day the cap is fresh; a retry of the whole batch adds nothing.
		again, err := w.svc.Record(w.ctx, admin, batch[:3])
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range again {
			if x.Status != "duplicate" {
				t.Errorf("retry %d: %s", i, x.Status)
			}
		}
		next := ev("h", member, "volunteer-service")
		next.OccurredAt = at.AddDate(0, 0, 1)
		if res, _ := w.svc.Record(w.ctx, admin, []points.Event{next}); res[0].Status != "recorded" {
			t.Errorf("the next day: %+v", res[0])
		}
		total, err := w.svc.TotalIn(w.ctx, member, points.MonthOf(points.DayOf(at)))
		if err != nil || total != 9 {
			t.Errorf("May: %d points (%v), want 9", total, err)
		}
		// The system may not award: a manual award needs a manager's reason.
		sys, err := w.svc.RecordSystem(w.ctx, db, []points.Event{{Key: "s", PersonID: member, Rule: "manual-award", Points: pts(2), OccurredAt: at, Note: "自动"}})
		if err != nil || errField(sys[0].Err) != "events[0].note points.error.reason" {
			t.Errorf("a system award: %+v %v", sys, err)
		}
		// A manager outside the person's organizations cannot record for them.
		stranger := auth.Account{ID: 424242}
		out, err := w.svc.Record(w.ctx, stranger, []points.Event{ev("x", member, "volunteer-service")})
		if err != nil || errField(out[0].Err) != "events[0].person_id points.error.person" {
			t.Errorf("out of scope: %+v %v", out, err)
		}
		// A closed period refuses entries dated in it.
		if err := w.svc.SaveSettings(w.ctx, points.Settings{OrgID: w.all[0], ObjectionDays: 15, ClosedThrough: points.DayOf(at)}); err != nil {
			t.Fatal(err)
		}
		late := ev("late", member, "volunteer-service")
		if res, _ := w.svc.Record(w.ctx, admin, []points.Event{late}); errField(res[0].Err) != "events[0].occurred_at points.error.closed" {
			t.Errorf("a closed period: %+v", res[0])
		}
		if _, err := w.svc.Record(w.ctx, admin, make([]points.Event, points.MaxBatch+1)); errField(err) != "events points.error.batch" {
			t.Errorf("an oversized batch: %v", err)
		}
	})
}

// A member objects within the window; the manager upholds it and the entry is reversed,
// not edited; a second objection, or one on a reversal, is refused.
func TestObjectionsAreAnsweredAndUpheldByReversal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, rand.New(rand.NewPCG(7, 7)), 1)
		member := w.people[0]
		at := time.Now().Add(-time.Hour)
		res, err := w.svc.Record(w.ctx, admin, []points.Event{{Key: "d", PersonID: member, Rule: "manual-deduction", Points: pts(-5),
			OccurredAt: at, Note: "缺席"}})
		if err != nil || res[0].Status != "recorded" {
			t.Fatalf("%+v %v", res, err)
		}
		entry := res[0].Entry
		if _, err := w.svc.Object(w.ctx, member+1, entry, "不是我"); err == nil {
			t.Error("someone else objected to the member's entry")
		}
		if _, err := w.svc.Object(w.ctx, member, entry, " "); errField(err) != "reason error.required" {
			t.Errorf("no reason: %v", err)
		}
		o, err := w.svc.Object(w.ctx, member, entry, "那天我请了假")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Object(w.ctx, member, entry, "再说一次"); errField(err) != "entry points.error.object_twice" {
			t.Errorf("twice: %v", err)
		}
		open, err := w.svc.OpenObjections(w.ctx, admin)
		if err != nil || len(open) != 1 || open[0].ID != o.ID {
			t.Fatalf("open objections: %+v %v", open, err)
		}
		if err := w.svc.Answer(w.ctx, admin, o.ID, true, "核实请假属实"); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.Answer(w.ctx, admin, o.ID, false, "改主意"); errField(err) != "answer points.error.answered" {
			t.Errorf("answered twice: %v", err)
		}
		total, _ := w.svc.TotalIn(w.ctx, member, points.YearOf(points.DayOf(at)))
		entries, _ := w.svc.Entries(w.ctx, member, points.YearOf(points.DayOf(at)))
		if total != 0 || len(entries) != 2 || entries[1].ReversedBy == 0 && entries[0].ReversedBy == 0 {
			t.Fatalf("after the upheld objection: %d points in %+v", total, entries)
		}
		for _, e := range entries {
			if e.Status == points.Reversal {
				if _, err := w.svc.Object(w.ctx, member, e.ID, "?"); errField(err) != "entry points.error.object_reversal" {
					t.Errorf("an objection to a reversal: %v", err)
				}
				if err := w.svc.Reverse(w.ctx, admin, e.ID, "?"); errField(err) != "entry points.error.reverse_reversal" {
					t.Errorf("a reversal reversed: %v", err)
				}
			}
		}
	})
}

// Stars come from the nearest thresholds; prizes go by rank, ties sharing the higher one.
func TestStarsAndPrizes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, rand.New(rand.NewPCG(8, 8)), 0)
		root, leaf := w.all[0], w.leaves[0]
		var people []int64
		for i := 0; i < 5; i++ {
			people = append(people, w.person(leaf, "full"))
		}
		at := time.Date(2026, 2, 2, 10, 0, 0, 0, beijing)
		var events []points.Event
		for i, p := range people {
			award := []int{30, 20, 20, 10, 5}[i]
			events = append(events, points.Event{Key: "p" + string(rune('a'+i)), PersonID: p, Rule: "manual-award", Points: pts(award), OccurredAt: at, Note: "贡献"})
		}
		if _, err := w.svc.Record(w.ctx, admin, events); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.SetThresholds(w.ctx, root, points.YearPeriod, []points.Threshold{{Stars: 1, Points: 10}, {Stars: 3, Points: 20}, {Stars: 5, Points: 30}}); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.SetThresholds(w.ctx, root, points.YearPeriod, []points.Threshold{{Stars: 1, Points: 10}, {Stars: 2, Points: 10}}); errField(err) != "points points.error.thresholds_order" {
			t.Errorf("thresholds out of order: %v", err)
		}
		roll, ths, err := w.svc.StarRoll(w.ctx, leaf, points.YearOf(points.DayOf(at)))
		if err != nil || len(ths) != 3 {
			t.Fatalf("%v %+v", err, ths)
		}
		stars := map[int64]int{}
		for _, e := range roll {
			stars[e.PersonID] = e.Stars
		}
		if stars[people[0]] != 5 || stars[people[1]] != 3 || stars[people[3]] != 1 || stars[people[4]] != 0 {
			t.Errorf("stars %v", stars)
		}
		if err := w.svc.SaveSettings(w.ctx, points.Settings{OrgID: leaf, ObjectionDays: 15, FirstPrizes: 1, SecondPrizes: 1, ThirdPrizes: 1}); err != nil {
			t.Fatal(err)
		}
		prizes, err := w.svc.Prizes(w.ctx, leaf, points.YearOf(points.DayOf(at)))
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]int{}
		for _, p := range prizes {
			got[p.PersonID] = p.Prize
		}
		// 30 first; 20 and 20 tie at rank 2: both second; nobody is third (rank 4 > 3).
		if len(prizes) != 3 || got[people[0]] != 1 || got[people[1]] != 2 || got[people[2]] != 2 {
			t.Errorf("prizes %+v", prizes)
		}
	})
}
