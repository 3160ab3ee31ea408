package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"vanguard/internal/store"
)

// TreeVersionKey is the settings row that changes whenever an organization moves, so
// every node knows its cached ancestor chains are stale.
const TreeVersionKey = "org.tree_version"

// treeCache keeps each organization's ancestor chain (itself first), read once and
// dropped when the tree's version changes. Chains are what rule resolution and the
// rankings walk on every event, and the closure table would cost a query each.
type treeCache struct {
	mu      sync.RWMutex
	version string
	chains  map[int64][]int64
}

func newTreeCache() *treeCache { return &treeCache{chains: map[int64][]int64{}} }

// treeVersion reads the tree's version ("" before any move).
func treeVersion(ctx context.Context, q store.Querier) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, TreeVersionKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("points: tree version: %w", err)
	}
	return v, nil
}

// load makes sure the chains of orgs are cached and current.
func (t *treeCache) load(ctx context.Context, q store.Querier, orgs []int64) error {
	_, err := t.refresh(ctx, q, orgs)
	return err
}

// refresh is load, telling the version of the tree the chains now follow, so a user of
// the cache can drop what it derived from an older one.
func (t *treeCache) refresh(ctx context.Context, q store.Querier, orgs []int64) (version string, err error) {
	v, err := treeVersion(ctx, q)
	if err != nil {
		return "", err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if v != t.version {
		t.version, t.chains = v, map[int64][]int64{}
	}
	var missing []any
	seen := map[int64]bool{}
	for _, o := range orgs {
		if _, ok := t.chains[o]; !ok && !seen[o] {
			seen[o] = true
			missing = append(missing, o)
		}
	}
	for start := 0; start < len(missing); start += 1000 {
		part := missing[start:min(start+1000, len(missing))]
		rows, err := q.QueryContext(ctx, `SELECT org_id, ancestor_id FROM org_tree WHERE org_id IN (`+store.Params(1, len(part))+`)
			ORDER BY org_id, distance`, part...)
		if err != nil {
			return v, fmt.Errorf("points: ancestor chains: %w", err)
		}
		for rows.Next() {
			var o, a int64
			if err := rows.Scan(&o, &a); err != nil {
				rows.Close()
				return v, err
			}
			t.chains[o] = append(t.chains[o], a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return v, err
		}
	}
	return v, nil
}

// chain is an organization's ancestors, itself first; nil when not loaded.
func (t *treeCache) chain(org int64) []int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.chains[org]
}
