package demo_test

import (
	"context"
	"testing"

	"vanguard/internal/activity"
	"vanguard/internal/auth"
	"vanguard/internal/demo"
	"vanguard/internal/evaluation"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/points"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// The town's standardization round is past its deadline with finished, partial and
// untouched sheets, Renfu's finished with an open rectification; the editorial office's
// examination is scored with its rectification closed; the two Xinruifeng secretaries'
// reports of 2022 are rated by the committee and by members, with comments.
func TestDemoEvaluations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		accounts := auth.New(db, auth.Options{Hash: auth.TestHashParams, DemoMode: true})
		if err := demo.Load(ctx, db, accounts); err != nil {
			t.Fatal(err)
		}
		orgs := org.New(db)
		people := member.New(db, orgs)
		svc := evaluation.New(db, orgs, people, activity.New(db, activity.Options{}), points.New(db))
		town, _ := accounts.AccountByUsername(ctx, "town")
		c, err := svc.CallerOf(ctx, town)
		if err != nil {
			t.Fatal(err)
		}
		rounds, err := svc.Rounds(ctx, c, evaluation.RoundFilter{}, "")
		if err != nil || len(rounds) != 1 {
			t.Fatalf("the town reads %d rounds: %v", len(rounds), err)
		}
		res, err := svc.RoundResults(ctx, rounds[0].ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if res.Stages[evaluation.Complete] != 3 || res.Stages[evaluation.InProgress] != 2 || res.Stages[evaluation.Pending] == 0 ||
			!res.Round.Overdue(svc.Today()) {
			t.Errorf("the standardization round: %v, overdue %v", res.Stages, res.Round.Overdue(svc.Today()))
		}
		rects, _ := svc.RoundRectifications(ctx, rounds[0].ID)
		if len(rects) != 1 || rects[0].Status != evaluation.RectOpen {
			t.Errorf("the round's rectifications: %+v", rects)
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM rectifications WHERE status = 'closed'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d closed rectifications (the examination's): %v", n, err)
		}
		var xrf int64
		if err := db.QueryRowContext(ctx, `SELECT id FROM orgs WHERE code = 'XRF'`).Scan(&xrf); err != nil {
			t.Fatal(err)
		}
		reports, err := svc.Reports(ctx, xrf, 2022, "")
		if err != nil || len(reports) != 2 {
			t.Fatalf("%d reports of 2022: %v", len(reports), err)
		}
		for _, w := range reports {
			votes := 0
			for _, k := range w.Tally {
				votes += k
			}
			roles := map[string]bool{}
			for _, cm := range w.Comments {
				roles[cm.Role] = true
			}
			if votes != 4 || !roles["committee"] || !roles["member"] || w.Problems == "" {
				t.Errorf("report of %s: %d ratings, comments by %v", w.OrgName, votes, roles)
			}
		}
	})
}
