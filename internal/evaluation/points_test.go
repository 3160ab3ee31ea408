package evaluation_test

import (
	"testing"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/evaluation"
	"vanguard/internal/org"
	"vanguard/internal/points"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// award records points for a person on a day and returns the ledger entry.
func (f *fixture) award(who string, pts int, on time.Time) int64 {
	f.t.Helper()
	admin := auth.Account{ID: f.accounts["town"].ID, IsAdmin: true}
	key := "test:" + who + ":" + on.Format("20060102") + ":" + itoa(pts)
	res, err := f.points.Record(f.ctx, admin, []points.Event{{Key: key, PersonID: f.persons[who].ID, Rule: "manual-award",
		Points: &pts, OccurredAt: on, Source: "manual", Note: "学习积分"}})
	if err != nil || res[0].Err != nil || res[0].Status != points.Recorded {
		f.t.Fatalf("award %d to %s: %v %+v", pts, who, err, res)
	}
	return res[0].Entry
}

func (f *fixture) reverse(entry int64) {
	f.t.Helper()
	if err := f.points.Reverse(f.ctx, auth.Account{ID: f.accounts["town"].ID, IsAdmin: true}, entry, "录入有误"); err != nil {
		f.t.Fatal(err)
	}
}

// oneStarAt sets the yearly star thresholds of the town: 10 points earn one star.
func (f *fixture) oneStarAt10() {
	f.t.Helper()
	if err := f.points.SetThresholds(f.ctx, f.town.ID, points.YearPeriod, []points.Threshold{{Stars: 1, Points: 10}, {Stars: 2, Points: 30}}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) suggestion(r evaluation.Round, a evaluation.Assessment, it evaluation.Item) (evaluation.Suggestion, bool) {
	f.t.Helper()
	sug, err := f.svc.Suggest(f.ctx, r, a)
	if err != nil {
		f.t.Fatal(err)
	}
	s, ok := sug[it.ID]
	return s, ok
}

func TestPointsSuggestAPersonsScoreFromTheirYearsTotal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		if err := f.orgs.GrantRole(f.ctx, db, f.accounts["town"].ID, f.town.ID, org.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		tp, err := f.svc.SaveTemplate(f.as("town"), evaluation.Caller{Account: f.accounts["town"]}, evaluation.Template{
			Key: "learning_member", OrgID: f.town.ID, Subject: evaluation.SubjectPerson, Name: "党员学习积分",
			Bands: []evaluation.Band{{Min: 60, Level: "qualified"}, {Min: 0, Level: "unqualified"}},
			Items: []evaluation.Item{{Section: "学习", Title: "学习积分", Method: evaluation.Points, Max: 20, Source: evaluation.FromPoints}}})
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.svc.CreateRound(f.as("town"), f.caller("town"), evaluation.NewRound{TemplateID: tp.ID, OrgID: f.town.ID,
			Title: "2025年党员学习积分", Year: 2025, Deadline: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC),
			PersonIDs: []int64{f.persons["m1"].ID, f.persons["m2"].ID}})
		if err != nil {
			t.Fatal(err)
		}
		list, err := f.svc.Assessments(f.ctx, r.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		var m1, m2 evaluation.Assessment
		for _, a := range list {
			switch a.SubjectPersonID {
			case f.persons["m1"].ID:
				m1 = a
			case f.persons["m2"].ID:
				m2 = a
			}
		}
		it := tp.Items[0]
		f.award("m1", 8, time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))
		late := f.award("m1", 4, time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC))
		f.award("m1", 50, time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)) // another year: not evidence

		// No organization above m1 set a yearly star mark: nothing to measure against.
		if s, ok := f.suggestion(r, m1, it); ok {
			t.Fatalf("a suggestion %+v without a star mark", s)
		}
		f.oneStarAt10()
		if s, ok := f.suggestion(r, m1, it); !ok || s.Done != 12 || s.Of != 10 || s.Score != 20 {
			t.Fatalf("m1 with 12 points of a 10-point mark: %+v %v, want the full 20", s, ok)
		}
		f.reverse(late)
		if s, ok := f.suggestion(r, m1, it); !ok || s.Done != 8 || s.Of != 10 || s.Score != 16 {
			t.Fatalf("m1 after the 4 points were reversed: %+v %v, want 8 of 10 worth 16", s, ok)
		}
		if s, ok := f.suggestion(r, m2, it); !ok || s.Done != 0 || s.Of != 10 || s.Score != 0 {
			t.Fatalf("m2 with no entries: %+v %v, want 0 of 10 worth 0", s, ok)
		}
		// The assessor's score keeps the suggestion beside it.
		sc, err := f.svc.ScoreItem(f.as("town"), f.caller("town"), m1.ID, it.ID, evaluation.RoleAssessor, evaluation.ScoreInput{Value: 16})
		if err != nil {
			t.Fatal(err)
		}
		if s := sc.Assessor[it.ID]; s.Suggested == nil || *s.Suggested != 16 {
			t.Fatalf("the score kept suggestion %v", s.Suggested)
		}
	})
}

