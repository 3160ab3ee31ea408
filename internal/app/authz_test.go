package app_test

// The authorization walk: every registered route, with every kind of caller, against an
// organization of its own, one in its subtree, an ancestor, a sibling and an unrelated
// tree. It asserts allow or deny for each, and that lists never name what lies outside
// the caller's scope. A route added without a line here fails the test.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"vanguard/internal/app/apptest"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/server"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// Relations of a target to the organization the roles are granted on.
var relations = []string{"own", "sub", "anc", "sib", "unrel"}

func inScope(rel string) bool { return rel == "own" || rel == "sub" }

// need is what a route requires.
type need int

const (
	needView       need = iota // View on the target organization (or being the target person, where selfOK)
	needManage                 // Manage on the target
	needAdminister             // Administer on the target
	needSignedIn               // any signed-in account; lists are checked for leaks instead
	needManageAny              // Manage on some organization
	needSysAdmin               // a system administrator
	needUploader               // the account that made the upload
	needPublic                 // anyone
)

type routeCase struct {
	pattern string // exactly as registered
	need    need
	selfOK  bool // the target person may use it on their own record
	// selfLine: the person of the own organization may use it on objects of their
	// organization's line — its own and its ancestors' (a course of the town reaches its
	// villages' members).
	selfLine bool
	// selfOnly: the own organization's person alone (their own quiz attempt).
	selfOnly bool
	path     string // with {org} {person} {post} {grant} {alliance} {transfer-in} {transfer-out} {upload} {token}
	form     string // url-encoded body for a form POST; a JSON body when it starts with {
	leaks    bool   // a list: check the body names nothing out of scope

	anonymousOnly bool // signed-in callers would lose their session: walk it anonymously

	// The API answers a target named in the body that the caller may not use as if it
	// did not exist: 422 naming this field, the same as for an id that exists nowhere.
	deniedField string

	// extra makes the domain objects a route names (an activity, a topic…) for a target
	// of relation rel, hosted by f.orgs[rel], and returns their placeholders, e.g.
	// {"{activity}": "42"}. It runs before every request, so a route that consumes its
	// object gets a fresh one.
	extra func(t *testing.T, f *fixture, rel string) map[string]string
}

// allRouteCases gathers the cases of every domain; a domain's file adds its slice here.
// Learning walks before deliberation, whose last case gives the manager a person record
// (a person sees the courses of their organization's line).
func allRouteCases() []routeCase {
	var all []routeCase
	for _, set := range [][]routeCase{routeCases, opsRouteCases, learningRouteCases, consultRouteCases, activityRouteCases, portalRouteCases,
		pointsAPIRouteCases, evaluationRouteCases, pointsRouteCases, oversightReportRouteCases, oversightRouteCases} {
		all = append(all, set...)
	}
	return all
}

