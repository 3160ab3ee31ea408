package org_test

import (
	"slices"
	"testing"

	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// allianceFixture is two enterprises' committees and a village branch, under one
// county, with a second county whose orgs take part in nothing.
type allianceFixture struct {
	county, steel, steelBranch, power, powerBranch, village, otherCounty, otherBranch org.Org
}

func newAllianceFixture(e *env) allianceFixture {
	steelUnit, powerUnit, villageUnit := e.unit("钢铁集团"), e.unit("供电公司"), e.unit("东村")
	mk := func(parent int64, kind org.Kind, name string, unit int64) org.Org {
		e.t.Helper()
		o, err := e.orgs.Create(e.ctx, org.NewOrg{ParentID: parent, Kind: kind, Name: name, UnitID: unit})
		if err != nil {
			e.t.Fatal(err)
		}
		return o
	}
	var f allianceFixture
	f.county = e.create(0, org.Committee, "县委")
	f.steel = mk(f.county.ID, org.Committee, "钢铁集团党委", steelUnit.ID)
	f.steelBranch = mk(f.steel.ID, org.Branch, "炼钢支部", steelUnit.ID)
	f.power = mk(f.county.ID, org.Committee, "供电公司党委", powerUnit.ID)
	f.powerBranch = mk(f.power.ID, org.Branch, "运维支部", powerUnit.ID)
	f.village = mk(f.county.ID, org.Branch, "东村支部", villageUnit.ID)
	f.otherCounty = e.create(0, org.Committee, "邻县委")
	f.otherBranch = e.create(f.otherCounty.ID, org.Branch, "邻县支部")
	return f
}

func (e *env) alliance(n org.NewAlliance) (int64, error) {
	var id int64
	err := e.db.InTx(e.ctx, func(tx *store.Tx) error {
		var err error
		id, err = e.orgs.CreateAlliance(e.ctx, tx, n)
		return err
	})
	return id, err
}

func TestCreateAllianceNeedsTwoUnits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := newAllianceFixture(e)
		cases := []struct {
			name    string
			title   string
			orgs    []int64
			want    []string
			members int
		}{
			{"two units", "钢电联盟", []int64{f.steelBranch.ID, f.powerBranch.ID}, nil, 2},
			{"three units", "村企联盟", []int64{f.steel.ID, f.power.ID, f.village.ID}, nil, 3},
			{"one org", "独角联盟", []int64{f.steelBranch.ID}, []string{"org.error.alliance_units"}, 0},
			{"no orgs", "空联盟", nil, []string{"org.error.alliance_units"}, 0},
			{"two orgs of one unit", "钢铁内部联盟", []int64{f.steel.ID, f.steelBranch.ID}, []string{"org.error.alliance_units"}, 0},
			{"one org twice", "重复联盟", []int64{f.steel.ID, f.steel.ID}, []string{"org.error.alliance_units"}, 0},
			{"a repeated org among two units", "重复的钢电联盟", []int64{f.steel.ID, f.power.ID, f.steel.ID}, nil, 2},
			{"no name", " ", []int64{f.steel.ID, f.power.ID}, []string{"error.required"}, 0},
			{"a missing org", "缺失联盟", []int64{f.steel.ID, 999999}, []string{"org.error.parent_missing", "org.error.alliance_units"}, 0},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := e.count("alliances")
				id, err := e.alliance(org.NewAlliance{Name: c.title, Agreement: "共建协议", FoundedOn: date(2024, 5, 1), OrgIDs: c.orgs})
				if got := keys(err); !slices.Equal(got, c.want) {
					t.Fatalf("CreateAlliance = %v, want %v", err, c.want)
				}
				if c.want != nil {
					if n := e.count("alliances"); n != before {
						t.Errorf("a refused alliance was stored")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				a, err := e.orgs.Alliance(e.ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if a.Name != c.title || a.Agreement != "共建协议" || a.FoundedOn == nil || !a.FoundedOn.Equal(date(2024, 5, 1)) {
					t.Errorf("stored %+v", a)
				}
				if len(a.Members) != c.members {
					t.Errorf("%d members, want %d", len(a.Members), c.members)
				}
				for _, m := range a.Members {
					if m.UnitName == "" || !m.JoinedOn.Equal(date(2024, 5, 1)) {
						t.Errorf("member %+v lacks its unit or joined date", m)
					}
				}
			})
		}
	})
}

