package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

func TestSessionsCanBeListedAndRevoked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		s := newService(db, false, &now)
		a, err := s.CreateAccount(ctx, auth.NewAccount{Username: "secretary", Password: "a long passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateAccount(ctx, auth.NewAccount{Username: "other", Password: "a long passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		old, _ := s.StartSession(ctx, a.ID, "Old Phone")
		now = now.Add(31 * 24 * time.Hour) // the first session has expired
		phone, _ := s.StartSession(ctx, a.ID, "Mozilla/5.0 (iPhone)")
		now = now.Add(time.Hour)
		laptop, _ := s.StartSession(ctx, a.ID, "Mozilla/5.0 (X11; Linux)")
		now = now.Add(time.Hour)
		desk, _ := s.StartSession(ctx, a.ID, "Mozilla/5.0 (Windows NT 10.0)")
		theirs, _ := s.StartSession(ctx, other.ID, "someone else")

		list, err := s.Sessions(ctx, a.ID, laptop)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 {
			t.Fatalf("Sessions = %d sessions, want the 3 live ones: %+v", len(list), list)
		}
		if list[0].UserAgent != "Mozilla/5.0 (Windows NT 10.0)" || list[2].UserAgent != "Mozilla/5.0 (iPhone)" {
			t.Errorf("not the most recently used first: %+v", list)
		}
		for _, x := range list {
			if x.Current != (x.ID == auth.SessionID(laptop)) {
				t.Errorf("session %s (%s) current = %v", x.ID, x.UserAgent, x.Current)
			}
			if len(x.ID) != 16 || x.ID == laptop[:16] {
				t.Errorf("session ID %q is not a 16-digit prefix of the hash", x.ID)
			}
		}
		_ = old

		// Another account cannot revoke it, nor can a made-up or malformed ID.
		for _, c := range []struct {
			account int64
			id      string
		}{{other.ID, auth.SessionID(phone)}, {a.ID, "0000000000000000"}, {a.ID, "x"}, {a.ID, auth.SessionID(theirs)}} {
			if err := s.RevokeSession(ctx, c.account, c.id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("RevokeSession(%d, %q) = %v, want ErrNotFound", c.account, c.id, err)
			}
		}
		if err := s.RevokeSession(ctx, a.ID, auth.SessionID(phone)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionAccount(ctx, phone); !errors.Is(err, auth.ErrNoSession) {
			t.Fatalf("a revoked session still works: %v", err)
		}
		if _, err := s.SessionAccount(ctx, theirs); err != nil {
			t.Fatalf("revoking one account's session ended another's: %v", err)
		}

		n, err := s.EndOtherSessions(ctx, a.ID, laptop)
		if err != nil || n < 1 {
			t.Fatalf("EndOtherSessions = %d, %v", n, err)
		}
		if _, err := s.SessionAccount(ctx, desk); !errors.Is(err, auth.ErrNoSession) {
			t.Fatalf("another session survived sign-out everywhere else: %v", err)
		}
		if _, err := s.SessionAccount(ctx, laptop); err != nil {
			t.Fatalf("the current session was ended too: %v", err)
		}
		if _, err := s.SessionAccount(ctx, theirs); err != nil {
			t.Fatalf("another account's session was ended: %v", err)
		}
		if n, err := s.EndOtherSessions(ctx, a.ID, laptop); err != nil || n != 0 {
			t.Fatalf("a second EndOtherSessions = %d, %v", n, err)
		}

		lines, err := audit.For(ctx, db, "session", a.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(lines) != 2 || lines[0].Action != "revoke-others" || lines[1].Action != "revoke" {
			t.Fatalf("audit lines = %+v, want a revoke and a revoke-others", lines)
		}
	})
}
