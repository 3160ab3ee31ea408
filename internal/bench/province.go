// Package bench is the province benchmark of DESIGN.md: a synthetic province of members
// in branches under towns, counties and cities; a year of point events (with retried
// duplicates, caps in force) replayed through the same service call the API makes; the
// same stream through Redis sorted sets as the peer; then rank and top-20 queries over
// HTTP against both, from the same client concurrency.
package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/points"
	"vanguard/internal/store"
)

// Options size the province and the run.
type Options struct {
	Members, Branches, Towns, Counties, Cities int
	Events                                     int
	DuplicateRate                              float64
	Batch                                      int
	Clients                                    int
	QueryFor                                   time.Duration
	Seed                                       uint64
	// Redis is the redis-server binary of the peer; empty skips the peer.
	Redis string
	// Serve starts the application's HTTP server on db and returns its URL and an API
	// token of a system administrator.
	Serve func(ctx context.Context, db *store.DB) (url, token string, err error)
	Log   io.Writer
}

// ProvinceDefaults is the province of DESIGN.md.
func ProvinceDefaults() Options {
	return Options{Members: 1_000_000, Branches: 50_000, Towns: 1_400, Counties: 90, Cities: 11, Events: 20_000_000,
		DuplicateRate: 0.02, Batch: points.MaxBatch, Clients: 32, QueryFor: 20 * time.Second, Seed: 2026}
}

// Result is what a run measured.
type Result struct {
	Options      Options
	Engine       string
	BuildTime    time.Duration
	IngestTime   time.Duration
	Events       int
	Recorded     int
	Capped       int
	Duplicates   int
	EventsPerSec float64
	Rank, Top    Latency
	PeakRSS      int64 // bytes, of this process
	Warmup       time.Duration
	Peer         *PeerResult
}

// PeerResult is the Redis peer's side.
type PeerResult struct {
	IngestTime   time.Duration
	EventsPerSec float64
	Rank, Top    Latency
	PeakMemory   int64
}

// Latency summarizes one kind of query.
type Latency struct {
	Count    int
	P50, P99 time.Duration
	Errors   int
	FirstErr error // the first error of the run, to say what went wrong
}

// province is the synthetic tree: parent of each org (index), and each member's branch.
type province struct {
	orgIDs    []int64 // index → database id
	parent    []int32 // index → parent index, -1 for the province
	chain     [][]int32
	branches  []int32 // indexes of the branches
	personIDs []int64
	personOrg []int32 // person index → branch index
	levels    [][]int32
}

func (p *province) ancestors(org int32) []int32 { return p.chain[org] }

