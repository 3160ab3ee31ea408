package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/points"
	"vanguard/internal/store"
)

// The dashboard benchmark of issue 10: the province of the points benchmark with a year
// of records behind it, and the oversight dashboard read over HTTP as a higher committee
// reads it — the province, then one level down at a time to a branch and a person.

// DashboardOptions size the province and the run. Events is the number of point events
// replayed through the ledger; the dashboard reads totals, so fewer than the points
// benchmark's are enough.
type DashboardOptions struct {
	Options
	Rounds int    // timed drill-downs after the first, cold one
	Period string // the dashboard's ?period=, empty for the run's year
	// Now is the run day the year is built up to (its start, Beijing time); zero means
	// today.
	Now time.Time
}

// DashboardDefaults is the province of DESIGN.md with two million point events.
func DashboardDefaults() DashboardOptions {
	o := ProvinceDefaults()
	o.Events = 2_000_000
	return DashboardOptions{Options: o, Rounds: 30}
}

// The levels of a drill-down, and what each must answer in.
var drillLevels = []struct {
	name   string
	target time.Duration
}{{"province", time.Second}, {"city", 300 * time.Millisecond}, {"county", 300 * time.Millisecond},
	{"town", 300 * time.Millisecond}, {"branch", 300 * time.Millisecond}, {"person", 300 * time.Millisecond}}

// LevelTiming is one level's requests: the first (cold) apart, then the timed ones.
type LevelTiming struct {
	Level              string
	Target             time.Duration
	Cold               time.Duration
	Count              int
	P50, P95, P99, Max time.Duration
	Errors             int
	FirstErr           error
	// What a computation costs past the cache (?fresh=1), asked right after each timed
	// request of a dashboard level; what the user waits for is above.
	ComputeCount           int
	ComputeP50, ComputeMax time.Duration
}

// DashboardResult is what a dashboard run measured.
type DashboardResult struct {
	Options    DashboardOptions
	Engine     string
	Period     string
	BuildTime  time.Duration // the whole build: tree, people, the year and the points
	TreeTime   time.Duration
	YearTime   time.Duration
	PointsTime time.Duration
	Orgs       int
	Year       *Year
	Recorded   int
	Capped     int
	Duplicates int
	Levels     []LevelTiming
	PeakRSS    int64
}

// HTTPStatusError is an answer other than 200 OK.
type HTTPStatusError struct {
	URL  string
	Code int
}

func (e *HTTPStatusError) Error() string { return e.URL + ": " + strconv.Itoa(e.Code) }

// RunDashboard builds the province with its year in db and, when o.Serve is set, times
// the dashboard over HTTP.
func RunDashboard(ctx context.Context, db *store.DB, o DashboardOptions) (DashboardResult, error) {
	res := DashboardResult{Options: o, Engine: string(db.Engine)}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	clock := o.Now
	if clock.IsZero() {
		clock = time.Now()
	}
	// Everything is dated up to the start of the run day (Beijing time), so that a seed
	// and a day build the same province whatever the hour.
	yy, mm, dd := clock.In(beijing).Date()
	now := time.Date(yy, mm, dd, 0, 0, 0, 0, beijing)
	res.Period = o.Period
	if res.Period == "" {
		res.Period = strconv.Itoa(yy)
	}
	t0 := time.Now()
	p, err := build(ctx, db, o.Options, rand.New(rand.NewPCG(o.Seed, 1)))
	if err != nil {
		return res, err
	}
	res.TreeTime, res.Orgs = time.Since(t0), len(p.orgIDs)
	logf("built %d organizations and %d members in %s", len(p.orgIDs), len(p.personIDs), res.TreeTime.Round(time.Millisecond))

	t1 := time.Now()
	if err := recordPoints(ctx, db, p, o.Options, now, &res); err != nil {
		return res, err
	}
	res.PointsTime = time.Since(t1)
	logf("points: %d events in %s: %d recorded, %d capped, %d duplicates", o.Events, res.PointsTime.Round(time.Millisecond),
		res.Recorded, res.Capped, res.Duplicates)

	t1 = time.Now()
	if res.Year, err = buildYear(ctx, db, p, o.Options, now); err != nil {
		return res, err
	}
	res.YearTime = time.Since(t1)
	res.BuildTime = time.Since(t0)
	logf("the year: %d activities held (%d missed) in %s; the whole build %s", res.Year.Activities, res.Year.Missed,
		res.YearTime.Round(time.Millisecond), res.BuildTime.Round(time.Millisecond))

	if o.Serve != nil {
		url, token, err := o.Serve(ctx, db)
		if err != nil {
			return res, err
		}
		res.Levels = drillDown(ctx, p, o, url, token, res.Period)
		for _, l := range res.Levels {
			logf("%-8s cold %s, p50 %s p95 %s p99 %s max %s (%d errors); compute p50 %s max %s", l.Level, l.Cold, l.P50, l.P95, l.P99, l.Max, l.Errors, l.ComputeP50, l.ComputeMax)
		}
	}
	res.PeakRSS = peakRSS()
	return res, nil
}

