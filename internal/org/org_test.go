package org_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// env bundles what the tests of this package need on one database.
type env struct {
	t    *testing.T
	ctx  context.Context
	db   *store.DB
	orgs *org.Service
}

func newEnv(t *testing.T, db *store.DB) *env {
	return &env{t: t, ctx: context.Background(), db: db, orgs: org.New(db)}
}

// create adds an organization and fails the test when it is refused.
func (e *env) create(parent int64, kind org.Kind, name string) org.Org {
	e.t.Helper()
	o, err := e.orgs.Create(e.ctx, org.NewOrg{ParentID: parent, Kind: kind, Name: name})
	if err != nil {
		e.t.Fatalf("create %s %q under %d: %v", kind, name, parent, err)
	}
	return o
}

func (e *env) unit(name string) org.Unit {
	e.t.Helper()
	var u org.Unit
	err := e.db.InTx(e.ctx, func(tx *store.Tx) error {
		var err error
		u, err = e.orgs.CreateUnit(e.ctx, tx, org.Unit{Name: name, Kind: "enterprise"})
		return err
	})
	if err != nil {
		e.t.Fatalf("create unit %s: %v", name, err)
	}
	return u
}

func (e *env) account(username string, admin bool) auth.Account {
	e.t.Helper()
	a, err := auth.New(e.db, auth.Options{Hash: auth.TestHashParams}).CreateAccount(e.ctx, auth.NewAccount{
		Username: username, DisplayName: username, Password: "long enough password", IsAdmin: admin})
	if err != nil {
		e.t.Fatalf("create account %s: %v", username, err)
	}
	return a
}

func (e *env) grant(a auth.Account, orgID int64, role org.Role) {
	e.t.Helper()
	if err := e.orgs.GrantRole(e.ctx, e.db, a.ID, orgID, role); err != nil {
		e.t.Fatalf("grant %s on %d to %s: %v", role, orgID, a.Username, err)
	}
}

// person adds a full member to an organization through the member service.
func (e *env) person(orgID int64, name string) member.Person {
	e.t.Helper()
	p, err := member.New(e.db, e.orgs).Create(e.ctx, member.NewPerson{Name: name, OrgID: orgID,
		Stage: member.StageFull, JoinedAt: time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		e.t.Fatalf("create person %s: %v", name, err)
	}
	return p
}

func (e *env) count(table string) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		e.t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// keys lists the catalog keys of a person-facing error, in order; nil for any other error.
func keys(err error) []string {
	var list i18n.Errors
	if errors.As(err, &list) {
		out := make([]string, len(list))
		for i, e := range list {
			out[i] = e.Key
		}
		return out
	}
	var one *i18n.Error
	if errors.As(err, &one) {
		return []string{one.Key}
	}
	return nil
}

// firstError returns the first person-facing error in err, or nil.
func firstError(err error) *i18n.Error {
	var list i18n.Errors
	if errors.As(err, &list) && len(list) > 0 {
		return list[0]
	}
	var one *i18n.Error
	if errors.As(err, &one) {
		return one
	}
	return nil
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func ids(list []org.Org) []int64 {
	out := make([]int64, len(list))
	for i, o := range list {
		out[i] = o.ID
	}
	return out
}

// edge is a row of the closure table.
type edge struct{ ancestor, org int64 }

// checkClosure compares the closure table and the depth column with what parent_id
// alone implies, computed here in Go, and returns the number of organizations.
func checkClosure(t *testing.T, e *env) int {
	t.Helper()
	rows, err := e.db.QueryContext(e.ctx, `SELECT id, COALESCE(parent_id, 0), depth FROM orgs`)
	if err != nil {
		t.Fatal(err)
	}
	parent := map[int64]int64{}
	depth := map[int64]int{}
	for rows.Next() {
		var id, p int64
		var d int
		if err := rows.Scan(&id, &p, &d); err != nil {
			t.Fatal(err)
		}
		parent[id], depth[id] = p, d
	}
	rows.Close()
	want := map[edge]int{}
	for id := range parent {
		dist := 0
		for a := id; a != 0; a = parent[a] {
			want[edge{a, id}] = dist
			dist++
			if dist > len(parent) {
				t.Fatalf("parent_id has a cycle through %d", id)
			}
		}
		if depth[id] != dist-1 {
			t.Errorf("org %d: depth = %d, want %d", id, depth[id], dist-1)
		}
	}
	rows, err = e.db.QueryContext(e.ctx, `SELECT ancestor_id, org_id, distance FROM org_tree`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[edge]int{}
	for rows.Next() {
		var k edge
		var d int
		if err := rows.Scan(&k.ancestor, &k.org, &d); err != nil {
			t.Fatal(err)
		}
		got[k] = d
	}
	rows.Close()
	for k, d := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("org_tree lacks %d → %d (distance %d)", k.ancestor, k.org, d)
		} else if g != d {
			t.Errorf("org_tree %d → %d: distance %d, want %d", k.ancestor, k.org, g, d)
		}
	}
	for k, d := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("org_tree has a stray row %d → %d (distance %d)", k.ancestor, k.org, d)
		}
	}
	return len(parent)
}

func TestCreateFollowsTheKindRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.create(0, org.Committee, "市委")
		sub := e.create(root.ID, org.Committee, "区委")
		gb := e.create(sub.ID, org.GeneralBranch, "机关总支")
		branch := e.create(gb.ID, org.Branch, "第一支部")
		group := e.create(branch.ID, org.Group, "第一小组")
		coded, err := e.orgs.Create(e.ctx, org.NewOrg{ParentID: sub.ID, Kind: org.Branch, Name: "有代码的支部", Code: "B-001"})
		if err != nil {
			t.Fatal(err)
		}
		gone := e.create(sub.ID, org.Branch, "撤销的支部")
		if err := e.orgs.Dissolve(e.ctx, gone.ID, date(2024, 1, 1)); err != nil {
			t.Fatal(err)
		}

		cases := []struct {
			name   string
			parent int64
			kind   org.Kind
			title  string
			code   string
			want   []string
		}{
			{"a root committee", 0, org.Committee, "省委", "", nil},
			{"a root branch", 0, org.Branch, "孤立支部", "", []string{"org.error.root_kind"}},
			{"a root group", 0, org.Group, "孤立小组", "", []string{"org.error.root_kind"}},
			{"a root general branch", 0, org.GeneralBranch, "孤立总支", "", []string{"org.error.root_kind"}},
			{"a committee under a committee", root.ID, org.Committee, "县委", "", nil},
			{"a general branch under a committee", root.ID, org.GeneralBranch, "总支", "", nil},
			{"a branch under a committee", root.ID, org.Branch, "直属支部", "", nil},
			{"a group under a committee", root.ID, org.Group, "小组", "", []string{"org.error.kind_under"}},
			{"a branch under a general branch", gb.ID, org.Branch, "第二支部", "", nil},
			{"a committee under a general branch", gb.ID, org.Committee, "党委", "", []string{"org.error.kind_under"}},
			{"a general branch under a general branch", gb.ID, org.GeneralBranch, "总支", "", []string{"org.error.kind_under"}},
			{"a group under a general branch", gb.ID, org.Group, "小组", "", []string{"org.error.kind_under"}},
			{"a group under a branch", branch.ID, org.Group, "第二小组", "", nil},
			{"a branch under a branch", branch.ID, org.Branch, "支部", "", []string{"org.error.kind_under"}},
			{"anything under a group", group.ID, org.Group, "小组", "", []string{"org.error.kind_under"}},
			{"a branch under a group", group.ID, org.Branch, "支部", "", []string{"org.error.kind_under"}},
			{"no name", root.ID, org.Branch, "  ", "", []string{"error.required"}},
			{"an unknown kind", root.ID, org.Kind("cell"), "支部", "", []string{"org.error.kind"}},
			{"no name and a wrong kind", branch.ID, org.Committee, "", "", []string{"error.required", "org.error.kind_under"}},
			{"a missing parent", 999999, org.Branch, "支部", "", []string{"org.error.parent_missing"}},
			{"a dissolved parent", gone.ID, org.Group, "小组", "", []string{"org.error.parent_dissolved"}},
			{"a code already taken", root.ID, org.Branch, "重号支部", "B-001", []string{"org.error.code_taken"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := e.count("orgs")
				treeBefore := e.count("org_tree")
				o, err := e.orgs.Create(e.ctx, org.NewOrg{ParentID: c.parent, Kind: c.kind, Name: c.title, Code: c.code})
				if got := keys(err); !slices.Equal(got, c.want) {
					t.Fatalf("Create = %v, want keys %v", err, c.want)
				}
				if c.want != nil {
					if keys(err) == nil {
						t.Fatalf("error is not person-facing: %v", err)
					}
					if n := e.count("orgs"); n != before {
						t.Errorf("a refused create left %d organizations, had %d", n, before)
					}
					if n := e.count("org_tree"); n != treeBefore {
						t.Errorf("a refused create left %d tree rows, had %d", n, treeBefore)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				got, err := e.orgs.Get(e.ctx, o.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Name != strings.TrimSpace(c.title) || got.Kind != c.kind || got.ParentID != c.parent {
					t.Errorf("stored %+v, want %s %q under %d", got, c.kind, c.title, c.parent)
				}
			})
		}
		checkClosure(t, e)

		// The error names the kinds involved, so a page can say "a group cannot be under a committee".
		_, err = e.orgs.Create(e.ctx, org.NewOrg{ParentID: root.ID, Kind: org.Group, Name: "小组"})
		fe := firstError(err)
		if fe == nil || fe.Field != "kind" || fmt.Sprint(fe.Params["kind"]) != fmt.Sprint(i18n.Msg(org.Group.Key())) ||
			fmt.Sprint(fe.Params["parent"]) != fmt.Sprint(i18n.Msg(org.Committee.Key())) {
			t.Errorf("kind_under error = %#v, want the field kind and both kinds as parameters", fe)
		}
		if byCode, err := e.orgs.ByCode(e.ctx, e.db, "B-001"); err != nil || byCode.ID != coded.ID {
			t.Errorf("ByCode(B-001) = %v, %v; want %d", byCode.ID, err, coded.ID)
		}
		if _, err := e.orgs.ByCode(e.ctx, e.db, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ByCode(nope) error = %v, want ErrNotFound", err)
		}
		if _, err := e.orgs.Get(e.ctx, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(missing) error = %v, want ErrNotFound", err)
		}
	})
}

