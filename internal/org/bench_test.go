package org_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// The benchmark province, after DESIGN.md's sizes: 1 province, 11 cities, 90 counties,
// 1,400 towns and committees, and branches under them up to 200,000 organizations.
const (
	benchCities   = 11
	benchCounties = 90
	benchTowns    = 1_400
	benchOrgs     = 200_000
)

// benchTree is built once per test binary, by the first benchmark that needs it, on
// SQLite in a temporary directory that TestMain removes.
var benchTree struct {
	once     sync.Once
	err      error
	dir      string
	db       *store.DB
	orgs     *org.Service
	cities   []int64
	counties []int64
	branches []int64
	viewer   auth.Account // a viewer on cities[0]
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchTree.db != nil {
		benchTree.db.Close()
	}
	if benchTree.dir != "" {
		os.RemoveAll(benchTree.dir)
	}
	os.Exit(code)
}

func loadBenchTree(b *testing.B) {
	b.Helper()
	benchTree.once.Do(func() {
		start := time.Now()
		benchTree.err = buildBenchTree(context.Background())
		if benchTree.err == nil {
			b.Logf("built a tree of %d organizations in %v", benchOrgs, time.Since(start).Round(time.Millisecond))
		}
	})
	if benchTree.err != nil {
		b.Fatal(benchTree.err)
	}
}

// buildBenchTree writes the tree straight into orgs and org_tree in one transaction,
// with multi-row INSERTs: going through Create would test Create, not the reads.
func buildBenchTree(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "vanguard-org-bench-")
	if err != nil {
		return err
	}
	benchTree.dir = dir
	db, err := store.Open(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		return err
	}
	benchTree.db = db
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}

	type node struct {
		id, parent int64
		kind       org.Kind
		depth      int
	}
	nodes := make([]node, 0, benchOrgs)
	add := func(parent int64, kind org.Kind, depth int) int64 {
		id := int64(len(nodes) + 1)
		nodes = append(nodes, node{id, parent, kind, depth})
		return id
	}
	root := add(0, org.Committee, 0)
	for range benchCities {
		benchTree.cities = append(benchTree.cities, add(root, org.Committee, 1))
	}
	for i := range benchCounties {
		benchTree.counties = append(benchTree.counties, add(benchTree.cities[i%benchCities], org.Committee, 2))
	}
	var towns []int64
	for i := range benchTowns {
		towns = append(towns, add(benchTree.counties[i%benchCounties], org.Committee, 3))
	}
	for i := 0; len(nodes) < benchOrgs; i++ {
		benchTree.branches = append(benchTree.branches, add(towns[i%benchTowns], org.Branch, 4))
	}

	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	err = db.InTx(ctx, func(tx *store.Tx) error {
		const orgBatch = 2_000
		for start := 0; start < len(nodes); start += orgBatch {
			var sb strings.Builder
			sb.WriteString(`INSERT INTO orgs (id, parent_id, kind, name, depth, created_at) VALUES `)
			for i, n := range nodes[start:min(start+orgBatch, len(nodes))] {
				if i > 0 {
					sb.WriteByte(',')
				}
				parent := "NULL"
				if n.parent != 0 {
					parent = fmt.Sprint(n.parent)
				}
				fmt.Fprintf(&sb, "(%d, %s, '%s', '组织%d', %d, $1)", n.id, parent, n.kind, n.id, n.depth)
			}
			if _, err := tx.ExecContext(ctx, sb.String(), created); err != nil {
				return fmt.Errorf("insert orgs: %w", err)
			}
		}
		const treeBatch = 5_000
		var sb strings.Builder
		rows := 0
		flush := func() error {
			if rows == 0 {
				return nil
			}
			_, err := tx.ExecContext(ctx, sb.String())
			sb.Reset()
			rows = 0
			if err != nil {
				return fmt.Errorf("insert org_tree: %w", err)
			}
			return nil
		}
		for _, n := range nodes {
			dist := 0
			for a := n.id; a != 0; a = nodes[a-1].parent {
				if rows == 0 {
					sb.WriteString(`INSERT INTO org_tree (ancestor_id, org_id, distance) VALUES `)
				} else {
					sb.WriteByte(',')
				}
				fmt.Fprintf(&sb, "(%d, %d, %d)", a, n.id, dist)
				rows++
				dist++
				if rows == treeBatch {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
		return flush()
	})
	if err != nil {
		return err
	}
	benchTree.orgs = org.New(db)
	if n, err := benchTree.orgs.SubtreeSize(ctx, root); err != nil || n != benchOrgs {
		return fmt.Errorf("the built tree has %d organizations under the root (%v), want %d", n, err, benchOrgs)
	}
	benchTree.viewer, err = auth.New(db, auth.Options{Hash: auth.TestHashParams}).CreateAccount(ctx, auth.NewAccount{
		Username: "city-viewer", Password: "long enough password"})
	if err != nil {
		return err
	}
	return benchTree.orgs.GrantRole(ctx, db, benchTree.viewer.ID, benchTree.cities[0], org.RoleViewer)
}

// BenchmarkSubtreeCount counts the living organizations under a random county
// (about 2,200 each).
func BenchmarkSubtreeCount(b *testing.B) {
	loadBenchTree(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		county := benchTree.counties[rng.IntN(len(benchTree.counties))]
		n, err := benchTree.orgs.SubtreeSize(ctx, county)
		if err != nil || n < 2 {
			b.Fatalf("SubtreeSize(%d) = %d, %v", county, n, err)
		}
	}
}

// BenchmarkCanView asks whether a viewer of one city may view a random branch of the
// province (about one in eleven answers yes).
func BenchmarkCanView(b *testing.B) {
	loadBenchTree(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	for b.Loop() {
		branch := benchTree.branches[rng.IntN(len(benchTree.branches))]
		if _, err := benchTree.orgs.Can(ctx, benchTree.viewer, org.View, branch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAncestors reads the breadcrumbs of a random branch: four organizations.
func BenchmarkAncestors(b *testing.B) {
	loadBenchTree(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 6))
	for b.Loop() {
		branch := benchTree.branches[rng.IntN(len(benchTree.branches))]
		anc, err := benchTree.orgs.Ancestors(ctx, branch)
		if err != nil || len(anc) != 4 {
			b.Fatalf("Ancestors(%d) = %d orgs, %v", branch, len(anc), err)
		}
	}
}
