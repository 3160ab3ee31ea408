package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

func TestSnapshotIntegrityAndTables(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tables, err := db.Tables(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"accounts", "audit_log", "people", "schema_migrations"} {
			if !slices.Contains(tables, want) {
				t.Errorf("Tables() = %v, lacks %s", tables, want)
			}
		}
		if err := db.CheckIntegrity(ctx); err != nil {
			t.Fatalf("CheckIntegrity on a fresh database: %v", err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('k', 'v')`); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "snap.db")
		err = db.Snapshot(ctx, path)
		if db.Engine == store.Postgres {
			if !errors.Is(err, store.ErrNotSQLite) {
				t.Fatalf("Snapshot on PostgreSQL = %v, want ErrNotSQLite", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Snapshot(ctx, path); err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("a second snapshot over the first: %v", err)
		}
		info, err := store.CheckSnapshot(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := db.SchemaVersion(ctx); info.SchemaVersion != v {
			t.Errorf("snapshot schema version %d, want %d", info.SchemaVersion, v)
		}
		// The check opened the snapshot read-only: no WAL or journal appeared beside it.
		for _, side := range []string{"-wal", "-shm", "-journal"} {
			if _, err := os.Stat(path + side); err == nil {
				t.Errorf("checking the snapshot left %s beside it", path+side)
			}
		}
		snap, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer snap.Close()
		var v string
		if err := snap.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'k'`).Scan(&v); err != nil || v != "v" {
			t.Fatalf("the snapshot lacks a committed row: %q, %v", v, err)
		}
	})
}

func TestCheckIntegrityFindsDamage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "x.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 300; i++ {
		db.ExecContext(ctx, `INSERT INTO login_failures (subject, at) VALUES ($1, $2)`, strings.Repeat("s", 200), time.Now())
	}
	snap := filepath.Join(dir, "snap.db")
	if err := db.Snapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// Overwrite a page in the middle of the file: an index or table page is now garbage.
	f, err := os.OpenFile(snap, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i * 7)
	}
	f.WriteAt(garbage, (st.Size()/4096/2)*4096)
	f.Close()
	if _, err := store.CheckSnapshot(ctx, snap); err == nil {
		t.Fatal("a damaged snapshot passed its integrity check")
	}
}