func TestCreateBuildsTheClosure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.create(0, org.Committee, "省委")
		city := e.create(root.ID, org.Committee, "市委")
		county := e.create(city.ID, org.Committee, "县委")
		gb := e.create(county.ID, org.GeneralBranch, "总支")
		branch := e.create(gb.ID, org.Branch, "支部")
		group := e.create(branch.ID, org.Group, "小组")
		other := e.create(0, org.Committee, "另一个省委")
		otherBranch := e.create(other.ID, org.Branch, "另一个支部")

		if n := checkClosure(t, e); n != 8 {
			t.Fatalf("%d organizations, want 8", n)
		}
		if group.Depth != 5 || root.Depth != 0 || otherBranch.Depth != 1 {
			t.Errorf("depths = %d, %d, %d; want 5, 0, 1", group.Depth, root.Depth, otherBranch.Depth)
		}
		anc, err := e.orgs.Ancestors(e.ctx, group.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{root.ID, city.ID, county.ID, gb.ID, branch.ID}; !slices.Equal(ids(anc), want) {
			t.Errorf("Ancestors(group) = %v, want %v, root first", ids(anc), want)
		}
		if anc, _ := e.orgs.Ancestors(e.ctx, root.ID); len(anc) != 0 {
			t.Errorf("Ancestors(root) = %v, want none", ids(anc))
		}
		for _, c := range []struct {
			root, org int64
			want      bool
		}{
			{root.ID, group.ID, true},
			{root.ID, root.ID, true},
			{county.ID, branch.ID, true},
			{group.ID, branch.ID, false},
			{branch.ID, county.ID, false},
			{other.ID, group.ID, false},
			{root.ID, otherBranch.ID, false},
		} {
			if got, err := e.orgs.InSubtree(e.ctx, c.root, c.org); err != nil || got != c.want {
				t.Errorf("InSubtree(%d, %d) = %v, %v; want %v", c.root, c.org, got, err, c.want)
			}
		}
		for _, c := range []struct {
			id   int64
			want int
		}{{root.ID, 6}, {city.ID, 5}, {branch.ID, 2}, {group.ID, 1}, {other.ID, 2}} {
			if got, err := e.orgs.SubtreeSize(e.ctx, c.id); err != nil || got != c.want {
				t.Errorf("SubtreeSize(%d) = %d, %v; want %d", c.id, got, err, c.want)
			}
		}
	})
}