// recordPoints replays the points benchmark's stream (o.Events of it) through the service
// call the API makes, so the ledger, its counters and its caps are as the service keeps
// them.
func recordPoints(ctx context.Context, db *store.DB, p *province, o Options, now time.Time, res *DashboardResult) error {
	if o.Batch <= 0 {
		o.Batch = points.MaxBatch
	}
	svc := points.New(db)
	admin := auth.Account{IsAdmin: true}
	st := newStream(p, o, now)
	for {
		events, _ := st.next()
		if events == nil {
			return nil
		}
		results, err := svc.Record(ctx, admin, events)
		if err != nil {
			return fmt.Errorf("bench: points: %w", err)
		}
		for _, x := range results {
			switch {
			case x.Err != nil:
				return fmt.Errorf("bench: a point event was refused: %v", x.Err)
			case x.Status == points.Recorded:
				res.Recorded++
			case x.Status == points.Capped:
				res.Capped++
			case x.Status == points.Duplicate:
				res.Duplicates++
			}
		}
	}
}

// dashboardBody is what the drill-down needs of a dashboard's answer.
type dashboardBody struct {
	Children []struct {
		OrgID int64 `json:"org_id"`
	} `json:"children"`
	People []struct {
		PersonID int64 `json:"person_id"`
	} `json:"people"`
}

// drillDown asks, one client at a time, for the province's dashboard and down one child
// at a time to a branch and the first person it lists, o.Rounds+1 times. The child is one
// the answer lists; where the answer lists none (or there is no answer), one from the
// tree, so every level is asked for.
func drillDown(ctx context.Context, p *province, o DashboardOptions, base, token, period string) []LevelTiming {
	r := rand.New(rand.NewPCG(o.Seed, 11))
	c := client(1)
	children := make([][]int32, len(p.orgIDs))
	index := make(map[int64]int32, len(p.orgIDs))
	for i, parent := range p.parent {
		index[p.orgIDs[i]] = int32(i)
		if parent >= 0 {
			children[parent] = append(children[parent], int32(i))
		}
	}
	firstMember := map[int32]int64{}
	for i, b := range p.personOrg {
		if _, ok := firstMember[b]; !ok {
			firstMember[b] = p.personIDs[i]
		}
	}
	levels := make([]LevelTiming, len(drillLevels))
	samples := make([][]time.Duration, len(drillLevels))
	computes := make([][]time.Duration, len(drillLevels))
	for i, l := range drillLevels {
		levels[i] = LevelTiming{Level: l.name, Target: l.target}
	}
	measure := func(round, level int, url string) []byte {
		t0 := time.Now()
		body, err := fetchBody(ctx, c, url, token)
		d := time.Since(t0)
		l := &levels[level]
		switch {
		case err != nil:
			l.Errors++
			if l.FirstErr == nil {
				l.FirstErr = err
			}
			return nil
		case round == 0:
			l.Cold = d
		default:
			samples[level] = append(samples[level], d)
		}
		return body
	}
	// compute times the same dashboard computed past the cache; its answer is not used.
	compute := func(round, level int, url string) {
		if round == 0 {
			return
		}
		t0 := time.Now()
		if _, err := fetchBody(ctx, c, url+"&fresh=1", token); err != nil {
			levels[level].Errors++
			if levels[level].FirstErr == nil {
				levels[level].FirstErr = err
			}
			return
		}
		computes[level] = append(computes[level], time.Since(t0))
	}
	dashboard := func(id int64) string {
		return base + "/api/v1/orgs/" + strconv.FormatInt(id, 10) + "/dashboard?period=" + period
	}
	for round := 0; round <= o.Rounds && ctx.Err() == nil; round++ {
		org := int32(0)
		body := measure(round, 0, dashboard(p.orgIDs[org]))
		compute(round, 0, dashboard(p.orgIDs[org]))
		for level := 1; level < len(drillLevels)-1; level++ {
			next, ok := pickChild(r, body, index, children[org])
			if !ok {
				break
			}
			org = next
			body = measure(round, level, dashboard(p.orgIDs[org]))
			compute(round, level, dashboard(p.orgIDs[org]))
		}
		if len(children[org]) > 0 {
			continue // the tree ended above a branch (an empty town)
		}
		var person int64
		if d, ok := decode(body); ok && len(d.People) > 0 {
			person = d.People[0].PersonID
		} else if id, ok := firstMember[org]; ok {
			person = id
		}
		if person != 0 {
			measure(round, len(drillLevels)-1, base+"/api/v1/people/"+strconv.FormatInt(person, 10))
		}
	}
	for i := range levels {
		ds := samples[i]
		sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
		levels[i].Count = len(ds)
		if len(ds) > 0 {
			at := func(pct int) time.Duration { return ds[min(len(ds)-1, len(ds)*pct/100)] }
			levels[i].P50, levels[i].P95, levels[i].P99, levels[i].Max = at(50), at(95), at(99), ds[len(ds)-1]
		}
		cs := computes[i]
		slices.Sort(cs)
		if levels[i].ComputeCount = len(cs); len(cs) > 0 {
			levels[i].ComputeP50, levels[i].ComputeMax = cs[len(cs)/2], cs[len(cs)-1]
		}
	}
	return levels
}

