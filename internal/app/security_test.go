package app_test

// Issue 11's security review, as tests: every state-changing route refuses cross-site
// requests and anonymous callers; sessions can be listed and revoked from the account
// page; a password change ends the other sessions; the audit log cannot be written
// through a route; personal data never reaches the logs; request bodies, headers and
// list pages are bounded.

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"vanguard/internal/app"
	"vanguard/internal/app/apptest"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/org"
	"vanguard/internal/server"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// publicWrites are the state-changing routes an anonymous caller may use, and why.
var publicWrites = map[string]string{
	"POST /login":         "signing in is what an anonymous caller does",
	"POST /logout":        "ends the caller's own session, if any",
	"POST /lang":          "remembers a language choice in a cookie",
	"POST /api/v1/tokens": "exchanges a username and password for a token",
	"/":                   "the not-found page, for every method",
	"/api/":               "the API's not-found answer, for every method",

	"POST /portal/{org}/articles/{id}/comments": "readers' comments: anonymous by design, held for moderation, spam held by rule",
}

// routeMethod is the method a pattern serves; a pattern without one serves them all,
// and is tried with POST.
func routeMethod(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		return "POST", pattern
	}
	return method, path
}

var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// concretePath fills a pattern's wildcards: {$} with nothing, the others with 1.
func concretePath(path string) string {
	path = strings.ReplaceAll(path, "{$}", "")
	return wildcard.ReplaceAllString(path, "1")
}

func isStateChanging(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

func TestEveryStateChangingRouteRefusesCrossSiteAndAnonymousCallers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db, apptest.Options{})
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "security-test"})
		if _, err := env.App.Auth.CreateAccount(ctx, auth.NewAccount{Username: "admin", Password: "a long passphrase", IsAdmin: true}); err != nil {
			t.Fatal(err)
		}
		signedIn := env.Client(t)
		signedIn.Login("admin", "a long passphrase")
		anonymous := env.Client(t)
		checked := 0
		for _, rt := range env.App.Routes {
			method, pattern := routeMethod(rt.Pattern)
			if !isStateChanging(method) {
				continue
			}
			checked++
			path := concretePath(pattern)
			body := func() *strings.Reader { return strings.NewReader("name=x") }
			form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}

			// A cross-site request, from a browser that says so, and from one that only
			// sends Origin: refused before anything else, signed in or not.
			for _, c := range []struct {
				who    string
				client *apptest.Client
				header http.Header
			}{
				{"signed in, Sec-Fetch-Site", signedIn, http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}},
				{"signed in, Origin only", signedIn, http.Header{"Origin": {"https://evil.example"}}},
				{"anonymous, Sec-Fetch-Site", anonymous, http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}},
			} {
				h := c.header.Clone()
				h.Set("Content-Type", form.Get("Content-Type"))
				if r := c.client.Do(method, path, body(), h); r.Status != http.StatusForbidden {
					t.Errorf("%s (%s %s) cross-site, %s: status %d, want 403", rt.Pattern, method, path, c.who, r.Status)
				}
			}

			// An anonymous same-site request: 401 for the API, a redirect to sign in for
			// a page — unless the route is one of the few public writes.
			if why, ok := publicWrites[rt.Pattern]; ok {
				if rt.Access != server.Public {
					t.Errorf("%s is listed as a public write (%s) but is not public: drop it from the list", rt.Pattern, why)
				}
				continue
			}
			if rt.Access == server.Public {
				t.Errorf("%s changes state and is public: guard it, or add it to publicWrites with the reason", rt.Pattern)
				continue
			}
			h := http.Header{"Origin": {env.URL}, "Sec-Fetch-Site": {"same-origin"}, "Content-Type": form["Content-Type"]}
			r := anonymous.Do(method, path, body(), h)
			switch {
			case strings.HasPrefix(path, "/api/"):
				if r.Status != http.StatusUnauthorized {
					t.Errorf("%s anonymous: status %d, want 401", rt.Pattern, r.Status)
				}
			case r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login"):
				t.Errorf("%s anonymous: status %d to %q, want a redirect to /login", rt.Pattern, r.Status, r.Location())
			}
		}
		if checked < 10 {
			t.Fatalf("only %d state-changing routes found", checked)
		}
	})
}

