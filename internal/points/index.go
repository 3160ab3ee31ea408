package points

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"vanguard/internal/store"
)

// The ranking index: derived from the ledger alone, kept in memory on every node, and
// caught up by reading the ledger's new entries in id order (ids are handed out in commit
// order, see point_head). Two nodes over one database therefore agree as soon as each has
// polled — a quarter of a second apart at most — and a node restarted from nothing
// rebuilds the same index from the same ledger.
//
// What it keeps:
//   - per (person, organization the entry was recorded in): points per month, the base
//     every ranking is summed from;
//   - per (organization, period) asked about: a board of each person's total there and
//     an order-statistics set of (total, person), built on first use from the base and
//     then kept current entry by entry. Boards least recently used are dropped when they
//     hold more than maxBoardEntries people in all.
type index struct {
	db   *store.DB
	tree *treeCache

	poll    sync.Mutex // one catch-up at a time
	running atomic.Bool
	dirty   atomic.Bool
	wakeCh  chan struct{}
	tick    atomic.Int64

	mu          sync.RWMutex
	treeVersion string // of the chains the boards were summed with
	last        int64
	slots       []slot
	slotOf      map[slotKey]int32
	orgSlots    map[int64][]int32
	within      map[int64][]int64 // organization → the organizations with entries in its subtree
	boards      map[boardKey]*board
	boardSize   int
	maxEntries  int
}

const maxBoardEntries = 24_000_000

type slotKey struct{ person, org int64 }

type monthPoints struct{ month, points int32 } // month yyyymm

type slot struct {
	person int64
	months []monthPoints
}

// periodID packs a ranked period into one number: a year 2026, a quarter 20264, a month
// 202611.
type periodID int32

func idOf(p Period) periodID {
	switch p.Kind {
	case YearPeriod:
		return periodID(p.From.year())
	case QuarterPeriod:
		return periodID(p.From.year()*10 + p.From.quarter())
	}
	return periodID(p.From.yearMonth())
}

type boardKey struct {
	org    int64
	period periodID
}

type board struct {
	totals map[int64]int32
	keys   sortedKeys
	used   atomic.Int64
}

func (b *board) add(person int64, pts int32) {
	old, had := b.totals[person]
	if had {
		if pts == 0 {
			return
		}
		b.keys.remove(rankKey(old, person))
	}
	total := clamp(int64(old) + int64(pts))
	b.totals[person] = total
	b.keys.insert(rankKey(total, person))
}

func clamp(v int64) int32 {
	switch {
	case v > math.MaxInt32:
		return math.MaxInt32
	case v < math.MinInt32+1:
		return math.MinInt32 + 1
	}
	return int32(v)
}

func newIndex(db *store.DB, tree *treeCache) *index {
	return &index{db: db, tree: tree, wakeCh: make(chan struct{}, 1), slotOf: map[slotKey]int32{},
		orgSlots: map[int64][]int32{}, within: map[int64][]int64{}, boards: map[boardKey]*board{}, maxEntries: maxBoardEntries}
}

// wake tells the index that this node wrote to the ledger: the next query catches up
// first, so a person sees their own points at once.
func (x *index) wake() {
	x.dirty.Store(true)
	select {
	case x.wakeCh <- struct{}{}:
	default:
	}
}

// run catches up every interval and whenever this node writes, until ctx ends.
func (x *index) run(ctx context.Context, interval time.Duration, logErr func(error)) {
	x.running.Store(true)
	defer x.running.Store(false)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := x.catchUp(ctx); err != nil && ctx.Err() == nil {
			logErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-x.wakeCh:
		}
	}
}

// fresh catches up before a query: always when no loop runs (a command, a test), and
// after a write of this node's when one does.
func (x *index) fresh(ctx context.Context) error {
	if x.running.Load() && !x.dirty.Load() {
		return nil
	}
	return x.catchUp(ctx)
}

const pageSize = 50_000

