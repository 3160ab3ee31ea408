package points_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/org"
	"vanguard/internal/points"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

var beijing = time.FixedZone("CST", 8*3600)

var admin = auth.Account{ID: 0, IsAdmin: true}

// world is a random tree of organizations with people at its leaves.
type world struct {
	t      testing.TB
	ctx    context.Context
	db     *store.DB
	orgs   *org.Service
	svc    *points.Service
	all    []int64 // every organization
	leaves []int64
	people []int64
}

// newWorld grows a tree under one committee: committees under committees to a random
// depth, branches at the bottom, and people in the branches.
func newWorld(t testing.TB, db *store.DB, r *rand.Rand, people int) *world {
	w := &world{t: t, ctx: context.Background(), db: db, orgs: org.New(db), svc: points.New(db)}
	root := w.org(0, org.Committee)
	var grow func(parent int64, depth int)
	grow = func(parent int64, depth int) {
		n := 1 + r.IntN(3)
		for i := 0; i < n; i++ {
			if depth < 2 && r.IntN(3) > 0 {
				grow(w.org(parent, org.Committee), depth+1)
				continue
			}
			w.leaves = append(w.leaves, w.org(parent, org.Branch))
		}
	}
	grow(root, 0)
	if len(w.leaves) == 0 {
		w.leaves = append(w.leaves, w.org(root, org.Branch))
	}
	for i := 0; i < people; i++ {
		w.people = append(w.people, w.person(w.leaves[r.IntN(len(w.leaves))], "full"))
	}
	return w
}

func (w *world) org(parent int64, kind org.Kind) int64 {
	w.t.Helper()
	o, err := w.orgs.Create(w.ctx, org.NewOrg{ParentID: parent, Kind: kind, Name: fmt.Sprintf("组织%d", len(w.all)+1)})
	if err != nil {
		w.t.Fatal(err)
	}
	w.all = append(w.all, o.ID)
	return o.ID
}

func (w *world) person(orgID int64, stage string) int64 {
	w.t.Helper()
	var id int64
	err := w.db.InTx(w.ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(w.ctx, `INSERT INTO people (name, org_id, stage, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $4) RETURNING id`, "党员", orgID, stage, time.Now()).Scan(&id)
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

func pts(v int) *int { return &v }

// expected is the ranking of an organization and period by a full sort of the ledger.
func (w *world) expected(orgID int64, p points.Period) []points.Standing {
	w.t.Helper()
	rows, err := w.db.QueryContext(w.ctx, `SELECT e.person_id, SUM(e.points) FROM point_entries e
		JOIN org_tree t ON t.org_id = e.org_id WHERE t.ancestor_id = $1 AND e.day BETWEEN $2 AND $3
		GROUP BY e.person_id`, orgID, int(p.From), int(p.To))
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	var out []points.Standing
	for rows.Next() {
		var s points.Standing
		if err := rows.Scan(&s.PersonID, &s.Total); err != nil {
			w.t.Fatal(err)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Total != out[j].Total {
			return out[i].Total > out[j].Total
		}
		return out[i].PersonID < out[j].PersonID
	})
	for i := range out {
		out[i].Of = len(out)
		out[i].Rank = i + 1
		if i > 0 && out[i].Total == out[i-1].Total {
			out[i].Rank = out[i-1].Rank
		}
	}
	return out
}

// check compares every organization's ranking, and each ranked person's own rank, with
// a full sort, for the year, a quarter and a month.
func (w *world) check(svc *points.Service, periods []points.Period) {
	w.t.Helper()
	for _, p := range periods {
		for _, o := range w.all {
			want := w.expected(o, p)
			got, total, err := svc.Ranking(w.ctx, o, p, 0, 1000)
			if err != nil {
				w.t.Fatal(err)
			}
			if total != len(want) || len(got) != len(want) {
				w.t.Fatalf("org %d %s: %d ranked (%d listed), a full sort gives %d", o, p.Name, total, len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					w.t.Fatalf("org %d %s position %d: %+v, a full sort gives %+v", o, p.Name, i, got[i], want[i])
				}
				if i%7 == 0 {
					st, ok, err := svc.Rank(w.ctx, o, p, want[i].PersonID)
					if err != nil || !ok || st != want[i] {
						w.t.Fatalf("org %d %s: rank of %d is %+v (%v, %v), want %+v", o, p.Name, want[i].PersonID, st, ok, err, want[i])
					}
				}
			}
			if len(want) > 3 {
				page, _, err := svc.Ranking(w.ctx, o, p, 2, 2)
				if err != nil || len(page) != 2 || page[0] != want[2] || page[1] != want[3] {
					w.t.Fatalf("org %d %s: page from 2 is %+v, want %+v", o, p.Name, page, want[2:4])
				}
			}
		}
	}
}

// The rankings must equal a full sort of the ledger for every organization and period,
// through random streams with retries, caps, deductions, reversals and a move of an
// organization — on a node that recorded the events and on one that only reads the
// ledger.
func TestRankingsEqualAFullSortOfTheLedger(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for seed := uint64(1); seed <= 3; seed++ {
			r := rand.New(rand.NewPCG(seed, 7))
			w := newWorld(t, db, r, 40)
			reader := points.New(db) // a second node over the same database
			var sent []points.Event
			var recorded []int64
			rules := []string{"meeting-attended", "volunteer-service", "idea-adopted", "manual-award", "manual-deduction"}
			for batch := 0; batch < 12; batch++ {
				var events []points.Event
				for i := 0; i < 40; i++ {
					if len(sent) > 0 && r.IntN(20) == 0 {
						events = append(events, sent[r.IntN(len(sent))]) // a retry
						continue
					}
					e := points.Event{
						Key:        fmt.Sprintf("s%d-%d-%d", seed, batch, i),
						PersonID:   w.people[r.IntN(len(w.people))],
						Rule:       rules[r.IntN(len(rules))],
						OccurredAt: time.Date(2026, time.Month(1+r.IntN(10)), 1+r.IntN(3), 10, 0, 0, 0, beijing),
						Note:       "为社区服务",
					}
					switch e.Rule {
					case "manual-award":
						e.Points = pts(1 + r.IntN(9))
					case "manual-deduction":
						e.Points = pts(-1 - r.IntN(4))
					}
					events = append(events, e)
					sent = append(sent, e)
				}
				res, err := w.svc.Record(w.ctx, admin, events)
				if err != nil {
					t.Fatal(err)
				}
				for i, x := range res {
					if x.Err != nil {
						t.Fatalf("event %d: %v", i, x.Err)
					}
					if x.Status == points.Recorded {
						recorded = append(recorded, x.Entry)
					}
				}
				if batch == 6 && len(w.all) > 2 {
					// Move a branch under another committee: every subtree sum changes.
					if err := w.orgs.Move(w.ctx, w.leaves[0], w.all[0]); err != nil {
						t.Fatal(err)
					}
				}
				if batch%4 == 3 {
					w.check(w.svc, []points.Period{points.YearOf(20260101)})
				}
			}
			// Reverse a few entries: the reversal counts, the entry stays.
			for _, id := range recorded[:5] {
				if err := w.svc.Reverse(w.ctx, admin, id, "记错了"); err != nil {
					t.Fatal(err)
				}
			}
			periods := []points.Period{points.YearOf(20260101), points.QuarterOf(20260401), points.MonthOf(20260301)}
			w.check(w.svc, periods)
			w.check(reader, periods)
		}
	})
}
