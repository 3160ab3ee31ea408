package oversight_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/evaluation"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/oversight"
	"vanguard/internal/points"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// clock is a fake clock that background refreshes may read too.
type clock struct {
	mu   sync.Mutex
	at   time.Time
	tick time.Duration // added at every reading
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(c.tick)
	return c.at
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.at = t
	c.mu.Unlock()
}

type cacheFixture struct {
	svc    *oversight.Service
	people *member.Service
	orgs   *org.Service
	town   org.Org
	branch org.Org
	year   oversight.Period
}

func newCacheFixture(t *testing.T, db *store.DB, c *clock) cacheFixture {
	t.Helper()
	ctx := context.Background()
	orgs := org.New(db)
	people := member.New(db, orgs)
	acts := activity.New(db, activity.Options{Now: c.now})
	ledger := points.New(db)
	evals := evaluation.New(db, orgs, people, acts, ledger)
	if err := evals.InstallBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	svc := oversight.New(db, orgs, acts, ledger, evals)
	svc.SetClock(c.now)
	town, err := orgs.Create(ctx, org.NewOrg{Kind: org.Committee, Name: "镇党委"})
	if err != nil {
		t.Fatal(err)
	}
	branch, err := orgs.Create(ctx, org.NewOrg{ParentID: town.ID, Kind: org.Branch, Name: "一支部"})
	if err != nil {
		t.Fatal(err)
	}
	year, err := oversight.ParsePeriod("2025", c.now())
	if err != nil {
		t.Fatal(err)
	}
	return cacheFixture{svc: svc, people: people, orgs: orgs, town: town, branch: branch, year: year}
}

func (f cacheFixture) addMember(t *testing.T, name string) {
	t.Helper()
	_, err := f.people.Create(context.Background(), member.NewPerson{Name: name, OrgID: f.branch.ID,
		Stage: member.StageFull, JoinedAt: time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
}

func (f cacheFixture) members(t *testing.T) (int, time.Time) {
	t.Helper()
	d, err := f.svc.Dashboard(context.Background(), f.town.ID, f.year)
	if err != nil {
		t.Fatal(err)
	}
	return d.Members, d.TakenAt
}

// A record written after a dashboard was taken shows once the figures are older than
// Fresh (after the refresh that request started), and never later than MaxStale.
func TestDashboardCacheShowsNewRecordsWithinMaxStale(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t0 := time.Date(2025, 6, 1, 10, 0, 0, 0, beijing)
		c := &clock{at: t0}
		f := newCacheFixture(t, db, c)
		f.addMember(t, "甲")
		if n, at := f.members(t); n != 1 || !at.Equal(t0) {
			t.Fatalf("first dashboard: %d members taken at %s", n, at)
		}
		f.addMember(t, "乙")

		c.set(t0.Add(oversight.Fresh - time.Millisecond))
		if n, at := f.members(t); n != 1 || !at.Equal(t0) {
			t.Errorf("fresh figures: %d members taken at %s, want the first ones", n, at)
		}
		// Past Fresh the old figures are answered at once, with their time, and refreshed.
		stale := t0.Add(oversight.Fresh + time.Second)
		c.set(stale)
		if n, at := f.members(t); n != 1 || !at.Equal(t0) {
			t.Errorf("stale figures: %d members taken at %s, want the first ones", n, at)
		}
		f.svc.Settle()
		if n, at := f.members(t); n != 2 || !at.Equal(stale) {
			t.Errorf("after the refresh: %d members taken at %s, want 2 at %s", n, at, stale)
		}

		// Nobody asks for a while: at MaxStale the figures are computed in the request.
		f.addMember(t, "丙")
		late := stale.Add(oversight.MaxStale)
		c.set(late)
		if n, at := f.members(t); n != 3 || !at.Equal(late) {
			t.Errorf("at MaxStale: %d members taken at %s, want 3 at %s", n, at, late)
		}
	})
}

// Requests that arrive together for figures nobody has share one computation.
func TestDashboardCacheComputesAColdKeyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// Every reading of the clock moves it on, so two computations never share a
		// taken-at time.
		c := &clock{at: time.Date(2025, 6, 1, 10, 0, 0, 0, beijing), tick: time.Microsecond}
		f := newCacheFixture(t, db, c)
		f.addMember(t, "甲")
		const n = 16
		var wg sync.WaitGroup
		start := make(chan struct{})
		taken := make([]time.Time, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				<-start
				d, err := f.svc.Dashboard(context.Background(), f.town.ID, f.year)
				taken[i], errs[i] = d.TakenAt, err
			})
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if !taken[i].Equal(taken[0]) {
				t.Errorf("request %d got figures taken at %s, request 0 at %s: computed more than once", i, taken[i], taken[0])
			}
		}
	})
}

// The cache keeps at most MaxEntries dashboards, dropping the least recently requested.
func TestDashboardCacheEvictsTheLeastRecentlyRequested(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := &clock{at: time.Date(2025, 6, 1, 10, 0, 0, 0, beijing), tick: time.Microsecond}
		f := newCacheFixture(t, db, c)
		f.svc.SetCache(oversight.CacheOptions{Fresh: time.Hour, MaxStale: time.Hour, MaxEntries: 2})
		ctx := context.Background()
		get := func(id int64) time.Time {
			t.Helper()
			d, err := f.svc.Dashboard(ctx, id, f.year)
			if err != nil {
				t.Fatal(err)
			}
			return d.TakenAt
		}
		town := get(f.town.ID)
		get(f.branch.ID)
		if again := get(f.town.ID); !again.Equal(town) {
			t.Fatalf("the town recomputed with room in the cache: %s, then %s", town, again)
		}
		other, err := f.orgs.Create(ctx, org.NewOrg{ParentID: f.town.ID, Kind: org.Branch, Name: "二支部"})
		if err != nil {
			t.Fatal(err)
		}
		get(f.branch.ID)
		get(other.ID) // the town is now the least recently requested
		if again := get(f.town.ID); again.Equal(town) {
			t.Errorf("the town's first figures outlived two newer requests in a cache of two")
		}
	})
}