// pickChild draws one of the children the answer lists that the tree knows, else one
// of the tree's.
func pickChild(r *rand.Rand, body []byte, index map[int64]int32, tree []int32) (int32, bool) {
	if d, ok := decode(body); ok {
		var listed []int32
		for _, ch := range d.Children {
			if i, ok := index[ch.OrgID]; ok {
				listed = append(listed, i)
			}
		}
		if len(listed) > 0 {
			return listed[r.IntN(len(listed))], true
		}
	}
	if len(tree) == 0 {
		return 0, false
	}
	return tree[r.IntN(len(tree))], true
}

func decode(body []byte) (dashboardBody, bool) {
	var d dashboardBody
	if body == nil || json.Unmarshal(body, &d) != nil {
		return d, false
	}
	return d, true
}

// fetchBody GETs url with the token and reads the whole answer, as a browser would before
// drawing it.
func fetchBody(ctx context.Context, c *http.Client, url, token string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &HTTPStatusError{URL: url, Code: resp.StatusCode}
	}
	return body, nil
}

// DashboardMarkdown writes a dashboard run's results as a section of docs/BENCHMARKS.md.
func DashboardMarkdown(r DashboardResult, command string) string {
	var b strings.Builder
	o := r.Options
	fmt.Fprintf(&b, "### Dashboard benchmark (%s, %s)\n\n", r.Engine, time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "Command: `%s` — Go %s, %d CPUs (%s/%s).\n\n", command, runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "Province: %d members in %d branches under %d towns, %d counties, %d cities and one province; built in %s "+
		"(the tree and the people %s, %d point events %s, the year %s).\n\n",
		o.Members, o.Branches, o.Towns, o.Counties, o.Cities, r.BuildTime.Round(time.Millisecond), r.TreeTime.Round(time.Millisecond),
		o.Events, r.PointsTime.Round(time.Millisecond), r.YearTime.Round(time.Millisecond))
	if y := r.Year; y != nil {
		fmt.Fprintf(&b, "The year %d up to the run day: %d activities held (%d missed), %d probationary members and %d people in development, "+
			"%d course completions of the campaign, %d topics, %d ideas, %d assessments with %d rectifications (%d open); "+
			"points: %d recorded, %d capped, %d duplicates.\n\n", y.Year, y.Activities, y.Missed, y.Probationary, y.Pipeline,
			y.Completions, y.Topics, y.Ideas, y.Assessments, y.Rectifications, y.OpenRects, r.Recorded, r.Capped, r.Duplicates)
	}
	if len(r.Levels) == 0 {
		return b.String()
	}
	fmt.Fprintf(&b, "Dashboard `?period=%s` over HTTP with an administrator's API token, one client, %d drill-downs after a cold one. "+
		"The first columns are what a user waits for (from this node's cache, at most 30 s old, or computed in the request when "+
		"missing); the last two are what computing the same dashboard costs past the cache (`&fresh=1`, asked right after):\n\n", r.Period, o.Rounds)
	b.WriteString("| level | cold | p50 | p95 | p99 | max | target | met | requests (errors) | compute p50 | compute max |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	var firstErr error
	for _, l := range r.Levels {
		met := "yes"
		if l.Count == 0 || l.P99 >= l.Target {
			met = "no"
		}
		if l.Count == 0 {
			fmt.Fprintf(&b, "| %s | — | — | — | — | — | < %s | no | 0 (%d) | — | — |\n", l.Level, l.Target, l.Errors)
		} else {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | < %s | %s | %d (%d) | %s | %s |\n", l.Level, round(l.Cold), round(l.P50), round(l.P95),
				round(l.P99), round(l.Max), l.Target, met, l.Count, l.Errors, orDash(l.ComputeCount, l.ComputeP50), orDash(l.ComputeCount, l.ComputeMax))
		}
		if firstErr == nil {
			firstErr = l.FirstErr
		}
	}
	b.WriteString("\n")
	if firstErr != nil {
		fmt.Fprintf(&b, "The first error: %v.\n\n", firstErr)
	}
	return b.String()
}

// orDash is a compute time, or a dash for a level that is not a dashboard (the person).
func orDash(n int, d time.Duration) string {
	if n == 0 {
		return "—"
	}
	return round(d).String()
}

func round(d time.Duration) time.Duration {
	if d > 10*time.Millisecond {
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
