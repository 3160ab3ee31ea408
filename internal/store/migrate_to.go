package store

import (
	"context"
	"fmt"
	"time"
)

// MigrateTo applies the migrations up to and including version, and no further, for the
// upgrade test (a database made by the first schema, then migrated by this binary) and
// for tools that need a database as an older binary left it. It returns how many it
// applied and refuses a database already beyond version.
//
// Unlike Migrate it takes no lock: it is meant for a database no node is serving.
func (db *DB) MigrateTo(ctx context.Context, version int) (int, error) {
	list, err := Migrations(db.Engine)
	if err != nil {
		return 0, err
	}
	if version < 0 || version > len(list) {
		return 0, fmt.Errorf("store: migrate to %d: this binary knows versions 0 to %d", version, len(list))
	}
	current, err := db.SchemaVersion(ctx)
	if err != nil {
		return 0, err
	}
	if current > version {
		return 0, fmt.Errorf("store: migrate to %d: the database is already at version %d", version, current)
	}
	applied := 0
	for _, m := range list[current:version] {
		err := db.InTx(ctx, func(tx *Tx) error {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx,
				`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, time.Now())
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("store: migration %04d_%s: %w", m.Version, m.Name, err)
		}
		applied++
	}
	return applied, nil
}
