package activity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"vanguard/internal/audit"
	"vanguard/internal/store"
)

// Private calendar feeds: each person may have one secret address of an iCalendar feed
// of their activities, for a phone's calendar to subscribe to without a session. Only a
// hash of the token is kept, in settings — one row from the hash to the person and one
// from the person to the hash, so that issuing a new address revokes the old — and the
// schema needs no table for what is two keys per person.

const (
	feedByHash   = "activity.feed."        // + sha256(token) → person id
	feedByPerson = "activity.feed.person." // + person id → sha256(token)
)

func feedHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// IssueFeedToken makes a new private feed token for a person, revoking any earlier one,
// and returns it; it is shown once and never stored.
func (s *Service) IssueFeedToken(ctx context.Context, personID int64) (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("activity: make a feed token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	hash := feedHash(token)
	personKey := feedByPerson + strconv.FormatInt(personID, 10)
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var old string
		err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, personKey).Scan(&old)
		switch {
		case err == nil:
			if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = $1 OR key = $2`, personKey, feedByHash+old); err != nil {
				return fmt.Errorf("activity: revoke the feed of %d: %w", personID, err)
			}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("activity: read the feed of %d: %w", personID, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2), ($3, $4)`,
			personKey, hash, feedByHash+hash, strconv.FormatInt(personID, 10)); err != nil {
			return fmt.Errorf("activity: store the feed of %d: %w", personID, err)
		}
		return audit.Record(ctx, tx, "issue_feed", "person", personID, nil, nil)
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// HasFeed tells whether a person has a private feed address.
func (s *Service) HasFeed(ctx context.Context, personID int64) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM settings WHERE key = $1`, feedByPerson+strconv.FormatInt(personID, 10)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("activity: read the feed of %d: %w", personID, err)
	}
	return n > 0, nil
}

// FeedPerson returns the person a feed token belongs to, store.ErrNotFound for an
// unknown or revoked token.
func (s *Service) FeedPerson(ctx context.Context, token string) (int64, error) {
	if token == "" || len(token) > 100 {
		return 0, store.ErrNotFound
	}
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, feedByHash+feedHash(token)).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, store.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("activity: read a feed: %w", err)
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("activity: a feed in settings is malformed")
	}
	return id, nil
}
