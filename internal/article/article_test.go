package article_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"vanguard/internal/article"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

type fixture struct {
	ctx    context.Context
	db     *store.DB
	orgs   *org.Service
	svc    *article.Service
	town   org.Org
	branch org.Org
	other  org.Org
	admin  org.Scope
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
	orgs := org.New(db)
	f := &fixture{ctx: ctx, db: db, orgs: orgs, svc: article.New(db, orgs), admin: org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage)}
	var err error
	if f.town, err = orgs.Create(ctx, org.NewOrg{Kind: org.Committee, Name: "盛泽镇党委", NameEn: "Shengze Town Committee"}); err != nil {
		t.Fatal(err)
	}
	if f.branch, err = orgs.Create(ctx, org.NewOrg{ParentID: f.town.ID, Kind: org.Branch, Name: "村支部"}); err != nil {
		t.Fatal(err)
	}
	if f.other, err = orgs.Create(ctx, org.NewOrg{Kind: org.Committee, Name: "别处党委"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) publish(t *testing.T, orgID int64, title, body string, tags ...string) article.Article {
	t.Helper()
	a, err := f.svc.Create(f.ctx, f.admin, article.Input{OrgID: orgID, Title: title, Body: body, Format: "text", Tags: tags})
	if err != nil {
		t.Fatal(err)
	}
	if a, err = f.svc.Move(f.ctx, f.admin, a.ID, article.Published, ""); err != nil {
		t.Fatal(err)
	}
	return a
}

func ids(hits []article.Hit) []int64 {
	var out []int64
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

func TestTerms(t *testing.T) {
	got := article.Terms("党员冬训 Winter-Training 2023年")
	want := []string{"党员", "员冬", "冬训", "winter", "training", "2023", "年"}
	if !slices.Equal(got, want) {
		t.Fatalf("Terms = %q, want %q", got, want)
	}
}

// Two-character Chinese words and English words are found, ranked, title first; a
// draft and a withdrawn article are never found.
func TestSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		inTitle := f.publish(t, f.town.ID, "党员冬训开班", "盛泽镇举行冬训动员会，全体党员参加。Winter training begins.")
		inBody := f.publish(t, f.branch.ID, "村里的一次会议", "会上通报了工作。党员代表发言。")
		f.publish(t, f.town.ID, "产业集群发展", "纺织产业转型升级。")
		draft, err := f.svc.Create(f.ctx, f.admin, article.Input{OrgID: f.town.ID, Title: "党员草稿", Body: "党员 secret draft", Format: "text"})
		if err != nil {
			t.Fatal(err)
		}
		gone := f.publish(t, f.town.ID, "撤回的党员报道", "党员")
		if _, err := f.svc.Move(f.ctx, f.admin, gone.ID, article.Withdrawn, "错误"); err != nil {
			t.Fatal(err)
		}

		hits, total, err := f.svc.Search(f.ctx, article.Query{Text: "党员"})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(hits); total != 2 || !slices.Equal(got, []int64{inTitle.ID, inBody.ID}) {
			t.Fatalf("党员 found %v (total %d), want title hit %d before body hit %d", got, total, inTitle.ID, inBody.ID)
		}
		if hits, _, _ = f.svc.Search(f.ctx, article.Query{Text: "冬训"}); !slices.Equal(ids(hits), []int64{inTitle.ID}) {
			t.Errorf("冬训 found %v", ids(hits))
		}
		if hits, _, _ = f.svc.Search(f.ctx, article.Query{Text: "TRAINING"}); !slices.Equal(ids(hits), []int64{inTitle.ID}) {
			t.Errorf("TRAINING found %v", ids(hits))
		}
		if hits, _, _ = f.svc.Search(f.ctx, article.Query{Text: "secret"}); len(hits) != 0 {
			t.Errorf("a draft's word found %v (draft %d)", ids(hits), draft.ID)
		}
		if hits, _, _ = f.svc.Search(f.ctx, article.Query{Text: "党员", OrgID: f.branch.ID}); !slices.Equal(ids(hits), []int64{inBody.ID}) {
			t.Errorf("党员 on the branch's portal found %v", ids(hits))
		}
		// Both words of a query rank an article with both above one with either.
		if hits, _, _ = f.svc.Search(f.ctx, article.Query{Text: "代表 冬训"}); len(hits) != 2 || hits[0].Matched != 1 {
			t.Errorf("代表 冬训 found %+v", hits)
		}
	})
}

