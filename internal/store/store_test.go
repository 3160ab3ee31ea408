package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

func TestParseURL(t *testing.T) {
	cases := []struct {
		dsn     string
		engine  store.Engine
		wantErr string
	}{
		{"vanguard-data/vanguard.db", store.SQLite, ""},
		{"sqlite:///tmp/x.db", store.SQLite, ""},
		{"postgres://u:secret@127.0.0.1:5432/vanguard", store.Postgres, ""},
		{"postgres://u:secret@127.0.0.1:5432/", "", "no database name"},
		{"postgres://%zz", "", "malformed PostgreSQL URL"},
		{"mysql://localhost/db", "", "unsupported database URL"},
		{"", "", "empty"},
	}
	for _, c := range cases {
		engine, err := store.ParseURL(c.dsn)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ParseURL(%q) error = %v, want one containing %q", c.dsn, err, c.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("ParseURL(%q) leaks the password: %v", c.dsn, err)
			}
			continue
		}
		if err != nil || engine != c.engine {
			t.Errorf("ParseURL(%q) = %q, %v; want %q", c.dsn, engine, err, c.engine)
		}
	}
}

func TestMigrationsAreIdempotentAndVersioned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		n, err := db.Migrate(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second Migrate = %d, %v; want 0 applied", n, err)
		}
		list, _ := store.Migrations(db.Engine)
		v, err := db.SchemaVersion(ctx)
		if err != nil || v != len(list) {
			t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(list))
		}
		if err := db.CheckSchema(ctx); err != nil {
			t.Fatalf("CheckSchema on a current database: %v", err)
		}
	})
}

func TestRefusesSchemaFromNewerBinary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v, _ := db.SchemaVersion(ctx)
		if _, err := db.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future', $2)`, v+1, time.Now()); err != nil {
			t.Fatal(err)
		}
		var ahead *store.ErrSchemaAhead
		if _, err := db.Migrate(ctx); !errors.As(err, &ahead) {
			t.Fatalf("Migrate on a newer schema = %v, want ErrSchemaAhead", err)
		}
		if err := db.CheckSchema(ctx); !errors.As(err, &ahead) || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("CheckSchema on a newer schema = %v", err)
		}
	})
}

func TestInTxRollsBackOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (subject, at) VALUES ($1, $2)`, "x", time.Now()); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error = %v, want boom", err)
		}
		var n int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures`).Scan(&n)
		if n != 0 {
			t.Fatalf("rolled-back insert is visible: %d rows", n)
		}
	})
}

// Concurrent writers must all land: on SQLite they queue on the single writer instead of
// failing with "database is locked".
func TestConcurrentWritesAllLand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const writers = 200
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for i := 0; i < writers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- db.InTx(ctx, func(tx *store.Tx) error {
					var n int
					if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures`).Scan(&n); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, `INSERT INTO login_failures (subject, at) VALUES ($1, $2)`, "w", time.Now())
					return err
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures`).Scan(&n); err != nil || n != writers {
			t.Fatalf("rows = %d, %v; want %d", n, err, writers)
		}
	})
}

func TestTimesRoundTripInUTC(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		shanghai := time.FixedZone("CST", 8*3600)
		at := time.Date(2026, 1, 2, 8, 30, 0, 123456000, shanghai)
		if _, err := db.ExecContext(ctx, `INSERT INTO login_failures (subject, at) VALUES ($1, $2)`, "t", at); err != nil {
			t.Fatal(err)
		}
		var got time.Time
		if err := db.QueryRowContext(ctx, `SELECT at FROM login_failures WHERE at >= $1`, at.Add(-time.Second)).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(at) {
			t.Fatalf("read back %v, want %v", got, at)
		}
	})
}

func TestOpenReportsMissingDirectory(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope", "vanguard.db")
	_, err := store.Open(context.Background(), missing)
	if err == nil || !strings.Contains(err.Error(), filepath.Dir(missing)) {
		t.Fatalf("Open in a missing directory = %v, want an error naming %s", err, filepath.Dir(missing))
	}
}