// Bodies are deliberately incomplete, so that an allowed write is refused by validation
// (or does no harm) and the fixture stays as it is for the next caller.
var routeCases = []routeCase{
	{pattern: "GET /static/{file}", need: needPublic, path: "{stylesheet}"},
	{pattern: "GET /healthz", need: needPublic, path: "/healthz"},
	{pattern: "GET /readyz", need: needPublic, path: "/readyz"},
	{pattern: "GET /metrics", need: needPublic, path: "/metrics"},
	{pattern: "GET /{$}", need: needPublic, path: "/"},
	{pattern: "GET /login", need: needPublic, path: "/login"},
	{pattern: "POST /login", need: needPublic, path: "/login", form: "username=nobody&password=x"},
	{pattern: "POST /logout", need: needPublic, path: "/logout", anonymousOnly: true},
	{pattern: "POST /lang", need: needPublic, path: "/lang", form: "lang=en"},
	{pattern: "/", need: needPublic, path: "/no-such-page"},
	{pattern: "GET /account", need: needSignedIn, path: "/account"},
	{pattern: "POST /account/password", need: needSignedIn, path: "/account/password", form: "current=wrong"},
	{pattern: "POST /account/tokens", need: needSignedIn, path: "/account/tokens", form: "name="},
	{pattern: "POST /account/tokens/{id}/revoke", need: needUploader, path: "/account/tokens/{token}/revoke"},

	{pattern: "GET /orgs", need: needSignedIn, path: "/orgs", leaks: true},
	{pattern: "POST /orgs", need: needSysAdmin, path: "/orgs", form: "name="},
	{pattern: "GET /orgs/search", need: needSignedIn, path: "/orgs/search?q=ORG", leaks: true},
	{pattern: "GET /orgs/{id}", need: needView, path: "/orgs/{org}"},
	{pattern: "POST /orgs/{id}/children", need: needAdminister, path: "/orgs/{org}/children", form: "kind=branch&name="},
	{pattern: "POST /orgs/{id}/rename", need: needAdminister, path: "/orgs/{org}/rename", form: "name="},
	{pattern: "POST /orgs/{id}/move", need: needAdminister, path: "/orgs/{org}/move", form: "parent_id=999999"},
	{pattern: "POST /orgs/{id}/dissolve", need: needAdminister, path: "/orgs/{org}/dissolve", form: "on=2020-01-01"},
	{pattern: "POST /orgs/{id}/posts", need: needManage, path: "/orgs/{org}/posts", form: "kind="},
	{pattern: "POST /orgs/{id}/posts/{post}/end", need: needManage, path: "/orgs/{org}/posts/{post}/end", form: "on=bad-date"},
	{pattern: "POST /orgs/{id}/grants", need: needAdminister, path: "/orgs/{org}/grants", form: "username=nobody-at-all&role=viewer"},
	{pattern: "POST /orgs/{id}/grants/{grant}/revoke", need: needAdminister, path: "/orgs/{org}/grants/{grant}/revoke"},
	{pattern: "GET /orgs/{id}/people", need: needView, path: "/orgs/{org}/people"},
	{pattern: "POST /orgs/{id}/people", need: needManage, path: "/orgs/{org}/people", form: "name="},
	{pattern: "GET /orgs/{id}/people.xlsx", need: needView, path: "/orgs/{org}/people.xlsx"},
	{pattern: "GET /orgs/{id}/development", need: needView, path: "/orgs/{org}/development"},

	{pattern: "GET /me", need: needSignedIn, path: "/me"},
	{pattern: "GET /people/{id}", need: needView, selfOK: true, path: "/people/{person}"},
	{pattern: "POST /people/{id}/reveal", need: needManage, path: "/people/{person}/reveal"},
	{pattern: "POST /people/{id}/transitions", need: needManage, path: "/people/{person}/transitions", form: "kind=advance&to=full&on=bad"},
	{pattern: "POST /people/{id}/links", need: needManage, path: "/people/{person}/links", form: "kind=contact&other_id=999999"},
	{pattern: "POST /people/{id}/preparation", need: needManage, path: "/people/{person}/preparation", form: "training_hours=24"},
	{pattern: "POST /people/{id}/transfers", need: needManage, path: "/people/{person}/transfers", form: "to_org=999999"},
	{pattern: "GET /people/import", need: needManageAny, path: "/people/import"},
	{pattern: "POST /people/import", need: needManageAny, path: "/people/import", form: "nothing=here"},
	{pattern: "POST /people/import/{upload}/confirm", need: needUploader, path: "/people/import/{upload}/confirm"},

	{pattern: "GET /alliances", need: needSignedIn, path: "/alliances", leaks: true},
	{pattern: "GET /alliances/{id}", need: needView, path: "/alliances/{alliance}"},
	{pattern: "GET /transfers", need: needSignedIn, path: "/transfers", leaks: true},
	{pattern: "POST /transfers/{id}/receive", need: needManage, path: "/transfers/{transfer-in}/receive", form: "on=bad"},
	{pattern: "POST /transfers/{id}/cancel", need: needManage, path: "/transfers/{transfer-out}/cancel"},

	{pattern: "POST /api/v1/tokens", need: needPublic, path: "/api/v1/tokens", form: `{"username":"nobody","password":"x"}`},
	{pattern: "GET /api/v1/tokens", need: needSignedIn, path: "/api/v1/tokens"},
	{pattern: "DELETE /api/v1/tokens/{id}", need: needUploader, path: "/api/v1/tokens/{token}"},
	{pattern: "GET /api/v1/me", need: needSignedIn, path: "/api/v1/me"},
	{pattern: "GET /api/v1/orgs", need: needSignedIn, path: "/api/v1/orgs", leaks: true},
	{pattern: "POST /api/v1/orgs", need: needAdminister, path: "/api/v1/orgs", form: `{"parent_id":{org},"kind":"branch","name":""}`, deniedField: "parent_id"},
	{pattern: "GET /api/v1/orgs/{id}", need: needView, path: "/api/v1/orgs/{org}"},
	{pattern: "GET /api/v1/orgs/{id}/people", need: needView, path: "/api/v1/orgs/{org}/people?subtree=true"},
	{pattern: "GET /api/v1/people", need: needView, path: "/api/v1/people?org={org}"},
	{pattern: "POST /api/v1/people", need: needManage, path: "/api/v1/people", form: `{"org_id":{org},"name":""}`, deniedField: "org_id"},
	{pattern: "GET /api/v1/people/{id}", need: needView, selfOK: true, path: "/api/v1/people/{person}"},
	{pattern: "POST /api/v1/people/import", need: needManageAny, path: "/api/v1/people/import", form: "nothing=here"},
	{pattern: "POST /api/v1/people/{id}/{action}", need: needManage, path: "/api/v1/people/{person}/transitions", form: `{"kind":"advance","to":"full","on":"bad"}`},
	{pattern: "POST /api/v1/people/{id}/{action}#import", need: needUploader, path: "/api/v1/people/import/{upload}"},
	{pattern: "/api/", need: needPublic, path: "/api/v1/no-such-thing"},
	{pattern: "GET /api/openapi.json", need: needPublic, path: "/api/openapi.json"},
}

