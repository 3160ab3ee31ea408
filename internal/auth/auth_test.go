package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

func newService(db *store.DB, demo bool, now *time.Time) *auth.Service {
	return auth.New(db, auth.Options{Hash: auth.TestHashParams, DemoMode: demo, Now: func() time.Time { return *now }})
}

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := auth.HashPassword("correct horse", auth.TestHashParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") {
		t.Fatalf("hash %q is not a PHC argon2id string", h)
	}
	if ok, err := auth.VerifyPassword("correct horse", h); !ok || err != nil {
		t.Fatalf("right password: %v, %v", ok, err)
	}
	if ok, _ := auth.VerifyPassword("correct hors", h); ok {
		t.Fatal("wrong password verified")
	}
	if _, err := auth.VerifyPassword("x", "$bcrypt$nonsense"); err == nil {
		t.Fatal("a malformed hash verified without error")
	}
}

func TestLoginAndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		s := newService(db, false, &now)
		a, err := s.CreateAccount(ctx, auth.NewAccount{Username: "Secretary", Password: "a long passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		if a.Username != "secretary" {
			t.Errorf("username stored as %q, want lower case", a.Username)
		}
		if _, err := s.CreateAccount(ctx, auth.NewAccount{Username: "secretary", Password: "another long one"}); err == nil {
			t.Fatal("a second account with the same username was created")
		}
		got, err := s.Authenticate(ctx, "SECRETARY", "a long passphrase", "10.0.0.1")
		if err != nil || got.ID != a.ID {
			t.Fatalf("Authenticate = %+v, %v", got, err)
		}
		token, err := s.StartSession(ctx, a.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.SessionAccount(ctx, token); err != nil || got.ID != a.ID {
			t.Fatalf("SessionAccount = %+v, %v", got, err)
		}
		now = now.Add(31 * 24 * time.Hour)
		if _, err := s.SessionAccount(ctx, token); !errors.Is(err, auth.ErrNoSession) {
			t.Fatalf("an idle session older than 30 days still works: %v", err)
		}
		token, _ = s.StartSession(ctx, a.ID, "test")
		if err := s.EndSession(ctx, token); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionAccount(ctx, token); !errors.Is(err, auth.ErrNoSession) {
			t.Fatalf("session works after logout: %v", err)
		}
		// A password change ends every session.
		token, _ = s.StartSession(ctx, a.ID, "test")
		if err := s.SetPassword(ctx, a.ID, "a brand new passphrase"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionAccount(ctx, token); !errors.Is(err, auth.ErrNoSession) {
			t.Fatalf("session survived a password change: %v", err)
		}
	})
}

func TestSixthWrongPasswordWithinAMinuteIsThrottled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		s := newService(db, false, &now)
		if _, err := s.CreateAccount(ctx, auth.NewAccount{Username: "branch", Password: "right password"}); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 5; i++ {
			if _, err := s.Authenticate(ctx, "branch", "wrong", "10.0.0.1"); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("attempt %d: %v, want bad credentials", i, err)
			}
		}
		// Throttled even with the right password, and from another address: the account is counted.
		if _, err := s.Authenticate(ctx, "branch", "right password", "10.0.0.2"); !errors.Is(err, auth.ErrThrottled) {
			t.Fatalf("6th attempt: %v, want throttled", err)
		}
		// The address is counted too: guessing another account from it is refused.
		if _, err := s.Authenticate(ctx, "someone-else", "x", "10.0.0.1"); !errors.Is(err, auth.ErrThrottled) {
			t.Fatalf("same address, other account: %v, want throttled", err)
		}
		now = now.Add(61 * time.Second)
		if _, err := s.Authenticate(ctx, "branch", "right password", "10.0.0.1"); err != nil {
			t.Fatalf("after a minute the right password is refused: %v", err)
		}
	})
}

func TestDemoPasswordOnlyInDemoMode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		demo := newService(db, true, &now)
		if _, err := demo.CreateAccount(ctx, auth.NewAccount{Username: "admin", Password: auth.DemoPassword, IsAdmin: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.Authenticate(ctx, "admin", auth.DemoPassword, "a"); err != nil {
			t.Fatalf("demo mode refuses the demo password: %v", err)
		}
		real := newService(db, false, &now)
		if _, err := real.Authenticate(ctx, "admin", auth.DemoPassword, "a"); !errors.Is(err, auth.ErrDemoPassword) {
			t.Fatalf("outside demo mode the demo password logs in: %v", err)
		}
		_, err := real.CreateAccount(ctx, auth.NewAccount{Username: "real", Password: auth.DemoPassword})
		var e *i18n.Error
		if !errors.As(err, &e) || e.Key != "auth.error.demo_password" {
			t.Fatalf("creating an account with the demo password outside demo mode: %v", err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		s := newService(db, false, &now)
		a, _ := s.CreateAccount(ctx, auth.NewAccount{Username: "api", Password: "a long passphrase"})
		b, _ := s.CreateAccount(ctx, auth.NewAccount{Username: "other", Password: "a long passphrase"})
		id, token, err := s.IssueToken(ctx, a.ID, "sync")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.TokenAccount(ctx, token); err != nil || got.ID != a.ID {
			t.Fatalf("TokenAccount = %+v, %v", got, err)
		}
		var stored int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1`, token).Scan(&stored)
		if stored != 0 {
			t.Fatal("the token is stored in clear")
		}
		if err := s.RevokeToken(ctx, b.ID, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another account revoked the token: %v", err)
		}
		if err := s.RevokeToken(ctx, a.ID, id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenAccount(ctx, token); !errors.Is(err, auth.ErrNoSession) {
			t.Fatalf("revoked token still works: %v", err)
		}
		lines, err := audit.For(ctx, db, "api_token", id, 10)
		if err != nil || len(lines) != 2 || lines[0].Action != "revoke" || lines[1].Action != "issue" {
			t.Fatalf("audit lines = %+v, %v; want revoke then issue", lines, err)
		}
	})
}
