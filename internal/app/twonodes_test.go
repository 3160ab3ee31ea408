package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vanguard/internal/app/apptest"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/oversight"
	"vanguard/internal/points"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// nodeHeader names, in each answer through the test proxy, the node that served it.
const nodeHeader = "X-Test-Node"

// twoNodes starts two application nodes over one PostgreSQL schema behind a reverse
// proxy that sends requests to them in turn, as a load balancer without stickiness.
type twoNodes struct {
	nodes [2]*apptest.Env
	proxy *apptest.Env // the proxy's address, for clients
	turn  atomic.Int64
}

func startTwoNodes(t *testing.T) *twoNodes {
	t.Helper()
	dsn := storetest.PostgresSchema(t)
	ctx := context.Background()
	// Both nodes open and migrate the schema at once, as two nodes started together do:
	// the migration lock must let exactly one of them apply the migrations.
	var dbs [2]*store.DB
	var errs [2]error
	var wg sync.WaitGroup
	for i := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := store.Open(ctx, dsn)
			if err == nil {
				_, err = db.Migrate(ctx)
			}
			dbs[i], errs[i] = db, err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	tn := &twoNodes{}
	targets := [2]*url.URL{}
	for i := range dbs {
		tn.nodes[i] = apptest.Start(t, dbs[i], apptest.Options{})
		targets[i], _ = url.Parse(tn.nodes[i].URL)
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			i := tn.turn.Add(1) % 2
			pr.SetURL(targets[i])
			pr.Out.Host = pr.In.Host // the nodes see the address the browser used
			pr.Out.Header.Set(nodeHeader, fmt.Sprint(i))
		},
		ModifyResponse: func(r *http.Response) error {
			r.Header.Set(nodeHeader, r.Request.Header.Get(nodeHeader))
			return nil
		},
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	tn.proxy = &apptest.Env{URL: srv.URL}
	return tn
}

// on makes the next request through the proxy go to node i.
func (tn *twoNodes) on(i int) { tn.turn.Store(int64(i+1) % 2) }

func served(t *testing.T, r *apptest.Response, want int) {
	t.Helper()
	if got := r.Header.Get(nodeHeader); got != fmt.Sprint(want) {
		t.Fatalf("served by node %q, want node %d", got, want)
	}
}