// build lays out the tree and writes it, the people and the rankings switch into db in
// large transactions.
func build(ctx context.Context, db *store.DB, o Options, r *rand.Rand) (*province, error) {
	p := &province{}
	add := func(parent int32) int32 {
		p.parent = append(p.parent, parent)
		idx := int32(len(p.parent) - 1)
		var chain []int32
		chain = append(chain, idx)
		if parent >= 0 {
			chain = append(chain, p.chain[parent]...)
		}
		p.chain = append(p.chain, chain)
		return idx
	}
	root := add(-1)
	level := func(n int, parents []int32) []int32 {
		out := make([]int32, n)
		for i := range out {
			out[i] = add(parents[i%len(parents)])
		}
		return out
	}
	cities := level(o.Cities, []int32{root})
	counties := level(o.Counties, cities)
	towns := level(o.Towns, counties)
	p.branches = level(o.Branches, towns)
	p.levels = [][]int32{{root}, cities, counties, towns, p.branches}
	p.personOrg = make([]int32, o.Members)
	for i := range p.personOrg {
		p.personOrg[i] = p.branches[r.IntN(len(p.branches))]
	}
	now := time.Now()
	p.orgIDs = make([]int64, len(p.parent))
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for i := range p.parent {
			kind, depth := "committee", len(p.chain[i])-1
			if depth == 4 {
				kind = "branch"
			}
			var parent any
			if p.parent[i] >= 0 {
				parent = p.orgIDs[p.parent[i]]
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO orgs (parent_id, kind, name, depth, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
				parent, kind, "组织"+strconv.Itoa(i), depth, now).Scan(&p.orgIDs[i]); err != nil {
				return err
			}
		}
		rows := make([]any, 0, 3000)
		flush := func() error {
			if len(rows) == 0 {
				return nil
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO org_tree (ancestor_id, org_id, distance) VALUES `+store.Tuples(len(rows)/3, 3), rows...)
			rows = rows[:0]
			return err
		}
		for i, chain := range p.chain {
			for d, a := range chain {
				rows = append(rows, p.orgIDs[a], p.orgIDs[i], d)
				if len(rows) >= 3000 {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		for start := 0; start < len(p.orgIDs); start += 1000 {
			part := p.orgIDs[start:min(start+1000, len(p.orgIDs))]
			args := make([]any, 0, len(part))
			for _, id := range part {
				args = append(args, id)
			}
			// Rankings on everywhere: the benchmark asks for them.
			if _, err := tx.ExecContext(ctx, `INSERT INTO point_org_settings (org_id, rankings) SELECT id, TRUE FROM orgs WHERE id IN (`+
				store.Params(1, len(args))+`)`, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bench: the tree: %w", err)
	}
	p.personIDs = make([]int64, o.Members)
	for start := 0; start < o.Members; start += 50_000 {
		end := min(start+50_000, o.Members)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for chunk := start; chunk < end; chunk += 500 {
				stop := min(chunk+500, end)
				args := make([]any, 0, (stop-chunk)*5)
				for i := chunk; i < stop; i++ {
					args = append(args, "党员"+strconv.Itoa(i), p.orgIDs[p.personOrg[i]], "full", now, now)
				}
				rows, err := tx.QueryContext(ctx, `INSERT INTO people (name, org_id, stage, created_at, updated_at) VALUES `+
					store.Tuples(stop-chunk, 5)+` RETURNING id`, args...)
				if err != nil {
					return err
				}
				ids := make([]int64, 0, stop-chunk)
				for rows.Next() {
					var id int64
					if err := rows.Scan(&id); err != nil {
						rows.Close()
						return err
					}
					ids = append(ids, id)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
				// RETURNING gives no order guarantee; ids of one statement are consecutive.
				sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
				copy(p.personIDs[chunk:stop], ids)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("bench: the people: %w", err)
		}
	}
	return p, nil
}

// stream generates the year's events, the same sequence for a seed: contributions by
// rules with caps, spread over the year to the day of the run, three in ten repeating the
// one before the same day (so caps are reached), with retries of keys sent in the
// previous batch.
type stream struct {
	r        *rand.Rand
	p        *province
	o        Options
	sent     int
	previous []points.Event
	start    time.Time
	span     time.Duration
}

var streamRules = []struct {
	code string
	pts  *int
}{{"meeting-attended", nil}, {"volunteer-service", nil}, {"lesson-completed", nil}, {"quiz-completed", nil},
	{"manual-award", intp(5)}, {"manual-deduction", intp(-2)}}

func intp(v int) *int { return &v }

func newStream(p *province, o Options, now time.Time) *stream {
	start := time.Date(now.Year(), 1, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	return &stream{r: rand.New(rand.NewPCG(o.Seed, 99)), p: p, o: o, start: start, span: max(now.Add(-time.Hour).Sub(start), time.Hour)}
}

// next returns the next batch, or nil at the end. Each event also says which person
// index it is for, for the peer.
func (s *stream) next() ([]points.Event, []int32) {
	if s.sent >= s.o.Events {
		return nil, nil
	}
	n := min(s.o.Batch, s.o.Events-s.sent)
	events := make([]points.Event, n)
	who := make([]int32, n)
	for i := range events {
		if len(s.previous) > 0 && s.r.Float64() < s.o.DuplicateRate {
			e := s.previous[s.r.IntN(len(s.previous))]
			events[i], who[i] = e, s.indexOf(e)
			continue
		}
		key := "b" + strconv.Itoa(s.sent+i)
		if i > 0 && s.r.IntN(10) < 3 {
			// A burst: the same person does the same again that day (five lessons in an
			// evening), which is where the daily caps bite.
			e := events[i-1]
			e.Key, e.OccurredAt = key, e.OccurredAt.Add(time.Duration(1+s.r.IntN(30))*time.Minute)
			events[i], who[i] = e, who[i-1]
			continue
		}
		person := int32(s.r.IntN(len(s.p.personIDs)))
		rule := streamRules[s.r.IntN(len(streamRules))]
		events[i] = points.Event{Key: key, PersonID: s.p.personIDs[person], Rule: rule.code, Points: rule.pts,
			OccurredAt: s.start.Add(time.Duration(s.r.Int64N(int64(s.span)))), Note: "贡献", Source: "bench",
			SourceRef: strconv.Itoa(int(person))}
		who[i] = person
	}
	s.sent += n
	s.previous = events
	return events, who
}

func (s *stream) indexOf(e points.Event) int32 {
	v, _ := strconv.Atoi(e.SourceRef)
	return int32(v)
}

// Run builds the province in db and measures. The peer runs if o.Redis is set.
func Run(ctx context.Context, db *store.DB, o Options) (Result, error) {
	res := Result{Options: o, Engine: string(db.Engine)}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	r := rand.New(rand.NewPCG(o.Seed, 1))
	t0 := time.Now()
	p, err := build(ctx, db, o, r)
	if err != nil {
		return res, err
	}
	res.BuildTime = time.Since(t0)
	logf("built %d organizations and %d members in %s", len(p.orgIDs), len(p.personIDs), res.BuildTime.Round(time.Millisecond))

	svc := points.New(db)
	indexCtx, stopIndex := context.WithCancel(ctx)
	defer stopIndex()
	go svc.Run(indexCtx, func(err error) { logf("index: %v", err) })

	admin := auth.Account{IsAdmin: true}
	now := time.Now()
	st := newStream(p, o, now)
	t0 = time.Now()
	for {
		events, _ := st.next()
		if events == nil {
			break
		}
		results, err := svc.Record(ctx, admin, events)
		if err != nil {
			return res, err
		}
		for _, x := range results {
			switch {
			case x.Err != nil:
				return res, fmt.Errorf("bench: an event was refused: %v", x.Err)
			case x.Status == points.Recorded:
				res.Recorded++
			case x.Status == points.Capped:
				res.Capped++
			case x.Status == points.Duplicate:
				res.Duplicates++
			}
		}
		res.Events += len(events)
		if res.Events%(o.Events/10+1) < len(events) {
			logf("ingested %d events (%.0f/s)", res.Events, float64(res.Events)/time.Since(t0).Seconds())
		}
	}
	res.IngestTime = time.Since(t0)
	res.EventsPerSec = float64(res.Events) / res.IngestTime.Seconds()
	logf("ingest: %d events in %s: %.0f events/s", res.Events, res.IngestTime.Round(time.Millisecond), res.EventsPerSec)
	if err := svc.CatchUp(ctx); err != nil {
		return res, err
	}

	if o.Serve != nil {
		url, token, err := o.Serve(ctx, db)
		if err != nil {
			return res, err
		}
		q := newQueries(p, o, now)
		t0 = time.Now()
		warm(ctx, q, url, token)
		res.Warmup = time.Since(t0)
		logf("warmed the boards in %s", res.Warmup.Round(time.Millisecond))
		res.Rank, res.Top = q.httpLoad(ctx, url, token)
		logf("HTTP rank p50 %s p99 %s; top-20 p50 %s p99 %s", res.Rank.P50, res.Rank.P99, res.Top.P50, res.Top.P99)
		if res.Rank.FirstErr != nil {
			logf("HTTP errors: %d, the first: %v", res.Rank.Errors+res.Top.Errors, res.Rank.FirstErr)
		}
	}
	res.PeakRSS = peakRSS()
	runtime.KeepAlive(svc)

	if o.Redis != "" {
		peer, err := runPeer(ctx, p, o, now, logf)
		if err != nil {
			return res, err
		}
		res.Peer = peer
	}
	return res, nil
}

// peakRSS is this process's peak resident memory (VmHWM), or 0 where /proc is missing.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}
