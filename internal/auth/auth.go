// Package auth keeps accounts, passwords, browser sessions, API tokens and the login
// throttle. Rights on organizations (scoped roles) live with the organization tree.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/store"
)

// DemoPassword is the password of every demo account. It is refused outside demo mode,
// so a demo database served for real cannot be entered with a published password.
const DemoPassword = "vanguard-demo"

var (
	ErrBadCredentials = errors.New("auth: wrong username or password")
	ErrThrottled      = errors.New("auth: too many failed logins, try again in a minute")
	ErrDemoPassword   = errors.New("auth: the demo password is only accepted in demo mode")
	ErrNoSession      = errors.New("auth: no such session or token")
)

// Login throttling: the sixth wrong password for one account, or from one address,
// within a minute is refused before the password is even checked.
const (
	maxFailures    = 5
	failureWindow  = time.Minute
	sessionIdle    = 30 * 24 * time.Hour
	touchInterval  = time.Minute
	minPasswordLen = 10
)

// Account is a person's login.
type Account struct {
	ID          int64
	Username    string
	DisplayName string
	IsAdmin     bool // a system administrator: every right on every organization
	Locale      string
	CreatedAt   time.Time
}

// Options configure the service.
type Options struct {
	Hash     HashParams
	DemoMode bool
	Now      func() time.Time
}

// Service is the account service.
type Service struct {
	db   *store.DB
	opts Options
}

// New builds the service.
func New(db *store.DB, opts Options) *Service {
	if opts.Hash == (HashParams{}) {
		opts.Hash = DefaultHashParams
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{db: db, opts: opts}
}

// DemoMode tells whether demo passwords are accepted.
func (s *Service) DemoMode() bool { return s.opts.DemoMode }

// NewAccount is what CreateAccount needs.
type NewAccount struct {
	Username    string
	DisplayName string
	Password    string
	IsAdmin     bool
}

// CheckPassword applies the password policy.
func (s *Service) CheckPassword(password string) error {
	if password == DemoPassword && !s.opts.DemoMode {
		return i18n.Invalid("password", "auth.error.demo_password")
	}
	if utf8.RuneCountInString(password) < minPasswordLen {
		return i18n.Invalid("password", "auth.error.password_short", "min", minPasswordLen)
	}
	return nil
}

func validUsername(u string) bool {
	if len(u) < 2 || len(u) > 64 {
		return false
	}
	for _, r := range u {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// CreateAccount adds an account. The username is lower-cased.
func (s *Service) CreateAccount(ctx context.Context, n NewAccount) (Account, error) {
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	if !validUsername(n.Username) {
		return Account{}, i18n.Invalid("username", "auth.error.username")
	}
	if err := s.CheckPassword(n.Password); err != nil {
		return Account{}, err
	}
	hash, err := HashPassword(n.Password, s.opts.Hash)
	if err != nil {
		return Account{}, err
	}
	now := s.opts.Now()
	a := Account{Username: n.Username, DisplayName: strings.TrimSpace(n.DisplayName), IsAdmin: n.IsAdmin, CreatedAt: now}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO accounts
			(username, display_name, password_hash, is_admin, created_at, password_changed_at)
			VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
			a.Username, a.DisplayName, hash, a.IsAdmin, now).Scan(&a.ID)
		if store.IsUniqueViolation(err) {
			return i18n.Invalid("username", "auth.error.username_taken", "username", a.Username)
		}
		if err != nil {
			return fmt.Errorf("auth: create account %s: %w", a.Username, err)
		}
		return audit.Record(ctx, tx, "create", "account", a.ID, nil, a)
	})
	return a, err
}

const accountColumns = `id, username, display_name, is_admin, locale, created_at`

func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	err := row.Scan(&a.ID, &a.Username, &a.DisplayName, &a.IsAdmin, &a.Locale, &a.CreatedAt)
	return a, err
}

// Account returns an account by id.
func (s *Service) Account(ctx context.Context, id int64) (Account, error) {
	a, err := scanAccount(s.db.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, store.ErrNotFound
	}
	if err != nil {
		return Account{}, fmt.Errorf("auth: account %d: %w", id, err)
	}
	return a, nil
}

// Authenticate checks a username and password, counting failures against both the
// account and the address.
func (s *Service) Authenticate(ctx context.Context, username, password, address string) (Account, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	now := s.opts.Now()
	subjects := []string{"account:" + username, "address:" + address}
	for _, subj := range subjects {
		n, err := s.recentFailures(ctx, subj, now)
		if err != nil {
			return Account{}, err
		}
		if n >= maxFailures {
			return Account{}, ErrThrottled
		}
	}
	var a Account
	var hash string
	var disabled sql.NullTime
	err := s.db.QueryRowContext(ctx, `SELECT `+accountColumns+`, password_hash, disabled_at
		FROM accounts WHERE username = $1`, username).
		Scan(&a.ID, &a.Username, &a.DisplayName, &a.IsAdmin, &a.Locale, &a.CreatedAt, &hash, &disabled)
	ok := false
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// Hash anyway, so that a missing account takes as long as a wrong password.
		HashPassword(password, s.opts.Hash)
	case err != nil:
		return Account{}, fmt.Errorf("auth: find account %s: %w", username, err)
	default:
		ok, err = VerifyPassword(password, hash)
		if err != nil {
			return Account{}, fmt.Errorf("auth: account %s: %w", username, err)
		}
		ok = ok && !disabled.Valid
	}
	if !ok {
		if err := s.recordFailure(ctx, subjects, now); err != nil {
			return Account{}, err
		}
		return Account{}, ErrBadCredentials
	}
	if password == DemoPassword && !s.opts.DemoMode {
		return Account{}, ErrDemoPassword
	}
	return a, nil
}

func (s *Service) recentFailures(ctx context.Context, subject string, now time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures WHERE subject = $1 AND at > $2`,
		subject, now.Add(-failureWindow)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("auth: count failures: %w", err)
	}
	return n, nil
}

func (s *Service) recordFailure(ctx context.Context, subjects []string, now time.Time) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		// Old failures are of no use once outside the window; clearing them here keeps
		// the table small without a background job.
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE at < $1`, now.Add(-time.Hour)); err != nil {
			return fmt.Errorf("auth: prune failures: %w", err)
		}
		for _, subj := range subjects {
			if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (subject, at) VALUES ($1, $2)`, subj, now); err != nil {
				return fmt.Errorf("auth: record failure: %w", err)
			}
		}
		return nil
	})
}

// SetPassword changes an account's password and ends its browser sessions. API tokens
// stay: they belong to integrating systems, and each can be revoked on its own.
func (s *Service) SetPassword(ctx context.Context, accountID int64, password string) error {
	if err := s.CheckPassword(password); err != nil {
		return err
	}
	hash, err := HashPassword(password, s.opts.Hash)
	if err != nil {
		return err
	}
	now := s.opts.Now()
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = $1, password_changed_at = $2 WHERE id = $3`, hash, now, accountID)
		if err != nil {
			return fmt.Errorf("auth: set password of %d: %w", accountID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = $1`, accountID); err != nil {
			return fmt.Errorf("auth: end sessions of %d: %w", accountID, err)
		}
		return audit.Record(ctx, tx, "set-password", "account", accountID, nil, nil)
	})
}

// SetLocale remembers an account's chosen language.
func (s *Service) SetLocale(ctx context.Context, accountID int64, lang string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE accounts SET locale = $1 WHERE id = $2`, lang, accountID)
	if err != nil {
		return fmt.Errorf("auth: set locale of %d: %w", accountID, err)
	}
	return nil
}

func newToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("auth: token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token), nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
