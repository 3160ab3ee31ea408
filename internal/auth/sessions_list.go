package auth

import (
	"context"
	"fmt"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/store"
)

// Session is a browser session as its owner sees it on their account page.
type Session struct {
	// ID names the session in a page or a form: the first 16 hex digits of the hash
	// of its token. The token itself is never shown, and the hash is not the token
	// either: neither the ID nor a copy of the database lets anyone sign in.
	ID         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	Current    bool // the session the list was asked from
}

// sessionIDLen is the length of a Session.ID: 64 bits, unique among one account's
// sessions beyond any doubt, and always compared together with the account.
const sessionIDLen = 16

// MaxSessionsListed bounds the list: an account with more live sessions than this has
// a problem the "sign out everywhere else" button solves.
const MaxSessionsListed = 100

// SessionID is the ID of the session whose cookie holds token.
func SessionID(token string) string {
	if token == "" {
		return ""
	}
	return hashToken(token)[:sessionIDLen]
}

// Sessions lists an account's live sessions, the most recently used first, marking the
// one whose token is current.
func (s *Service) Sessions(ctx context.Context, accountID int64, current string) ([]Session, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT token_hash, user_agent, created_at, last_seen_at, expires_at
		FROM sessions WHERE account_id = $1 AND expires_at > $2
		ORDER BY last_seen_at DESC, created_at DESC LIMIT $3`, accountID, s.opts.Now(), MaxSessionsListed)
	if err != nil {
		return nil, fmt.Errorf("auth: list sessions of %d: %w", accountID, err)
	}
	defer rows.Close()
	currentID := SessionID(current)
	var list []Session
	for rows.Next() {
		var x Session
		var hash string
		if err := rows.Scan(&hash, &x.UserAgent, &x.CreatedAt, &x.LastSeenAt, &x.ExpiresAt); err != nil {
			return nil, fmt.Errorf("auth: scan session: %w", err)
		}
		x.ID = hash[:min(sessionIDLen, len(hash))]
		x.Current = x.ID == currentID
		list = append(list, x)
	}
	return list, rows.Err()
}

// RevokeSession ends one of an account's sessions by its ID. Another account's session,
// or one that does not exist, is store.ErrNotFound: the caller learns nothing of them.
func (s *Service) RevokeSession(ctx context.Context, accountID int64, id string) error {
	if len(id) != sessionIDLen {
		return store.ErrNotFound
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = $1 AND substr(token_hash, 1, $2) = $3`,
			accountID, sessionIDLen, id)
		if err != nil {
			return fmt.Errorf("auth: revoke session of %d: %w", accountID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return audit.Record(ctx, tx, "revoke", "session", accountID, map[string]string{"session": id}, nil)
	})
}

// EndOtherSessions ends every session of an account but the one whose token is current
// ("sign out everywhere else") and returns how many it ended.
func (s *Service) EndOtherSessions(ctx context.Context, accountID int64, current string) (int, error) {
	var n int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2`,
			accountID, hashToken(current))
		if err != nil {
			return fmt.Errorf("auth: end other sessions of %d: %w", accountID, err)
		}
		n, _ = res.RowsAffected()
		if n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, "revoke-others", "session", accountID, nil, map[string]int64{"ended": n})
	})
	return int(n), err
}