// The public reads published articles only: a draft is not found, a withdrawn one is gone.
func TestPublicAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a, err := f.svc.Create(f.ctx, f.admin, article.Input{OrgID: f.town.ID, Title: "草稿", Body: "<p>x</p>"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Public(f.ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a draft read by the public: %v", err)
		}
		if _, err := f.svc.Move(f.ctx, f.admin, a.ID, article.InReview, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Public(f.ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an article in review read by the public: %v", err)
		}
		if _, err := f.svc.Move(f.ctx, f.admin, a.ID, article.Published, ""); err != nil {
			t.Fatal(err)
		}
		p, err := f.svc.Public(f.ctx, a.ID)
		if err != nil || p.ReleasedAt == nil {
			t.Fatalf("published: %+v, %v", p, err)
		}
		if _, err := f.svc.Move(f.ctx, f.admin, a.ID, article.Withdrawn, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Public(f.ctx, a.ID); !errors.Is(err, article.ErrGone) {
			t.Fatalf("withdrawn: %v", err)
		}
		// A withdrawn article cannot jump back to published without a new draft.
		if _, err := f.svc.Move(f.ctx, f.admin, a.ID, article.Published, ""); err == nil {
			t.Fatal("withdrawn → published was allowed")
		}
		revs, err := f.svc.Revisions(f.ctx, a.ID)
		if err != nil || len(revs) != 4 || revs[0].Status != article.Withdrawn {
			t.Fatalf("revisions = %+v, %v", revs, err)
		}
	})
}

// Managing needs Manage on the article's organization or above; bad input names the field.
func TestWriteRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		accounts := auth.New(db, auth.Options{Hash: auth.TestHashParams})
		acc, err := accounts.CreateAccount(f.ctx, auth.NewAccount{Username: "sec", Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.orgs.GrantRole(f.ctx, db, acc.ID, f.branch.ID, org.RoleManager); err != nil {
			t.Fatal(err)
		}
		sc := org.ScopeOf(acc, org.Manage)
		if _, err := f.svc.Create(f.ctx, sc, article.Input{OrgID: f.town.ID, Title: "x"}); err == nil || !strings.Contains(err.Error(), "org_id") {
			t.Fatalf("a branch secretary wrote for the town: %v", err)
		}
		a, err := f.svc.Create(f.ctx, sc, article.Input{OrgID: f.branch.ID, Title: "支部新闻",
			Body: `<p onclick="steal()">正文<script>alert(1)</script><a href="javascript:alert(1)">x</a><iframe src="https://evil"></iframe></p>`})
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"script", "onclick", "javascript:", "iframe"} {
			if strings.Contains(a.Body, bad) {
				t.Errorf("body keeps %s: %s", bad, a.Body)
			}
		}
		townArticle := f.publish(t, f.town.ID, "镇新闻", "x")
		if _, err := f.svc.Move(f.ctx, sc, townArticle.ID, article.Withdrawn, ""); !errors.Is(err, article.ErrForbidden) {
			t.Fatalf("a branch secretary withdrew the town's article: %v", err)
		}
		_, err = f.svc.Create(f.ctx, sc, article.Input{OrgID: f.branch.ID, Title: strings.Repeat("长", 201), Category: "gossip"})
		for _, field := range []string{"title", "category"} {
			if err == nil || !strings.Contains(err.Error(), field) {
				t.Errorf("error %v does not name %s", err, field)
			}
		}
	})
}

// Related articles share tags first; previous and next follow the release dates.
func TestRelatedAndNeighbours(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		clock := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		f.svc.SetClock(func() time.Time { clock = clock.Add(time.Hour); return clock })
		a := f.publish(t, f.town.ID, "一", "x", "冬训")
		b := f.publish(t, f.other.ID, "二", "x", "冬训")
		c := f.publish(t, f.town.ID, "三", "x")
		rel, err := f.svc.Related(f.ctx, a, 5)
		if err != nil || len(rel) != 2 || rel[0].ID != b.ID || rel[1].ID != c.ID {
			t.Fatalf("related = %v, %v", rel, err)
		}
		prev, next, err := f.svc.Neighbours(f.ctx, c)
		if err != nil || prev.ID != a.ID || next.ID != 0 {
			t.Fatalf("neighbours of c = %d, %d, %v", prev.ID, next.ID, err)
		}
	})
}
