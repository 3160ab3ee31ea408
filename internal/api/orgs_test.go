package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"vanguard/internal/app/apptest"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

type orgJSON struct {
	ID       int64  `json:"id"`
	ParentID int64  `json:"parent_id"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Code     string `json:"code"`
}

type orgListJSON struct {
	Orgs   []orgJSON `json:"orgs"`
	Limit  int       `json:"limit"`
	Offset int       `json:"offset"`
}

func (l orgListJSON) names() []string {
	var out []string
	for _, o := range l.Orgs {
		out = append(out, o.Name)
	}
	return out
}

func TestOrgListsFollowTheCallersScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var l orgListJSON

		// Default: where each caller's tree begins.
		f.viewer.Get("/api/v1/orgs").Decode(t, &l)
		if got := l.names(); !slices.Equal(got, []string{"第一党支部"}) || l.Limit != 50 || l.Offset != 0 {
			t.Errorf("viewer's roots = %v (limit %d offset %d)", got, l.Limit, l.Offset)
		}
		f.admin.Get("/api/v1/orgs").Decode(t, &l)
		if got := l.names(); !slices.Equal(got, []string{"城关镇党委", "河西镇党委"}) {
			t.Errorf("admin's roots = %v", got)
		}

		// Children of an organization in scope, one page at a time.
		f.manager.Get(path("/api/v1/orgs?parent=%d", f.committee.ID)).Decode(t, &l)
		if got := l.names(); !slices.Equal(got, []string{"第一党支部", "第二党支部"}) {
			t.Errorf("children = %v", got)
		}
		f.manager.Get(path("/api/v1/orgs?parent=%d&limit=1&offset=1", f.committee.ID)).Decode(t, &l)
		if got := l.names(); !slices.Equal(got, []string{"第二党支部"}) || l.Limit != 1 || l.Offset != 1 {
			t.Errorf("second page of one = %v (limit %d offset %d)", got, l.Limit, l.Offset)
		}

		// Out of scope reads as missing; the viewer of a branch cannot list its parent.
		for _, c := range []struct {
			name   string
			caller *apptest.Client
			target string
		}{
			{"another tree", f.outsider, path("/api/v1/orgs?parent=%d", f.committee.ID)},
			{"the parent of one's branch", f.viewer, path("/api/v1/orgs?parent=%d", f.committee.ID)},
			{"no such organization", f.manager, "/api/v1/orgs?parent=999999"},
		} {
			r := c.caller.Get(c.target)
			var e apiProblem
			r.Decode(t, &e)
			if r.Status != http.StatusNotFound || e.Error != "error.not_found" {
				t.Errorf("%s: %d %s, want 404", c.name, r.Status, r.Body)
			}
		}

		// Search stays inside the scope.
		f.viewer.Get("/api/v1/orgs?q="+"党").Decode(t, &l)
		if got := l.names(); !slices.Equal(got, []string{"第一党支部"}) {
			t.Errorf("viewer's search = %v", got)
		}
		f.outsider.Get("/api/v1/orgs?q="+"支部").Decode(t, &l)
		if got := l.names(); !slices.Equal(got, []string{"河西村党支部"}) {
			t.Errorf("outsider's search = %v", got)
		}

		// Every list has a hard maximum, and bad parameters are named.
		var e apiProblem
		r := f.manager.Get(path("/api/v1/orgs?limit=501&offset=-1&parent=%d&q=x", f.committee.ID))
		r.Decode(t, &e)
		fields := []string{}
		for _, d := range e.Details {
			fields = append(fields, d.Field+":"+d.Error)
		}
		want := []string{"limit:api.error.range", "offset:api.error.range", "q:api.error.exclusive"}
		if r.Status != http.StatusUnprocessableEntity || !slices.Equal(fields, want) {
			t.Errorf("bad parameters = %d %v, want %v", r.Status, fields, want)
		}
		if e.Details[0].Params["max"] != float64(500) {
			t.Errorf("the limit's maximum is not in params: %v", e.Details[0].Params)
		}

		if r := f.anonymous.Get("/api/v1/orgs"); r.Status != http.StatusUnauthorized {
			t.Errorf("anonymous = %d, want 401", r.Status)
		}
	})
}

func TestOrgDetail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var d struct {
			orgJSON
			Ancestors []struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			} `json:"ancestors"`
			Posts []struct {
				Kind       string `json:"kind"`
				PersonName string `json:"person_name"`
				StartedOn  string `json:"started_on"`
			} `json:"posts"`
			Children struct{ Living, Dissolved, Subtree int } `json:"children"`
		}
		r := f.viewer.Get(path("/api/v1/orgs/%d", f.branch.ID))
		r.Decode(t, &d)
		if r.Status != 200 || d.Name != "第一党支部" || d.ParentID != f.committee.ID || d.Code != "B001" {
			t.Fatalf("branch = %d %s", r.Status, r.Body)
		}
		if len(d.Ancestors) != 1 || d.Ancestors[0].ID != f.committee.ID || d.Ancestors[0].Name != "城关镇党委" {
			t.Errorf("ancestors = %+v", d.Ancestors)
		}
		if len(d.Posts) != 1 || d.Posts[0].Kind != "secretary" || d.Posts[0].PersonName != "张三" || d.Posts[0].StartedOn != "2023-01-01" {
			t.Errorf("posts = %+v", d.Posts)
		}
		f.manager.Get(path("/api/v1/orgs/%d", f.committee.ID)).Decode(t, &d)
		if d.Children.Living != 2 || d.Children.Dissolved != 0 || d.Children.Subtree != 2 || len(d.Ancestors) != 0 {
			t.Errorf("committee children = %+v, ancestors %v", d.Children, d.Ancestors)
		}

		// Out of scope is exactly like missing: same status, same body.
		outside := f.outsider.Get(path("/api/v1/orgs/%d", f.branch.ID))
		missing := f.outsider.Get("/api/v1/orgs/999999")
		if outside.Status != http.StatusNotFound || outside.Body != missing.Body {
			t.Errorf("out of scope = %d %s; missing = %d %s", outside.Status, outside.Body, missing.Status, missing.Body)
		}
		if r := f.viewer.Get(path("/api/v1/orgs/%d", f.committee.ID)); r.Status != http.StatusNotFound {
			t.Errorf("viewer of a branch reading its committee = %d, want 404", r.Status)
		}
		if r := f.anonymous.Get(path("/api/v1/orgs/%d", f.branch.ID)); r.Status != http.StatusUnauthorized {
			t.Errorf("anonymous = %d, want 401", r.Status)
		}
	})
}

func TestCreateOrg(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		group := map[string]any{"parent_id": f.branch.ID, "kind": "group", "name": "第一党小组", "code": "G001"}

		// A viewer, and a manager (who keeps rosters but not the organization), may not.
		for name, c := range map[string]*apptest.Client{"viewer": f.viewer, "manager": f.manager} {
			if r := c.JSON("POST", "/api/v1/orgs", group); r.Status != http.StatusForbidden {
				t.Errorf("%s creating = %d %s, want 403", name, r.Status, r.Body)
			}
		}
		if r := f.chief.JSON("POST", "/api/v1/orgs", map[string]any{"kind": "committee", "name": "新区党工委"}); r.Status != http.StatusForbidden {
			t.Errorf("a root by an organization's admin = %d, want 403", r.Status)
		}
		if r := f.anonymous.JSON("POST", "/api/v1/orgs", group); r.Status != http.StatusUnauthorized {
			t.Errorf("anonymous = %d, want 401", r.Status)
		}

		// A parent outside the caller's scope reads as a missing one.
		var e apiProblem
		r := f.outsider.JSON("POST", "/api/v1/orgs", group)
		r.Decode(t, &e)
		if r.Status != http.StatusUnprocessableEntity || len(e.Details) != 1 || e.Details[0].Field != "parent_id" || e.Details[0].Error != "org.error.parent_missing" {
			t.Errorf("out-of-scope parent = %d %s", r.Status, r.Body)
		}

		// The rules of the tree, with their parameters.
		r = f.chief.JSON("POST", "/api/v1/orgs", map[string]any{"parent_id": f.committee.ID, "kind": "group", "name": " "})
		r.Decode(t, &e)
		if r.Status != http.StatusUnprocessableEntity || !slices.Equal(e.keys(), []string{"error.required", "org.error.kind_under"}) {
			t.Fatalf("group under a committee = %d %s", r.Status, r.Body)
		}
		if p := e.Details[1].Params; p["kind"] != "org.kind.group" || p["parent"] != "org.kind.committee" {
			t.Errorf("kind_under params = %v", p)
		}
		// The message names the kinds in words; params keep the keys for programs.
		if m := e.Details[1].Message; !strings.HasPrefix(m, "Kind: ") || strings.Contains(m, "org.kind") || strings.Contains(m, "{") {
			t.Errorf("message = %q", m)
		}
		if r := f.chief.JSON("POST", "/api/v1/orgs", map[string]any{"parent_id": f.branch.ID, "kind": "group", "name": "x", "colour": "red"}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("an unknown field = %d, want 422", r.Status)
		}

		r = f.chief.JSON("POST", "/api/v1/orgs", group)
		var o orgJSON
		r.Decode(t, &o)
		if r.Status != http.StatusCreated || o.Kind != "group" || o.ParentID != f.branch.ID || r.Header.Get("Location") != path("/api/v1/orgs/%d", o.ID) {
			t.Fatalf("create = %d %s (Location %q)", r.Status, r.Body, r.Header.Get("Location"))
		}
		if r := f.viewer.Get(r.Header.Get("Location")); r.Status != 200 {
			t.Errorf("the viewer of the branch reading the new group = %d", r.Status)
		}
		r = f.chief.JSON("POST", "/api/v1/orgs", group)
		r.Decode(t, &e)
		if r.Status != http.StatusUnprocessableEntity || e.Details[0].Error != "org.error.code_taken" || e.Details[0].Params["code"] != "G001" {
			t.Errorf("the same code again = %d %s", r.Status, r.Body)
		}
	})
}
