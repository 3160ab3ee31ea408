package org_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// accessTree is a province with two cities and an unrelated second tree:
//
//	province ─┬─ city ─── branch ─── group
//	          └─ sibling ─ sibling branch
//	other ─── other branch
type accessTree struct {
	province, city, branch, group, sibling, siblingBranch, other, otherBranch org.Org
}

func newAccessTree(e *env) accessTree {
	var a accessTree
	a.province = e.create(0, org.Committee, "省委")
	a.city = e.create(a.province.ID, org.Committee, "市委")
	a.branch = e.create(a.city.ID, org.Branch, "支部")
	a.group = e.create(a.branch.ID, org.Group, "小组")
	a.sibling = e.create(a.province.ID, org.Committee, "邻市委")
	a.siblingBranch = e.create(a.sibling.ID, org.Branch, "邻市支部")
	a.other = e.create(0, org.Committee, "外省委")
	a.otherBranch = e.create(a.other.ID, org.Branch, "外省支部")
	return a
}

func (a accessTree) all() []org.Org {
	return []org.Org{a.province, a.city, a.branch, a.group, a.sibling, a.siblingBranch, a.other, a.otherBranch}
}

// TestRoleHoldsForTheSubtreeOnly: a role on the city holds for the city, its child
// and grandchild, and nowhere else; each role carries exactly its rights.
func TestRoleHoldsForTheSubtreeOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tr := newAccessTree(e)
		rights := map[org.Role][]org.Right{
			org.RoleAdmin:   {org.View, org.Manage, org.Administer},
			org.RoleManager: {org.View, org.Manage},
			org.RoleViewer:  {org.View},
		}
		places := []struct {
			name   string
			o      org.Org
			inside bool
		}{
			{"its own org", tr.city, true},
			{"a child", tr.branch, true},
			{"a grandchild", tr.group, true},
			{"the parent", tr.province, false},
			{"a sibling", tr.sibling, false},
			{"a sibling's child", tr.siblingBranch, false},
			{"an unrelated root", tr.other, false},
			{"an unrelated branch", tr.otherBranch, false},
		}
		for _, role := range org.Roles() {
			acc := e.account("holder-"+string(role), false)
			e.grant(acc, tr.city.ID, role)
			for _, right := range []org.Right{org.View, org.Manage, org.Administer} {
				for _, p := range places {
					want := p.inside && slices.Contains(rights[role], right)
					got, err := e.orgs.Can(e.ctx, acc, right, p.o.ID)
					if err != nil {
						t.Fatal(err)
					}
					if got != want {
						t.Errorf("%s on the city, right %d on %s: Can = %v, want %v", role, right, p.name, got, want)
					}
				}
			}
		}

		sysadmin := e.account("root", true)
		nobody := e.account("nobody", false)
		for _, right := range []org.Right{org.View, org.Manage, org.Administer} {
			for _, o := range tr.all() {
				if ok, err := e.orgs.Can(e.ctx, sysadmin, right, o.ID); err != nil || !ok {
					t.Errorf("system admin refused right %d on %s: %v", right, o.Name, err)
				}
				if ok, _ := e.orgs.Can(e.ctx, nobody, right, o.ID); ok {
					t.Errorf("an account without roles has right %d on %s", right, o.Name)
				}
				if ok, _ := e.orgs.Can(e.ctx, auth.Account{}, right, o.ID); ok {
					t.Errorf("the anonymous account has right %d on %s", right, o.Name)
				}
			}
		}
	})
}

// TestRolesAddUp: a viewer on the province who is a manager of one branch manages that
// branch only, and an admin role granted below does not reach up.
func TestRolesAddUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tr := newAccessTree(e)
		acc := e.account("mixed", false)
		e.grant(acc, tr.province.ID, org.RoleViewer)
		e.grant(acc, tr.branch.ID, org.RoleManager)
		e.grant(acc, tr.group.ID, org.RoleAdmin)
		cases := []struct {
			o     org.Org
			right org.Right
			want  bool
		}{
			{tr.province, org.View, true},
			{tr.province, org.Manage, false},
			{tr.siblingBranch, org.View, true},
			{tr.siblingBranch, org.Manage, false},
			{tr.city, org.Manage, false},
			{tr.branch, org.Manage, true},
			{tr.branch, org.Administer, false},
			{tr.group, org.Administer, true},
			{tr.other, org.View, false},
		}
		for _, c := range cases {
			if got, err := e.orgs.Can(e.ctx, acc, c.right, c.o.ID); err != nil || got != c.want {
				t.Errorf("right %d on %s = %v, %v; want %v", c.right, c.o.Name, got, err, c.want)
			}
		}
	})
}

