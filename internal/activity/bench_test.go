package activity_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// BenchmarkCalendar draws the compliance calendar of a committee over many branches, each
// with a party group and a year of meetings, some missed. The size is
// VANGUARD_BENCH_BRANCHES (default 5,000; the target is 50,000):
//
//	go test -run '^$' -bench Calendar ./internal/activity
//	VANGUARD_BENCH_BRANCHES=50000 go test -run '^$' -bench Calendar -benchtime 3x -timeout 1h ./internal/activity
//
// It reports the wall time and the process's CPU time per calendar (cpu-ms/op).
func BenchmarkCalendar(b *testing.B) {
	branches := 5000
	if v, err := strconv.Atoi(os.Getenv("VANGUARD_BENCH_BRANCHES")); err == nil && v > 0 {
		branches = v
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(fmt.Sprintf("%s/%d-branches", engine, branches), func(b *testing.B) {
			var db *store.DB
			if engine == "sqlite" {
				db = storetest.SQLite(b)
			} else {
				db = storetest.Postgres(b)
			}
			start := time.Now()
			activities, err := buildBenchYear(context.Background(), db, branches)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("built %d branches and %d groups with %d held activities in %v", branches, branches, activities, time.Since(start).Round(time.Millisecond))
			now := time.Date(2025, 9, 15, 12, 0, 0, 0, time.UTC)
			svc := activity.New(db, activity.Options{Now: func() time.Time { return now }})
			cpu0, cpuOK := processCPU()
			n := 0
			for b.Loop() {
				cal, err := svc.Calendar(context.Background(), 1, 2025)
				if err != nil {
					b.Fatal(err)
				}
				if len(cal.Orgs) != 1+benchCommittees+2*branches || cal.Total.Overdue == 0 {
					b.Fatalf("calendar of %d orgs, %+v", len(cal.Orgs), cal.Total)
				}
				n++
			}
			// The Go process's CPU time per calendar (on PostgreSQL the server's is not
			// in it).
			if cpu1, ok := processCPU(); cpuOK && ok && n > 0 {
				b.ReportMetric(float64(cpu1-cpu0)/1e6/float64(n), "cpu-ms/op")
			}
		})
	}
}

const benchCommittees = 20

// buildBenchYear writes the tree and the meetings directly, in batches: the services
// would take minutes for a province, and what is measured is the calendar.
func buildBenchYear(ctx context.Context, db *store.DB, branches int) (int, error) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var orgs, tree, acts, hosts [][]any
	addOrg := func(id, parent int64, kind string, depth int, ancestors []int64) {
		var p any
		if parent != 0 {
			p = parent
		}
		orgs = append(orgs, []any{id, p, kind, kind + strconv.FormatInt(id, 10), depth, now})
		for i, a := range ancestors {
			tree = append(tree, []any{a, id, len(ancestors) - i})
		}
		tree = append(tree, []any{id, id, 0})
	}
	var actID int64
	hold := func(org int64, kind activity.Kind, m time.Month, day int) {
		actID++
		start := time.Date(2025, m, day, 6, 0, 0, 0, time.UTC)
		acts = append(acts, []any{actID, string(kind), "会议", start, start.Add(time.Hour), "held", now, now})
		hosts = append(hosts, []any{actID, org, string(kind), 2025, int(m), 9, 1, 1, 1})
	}
	addOrg(1, 0, "committee", 0, nil)
	next := int64(2)
	committees := make([]int64, benchCommittees)
	for i := range committees {
		committees[i] = next
		addOrg(next, 1, "committee", 1, []int64{1})
		next++
	}
	for i := range branches {
		c := committees[i%len(committees)]
		branch, group := next, next+1
		next += 2
		addOrg(branch, c, "branch", 2, []int64{1, c})
		addOrg(group, branch, "group", 3, []int64{1, c, branch})
		// Every branch misses something: a quarter's general meeting, a month or two.
		for q := range 4 {
			if (i+q)%5 != 0 {
				hold(branch, activity.GeneralMeeting, time.Month(3*q+2), 10)
			}
		}
		for m := time.January; m <= time.August; m++ {
			if (i+int(m))%7 != 0 {
				hold(branch, activity.CommitteeMeeting, m, 5)
				hold(branch, activity.ThemeDay, m, 20)
				hold(group, activity.GroupMeeting, m, 12)
			}
		}
		if i%3 == 0 {
			hold(branch, activity.PartyLecture, time.June, 30)
		}
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, batch := range []struct {
			table string
			cols  string
			rows  [][]any
		}{
			{"orgs", "id, parent_id, kind, name, depth, created_at", orgs},
			{"org_tree", "ancestor_id, org_id, distance", tree},
			{"activities", "id, kind, title, starts_at, ends_at, status, created_at, updated_at", acts},
			{"activity_hosts", "activity_id, org_id, kind, held_year, held_month, present, late, on_leave, absent", hosts},
		} {
			if err := insertBatches(ctx, tx, batch.table, batch.cols, batch.rows); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	// The calendar reads the summaries the service keeps; written around it, they are
	// rebuilt once.
	if err := activity.New(db, activity.Options{}).RebuildSummaries(ctx); err != nil {
		return 0, err
	}
	// As autovacuum and a nightly ANALYZE would have it, so that the planner knows the
	// sizes it works with.
	for _, table := range []string{"orgs", "org_tree", "activities", "activity_hosts", "activity_org_years", "posts"} {
		if _, err := db.ExecContext(ctx, "ANALYZE "+table); err != nil {
			return 0, fmt.Errorf("analyze %s: %w", table, err)
		}
	}
	return len(acts), nil
}

func insertBatches(ctx context.Context, tx *store.Tx, table, cols string, rows [][]any) error {
	const per = 100
	for len(rows) > 0 {
		n := min(per, len(rows))
		var b strings.Builder
		var args []any
		fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, cols)
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j, v := range r {
				if j > 0 {
					b.WriteString(", ")
				}
				args = append(args, v)
				b.WriteString("$" + strconv.Itoa(len(args)))
			}
			b.WriteByte(')')
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
		rows = rows[n:]
	}
	return nil
}
