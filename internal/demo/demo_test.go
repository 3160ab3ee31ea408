package demo_test

import (
	"context"
	"testing"
	"time"
	"vanguard/internal/article"

	"vanguard/internal/auth"
	"vanguard/internal/demo"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

func TestDemoLoadsEveryReportAndItsAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		accounts := auth.New(db, auth.Options{Hash: auth.TestHashParams, DemoMode: true})
		start := time.Now()
		if err := demo.Load(ctx, db, accounts); err != nil {
			t.Fatal(err)
		}
		t.Logf("demo loaded in %v", time.Since(start))
		if err := demo.Load(ctx, db, accounts); err != demo.ErrNotEmpty {
			t.Fatalf("a second load = %v, want ErrNotEmpty", err)
		}
		var people, orgs, alliances int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM people`).Scan(&people)
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs`).Scan(&orgs)
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM alliances`).Scan(&alliances)
		if want := demo.TotalPeople(demo.Tree()); people != want {
			t.Errorf("people = %d, want %d", people, want)
		}
		if orgs != len(demo.Flatten(demo.Tree())) || alliances != len(demo.Alliances()) {
			t.Errorf("orgs = %d, alliances = %d", orgs, alliances)
		}
		// The five seed reports are on the portal, each under its own organization.
		var reports, sources int
		db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT org_id) FROM articles WHERE status = 'published'`).Scan(&reports, &sources)
		if reports != 5 || sources != 5 {
			t.Errorf("%d published reports from %d organizations, want 5 from 5", reports, sources)
		}
		if hits, _, err := article.New(db, nil).Search(ctx, article.Query{Text: "winter training"}); err != nil || len(hits) == 0 {
			t.Errorf("the demo portal does not find winter training: %v", err)
		}
		orgSvc := org.New(db)
		people2 := member.New(db, orgSvc)
		for _, d := range demo.Accounts() {
			a, err := accounts.Authenticate(ctx, d.Username, auth.DemoPassword, "test")
			if err != nil {
				t.Fatalf("demo account %s: %v", d.Username, err)
			}
			if d.Username == "admin" {
				continue
			}
			p, err := people2.ByAccount(ctx, a.ID)
			if err != nil {
				t.Fatalf("demo account %s has no person: %v", d.Username, err)
			}
			if d.Username == "resident" && p.Stage != member.StageResident {
				t.Errorf("resident is a %s", p.Stage)
			}
			if d.Username == "member" && !p.Stage.IsMember() {
				t.Errorf("member is a %s", p.Stage)
			}
		}
		// The town secretary sees the whole town and nothing of the other trees.
		town, _ := accounts.Authenticate(ctx, "town", auth.DemoPassword, "test")
		roots, err := orgSvc.Roots(ctx, town)
		if err != nil || len(roots) != 1 || roots[0].Code != "SZ" {
			t.Fatalf("town's roots = %+v, %v", roots, err)
		}
		var minglong int64
		db.QueryRowContext(ctx, `SELECT id FROM orgs WHERE code = 'TX-ML'`).Scan(&minglong)
		if ok, _ := orgSvc.Can(ctx, town, org.View, minglong); ok || minglong == 0 {
			t.Errorf("town sees Minglong (%d)", minglong)
		}
		// Every kind of next step is waiting somewhere in Shengze.
		list, err := people2.Development(ctx, org.ScopeOf(town, org.View), roots[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		steps, overdue := map[string]bool{}, false
		for _, c := range list {
			steps[c.Step.Key] = true
			overdue = overdue || c.Step.Overdue
		}
		for _, want := range []string{"development.step.talk", "development.step.candidate", "development.step.admission", "development.step.confirm"} {
			if !steps[want] {
				t.Errorf("no candidate in Shengze has next step %s (have %v)", want, steps)
			}
		}
		if !overdue {
			t.Error("no overdue step in Shengze")
		}
	})
}
