package app_test

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"vanguard/internal/app"
	"vanguard/internal/app/apptest"
	"vanguard/internal/auth"
	"vanguard/internal/store/storetest"
)

func repoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The configuration reference in docs/OPERATIONS.md is the options table itself, as
// `vanguard config --markdown` prints it: an option added to the table and not to the
// reference fails here, with the text to paste.
func TestOperationsDocCarriesTheOptionsTable(t *testing.T) {
	doc := repoFile(t, "docs/OPERATIONS.md")
	out, err := run(t, nil, "config", "--markdown")
	if err != nil {
		t.Fatal(err)
	}
	if out != app.OptionsMarkdown() {
		t.Fatalf("config --markdown printed something else than OptionsMarkdown:\n%s", out)
	}
	begin, end := strings.Index(doc, "<!-- options:begin"), strings.Index(doc, "<!-- options:end -->")
	if begin < 0 || end < begin {
		t.Fatal("docs/OPERATIONS.md has no options:begin/options:end markers")
	}
	section := doc[strings.Index(doc[begin:], "\n")+begin+1 : end]
	if section != out {
		t.Errorf("the options table in docs/OPERATIONS.md is not the generated one; replace it with:\n%s", out)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[2:] {
		cells := strings.Split(line, "|")
		flag, env := strings.Trim(cells[1], " `"), strings.Trim(cells[2], " `")
		if !strings.Contains(section, flag) || !strings.Contains(section, env) {
			t.Errorf("the reference lacks %s / %s", flag, env)
		}
	}
}

// Every command of `vanguard help` is in the operations guide.
func TestOperationsDocNamesEveryCommand(t *testing.T) {
	doc := repoFile(t, "docs/OPERATIONS.md")
	help, err := run(t, nil, "help")
	if err != nil {
		t.Fatal(err)
	}
	commands := regexp.MustCompile(`(?m)^  ([a-z]+(?: create)?) {2,}`).FindAllStringSubmatch(help, -1)
	if len(commands) < 5 {
		t.Fatalf("found only %d commands in:\n%s", len(commands), help)
	}
	for _, c := range commands {
		if !strings.Contains(doc, "`vanguard "+c[1]) {
			t.Errorf("docs/OPERATIONS.md does not describe `vanguard %s`", c[1])
		}
	}
}

// Every metric family of Vanguard's own that /metrics serves is documented.
func TestOperationsDocListsEveryMetric(t *testing.T) {
	doc := repoFile(t, "docs/OPERATIONS.md")
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{})
	c := env.Client(t)
	c.Get("/healthz") // so that the per-route series exist
	body := c.Get("/metrics").Body
	families := regexp.MustCompile(`(?m)^# TYPE (vanguard_[a-z0-9_]+) `).FindAllStringSubmatch(body, -1)
	if len(families) == 0 {
		t.Fatalf("no vanguard_ metrics in:\n%s", body)
	}
	for _, f := range families {
		if !strings.Contains(doc, "`"+f[1]+"`") {
			t.Errorf("the metric %s is not documented in docs/OPERATIONS.md", f[1])
		}
	}
	for _, runtime := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if !strings.Contains(body, runtime) {
			t.Errorf("/metrics lacks %s, which the guide promises", runtime)
		}
	}
}

// The container image and the systemd unit keep what the guide says of them; CI cannot
// build the image (no Docker engine), so this is what it can check.
func TestDeploymentFilesKeepTheirPromises(t *testing.T) {
	docker := repoFile(t, "Dockerfile")
	froms := regexp.MustCompile(`(?m)^FROM `).FindAllString(docker, -1)
	if len(froms) < 2 || !strings.Contains(docker, " AS build") {
		t.Error("the Dockerfile is not a multi-stage build")
	}
	for _, want := range []string{"CGO_ENABLED=0", "VOLUME", "HEALTHCHECK", "vanguard\", \"healthcheck", "EXPOSE 8080"} {
		if !strings.Contains(docker, want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
	user := regexp.MustCompile(`(?m)^USER (\S+)`).FindStringSubmatch(docker)
	if user == nil || user[1] == "root" || strings.HasPrefix(user[1], "0") {
		t.Errorf("the Dockerfile does not run as a non-root user: %v", user)
	}
	unit := repoFile(t, "deploy/vanguard.service")
	for _, want := range []string{"NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/vanguard",
		"DynamicUser=yes", "PrivateTmp=yes", "CapabilityBoundingSet=\n", "ExecStart=/usr/local/bin/vanguard serve"} {
		if !strings.Contains(unit, want) {
			t.Errorf("deploy/vanguard.service lacks %q", strings.TrimSpace(want))
		}
	}
	if regexp.MustCompile(`(?m)^User=root`).MatchString(unit) {
		t.Error("deploy/vanguard.service runs as root")
	}
}

func TestHealthcheckCommand(t *testing.T) {
	db := storetest.SQLite(t)
	c := app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), LogLevel: "error", LogFormat: "text"}
	a, err := app.New(c, db, app.NewLogger(c, io.Discard), auth.TestHashParams)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	urls, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- a.Serve(ctx, func(u string) { urls <- u }) }()
	base := <-urls
	defer func() { cancel(); <-done }()
	addr := strings.TrimPrefix(base, "http://")
	if out, err := run(t, nil, "healthcheck", "--addr", addr); err != nil || !strings.Contains(out, "ok") {
		t.Fatalf("healthcheck of a serving server: %v %s", err, out)
	}
	_, port, _ := net.SplitHostPort(addr)
	if out, err := run(t, []string{"VANGUARD_ADDR=0.0.0.0:" + port}, "healthcheck"); err != nil {
		t.Fatalf("healthcheck with an unspecified address asks the loopback one: %v %s", err, out)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	if _, err := run(t, nil, "healthcheck", "--addr", closed); err == nil {
		t.Fatal("healthcheck of nothing succeeded")
	}
}
