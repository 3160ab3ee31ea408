// Package notify keeps in-app notices: a new topic in one's organization, a reply to
// one's opinion, a decision, a change in one's idea's status. A notice is a catalog key
// with parameters, stored untranslated and translated for whoever reads it, so the same
// notice reads in Chinese or English.
//
// Domain packages send notices inside the transaction of their cause: a decision and the
// notices of it stand or fall together. Nothing is sent by mail or SMS: a reader sees the
// notices when they next open the platform, gathered on one page.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/i18n"
	"vanguard/internal/store"
)

// Notice is what to tell: a catalog key, its parameters and where to look.
type Notice struct {
	Key    string         // e.g. "notify.topic_new"
	Params map[string]any // plain values (strings, numbers): they are stored as JSON
	Link   string         // a local path, e.g. "/topics/12"
}

// Notification is a notice as an account reads it.
type Notification struct {
	ID        int64
	Message   i18n.Message
	Link      string
	CreatedAt time.Time
	ReadAt    *time.Time
}

// Unread tells whether the notice has not been read yet.
func (n Notification) Unread() bool { return n.ReadAt == nil }

// Service keeps notices.
type Service struct {
	db  *store.DB
	now func() time.Time
}

// New builds the service.
func New(db *store.DB) *Service { return &Service{db: db, now: time.Now} }

// batch is how many notices one INSERT carries: a topic put to a village of a few
// hundred people is a handful of statements, well under either engine's parameter limit.
const batch = 200

// Send writes one notice to each account, inside the caller's transaction. Accounts
// listed twice get it once; account 0 is skipped.
func (s *Service) Send(ctx context.Context, q store.Querier, accounts []int64, n Notice) error {
	params, err := json.Marshal(n.Params)
	if err != nil {
		return fmt.Errorf("notify: encode %s: %w", n.Key, err)
	}
	if n.Params == nil {
		params = []byte("{}")
	}
	seen := map[int64]bool{}
	var ids []int64
	for _, id := range accounts {
		if id != 0 && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	now := s.now()
	for start := 0; start < len(ids); start += batch {
		chunk := ids[start:min(len(ids), start+batch)]
		var b strings.Builder
		b.WriteString(`INSERT INTO notifications (account_id, key, params, link, created_at) VALUES `)
		args := []any{n.Key, string(params), n.Link, now}
		for i, id := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			args = append(args, id)
			b.WriteString("($" + strconv.Itoa(len(args)) + ", $1, $2, $3, $4)")
		}
		if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("notify: send %s to %d accounts: %w", n.Key, len(chunk), err)
		}
	}
	return nil
}

// List returns an account's newest notices, unread first.
func (s *Service) List(ctx context.Context, accountID int64, limit int) ([]Notification, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, key, params, link, created_at, read_at FROM notifications
		WHERE account_id = $1 ORDER BY read_at IS NOT NULL, id DESC LIMIT `+strconv.Itoa(limit), accountID)
	if err != nil {
		return nil, fmt.Errorf("notify: list for %d: %w", accountID, err)
	}
	defer rows.Close()
	var list []Notification
	for rows.Next() {
		var n Notification
		var params string
		if err := rows.Scan(&n.ID, &n.Message.Key, &params, &n.Link, &n.CreatedAt, &n.ReadAt); err != nil {
			return nil, fmt.Errorf("notify: scan: %w", err)
		}
		if err := json.Unmarshal([]byte(params), &n.Message.Params); err != nil {
			return nil, fmt.Errorf("notify: decode notice %d: %w", n.ID, err)
		}
		list = append(list, n)
	}
	return list, rows.Err()
}

// Unread counts an account's unread notices, for the menu.
func (s *Service) Unread(ctx context.Context, accountID int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE account_id = $1 AND read_at IS NULL`, accountID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("notify: count unread of %d: %w", accountID, err)
	}
	return n, nil
}

// MarkRead marks an account's notices up to and including upTo as read: those the
// reader has been shown, and not one that arrived meanwhile.
func (s *Service) MarkRead(ctx context.Context, accountID, upTo int64) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE account_id = $2 AND id <= $3 AND read_at IS NULL`,
			s.now(), accountID, upTo)
		if err != nil {
			return fmt.Errorf("notify: mark read for %d: %w", accountID, err)
		}
		return nil
	})
}
