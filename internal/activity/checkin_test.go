package activity_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

func (e *env) token(id int64) string {
	e.t.Helper()
	tok, err := e.svc.CheckinToken(e.ctx, e.admin, id)
	if err != nil {
		e.t.Fatalf("token: %v", err)
	}
	return tok.Value
}

// Every bad sign-in gets a clear error and changes nothing; a good one counts once.
func TestCheckIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		branch := e.org(root.ID, org.Branch, "支部")
		other := e.org(root.ID, org.Branch, "别的支部")
		m := e.full(branch.ID, "党员")
		m2 := e.full(branch.ID, "迟到的党员")
		stranger := e.full(other.ID, "外人")
		act := e.create(meeting(branch.ID))
		act2 := e.create(meeting(branch.ID))
		start := act.StartsAt

		// Before the window, no token is issued to the host either.
		e.clock.Set(start.Add(-31 * time.Minute))
		if _, err := e.svc.CheckinToken(e.ctx, e.admin, act.ID); !slices.Equal(errKeys(err), []string{"activity.error.checkin_not_open"}) {
			t.Errorf("a token before the window: %v", err)
		}
		if _, err := e.svc.CheckinToken(e.ctx, e.manager("outsider", other.ID), act.ID); !errors.Is(err, activity.ErrForbidden) {
			t.Errorf("a token for an outsider: %v", err)
		}
		e.clock.Set(start.Add(-30 * time.Minute))
		opening := e.token(act.ID)
		e.clock.Set(start.Add(-2 * time.Minute))
		current := e.token(act.ID)
		forged := current[:len(current)-2] + "AA"
		if forged == current {
			forged = current[:len(current)-2] + "BB"
		}
		slot, _, _ := strings.Cut(current, ".")

		before := e.snapshot()
		cases := []struct {
			name   string
			at     time.Time
			person int64
			token  string
			field  string
			key    string
		}{
			{"expired", start.Add(-2 * time.Minute), m.ID, opening, "token", "activity.error.token_expired"},
			{"forged signature", start.Add(-2 * time.Minute), m.ID, forged, "token", "activity.error.token_invalid"},
			{"forged slot", start.Add(-2 * time.Minute), m.ID, fmt.Sprint(mustAtoi(slot)+1) + current[len(slot):], "token", "activity.error.token_invalid"},
			{"garbage", start.Add(-2 * time.Minute), m.ID, "hello", "token", "activity.error.token_invalid"},
			{"empty", start.Add(-2 * time.Minute), m.ID, "", "token", "activity.error.token_invalid"},
			{"not in the audience", start.Add(-2 * time.Minute), stranger.ID, current, "person_id", "activity.error.not_in_audience"},
			{"before the window", start.Add(-31 * time.Minute), m.ID, current, "", "activity.error.checkin_not_open"},
			{"after the end", act.EndsAt.Add(time.Second), m.ID, current, "", "activity.error.checkin_closed"},
		}
		for _, c := range cases {
			e.clock.Set(c.at)
			_, err := e.svc.CheckIn(e.ctx, act.ID, c.person, c.token)
			got := errOf(err)
			if got == nil || got.Key != c.key || got.Field != c.field {
				t.Errorf("%s: %v, want %s on %q", c.name, err, c.key, c.field)
			}
		}
		if _, err := e.svc.CheckIn(e.ctx, 999999, m.ID, current); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a missing activity: %v", err)
		}
		// A token of one activity does not open another.
		e.clock.Set(start.Add(-2 * time.Minute))
		if _, err := e.svc.CheckIn(e.ctx, act2.ID, m.ID, current); !slices.Equal(errKeys(err), []string{"activity.error.token_invalid"}) {
			t.Errorf("another activity's token: %v", err)
		}
		if after := e.snapshot(); after != before {
			t.Errorf("refused sign-ins changed the database")
		}

		// The previous slot's token is still good; the member counts once.
		e.clock.Set(start.Add(-2*time.Minute + activity.SlotSeconds*time.Second))
		at, err := e.svc.CheckIn(e.ctx, act.ID, m.ID, current)
		if err != nil {
			t.Fatalf("sign in with the previous slot's token: %v", err)
		}
		if at.Presence != activity.Present || at.Method != activity.MethodQR || at.SignedInAt == nil {
			t.Errorf("signed in: %+v", at)
		}
		snap := e.snapshot()
		if _, err := e.svc.CheckIn(e.ctx, act.ID, m.ID, e.token(act.ID)); !slices.Equal(errKeys(err), []string{"activity.error.already_signed_in"}) {
			t.Errorf("twice: %v", err)
		}
		if e.snapshot() != snap {
			t.Error("signing in twice changed the database")
		}
		// Fifteen minutes after the start is still on time; a second more is late.
		e.clock.Set(start.Add(activity.LateAfter + time.Second))
		at, err = e.svc.CheckIn(e.ctx, act.ID, m2.ID, e.token(act.ID))
		if err != nil || at.Presence != activity.Late {
			t.Errorf("late sign-in: %+v, %v", at, err)
		}
		// A person who joined the branch after the invitations went out is in the audience.
		newcomer := e.full(branch.ID, "新调入")
		if _, err := e.svc.CheckIn(e.ctx, act.ID, newcomer.ID, e.token(act.ID)); err != nil {
			t.Errorf("a newcomer: %v", err)
		}
		if tally, _ := e.svc.Tally(e.ctx, act.ID); tally != (activity.Tally{Present: 1, Late: 2}) {
			t.Errorf("tally = %+v", tally)
		}
		// A cancelled activity takes no sign-in.
		e.move(act2.ID, activity.Cancelled)
		if _, err := e.svc.CheckIn(e.ctx, act2.ID, m.ID, current); !slices.Equal(errKeys(err), []string{"activity.error.cancelled"}) {
			t.Errorf("a cancelled activity: %v", err)
		}
	})
}

