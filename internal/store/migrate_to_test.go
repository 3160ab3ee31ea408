package store_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// emptyDatabases runs fn on an empty, unmigrated database of each engine.
func emptyDatabases(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	open := func(t *testing.T, dsn string) *store.DB {
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	t.Run("sqlite", func(t *testing.T) { fn(t, open(t, filepath.Join(t.TempDir(), "empty.db"))) })
	t.Run("postgres", func(t *testing.T) { fn(t, open(t, storetest.PostgresSchema(t))) })
}

func TestMigrateToStopsAtTheVersionAsked(t *testing.T) {
	emptyDatabases(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		n, err := db.MigrateTo(ctx, 1)
		if err != nil || n != 1 {
			t.Fatalf("MigrateTo(1) = %d, %v", n, err)
		}
		if v, _ := db.SchemaVersion(ctx); v != 1 {
			t.Fatalf("schema version %d, want 1", v)
		}
		tables, _ := db.Tables(ctx)
		if !slices.Contains(tables, "accounts") || slices.Contains(tables, "people") {
			t.Fatalf("tables at version 1: %v", tables)
		}
		if _, err := db.MigrateTo(ctx, 0); err == nil {
			t.Fatal("MigrateTo went backwards")
		}
		list, _ := store.Migrations(db.Engine)
		if _, err := db.MigrateTo(ctx, len(list)+1); err == nil {
			t.Fatal("MigrateTo beyond the binary's migrations")
		}
		if n, err := db.Migrate(ctx); err != nil || n != len(list)-1 {
			t.Fatalf("Migrate from version 1 = %d, %v; want %d", n, err, len(list)-1)
		}
		if err := db.CheckSchema(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
