package learning_test

import (
	"errors"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/learning"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// completeCourse takes a member through every lesson of a course by the page's reports.
func (f *fixture) completeCourse(t *testing.T, name string, c learning.Course) {
	t.Helper()
	who := f.caller(name)
	for _, l := range c.Lessons {
		if _, err := f.svc.Report(f.ctx, who, l.ID, learning.Report{}); err != nil {
			t.Fatal(err)
		}
		switch l.Kind {
		case learning.Article:
			f.clock.advance(time.Duration(l.MinSeconds) * time.Second)
			if _, err := f.svc.Report(f.ctx, who, l.ID, learning.Report{Seconds: l.MinSeconds, Scroll: 100}); err != nil {
				t.Fatal(err)
			}
		case learning.Video:
			for from := 0; from < l.DurationSeconds; from += 20 {
				f.clock.advance(20 * time.Second)
				if _, err := f.svc.Report(f.ctx, who, l.ID, learning.Report{Seconds: 20, Watched: [][2]int{{from, min(from+20, l.DurationSeconds)}}}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

func TestCampaignCompletion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c1 := f.course(t, func(n *learning.NewCourse) { n.OrgID = f.town.ID })
		c2 := f.course(t, func(n *learning.NewCourse) { n.OrgID, n.Title = f.town.ID, "丝绸之都" })
		acts := activity.New(db, activity.Options{Now: f.clock.now})
		sc := org.ScopeOf(f.secretary, org.Manage)
		lecture, err := acts.Create(f.ctx, sc, activity.Input{Kind: activity.PartyLecture, HostIDs: []int64{f.town.ID}, Title: "冬训党课",
			StartsAt: f.clock.now().Add(-2 * time.Hour), EndsAt: f.clock.now().Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.svc.CreateCampaign(f.ctx, learning.Campaign{OrgID: f.town.ID, Title: "2026年冬训", TitleEn: "Winter training 2026",
			StartsAt: f.clock.now().Add(-24 * time.Hour), EndsAt: f.clock.now().Add(30 * 24 * time.Hour),
			TargetCourses: 2, TargetActivities: 1, OrgIDs: []int64{f.town.ID}, CourseIDs: []int64{c1.ID, c2.ID}, ActivityIDs: []int64{lecture.ID}})
		if err != nil {
			t.Fatal(err)
		}
		// alice does everything; bob completes one course; carol only attends.
		f.completeCourse(t, "alice", c1)
		f.completeCourse(t, "alice", c2)
		f.completeCourse(t, "bob", c1)
		if _, err := acts.RecordRollCall(f.ctx, sc, lecture.ID, activity.RollCall{Marks: []activity.Mark{
			{PersonID: f.persons["alice"].ID, Presence: activity.Present},
			{PersonID: f.persons["carol"].ID, Presence: activity.Late},
			{PersonID: f.persons["bob"].ID, Presence: activity.Absent},
		}}); err != nil {
			t.Fatal(err)
		}
		secretary := learning.Caller{Account: f.secretary}
		got, err := f.svc.Completion(f.ctx, secretary, m.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got.Total.Members != 4 || got.Total.Complete != 1 || got.Total.Percent != 25 {
			t.Fatalf("town total: %+v", got.Total)
		}
		byPerson := map[int64]learning.MemberCompletion{}
		for _, mc := range got.Members {
			byPerson[mc.PersonID] = mc
		}
		for name, want := range map[string][2]int{"alice": {2, 1}, "bob": {1, 0}, "carol": {0, 1}, "dave": {0, 0}} {
			mc := byPerson[f.persons[name].ID]
			if mc.Courses != want[0] || mc.Activities != want[1] {
				t.Errorf("%s: %d courses, %d activities; want %v", name, mc.Courses, mc.Activities, want)
			}
		}
		if len(got.Behind) != 3 || got.Behind[0].PersonID != f.persons["dave"].ID {
			t.Fatalf("behind, furthest first: %+v", got.Behind)
		}
		// Per subtree below the town: Renfu (alice, bob, carol in its group) and Huangjiaxi (dave).
		if len(got.Children) != 2 || got.Children[0].OrgID != f.renfu.ID || got.Children[0].Members != 3 || got.Children[0].Complete != 1 {
			t.Fatalf("subtrees: %+v", got.Children)
		}
		// Per branch members belong to: the group is its own line.
		if len(got.Branches) != 3 {
			t.Fatalf("branches: %+v", got.Branches)
		}
		// The village's view holds only its subtree.
		village, err := f.svc.Completion(f.ctx, secretary, m.ID, f.renfu.ID)
		if err != nil {
			t.Fatal(err)
		}
		if village.Total.Members != 3 {
			t.Fatalf("village total: %+v", village.Total)
		}
		// A member may see the campaign but not the town's dashboard.
		if _, err := f.svc.Campaign(f.ctx, f.caller("dave"), m.ID); err != nil {
			t.Fatalf("dave, taking part, cannot see the campaign: %v", err)
		}
		if _, err := f.svc.Completion(f.ctx, f.caller("dave"), m.ID, 0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("dave reads the town's completion: %v", err)
		}
		if _, err := f.svc.Campaign(f.ctx, f.caller("erin"), m.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("erin, not taking part, sees the campaign: %v", err)
		}
	})
}