func TestMoveCarriesTheSubtree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.create(0, org.Committee, "市委")
		c1 := e.create(root.ID, org.Committee, "甲区委")
		b1 := e.create(c1.ID, org.Branch, "甲支部")
		g1 := e.create(b1.ID, org.Group, "甲小组")
		c2 := e.create(root.ID, org.Committee, "乙区委")
		gb := e.create(c2.ID, org.GeneralBranch, "乙总支")
		b2 := e.create(root.ID, org.Branch, "丙支部")
		gone := e.create(root.ID, org.Committee, "撤销的区委")
		if err := e.orgs.Dissolve(e.ctx, gone.ID, date(2024, 1, 1)); err != nil {
			t.Fatal(err)
		}

		ctx := audit.WithActor(e.ctx, audit.Actor{Name: "mover"})
		if err := e.orgs.Move(ctx, c1.ID, c2.ID); err != nil {
			t.Fatalf("move 甲区委 under 乙区委: %v", err)
		}
		checkClosure(t, e)
		anc, _ := e.orgs.Ancestors(e.ctx, g1.ID)
		if want := []int64{root.ID, c2.ID, c1.ID, b1.ID}; !slices.Equal(ids(anc), want) {
			t.Errorf("after the move Ancestors(group) = %v, want %v", ids(anc), want)
		}
		if g, _ := e.orgs.Get(e.ctx, g1.ID); g.Depth != 4 {
			t.Errorf("group depth = %d, want 4", g.Depth)
		}
		if c, _ := e.orgs.Get(e.ctx, c1.ID); c.ParentID != c2.ID || c.Depth != 2 {
			t.Errorf("moved org = parent %d depth %d, want parent %d depth 2", c.ParentID, c.Depth, c2.ID)
		}
		if in, _ := e.orgs.InSubtree(e.ctx, c2.ID, g1.ID); !in {
			t.Error("the group is not in its new ancestor's subtree")
		}
		if n, _ := e.orgs.SubtreeSize(e.ctx, c2.ID); n != 5 {
			t.Errorf("SubtreeSize(乙区委) = %d, want 5", n)
		}
		if n, _ := e.orgs.SubtreeSize(e.ctx, c1.ID); n != 3 {
			t.Errorf("SubtreeSize(甲区委) = %d, want 3 (unchanged by the move)", n)
		}
		if entries, err := audit.For(e.ctx, e.db, "org", c1.ID, 1); err != nil || len(entries) != 1 ||
			entries[0].Action != "move" || entries[0].Actor != "mover" || !strings.Contains(entries[0].After, fmt.Sprint(c2.ID)) {
			t.Errorf("audit of the move = %+v, %v", entries, err)
		}

		// A branch moves up out of its committee into the general branch: allowed.
		if err := e.orgs.Move(e.ctx, b1.ID, gb.ID); err != nil {
			t.Fatalf("move the branch under the general branch: %v", err)
		}
		checkClosure(t, e)
		if n, _ := e.orgs.SubtreeSize(e.ctx, c1.ID); n != 1 {
			t.Errorf("SubtreeSize(甲区委) = %d after its branch left, want 1", n)
		}
		if in, _ := e.orgs.InSubtree(e.ctx, c1.ID, g1.ID); in {
			t.Error("the group is still under its old committee")
		}

		refused := []struct {
			name      string
			id, under int64
			want      string
		}{
			{"under itself", c2.ID, c2.ID, "org.error.move_into_self"},
			{"under its child", c2.ID, c1.ID, "org.error.move_into_self"},
			{"under its grandchild", c2.ID, gb.ID, "org.error.move_into_self"},
			{"under a deep descendant", root.ID, g1.ID, "org.error.move_into_self"},
			{"a general branch under a branch", gb.ID, b2.ID, "org.error.kind_under"},
			{"a committee under a general branch", c1.ID, gb.ID, "org.error.kind_under"},
			{"under a dissolved committee", c1.ID, gone.ID, "org.error.parent_dissolved"},
			{"under a missing org", c1.ID, 999999, "org.error.parent_missing"},
		}
		for _, c := range refused {
			t.Run(c.name, func(t *testing.T) {
				before := e.count("org_tree")
				err := e.orgs.Move(e.ctx, c.id, c.under)
				if got := keys(err); !slices.Equal(got, []string{c.want}) {
					t.Fatalf("Move = %v, want %s", err, c.want)
				}
				if n := e.count("org_tree"); n != before {
					t.Errorf("a refused move changed the tree from %d to %d rows", before, n)
				}
				checkClosure(t, e)
			})
		}
		if err := e.orgs.Move(e.ctx, 999999, root.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("moving a missing org: %v, want ErrNotFound", err)
		}
	})
}

// mayContain is the constitution's structure, written again here so the test does not
// trust the code under test.
var mayContain = map[org.Kind][]org.Kind{
	org.Committee:     {org.Committee, org.GeneralBranch, org.Branch},
	org.GeneralBranch: {org.Branch},
	org.Branch:        {org.Group},
}

var treeSeed = flag.Uint64("tree-seed", 0, "seed of TestMoveKeepsTheClosureExact, to replay a failure; 0 for a new one each run")

