// Package store opens the database — an embedded SQLite file by default, PostgreSQL for
// a city or a province — applies the embedded migrations, and runs transactions.
//
// SQL in this project is written once, with $1-style parameters, and runs unchanged on
// both engines: the SQLite driver binds $N by number just as PostgreSQL does.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Engine names a database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// ErrNotFound is returned by domain packages when a row asked for does not exist.
var ErrNotFound = errors.New("not found")

// Querier is what a domain function needs to read and write: the DB itself, or a Tx.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is an open database.
//
// SQLite allows one writer at a time. Rather than let concurrent writers spin on
// SQLITE_BUSY, writes go through a pool of exactly one connection, so they queue in Go;
// reads use a separate pool and run beside the writer thanks to WAL. On PostgreSQL both
// pools are the same.
type DB struct {
	Engine Engine
	read   *sql.DB
	write  *sql.DB
	source string // the database URL with any password removed, for messages
}

// Open opens the database named by dsn: a postgres:// URL, or a SQLite file path (with
// or without a sqlite:// or file: prefix). It does not apply migrations.
func Open(ctx context.Context, dsn string) (*DB, error) {
	engine, err := ParseURL(dsn)
	if err != nil {
		return nil, err
	}
	if engine == Postgres {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, sqlitePath(dsn))
}

// ParseURL tells which engine a database URL names, or why it is malformed.
func ParseURL(dsn string) (Engine, error) {
	switch {
	case dsn == "":
		return "", errors.New("database URL is empty")
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("malformed PostgreSQL URL: %w", err)
		}
		if u.Host == "" && u.Query().Get("host") == "" {
			return "", fmt.Errorf("malformed PostgreSQL URL %q: no host", Redact(dsn))
		}
		if strings.Trim(u.Path, "/") == "" {
			return "", fmt.Errorf("malformed PostgreSQL URL %q: no database name", Redact(dsn))
		}
		return Postgres, nil
	case strings.Contains(dsn, "://") && !strings.HasPrefix(dsn, "sqlite://"):
		return "", fmt.Errorf("unsupported database URL %q: use postgres://… or a SQLite file path", Redact(dsn))
	}
	return SQLite, nil
}

func sqlitePath(dsn string) string {
	dsn = strings.TrimPrefix(dsn, "sqlite://")
	dsn = strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(dsn, '?'); i >= 0 {
		dsn = dsn[:i]
	}
	return dsn
}

// Redact removes the password from a database URL.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", Redact(dsn), err)
	}
	pool.SetMaxOpenConns(32)
	pool.SetMaxIdleConns(16)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{Engine: Postgres, read: pool, write: pool, source: Redact(dsn)}
	if err := db.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("store: database directory %s: %w", dir, err)
		}
	}
	// _time_format=sqlite stores times as text that sorts in time order (we always pass UTC);
	// a 32 MiB page cache per connection (SQLite's default is 2 MiB) keeps the closure
	// table of a large tree in memory — it halves a county's subtree count at 200,000
	// organizations;
	// _txlock=immediate takes the write lock at BEGIN, so a transaction never fails half-way
	// when it upgrades from reading to writing;
	// synchronous=FULL syncs the WAL at every commit, so an acknowledged write survives a
	// power cut or an OS crash, not only a crash of the process (NORMAL would). It costs:
	// about 2,300 single-row commits a second here instead of 14,000 — plenty for a
	// party organization's writes, and bulk paths batch their rows into one commit.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_pragma=cache_size(-32768)&_time_format=sqlite&_txlock=immediate"
	write, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	db := &DB{Engine: SQLite, read: read, write: write, source: path}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Ping checks that the database answers, for /readyz.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("store: reach %s: %w", db.source, err)
	}
	// A ping on SQLite opens the file lazily; a read proves the file is a database.
	var one int
	if err := db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: read %s: %w", db.source, err)
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Source is the database's file path or URL, without a password.
func (db *DB) Source() string { return db.source }

// ExecContext runs a write outside an explicit transaction.
func (db *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.write.ExecContext(ctx, db.Engine.dialect(query), utc(args)...)
}

// QueryContext runs a read.
func (db *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.read.QueryContext(ctx, db.Engine.dialect(query), utc(args)...)
}

// QueryRowContext runs a read of one row.
func (db *DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, db.Engine.dialect(query), utc(args)...)
}

// Tx is a transaction. Domain packages receive it from InTx.
type Tx struct {
	tx     *sql.Tx
	Engine Engine
	after  []func()
}

// AfterCommit runs fn once the transaction has committed, and never if it rolls back: a
// cache told of a write before its commit could look, miss it, and think itself current.
func (t *Tx) AfterCommit(fn func()) { t.after = append(t.after, fn) }

func (t *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.Engine.dialect(query), utc(args)...)
}

func (t *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.Engine.dialect(query), utc(args)...)
}

func (t *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.Engine.dialect(query), utc(args)...)
}

// InTx runs fn in a transaction and commits when fn returns nil. A side effect — points
// for attendance, an audit line — commits in the same transaction as its cause.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, Engine: db.Engine}
	if err := fn(tx); err != nil {
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("store: rollback: %w", rbErr))
		}
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	for _, fn := range tx.after {
		fn()
	}
	return nil
}

// WriteIn runs fn on q, or, when q is the database itself rather than a transaction,
// inside a transaction of its own. Domain functions that take a Querier write several
// rows that stand or fall together; and on SQLite the database's QueryRowContext reads
// from the read-only pool, so an INSERT … RETURNING through it would fail there while it
// works on PostgreSQL.
func WriteIn(ctx context.Context, q Querier, fn func(Querier) error) error {
	if db, ok := q.(*DB); ok {
		return db.InTx(ctx, func(tx *Tx) error { return fn(tx) })
	}
	return fn(q)
}

// utc stores every time in UTC, so that SQLite's text timestamps compare in time order
// and PostgreSQL and SQLite hold the same values. For the same reason it removes the
// NUL character (U+0000) from text: PostgreSQL refuses it in any text value, so a
// NUL typed into a form, a JSON body or a roster cell would fail the write there
// (a 500) and be stored on SQLite. No text the platform keeps means a NUL.
func utc(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case string:
			if strings.IndexByte(v, 0) >= 0 {
				args[i] = strings.ReplaceAll(v, "\x00", "")
			}
		case time.Time:
			args[i] = v.UTC()
		case *time.Time:
			if v != nil {
				args[i] = v.UTC()
			}
		}
	}
	return args
}

// IsUniqueViolation tells whether err is a unique-constraint failure on either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}

// IDs reads a one-column result of ids and closes it.
func IDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
