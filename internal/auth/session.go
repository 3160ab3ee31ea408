package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/store"
)

// StartSession opens a browser session and returns the token for its cookie.
func (s *Service) StartSession(ctx context.Context, accountID int64, userAgent string) (string, error) {
	token, hash, err := newToken()
	if err != nil {
		return "", err
	}
	now := s.opts.Now()
	if len(userAgent) > 200 {
		userAgent = userAgent[:200]
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, expires_at, user_agent)
		VALUES ($1, $2, $3, $3, $4, $5)`, hash, accountID, now, now.Add(sessionIdle), userAgent)
	if err != nil {
		return "", fmt.Errorf("auth: start session for %d: %w", accountID, err)
	}
	return token, nil
}

// SessionAccount returns the account of a live session and extends the session. The
// extension is written at most once a minute, so page views do not each cost a write.
func (s *Service) SessionAccount(ctx context.Context, token string) (Account, error) {
	if token == "" {
		return Account{}, ErrNoSession
	}
	hash := hashToken(token)
	now := s.opts.Now()
	var a Account
	var lastSeen time.Time
	err := s.db.QueryRowContext(ctx, `SELECT a.id, a.username, a.display_name, a.is_admin, a.locale, a.created_at, s.last_seen_at
		FROM sessions s JOIN accounts a ON a.id = s.account_id
		WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled_at IS NULL`, hash, now).
		Scan(&a.ID, &a.Username, &a.DisplayName, &a.IsAdmin, &a.Locale, &a.CreatedAt, &lastSeen)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, ErrNoSession
	}
	if err != nil {
		return Account{}, fmt.Errorf("auth: read session: %w", err)
	}
	if now.Sub(lastSeen) > touchInterval {
		_, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3`,
			now, now.Add(sessionIdle), hash)
		if err != nil {
			return Account{}, fmt.Errorf("auth: extend session: %w", err)
		}
	}
	return a, nil
}

// EndSession logs a session out.
func (s *Service) EndSession(ctx context.Context, token string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashToken(token))
	if err != nil {
		return fmt.Errorf("auth: end session: %w", err)
	}
	return nil
}

// Token is an API token as listed to its owner; the secret itself is shown only once.
type Token struct {
	ID         int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// IssueToken creates an API token for an account and returns its id and secret.
func (s *Service) IssueToken(ctx context.Context, accountID int64, name string) (int64, string, error) {
	token, hash, err := newToken()
	if err != nil {
		return 0, "", err
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (token_hash, account_id, name, created_at)
			VALUES ($1, $2, $3, $4) RETURNING id`, hash, accountID, name, s.opts.Now()).Scan(&id)
		if err != nil {
			return fmt.Errorf("auth: issue token for %d: %w", accountID, err)
		}
		return audit.Record(ctx, tx, "issue", "api_token", id, nil, map[string]any{"account_id": accountID, "name": name})
	})
	return id, "vgt_" + token, err
}

// TokenAccount returns the account behind a bearer token that is not revoked.
func (s *Service) TokenAccount(ctx context.Context, bearer string) (Account, error) {
	token, ok := stripPrefix(bearer, "vgt_")
	if !ok {
		return Account{}, ErrNoSession
	}
	hash := hashToken(token)
	var a Account
	var lastUsed sql.NullTime
	err := s.db.QueryRowContext(ctx, `SELECT a.id, a.username, a.display_name, a.is_admin, a.locale, a.created_at, t.last_used_at
		FROM api_tokens t JOIN accounts a ON a.id = t.account_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND a.disabled_at IS NULL`, hash).
		Scan(&a.ID, &a.Username, &a.DisplayName, &a.IsAdmin, &a.Locale, &a.CreatedAt, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, ErrNoSession
	}
	if err != nil {
		return Account{}, fmt.Errorf("auth: read token: %w", err)
	}
	// last_used_at is a convenience for the owner, written at most once a minute as a
	// session's last_seen_at is: written on every call it made each API read a durable
	// write, and every client queue on the one writer. A failure to write it must not
	// refuse the call.
	if now := s.opts.Now(); !lastUsed.Valid || now.Sub(lastUsed.Time) > touchInterval {
		s.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2`, now, hash)
	}
	return a, nil
}

func stripPrefix(s, prefix string) (string, bool) {
	if len(s) <= len(prefix) || s[:len(prefix)] != prefix {
		return "", false
	}
	return s[len(prefix):], true
}

// Tokens lists an account's tokens.
func (s *Service) Tokens(ctx context.Context, accountID int64) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, created_at, last_used_at, revoked_at
		FROM api_tokens WHERE account_id = $1 ORDER BY id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("auth: list tokens of %d: %w", accountID, err)
	}
	defer rows.Close()
	var list []Token
	for rows.Next() {
		var t Token
		var used, revoked sql.NullTime
		if err := rows.Scan(&t.ID, &t.Name, &t.CreatedAt, &used, &revoked); err != nil {
			return nil, fmt.Errorf("auth: scan token: %w", err)
		}
		if used.Valid {
			t.LastUsedAt = &used.Time
		}
		if revoked.Valid {
			t.RevokedAt = &revoked.Time
		}
		list = append(list, t)
	}
	return list, rows.Err()
}

// RevokeToken revokes one of an account's tokens. Revoking another account's token, or
// one that does not exist, is ErrNotFound: the caller learns nothing about other tokens.
func (s *Service) RevokeToken(ctx context.Context, accountID, tokenID int64) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1
			WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL`, s.opts.Now(), tokenID, accountID)
		if err != nil {
			return fmt.Errorf("auth: revoke token %d: %w", tokenID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return audit.Record(ctx, tx, "revoke", "api_token", tokenID, nil, nil)
	})
}
