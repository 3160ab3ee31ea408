package learning_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/learning"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/points"
	"vanguard/internal/store"
)

// fixture is a town, two villages, and a factory in an alliance with one of them:
//
//	镇党委 (committee)                  ← secretary: admin role
//	├── 仁夫村支部 (branch): alice, bob
//	│   └── 第一党小组 (group): carol
//	└── 黄家溪村支部 (branch): dave
//	工厂党委 (committee, elsewhere): erin; in an alliance with 仁夫村
type fixture struct {
	db        *store.DB
	ctx       context.Context
	orgs      *org.Service
	people    *member.Service
	svc       *learning.Service
	ledger    *points.Service
	clock     *clock
	town      org.Org
	renfu     org.Org
	group     org.Org
	huangjia  org.Org
	factory   org.Org
	alliance  int64
	persons   map[string]member.Person
	accounts  map[string]auth.Account
	secretary auth.Account
}

// clock is a test's time, moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "fixture"})
	orgs := org.New(db)
	people := member.New(db, orgs)
	clk := &clock{t: time.Date(2026, 10, 20, 2, 0, 0, 0, time.UTC)}
	f := &fixture{db: db, ctx: ctx, orgs: orgs, people: people, clock: clk,
		svc:     learning.New(db, orgs, people, points.New(db)).WithClock(clk.now),
		persons: map[string]member.Person{}, accounts: map[string]auth.Account{}}
	village, err := orgs.CreateUnit(ctx, db, org.Unit{Name: "仁夫村", Kind: "village"})
	if err != nil {
		t.Fatal(err)
	}
	factory, err := orgs.CreateUnit(ctx, db, org.Unit{Name: "工厂", Kind: "enterprise"})
	if err != nil {
		t.Fatal(err)
	}
	unit := village.ID
	mk := func(parent int64, kind org.Kind, name string) org.Org {
		o, err := orgs.Create(ctx, org.NewOrg{ParentID: parent, Kind: kind, Name: name, UnitID: unit})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	f.town = mk(0, org.Committee, "镇党委")
	f.renfu = mk(f.town.ID, org.Branch, "仁夫村支部")
	f.group = mk(f.renfu.ID, org.Group, "第一党小组")
	f.huangjia = mk(f.town.ID, org.Branch, "黄家溪村支部")
	unit = factory.ID
	f.factory = mk(0, org.Committee, "工厂党委")
	f.alliance, err = orgs.CreateAlliance(ctx, db, org.NewAlliance{Name: "联盟", FoundedOn: clk.now(), OrgIDs: []int64{f.renfu.ID, f.factory.ID}})
	if err != nil {
		t.Fatal(err)
	}
	accounts := auth.New(db, auth.Options{Hash: auth.TestHashParams})
	for _, p := range []struct {
		name  string
		orgID int64
	}{{"alice", f.renfu.ID}, {"bob", f.renfu.ID}, {"carol", f.group.ID}, {"dave", f.huangjia.ID}, {"erin", f.factory.ID}} {
		person, err := people.Create(ctx, member.NewPerson{Name: p.name, OrgID: p.orgID, Stage: member.StageFull, JoinedAt: time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC)})
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
	f.secretary, err = accounts.CreateAccount(ctx, auth.NewAccount{Username: "secretary", DisplayName: "secretary", Password: "a long passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	if err := orgs.GrantRole(ctx, db, f.secretary.ID, f.town.ID, org.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) caller(name string) learning.Caller {
	p := f.persons[name]
	return learning.Caller{Account: f.accounts[name], Person: &p}
}

// course makes a course of the village with an article (60 s, scroll) and a 100-s video.
func (f *fixture) course(t *testing.T, change func(*learning.NewCourse)) learning.Course {
	t.Helper()
	n := learning.NewCourse{OrgID: f.renfu.ID, Title: "新时代文明实践", TitleEn: "Civilized practice in the new era",
		Summary: "冬训微课堂", Tags: []string{"冬训"}, Visibility: learning.Subtree, Lessons: []learning.NewLesson{
			{Kind: learning.Article, Title: "第一课", Body: "<p>正文</p>", MinSeconds: 60},
			{Kind: learning.Video, Title: "第二课", MediaURL: "https://example.org/v.mp4", DurationSeconds: 100},
		}}
	if change != nil {
		change(&n)
	}
	c, err := f.svc.CreateCourse(f.ctx, n)
	if err != nil {
		t.Fatalf("create course: %v", err)
	}
	return c
}

func (f *fixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRowContext(f.ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// wantField asserts err is a person-facing error naming field with key.
func wantField(t *testing.T, err error, field, key string) {
	t.Helper()
	var e *i18n.Error
	if !errors.As(err, &e) {
		var es i18n.Errors
		if errors.As(err, &es) && len(es) > 0 {
			e = es[0]
		}
	}
	if e == nil || e.Field != field || e.Key != key {
		t.Fatalf("error = %v, want %s: %s", err, field, key)
	}
}

func asErrors(err error, target *i18n.Errors) bool { return errors.As(err, target) }