func TestPointsSuggestABranchsScoreFromItsMembersReachingAStar(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.oneStarAt10()
		r := f.round("six_competitions")
		learning := itemBySource(r, evaluation.FromPoints)
		if learning.TitleEn != "Learning" {
			t.Fatalf("the six competitions' points item is %q, want Learning", learning.TitleEn)
		}
		a, b := f.assessmentOf(r, f.a.ID), f.assessmentOf(r, f.b.ID)
		if s, ok := f.suggestion(r, a, learning); !ok || s.Done != 0 || s.Of != 3 || s.Score != 0 {
			t.Fatalf("branch a before any points: %+v %v, want 0 of its 3 members", s, ok)
		}
		f.award("m1", 6, time.Date(2025, 2, 1, 10, 0, 0, 0, time.UTC))
		late := f.award("m1", 6, time.Date(2025, 9, 1, 10, 0, 0, 0, time.UTC))
		f.award("m2", 9, time.Date(2025, 9, 1, 10, 0, 0, 0, time.UTC)) // short of the mark
		if s, ok := f.suggestion(r, a, learning); !ok || s.Done != 1 || s.Of != 3 || s.Score != 6.7 {
			t.Fatalf("branch a with m1 at 12 points: %+v %v, want 1 of 3 worth 6.7 of 20", s, ok)
		}
		f.reverse(late)
		if s, ok := f.suggestion(r, a, learning); !ok || s.Done != 0 || s.Of != 3 || s.Score != 0 {
			t.Fatalf("branch a after m1's reversal: %+v %v, want 0 of 3", s, ok)
		}
		if s, ok := f.suggestion(r, b, learning); !ok || s.Done != 0 || s.Of != 1 || s.Score != 0 {
			t.Fatalf("branch b, no entries: %+v %v, want 0 of its 1 member", s, ok)
		}
	})
}

// A built-in that changed here becomes a new version on the next start, and rounds keep
// theirs; an administrator's own version of the built-in is left as they made it.
func TestChangedBuiltinIsANewVersionUnlessAnAdministratorEditedIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		v1, _ := f.svc.BuiltinID(f.ctx, "six_competitions")
		// A database from before the learning item read the points ledger.
		if err := db.InTx(f.ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(f.ctx, `UPDATE eval_items SET source = 'attendance' WHERE template_id = $1 AND source = 'points'`, v1)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		old := f.round("six_competitions")
		if err := f.svc.InstallBuiltins(f.ctx); err != nil {
			t.Fatal(err)
		}
		v2, _ := f.svc.BuiltinID(f.ctx, "six_competitions")
		tp, err := f.svc.Template(f.ctx, v2)
		if err != nil || v2 == v1 || tp.Version != 2 || tp.Items[0].Source != evaluation.FromPoints {
			t.Fatalf("after the upgrade six_competitions is %d v%d, learning from %q (%v)", v2, tp.Version, tp.Items[0].Source, err)
		}
		again, _ := f.svc.Round(f.ctx, old.ID)
		if again.Template.ID != v1 || again.Template.Items[0].Source != evaluation.FromAttendance {
			t.Fatalf("the earlier round moved to template %d", again.Template.ID)
		}
		if err := f.svc.InstallBuiltins(f.ctx); err != nil {
			t.Fatal(err)
		}
		if n := f.count(`SELECT COUNT(*) FROM eval_templates WHERE key = 'six_competitions'`); n != 2 {
			t.Fatalf("%d versions after a third start, want 2", n)
		}

		// An administrator puts the learning item back on attendance for everyone.
		admin := evaluation.Caller{Account: auth.Account{ID: f.accounts["town"].ID, IsAdmin: true}}
		edited := tp
		edited.Items = append([]evaluation.Item(nil), tp.Items...)
		edited.Items[0].Source = evaluation.FromAttendance
		if _, err := f.svc.SaveTemplate(f.as("town"), admin, edited); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.InstallBuiltins(f.ctx); err != nil {
			t.Fatal(err)
		}
		latest, _ := f.svc.BuiltinID(f.ctx, "six_competitions")
		lt, _ := f.svc.Template(f.ctx, latest)
		if lt.Version != 3 || lt.Items[0].Source != evaluation.FromAttendance {
			t.Fatalf("the administrator's edit was replaced: v%d learning from %q", lt.Version, lt.Items[0].Source)
		}
	})
}