// catchUp applies every ledger entry after the last one applied.
func (x *index) catchUp(ctx context.Context) error {
	x.poll.Lock()
	defer x.poll.Unlock()
	x.dirty.Store(false)
	if err := x.followTree(ctx); err != nil {
		return err
	}
	for {
		page, err := x.readPage(ctx)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		orgs := make([]int64, 0, 64)
		for _, e := range page {
			if x.tree.chain(e.org) == nil {
				orgs = append(orgs, e.org)
			}
		}
		if err := x.tree.load(ctx, x.db, orgs); err != nil {
			return err
		}
		x.mu.Lock()
		for _, e := range page {
			x.apply(e)
		}
		x.last = page[len(page)-1].id
		x.mu.Unlock()
		if len(page) < pageSize {
			return nil
		}
	}
}

// followTree drops the boards when an organization has moved: every sum over a subtree
// may have changed. The base, kept per recorded organization, stays right.
func (x *index) followTree(ctx context.Context) error {
	x.mu.RLock()
	orgs := make([]int64, 0, len(x.orgSlots))
	for o := range x.orgSlots {
		orgs = append(orgs, o)
	}
	x.mu.RUnlock()
	version, err := x.tree.refresh(ctx, x.db, orgs)
	if err != nil {
		return err
	}
	x.mu.Lock()
	if version != x.treeVersion {
		x.boards, x.boardSize, x.treeVersion = map[boardKey]*board{}, 0, version
		x.within = map[int64][]int64{}
		for o := range x.orgSlots {
			for _, a := range x.tree.chain(o) {
				x.within[a] = append(x.within[a], o)
			}
		}
	}
	x.mu.Unlock()
	return nil
}

type tailEntry struct {
	id, person, org int64
	points          int32
	day             Day
}

func (x *index) readPage(ctx context.Context) ([]tailEntry, error) {
	x.mu.RLock()
	last := x.last
	x.mu.RUnlock()
	rows, err := x.db.QueryContext(ctx, `SELECT id, person_id, org_id, points, day FROM point_entries
		WHERE id > $1 ORDER BY id LIMIT $2`, last, pageSize)
	if err != nil {
		return nil, fmt.Errorf("points: tail the ledger: %w", err)
	}
	defer rows.Close()
	var page []tailEntry
	for rows.Next() {
		var e tailEntry
		var day int
		if err := rows.Scan(&e.id, &e.person, &e.org, &e.points, &day); err != nil {
			return nil, err
		}
		e.day = Day(day)
		page = append(page, e)
	}
	return page, rows.Err()
}

// apply adds one entry to the base and to every board it counts in. Callers hold mu.
func (x *index) apply(e tailEntry) {
	k := slotKey{e.person, e.org}
	si, ok := x.slotOf[k]
	if !ok {
		si = int32(len(x.slots))
		x.slots = append(x.slots, slot{person: e.person})
		x.slotOf[k] = si
		if len(x.orgSlots[e.org]) == 0 {
			for _, a := range x.tree.chain(e.org) {
				x.within[a] = append(x.within[a], e.org)
			}
		}
		x.orgSlots[e.org] = append(x.orgSlots[e.org], si)
	}
	s := &x.slots[si]
	month := int32(e.day.yearMonth())
	found := false
	for i := range s.months {
		if s.months[i].month == month {
			s.months[i].points = clamp(int64(s.months[i].points) + int64(e.points))
			found = true
			break
		}
	}
	if !found {
		s.months = append(s.months, monthPoints{month: month})
		s.months[len(s.months)-1].points = e.points
	}
	if len(x.boards) == 0 {
		return
	}
	periods := [3]periodID{idOf(YearOf(e.day)), idOf(QuarterOf(e.day)), idOf(MonthOf(e.day))}
	for _, a := range x.tree.chain(e.org) {
		for _, p := range periods {
			if b := x.boards[boardKey{a, p}]; b != nil {
				before := len(b.totals)
				b.add(e.person, e.points)
				x.boardSize += len(b.totals) - before
			}
		}
	}
}