// TestScopeConditionFiltersInSQL pushes a scope into a real query: exactly the subtree
// comes back, for the right the role carries, and nothing for one it does not.
func TestScopeConditionFiltersInSQL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tr := newAccessTree(e)
		viewer := e.account("viewer", false)
		e.grant(viewer, tr.city.ID, org.RoleViewer)
		twoPlaces := e.account("two-places", false)
		e.grant(twoPlaces, tr.branch.ID, org.RoleManager)
		e.grant(twoPlaces, tr.other.ID, org.RoleAdmin)
		sysadmin := e.account("root", true)

		query := func(sc org.Scope) []int64 {
			t.Helper()
			// The scope's parameter comes after one of the query's own, as in real lists.
			cond, args := sc.Condition("o.id", 2)
			rows, err := e.db.QueryContext(e.ctx, `SELECT o.id FROM orgs o WHERE o.name <> $1 AND `+cond+` ORDER BY o.id`,
				append([]any{"no such name"}, args...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				out = append(out, id)
			}
			return out
		}
		cases := []struct {
			name  string
			acc   auth.Account
			right org.Right
			want  []org.Org
		}{
			{"a viewer's view", viewer, org.View, []org.Org{tr.city, tr.branch, tr.group}},
			{"a viewer's manage", viewer, org.Manage, nil},
			{"two grants, view", twoPlaces, org.View, []org.Org{tr.branch, tr.group, tr.other, tr.otherBranch}},
			{"two grants, manage", twoPlaces, org.Manage, []org.Org{tr.branch, tr.group, tr.other, tr.otherBranch}},
			{"two grants, administer", twoPlaces, org.Administer, []org.Org{tr.other, tr.otherBranch}},
			{"the system admin", sysadmin, org.Administer, tr.all()},
			{"the anonymous account", auth.Account{}, org.View, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				sc := org.ScopeOf(c.acc, c.right)
				if sc.All() != c.acc.IsAdmin {
					t.Errorf("All() = %v for admin %v", sc.All(), c.acc.IsAdmin)
				}
				if got, want := query(sc), ids(c.want); !slices.Equal(got, want) {
					t.Errorf("scoped query = %v, want %v", got, want)
				}
				// The same scope in Search, the picker: living orgs whose name matches.
				found, err := e.orgs.Search(e.ctx, sc, "", 100)
				if err != nil {
					t.Fatal(err)
				}
				got := ids(found)
				slices.Sort(got)
				if want := ids(c.want); !slices.Equal(got, want) {
					t.Errorf("Search = %v, want %v", got, want)
				}
			})
		}
		found, err := e.orgs.Search(e.ctx, org.ScopeOf(sysadmin, org.View), "支部", 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 2 || !strings.Contains(found[0].Name, "支部") {
			t.Errorf("Search(支部, limit 2) = %+v", found)
		}
	})
}

func TestRootsAreTheTopOfTheScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tr := newAccessTree(e)
		nested := e.account("nested", false)
		e.grant(nested, tr.city.ID, org.RoleViewer)
		e.grant(nested, tr.group.ID, org.RoleManager)
		apart := e.account("apart", false)
		e.grant(apart, tr.branch.ID, org.RoleViewer)
		e.grant(apart, tr.siblingBranch.ID, org.RoleViewer)
		e.grant(apart, tr.otherBranch.ID, org.RoleAdmin)
		cases := []struct {
			name string
			acc  auth.Account
			want []org.Org
		}{
			{"one grant under another", nested, []org.Org{tr.city}},
			{"three apart", apart, []org.Org{tr.branch, tr.siblingBranch, tr.otherBranch}},
			{"no grants", e.account("none", false), nil},
			{"the system admin", e.account("root", true), []org.Org{tr.province, tr.other}},
		}
		for _, c := range cases {
			roots, err := e.orgs.Roots(e.ctx, c.acc)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := ids(roots), ids(c.want); !slices.Equal(got, want) {
				t.Errorf("%s: Roots = %v, want %v", c.name, got, want)
			}
		}
	})
}

func TestGrantAndRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tr := newAccessTree(e)
		boss := e.account("boss", false)
		worker := e.account("worker", false)
		ctx := audit.WithActor(e.ctx, audit.Actor{AccountID: boss.ID, Name: "boss"})

		if err := e.orgs.GrantRole(ctx, e.db, worker.ID, tr.city.ID, org.RoleManager); err != nil {
			t.Fatal(err)
		}
		// Granting twice changes nothing.
		if err := e.orgs.GrantRole(ctx, e.db, worker.ID, tr.city.ID, org.RoleManager); err != nil {
			t.Fatalf("granting again: %v", err)
		}
		if err := e.orgs.GrantRole(ctx, e.db, worker.ID, tr.city.ID, org.Role("owner")); !slices.Equal(keys(err), []string{"org.error.role"}) {
			t.Errorf("granting an unknown role = %v", err)
		}
		grants, err := e.orgs.GrantsOf(e.ctx, worker.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(grants) != 1 || grants[0].OrgID != tr.city.ID || grants[0].Role != org.RoleManager ||
			grants[0].Username != "worker" || grants[0].OrgName != "市委" {
			t.Fatalf("GrantsOf = %+v", grants)
		}
		if onCity, _ := e.orgs.Grants(e.ctx, tr.city.ID); len(onCity) != 1 || onCity[0].ID != grants[0].ID {
			t.Errorf("Grants(city) = %+v", onCity)
		}
		if onBranch, _ := e.orgs.Grants(e.ctx, tr.branch.ID); len(onBranch) != 0 {
			t.Errorf("Grants(branch) lists inherited roles: %+v", onBranch)
		}
		var grantedBy int64
		if err := e.db.QueryRowContext(e.ctx, `SELECT granted_by FROM role_grants WHERE id = $1`, grants[0].ID).Scan(&grantedBy); err != nil || grantedBy != boss.ID {
			t.Errorf("granted_by = %d, %v; want the actor %d", grantedBy, err, boss.ID)
		}
		if ok, _ := e.orgs.Can(e.ctx, worker, org.Manage, tr.group.ID); !ok {
			t.Error("the granted role does not hold")
		}

		if err := e.orgs.RevokeRole(ctx, grants[0].ID); err != nil {
			t.Fatal(err)
		}
		if ok, _ := e.orgs.Can(e.ctx, worker, org.View, tr.group.ID); ok {
			t.Error("the revoked role still holds")
		}
		if err := e.orgs.RevokeRole(ctx, grants[0].ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoking twice = %v, want ErrNotFound", err)
		}
		all, err := audit.For(e.ctx, e.db, "role", fmt.Sprintf("%d:%d", worker.ID, tr.city.ID), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 || all[0].Action != "revoke" || all[1].Action != "grant" || all[0].AccountID != boss.ID {
			t.Errorf("audit of the role = %+v, want grant then revoke by boss", all)
		}

		// A repeated grant inside a caller's transaction leaves that transaction usable.
		err = e.db.InTx(ctx, func(tx *store.Tx) error {
			for _, g := range []struct {
				org  int64
				role org.Role
			}{{tr.city.ID, org.RoleViewer}, {tr.city.ID, org.RoleViewer}, {tr.branch.ID, org.RoleManager}} {
				if err := e.orgs.GrantRole(ctx, tx, worker.ID, g.org, g.role); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("grants in one transaction: %v", err)
		}
		if grants, _ := e.orgs.GrantsOf(e.ctx, worker.ID); len(grants) != 2 {
			t.Errorf("GrantsOf after the transaction = %+v, want 2", grants)
		}
	})
}

// TestSearchIsTheSameOnBothEngines: an English name is found whatever its case, as
// SQLite's LIKE would and PostgreSQL's would not by itself.
func TestSearchIsTheSameOnBothEngines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.create(0, org.Committee, "钢铁集团党委")
		if _, err := e.orgs.Rename(e.ctx, root.ID, "钢铁集团党委", "Steel Group Committee"); err != nil {
			t.Fatal(err)
		}
		branch := e.create(root.ID, org.Branch, "炼钢支部")
		all := org.ScopeOf(e.account("root", true), org.View)
		for _, c := range []struct {
			query string
			want  []int64
		}{
			{"steel", []int64{root.ID}},
			{"STEEL GROUP", []int64{root.ID}},
			{"Steel", []int64{root.ID}},
			{"钢", []int64{root.ID, branch.ID}},
			{"炼钢", []int64{branch.ID}},
			{"iron", nil},
		} {
			found, err := e.orgs.Search(e.ctx, all, c.query, 10)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(found); !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("Search(%q) = %v, want %v", c.query, got, c.want)
			}
		}
	})
}
