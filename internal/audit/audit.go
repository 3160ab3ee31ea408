// Package audit writes the audit log: who changed what, when, from where, with the
// values before and after. Every write in every domain package records one line, in the
// same transaction as the write, so a change and its record stand or fall together.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"vanguard/internal/store"
)

// Actor is who is acting: an account, or the system itself (imports, demo loading).
type Actor struct {
	AccountID int64  // 0 for the system
	Name      string // the username, or a label such as "system" or "demo"
	Address   string // the client's network address, when acting over HTTP
}

type actorKey struct{}

// WithActor returns a context that records writes as done by a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor of ctx, or the system when none was set.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Name: "system"}
}

// Entry is one line of the audit log as read back.
type Entry struct {
	ID        int64
	At        time.Time
	AccountID int64
	Actor     string
	Address   string
	Action    string
	Entity    string
	EntityID  string
	Before    string
	After     string
}

// Record writes one line: action (e.g. "create", "update", "reveal") on entity/id,
// with before and after encoded as JSON (nil for none). Call it inside the transaction
// of the write it records.
func Record(ctx context.Context, q store.Querier, action, entity string, id any, before, after any) error {
	a := ActorFrom(ctx)
	b, err := encode(before)
	if err != nil {
		return fmt.Errorf("audit: encode before of %s %v: %w", entity, id, err)
	}
	af, err := encode(after)
	if err != nil {
		return fmt.Errorf("audit: encode after of %s %v: %w", entity, id, err)
	}
	var account any
	if a.AccountID != 0 {
		account = a.AccountID
	}
	_, err = q.ExecContext(ctx, `INSERT INTO audit_log
		(at, account_id, actor, address, action, entity, entity_id, before_json, after_json)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		time.Now(), account, a.Name, a.Address, action, entity, fmt.Sprint(id), b, af)
	if err != nil {
		return fmt.Errorf("audit: record %s %s %v: %w", action, entity, id, err)
	}
	return nil
}

func encode(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// For lists the audit lines about one entity, newest first.
func For(ctx context.Context, q store.Querier, entity string, id any, limit int) ([]Entry, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, at, COALESCE(account_id, 0), actor, address, action,
		entity, entity_id, before_json, after_json
		FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id DESC LIMIT $3`,
		entity, fmt.Sprint(id), limit)
	if err != nil {
		return nil, fmt.Errorf("audit: list %s %v: %w", entity, id, err)
	}
	defer rows.Close()
	var list []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.ID, &e.At, &e.AccountID, &e.Actor, &e.Address, &e.Action,
			&e.Entity, &e.EntityID, &e.Before, &e.After); err != nil {
			return nil, fmt.Errorf("audit: scan: %w", err)
		}
		list = append(list, e)
	}
	return list, rows.Err()
}
