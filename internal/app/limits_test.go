package app_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"vanguard/internal/api"
	"vanguard/internal/app"
	"vanguard/internal/app/apptest"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/server"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// unpagedReads are the API's collection reads (GET routes without a wildcard) that
// are not paged lists, and why. Every other one must refuse a page larger than the
// maximum rather than read an unbounded list from the database.
var unpagedReads = map[string]string{
	"GET /api/v1/me":        "one account",
	"GET /api/openapi.json": "the API's description",
	"GET /api/v1/tokens":    "the caller's own tokens, which only the caller creates (not capped: see the report of issue 11)",
}

// pagedWildcardReads are lists under an id, with the path to try.
var pagedWildcardReads = map[string]string{
	"GET /api/v1/orgs/{id}/people": "/api/v1/orgs/{org}/people",
}

func TestEveryListCapsItsPageSize(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db, apptest.Options{})
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "limits-test"})
		if _, err := env.App.Auth.CreateAccount(ctx, auth.NewAccount{Username: "admin", Password: "a long passphrase", IsAdmin: true}); err != nil {
			t.Fatal(err)
		}
		root, err := env.App.Orgs.Create(ctx, org.NewOrg{Kind: org.Committee, Name: "分页党委"})
		if err != nil {
			t.Fatal(err)
		}
		c := env.Client(t)
		var tok struct {
			Token string `json:"token"`
		}
		c.JSON("POST", "/api/v1/tokens", map[string]string{"username": "admin", "password": "a long passphrase"}).Decode(t, &tok)
		c.Token = tok.Token
		c.Header.Set("Accept-Language", "en")
		tooBig := member.MaxPage + 1
		try := func(pattern, path string) {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			r := c.Get(path + sep + fmt.Sprintf("limit=%d", tooBig))
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"limit"`) {
				t.Errorf("%s with limit=%d: status %d %s; want 422 naming limit", pattern, tooBig, r.Status, r.Body)
			}
			r = c.Get(path + sep + fmt.Sprintf("limit=%d", member.MaxPage))
			if r.Status != http.StatusOK {
				t.Errorf("%s with limit=%d (the maximum): status %d %s", pattern, member.MaxPage, r.Status, r.Body)
			}
		}
		for _, rt := range api.Routes() {
			method, path := routeMethod(rt.Pattern)
			if method != http.MethodGet {
				continue
			}
			if p, ok := pagedWildcardReads[rt.Pattern]; ok {
				try(rt.Pattern, strings.ReplaceAll(p, "{org}", fmt.Sprint(root.ID)))
				continue
			}
			if strings.Contains(path, "{") {
				continue // one object
			}
			if _, ok := unpagedReads[rt.Pattern]; ok {
				continue
			}
			// The filters a list may require, all at once; each list reads those it knows.
			try(rt.Pattern, path+fmt.Sprintf("?org=%d", root.ID))
		}
	})
}

func TestOversizedJSONBodiesAreRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db, apptest.Options{})
		ctx := audit.WithActor(context.Background(), audit.Actor{Name: "limits-test"})
		if _, err := env.App.Auth.CreateAccount(ctx, auth.NewAccount{Username: "admin", Password: "a long passphrase", IsAdmin: true}); err != nil {
			t.Fatal(err)
		}
		root, _ := env.App.Orgs.Create(ctx, org.NewOrg{Kind: org.Committee, Name: "大小党委"})
		p, err := env.App.People.Create(ctx, member.NewPerson{Name: "大小", OrgID: root.ID, IDNumber: uniqueIDNumber(99)})
		if err != nil {
			t.Fatal(err)
		}
		c := env.Client(t)
		var tok struct {
			Token string `json:"token"`
		}
		c.JSON("POST", "/api/v1/tokens", map[string]string{"username": "admin", "password": "a long passphrase"}).Decode(t, &tok)
		c.Token = tok.Token
		huge := `{"name":"` + strings.Repeat("长", server.MaxJSONBody/3+1024) + `"}`
		for _, path := range []string{"/api/v1/tokens", "/api/v1/orgs", "/api/v1/people", fmt.Sprintf("/api/v1/people/%d/transitions", p.ID)} {
			r := c.Do("POST", path, strings.NewReader(huge), http.Header{"Content-Type": {"application/json"}})
			if r.Status != http.StatusRequestEntityTooLarge && r.Status != http.StatusUnprocessableEntity {
				t.Errorf("POST %s with %d bytes: status %d, want 413 or 422", path, len(huge), r.Status)
			}
		}
	})
}

// The HTTP server bounds headers: a request whose headers exceed the limit is answered
// 431 before any handler runs. (The timeouts are checked field by field in
// limits_internal_test.go: a test that waits for them would take their length.)
func TestOversizedHeadersAreRefused(t *testing.T) {
	db := storetest.SQLite(t)
	c := app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), LogLevel: "error", LogFormat: "text"}
	a, err := app.New(c, db, app.NewLogger(c, io.Discard), auth.TestHashParams)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, func(u string) { urls <- u }) }()
	var base string
	select {
	case base = <-urls:
	case err := <-done:
		t.Fatal(err)
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: %s\r\n\r\n", strings.Repeat("a", 200<<10))
	status := make([]byte, 12)
	if _, err := io.ReadFull(conn, status); err != nil {
		t.Fatal(err)
	}
	if string(status) != "HTTP/1.1 431" {
		t.Fatalf("a request with 200 KiB of headers: %q, want 431", status)
	}
}
