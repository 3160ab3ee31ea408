package evaluation_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/evaluation"
	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/points"
	"vanguard/internal/store"
)

// fixture is a town and two branches:
//
//	镇党委 (committee)       ← town: manager, no person record
//	├── 一支部 (branch): sec (manager of it), m1, m2
//	└── 二支部 (branch): secb (manager of it)
type fixture struct {
	t          *testing.T
	db         *store.DB
	ctx        context.Context
	orgs       *org.Service
	activities *activity.Service
	points     *points.Service
	svc        *evaluation.Service
	town, a, b org.Org
	persons    map[string]member.Person
	accounts   map[string]auth.Account
}

// now is the fixture's clock: January of the year after the rounds' year.
var now = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "fixture"})
	orgs := org.New(db)
	people := member.New(db, orgs)
	acts := activity.New(db, activity.Options{Now: func() time.Time { return now }})
	ledger := points.New(db)
	svc := evaluation.New(db, orgs, people, acts, ledger)
	svc.SetClock(func() time.Time { return now })
	if err := svc.InstallBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, ctx: ctx, orgs: orgs, activities: acts, points: ledger, svc: svc,
		persons: map[string]member.Person{}, accounts: map[string]auth.Account{}}
	mk := func(parent int64, kind org.Kind, name string) org.Org {
		o, err := orgs.Create(ctx, org.NewOrg{ParentID: parent, Kind: kind, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	f.town = mk(0, org.Committee, "镇党委")
	f.a = mk(f.town.ID, org.Branch, "一支部")
	f.b = mk(f.town.ID, org.Branch, "二支部")
	accounts := auth.New(db, auth.Options{Hash: auth.TestHashParams})
	for _, p := range []struct {
		name  string
		orgID int64
	}{{"town", 0}, {"sec", f.a.ID}, {"m1", f.a.ID}, {"m2", f.a.ID}, {"secb", f.b.ID}} {
		a, err := accounts.CreateAccount(ctx, auth.NewAccount{Username: p.name, DisplayName: p.name, Password: "a long passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		f.accounts[p.name] = a
		if p.orgID == 0 {
			continue
		}
		person, err := people.Create(ctx, member.NewPerson{Name: p.name, OrgID: p.orgID, Stage: member.StageFull,
			JoinedAt: time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if err := people.LinkAccount(ctx, db, person.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		person.AccountID = a.ID
		f.persons[p.name] = person
	}
	for _, g := range []struct {
		who   string
		orgID int64
	}{{"town", f.town.ID}, {"sec", f.a.ID}, {"secb", f.b.ID}} {
		if err := orgs.GrantRole(ctx, db, f.accounts[g.who].ID, g.orgID, org.RoleManager); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) caller(name string) evaluation.Caller {
	c := evaluation.Caller{Account: f.accounts[name]}
	if p, ok := f.persons[name]; ok {
		c.Person = &p
	}
	return c
}

func (f *fixture) as(name string) context.Context {
	a := f.accounts[name]
	return audit.WithActor(context.Background(), audit.Actor{AccountID: a.ID, Name: a.Username})
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.QueryRowContext(f.ctx, query, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// round starts a standardization round of the town for 2025.
func (f *fixture) round(key string) evaluation.Round {
	f.t.Helper()
	id, err := f.svc.BuiltinID(f.ctx, key)
	if err != nil {
		f.t.Fatal(err)
	}
	r, err := f.svc.CreateRound(f.as("town"), f.caller("town"), evaluation.NewRound{TemplateID: id, OrgID: f.town.ID,
		Title: "2025年度支部标准化考评", Year: 2025, Deadline: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		f.t.Fatalf("create round: %v", err)
	}
	return r
}

func (f *fixture) assessmentOf(r evaluation.Round, orgID int64) evaluation.Assessment {
	f.t.Helper()
	list, err := f.svc.Assessments(f.ctx, r.ID, "")
	if err != nil {
		f.t.Fatal(err)
	}
	for _, a := range list {
		if a.SubjectOrgID == orgID {
			return a
		}
	}
	f.t.Fatalf("round %d has no assessment of org %d", r.ID, orgID)
	return evaluation.Assessment{}
}

// wantField fails unless err is a person-facing error naming field with key.
func wantField(t *testing.T, err error, field, key string) {
	t.Helper()
	var e *i18n.Error
	var es i18n.Errors
	switch {
	case errors.As(err, &e):
	case errors.As(err, &es) && len(es) > 0:
		e = es[0]
	default:
		t.Fatalf("want %s on %s, got %v", key, field, err)
	}
	if e.Field != field || e.Key != key {
		t.Fatalf("want %s on %s, got %s on %s", key, field, e.Key, e.Field)
	}
}

func itemBySource(r evaluation.Round, src evaluation.Source) evaluation.Item {
	for _, it := range r.Template.Items {
		if it.Source == src {
			return it
		}
	}
	panic("no item with source " + src)
}