func TestNoRouteWritesTheAuditLog(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{})
	for _, rt := range env.App.Routes {
		method, path := routeMethod(rt.Pattern)
		if isStateChanging(method) && strings.Contains(strings.ToLower(path), "audit") {
			t.Errorf("%s writes to a path about the audit log: the log is written only as a side effect of the write it records", rt.Pattern)
		}
	}
}

// revokeForm finds the revoke forms of the sessions section of the account page.
var revokeForm = regexp.MustCompile(`/account/sessions/([0-9a-f]{16})/revoke`)

func TestAccountPageListsAndRevokesSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db, apptest.Options{})
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "security-test"})
		for _, u := range []string{"secretary", "other"} {
			if _, err := env.App.Auth.CreateAccount(ctx, auth.NewAccount{Username: u, Password: "a long passphrase"}); err != nil {
				t.Fatal(err)
			}
		}
		device := func(ua string) *apptest.Client {
			c := env.Client(t)
			c.Header.Set("User-Agent", ua)
			c.Header.Set("Accept-Language", "en")
			c.Login("secretary", "a long passphrase")
			return c
		}
		laptop, phone := device("Laptop-Browser/1.0"), device("Phone-Browser/2.0")
		page := laptop.Get("/account")
		if page.Status != http.StatusOK {
			t.Fatalf("account page: %d", page.Status)
		}
		for _, want := range []string{"Signed-in devices", "Laptop-Browser/1.0", "Phone-Browser/2.0", "This device", "Sign out everywhere else"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("the account page lacks %q", want)
			}
		}
		ids := revokeForm.FindAllStringSubmatch(page.Body, -1)
		if len(ids) != 1 {
			t.Fatalf("want one revoke form (the phone's; the laptop's own has none), found %d", len(ids))
		}
		phoneID := ids[0][1]

		// Another account cannot end it.
		stranger := env.Client(t)
		stranger.Login("other", "a long passphrase")
		if r := stranger.PostForm("/account/sessions/"+phoneID+"/revoke", nil); r.Status != http.StatusNotFound {
			t.Fatalf("another account revoking the session: %d, want 404", r.Status)
		}
		if r := phone.Get("/account"); r.Status != http.StatusOK {
			t.Fatalf("the phone was signed out by another account: %d", r.Status)
		}

		r := laptop.PostForm("/account/sessions/"+phoneID+"/revoke", nil)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d %s", r.Status, r.Body)
		}
		if page := laptop.Get(r.Location()); !strings.Contains(page.Body, "That device was signed out.") || strings.Contains(page.Body, "Phone-Browser") {
			t.Errorf("after revoking, the page does not say so or still lists the phone")
		}
		if r := phone.Get("/account"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
			t.Fatalf("the revoked phone still works: %d", r.Status)
		}

		// Sign out everywhere else.
		tablet, desktop := device("Tablet/3.0"), device("Desktop/4.0")
		done := laptop.PostForm("/account/sessions/revoke-others", nil)
		if done.Status != http.StatusSeeOther {
			t.Fatalf("sign out everywhere else: %d", done.Status)
		}
		for name, c := range map[string]*apptest.Client{"tablet": tablet, "desktop": desktop} {
			if r := c.Get("/account"); r.Status != http.StatusSeeOther {
				t.Errorf("the %s is still signed in after sign-out everywhere else: %d", name, r.Status)
			}
		}
		if r := laptop.Get(done.Location()); r.Status != http.StatusOK || !strings.Contains(r.Body, "Every other device was signed out.") {
			t.Fatalf("the laptop itself was signed out: %d", r.Status)
		}
		if r := stranger.Get("/account"); r.Status != http.StatusOK {
			t.Fatalf("another account's session was ended: %d", r.Status)
		}

		// Revoking the session in use signs out.
		own := currentSessionID(t, env, laptop, "secretary")
		if r := laptop.PostForm("/account/sessions/"+own+"/revoke", nil); r.Status != http.StatusSeeOther || r.Location() != "/login" {
			t.Fatalf("revoking the current session: %d to %q", r.Status, r.Location())
		}
		if r := laptop.Get("/account"); r.Status != http.StatusSeeOther {
			t.Fatalf("still signed in after revoking the current session: %d", r.Status)
		}
	})
}

