package app_test

import (
	"context"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/app/apptest"
	"vanguard/internal/auth"
	"vanguard/internal/idea"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/points"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// Attending a held meeting earns the attendance rule's points once; a roll call that
// corrects someone to absent reverses them, and marking them present again credits them
// again — and a repeated roll call changes nothing.
func TestAttendanceOfAHeldMeetingEarnsPoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := apptest.Start(t, db, apptest.Options{}).App
		ctx := context.Background()
		town, err := a.Orgs.Create(ctx, org.NewOrg{Kind: org.Committee, Name: "城关镇党委"})
		if err != nil {
			t.Fatal(err)
		}
		branch, err := a.Orgs.Create(ctx, org.NewOrg{ParentID: town.ID, Kind: org.Branch, Name: "第一党支部"})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, name := range []string{"张三", "李四"} {
			p, err := a.People.Create(ctx, member.NewPerson{Name: name, OrgID: branch.ID, Stage: member.StageFull,
				JoinedAt: time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		sc := org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage)
		start := time.Now().Add(-2 * time.Hour)
		act, err := a.Activities.Create(ctx, sc, activity.Input{Kind: activity.ThemeDay, HostIDs: []int64{branch.ID},
			Title: "主题党日", StartsAt: start, EndsAt: start.Add(time.Hour), Place: "活动室"})
		if err != nil {
			t.Fatal(err)
		}
		total := func(person int64) int {
			t.Helper()
			n, err := a.Points.TotalIn(ctx, person, points.YearOf(points.DayOf(start)))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		roll := func(marks ...activity.Mark) {
			t.Helper()
			if _, err := a.Activities.RecordRollCall(ctx, sc, act.ID, activity.RollCall{Marks: marks}); err != nil {
				t.Fatal(err)
			}
		}
		roll(activity.Mark{PersonID: ids[0], Presence: activity.Present})
		if total(ids[0]) != 0 {
			t.Fatal("points before the meeting is held")
		}
		if _, err := a.Activities.Move(ctx, sc, act.ID, activity.Held, ""); err != nil {
			t.Fatal(err)
		}
		if total(ids[0]) != 2 || total(ids[1]) != 0 {
			t.Fatalf("after the hold: %d and %d points, want 2 and 0", total(ids[0]), total(ids[1]))
		}
		roll(activity.Mark{PersonID: ids[0], Presence: activity.Present}, activity.Mark{PersonID: ids[1], Presence: activity.Late})
		roll(activity.Mark{PersonID: ids[0], Presence: activity.Present}, activity.Mark{PersonID: ids[1], Presence: activity.Late})
		if total(ids[0]) != 2 || total(ids[1]) != 2 {
			t.Fatalf("after two equal roll calls: %d and %d points, want 2 each", total(ids[0]), total(ids[1]))
		}
		roll(activity.Mark{PersonID: ids[1], Presence: activity.Absent})
		if total(ids[1]) != 0 {
			t.Fatalf("marked absent: %d points, want 0", total(ids[1]))
		}
		roll(activity.Mark{PersonID: ids[1], Presence: activity.Present})
		if total(ids[1]) != 2 {
			t.Fatalf("present again: %d points, want 2", total(ids[1]))
		}
		entries, err := a.Points.Entries(ctx, ids[1], points.YearOf(points.DayOf(start)))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 3 { // credit, reversal, credit: the ledger is never edited
			t.Fatalf("%d entries, want 3", len(entries))
		}
	})
}

// An idea adopted, then implemented, earns its submitter both rules' points, once each.
func TestAnAdoptedIdeaEarnsPoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := apptest.Start(t, db, apptest.Options{}).App
		ctx := context.Background()
		town, err := a.Orgs.Create(ctx, org.NewOrg{Kind: org.Committee, Name: "城关镇党委"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := a.People.Create(ctx, member.NewPerson{Name: "王师傅", OrgID: town.ID, Stage: member.StageResident})
		if err != nil {
			t.Fatal(err)
		}
		i, err := a.Ideas.Submit(ctx, member.Caller{Person: &p}, idea.NewIdea{Title: "楼道加装扶手", Problem: "老人上下楼不便",
			Proposal: "在楼道两侧加装扶手", Category: idea.Categories()[0]})
		if err != nil {
			t.Fatal(err)
		}
		year := points.YearOf(points.DayOf(time.Now()))
		for _, step := range []struct {
			to   idea.Status
			want int
		}{{idea.UnderReview, 0}, {idea.Adopted, 5}, {idea.Implemented, 15}} {
			if _, err := a.Ideas.Review(ctx, i.ID, step.to, ""); err != nil {
				t.Fatal(err)
			}
			if got, err := a.Points.TotalIn(ctx, p.ID, year); err != nil || got != step.want {
				t.Fatalf("after %s: %d points (%v), want %d", step.to, got, err, step.want)
			}
		}
	})
}
