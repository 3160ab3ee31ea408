package web_test

import (
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"vanguard/internal/app/apptest"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

func TestHealthReadinessAndMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db, apptest.Options{})
		c := env.Client(t)
		if r := c.Get("/healthz"); r.Status != 200 || strings.TrimSpace(r.Body) != "ok" {
			t.Errorf("/healthz = %d %q", r.Status, r.Body)
		}
		if r := c.Get("/readyz"); r.Status != 200 {
			t.Errorf("/readyz = %d %q", r.Status, r.Body)
		}
		c.Get("/login")
		r := c.Get("/metrics")
		for _, want := range []string{`vanguard_http_requests_total{code="200",route="GET /login"} 1`, "go_goroutines", "vanguard_http_request_duration_seconds_bucket"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		db.Close()
		if r := c.Get("/readyz"); r.Status != http.StatusServiceUnavailable {
			t.Errorf("/readyz with the database closed = %d, want 503", r.Status)
		}
		if r := c.Get("/healthz"); r.Status != 200 {
			t.Errorf("/healthz with the database closed = %d, want 200: the process is up", r.Status)
		}
	})
}

func TestLanguageFollowsBrowserAndSwitchIsRemembered(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{Demo: true})
	c := env.Client(t)
	c.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	if r := c.Get("/login"); !strings.Contains(r.Body, `<html lang="en">`) || !strings.Contains(r.Body, "<h1>Sign in</h1>") {
		t.Fatalf("English browser got: %s", r.Body)
	}
	c.Header.Set("Accept-Language", "zh-CN,zh;q=0.9")
	if r := c.Get("/login"); !strings.Contains(r.Body, `<html lang="zh-CN">`) || !strings.Contains(r.Body, "<h1>登录</h1>") {
		t.Fatalf("Chinese browser got: %s", r.Body)
	}
	r := c.PostForm("/lang", url.Values{"lang": {"en"}, "next": {"/login"}})
	if r.Status != http.StatusSeeOther || r.Location() != "/login" {
		t.Fatalf("switch = %d to %q", r.Status, r.Location())
	}
	if r := c.Get("/login"); !strings.Contains(r.Body, "<h1>Sign in</h1>") {
		t.Fatal("the chosen language was not remembered over the browser's")
	}
	// Signed in, the choice follows the account to a new browser.
	c.Login("admin", auth.DemoPassword)
	c.PostForm("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
	other := env.Client(t)
	other.Header.Set("Accept-Language", "zh-CN")
	other.Login("admin", auth.DemoPassword)
	if r := other.Get("/account"); !strings.Contains(r.Body, "My account") {
		t.Fatal("the account's language did not follow it to another browser")
	}
	// An open redirect through the switch is refused.
	if r := c.PostForm("/lang", url.Values{"lang": {"zh-CN"}, "next": {"//evil.example/"}}); r.Location() != "/" {
		t.Fatalf("switch redirected off-site to %q", r.Location())
	}
}

func TestLoginLogoutAndProtectedPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db, apptest.Options{Demo: true})
		c := env.Client(t)
		if r := c.Get("/account"); r.Status != http.StatusSeeOther || r.Location() != "/login?next=%2Faccount" {
			t.Fatalf("anonymous /account = %d to %q, want a redirect to login", r.Status, r.Location())
		}
		r := c.PostForm("/login", url.Values{"username": {"admin"}, "password": {"wrong"}})
		if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, "用户名或密码错误") {
			t.Fatalf("wrong password = %d", r.Status)
		}
		r = c.PostForm("/login", url.Values{"username": {"admin"}, "password": {auth.DemoPassword}, "next": {"/account"}})
		if r.Status != http.StatusSeeOther || r.Location() != "/account" {
			t.Fatalf("login = %d to %q", r.Status, r.Location())
		}
		cookie := findCookie(r.Header, "vanguard_session")
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
			t.Fatalf("session cookie %+v must be HttpOnly and SameSite=Lax", cookie)
		}
		if r := c.Get("/account"); r.Status != 200 || !strings.Contains(r.Body, "我的账户") {
			t.Fatalf("signed-in /account = %d", r.Status)
		}
		if r := c.PostForm("/logout", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("logout = %d", r.Status)
		}
		if r := c.Get("/account"); r.Status != http.StatusSeeOther {
			t.Fatalf("/account after logout = %d, want a redirect", r.Status)
		}
	})
}