// currentSessionID is the ID of the session a client signed in as username holds: the
// account page offers a revoke form for every session of the account but that one.
func currentSessionID(t *testing.T, env *apptest.Env, c *apptest.Client, username string) string {
	t.Helper()
	offered := map[string]bool{}
	for _, m := range revokeForm.FindAllStringSubmatch(c.Get("/account").Body, -1) {
		offered[m[1]] = true
	}
	a, err := env.App.Auth.AccountByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	list, err := env.App.Auth.Sessions(context.Background(), a.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if !offered[s.ID] {
			return s.ID
		}
	}
	t.Fatal("no current session")
	return ""
}

func TestPasswordChangeEndsOtherSessionsEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db, apptest.Options{})
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "security-test"})
		if _, err := env.App.Auth.CreateAccount(ctx, auth.NewAccount{Username: "secretary", Password: "a long passphrase"}); err != nil {
			t.Fatal(err)
		}
		here, there := env.Client(t), env.Client(t)
		here.Login("secretary", "a long passphrase")
		there.Login("secretary", "a long passphrase")
		r := here.PostForm("/account/password", url.Values{"current": {"a long passphrase"},
			"password": {"a new long passphrase"}, "confirm": {"a new long passphrase"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("change password: %d %s", r.Status, r.Body)
		}
		if r := there.Get("/account"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
			t.Fatalf("the other browser is still signed in after the password change: %d", r.Status)
		}
		page := here.Get("/account")
		if page.Status != http.StatusOK {
			t.Fatalf("the browser that changed the password was signed out: %d", page.Status)
		}
		if n := len(revokeForm.FindAllString(page.Body, -1)); n != 0 {
			t.Errorf("the account page lists %d other sessions after the password change", n)
		}
		// The old password no longer works; the new one does.
		fresh := env.Client(t)
		if r := fresh.PostForm("/login", url.Values{"username": {"secretary"}, "password": {"a long passphrase"}}); r.Status != http.StatusUnauthorized {
			t.Fatalf("the old password: %d", r.Status)
		}
		fresh.Login("secretary", "a new long passphrase")
	})
}

// startLogged serves the application with its log, at debug level, captured.
func startLogged(t *testing.T, db *store.DB) (*apptest.Env, *lockedBuffer) {
	t.Helper()
	var log lockedBuffer
	c := app.Config{DataDir: t.TempDir(), LogLevel: "debug", LogFormat: "text"}
	a, err := app.New(c, db, app.NewLogger(c, &log), auth.TestHashParams)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	return &apptest.Env{URL: srv.URL, App: a, DB: db}, &log
}