func TestTwoNodesBehindOneProxyAgree(t *testing.T) {
	tn := startTwoNodes(t)
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "two-nodes"})
	a := tn.nodes[0].App
	if _, err := a.Auth.CreateAccount(ctx, auth.NewAccount{Username: "secretary", Password: "a long passphrase", IsAdmin: true}); err != nil {
		t.Fatal(err)
	}
	root, err := a.Orgs.Create(ctx, org.NewOrg{Kind: org.Committee, Name: "两节点党委"})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a session made on one node works on the other", func(t *testing.T) {
		c := tn.proxy.Client(t)
		tn.on(0)
		r := c.PostForm("/login", url.Values{"username": {"secretary"}, "password": {"a long passphrase"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		}
		served(t, r, 0)
		r = c.Get("/account")
		served(t, r, 1)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "secretary") {
			t.Fatalf("the session from node 0 on node 1: %d", r.Status)
		}
		// Logging out on node 0 ends it on node 1 too.
		tn.on(0)
		if r := c.PostForm("/logout", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("logout: %d", r.Status)
		}
		if r := c.Get("/account"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
			t.Fatalf("the session ended on node 0 still works on node 1: %d", r.Status)
		}
	})

	t.Run("a write on one node is read on the other", func(t *testing.T) {
		c := tn.proxy.Client(t)
		tn.on(0)
		var tok struct {
			Token string `json:"token"`
		}
		r := c.JSON("POST", "/api/v1/tokens", map[string]string{"username": "secretary", "password": "a long passphrase"})
		served(t, r, 0)
		r.Decode(t, &tok)
		c.Token = tok.Token
		r = c.JSON("POST", "/api/v1/people", map[string]any{"name": "两节点", "id_number": uniqueIDNumber(4242),
			"org_id": root.ID, "stage": "resident"})
		served(t, r, 1) // the token issued on node 0 works on node 1
		if r.Status != http.StatusCreated {
			t.Fatalf("create on node 1: %d %s", r.Status, r.Body)
		}
		var p struct {
			ID int64 `json:"id"`
		}
		r.Decode(t, &p)
		r = c.Get(fmt.Sprintf("/api/v1/people/%d", p.ID))
		served(t, r, 0)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "两节点") {
			t.Fatalf("read on node 0 what node 1 wrote: %d %s", r.Status, r.Body)
		}
		// Revoking the token on node 0 revokes it on node 1.
		var list struct {
			Tokens []struct {
				ID int64 `json:"id"`
			} `json:"tokens"`
		}
		c.Get("/api/v1/tokens").Decode(t, &list)
		tn.on(0)
		if r := c.Do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", list.Tokens[len(list.Tokens)-1].ID), nil, nil); r.Status != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", r.Status, r.Body)
		}
		if r := c.Get("/api/v1/me"); r.Status != http.StatusUnauthorized {
			t.Fatalf("a token revoked on node 0 still works on node 1: %d", r.Status)
		}
	})

	t.Run("login throttling counts across nodes", func(t *testing.T) {
		c := tn.proxy.Client(t)
		tn.on(0)
		for i := 0; i < 5; i++ {
			r := c.PostForm("/login", url.Values{"username": {"secretary"}, "password": {"wrong password"}})
			served(t, r, i%2)
			if r.Status != http.StatusUnauthorized {
				t.Fatalf("wrong password %d: %d", i+1, r.Status)
			}
		}
		// The sixth, on either node — here node 1, which saw only two of the five — is
		// refused, even with the right password.
		r := c.PostForm("/login", url.Values{"username": {"secretary"}, "password": {"a long passphrase"}})
		served(t, r, 1)
		if r.Status != http.StatusTooManyRequests {
			t.Fatalf("the sixth attempt: %d, want 429", r.Status)
		}
		r = c.JSON("POST", "/api/v1/tokens", map[string]string{"username": "secretary", "password": "a long passphrase"})
		served(t, r, 0)
		if r.Status != http.StatusTooManyRequests {
			t.Fatalf("the seventh attempt, through the API on node 0: %d, want 429", r.Status)
		}
	})
}