func findCookie(h http.Header, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestSixthWrongPasswordGets429(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{Demo: true})
	c := env.Client(t)
	for i := 1; i <= 5; i++ {
		if r := c.PostForm("/login", url.Values{"username": {"admin"}, "password": {"nope"}}); r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d = %d, want 401", i, r.Status)
		}
	}
	r := c.PostForm("/login", url.Values{"username": {"admin"}, "password": {"nope"}})
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("6th attempt = %d, want 429 with Retry-After", r.Status)
	}
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{Demo: true})
	c := env.Client(t)
	c.Login("admin", auth.DemoPassword)
	form := strings.NewReader(url.Values{"name": {"stolen"}}.Encode())
	r := c.Do("POST", "/account/tokens", form, http.Header{
		"Content-Type":   {"application/x-www-form-urlencoded"},
		"Origin":         {"https://evil.example"},
		"Sec-Fetch-Site": {"cross-site"},
	})
	if r.Status != http.StatusForbidden {
		t.Fatalf("cross-site POST = %d, want 403", r.Status)
	}
	// An old browser that sends only Origin is refused too.
	form = strings.NewReader(url.Values{"name": {"stolen"}}.Encode())
	r = c.Do("POST", "/account/tokens", form, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {"https://evil.example"}})
	if r.Status != http.StatusForbidden {
		t.Fatalf("cross-origin POST by Origin = %d, want 403", r.Status)
	}
	var n int
	env.DB.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM api_tokens`).Scan(&n)
	if n != 0 {
		t.Fatalf("a refused request created %d tokens", n)
	}
}

func TestSecurityHeadersAndAssetCaching(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{})
	c := env.Client(t)
	r := c.Get("/")
	for h, want := range map[string]string{
		"Content-Security-Policy": "frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
	} {
		if !strings.Contains(r.Header.Get(h), want) {
			t.Errorf("%s = %q, want it to contain %q", h, r.Header.Get(h), want)
		}
	}
	css := regexp.MustCompile(`/static/app\.[0-9a-f]{10}\.css`).FindString(r.Body)
	if css == "" {
		t.Fatal("the page links no checksum stylesheet")
	}
	a := c.Get(css)
	if a.Status != 200 || !strings.Contains(a.Header.Get("Cache-Control"), "immutable") || !strings.Contains(a.Body, "--red") {
		t.Fatalf("asset %s = %d, Cache-Control %q", css, a.Status, a.Header.Get("Cache-Control"))
	}
	if r := c.Get("/static/app.0000000000.css"); r.Status != 404 {
		t.Fatalf("a stale asset URL = %d, want 404", r.Status)
	}
	if r := c.Get("/no/such/page"); r.Status != 404 || !strings.Contains(r.Body, "页面不存在") {
		t.Fatalf("unknown page = %d", r.Status)
	}
}

func TestAccountPageIssuesAndRevokesTokens(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{Demo: true})
	c := env.Client(t)
	c.Header.Set("Accept-Language", "en")
	c.Login("admin", auth.DemoPassword)
	r := c.PostForm("/account/tokens", url.Values{"name": {"sync"}})
	token := regexp.MustCompile(`vgt_[A-Za-z0-9_-]+`).FindString(r.Body)
	if r.Status != 200 || token == "" {
		t.Fatalf("issue token = %d, no token shown", r.Status)
	}
	api := env.Client(t)
	api.Token = token
	if r := api.Get("/api/v1/me"); r.Status != 200 || !strings.Contains(r.Body, `"username":"admin"`) {
		t.Fatalf("/api/v1/me with the token = %d %s", r.Status, r.Body)
	}
	id := regexp.MustCompile(`/account/tokens/(\d+)/revoke`).FindStringSubmatch(r.Body)
	if id == nil {
		t.Fatal("no revoke button")
	}
	if r := c.PostForm("/account/tokens/"+id[1]+"/revoke", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("revoke = %d", r.Status)
	}
	if r := api.Get("/api/v1/me"); r.Status != http.StatusUnauthorized {
		t.Fatalf("revoked token = %d, want 401", r.Status)
	}
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{Demo: true})
	phone, desk := env.Client(t), env.Client(t)
	phone.Login("admin", auth.DemoPassword)
	desk.Login("admin", auth.DemoPassword)
	r := desk.PostForm("/account/password", url.Values{"current": {auth.DemoPassword}, "password": {"a much better one"}, "confirm": {"a much better one"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("change password = %d: %s", r.Status, r.Body)
	}
	if r := desk.Get("/account"); r.Status != 200 {
		t.Fatalf("the browser that changed the password was signed out: %d", r.Status)
	}
	if r := phone.Get("/account"); r.Status != http.StatusSeeOther {
		t.Fatalf("the other browser is still signed in: %d", r.Status)
	}
	r = desk.PostForm("/account/password", url.Values{"current": {"a much better one"}, "password": {"short"}, "confirm": {"short"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "10") {
		t.Fatalf("a short password = %d", r.Status)
	}
}

// Every key a template uses must exist in both catalogs, and no rendered page may show a
// bracketed, untranslated key.
func TestTemplatesUseOnlyKnownKeys(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	used := regexp.MustCompile(`\{\{[^}]*?\bt "([^"]+)"`)
	err = filepath.WalkDir("templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range used.FindAllStringSubmatch(string(body), -1) {
			if !cat.Has(m[1]) {
				t.Errorf("%s uses key %q, missing from a catalog", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{Demo: true})
	bracketed := regexp.MustCompile(`\[[a-z_]+\.[a-z_.]+\]`)
	for _, lang := range i18n.Languages() {
		c := env.Client(t)
		c.Header.Set("Accept-Language", lang)
		pages := []string{"/", "/login", "/nope"}
		for _, p := range pages {
			if m := bracketed.FindString(c.Get(p).Body); m != "" {
				t.Errorf("%s %s shows untranslated %s", lang, p, m)
			}
		}
		c.Login("admin", auth.DemoPassword)
		for _, p := range []string{"/", "/account"} {
			if m := bracketed.FindString(c.Get(p).Body); m != "" {
				t.Errorf("%s %s shows untranslated %s", lang, p, m)
			}
		}
	}
}

// The home page reminds a secretary of what is overdue in their organizations, read from
// the records, and says nothing to a member with nothing due.
func TestHomeRemindsOfOverdueDevelopmentSteps(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{DemoData: true})
	branch := env.Client(t)
	branch.Login("branch", auth.DemoPassword)
	body := branch.Get("/").Body
	if !regexp.MustCompile(`href="/orgs/\d+/development">中共仁复村支部委员会有 \d+ 项发展党员工作已逾期`).MatchString(body) {
		t.Fatalf("the branch secretary's home page has no overdue reminder:\n%s", body)
	}
	if !strings.Contains(body, "封组织关系介绍信待接收") {
		t.Error("the branch secretary is not reminded of the letter waiting for Renfu")
	}
	m := env.Client(t)
	m.Login("member", auth.DemoPassword)
	// The demo member has no development step due; what they are shown is the coming
	// week's theme party day of Renfu they are invited to (organizational life, issue 4).
	if body := m.Get("/").Body; strings.Contains(body, `<li><a href="/me">`) || strings.Contains(body, "/development") ||
		!strings.Contains(body, "主题党日") {
		t.Errorf("a full member with nothing due but a meeting is shown other reminders, or not the meeting:\n%s", body)
	}
}
