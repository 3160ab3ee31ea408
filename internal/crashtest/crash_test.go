package crashtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

const (
	kills       = 20  // SIGKILLs per engine
	workers     = 4   // concurrent writers
	minUptimeMs = 60  // a kill comes between minUptimeMs and maxUptimeMs after the server is ready
	maxUptimeMs = 450 //
	password    = "crash-test-passphrase"
)

// harness is one engine's run.
type harness struct {
	t      *testing.T
	srv    *server
	c      *client
	orgID  int64
	kinds  []writeKind
	engine store.Engine
	dsn    string // the database, for the integrity check between runs

	lost  atomic.Int64 // attempts whose answer never came
	found atomic.Int64 // refused retries of a write an unanswered attempt had made

	topicID, optionID int64 // the topic the voters vote on, and the option they choose
	activityID        int64 // the activity the photos are attached to
}

func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it 20 times per engine")
	}
	bin := buildVanguard(t)
	t.Run("sqlite", func(t *testing.T) {
		dataDir := t.TempDir()
		runCrashes(t, bin, dataDir, store.SQLite, filepath.Join(dataDir, "vanguard.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := storetest.PostgresSchema(t)
		runCrashes(t, bin, t.TempDir(), store.Postgres, dsn)
	})
}

func runCrashes(t *testing.T, bin, dataDir string, engine store.Engine, dsn string) {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("VANGUARD_CRASH_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	t.Logf("seed %d (set VANGUARD_CRASH_SEED to repeat the kill times)", seed)

	flags := []string{"--data-dir", dataDir, "--log-level", "warn"}
	if engine == store.Postgres {
		flags = append(flags, "--db", dsn)
	}
	admin := exec.Command(bin, append([]string{"admin", "create", "--username", "crash"}, flags...)...)
	admin.Env = cleanEnv("VANGUARD_ADMIN_PASSWORD=" + password)
	if out, err := admin.CombinedOutput(); err != nil {
		t.Fatalf("admin create: %v\n%s", err, out)
	}
	village, err := addVoters(dsn)
	if err != nil {
		t.Fatalf("voters: %v", err)
	}
	srv := &server{t: t, bin: bin, args: flags, env: cleanEnv()}
	t.Cleanup(srv.cleanup)
	if err := srv.start(); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, srv: srv, kinds: writeKinds(), engine: engine, dsn: dsn,
		c: &client{base: srv.url, hc: &http.Client{Timeout: 10 * time.Second}}}
	var tok struct {
		Token string `json:"token"`
	}
	if err := h.c.must(t, "POST", "/api/v1/tokens", map[string]string{"username": "crash", "password": password, "name": "crash"}, http.StatusCreated).decode(&tok); err != nil {
		t.Fatal(err)
	}
	h.c.token = tok.Token
	var o struct {
		ID int64 `json:"id"`
	}
	if err := h.c.must(t, "POST", "/api/v1/orgs", map[string]any{"kind": "committee", "name": "崩溃测试党委"}, http.StatusCreated).decode(&o); err != nil {
		t.Fatal(err)
	}
	h.orgID = o.ID
	h.setUpVoteAndActivity(village)

	// Writers go on through every kill; each finishes the subject it is on before
	// stopping.
	var (
		stop     atomic.Bool
		next     atomic.Int64
		mu       sync.Mutex
		subjects []*subject
		errs     []error
		wg       sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				n := int(next.Add(1))
				if n > voterPool {
					return // every voter has voted; the kills go on without new subjects
				}
				s := newSubject(n)
				mu.Lock()
				subjects = append(subjects, s)
				mu.Unlock()
				if err := h.drive(s); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					stop.Store(true)
					return
				}
			}
		}()
	}
	start := time.Now()
	for i := 0; i < kills && !stop.Load(); i++ {
		time.Sleep(time.Duration(minUptimeMs+rng.IntN(maxUptimeMs-minUptimeMs)) * time.Millisecond)
		if err := srv.kill(); err != nil {
			stop.Store(true)
			wg.Wait()
			t.Fatalf("kill %d: %v", i+1, err)
		}
		if err := h.checkIntegrity(); err != nil {
			stop.Store(true)
			wg.Wait()
			t.Fatalf("after kill %d: %v", i+1, err)
		}
		if err := srv.start(); err != nil {
			stop.Store(true)
			wg.Wait()
			t.Fatalf("restart %d: %v", i+1, err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("writers: %v", errs)
	}
	elapsed := time.Since(start)

	// Every write is on the server exactly once.
	acked := 0
	for _, s := range subjects {
		for _, k := range h.kinds {
			if !s.acked[k.name] {
				t.Errorf("subject %d: %s was never acknowledged", s.n, k.name)
				continue
			}
			acked++
			n, err := k.count(h.c, h, s)
			if err != nil {
				t.Fatalf("count %s of subject %d: %v", k.name, s.n, err)
			}
			if n != 1 {
				t.Errorf("subject %d (%s): %s is on the server %d times, want exactly once", s.n, s.name, k.name, n)
			}
		}
	}
	// And nothing else was created: the organization holds exactly the subjects.
	var page struct {
		Total int `json:"total"`
	}
	if err := h.c.must(t, "GET", "/api/v1/people?org="+strconv.FormatInt(h.orgID, 10)+"&limit=1", nil, http.StatusOK).decode(&page); err != nil {
		t.Fatal(err)
	}
	if page.Total != len(subjects) {
		t.Errorf("the organization holds %d people, want the %d subjects", page.Total, len(subjects))
	}
	for _, k := range h.kinds {
		if k.total == nil {
			continue
		}
		n, err := k.total(h.c, h)
		if err != nil {
			t.Fatalf("count every %s: %v", k.name, err)
		}
		if n != len(subjects) {
			t.Errorf("the server holds %d of %s, want one for each of the %d subjects", n, k.name, len(subjects))
		}
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	if err := h.checkIntegrity(); err != nil {
		t.Fatalf("after the last stop: %v", err)
	}
	t.Logf("%d kills and %d clean starts in %s: %d acknowledged writes of %d subjects, each present exactly once; "+
		"%d attempts lost their answer, %d of them had been taken and were found on the retry",
		kills, srv.starts, elapsed.Round(time.Millisecond), acked, len(subjects), h.lost.Load(), h.found.Load())
}

// setUpVoteAndActivity opens the topic the voters of village vote on, with its results
// shown as the vote runs so that the tally can be compared with who voted, and plans the
// activity whose record the photos are attached to. Both are made while the server is up
// and before any kill.
func (h *harness) setUpVoteAndActivity(village int64) {
	t := h.t
	now := time.Now()
	var topic struct {
		ID      int64 `json:"id"`
		Options []struct {
			ID int64 `json:"id"`
		} `json:"options"`
	}
	if err := h.c.must(t, "POST", "/api/v1/topics", map[string]any{"org_id": village, "title": "崩溃测试议题", "vote_kind": "proposal",
		"eligibility": "members_residents", "results": "live",
		"opens_at": now.Add(-time.Minute).Format(time.RFC3339), "closes_at": now.Add(24 * time.Hour).Format(time.RFC3339)},
		http.StatusCreated).decode(&topic); err != nil {
		t.Fatal(err)
	}
	if len(topic.Options) == 0 {
		t.Fatal("the topic has no options")
	}
	h.topicID, h.optionID = topic.ID, topic.Options[0].ID
	var act struct {
		ID int64 `json:"id"`
	}
	if err := h.c.must(t, "POST", "/api/v1/activities", map[string]any{"kind": "theme_day", "host_ids": []int64{h.orgID},
		"title": "崩溃测试主题党日", "starts_at": now.Add(-time.Hour), "ends_at": now.Add(time.Hour), "place": "党员活动室"},
		http.StatusCreated).decode(&act); err != nil {
		t.Fatal(err)
	}
	h.activityID = act.ID
}

// drive takes a subject through every kind of write.
func (h *harness) drive(s *subject) error {
	for _, k := range h.kinds {
		if err := h.until(k, s); err != nil {
			return err
		}
	}
	return nil
}

// until sends a write until the server takes it: again after no answer (the server
// died, or is down), and, after a refusal, asks whether an earlier attempt whose answer
// was lost had been taken.
func (h *harness) until(k writeKind, s *subject) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		r, err := k.send(h.c, h, s)
		if err != nil {
			h.lost.Add(1)
			time.Sleep(20 * time.Millisecond)
			continue
		}
		switch {
		case r.status >= 200 && r.status < 300:
			if err := k.accept(s, r); err != nil {
				return fmt.Errorf("%s of subject %d: %v", k.name, s.n, err)
			}
			s.acked[k.name] = true
			return nil
		case r.status >= 500:
			return fmt.Errorf("%s of subject %d: status %d: %s", k.name, s.n, r.status, r.body)
		}
		n, err := k.count(h.c, h, s)
		if err != nil {
			if strings.Contains(err.Error(), "status") {
				return fmt.Errorf("%s of subject %d: refused (%d %s), then: %v", k.name, s.n, r.status, r.body, err)
			}
			time.Sleep(20 * time.Millisecond)
			continue // the server died between the refusal and the count: send again
		}
		if n == 1 {
			h.found.Add(1)
			s.acked[k.name] = true
			return nil
		}
		return fmt.Errorf("%s of subject %d: refused with %d %s, and it is on the server %d times", k.name, s.n, r.status, r.body, n)
	}
	return fmt.Errorf("%s of subject %d: not taken within two minutes", k.name, s.n)
}

// checkIntegrity runs the engine's integrity check while the server is down (SQLite:
// PRAGMA integrity_check over the file the killed process left, WAL included).
func (h *harness) checkIntegrity() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := store.Open(ctx, h.dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CheckIntegrity(ctx); err != nil {
		return err
	}
	return db.CheckSchema(ctx)
}
