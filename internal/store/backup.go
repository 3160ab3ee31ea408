package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrNotSQLite is returned by the SQLite-only operations on a PostgreSQL database, whose
// backups are made with pg_dump (docs/OPERATIONS.md).
var ErrNotSQLite = errors.New("store: only an SQLite database can be snapshotted by Vanguard; back up PostgreSQL with pg_dump")

// Snapshot writes a transactionally consistent copy of the SQLite database to path,
// which must not exist, while other connections — a server in another process
// included — keep reading and writing.
//
// It runs VACUUM INTO, which reads the database inside one read transaction: in WAL
// mode a reader neither blocks the writer nor sees a half-committed transaction, so
// the copy is the database exactly as of one commit. It runs on the writer connection
// because SQLite refuses VACUUM INTO on the read pool's query_only connections; in the
// backup command that connection is the process's own, and a server in another
// process keeps its writer. In a serving process the snapshot queues that process's
// writes behind it for its duration. The copy is compact (VACUUM rewrites it) and in
// rollback-journal mode, a single self-contained file.
func (db *DB) Snapshot(ctx context.Context, path string) error {
	if db.Engine != SQLite {
		return ErrNotSQLite
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("store: snapshot to %s: the file already exists", path)
	}
	if _, err := db.write.ExecContext(ctx, `VACUUM INTO $1`, path); err != nil {
		return fmt.Errorf("store: snapshot %s to %s: %w", db.source, path, err)
	}
	return nil
}

// CheckIntegrity asks the engine whether the database is sound. On SQLite it runs
// PRAGMA integrity_check, which reads every page, index and constraint; on
// PostgreSQL, which has no such pragma, it checks that every index of the schema in
// use is valid and ready (an interrupted CREATE INDEX CONCURRENTLY leaves one that
// is not) and that every table can be read.
func (db *DB) CheckIntegrity(ctx context.Context) error {
	if db.Engine == SQLite {
		return integrityCheck(ctx, db.read, db.source)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT c.relname FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND NOT (i.indisvalid AND i.indisready)`)
	if err != nil {
		return fmt.Errorf("store: check indexes of %s: %w", db.source, err)
	}
	var bad []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("store: check indexes of %s: %w", db.source, err)
		}
		bad = append(bad, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: check indexes of %s: %w", db.source, err)
	}
	if len(bad) > 0 {
		return fmt.Errorf("store: %s has invalid indexes: %s", db.source, strings.Join(bad, ", "))
	}
	tables, err := db.Tables(ctx)
	if err != nil {
		return err
	}
	for _, t := range tables {
		var n int64
		if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quoteIdent(t)).Scan(&n); err != nil {
			return fmt.Errorf("store: read table %s of %s: %w", t, db.source, err)
		}
	}
	return nil
}

// Tables lists the tables of the database (of the schema in use, on PostgreSQL),
// sorted by name, for tools that visit them all: backup checks, the upgrade test.
func (db *DB) Tables(ctx context.Context) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if db.Engine == Postgres {
		q = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	rows, err := db.read.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: list tables of %s: %w", db.source, err)
	}
	defer rows.Close()
	var list []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("store: list tables of %s: %w", db.source, err)
		}
		list = append(list, name)
	}
	return list, rows.Err()
}

// SnapshotInfo is what CheckSnapshot learns of a snapshot file.
type SnapshotInfo struct {
	SchemaVersion int
}

// CheckSnapshot opens a snapshot file read-only — without turning it into WAL mode or
// writing anything beside it — runs PRAGMA integrity_check and reads its schema
// version. Backup runs it on the copy it is about to archive, restore on the copy it
// is about to put in place.
func CheckSnapshot(ctx context.Context, path string) (SnapshotInfo, error) {
	var info SnapshotInfo
	if _, err := os.Stat(path); err != nil {
		return info, fmt.Errorf("store: snapshot %s: %w", path, err)
	}
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_time_format=sqlite")
	if err != nil {
		return info, fmt.Errorf("store: open snapshot %s: %w", path, err)
	}
	defer conn.Close()
	if err := integrityCheck(ctx, conn, path); err != nil {
		return info, err
	}
	err = conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&info.SchemaVersion)
	if err != nil {
		return info, fmt.Errorf("store: snapshot %s has no schema version (is it a Vanguard database?): %w", path, err)
	}
	return info, nil
}

func integrityCheck(ctx context.Context, conn *sql.DB, source string) error {
	rows, err := conn.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("store: integrity check of %s: %w", source, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("store: integrity check of %s: %w", source, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: integrity check of %s: %w", source, err)
	}
	if len(problems) > 0 {
		if len(problems) > 10 {
			problems = append(problems[:10], fmt.Sprintf("and %d more", len(problems)-10))
		}
		return fmt.Errorf("store: %s fails its integrity check: %s", source, strings.Join(problems, "; "))
	}
	return nil
}

// quoteIdent quotes a table name read from the catalog, for a statement that names it.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
