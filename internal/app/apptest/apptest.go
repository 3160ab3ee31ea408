// Package apptest starts the whole application on a test database and talks to it over
// real HTTP, as a browser or an integrating system would.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"vanguard/internal/app"
	"vanguard/internal/auth"
	"vanguard/internal/demo"
	"vanguard/internal/store"
)

// Env is a running application.
type Env struct {
	URL string
	App *app.App
	DB  *store.DB
}

// Options adjust the application under test.
type Options struct {
	Demo     bool // demo mode, with the demo administrator (admin / vanguard-demo)
	DemoData bool // demo mode with the whole demo loaded: organizations, people, demo accounts
	LogLevel string
}

// Start serves the application on db until the test ends.
func Start(t testing.TB, db *store.DB, opts Options) *Env {
	t.Helper()
	c := app.Config{Demo: opts.Demo || opts.DemoData, DataDir: t.TempDir(), LogLevel: "warn", LogFormat: "text"}
	if opts.LogLevel != "" {
		c.LogLevel = opts.LogLevel
	}
	logger := app.NewLogger(c, testWriter{t})
	a, err := app.New(c, db, logger, auth.TestHashParams)
	if err != nil {
		t.Fatalf("build app: %v", err)
	}
	switch {
	case opts.DemoData:
		if err := demo.Load(context.Background(), db, a.Auth); err != nil {
			t.Fatalf("load demo: %v", err)
		}
	case opts.Demo:
		if err := demo.LoadAccountsOnly(context.Background(), db, a.Auth); err != nil {
			t.Fatalf("load demo: %v", err)
		}
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	// The rankings index follows the ledger in the background, as under Serve.
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Points.Run(ctx, func(err error) { logger.Error("points index", "err", err) })
	}()
	t.Cleanup(func() { stop(); <-done })
	return &Env{URL: srv.URL, App: a, DB: db}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Client is a browser-like client with its own cookies. It does not follow redirects,
// so tests see them.
type Client struct {
	t      testing.TB
	base   string
	hc     *http.Client
	Header http.Header // sent with every request, e.g. Accept-Language
	Token  string      // a bearer token for the API, when set
}

// Client returns a new client with an empty cookie jar.
func (e *Env) Client(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, base: e.URL, Header: http.Header{}, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Response is a read response.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Location is where a redirect points.
func (r *Response) Location() string { return r.Header.Get("Location") }

// Decode reads a JSON body into v.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode JSON %q: %v", r.Body, err)
	}
}

// Do sends a request with extra headers.
func (c *Client) Do(method, path string, body io.Reader, header http.Header) *Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatalf("request %s %s: %v", method, path, err)
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read %s %s: %v", method, path, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// Get fetches a page.
func (c *Client) Get(path string) *Response { return c.Do("GET", path, nil, nil) }

// PostForm submits a form as a same-origin browser would.
func (c *Client) PostForm(path string, form url.Values) *Response {
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {c.base}, "Sec-Fetch-Site": {"same-origin"}}
	return c.Do("POST", path, strings.NewReader(form.Encode()), h)
}

// JSON sends v as a JSON body (nil for none).
func (c *Client) JSON(method, path string, v any) *Response {
	c.t.Helper()
	var body io.Reader
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			c.t.Fatalf("encode %T: %v", v, err)
		}
		body = bytes.NewReader(b)
	}
	return c.Do(method, path, body, http.Header{"Content-Type": {"application/json"}})
}

// Login signs in through the login form and fails the test when it does not work.
func (c *Client) Login(username, password string) {
	c.t.Helper()
	r := c.PostForm("/login", url.Values{"username": {username}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		c.t.Fatalf("login as %s: status %d, body %s", username, r.Status, r.Body)
	}
}

// BaseURL is the server's address.
func (c *Client) BaseURL() string { return c.base }

// Path joins the base URL and a path, for tools that need a whole URL.
func (e *Env) Path(p string) string {
	u, _ := url.JoinPath(e.URL, p)
	return u
}
