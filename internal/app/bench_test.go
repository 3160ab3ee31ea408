package app_test

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The province benchmark at a small scale, through the command: the same code path as
// the full run, on a province of 10,000 members. Every event is answered for, every
// query succeeds on both systems, and the report has every figure.
func TestBenchPointsSmallProvince(t *testing.T) {
	if testing.Short() {
		t.Skip("the small province takes a while")
	}
	args := []string{"bench", "points", "--members", "10000", "--branches", "500", "--towns", "20", "--counties", "4",
		"--cities", "2", "--events", "20000", "--query-for", "2s", "--clients", "8"}
	if _, err := exec.LookPath("redis-server"); err != nil {
		args = append(args, "--redis", "")
	}
	out, err := run(t, nil, args...)
	if err != nil {
		t.Fatalf("bench points: %v\n%s", err, out)
	}
	for _, want := range []string{"| ingest, events/s |", "| rank p50 / p99 |", "| top-20 p50 / p99 |", "| peak memory |"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	m := regexp.MustCompile(`\| queries \(errors\) \| (\d+) \((\d+)\) \| (\d+) \((\d+)\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no query counts in:\n%s", out)
	}
	if m[1] == "0" || m[2] != "0" || m[4] != "0" {
		t.Errorf("queries: %s answered with %s errors; the peer %s with %s errors", m[1], m[2], m[3], m[4])
	}
	e := regexp.MustCompile(`Events: (\d+) sent \(2% retried keys\): (\d+) recorded, (\d+) capped \(kept at 0 points\), (\d+) answered as duplicates`).FindStringSubmatch(out)
	if e == nil {
		t.Fatalf("no event counts in:\n%s", out)
	}
	n := func(s string) int { v, _ := strconv.Atoi(s); return v }
	if n(e[1]) != 20000 || n(e[2])+n(e[3])+n(e[4]) != 20000 || n(e[4]) < 200 || n(e[3]) == 0 {
		t.Errorf("events: %v — each must be recorded, capped or a duplicate, with about 2%% duplicates and some capped", e[1:])
	}
}

// The dashboard benchmark at a small scale, through the command: the province with its
// year is built, the application serves it, and every level of the drill-down, down to
// the person, is timed without an error.
func TestBenchDashboardSmallProvince(t *testing.T) {
	if testing.Short() {
		t.Skip("the small province takes a while")
	}
	out, err := run(t, nil, "bench", "dashboard", "--members", "2000", "--branches", "100", "--towns", "10", "--counties", "4",
		"--cities", "2", "--events", "5000", "--rounds", "3")
	if err != nil {
		t.Fatalf("bench dashboard: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`Province: 2000 members in 100 branches .* built in `).MatchString(out) {
		t.Errorf("no build line in:\n%s", out)
	}
	y := regexp.MustCompile(`: (\d+) activities held \((\d+) missed\)`).FindStringSubmatch(out)
	if y == nil || y[1] == "0" {
		t.Errorf("no year of activities in:\n%s", out)
	}
	rows := map[string][]string{}
	// level | cold | p50 | p95 | p99 | max | target | met | requests (errors) | then, but
	// for the person, what computing it past the cache costs.
	for _, m := range regexp.MustCompile(`(?m)^\| (\w+) \| .* \| (yes|no) \| (\d+) \((\d+)\) \|`).FindAllStringSubmatch(out, -1) {
		rows[m[1]] = m[2:]
	}
	for _, level := range []string{"province", "city", "county", "town", "branch", "person"} {
		r, ok := rows[level]
		switch {
		case !ok:
			t.Errorf("no row for %s in:\n%s", level, out)
		case r[1] != "3" || r[2] != "0":
			t.Errorf("%s: %s timed with %s errors, want 3 without any:\n%s", level, r[1], r[2], out)
		}
	}
}
