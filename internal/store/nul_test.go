package store_test

import (
	"context"
	"testing"

	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// PostgreSQL refuses U+0000 in text; both engines store text without it, alike,
// rather than one failing the write and the other keeping it.
func TestTextLosesNULOnBothEngines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)`, "k\x00ey", "va\x00lue\x00")
			return err
		})
		if err != nil {
			t.Fatalf("a text with NUL: %v", err)
		}
		var v string
		if err := db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, "k\x00ey").Scan(&v); err != nil || v != "value" {
			t.Fatalf("read back %q, %v; want %q", v, err, "value")
		}
	})
}
