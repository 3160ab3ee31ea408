package demo_test

import (
	"context"
	"testing"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/demo"
	"vanguard/internal/org"
	"vanguard/internal/points"
	"vanguard/internal/store/storetest"
)

// The demo member finds points with their reasons, stars by the town's thresholds, a rank
// in the Renfu branch (which switched rankings on) and an objection waiting for the
// secretary; the town itself ranks nobody. SQLite only: the demo's points go through the
// ledger, whose queries run on both engines in internal/points.
func TestDemoPoints(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	accounts := auth.New(db, auth.Options{Hash: auth.TestHashParams, DemoMode: true})
	if err := demo.Load(ctx, db, accounts); err != nil {
		t.Fatal(err)
	}
	svc, orgs := points.New(db), org.New(db)
	var member int64
	if err := db.QueryRowContext(ctx, `SELECT p.id FROM people p JOIN accounts a ON a.id = p.account_id WHERE a.username = 'member'`).Scan(&member); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	year := points.YearOf(points.DayOf(now))
	entries, err := svc.Entries(ctx, member, year)
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]int{}
	objections := 0
	for _, e := range entries {
		rules[e.Rule]++
		if e.Objection != nil && e.Objection.Open() {
			objections++
		}
		if (e.Rule == "manual-award" || e.Rule == "manual-deduction") && e.Note == "" {
			t.Errorf("entry %d (%s) has no reason", e.ID, e.Rule)
		}
	}
	for _, rule := range []string{"volunteer-service", "manual-award", "manual-deduction"} {
		if rules[rule] == 0 {
			t.Errorf("the demo member has no %s entry (%v)", rule, rules)
		}
	}
	if objections != 1 {
		t.Errorf("the demo member has %d open objections, want 1", objections)
	}
	renfu, err := orgs.ByCode(ctx, db, "SZ-RF")
	if err != nil {
		t.Fatal(err)
	}
	shengze, err := orgs.ByCode(ctx, db, "SZ")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := svc.Settings(ctx, renfu.ID); !s.Rankings {
		t.Error("Renfu has rankings off")
	}
	if s, _ := svc.Settings(ctx, shengze.ID); s.Rankings {
		t.Error("the town switched rankings on")
	}
	st, ranked, err := svc.Rank(ctx, renfu.ID, year, member)
	if err != nil || !ranked || st.Of < 5 {
		t.Errorf("the demo member's rank in Renfu: %+v %v %v", st, ranked, err)
	}
	ths, from, err := svc.Thresholds(ctx, renfu.ID, points.QuarterPeriod)
	if err != nil || from != shengze.ID || len(ths) != 3 {
		t.Errorf("Renfu's quarter thresholds: %v from %d (%v)", ths, from, err)
	}
	total, err := svc.TotalIn(ctx, member, year)
	if err != nil || total < 10 {
		t.Errorf("the demo member has %d points this year (%v)", total, err)
	}
}
