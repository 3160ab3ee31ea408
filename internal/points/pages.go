package points

// Reads the pages need beside the ledger's own: names for a ranking, an organization's
// recent entries for a manager to reverse, and the objections waiting in one subtree.

import (
	"context"
	"fmt"

	"vanguard/internal/auth"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// Names reads the names of people, for a ranking or a star roll; ids not found are left out.
func (s *Service) Names(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM people WHERE id IN (`+store.Params(1, len(chunk))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("points: names: %w", err)
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = name
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RecentEntries lists the newest entries recorded in an organization's subtree, for a
// manager to check and, where wrong, reverse.
func (s *Service) RecentEntries(ctx context.Context, orgID int64, limit int) ([]Entry, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+entryColumns+` FROM point_entries e
		WHERE e.org_id IN (SELECT org_id FROM org_tree WHERE ancestor_id = $1) ORDER BY e.id DESC LIMIT $2`, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("points: recent entries of %d: %w", orgID, err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Queued is an open objection with the entry it is about.
type Queued struct {
	Objection
	Entry Entry
}

// OpenObjectionsIn is the part of the account's queue (OpenObjections) whose entries were
// recorded in an organization's subtree, oldest first.
func (s *Service) OpenObjectionsIn(ctx context.Context, a auth.Account, orgID int64) ([]Queued, error) {
	cond, args := org.ScopeOf(a, org.Manage).Condition("e.org_id", 2)
	rows, err := s.db.QueryContext(ctx, `SELECT o.id FROM point_objections o JOIN point_entries e ON e.id = o.entry_id
		WHERE o.answered_at IS NULL AND e.org_id IN (SELECT org_id FROM org_tree WHERE ancestor_id = $1) AND `+cond+`
		ORDER BY o.raised_at, o.id LIMIT 200`, append([]any{orgID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("points: open objections in %d: %w", orgID, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, err
	}
	out := make([]Queued, 0, len(ids))
	for _, id := range ids {
		o, err := s.GetObjection(ctx, id)
		if err != nil {
			return nil, err
		}
		e, err := s.GetEntry(ctx, o.EntryID)
		if err != nil {
			return nil, err
		}
		out = append(out, Queued{Objection: o, Entry: e})
	}
	return out, nil
}