// The window is configurable, and the secret lives in the database: a second node
// issues and accepts the same tokens.
func TestCheckInAcrossNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		branch := e.org(root.ID, org.Branch, "支部")
		m := e.full(branch.ID, "党员")
		act := e.create(meeting(branch.ID))
		if n := e.count(`SELECT COUNT(*) FROM settings WHERE key = 'activity.checkin_secret'`); n != 0 {
			t.Fatalf("a secret exists before first use")
		}
		other := activity.New(db, activity.Options{Now: e.clock.Now, CheckinOpensBefore: time.Hour, CheckinClosesAfter: 10 * time.Minute})

		// Both nodes' first use at once: one secret is made, and both issue the same token.
		e.clock.Set(act.StartsAt.Add(-10 * time.Minute))
		var wg sync.WaitGroup
		tokens := make([]string, 16)
		for i := range tokens {
			node := e.svc
			if i%2 == 1 {
				node = other
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if tok, err := node.CheckinToken(e.ctx, e.admin, act.ID); err != nil {
					t.Errorf("first use: %v", err)
				} else {
					tokens[i] = tok.Value
				}
			}()
		}
		wg.Wait()
		for _, tok := range tokens {
			if tok != tokens[0] {
				t.Fatalf("the nodes issued different tokens: %v", tokens)
			}
		}

		e.clock.Set(act.StartsAt.Add(-45 * time.Minute))
		tok, err := other.CheckinToken(e.ctx, e.admin, act.ID)
		if err != nil {
			t.Fatalf("a node opening an hour before: %v", err)
		}
		if _, err := e.svc.CheckinToken(e.ctx, e.admin, act.ID); !slices.Equal(errKeys(err), []string{"activity.error.checkin_not_open"}) {
			t.Errorf("the default window opened 45 minutes before: %v", err)
		}
		e.clock.Set(act.StartsAt.Add(-29 * time.Minute))
		same, err := e.svc.CheckinToken(e.ctx, e.admin, act.ID)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Set(act.StartsAt.Add(-45 * time.Minute))
		if again, _ := other.CheckinToken(e.ctx, e.admin, act.ID); again.Value != tok.Value {
			t.Errorf("the same node, same slot: %s then %s", tok.Value, again.Value)
		}
		if n := e.count(`SELECT COUNT(*) FROM settings WHERE key = 'activity.checkin_secret'`); n != 1 {
			t.Errorf("%d secrets", n)
		}
		e.clock.Set(act.StartsAt.Add(-29 * time.Minute))
		if _, err := other.CheckIn(e.ctx, act.ID, m.ID, same.Value); err != nil {
			t.Errorf("a token of one node at the other: %v", err)
		}
		if opens, closes := other.Window(act); !opens.Equal(act.StartsAt.Add(-time.Hour)) || !closes.Equal(act.EndsAt.Add(10*time.Minute)) {
			t.Errorf("window %v – %v", opens, closes)
		}
	})
}

// Five hundred members sign in within the same moment: each counts once. One member
// signing in twenty times at once counts once.
func TestConcurrentCheckIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		branch := e.org(root.ID, org.Branch, "大支部")
		const n = 500
		people := make([]int64, n)
		for i := range people {
			people[i] = e.full(branch.ID, fmt.Sprintf("党员%03d", i)).ID
		}
		act := e.create(meeting(branch.ID))
		e.clock.Set(act.StartsAt.Add(-time.Minute))
		tok := e.token(act.ID)

		var wg sync.WaitGroup
		errs := make(chan error, n+20)
		startGun := make(chan struct{})
		twice := people[7]
		for _, id := range people {
			if id == twice {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-startGun
				if _, err := e.svc.CheckIn(e.ctx, act.ID, id, tok); err != nil {
					errs <- fmt.Errorf("person %d: %w", id, err)
				}
			}()
		}
		// Meanwhile, one of them twenty times.
		var already sync.WaitGroup
		var alreadyCount, okCount int
		var mu sync.Mutex
		for range 20 {
			already.Add(1)
			go func() {
				defer already.Done()
				<-startGun
				_, err := e.svc.CheckIn(e.ctx, act.ID, twice, tok)
				mu.Lock()
				defer mu.Unlock()
				var ie *i18n.Error
				switch {
				case err == nil:
					okCount++
				case errors.As(err, &ie) && ie.Key == "activity.error.already_signed_in":
					alreadyCount++
				default:
					errs <- err
				}
			}()
		}
		began := time.Now()
		close(startGun)
		wg.Wait()
		already.Wait()
		close(errs)
		t.Logf("%d sign-ins and 20 repeats in %v", n-1, time.Since(began).Round(time.Millisecond))
		var failed int
		for err := range errs {
			failed++
			if failed < 5 {
				t.Error(err)
			}
		}
		if failed > 0 {
			t.Fatalf("%d sign-ins failed", failed)
		}
		if okCount != 1 || alreadyCount != 19 {
			t.Errorf("the twenty repeats: %d succeeded, %d already signed in", okCount, alreadyCount)
		}
		tally, err := e.svc.Tally(e.ctx, act.ID)
		if err != nil || tally != (activity.Tally{Present: n}) {
			t.Errorf("tally = %+v, %v; want %d present", tally, err, n)
		}
		if got := e.count(`SELECT COUNT(*) FROM attendance WHERE activity_id = $1`, act.ID); got != n {
			t.Errorf("%d attendance rows", got)
		}
		if got := e.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'checkin'`); got != n {
			t.Errorf("%d sign-ins audited, want %d", got, n)
		}
	})
}

func mustAtoi(s string) int64 {
	var n int64
	fmt.Sscan(s, &n)
	return n
}
