package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migrations are written in PostgreSQL's dialect, numbered, and never edited once landed.
// On SQLite a few type names are rewritten, the only differences our schema meets:
//
//	BIGSERIAL PRIMARY KEY -> INTEGER PRIMARY KEY (SQLite's rowid alias)
//	BIGINT PRIMARY KEY    -> INTEGER PRIMARY KEY (a key the application assigns, still the rowid)
//	TIMESTAMPTZ           -> TIMESTAMP            (the driver parses it back into time.Time)
//	BYTEA                 -> BLOB
//
// A file named NNNN_name.sqlite.sql or NNNN_name.postgres.sql is used on that engine only,
// for the rare statement that truly differs.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

var sqliteRewrites = strings.NewReplacer(
	"BIGSERIAL PRIMARY KEY", "INTEGER PRIMARY KEY",
	"BIGINT PRIMARY KEY", "INTEGER PRIMARY KEY",
	"TIMESTAMPTZ", "TIMESTAMP",
	"BYTEA", "BLOB",
)

// Migrations lists the schema changes for an engine, in order.
func Migrations(engine Engine) ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	byVersion := map[int]Migration{}
	for _, e := range entries {
		name := e.Name()
		base := strings.TrimSuffix(name, ".sql")
		onlyFor := ""
		if ext := path.Ext(base); ext == ".sqlite" || ext == ".postgres" {
			onlyFor = ext[1:]
			base = strings.TrimSuffix(base, ext)
		}
		if onlyFor != "" && onlyFor != string(engine) {
			continue
		}
		num, label, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil || version <= 0 {
			return nil, fmt.Errorf("store: migration %s: name must be NNNN_label.sql", name)
		}
		if _, dup := byVersion[version]; dup {
			return nil, fmt.Errorf("store: migration version %d appears twice", version)
		}
		body, err := fs.ReadFile(migrationFiles, "migrations/"+name)
		if err != nil {
			return nil, fmt.Errorf("store: read migration %s: %w", name, err)
		}
		text := string(body)
		if engine == SQLite {
			text = sqliteRewrites.Replace(text)
		}
		byVersion[version] = Migration{Version: version, Name: label, SQL: text}
	}
	list := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		list = append(list, m)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Version < list[j].Version })
	for i, m := range list {
		if m.Version != i+1 {
			return nil, fmt.Errorf("store: migration %d is missing", i+1)
		}
	}
	return list, nil
}

// SchemaVersion is the version of the newest migration applied to the database (0 for an
// empty one).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	if err := db.ensureVersionTable(ctx); err != nil {
		return 0, err
	}
	var v int
	err := db.write.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	return v, nil
}

func (db *DB) ensureVersionTable(ctx context.Context) error {
	_, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TIMESTAMP NOT NULL)`)
	if err != nil {
		return fmt.Errorf("store: create schema_migrations: %w", err)
	}
	return nil
}

// ErrSchemaAhead is returned when the database was migrated by a newer binary.
type ErrSchemaAhead struct{ Database, Binary int }

func (e *ErrSchemaAhead) Error() string {
	return fmt.Sprintf("the database schema is version %d but this binary knows only up to %d: "+
		"it was upgraded by a newer Vanguard; run that version or restore a backup", e.Database, e.Binary)
}

// Migrate applies the migrations the database lacks, each in its own transaction, and
// returns how many it applied. It refuses a database whose schema is newer than the binary.
// On PostgreSQL an advisory lock lets several nodes start at once without racing.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	list, err := Migrations(db.Engine)
	if err != nil {
		return 0, err
	}
	if db.Engine == Postgres {
		conn, err := db.write.Conn(ctx)
		if err != nil {
			return 0, fmt.Errorf("store: migrate: %w", err)
		}
		defer conn.Close()
		const lockID = 0x76616e67 // "vang"
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lockID); err != nil {
			return 0, fmt.Errorf("store: migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockID)
	}
	current, err := db.SchemaVersion(ctx)
	if err != nil {
		return 0, err
	}
	latest := len(list)
	if current > latest {
		return 0, &ErrSchemaAhead{Database: current, Binary: latest}
	}
	applied := 0
	for _, m := range list[current:] {
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

// CheckSchema refuses to serve from a database that is behind or ahead of the binary.
func (db *DB) CheckSchema(ctx context.Context) error {
	list, err := Migrations(db.Engine)
	if err != nil {
		return err
	}
	current, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	switch {
	case current > len(list):
		return &ErrSchemaAhead{Database: current, Binary: len(list)}
	case current < len(list):
		return fmt.Errorf("the database schema is version %d, behind this binary's %d: run `vanguard migrate`", current, len(list))
	}
	return nil
}
