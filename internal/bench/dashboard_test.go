package bench

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"vanguard/internal/member"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

func tinyProvince() Options {
	return Options{Members: 600, Branches: 30, Towns: 6, Counties: 3, Cities: 2, Events: 2000, DuplicateRate: 0.02, Batch: 500, Seed: 7}
}

// The run day of the tests: late November, so most of the year is behind it.
var testNow = time.Date(2026, 11, 22, 10, 0, 0, 0, beijing)

func buildTiny(t *testing.T, db *store.DB) (*province, *Year) {
	t.Helper()
	ctx := context.Background()
	o := tinyProvince()
	p, err := build(ctx, db, o, rand.New(rand.NewPCG(o.Seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	y, err := buildYear(ctx, db, p, o, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return p, y
}

// The summary rows the dashboard and the calendar read are, for every branch, the
// activities the generator held: each kind's months (the secretary's lectures only)
// and the attendance tallies of its hosts rows.
func TestYearSummariesMatchTheActivities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p, y := buildTiny(t, db)
		if y.Activities == 0 || y.Missed == 0 {
			t.Fatalf("%d activities held and %d missed: the year must have both", y.Activities, y.Missed)
		}
		var stored int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM activities a JOIN activity_hosts h ON h.activity_id = a.id
			WHERE a.status = 'held' AND h.held_year = $1`, y.Year).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != y.Activities {
			t.Errorf("%d held activities with a host in the tables; the generator wrote %d", stored, y.Activities)
		}

		tallies := map[int64][4]int{}
		rows, err := db.QueryContext(ctx, `SELECT org_id, present, late, on_leave, absent FROM activity_hosts WHERE held_year = $1`, y.Year)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var org int64
			var v [4]int
			if err := rows.Scan(&org, &v[0], &v[1], &v[2], &v[3]); err != nil {
				t.Fatal(err)
			}
			sum := tallies[org]
			for i := range v {
				sum[i] += v[i]
			}
			tallies[org] = sum
		}
		rows.Close()

		summaries := map[int64]bool{}
		rows, err = db.QueryContext(ctx, `SELECT org_id, held, present, late, on_leave, absent FROM activity_org_years WHERE year = $1`, y.Year)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var org int64
			var held string
			var v [4]int
			if err := rows.Scan(&org, &held, &v[0], &v[1], &v[2], &v[3]); err != nil {
				t.Fatal(err)
			}
			summaries[org] = true
			if want := expectedHeld(y.Held[org]); !reflect.DeepEqual(parseHeld(held), want) {
				t.Errorf("organization %d: the summary holds %q, the generator held %v", org, held, want)
			}
			if v != tallies[org] {
				t.Errorf("organization %d: the summary's attendance %v, its activities' %v", org, v, tallies[org])
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		for _, b := range p.branches {
			if len(y.Held[p.orgIDs[b]]) > 0 && !summaries[p.orgIDs[b]] {
				t.Errorf("branch %d held activities but has no summary row", p.orgIDs[b])
			}
		}
	})
}

// parseHeld reads a summary's "kind=month,month;…" into counts per kind and month.
func parseHeld(held string) map[string][12]int {
	out := map[string][12]int{}
	for _, part := range strings.Split(held, ";") {
		kind, months, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		c := out[kind]
		for _, m := range strings.Split(months, ",") {
			if n, err := strconv.Atoi(m); err == nil && n >= 1 && n <= 12 {
				c[n-1]++
			}
		}
		out[kind] = c
	}
	return out
}

// expectedHeld is what the summary says of the generator's counts: lectures by someone
// other than the secretary do not count for the lecture rule.
func expectedHeld(held map[string][12]int) map[string][12]int {
	out := map[string][12]int{}
	for k, v := range held {
		if !strings.HasSuffix(k, "/other") {
			out[k] = v
		}
	}
	return out
}

// The rest of the year: the development pipeline has every stage and some steps
// overdue by the regulation's own rules, the campaign is partly done, and there are
// open topics, ideas and open rectifications.
func TestYearHasWhatTheDashboardShows(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	_, y := buildTiny(t, db)
	rows, err := db.QueryContext(ctx, `SELECT stage, applied_at, talked_at, admitted_at, approved_at FROM people`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	stages, overdue := map[string]int{}, map[string]int{}
	today := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	for rows.Next() {
		var stage string
		var applied, talked, admitted, approved *time.Time
		if err := rows.Scan(&stage, &applied, &talked, &admitted, &approved); err != nil {
			t.Fatal(err)
		}
		stages[stage]++
		d := member.Dossier{Stage: member.Stage(stage)}
		for _, f := range []struct {
			dst *time.Time
			src *time.Time
		}{{&d.AppliedAt, applied}, {&d.TalkedAt, talked}, {&d.AdmittedAt, admitted}, {&d.ApprovedAt, approved}} {
			if f.src != nil {
				*f.dst = *f.src
			}
		}
		if step, ok := member.NextStep(d, today); ok && step.Overdue {
			overdue[stage]++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"applicant", "activist", "candidate", "probationary", "full"} {
		if stages[s] == 0 {
			t.Errorf("no one at the stage %s: %v", s, stages)
		}
	}
	if overdue["applicant"] == 0 || overdue["probationary"] == 0 {
		t.Errorf("steps overdue by stage %v: applicants waiting for the talk and probations past their end must be there", overdue)
	}

	var members, complete, none int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*),
		SUM(CASE WHEN (SELECT COUNT(*) FROM course_completions c WHERE c.person_id = p.id) = 2 THEN 1 ELSE 0 END),
		SUM(CASE WHEN (SELECT COUNT(*) FROM course_completions c WHERE c.person_id = p.id) = 0 THEN 1 ELSE 0 END)
		FROM people p WHERE p.stage IN ('probationary', 'full')`).Scan(&members, &complete, &none); err != nil {
		t.Fatal(err)
	}
	if complete == 0 || none == 0 || complete == members {
		t.Errorf("campaign: %d of %d members done, %d not started: completion must be partial", complete, members, none)
	}
	var open int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM rectifications WHERE status = 'open'`).Scan(&open); err != nil {
		t.Fatal(err)
	}
	if open == 0 || open != y.OpenRects || y.Topics == 0 || y.Ideas == 0 {
		t.Errorf("%d open rectifications (generator %d), %d topics, %d ideas", open, y.OpenRects, y.Topics, y.Ideas)
	}
}

// The same seed and day build the same year, on either engine.
func TestYearIsDeterministic(t *testing.T) {
	_, want := buildTiny(t, storetest.SQLite(t))
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if _, got := buildTiny(t, db); !reflect.DeepEqual(got, want) {
			t.Errorf("two builds with one seed differ:\n%+v\n%+v", got, want)
		}
	})
}

// The drill-down follows what the dashboard lists — a child of each level down to a
// branch, then the first person the branch lists — and times every level, the first
// request apart. A stand-in dashboard answers from the tree.
func TestDrillDownFollowsTheDashboard(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	o := tinyProvince()
	p, err := build(ctx, db, o, rand.New(rand.NewPCG(o.Seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	children := map[int64][]int64{}
	for i, parent := range p.parent {
		if parent >= 0 {
			children[p.orgIDs[parent]] = append(children[p.orgIDs[parent]], p.orgIDs[i])
		}
	}
	people := map[int64][]int64{}
	for i, b := range p.personOrg {
		people[p.orgIDs[b]] = append(people[p.orgIDs[b]], p.personIDs[i])
	}
	asked := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		if id, ok := strings.CutPrefix(r.URL.Path, "/api/v1/people/"); ok {
			asked["person:"+id]++
			w.Write([]byte(`{}`))
			return
		}
		id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v1/orgs/"), "/dashboard"), 10, 64)
		if r.URL.Query().Get("period") != "2026" {
			http.Error(w, "period", http.StatusBadRequest)
			return
		}
		key := "org:" + strconv.FormatInt(id, 10)
		if r.URL.Query().Get("fresh") == "1" {
			key = "fresh:" + strconv.FormatInt(id, 10)
		}
		asked[key]++
		body := map[string]any{"org_id": id, "children": []map[string]any{}}
		for _, c := range children[id] {
			body["children"] = append(body["children"].([]map[string]any), map[string]any{"org_id": c, "name": "x"})
		}
		// The branch lists its people, the last first, so that people[0] is not the
		// tree's first member.
		var list []map[string]any
		for i := len(people[id]) - 1; i >= 0; i-- {
			list = append(list, map[string]any{"person_id": people[id][i], "name": "x"})
		}
		body["people"] = list
		json.NewEncoder(w).Encode(body)
	}))
	defer srv.Close()
	levels := drillDown(ctx, p, DashboardOptions{Options: o, Rounds: 4}, srv.URL, "tok", "2026")
	for _, l := range levels {
		if l.Errors != 0 || l.Count != 4 || l.Cold == 0 {
			t.Errorf("%s: %d timed, %d errors (%v), cold %s", l.Level, l.Count, l.Errors, l.FirstErr, l.Cold)
		}
		// Every timed dashboard is also computed past the cache; a person is no dashboard.
		if want := 4 * b2i(l.Level != "person"); l.ComputeCount != want || (want > 0 && l.ComputeMax == 0) {
			t.Errorf("%s: %d computations timed (max %s), want %d", l.Level, l.ComputeCount, l.ComputeMax, want)
		}
	}
	province := strconv.FormatInt(p.orgIDs[0], 10)
	if asked["org:"+province] != 5 || asked["fresh:"+province] != 4 {
		t.Errorf("the province was asked for %d times and computed %d times, want 5 and 4", asked["org:"+province], asked["fresh:"+province])
	}
	for key, n := range asked {
		id, ok := strings.CutPrefix(key, "person:")
		if !ok {
			continue
		}
		pid, _ := strconv.ParseInt(id, 10, 64)
		last := false
		for _, list := range people {
			last = last || list[len(list)-1] == pid
		}
		if !last {
			t.Errorf("person %d (asked %d times) is not people[0] of any branch", pid, n)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
