package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/api"
	"vanguard/internal/article"
	"vanguard/internal/auth"
	"vanguard/internal/consult"
	"vanguard/internal/evaluation"
	"vanguard/internal/i18n"
	"vanguard/internal/idea"
	"vanguard/internal/learning"
	"vanguard/internal/media"
	"vanguard/internal/member"
	"vanguard/internal/notify"
	"vanguard/internal/org"
	"vanguard/internal/oversight"
	"vanguard/internal/points"
	"vanguard/internal/server"
	"vanguard/internal/store"
	"vanguard/internal/web"
)

// App is one explicit struct of every dependency; nothing is hidden in package state.
type App struct {
	Config     Config
	Logger     *slog.Logger
	DB         *store.DB
	Auth       *auth.Service
	Orgs       *org.Service
	People     *member.Service
	Consult    *consult.Service
	Learning   *learning.Service
	Ideas      *idea.Service
	Notify     *notify.Service
	Activities *activity.Service
	Points     *points.Service
	Articles   *article.Service
	Media      *media.Service
	Evaluation *evaluation.Service
	Reports    *oversight.Reports
	Oversight  *oversight.Service
	Catalog    *i18n.Catalog
	Handler    http.Handler
	Routes     []server.Route // every registered route with its declared access
}

// NewLogger builds the structured logger the configuration asks for.
func NewLogger(c Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// PrepareDataDir makes sure the data directory exists and is writable, creating it when
// its parent exists. Errors name the path.
func PrepareDataDir(dir string) error {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		parent := filepath.Dir(filepath.Clean(dir))
		if _, perr := os.Stat(parent); perr != nil {
			return fmt.Errorf("data directory %s cannot be created: its parent %s does not exist", dir, parent)
		}
		if err := os.Mkdir(dir, 0o750); err != nil {
			return fmt.Errorf("data directory %s cannot be created: %w", dir, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("data directory %s: %w", dir, err)
	case !info.IsDir():
		return fmt.Errorf("data directory %s is not a directory", dir)
	}
	probe, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable: %w", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

// OpenDB prepares the data directory, opens the database and migrates it.
func OpenDB(ctx context.Context, c Config) (*store.DB, error) {
	if err := PrepareDataDir(c.DataDir); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, c.DB)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// New builds the application on an open, migrated database.
func New(c Config, db *store.DB, logger *slog.Logger, hash auth.HashParams) (*App, error) {
	cat, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	authSvc := auth.New(db, auth.Options{Hash: hash, DemoMode: c.Demo})
	reg := server.NewRegistry()
	srv := server.New(server.Options{Logger: logger, Auth: authSvc, Catalog: cat, Registry: reg, SecureCookies: c.SecureCookies})
	orgs := org.New(db)
	people := member.New(db, orgs)
	notices := notify.New(db)
	ledger := points.New(db)
	topics := consult.New(db, orgs, people, notices)
	learn := learning.New(db, orgs, people, ledger)
	ideas := idea.New(db, orgs, people, notices)
	ideas.Credit(func(ctx context.Context, q store.Querier, c idea.Credit) error {
		return ledger.CreditIdea(ctx, q, c.IdeaID, c.PersonID, string(c.Status), c.At)
	})
	activities := activity.New(db, activity.Options{AttendanceChanged: func(ctx context.Context, q store.Querier, c activity.AttendanceChange) error {
		return ledger.SyncAttendance(ctx, q, points.Attendance{ActivityID: c.ActivityID, Held: c.Held, StartsAt: c.StartsAt,
			Attended: c.Attended, NotAttended: c.NotAttended})
	}})
	articles := article.New(db, orgs)
	files := media.New(db)
	evaluations := evaluation.New(db, orgs, people, activities, ledger)
	if err := evaluations.InstallBuiltins(context.Background()); err != nil {
		return nil, err
	}
	reports := oversight.NewReports(db, activities, ledger, evaluations, nil)
	watch := oversight.New(db, orgs, activities, ledger, evaluations)
	if _, err := web.Register(srv, web.Deps{DB: db, Registry: reg, Orgs: orgs, People: people, Consult: topics, Ideas: ideas, Notify: notices,
		Activities: activities, Articles: articles, Media: files, Evaluation: evaluations, Learning: learn, Points: ledger, Reports: reports, Oversight: watch}); err != nil {
		return nil, err
	}
	api.Register(srv, api.Deps{Orgs: orgs, People: people, Consult: topics, Ideas: ideas, Activities: activities, Points: ledger,
		Articles: articles, Media: files, Evaluation: evaluations, Learning: learn, Reports: reports, Oversight: watch})
	return &App{Config: c, Logger: logger, DB: db, Auth: authSvc, Orgs: orgs, People: people, Consult: topics, Ideas: ideas, Notify: notices, Activities: activities,
		Points: ledger, Articles: articles, Media: files, Evaluation: evaluations, Learning: learn, Reports: reports, Oversight: watch,
		Catalog: cat, Handler: srv.Handler(), Routes: srv.Routes()}, nil
}

// Serve listens on the configured address until ctx ends, then shuts down gracefully:
// requests in flight get up to 15 seconds to finish. ready, if not nil, receives the
// URL once the listener is open.
func (a *App) Serve(ctx context.Context, ready func(url string)) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.Addr, err)
	}
	hs := a.httpServer()
	scheme := "http"
	if a.Config.TLSCert != "" {
		scheme = "https"
		hs.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	// Say where we serve before the first request is answered: the listener is open, so
	// a client that connects early waits in the backlog, and whoever watches the output
	// never sees a server that answers without having said so.
	if ready != nil {
		ready(scheme + "://" + displayAddr(ln.Addr().String()))
	}
	// The rankings index follows the ledger for as long as the server runs.
	indexCtx, stopIndex := context.WithCancel(ctx)
	defer stopIndex()
	go a.Points.Run(indexCtx, func(err error) { a.Logger.Error("points index", "err", err) })
	// The slow dashboards are computed ahead of the committees that open them.
	go a.Oversight.Run(indexCtx, func(err error) { a.Logger.Error("dashboard cache", "err", err) })
	errc := make(chan error, 1)
	go func() {
		if scheme == "https" {
			errc <- hs.ServeTLS(ln, a.Config.TLSCert, a.Config.TLSKey)
			return
		}
		errc <- hs.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Logger.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// httpServer is the server Serve runs, with its limits: a slow or stalled client cannot
// hold a connection open for ever, nor send unbounded headers.
func (a *App) httpServer() *http.Server {
	return &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
	}
}

// displayAddr turns 0.0.0.0 or [::] into localhost, so the printed URL can be opened.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" || strings.HasPrefix(host, "[::") {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// openRaw opens the database without migrating it, for `vanguard migrate` to report.
func openRaw(ctx context.Context, c Config) (*store.DB, error) {
	return store.Open(ctx, c.DB)
}
