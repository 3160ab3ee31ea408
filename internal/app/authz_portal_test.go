package app_test

// The authorization walk's cases for reports, the portal and uploads. The portal and
// media are public by design; they must answer anyone without 403 or a failure, and
// never show a draft (internal/web's portal tests check that). The writers' pages and the
// API's writes need Manage on the article's organization, or on a host of the activity.

import (
	"fmt"
	"testing"

	"vanguard/internal/article"
	"vanguard/internal/auth"
	"vanguard/internal/org"
)

var portalRouteCases = []routeCase{
	// Public: uploads by hash, the portal, search, feeds, comments.
	{pattern: "GET /media/{file}", need: needPublic, path: "/media/" + zeroHash + ".png"},
	{pattern: "GET /media/{hash}/{file}", need: needPublic, path: "/media/" + zeroHash + "/original.png"},
	{pattern: "GET /portal", need: needPublic, path: "/portal"},
	{pattern: "GET /portal/search", need: needPublic, path: "/portal/search?q=%E5%85%9A%E5%91%98"},
	{pattern: "GET /portal/{org}", need: needPublic, path: "/portal/{org}", extra: publishedFor},
	{pattern: "GET /portal/{org}/category/{cat}", need: needPublic, path: "/portal/{org}/category/news", extra: publishedFor},
	{pattern: "GET /portal/{org}/feed.atom", need: needPublic, path: "/portal/{org}/feed.atom", extra: publishedFor},
	{pattern: "GET /portal/{org}/category/{cat}/feed.atom", need: needPublic, path: "/portal/{org}/category/news/feed.atom", extra: publishedFor},
	{pattern: "GET /portal/{org}/articles/{id}", need: needPublic, path: "/portal/{org}/articles/{published}", extra: publishedFor},
	{pattern: "POST /portal/{org}/articles/{id}/comments", need: needPublic, path: "/portal/{org}/articles/{published}/comments", form: "name=&body=", extra: publishedFor},

	// The writers' pages.
	{pattern: "GET /orgs/{id}/articles", need: needManage, path: "/orgs/{org}/articles"},
	{pattern: "POST /orgs/{id}/articles", need: needManage, path: "/orgs/{org}/articles", form: "title="},
	{pattern: "GET /articles/{id}", need: needManage, path: "/articles/{article}", extra: draftFor},
	{pattern: "POST /articles/{id}", need: needManage, path: "/articles/{article}", form: "title=", extra: draftFor},
	{pattern: "POST /articles/{id}/status", need: needManage, path: "/articles/{article}/status", form: "status=bogus", extra: draftFor},
	{pattern: "POST /articles/{id}/comments/{comment}", need: needManage, path: "/articles/{article}/comments/1", form: "status=bogus", extra: draftFor},
	{pattern: "POST /activities/{id}/report", need: needManage, path: "/activities/{activity}/report", form: "x=1", extra: activityFor},
	{pattern: "POST /activities/{id}/media", need: needManage, path: "/activities/{activity}/media", form: "caption=", extra: activityFor},
	{pattern: "GET /activities/{id}/media", need: needView, path: "/activities/{activity}/media", extra: activityFor},

	// API.
	{pattern: "GET /api/v1/articles", need: needPublic, path: "/api/v1/articles?q=WALK"},
	{pattern: "POST /api/v1/articles", need: needManage, path: "/api/v1/articles", form: `{"org_id":{org},"title":"WALK"}`, deniedField: "org_id"},
	{pattern: "GET /api/v1/articles/{id}", need: needPublic, path: "/api/v1/articles/{article}", extra: draftFor},
	{pattern: "POST /api/v1/articles/{id}/publish", need: needManage, path: "/api/v1/articles/{article}/publish", extra: draftFor},
	{pattern: "POST /api/v1/activities/{id}/report", need: needManage, path: "/api/v1/activities/{activity}/report", extra: activityFor},
}

const zeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// draftFor writes a draft on the relation's organization.
func draftFor(t *testing.T, f *fixture, rel string) map[string]string {
	t.Helper()
	a, err := f.env.App.Articles.Create(f.ctx, org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage),
		article.Input{OrgID: f.orgs[rel].ID, Title: "DRAFT", Body: "<p>draft</p>"})
	if err != nil {
		t.Fatalf("draft of %s: %v", rel, err)
	}
	return map[string]string{"{article}": fmt.Sprint(a.ID)}
}

// publishedFor publishes an article of the relation's organization, comments open.
func publishedFor(t *testing.T, f *fixture, rel string) map[string]string {
	t.Helper()
	sc := org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage)
	a, err := f.env.App.Articles.Create(f.ctx, sc, article.Input{OrgID: f.orgs[rel].ID, Title: "PUBLISHED", Body: "<p>x</p>", CommentsOpen: true})
	if err != nil {
		t.Fatalf("article of %s: %v", rel, err)
	}
	if _, err := f.env.App.Articles.Move(f.ctx, sc, a.ID, article.Published, ""); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"{published}": fmt.Sprint(a.ID)}
}
