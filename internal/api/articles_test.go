package api_test

import (
	"context"
	"net/url"
	"strings"
	"time"

	"testing"

	"vanguard/internal/activity"
	"vanguard/internal/article"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/org"
)

// articleOpenAPICases drives the operations of reports and news with their success and
// error answers, validated against the document by ck.
func articleOpenAPICases(t *testing.T, f *fixture, ck *checker) {
	t.Helper()
	anon := f.anonymous
	draft := map[string]any{"org_id": f.branch.ID, "title": "党员冬训动员会", "format": "text", "tags": []string{"冬训"},
		"body": "全体党员参加冬训。<script>alert(1)</script> Winter training began.", "released_at": "2026-01-05"}
	r := ck.json(f.manager, "POST", "/api/v1/articles", draft, 201)
	var a article.Article
	r.Decode(t, &a)
	if strings.Contains(a.Body, "<script") || a.Status != article.Draft {
		t.Errorf("created %+v", a)
	}
	ck.json(f.manager, "POST", "/api/v1/articles", map[string]any{"org_id": f.branch.ID, "title": ""}, 422)
	ck.json(f.outsider, "POST", "/api/v1/articles", draft, 422) // names org_id, as for one that does not exist
	ck.json(anon, "POST", "/api/v1/articles", draft, 401)

	art := id(a.ID)
	ck.get(anon, "/api/v1/articles/"+art, 404) // a draft is not public
	ck.get(f.manager, "/api/v1/articles/"+art, 200)
	ck.get(anon, "/api/v1/articles?q="+url.QueryEscape("冬训"), 200)
	ck.get(anon, "/api/v1/articles?q="+strings.Repeat("x", 201), 422)

	ck.json(f.outsider, "POST", "/api/v1/articles/"+art+"/publish", nil, 404)
	ck.json(f.viewer, "POST", "/api/v1/articles/"+art+"/publish", nil, 403)
	ck.json(anon, "POST", "/api/v1/articles/"+art+"/publish", nil, 401)
	ck.json(f.manager, "POST", "/api/v1/articles/"+art+"/publish", nil, 200)
	ck.json(f.manager, "POST", "/api/v1/articles/"+art+"/publish", nil, 422) // already published

	var found struct {
		Articles []article.Article
		Total    int
	}
	ck.get(anon, "/api/v1/articles?q="+url.QueryEscape("冬训"), 200).Decode(t, &found)
	if found.Total != 1 || len(found.Articles) != 1 || found.Articles[0].ID != a.ID {
		t.Errorf("search after publishing: %+v", found)
	}
	ck.get(anon, path("/api/v1/articles?org=%d", f.branch.ID), 200)
	ck.get(anon, "/api/v1/articles/"+art, 200)
	sc := org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage)
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
	if _, err := f.env.App.Articles.Move(ctx, sc, a.ID, article.Withdrawn, ""); err != nil {
		t.Fatal(err)
	}
	ck.get(anon, "/api/v1/articles/"+art, 410)

	// The report of a held activity: made once, asked again the same.
	act, err := f.env.App.Activities.Create(ctx, sc, activity.Input{Kind: activity.ThemeDay, HostIDs: []int64{f.branch.ID}, Title: "主题党日",
		StartsAt: time.Now().Add(-3 * time.Hour), EndsAt: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	report := path("/api/v1/activities/%d/report", act.ID)
	ck.json(f.manager, "POST", report, nil, 422) // not held yet
	if _, err := f.env.App.Activities.Move(ctx, sc, act.ID, activity.Held, ""); err != nil {
		t.Fatal(err)
	}
	ck.json(f.outsider, "POST", report, nil, 404)
	ck.json(f.viewer, "POST", report, nil, 403)
	ck.json(anon, "POST", report, nil, 401)
	ck.json(f.manager, "POST", report, nil, 201)
	ck.json(f.manager, "POST", report, nil, 200)
}
