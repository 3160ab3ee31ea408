// Package demo loads the demonstration data built from the five seed reports, so that a
// newcomer sees the platform at work with `vanguard serve --demo`.
package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/store"
)

// Account is a demo login and what it shows.
type Account struct {
	Username string
	Role     string // what the account is, in English, for the start-up message
}

// Accounts lists the demo accounts; each has the password auth.DemoPassword.
func Accounts() []Account {
	return []Account{
		{Username: "admin", Role: "system administrator"},
	}
}

const loadedKey = "demo_loaded_at"

// Loaded tells whether the demo data is already in the database.
func Loaded(ctx context.Context, db *store.DB) (bool, error) {
	var v string
	err := db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, loadedKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("demo: read settings: %w", err)
	}
	return true, nil
}

// ErrNotEmpty refuses to mix demo data into a database that already holds real data.
var ErrNotEmpty = errors.New("demo: the database already has accounts; demo data goes only into an empty database")

// Load puts the demo data into an empty database. The account service must be in demo
// mode, since every demo account has the demo password.
func Load(ctx context.Context, db *store.DB, accounts *auth.Service) error {
	if !accounts.DemoMode() {
		return errors.New("demo: the account service is not in demo mode")
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n); err != nil {
		return fmt.Errorf("demo: count accounts: %w", err)
	}
	if n > 0 {
		return ErrNotEmpty
	}
	ctx = audit.WithActor(ctx, audit.Actor{Name: "demo"})
	if _, err := accounts.CreateAccount(ctx, auth.NewAccount{
		Username: "admin", DisplayName: "Administrator", Password: auth.DemoPassword, IsAdmin: true,
	}); err != nil {
		return fmt.Errorf("demo: create admin: %w", err)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)`, loadedKey, time.Now().UTC().Format(time.RFC3339))
	if err != nil {
		return fmt.Errorf("demo: mark loaded: %w", err)
	}
	return nil
}