func TestAllianceResourcesAndPairsOnlyForMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := newAllianceFixture(e)
		id, err := e.alliance(org.NewAlliance{Name: "村企联盟", OrgIDs: []int64{f.steelBranch.ID, f.powerBranch.ID, f.village.ID}})
		if err != nil {
			t.Fatal(err)
		}
		addResource := func(r org.AllianceResource) error {
			return e.db.InTx(e.ctx, func(tx *store.Tx) error { return e.orgs.AddResource(e.ctx, tx, id, r) })
		}
		addPair := func(p org.AlliancePair) error {
			return e.db.InTx(e.ctx, func(tx *store.Tx) error { return e.orgs.AddPair(e.ctx, tx, id, p) })
		}
		resources := []struct {
			name string
			r    org.AllianceResource
			want []string
		}{
			{"a member's venue", org.AllianceResource{OrgID: f.steelBranch.ID, Kind: "venue", Name: "职工之家", Detail: "可容纳80人"}, nil},
			{"a member's lecturer", org.AllianceResource{OrgID: f.powerBranch.ID, Kind: "lecturer", Name: "王工"}, nil},
			{"a non-member's course", org.AllianceResource{OrgID: f.otherBranch.ID, Kind: "course", Name: "党史课"}, []string{"org.error.not_alliance_member"}},
			{"the parent of a member", org.AllianceResource{OrgID: f.steel.ID, Kind: "course", Name: "党史课"}, []string{"org.error.not_alliance_member"}},
			{"an unknown kind", org.AllianceResource{OrgID: f.village.ID, Kind: "canteen", Name: "食堂"}, []string{"org.error.resource"}},
			{"no name", org.AllianceResource{OrgID: f.village.ID, Kind: "venue", Name: "  "}, []string{"org.error.resource"}},
		}
		for _, c := range resources {
			if got := keys(addResource(c.r)); !slices.Equal(got, c.want) {
				t.Errorf("resource %s: %v, want %v", c.name, got, c.want)
			}
		}
		pairs := []struct {
			name string
			p    org.AlliancePair
			want []string
		}{
			{"strong helps weak", org.AlliancePair{StrongID: f.steelBranch.ID, WeakID: f.village.ID, StartedOn: date(2024, 6, 1), Goal: "软弱涣散整顿"}, nil},
			{"with itself", org.AlliancePair{StrongID: f.village.ID, WeakID: f.village.ID}, []string{"org.error.pair_same"}},
			{"a non-member helps", org.AlliancePair{StrongID: f.otherBranch.ID, WeakID: f.village.ID}, []string{"org.error.not_alliance_member"}},
			{"a non-member is helped", org.AlliancePair{StrongID: f.steelBranch.ID, WeakID: f.otherBranch.ID}, []string{"org.error.not_alliance_member"}},
		}
		for _, c := range pairs {
			if got := keys(addPair(c.p)); !slices.Equal(got, c.want) {
				t.Errorf("pair %s: %v, want %v", c.name, got, c.want)
			}
		}

		a, err := e.orgs.Alliance(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Resources) != 2 || a.Resources[0].Kind != "lecturer" || a.Resources[1].Name != "职工之家" ||
			a.Resources[1].OrgName != "炼钢支部" || a.Resources[1].Detail != "可容纳80人" {
			t.Errorf("resources = %+v, want the lecturer and the venue, by kind", a.Resources)
		}
		if len(a.Pairs) != 1 || a.Pairs[0].StrongName != "炼钢支部" || a.Pairs[0].WeakName != "东村支部" ||
			!a.Pairs[0].StartedOn.Equal(date(2024, 6, 1)) || a.Pairs[0].Goal != "软弱涣散整顿" {
			t.Errorf("pairs = %+v", a.Pairs)
		}
		if _, err := e.orgs.Alliance(e.ctx, 999999); err != store.ErrNotFound {
			t.Errorf("Alliance(missing) = %v, want ErrNotFound", err)
		}
	})
}

// TestAlliancesInScope: an alliance shows to anyone who can see one of its members,
// and to nobody else.
func TestAlliancesInScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f := newAllianceFixture(e)
		steelPower, err := e.alliance(org.NewAlliance{Name: "钢电联盟", OrgIDs: []int64{f.steelBranch.ID, f.powerBranch.ID}})
		if err != nil {
			t.Fatal(err)
		}
		powerVillage, err := e.alliance(org.NewAlliance{Name: "电村联盟", OrgIDs: []int64{f.power.ID, f.village.ID}})
		if err != nil {
			t.Fatal(err)
		}

		steelViewer := e.account("steel-viewer", false)
		e.grant(steelViewer, f.steel.ID, org.RoleViewer)
		powerManager := e.account("power-manager", false)
		e.grant(powerManager, f.power.ID, org.RoleManager)
		villageBranch := e.account("village", false)
		e.grant(villageBranch, f.village.ID, org.RoleViewer)
		neighbour := e.account("neighbour", false)
		e.grant(neighbour, f.otherCounty.ID, org.RoleAdmin)
		countyViewer := e.account("county", false)
		e.grant(countyViewer, f.county.ID, org.RoleViewer)
		sysadmin := e.account("root", true)

		cases := []struct {
			name  string
			scope org.Scope
			want  []int64
		}{
			{"a viewer above one member", org.ScopeOf(steelViewer, org.View), []int64{steelPower}},
			{"a manager above members of both", org.ScopeOf(powerManager, org.View), []int64{steelPower, powerVillage}},
			{"the village branch", org.ScopeOf(villageBranch, org.View), []int64{powerVillage}},
			{"the county", org.ScopeOf(countyViewer, org.View), []int64{steelPower, powerVillage}},
			{"the neighbouring county", org.ScopeOf(neighbour, org.View), nil},
			{"a viewer asking to manage", org.ScopeOf(steelViewer, org.Manage), nil},
			{"the system admin", org.ScopeOf(sysadmin, org.View), []int64{steelPower, powerVillage}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				list, err := e.orgs.Alliances(e.ctx, c.scope)
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, a := range list {
					got = append(got, a.ID)
				}
				if !slices.Equal(got, c.want) {
					t.Errorf("Alliances = %v, want %v", got, c.want)
				}
				for _, id := range []int64{steelPower, powerVillage} {
					visible, err := e.orgs.AllianceVisible(e.ctx, c.scope, id)
					if err != nil {
						t.Fatal(err)
					}
					if want := slices.Contains(c.want, id); visible != want {
						t.Errorf("AllianceVisible(%d) = %v, want %v", id, visible, want)
					}
				}
			})
		}
	})
}
