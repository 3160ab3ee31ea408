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
	"strings"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/bench"
	"vanguard/internal/store"
)

// runBench runs a benchmark: "points", the province benchmark, "dashboard", the
// oversight dashboard over the same province, or "load", the load test and soak.
func runBench(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "load" {
		return runLoad(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "dashboard" {
		return runBenchDashboard(ctx, args[1:], env, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "points" {
		return &UsageError{Msg: "vanguard bench: the benchmarks are \"points\", \"dashboard\" and \"load\""}
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
	_, url, token, err := serveApp(ctx, db)
	return url, token, err
}

// serveApp is serveForBench that also hands back the application.
func serveApp(ctx context.Context, db *store.DB) (*App, string, string, error) {
	c := Config{LogLevel: "error", LogFormat: "text"}
	a, err := New(c, db, slog.New(slog.NewTextHandler(io.Discard, nil)), auth.DefaultHashParams)
	if err != nil {
		return nil, "", "", err
	}
	acct, err := a.Auth.CreateAccount(ctx, auth.NewAccount{Username: "bench", Password: "bench-password-" + time.Now().Format("150405.000"), IsAdmin: true})
	if err != nil {
		return nil, "", "", err
	}
	_, token, err := a.Auth.IssueToken(ctx, acct.ID, "bench")
	if err != nil {
		return nil, "", "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", "", err
	}
	hs := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	go a.Points.Run(ctx, func(error) {})
	go a.Oversight.Run(ctx, func(error) {})
	go func() { <-ctx.Done(); hs.Close() }()
	return a, "http://" + ln.Addr().String(), token, nil
}

// runBenchDashboard builds the province with a year of records and times the oversight
// dashboard and its drill-down over HTTP (issue 10).
func runBenchDashboard(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	o := bench.DashboardDefaults()
	var engine, dbURL, report string
	var seed uint64
	fs := flag.NewFlagSet("bench dashboard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&engine, "engine", "sqlite", "sqlite (a fresh file in a temporary directory) or postgres (an empty database named by --db or VANGUARD_DB)")
	fs.StringVar(&dbURL, "db", "", "database: a postgres:// URL of an empty database, or a SQLite file that does not exist yet")
	fs.IntVar(&o.Members, "members", o.Members, "members in the province")
	fs.IntVar(&o.Branches, "branches", o.Branches, "branches")
	fs.IntVar(&o.Towns, "towns", o.Towns, "towns and committees")
	fs.IntVar(&o.Counties, "counties", o.Counties, "counties")
	fs.IntVar(&o.Cities, "cities", o.Cities, "cities")
	fs.IntVar(&o.Events, "events", o.Events, "point events recorded through the ledger")
	fs.IntVar(&o.Rounds, "rounds", o.Rounds, "timed drill-downs after the first (cold) one")
	fs.StringVar(&o.Period, "period", "", "the dashboard's period: 2026, 2026-Q4 or 2026-11 (default: this year)")
	fs.Uint64Var(&seed, "seed", o.Seed, "seed of the synthetic province")
	fs.StringVar(&report, "report", "", "also write the results as Markdown to this file")
	if err := fs.Parse(args); err != nil {
		return &UsageError{Msg: err.Error()}
	}
	o.Seed = seed
	if dbURL == "" {
		dbURL = envValue(env, "VANGUARD_DB")
	}
	isPostgres := strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://")
	switch {
	case engine == "postgres" && !isPostgres:
		return &UsageError{Msg: "vanguard bench dashboard: --engine postgres needs --db postgres://… (an empty database)"}
	case engine == "sqlite" && isPostgres:
		return &UsageError{Msg: "vanguard bench dashboard: --db names a PostgreSQL database; add --engine postgres"}
	case engine != "sqlite" && engine != "postgres":
		return &UsageError{Msg: "vanguard bench dashboard: --engine is sqlite or postgres"}
	}
	if engine == "sqlite" {
		if dbURL == "" {
			dir, err := os.MkdirTemp("", "vanguard-bench")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			dbURL = filepath.Join(dir, "bench.db")
		} else if _, err := os.Stat(dbURL); err == nil {
			return fmt.Errorf("bench dashboard: %s exists; the province is built in a new database", dbURL)
		}
	}
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	o.Log = stderr
	o.Serve = func(ctx context.Context, db *store.DB) (string, string, error) {
		a, url, token, err := serveApp(ctx, db)
		if err != nil {
			return "", "", err
		}
		// The ranking index reads the whole ledger when the application starts; it is
		// done before anything is timed, as it would be on a server that has been up.
		return url, token, a.Points.CatchUp(ctx)
	}
	res, err := bench.RunDashboard(ctx, db, o)
	if err != nil {
		return err
	}
	md := bench.DashboardMarkdown(res, "vanguard bench dashboard "+joinArgs(args))
	fmt.Fprint(stdout, md)
	if report != "" {
		return os.WriteFile(report, []byte(md), 0o644)
	}
	return nil
}

func envValue(env []string, name string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}