// boardFor returns the board of an organization and period, building it if needed.
func (x *index) boardFor(org int64, p Period) *board {
	key := boardKey{org, idOf(p)}
	x.mu.RLock()
	b := x.boards[key]
	x.mu.RUnlock()
	if b == nil {
		x.mu.Lock()
		if b = x.boards[key]; b == nil {
			b = x.build(org, p)
			x.boards[key] = b
			x.boardSize += len(b.totals)
			x.evict(key)
		}
		x.mu.Unlock()
	}
	b.used.Store(x.tick.Add(1))
	return b
}

// build sums the base into a new board. Callers hold mu.
func (x *index) build(org int64, p Period) *board {
	from, to := int32(p.From.yearMonth()), int32(p.To.yearMonth())
	totals := map[int64]int32{}
	for _, o := range x.within[org] {
		for _, si := range x.orgSlots[o] {
			s := &x.slots[si]
			sum, any := int64(0), false
			for _, m := range s.months {
				if m.month >= from && m.month <= to {
					sum += int64(m.points)
					any = true
				}
			}
			if any {
				totals[s.person] = clamp(int64(totals[s.person]) + sum)
			}
		}
	}
	b := &board{totals: totals}
	keys := make([]uint64, 0, len(totals))
	for person, total := range totals {
		keys = append(keys, rankKey(total, person))
	}
	b.keys.build(keys)
	return b
}

// evict drops the least recently used boards, never keep, while the boards hold too many
// people. Callers hold mu.
func (x *index) evict(keep boardKey) {
	for x.boardSize > x.maxEntries && len(x.boards) > 1 {
		var oldest boardKey
		var oldestUse int64 = math.MaxInt64
		for k, b := range x.boards {
			if k != keep && b.used.Load() < oldestUse {
				oldest, oldestUse = k, b.used.Load()
			}
		}
		x.boardSize -= len(x.boards[oldest].totals)
		delete(x.boards, oldest)
	}
}

func inChain(chain []int64, org int64) bool {
	for _, a := range chain {
		if a == org {
			return true
		}
	}
	return false
}

// Standing is a person's place in an organization's ranking for a period. People are
// ranked by their total there, highest first; equal totals share a rank (1, 2, 2, 4) and
// are listed by person id. Only people with an entry in the organization's subtree in the
// period are ranked.
type Standing struct {
	PersonID int64
	Total    int
	Rank     int
	Of       int // how many people are ranked
}

// rank is a person's standing; false when they have no entry there in the period.
func (x *index) rank(ctx context.Context, org int64, p Period, person int64) (Standing, bool, error) {
	if err := x.fresh(ctx); err != nil {
		return Standing{}, false, err
	}
	b := x.boardFor(org, p)
	x.mu.RLock()
	defer x.mu.RUnlock()
	total, ok := b.totals[person]
	if !ok {
		return Standing{PersonID: person, Of: len(b.totals)}, false, nil
	}
	return Standing{PersonID: person, Total: int(total), Rank: b.keys.countBelow(rankKey(total, 0)) + 1, Of: len(b.totals)}, true, nil
}

// top lists standings from position offset (0-based).
func (x *index) top(ctx context.Context, org int64, p Period, offset, limit int) ([]Standing, int, error) {
	if err := x.fresh(ctx); err != nil {
		return nil, 0, err
	}
	b := x.boardFor(org, p)
	x.mu.RLock()
	defer x.mu.RUnlock()
	keys := b.keys.slice(offset, limit)
	out := make([]Standing, len(keys))
	for i, k := range keys {
		score := keyScore(k)
		rank := offset + i + 1
		switch {
		case i > 0 && keyScore(keys[i-1]) == score:
			rank = out[i-1].Rank
		case i == 0 && offset > 0:
			rank = b.keys.countBelow(rankKey(score, 0)) + 1
		}
		out[i] = Standing{PersonID: keyPerson(k), Total: int(score), Rank: rank, Of: len(b.totals)}
	}
	return out, len(b.totals), nil
}