// TestMoveKeepsTheClosureExact grows random trees and moves random subtrees around;
// after every move, accepted or refused, the closure table must be exactly the one
// parent_id implies.
func TestMoveKeepsTheClosureExact(t *testing.T) {
	const nodes, moves = 200, 100
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed := *treeSeed
		if seed == 0 {
			seed = uint64(time.Now().UnixNano())
		}
		t.Logf("seed %d (replay with: go test -run TestMoveKeepsTheClosureExact ./internal/org -args -tree-seed=%d)", seed, seed)
		rng := rand.New(rand.NewPCG(seed, 7))
		e := newEnv(t, db)
		kind := map[int64]org.Kind{}
		parent := map[int64]int64{}
		var all []int64
		for i := range 2 {
			o := e.create(0, org.Committee, fmt.Sprintf("根%d", i))
			kind[o.ID] = o.Kind
			all = append(all, o.ID)
		}
		for len(all) < nodes {
			p := all[rng.IntN(len(all))]
			options := mayContain[kind[p]]
			if len(options) == 0 {
				continue
			}
			k := options[rng.IntN(len(options))]
			o := e.create(p, k, fmt.Sprintf("组织%d", len(all)))
			kind[o.ID], parent[o.ID] = k, p
			all = append(all, o.ID)
		}
		checkClosure(t, e)

		inSubtree := func(root, id int64) bool {
			for a := id; a != 0; a = parent[a] {
				if a == root {
					return true
				}
			}
			return false
		}
		accepted := 0
		for i := range moves {
			id := all[2+rng.IntN(len(all)-2)] // never a root: a root has no parent to leave
			var target int64
			if rng.IntN(4) > 0 {
				// Mostly pick a parent of a fitting kind, so that most moves happen.
				var fitting []int64
				for _, c := range all {
					if slices.Contains(mayContain[kind[c]], kind[id]) {
						fitting = append(fitting, c)
					}
				}
				target = fitting[rng.IntN(len(fitting))]
			} else {
				target = all[rng.IntN(len(all))]
			}
			var want string
			switch {
			case inSubtree(id, target):
				want = "org.error.move_into_self"
			case !slices.Contains(mayContain[kind[target]], kind[id]):
				want = "org.error.kind_under"
			}
			err := e.orgs.Move(e.ctx, id, target)
			if want == "" {
				if err != nil {
					t.Fatalf("move %d: %d (%s) under %d (%s): %v", i, id, kind[id], target, kind[target], err)
				}
				parent[id] = target
				accepted++
			} else if got := keys(err); !slices.Equal(got, []string{want}) {
				t.Fatalf("move %d: %d (%s) under %d (%s) = %v, want %s", i, id, kind[id], target, kind[target], err, want)
			}
			checkClosure(t, e)
			if t.Failed() {
				t.Fatalf("closure wrong after move %d (%d under %d)", i, id, target)
			}
		}
		if accepted < moves/2 {
			t.Errorf("only %d of %d moves were accepted; the test exercised too little", accepted, moves)
		}
	})
}

func TestRenameIsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		o := e.create(0, org.Committee, "旧名称")
		alice := e.account("alice", false)
		ctx := audit.WithActor(e.ctx, audit.Actor{AccountID: alice.ID, Name: "alice", Address: "10.0.0.1"})

		renamed, err := e.orgs.Rename(ctx, o.ID, "  新名称 ", "New Name")
		if err != nil {
			t.Fatal(err)
		}
		if renamed.Name != "新名称" || renamed.NameEn != "New Name" {
			t.Errorf("Rename returned %q / %q", renamed.Name, renamed.NameEn)
		}
		got, _ := e.orgs.Get(e.ctx, o.ID)
		if got.Name != "新名称" || got.DisplayName("en") != "New Name" || got.DisplayName("zh-CN") != "新名称" {
			t.Errorf("stored %q / %q", got.Name, got.NameEn)
		}
		entries, err := audit.For(e.ctx, e.db, "org", o.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[1].Action != "create" {
			t.Fatalf("audit = %+v, want the rename over the create", entries)
		}
		r := entries[0]
		if r.Action != "rename" || r.AccountID != alice.ID || r.Actor != "alice" || r.Address != "10.0.0.1" ||
			!strings.Contains(r.Before, "旧名称") || !strings.Contains(r.After, "新名称") {
			t.Errorf("rename audit = %+v", r)
		}

		if _, err := e.orgs.Rename(ctx, o.ID, " ", ""); !slices.Equal(keys(err), []string{"error.required"}) {
			t.Errorf("Rename to blank = %v, want error.required", err)
		}
		if _, err := e.orgs.Rename(ctx, 999999, "x", ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Rename(missing) = %v, want ErrNotFound", err)
		}
		if entries, _ := audit.For(e.ctx, e.db, "org", o.ID, 10); len(entries) != 2 {
			t.Errorf("a refused rename was audited: %d lines", len(entries))
		}
	})
}

