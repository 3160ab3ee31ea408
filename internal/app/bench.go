package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/bench"
	"vanguard/internal/store"
)

// runBench runs a benchmark. The only one is "points", the province benchmark.
func runBench(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "points" {
		return &UsageError{Msg: "vanguard bench: the only benchmark is \"points\""}
	}
	o := bench.ProvinceDefaults()
	var dbURL, redis, report string
	fs := flag.NewFlagSet("bench points", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.Members, "members", o.Members, "members in the province")
	fs.IntVar(&o.Branches, "branches", o.Branches, "branches")
	fs.IntVar(&o.Towns, "towns", o.Towns, "towns and committees")
	fs.IntVar(&o.Counties, "counties", o.Counties, "counties")
	fs.IntVar(&o.Cities, "cities", o.Cities, "cities")
	fs.IntVar(&o.Events, "events", o.Events, "point events to replay")
	fs.IntVar(&o.Clients, "clients", o.Clients, "concurrent clients of the query phase")
	fs.DurationVar(&o.QueryFor, "query-for", o.QueryFor, "how long the query phase runs, per system")
	fs.StringVar(&dbURL, "db", "", "database URL (default: a fresh SQLite file in a temporary directory)")
	fs.StringVar(&redis, "redis", "redis-server", "the peer's redis-server binary; \"\" skips the peer")
	fs.StringVar(&report, "report", "", "also write the results as Markdown to this file")
	if err := fs.Parse(args[1:]); err != nil {
		return &UsageError{Msg: err.Error()}
	}
	if redis != "" {
		path, err := exec.LookPath(redis)
		if err != nil {
			return fmt.Errorf("bench: no %s for the peer (apt-get install redis-server, or --redis \"\"): %w", redis, err)
		}
		redis = path
	}
	o.Redis, o.Log = redis, stderr
	if dbURL == "" {
		dir, err := os.MkdirTemp("", "vanguard-bench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dbURL = filepath.Join(dir, "bench.db")
	}
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	o.Serve = func(ctx context.Context, db *store.DB) (string, string, error) { return serveForBench(ctx, db) }
	res, err := bench.Run(ctx, db, o)
	if err != nil {
		return err
	}
	md := bench.Markdown(res, "vanguard bench points "+joinArgs(args[1:]))
	fmt.Fprint(stdout, md)
	if report != "" {
		return os.WriteFile(report, []byte(md), 0o644)
	}
	return nil
}

func joinArgs(args []string) string {
	out := ""
	for i, a := range args {
		if i > 0 {
			out += " "
		}
		out += a
	}
	return out
}

// serveForBench serves the application on db on a loopback port until ctx ends, with a
// system administrator's API token for the clients.
func serveForBench(ctx context.Context, db *store.DB) (string, string, error) {
	c := Config{LogLevel: "error", LogFormat: "text"}
	a, err := New(c, db, slog.New(slog.NewTextHandler(io.Discard, nil)), auth.DefaultHashParams)
	if err != nil {
		return "", "", err
	}
	acct, err := a.Auth.CreateAccount(ctx, auth.NewAccount{Username: "bench", Password: "bench-password-" + time.Now().Format("150405.000"), IsAdmin: true})
	if err != nil {
		return "", "", err
	}
	_, token, err := a.Auth.IssueToken(ctx, acct.ID, "bench")
	if err != nil {
		return "", "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", err
	}
	hs := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	go a.Points.Run(ctx, func(error) {})
	go func() { <-ctx.Done(); hs.Close() }()
	return "http://" + ln.Addr().String(), token, nil
}
