package app_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"vanguard/internal/app"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func run(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	var out, errOut lockedBuffer
	err := app.Run(context.Background(), args, env, strings.NewReader(""), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestCommandLineMistakesAreUsageErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--bogus"}, "unknown flag --bogus"},
		{[]string{"serve", "--db", "mysql://localhost/x", "--data-dir", dir}, "unsupported database URL"},
		{[]string{"serve", "--db", "postgres://localhost:5432/", "--data-dir", dir}, "no database name"},
		{[]string{"migrate", "extra"}, `unexpected argument "extra"`},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"serve", "--log-format", "xml"}, "--log-format"},
	}
	for _, c := range cases {
		_, err := run(t, nil, c.args...)
		if !errors.Is(err, app.ErrUsage) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want a usage error containing %q", c.args, err, c.want)
		}
		if err != nil && strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("%v: the message is more than one line: %q", c.args, err)
		}
	}
}

func TestEnvironmentTwinsAndFlagPrecedence(t *testing.T) {
	env := []string{"VANGUARD_ADDR=0.0.0.0:9000", "VANGUARD_DATA_DIR=/srv/vanguard", "VANGUARD_DB=postgres://u:hunter2@db:5432/vanguard"}
	out, err := run(t, env, "config", "--addr", "127.0.0.1:7000")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"127.0.0.1:7000", "/srv/vanguard", "postgres://u:xxxxx@db:5432/vanguard"} {
		if !strings.Contains(out, want) {
			t.Errorf("config output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "hunter2") {
		t.Error("config prints the database password")
	}
	out, _ = run(t, []string{"VANGUARD_DATA_DIR=/data"}, "config")
	if !strings.Contains(out, filepath.Join("/data", "vanguard.db")) {
		t.Errorf("the default database is not in the data directory:\n%s", out)
	}
}

func TestDataDirectoryProblemsNameThePath(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "such", "dir")
	_, err := run(t, nil, "migrate", "--data-dir", missing)
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("missing data directory: %v", err)
	}
	if runtime.GOOS == "linux" {
		// /proc/self is a directory nobody can create files in, not even root, who
		// runs CI and whom file modes do not stop.
		_, err := run(t, nil, "migrate", "--data-dir", "/proc/self")
		if err == nil || !strings.Contains(err.Error(), "/proc/self is not writable") {
			t.Fatalf("read-only data directory: %v", err)
		}
	}
}

func TestRefusesDatabaseFromNewerBinary(t *testing.T) {
	dir := t.TempDir()
	if _, err := run(t, nil, "migrate", "--data-dir", dir); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "vanguard.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.ExecContext(context.Background(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', $1)`, time.Now())
	db.Close()
	for _, cmd := range []string{"migrate", "serve"} {
		_, err := run(t, nil, cmd, "--data-dir", dir, "--addr", "127.0.0.1:0")
		if err == nil || !strings.Contains(err.Error(), "newer") {
			t.Errorf("%s on a newer schema: %v, want a refusal saying so", cmd, err)
		}
	}
}

func TestAdminCreate(t *testing.T) {
	dir := t.TempDir()
	out, err := run(t, []string{"VANGUARD_ADMIN_PASSWORD=a strong password"}, "admin", "create", "--data-dir", dir, "--username", "secretary")
	if err != nil || !strings.Contains(out, "administrator secretary created") {
		t.Fatalf("admin create: %v\n%s", err, out)
	}
	_, err = run(t, []string{"VANGUARD_ADMIN_PASSWORD=vanguard-demo"}, "admin", "create", "--data-dir", dir, "--username", "other")
	if err == nil || !strings.Contains(err.Error(), "demo_password") {
		t.Fatalf("admin create with the demo password outside demo mode: %v", err)
	}
}

// serve --demo, end to end: the printed URL answers, the demo administrator signs in,
// and a cancelled context shuts the server down cleanly.
func TestServeDemo(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data-dir", dir}
			if engine == store.Postgres {
				args = append(args, "--db", storetest.PostgresSchema(t))
			}
			serveDemo(t, args)
		})
	}
}

func serveDemo(t *testing.T, args []string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out lockedBuffer
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, args, nil, strings.NewReader(""), &out, &out) }()
	base := waitForURL(t, &out, done)
	if !strings.Contains(out.String(), "admin") || !strings.Contains(out.String(), "vanguard-demo") {
		t.Errorf("the start-up message does not show the demo accounts:\n%s", out.String())
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/"} {
		resp, err := http.Get(base + p)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", p, resp, err)
		}
		resp.Body.Close()
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(base+"/login", url.Values{"username": {"admin"}, "password": {"vanguard-demo"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("demo admin login: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

var servingAt = regexp.MustCompile(`serving at (http://\S+)`)

// waitForURL waits for the server to say where it serves. With --demo that comes after
// the demo is loaded: about 6 s on a quiet machine, several times that under the race
// detector beside the rest of the suite, so the bound is generous; it only stops a hang.
func waitForURL(t *testing.T, out *lockedBuffer, done chan error) string {
	t.Helper()
	deadline := time.After(4 * time.Minute)
	for {
		if m := servingAt.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped before serving: %v\n%s", err, out.String())
		case <-deadline:
			t.Fatalf("serve printed no URL:\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