func TestPersonalDataIsNeverLogged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env, log := startLogged(t, db)
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "security-test"})
		a := env.App
		if _, err := a.Auth.CreateAccount(ctx, auth.NewAccount{Username: "secretary", Password: "a long passphrase", IsAdmin: true}); err != nil {
			t.Fatal(err)
		}
		branch, err := a.Orgs.Create(ctx, org.NewOrg{Kind: org.Committee, Name: "日志测试党委", Code: "LOG001"})
		if err != nil {
			t.Fatal(err)
		}
		idNumber, phone := uniqueIDNumber(31337), "13912345678"
		importedID, importedPhone := uniqueIDNumber(31338), "13712345678"
		badID := idNumber[:17] + map[bool]string{true: "1", false: "2"}[idNumber[17] != '1'] // wrong check character
		secrets := []string{idNumber, phone, importedID, importedPhone, badID}

		// Sign-in attempts carrying them.
		c := env.Client(t)
		c.PostForm("/login", url.Values{"username": {idNumber}, "password": {phone}})
		c.JSON("POST", "/api/v1/tokens", map[string]string{"username": idNumber, "password": phone})

		c.Login("secretary", "a long passphrase")
		var tok struct {
			Token string `json:"token"`
		}
		c.JSON("POST", "/api/v1/tokens", map[string]string{"username": "secretary", "password": "a long passphrase"}).Decode(t, &tok)
		api := env.Client(t)
		api.Token = tok.Token

		// The API: create, create again, refused values, search, reveal, paths.
		r := api.JSON("POST", "/api/v1/people", map[string]any{"name": "日志", "id_number": idNumber, "phone": phone, "org_id": branch.ID})
		if r.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		var p struct {
			ID int64 `json:"id"`
		}
		r.Decode(t, &p)
		api.JSON("POST", "/api/v1/people", map[string]any{"name": "日志", "id_number": idNumber, "phone": phone, "org_id": branch.ID})
		api.JSON("POST", "/api/v1/people", map[string]any{"name": "日志", "id_number": badID, "phone": phone + "x", "org_id": branch.ID})
		api.Do("POST", "/api/v1/people", strings.NewReader(`{"name":"日志","id_number":"`+idNumber+`","phone":`), http.Header{"Content-Type": {"application/json"}})
		api.Get(fmt.Sprintf("/api/v1/people?org=%d&q=%s", branch.ID, idNumber))
		api.Get(fmt.Sprintf("/api/v1/people?org=%d&q=%s&limit=%s", branch.ID, phone, phone))
		api.Get(fmt.Sprintf("/api/v1/people/%d?reveal=true", p.ID))
		api.Get("/api/v1/people/" + idNumber)
		api.JSON("POST", "/api/v1/people/"+idNumber+"/transitions", map[string]any{"kind": "advance", "to": "applicant", "on": phone})
		api.JSON("POST", fmt.Sprintf("/api/v1/people/%d/transitions", p.ID), map[string]any{"kind": idNumber, "to": phone, "on": "2024-01-01"})
		csv := "姓名,身份证号,手机号码,组织代码\n导入," + importedID + "," + importedPhone + ",LOG001\n"
		body, h := multipartFile(t, "roster.csv", csv+"坏行,"+badID+","+phone+"1,LOG001\n")
		if r := api.Do("POST", "/api/v1/people/import", body, h); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("import with a bad row: %d %s", r.Status, r.Body)
		}
		body, h = multipartFile(t, "roster.csv", csv)
		if r := api.Do("POST", "/api/v1/people/import", body, h); r.Status != http.StatusOK && r.Status != http.StatusCreated {
			t.Errorf("import: %d %s", r.Status, r.Body)
		}

		// The pages.
		c.PostForm(fmt.Sprintf("/orgs/%d/people", branch.ID), url.Values{"name": {"页面"}, "id_number": {idNumber}, "phone": {phone}, "stage": {"resident"}})
		c.PostForm(fmt.Sprintf("/orgs/%d/people", branch.ID), url.Values{"name": {"页面"}, "id_number": {badID}, "phone": {phone + "x"}})
		c.Get(fmt.Sprintf("/orgs/%d/people?q=%s", branch.ID, phone))
		c.Get(fmt.Sprintf("/people/%d", p.ID))
		c.PostForm(fmt.Sprintf("/people/%d/reveal", p.ID), nil)
		c.Get("/people/" + phone)
		c.Get("/orgs/search?q=" + idNumber)

		out := log.String()
		if !strings.Contains(out, "request") {
			t.Fatalf("nothing was logged; the test watches the wrong writer:\n%s", out)
		}
		for _, s := range secrets {
			if strings.Contains(out, s) {
				for _, line := range strings.Split(out, "\n") {
					if strings.Contains(line, s) {
						t.Errorf("the log holds %q: %s", s, line)
					}
				}
			}
		}
	})
}

// multipartFile is a roster upload body and its header.
func multipartFile(t *testing.T, name, content string) (*bytes.Buffer, http.Header) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	part, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	part.Write([]byte(content))
	w.Close()
	return &b, http.Header{"Content-Type": {w.FormDataContentType()}}
}