type fixture struct {
	env      *apptest.Env
	ctx      context.Context
	orgs     map[string]org.Org       // by relation
	people   map[string]member.Person // a full member in each relation's organization
	alliance map[string]int64         // an alliance of each relation's organization with a third tree
	thirdOrg org.Org                  // a branch in a tree nobody but the system administrator sees
	accounts map[string]auth.Account
	uploader string // the account that makes uploads and tokens

	stylesheet string // the checksum URL of the stylesheet
}

// names of everything, for the leak check: what a caller must not find in a list.
func (f *fixture) outOfScopeNames() []string {
	return []string{f.orgs["sib"].Name, f.orgs["unrel"].Name, f.people["sib"].Name, f.people["unrel"].Name, f.thirdOrg.Name}
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	env := apptest.Start(t, db, apptest.Options{})
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "fixture"})
	f := &fixture{env: env, ctx: ctx, orgs: map[string]org.Org{}, people: map[string]member.Person{},
		alliance: map[string]int64{}, accounts: map[string]auth.Account{}, uploader: "manager"}
	o := env.App.Orgs
	unit := func(name string) int64 {
		u, err := o.CreateUnit(ctx, db, org.Unit{Name: name, Kind: "enterprise"})
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	u1, u2, u3 := unit("UNIT-one"), unit("UNIT-two"), unit("UNIT-three")
	mk := func(parent int64, kind org.Kind, name string, unit int64) org.Org {
		created, err := o.Create(ctx, org.NewOrg{ParentID: parent, Kind: kind, Name: name, UnitID: unit})
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		return created
	}
	root := mk(0, org.Committee, "ORG-root", u1)
	f.orgs["anc"] = mk(root.ID, org.Committee, "ORG-ancestor", u1)
	f.orgs["own"] = mk(f.orgs["anc"].ID, org.Committee, "ORG-own", u1)
	f.orgs["sub"] = mk(f.orgs["own"].ID, org.Branch, "ORG-sub", u1)
	f.orgs["sib"] = mk(f.orgs["anc"].ID, org.Branch, "ORG-sibling", u1)
	x := mk(0, org.Committee, "ORG-other-tree", u2)
	f.orgs["unrel"] = mk(x.ID, org.Branch, "ORG-unrelated", u2)
	z := mk(0, org.Committee, "ORG-third-tree", u3)
	f.thirdOrg = mk(z.ID, org.Branch, "ORG-third-branch", u3)
	for _, rel := range relations {
		f.people[rel] = f.member(t, f.orgs[rel].ID, "人员"+rel)
		id, err := o.CreateAlliance(ctx, db, org.NewAlliance{Name: "ALLIANCE-" + rel, OrgIDs: []int64{f.orgs[rel].ID, f.thirdOrg.ID}})
		if err != nil {
			t.Fatal(err)
		}
		f.alliance[rel] = id
	}
	grants := map[string]org.Role{"admin": org.RoleAdmin, "manager": org.RoleManager, "viewer": org.RoleViewer}
	for _, name := range []string{"sysadmin", "admin", "manager", "viewer", "self"} {
		a, err := env.App.Auth.CreateAccount(ctx, auth.NewAccount{Username: name, Password: "a long passphrase", IsAdmin: name == "sysadmin"})
		if err != nil {
			t.Fatal(err)
		}
		f.accounts[name] = a
		if role, ok := grants[name]; ok {
			if err := o.GrantRole(ctx, db, a.ID, f.orgs["own"].ID, role); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := env.App.People.LinkAccount(ctx, db, f.people["own"].ID, f.accounts["self"].ID); err != nil {
		t.Fatal(err)
	}
	f.stylesheet = regexp.MustCompile(`/static/app\.[0-9a-f]+\.css`).FindString(env.Client(t).Get("/").Body)
	return f
}

func (f *fixture) member(t *testing.T, orgID int64, name string) member.Person {
	t.Helper()
	p, err := f.env.App.People.Create(f.ctx, member.NewPerson{Name: name, OrgID: orgID, Stage: member.StageFull,
		JoinedAt: time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return p
}

// fill makes the concrete path and body for one request, creating a fresh post, grant,
// letter, upload or token where the route would consume it.
func (f *fixture) fill(t *testing.T, c routeCase, rel string) (string, string) {
	path, body := c.path, c.form
	rep := func(key string, value any) {
		path = strings.ReplaceAll(path, key, fmt.Sprint(value))
		body = strings.ReplaceAll(body, key, fmt.Sprint(value))
	}
	rep("{org}", f.orgs[rel].ID)
	rep("{person}", f.people[rel].ID)
	rep("{alliance}", f.alliance[rel])
	rep("{stylesheet}", f.stylesheet)
	ctx, app := f.ctx, f.env.App
	if c.extra != nil {
		for k, v := range c.extra(t, f, rel) {
			rep(k, v)
		}
	}
	switch {
	case strings.Contains(path, "{post}"):
		p := f.member(t, f.orgs[rel].ID, "POST-holder")
		post, err := app.Orgs.Appoint(ctx, f.env.DB, org.NewPost{OrgID: f.orgs[rel].ID, PersonID: p.ID, Kind: org.CommitteeMember, StartedOn: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		rep("{post}", post.ID)
	case strings.Contains(path, "{grant}"):
		a, err := app.Auth.CreateAccount(ctx, auth.NewAccount{Username: fmt.Sprintf("dummy-%d", time.Now().UnixNano()), Password: "a long passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		if err := app.Orgs.GrantRole(ctx, f.env.DB, a.ID, f.orgs[rel].ID, org.RoleViewer); err != nil {
			t.Fatal(err)
		}
		grants, err := app.Orgs.GrantsOf(ctx, a.ID)
		if err != nil || len(grants) != 1 {
			t.Fatalf("dummy grant: %v %v", grants, err)
		}
		rep("{grant}", grants[0].ID)
	case strings.Contains(path, "{transfer-in}"), strings.Contains(path, "{transfer-out}"):
		from, to := f.thirdOrg.ID, f.orgs[rel].ID
		if strings.Contains(path, "{transfer-out}") {
			from, to = to, from
		}
		p := f.member(t, from, "TRANSFER-person")
		tr, err := app.People.Issue(ctx, member.NewTransfer{PersonID: p.ID, ToOrgID: to})
		if err != nil {
			t.Fatalf("issue a letter from %d to %d: %v", from, to, err)
		}
		rep("{transfer-in}", tr.ID)
		rep("{transfer-out}", tr.ID)
	case strings.Contains(path, "{upload}"):
		var id int64
		err := f.env.DB.InTx(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, `INSERT INTO roster_imports (account_id, filename, content, row_count, created_at)
				VALUES ($1, 'x.csv', $2, 0, $3) RETURNING id`, f.accounts[f.uploader].ID, []byte("姓名,身份证号,组织代码\n"), time.Now()).Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		rep("{upload}", id)
	case strings.Contains(path, "{token}"):
		id, _, err := app.Auth.IssueToken(ctx, f.accounts[f.uploader].ID, "probe")
		if err != nil {
			t.Fatal(err)
		}
		rep("{token}", id)
	}
	return path, body
}

// expectAllowed decides, independently of the code under test, whether who may use the
// route on a target of relation rel.
func expectAllowed(c routeCase, who, rel string) bool {
	if c.need == needPublic {
		return true
	}
	switch who {
	case "anonymous":
		return false
	case "sysadmin":
		return c.need != needUploader
	}
	if c.selfOnly {
		return who == "self" && rel == "own"
	}
	if c.selfLine && who == "self" && (rel == "own" || rel == "anc") {
		return true
	}
	role := map[string]int{"admin": 3, "manager": 2, "viewer": 1}[who]
	switch c.need {
	case needSignedIn:
		return true
	case needSysAdmin:
		return false
	case needUploader:
		return who == "manager"
	case needManageAny:
		return role >= 2
	case needView:
		return inScope(rel) && role >= 1 || c.selfOK && who == "self" && rel == "own"
	case needManage:
		return inScope(rel) && role >= 2 || c.selfOK && who == "self" && rel == "own"
	case needAdminister:
		return inScope(rel) && role >= 3
	}
	return false
}

func denied(status int, location string) bool {
	return status == http.StatusForbidden || status == http.StatusNotFound || status == http.StatusUnauthorized ||
		status == http.StatusSeeOther && strings.HasPrefix(location, "/login")
}

func TestAuthorizationWalksEveryRoute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		checkEveryRouteHasACase(t, f.env.App.Routes)
		clients := map[string]*apptest.Client{"anonymous": f.env.Client(t)}
		for name := range f.accounts {
			c := f.env.Client(t)
			c.Header.Set("Accept-Language", "en")
			c.Login(name, "a long passphrase")
			clients[name] = c
		}
		for _, c := range allRouteCases() {
			rels := relations
			if c.extra == nil && (!strings.Contains(c.path, "{") || strings.Contains(c.path, "{upload}") || strings.Contains(c.path, "{token}")) {
				rels = []string{"own"} // the route names no organization or person
			}
			for who, client := range clients {
				if c.anonymousOnly && who != "anonymous" {
					continue
				}
				for _, rel := range rels {
					path, body := f.fill(t, c, rel)
					method, _, _ := strings.Cut(c.pattern, " ")
					if !strings.Contains(c.pattern, " ") {
						method = "GET"
					}
					r := send(client, method, path, body)
					if c.need == needPublic {
						if r.Status == http.StatusForbidden || r.Status >= 500 {
							t.Errorf("public %s as %s: status %d", c.pattern, who, r.Status)
						}
						continue
					}
					if r.Status >= 500 {
						// A server error is a bug whoever asks: the walk's bodies are
						// incomplete on purpose and must be refused, not crash the route.
						t.Errorf("%s as %s on %s (%s %s): status %d", c.pattern, who, rel, method, path, r.Status)
						continue
					}
					want := expectAllowed(c, who, rel)
					refused := denied(r.Status, r.Location()) ||
						c.deniedField != "" && r.Status == http.StatusUnprocessableEntity && strings.Contains(r.Body, `"field":"`+c.deniedField+`"`)
					if got := !refused; got != want {
						t.Errorf("%s as %s on %s (%s %s): status %d, allowed=%v, want %v", c.pattern, who, rel, method, path, r.Status, got, want)
					}
					if c.leaks && who != "sysadmin" {
						for _, name := range f.outOfScopeNames() {
							if strings.Contains(r.Body, name) && !(c.pattern == "GET /alliances" && name == f.thirdOrg.Name) {
								t.Errorf("%s as %s names %q, outside its scope", c.pattern, who, name)
							}
						}
					}
				}
			}
		}
	})
}

func send(c *apptest.Client, method, path, body string) *apptest.Response {
	switch {
	case body == "" && method != "GET":
		return c.Do(method, path, nil, http.Header{"Origin": {c.BaseURL()}})
	case strings.HasPrefix(body, "{"):
		return c.Do(method, path, strings.NewReader(body), http.Header{"Content-Type": {"application/json"}})
	case body != "":
		return c.PostForm(path, mustParse(body))
	}
	return c.Get(path)
}

func mustParse(s string) url.Values {
	v, err := url.ParseQuery(s)
	if err != nil {
		panic(err)
	}
	return v
}

func checkEveryRouteHasACase(t *testing.T, routes []server.Route) {
	t.Helper()
	covered := map[string]bool{}
	for _, c := range allRouteCases() {
		pattern, _, _ := strings.Cut(c.pattern, "#")
		covered[pattern] = true
	}
	for _, r := range routes {
		if !covered[r.Pattern] {
			t.Errorf("route %q has no case in the authorization walk", r.Pattern)
		}
	}
}
