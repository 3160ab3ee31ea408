package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/auth"
	"vanguard/internal/bench"
	"vanguard/internal/demo"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// runLoad is "vanguard bench load": the demo on a fresh SQLite database, served in this
// process, and concurrent clients on the pages people use most — the member's home, an
// activity page, the QR sign-in page, the points API and the public portal. --for sets
// the run; a long run (the soak) samples the process's memory every --sample.
func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := bench.LoadOptions{Clients: 200, For: time.Minute, SampleEvery: 10 * time.Second, Log: stderr}
	var report string
	fs := flag.NewFlagSet("bench load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.Clients, "clients", o.Clients, "concurrent clients")
	fs.DurationVar(&o.For, "for", o.For, "how long the clients run")
	fs.DurationVar(&o.SampleEvery, "sample", o.SampleEvery, "how often the memory is sampled")
	fs.StringVar(&report, "report", "", "also write the results as Markdown to this file")
	if err := fs.Parse(args); err != nil {
		return &UsageError{Msg: err.Error()}
	}
	dir, err := os.MkdirTemp("", "vanguard-load")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, filepath.Join(dir, "load.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	a, err := New(Config{Demo: true, DataDir: dir, LogLevel: "error", LogFormat: "text"}, db, slog.New(slog.NewTextHandler(io.Discard, nil)), auth.DefaultHashParams)
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, "loading the demo…")
	if err := demo.Load(ctx, db, a.Auth); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go a.Points.Run(runCtx, func(error) {})
	base := "http://" + ln.Addr().String()
	targets, err := loadTargets(ctx, a, db, base)
	if err != nil {
		return err
	}
	o.Memory = heapInUse
	fmt.Fprintf(stderr, "%d clients for %s…\n", o.Clients, o.For)
	res := bench.Load(ctx, base, targets, o)
	title := "Load"
	if o.For >= 5*time.Minute {
		title = "Soak"
	}
	md := bench.LoadMarkdown(res, title, "vanguard bench load "+strings.Join(args, " "))
	fmt.Fprint(stdout, md)
	for _, t := range res.Targets {
		if t.Errors > 0 {
			fmt.Fprintf(stderr, "%s: %d errors, the first: %s\n", t.Name, t.Errors, t.FirstErr)
		}
	}
	if report != "" {
		return os.WriteFile(report, []byte(md), 0o644)
	}
	return nil
}

// heapInUse is the Go heap in use after a collection: the memory the server holds (the
// clients, in the same process, hold little between requests).
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// loadTargets signs in as the demo member and the branch secretary and finds what they
// look at: the member's meeting, its sign-in page with a fresh QR token, the member's
// points, a portal with reports.
func loadTargets(ctx context.Context, a *App, db *store.DB, base string) ([]bench.Target, error) {
	member, err := session(base, "member")
	if err != nil {
		return nil, err
	}
	secretary, err := session(base, "branch")
	if err != nil {
		return nil, err
	}
	var personID, activityID, portalOrg int64
	if err := db.QueryRowContext(ctx, `SELECT p.id FROM people p JOIN accounts a ON a.id = p.account_id WHERE a.username = 'member'`).Scan(&personID); err != nil {
		return nil, fmt.Errorf("load: the demo member: %w", err)
	}
	var branchID int64
	if err := db.QueryRowContext(ctx, `SELECT org_id FROM people WHERE id = $1`, personID).Scan(&branchID); err != nil {
		return nil, fmt.Errorf("load: the member's branch: %w", err)
	}
	// A meeting of the member's branch starting now, so its QR sign-in is open.
	admin := org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage)
	now := time.Now()
	meeting, err := a.Activities.Create(ctx, admin, activity.Input{Kind: activity.ThemeDay, HostIDs: []int64{branchID},
		Title: "主题党日（负载测试）", StartsAt: now, EndsAt: now.Add(2 * time.Hour), Place: "党员活动室"})
	if err != nil {
		return nil, fmt.Errorf("load: a meeting: %w", err)
	}
	activityID = meeting.ID
	// The rank needs rankings on in the branch (the demo switches them on in one).
	set, err := a.Points.Settings(ctx, branchID)
	if err != nil {
		return nil, err
	}
	if !set.Rankings {
		set.Rankings = true
		if err := a.Points.SaveSettings(ctx, set); err != nil {
			return nil, err
		}
	}
	if err := db.QueryRowContext(ctx, `SELECT org_id FROM articles WHERE status = 'published' ORDER BY id LIMIT 1`).Scan(&portalOrg); err != nil {
		return nil, fmt.Errorf("load: a portal: %w", err)
	}
	tok, err := a.Activities.CheckinToken(ctx, admin, activityID)
	if err != nil {
		return nil, fmt.Errorf("load: a sign-in token: %w", err)
	}
	memberToken, err := apiToken(base, "member")
	if err != nil {
		return nil, err
	}
	bearer := http.Header{"Authorization": {"Bearer " + memberToken}}
	// Scanning the QR code opens this page, which signs the member in: the first visit
	// signs in, every later one says so again. The run expects what a repeat answers.
	checkin := bench.Target{Name: "QR sign-in page (repeat scans)", Header: member,
		Path: "/activities/" + strconv.FormatInt(activityID, 10) + "/checkin?token=" + url.QueryEscape(tok.Value)}
	// The code on the meeting room's screen rotates; the clients scan the current one.
	var mu sync.Mutex
	current, fetched := checkin.Path, time.Now()
	checkin.Fresh = func() string {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(fetched) > 10*time.Second {
			if t, err := a.Activities.CheckinToken(ctx, admin, activityID); err == nil {
				current, fetched = "/activities/"+strconv.FormatInt(activityID, 10)+"/checkin?token="+url.QueryEscape(t.Value), time.Now()
			}
		}
		return current
	}
	for range 2 {
		if checkin.Want, err = probe(base, checkin); err != nil {
			return nil, err
		}
	}
	id := strconv.FormatInt
	return []bench.Target{
		{Name: "member home `/`", Path: "/", Header: member},
		{Name: "activity page", Path: "/activities/" + id(activityID, 10), Header: secretary},
		checkin,
		{Name: "points API: ledger", Path: "/api/v1/people/" + id(personID, 10) + "/points", Header: bearer},
		{Name: "points API: rank", Path: "/api/v1/people/" + id(personID, 10) + "/rank", Header: bearer},
		{Name: "portal home", Path: "/portal/" + id(portalOrg, 10)},
		{Name: "portal search 党员", Path: "/portal/search?q=" + url.QueryEscape("党员")},
	}, nil
}

// session signs a demo account in and returns its cookie header.
func session(base, username string) (http.Header, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/login", url.Values{"username": {username}, "password": {auth.DemoPassword}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("load: sign in as %s: %d", username, resp.StatusCode)
	}
	u, _ := url.Parse(base)
	var parts []string
	for _, ck := range jar.Cookies(u) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return http.Header{"Cookie": {strings.Join(parts, "; ")}}, nil
}

func apiToken(base, username string) (string, error) {
	body := `{"username":"` + username + `","password":"` + auth.DemoPassword + `","name":"load"}`
	resp, err := http.Post(base+"/api/v1/tokens", "application/json", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("load: token for %s: %d %s", username, resp.StatusCode, b)
	}
	_, rest, _ := strings.Cut(string(b), `"token":"`)
	token, _, _ := strings.Cut(rest, `"`)
	return token, nil
}

// probe asks for a target once and returns the status.
func probe(base string, t bench.Target) (int, error) {
	req, err := http.NewRequest("GET", base+t.Path, nil)
	if err != nil {
		return 0, err
	}
	req.Header = t.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