func TestDissolve(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		people := member.New(e.db, e.orgs)
		root := e.create(0, org.Committee, "党委")
		branch := e.create(root.ID, org.Branch, "支部")
		group := e.create(branch.ID, org.Group, "小组")
		target := e.create(root.ID, org.Branch, "接收支部")
		p := e.person(branch.ID, "张三")
		outsider := e.person(target.ID, "联系领导")
		// A leader from elsewhere is the branch's contact point; the post must end with the branch.
		var contact org.Post
		err := e.db.InTx(e.ctx, func(tx *store.Tx) error {
			var err error
			contact, err = e.orgs.Appoint(e.ctx, tx, org.NewPost{OrgID: branch.ID, PersonID: outsider.ID, Kind: org.ContactPoint, StartedOn: date(2023, 1, 1)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		on := date(2025, 3, 31)

		err = e.orgs.Dissolve(e.ctx, branch.ID, on)
		if got := keys(err); !slices.Equal(got, []string{"org.error.dissolve_children", "org.error.dissolve_people"}) {
			t.Fatalf("Dissolve with a group and a member = %v", err)
		}
		var list i18n.Errors
		errors.As(err, &list)
		if list[0].Params["count"] != 1 || list[1].Params["count"] != 1 {
			t.Errorf("counts = %v, %v; want 1 and 1", list[0].Params, list[1].Params)
		}

		if err := e.orgs.Dissolve(e.ctx, group.ID, on); err != nil {
			t.Fatalf("dissolve the empty group: %v", err)
		}
		if got := keys(e.orgs.Dissolve(e.ctx, branch.ID, on)); !slices.Equal(got, []string{"org.error.dissolve_people"}) {
			t.Fatalf("Dissolve with a member left = %v, want dissolve_people only (the group is dissolved)", got)
		}
		if got := keys(e.orgs.Dissolve(e.ctx, root.ID, on)); !slices.Equal(got, []string{"org.error.dissolve_children"}) {
			t.Errorf("Dissolve of the committee = %v, want dissolve_children", got)
		}

		// The member leaves by transfer; then the branch can close.
		tr, err := people.Issue(e.ctx, member.NewTransfer{PersonID: p.ID, ToOrgID: target.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := people.Receive(e.ctx, tr.ID, people.Today()); err != nil {
			t.Fatal(err)
		}
		if err := e.orgs.Dissolve(e.ctx, branch.ID, on); err != nil {
			t.Fatalf("dissolve the emptied branch: %v", err)
		}

		got, err := e.orgs.Get(e.ctx, branch.ID)
		if err != nil {
			t.Fatalf("the dissolved branch is gone: %v", err)
		}
		if got.DissolvedAt == nil || !got.DissolvedAt.Equal(on) {
			t.Errorf("DissolvedAt = %v, want %v", got.DissolvedAt, on)
		}
		if posts, _ := e.orgs.PostsOn(e.ctx, branch.ID, on.AddDate(0, 0, 1)); len(posts) != 0 {
			t.Errorf("posts after the dissolution: %+v", posts)
		}
		if posts, _ := e.orgs.PostsOn(e.ctx, branch.ID, on); len(posts) != 1 || posts[0].ID != contact.ID {
			t.Errorf("posts on the day of dissolution = %+v, want the contact point's last day", posts)
		}
		if n, _ := e.orgs.SubtreeSize(e.ctx, root.ID); n != 2 {
			t.Errorf("SubtreeSize(root) = %d, want 2 living (root and the receiving branch)", n)
		}
		children, _ := e.orgs.Children(e.ctx, root.ID)
		if want := []int64{target.ID, branch.ID}; !slices.Equal(ids(children), want) {
			t.Errorf("Children = %v, want %v: the dissolved last", ids(children), want)
		}
		if got := keys(e.orgs.Dissolve(e.ctx, branch.ID, on)); !slices.Equal(got, []string{"org.error.already_dissolved"}) {
			t.Errorf("dissolving twice = %v", got)
		}
		if _, err := e.orgs.Create(e.ctx, org.NewOrg{ParentID: branch.ID, Kind: org.Group, Name: "新小组"}); !slices.Equal(keys(err), []string{"org.error.parent_dissolved"}) {
			t.Errorf("creating under a dissolved branch = %v", err)
		}
		if entries, _ := audit.For(e.ctx, e.db, "org", branch.ID, 1); len(entries) != 1 || entries[0].Action != "dissolve" {
			t.Errorf("audit = %+v, want dissolve", entries)
		}
	})
}

func TestPosts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.create(0, org.Committee, "党委")
		branch := e.create(root.ID, org.Branch, "支部")
		group := e.create(branch.ID, org.Group, "小组")
		first := e.person(branch.ID, "第一任书记")
		second := e.person(branch.ID, "第二任书记")
		deputy := e.person(branch.ID, "副书记")
		appoint := func(n org.NewPost) (org.Post, error) {
			var p org.Post
			err := e.db.InTx(e.ctx, func(tx *store.Tx) error {
				var err error
				p, err = e.orgs.Appoint(e.ctx, tx, n)
				return err
			})
			return p, err
		}

		p1, err := appoint(org.NewPost{OrgID: branch.ID, PersonID: first.ID, Kind: org.Secretary, StartedOn: date(2020, 1, 1)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := appoint(org.NewPost{OrgID: branch.ID, PersonID: deputy.ID, Kind: org.DeputySecretary, StartedOn: date(2020, 1, 1)}); err != nil {
			t.Fatal(err)
		}
		p2, err := appoint(org.NewPost{OrgID: branch.ID, PersonID: second.ID, Kind: org.Secretary, StartedOn: date(2023, 3, 1), Note: " 换届 "})
		if err != nil {
			t.Fatal(err)
		}
		if p2.PersonName != "第二任书记" || p2.OrgName != "支部" || p2.Note != "换届" {
			t.Errorf("Appoint returned %+v", p2)
		}
		held, _ := e.orgs.PostsOf(e.ctx, first.ID)
		if len(held) != 1 || held[0].EndedOn == nil || !held[0].EndedOn.Equal(date(2023, 2, 28)) {
			t.Fatalf("the first secretary's term = %+v, want ended 2023-02-28", held)
		}
		if held, _ := e.orgs.PostsOf(e.ctx, deputy.ID); len(held) != 1 || held[0].EndedOn != nil {
			t.Errorf("the deputy's term ended with the secretary's: %+v", held)
		}

		holders := func(on time.Time) map[org.PostKind]int64 {
			t.Helper()
			posts, err := e.orgs.PostsOn(e.ctx, branch.ID, on)
			if err != nil {
				t.Fatal(err)
			}
			m := map[org.PostKind]int64{}
			for _, p := range posts {
				if _, dup := m[p.Kind]; dup {
					t.Errorf("two %s on %s", p.Kind, on.Format(time.DateOnly))
				}
				m[p.Kind] = p.PersonID
			}
			return m
		}
		for _, c := range []struct {
			on        time.Time
			secretary int64
		}{
			{date(2019, 12, 31), 0},
			{date(2020, 1, 1), first.ID},
			{date(2023, 2, 28), first.ID},
			{date(2023, 3, 1), second.ID},
			{date(2030, 1, 1), second.ID},
		} {
			if got := holders(c.on)[org.Secretary]; got != c.secretary {
				t.Errorf("secretary on %s = %d, want %d", c.on.Format(time.DateOnly), got, c.secretary)
			}
		}
		if got := holders(date(2019, 12, 31)); len(got) != 0 {
			t.Errorf("posts before anyone was appointed: %v", got)
		}
		if got := holders(date(2021, 6, 1))[org.DeputySecretary]; got != deputy.ID {
			t.Errorf("deputy on 2021-06-01 = %d", got)
		}

		if err := e.orgs.EndPost(e.ctx, p2.ID, date(2024, 12, 31)); err != nil {
			t.Fatal(err)
		}
		if got := holders(date(2025, 1, 1))[org.Secretary]; got != 0 {
			t.Errorf("secretary after the term ended = %d", got)
		}
		if err := e.orgs.EndPost(e.ctx, p2.ID, date(2025, 1, 1)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ending an ended post = %v, want ErrNotFound", err)
		}
		if got, err := e.orgs.PostOrg(e.ctx, p1.ID); err != nil || got != branch.ID {
			t.Errorf("PostOrg = %d, %v", got, err)
		}
		if _, err := e.orgs.PostOrg(e.ctx, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("PostOrg(missing) = %v", err)
		}

		refused := []struct {
			name string
			post org.NewPost
			want []string
		}{
			{"a group leader of a branch", org.NewPost{OrgID: branch.ID, PersonID: first.ID, Kind: org.GroupLeader, StartedOn: date(2024, 1, 1)}, []string{"org.error.post_group_leader"}},
			{"a group leader of a committee", org.NewPost{OrgID: root.ID, PersonID: first.ID, Kind: org.GroupLeader, StartedOn: date(2024, 1, 1)}, []string{"org.error.post_group_leader"}},
			{"a contact point of a group", org.NewPost{OrgID: group.ID, PersonID: first.ID, Kind: org.ContactPoint, StartedOn: date(2024, 1, 1)}, []string{"org.error.post_contact_point"}},
			{"a contact point of a committee", org.NewPost{OrgID: root.ID, PersonID: first.ID, Kind: org.ContactPoint, StartedOn: date(2024, 1, 1)}, []string{"org.error.post_contact_point"}},
			{"an unknown post", org.NewPost{OrgID: branch.ID, PersonID: first.ID, Kind: "king", StartedOn: date(2024, 1, 1)}, []string{"org.error.post_kind"}},
			{"no start date", org.NewPost{OrgID: branch.ID, PersonID: first.ID, Kind: org.CommitteeMember}, []string{"error.required"}},
			{"a missing person", org.NewPost{OrgID: branch.ID, PersonID: 999999, Kind: org.CommitteeMember, StartedOn: date(2024, 1, 1)}, []string{"org.error.person_missing"}},
		}
		for _, c := range refused {
			t.Run(c.name, func(t *testing.T) {
				before := e.count("posts")
				_, err := appoint(c.post)
				if got := keys(err); !slices.Equal(got, c.want) {
					t.Fatalf("Appoint = %v, want %v", err, c.want)
				}
				if n := e.count("posts"); n != before {
					t.Errorf("a refused appointment changed the posts from %d to %d", before, n)
				}
			})
		}
		for _, c := range []struct {
			name string
			post org.NewPost
		}{
			{"a group leader of a group", org.NewPost{OrgID: group.ID, PersonID: deputy.ID, Kind: org.GroupLeader, StartedOn: date(2024, 1, 1)}},
			{"a contact point of a branch", org.NewPost{OrgID: branch.ID, PersonID: first.ID, Kind: org.ContactPoint, StartedOn: date(2024, 1, 1)}},
		} {
			if _, err := appoint(c.post); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		if _, err := appoint(org.NewPost{OrgID: 999999, PersonID: first.ID, Kind: org.Secretary, StartedOn: date(2024, 1, 1)}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("appointing in a missing org = %v, want ErrNotFound", err)
		}
	})
}

// TestWritesAcceptTheDatabaseItself: every write that takes a Querier works when a
// handler passes the database rather than a transaction, on both engines alike.
func TestWritesAcceptTheDatabaseItself(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		steel, err := e.orgs.CreateUnit(e.ctx, e.db, org.Unit{Name: "钢铁集团", Kind: "enterprise"})
		if err != nil {
			t.Fatalf("CreateUnit: %v", err)
		}
		village, err := e.orgs.CreateUnit(e.ctx, e.db, org.Unit{Name: "东村", Kind: "village"})
		if err != nil {
			t.Fatalf("CreateUnit: %v", err)
		}
		if _, err := e.orgs.CreateUnit(e.ctx, e.db, org.Unit{Name: "火星", Kind: "planet"}); !slices.Equal(keys(err), []string{"org.error.unit_kind"}) {
			t.Errorf("CreateUnit with an unknown kind = %v", err)
		}
		root, err := e.orgs.CreateIn(e.ctx, e.db, org.NewOrg{Kind: org.Committee, Name: "党委", UnitID: steel.ID})
		if err != nil {
			t.Fatalf("CreateIn: %v", err)
		}
		a, err := e.orgs.CreateIn(e.ctx, e.db, org.NewOrg{ParentID: root.ID, Kind: org.Branch, Name: "钢支部", UnitID: steel.ID})
		if err != nil {
			t.Fatalf("CreateIn: %v", err)
		}
		if a.UnitID != steel.ID {
			t.Errorf("unit = %d", a.UnitID)
		}
		if got, _ := e.orgs.Get(e.ctx, a.ID); got.UnitName != "钢铁集团" {
			t.Errorf("UnitName = %q", got.UnitName)
		}
		b, err := e.orgs.CreateIn(e.ctx, e.db, org.NewOrg{ParentID: root.ID, Kind: org.Branch, Name: "村支部", UnitID: village.ID})
		if err != nil {
			t.Fatalf("CreateIn: %v", err)
		}
		checkClosure(t, e)
		p := e.person(a.ID, "书记")
		if _, err := e.orgs.Appoint(e.ctx, e.db, org.NewPost{OrgID: a.ID, PersonID: p.ID, Kind: org.Secretary, StartedOn: date(2024, 1, 1)}); err != nil {
			t.Errorf("Appoint: %v", err)
		}
		id, err := e.orgs.CreateAlliance(e.ctx, e.db, org.NewAlliance{Name: "村企联盟", OrgIDs: []int64{a.ID, b.ID}})
		if err != nil {
			t.Fatalf("CreateAlliance: %v", err)
		}
		if err := e.orgs.AddResource(e.ctx, e.db, id, org.AllianceResource{OrgID: a.ID, Kind: "venue", Name: "职工之家"}); err != nil {
			t.Errorf("AddResource: %v", err)
		}
		if err := e.orgs.AddPair(e.ctx, e.db, id, org.AlliancePair{StrongID: a.ID, WeakID: b.ID}); err != nil {
			t.Errorf("AddPair: %v", err)
		}
		acc := e.account("worker", false)
		if err := e.orgs.GrantRole(e.ctx, e.db, acc.ID, a.ID, org.RoleViewer); err != nil {
			t.Errorf("GrantRole: %v", err)
		}
		if n := e.count("audit_log"); n < 10 {
			t.Errorf("%d audit lines for 10 writes", n)
		}
	})
}
