package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"vanguard/internal/points"
)

// queries draws the read mix: a member's rank in one of their ancestors (branch to
// province), or the top 20 of an organization of a random level, for this year, this
// quarter or this month.
type queries struct {
	p       *province
	o       Options
	periods []string
}

func newQueries(p *province, o Options, now time.Time) *queries {
	d := points.DayOf(now)
	return &queries{p: p, o: o, periods: []string{points.YearOf(d).Name, points.QuarterOf(d).Name, points.MonthOf(d).Name}}
}

// query is one request: a rank (person ≥ 0) or a top 20.
type query struct {
	person int32
	org    int32
	period string
}

func (q *queries) draw(r *rand.Rand, rank bool) query {
	period := q.periods[r.IntN(len(q.periods))]
	if rank {
		person := int32(r.IntN(len(q.p.personIDs)))
		chain := q.p.ancestors(q.p.personOrg[person])
		return query{person: person, org: chain[r.IntN(len(chain))], period: period}
	}
	level := q.p.levels[r.IntN(len(q.p.levels))]
	return query{person: -1, org: level[r.IntN(len(level))], period: period}
}

func (q *queries) url(base string, x query) string {
	if x.person >= 0 {
		return base + "/api/v1/people/" + strconv.FormatInt(q.p.personIDs[x.person], 10) + "/rank?org=" +
			strconv.FormatInt(q.p.orgIDs[x.org], 10) + "&period=" + x.period
	}
	return base + "/api/v1/orgs/" + strconv.FormatInt(q.p.orgIDs[x.org], 10) + "/ranking?limit=20&period=" + x.period
}

func client(clients int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2}}
}

func get(ctx context.Context, c *http.Client, url, token string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %d", url, resp.StatusCode)
	}
	return nil
}

// warm asks once for the top of every organization above the towns in every period, so
// the boards of the biggest subtrees are built before anything is timed; the time it
// takes is reported on its own.
func warm(ctx context.Context, q *queries, base, token string) {
	c := client(4)
	for _, level := range q.p.levels[:3] {
		for _, org := range level {
			for _, period := range q.periods {
				get(ctx, c, q.url(base, query{person: -1, org: org, period: period}), token)
			}
		}
	}
}

// httpLoad runs the clients for o.QueryFor, half of the requests ranks and half top-20
// lists, and summarizes each kind.
func (q *queries) httpLoad(ctx context.Context, base, token string) (Latency, Latency) {
	c := client(q.o.Clients)
	return load(ctx, q.o, func(r *rand.Rand, rank bool) error {
		return get(ctx, c, q.url(base, q.draw(r, rank)), token)
	})
}

// load runs o.Clients goroutines calling do for o.QueryFor and summarizes the latencies.
func load(ctx context.Context, o Options, do func(r *rand.Rand, rank bool) error) (Latency, Latency) {
	type sample struct {
		rank bool
		d    time.Duration
		err  error
	}
	var mu sync.Mutex
	var all []sample
	var wg sync.WaitGroup
	deadline := time.Now().Add(o.QueryFor)
	for i := 0; i < o.Clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(o.Seed, uint64(1000+i)))
			var mine []sample
			for n := 0; time.Now().Before(deadline) && ctx.Err() == nil; n++ {
				rank := n%2 == 0
				t := time.Now()
				err := do(r, rank)
				mine = append(mine, sample{rank: rank, d: time.Since(t), err: err})
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	var rank, top []time.Duration
	var rankErr, topErr int
	var first error
	for _, s := range all {
		if s.err != nil && first == nil {
			first = s.err
		}
		switch {
		case s.rank && s.err != nil:
			rankErr++
		case s.rank:
			rank = append(rank, s.d)
		case s.err != nil:
			topErr++
		default:
			top = append(top, s.d)
		}
	}
	r, t := summarize(rank, rankErr), summarize(top, topErr)
	r.FirstErr, t.FirstErr = first, first
	return r, t
}

func summarize(ds []time.Duration, errs int) Latency {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	l := Latency{Count: len(ds), Errors: errs}
	if len(ds) > 0 {
		l.P50 = ds[len(ds)/2]
		l.P99 = ds[min(len(ds)-1, len(ds)*99/100)]
	}
	return l
}
