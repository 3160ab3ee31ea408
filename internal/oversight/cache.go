package oversight

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// The dashboard of a province reads every record of a million members: seconds of work
// that a committee would otherwise wait for on every click. Each node therefore keeps the
// dashboards it computed, per (organization, period), and says how old they are: the
// page shows when the figures were taken, and they are never older than MaxStale.
const (
	// Fresh is how long a computed dashboard is served as it is.
	Fresh = 5 * time.Second
	// MaxStale is the oldest a served dashboard gets: between Fresh and MaxStale it is
	// served and refreshed in the background; older, it is computed in the request.
	MaxStale = 30 * time.Second
	// slowCompute marks the dashboards worth keeping warm: those whose computation took
	// longer than this are refreshed by Run while people still ask for them.
	slowCompute = 200 * time.Millisecond
	// warmFor is how long after its last request a slow dashboard is kept warm.
	warmFor = 10 * time.Minute
	// maxEntries bounds the cache; the least recently requested entry goes first.
	maxEntries = 2000
)

// CacheOptions tune the dashboard cache. A MaxStale of 0 computes every request (still
// once for requests that arrive together), for tests that compare figures with records
// they have just written.
type CacheOptions struct {
	Fresh, MaxStale time.Duration
	MaxEntries      int
}

type cacheKey struct {
	org    int64
	period string
}

// cached is one computed dashboard and what the cache knows of its use.
type cached struct {
	key       cacheKey
	p         Period
	d         Dashboard
	cost      time.Duration // wall time of the computation
	requested time.Time     // last request, by the service's clock
	elem      *list.Element
}

// flight is a computation under way; everyone asking for its key waits for it.
type flight struct {
	done chan struct{}
	d    Dashboard
	err  error
}

// dashCache holds the computed dashboards of this node.
type dashCache struct {
	opts    CacheOptions
	mu      sync.Mutex
	entries map[cacheKey]*cached
	lru     *list.List // front: most recently requested
	flights map[cacheKey]*flight
}

func newDashCache(o CacheOptions) *dashCache {
	if o.MaxEntries <= 0 {
		o.MaxEntries = maxEntries
	}
	return &dashCache{opts: o, entries: map[cacheKey]*cached{}, lru: list.New(), flights: map[cacheKey]*flight{}}
}

// SetCache replaces the dashboard cache (emptying it). Call it before serving.
func (s *Service) SetCache(o CacheOptions) { s.cache = newDashCache(o) }

// Dashboard is the figures of an organization's subtree for a period, as this node last
// computed them: at most Fresh old as they are, up to MaxStale old while a refresh runs
// in the background, computed in the request when older or missing. TakenAt says when
// they were taken. The answer is shared with other requests: read it, do not change it.
// It does not check access: handlers ask org.Can(View).
func (s *Service) Dashboard(ctx context.Context, orgID int64, p Period) (Dashboard, error) {
	c := s.cache
	k := cacheKey{org: orgID, period: p.Name}
	now := s.now()
	c.mu.Lock()
	if e := c.entries[k]; e != nil {
		age := now.Sub(e.d.TakenAt)
		if age < c.opts.MaxStale {
			e.requested = now
			c.lru.MoveToFront(e.elem)
			d := e.d
			if age >= c.opts.Fresh {
				s.startLocked(k, p)
			}
			c.mu.Unlock()
			return d, nil
		}
	}
	f := s.startLocked(k, p)
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.d, f.err
	case <-ctx.Done():
		return Dashboard{}, ctx.Err()
	}
}

// startLocked starts computing k unless a computation of it is already under way, and
// returns that computation. It runs apart from the request that started it, so that a
// request given up does not fail the others waiting for the same figures.
func (s *Service) startLocked(k cacheKey, p Period) *flight {
	c := s.cache
	if f := c.flights[k]; f != nil {
		return f
	}
	f := &flight{done: make(chan struct{})}
	c.flights[k] = f
	go func() {
		start := time.Now()
		f.d, f.err = s.Compute(context.Background(), k.org, p)
		cost := time.Since(start)
		c.mu.Lock()
		delete(c.flights, k)
		if f.err == nil {
			c.storeLocked(k, p, f.d, cost, s.now())
		}
		c.mu.Unlock()
		close(f.done)
	}()
	return f
}

func (c *dashCache) storeLocked(k cacheKey, p Period, d Dashboard, cost time.Duration, now time.Time) {
	e := c.entries[k]
	if e == nil {
		e = &cached{key: k, requested: now}
		e.elem = c.lru.PushFront(e)
		c.entries[k] = e
	}
	e.p, e.d, e.cost = p, d, cost
	for c.lru.Len() > c.opts.MaxEntries {
		old := c.lru.Remove(c.lru.Back()).(*cached)
		delete(c.entries, old.key)
	}
}

// Run keeps the slow dashboards warm until ctx ends: at start those of the root
// organizations and their children for the current year, then every entry whose
// computation took over 200 ms and that someone asked for in the last ten minutes,
// refreshed before it passes MaxStale, so nobody waits for its computation. One computation at a time, so that keeping
// figures warm never takes more than one core. The server starts it.
func (s *Service) Run(ctx context.Context, logErr func(error)) {
	if s.cache.opts.MaxStale <= 0 {
		return
	}
	if err := s.warmRoots(ctx); err != nil && ctx.Err() == nil {
		logErr(err)
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, w := range s.due() {
			if ctx.Err() != nil {
				return
			}
			if err := s.refresh(ctx, w.key, w.p); err != nil && ctx.Err() == nil {
				logErr(err)
			}
		}
	}
}

// due lists the slow, recently requested entries that would pass MaxStale before the loop
// comes round again and a computation ends. Not Fresh: a request between Fresh and
// MaxStale is answered at once anyway, and refreshing a province every few seconds
// would keep a core busy for figures nobody is reading.
func (s *Service) due() []*cached {
	c := s.cache
	now := s.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	var list []*cached
	for _, e := range c.entries {
		if e.cost <= slowCompute || now.Sub(e.requested) > warmFor {
			continue
		}
		if now.Sub(e.d.TakenAt)+2*time.Second+2*e.cost >= c.opts.MaxStale {
			list = append(list, &cached{key: e.key, p: e.p})
		}
	}
	return list
}

// refresh computes k now (or waits for the computation under way).
func (s *Service) refresh(ctx context.Context, k cacheKey, p Period) error {
	s.cache.mu.Lock()
	f := s.startLocked(k, p)
	s.cache.mu.Unlock()
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// warmRoots computes the current year's dashboards of the root organizations and their
// children, the ones a committee opens first.
func (s *Service) warmRoots(ctx context.Context) error {
	p, err := ParsePeriod("", s.now())
	if err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM orgs WHERE parent_id IS NULL ORDER BY id`)
	if err != nil {
		return wrap("roots", err)
	}
	var roots []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return wrap("scan root", err)
		}
		roots = append(roots, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return wrap("roots", err)
	}
	for _, id := range roots {
		kids, err := s.orgs.Children(ctx, id)
		if err != nil {
			return err
		}
		ids := []int64{id}
		for _, k := range kids {
			ids = append(ids, k.ID)
		}
		for _, id := range ids {
			if err := s.refresh(ctx, cacheKey{org: id, period: p.Name}, p); err != nil {
				return err
			}
		}
	}
	return nil
}