// A point event acknowledged by one node shows in the rankings read from the other within
// a second: each node's index tails the ledger, and the ledger hands out ids in commit
// order, so the other node's next poll (a quarter of a second apart) finds it.
func TestTwoNodesAgreeOnRankingsWithinASecond(t *testing.T) {
	tn := startTwoNodes(t)
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "two-nodes"})
	a := tn.nodes[0].App
	if _, err := a.Auth.CreateAccount(ctx, auth.NewAccount{Username: "secretary", Password: "a long passphrase", IsAdmin: true}); err != nil {
		t.Fatal(err)
	}
	town, err := a.Orgs.Create(ctx, org.NewOrg{Kind: org.Committee, Name: "两节点党委"})
	if err != nil {
		t.Fatal(err)
	}
	branch, err := a.Orgs.Create(ctx, org.NewOrg{ParentID: town.ID, Kind: org.Branch, Name: "两节点支部"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Points.SaveSettings(ctx, points.Settings{OrgID: town.ID, Rankings: true, ObjectionDays: 15}); err != nil {
		t.Fatal(err)
	}
	var people []int64
	for i := 0; i < 3; i++ {
		p, err := a.People.Create(ctx, member.NewPerson{Name: fmt.Sprintf("党员%d", i), OrgID: branch.ID, Stage: member.StageFull,
			JoinedAt: time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		people = append(people, p.ID)
	}
	c := tn.proxy.Client(t)
	var tok struct {
		Token string `json:"token"`
	}
	c.JSON("POST", "/api/v1/tokens", map[string]string{"username": "secretary", "password": "a long passphrase"}).Decode(t, &tok)
	c.Token = tok.Token
	top := func(node int) string {
		t.Helper()
		tn.on(node)
		r := c.Get(fmt.Sprintf("/api/v1/orgs/%d/ranking?limit=1", town.ID))
		served(t, r, node)
		if r.Status != http.StatusOK {
			t.Fatalf("ranking on node %d: %d %s", node, r.Status, r.Body)
		}
		return r.Body
	}
	top(1) // node 1 builds its board before the writes, so it must follow them
	for round, who := range []int64{people[1], people[2], people[1]} {
		tn.on(0)
		r := c.JSON("POST", "/api/v1/points/events", map[string]any{"events": []any{map[string]any{
			"idempotency_key": fmt.Sprintf("two-nodes-%d", round), "person_id": who, "rule": "manual-award",
			"points": 10 + round, "note": "两节点", "occurred_at": time.Now().Add(-time.Minute)}}})
		served(t, r, 0)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `"recorded":1`) {
			t.Fatalf("record on node 0: %d %s", r.Status, r.Body)
		}
		time.Sleep(time.Second)
		want := fmt.Sprintf(`"person_id":%d`, who)
		if body := top(1); !strings.Contains(body, want) {
			t.Fatalf("round %d: a second after node 0 acknowledged, node 1's top is %s, want %s", round, body, want)
		}
	}
}

// A member added through one node shows in the dashboard read from the other no later than
// the cache's MaxStale: each node keeps the dashboards it computed, and past Fresh a
// request starts a refresh, past MaxStale it waits for one. The bounds are shortened here
// so that the test does not wait half a minute.
func TestTwoNodesAgreeOnDashboardsWithinTheirAge(t *testing.T) {
	tn := startTwoNodes(t)
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "two-nodes"})
	bounds := oversight.CacheOptions{Fresh: 200 * time.Millisecond, MaxStale: 2 * time.Second}
	for _, n := range tn.nodes {
		n.App.Oversight.SetCache(bounds)
	}
	a := tn.nodes[0].App
	if _, err := a.Auth.CreateAccount(ctx, auth.NewAccount{Username: "committee", Password: "a long passphrase", IsAdmin: true}); err != nil {
		t.Fatal(err)
	}
	town, err := a.Orgs.Create(ctx, org.NewOrg{Kind: org.Committee, Name: "看板党委"})
	if err != nil {
		t.Fatal(err)
	}
	branch, err := a.Orgs.Create(ctx, org.NewOrg{ParentID: town.ID, Kind: org.Branch, Name: "看板支部"})
	if err != nil {
		t.Fatal(err)
	}
	addMember := func(name string) {
		t.Helper()
		if _, err := a.People.Create(ctx, member.NewPerson{Name: name, OrgID: branch.ID, Stage: member.StageFull,
			JoinedAt: time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
	}
	addMember("党员甲")
	c := tn.proxy.Client(t)
	var tok struct {
		Token string `json:"token"`
	}
	c.JSON("POST", "/api/v1/tokens", map[string]string{"username": "committee", "password": "a long passphrase"}).Decode(t, &tok)
	c.Token = tok.Token
	type figures struct {
		Members int       `json:"members"`
		TakenAt time.Time `json:"taken_at"`
	}
	read := func(node int) figures {
		t.Helper()
		tn.on(node)
		r := c.Get(fmt.Sprintf("/api/v1/orgs/%d/dashboard", town.ID))
		served(t, r, node)
		if r.Status != http.StatusOK {
			t.Fatalf("dashboard on node %d: %d %s", node, r.Status, r.Body)
		}
		var f figures
		r.Decode(t, &f)
		return f
	}
	if f := read(1); f.Members != 1 {
		t.Fatalf("node 1 before the write: %d members, want 1", f.Members)
	}
	addMember("党员乙")
	written := time.Now()
	for {
		f := read(1)
		if f.Members == 2 {
			if f.TakenAt.Before(written.Add(-time.Second)) {
				t.Fatalf("node 1 shows the new member in figures taken at %v, before the write at %v", f.TakenAt, written)
			}
			break
		}
		// Figures taken before the write may be served only while they are younger than
		// MaxStale (a second of slack for the two clocks and the request).
		if age := time.Since(f.TakenAt); age > bounds.MaxStale+time.Second {
			t.Fatalf("node 1 served figures %v old without the new member (MaxStale %v)", age, bounds.MaxStale)
		}
		if time.Since(written) > bounds.MaxStale+5*time.Second {
			t.Fatalf("node 1 still shows %d members %v after the write", f.Members, time.Since(written))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if f := read(0); f.Members != 2 {
		t.Fatalf("node 0: %d members, want 2", f.Members)
	}
}
