package consult_test

import (
	"context"
	"testing"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/consult"
	"vanguard/internal/member"
	"vanguard/internal/notify"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// fixture is a village and its neighbour:
//
//	镇党委 (committee)                     ← secretary: admin role
//	├── 村支部 (branch): veteran (member), villager (resident), applicant
//	│   └── 第一党小组 (group): grouper (member)
//	└── 邻村支部 (branch): neighbour (member)
//
// Each person has an account of the same name.
type fixture struct {
	db       *store.DB
	ctx      context.Context
	orgs     *org.Service
	people   *member.Service
	notices  *notify.Service
	svc      *consult.Service
	town     org.Org
	village  org.Org
	group    org.Org
	neighbor org.Org
	persons  map[string]member.Person
	accounts map[string]auth.Account
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "fixture"})
	orgs := org.New(db)
	people := member.New(db, orgs)
	notices := notify.New(db)
	f := &fixture{db: db, ctx: ctx, orgs: orgs, people: people, notices: notices, svc: consult.New(db, orgs, people, notices),
		persons: map[string]member.Person{}, accounts: map[string]auth.Account{}}
	mk := func(parent int64, kind org.Kind, name string) org.Org {
		o, err := orgs.Create(ctx, org.NewOrg{ParentID: parent, Kind: kind, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	f.town = mk(0, org.Committee, "镇党委")
	f.village = mk(f.town.ID, org.Branch, "村支部")
	f.group = mk(f.village.ID, org.Group, "第一党小组")
	f.neighbor = mk(f.town.ID, org.Branch, "邻村支部")
	accounts := auth.New(db, auth.Options{Hash: auth.TestHashParams})
	joined := time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range []struct {
		name  string
		orgID int64
		stage member.Stage
	}{
		{"veteran", f.village.ID, member.StageFull},
		{"villager", f.village.ID, member.StageResident},
		{"applicant", f.village.ID, member.StageResident},
		{"grouper", f.group.ID, member.StageFull},
		{"neighbour", f.neighbor.ID, member.StageFull},
		{"secretary", f.village.ID, member.StageFull},
	} {
		n := member.NewPerson{Name: p.name, OrgID: p.orgID, Stage: p.stage}
		if p.stage.IsMember() {
			n.JoinedAt = joined
		}
		person, err := people.Create(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		a, err := accounts.CreateAccount(ctx, auth.NewAccount{Username: p.name, DisplayName: p.name, Password: "a long passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		if err := people.LinkAccount(ctx, db, person.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		person.AccountID = a.ID
		f.persons[p.name], f.accounts[p.name] = person, a
	}
	if err := orgs.GrantRole(ctx, db, f.accounts["secretary"].ID, f.village.ID, org.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	return f
}

// caller is the named person as a caller.
func (f *fixture) caller(name string) consult.Caller {
	p := f.persons[name]
	return consult.Caller{Account: f.accounts[name], Person: &p}
}

// as is a context acting as the named account.
func (f *fixture) as(name string) context.Context {
	a := f.accounts[name]
	return audit.WithActor(context.Background(), audit.Actor{AccountID: a.ID, Name: a.Username})
}

// topic puts a proposal to the village, open now for a week unless changed.
func (f *fixture) topic(t *testing.T, change func(*consult.NewTopic)) consult.Topic {
	t.Helper()
	now := time.Now()
	n := consult.NewTopic{OrgID: f.village.ID, Title: "有线管家", Background: "每户安装监控", VoteKind: "proposal",
		Eligibility: consult.MembersAndResidents, Results: consult.ResultsLive, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(7 * 24 * time.Hour)}
	if change != nil {
		change(&n)
	}
	tp, err := f.svc.Create(f.as("secretary"), n)
	if err != nil {
		t.Fatalf("create topic: %v", err)
	}
	return tp
}

func (f *fixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRowContext(f.ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func option(t *testing.T, tp consult.Topic, key string) int64 {
	t.Helper()
	for _, o := range tp.Options {
		if o.Key == key || o.Label == key {
			return o.ID
		}
	}
	t.Fatalf("topic %d has no option %q", tp.ID, key)
	return 0
}
