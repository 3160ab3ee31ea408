package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vanguard/internal/app/apptest"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/server"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// An installation made by the first release — schema version 1: accounts, sessions,
// API tokens, failed logins, the audit log, settings — is upgraded by this binary to
// the latest schema on both engines. Its rows must all be there, as they were, and the
// application must serve them: the administrator signs in with the old password, a
// session and a token issued by the old binary still work.
func TestUpgradeFromTheFirstSchema(t *testing.T) {
	open := func(t *testing.T, dsn string) *store.DB {
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	t.Run("sqlite", func(t *testing.T) { upgradeFromFirstSchema(t, open(t, filepath.Join(t.TempDir(), "v1.db"))) })
	t.Run("postgres", func(t *testing.T) { upgradeFromFirstSchema(t, open(t, storetest.PostgresSchema(t))) })
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func upgradeFromFirstSchema(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if _, err := db.MigrateTo(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// The rows of a version-1 installation, written as that version wrote them.
	hash, err := auth.HashPassword("the first passphrase", auth.TestHashParams)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	const sessionToken, apiToken = "v1-session-token-of-the-secretary", "v1-api-token-of-the-sync-job"
	rows := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO accounts (id, username, display_name, password_hash, is_admin, locale, created_at, password_changed_at)
			VALUES (1, 'secretary', '王书记', $1, TRUE, 'zh-CN', $2, $2)`, []any{hash, now.AddDate(0, -6, 0)}},
		{`INSERT INTO accounts (id, username, display_name, password_hash, is_admin, locale, created_at, password_changed_at, disabled_at)
			VALUES (2, 'former', '离任', $1, FALSE, 'en', $2, $2, $3)`, []any{hash, now.AddDate(-1, 0, 0), now.AddDate(0, -1, 0)}},
		{`INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, expires_at, user_agent)
			VALUES ($1, 1, $2, $2, $3, 'Mozilla/5.0 (iPhone)')`, []any{sha256Hex(sessionToken), now.Add(-time.Hour), now.AddDate(0, 0, 29)}},
		{`INSERT INTO api_tokens (id, token_hash, account_id, name, created_at, last_used_at)
			VALUES (1, $1, 1, 'roster sync', $2, $2)`, []any{sha256Hex(apiToken), now.AddDate(0, -2, 0)}},
		{`INSERT INTO api_tokens (id, token_hash, account_id, name, created_at, revoked_at)
			VALUES (2, $1, 1, 'old laptop', $2, $3)`, []any{sha256Hex("revoked"), now.AddDate(0, -5, 0), now.AddDate(0, -4, 0)}},
		{`INSERT INTO login_failures (id, subject, at) VALUES (1, 'account:secretary', $1)`, []any{now.Add(-2 * time.Hour)}},
		{`INSERT INTO audit_log (id, at, account_id, actor, address, action, entity, entity_id, before_json, after_json)
			VALUES (1, $1, NULL, 'system', '', 'create', 'account', '1', '', '{"ID":1,"Username":"secretary"}')`, []any{now.AddDate(0, -6, 0)}},
		{`INSERT INTO audit_log (id, at, account_id, actor, address, action, entity, entity_id, before_json, after_json)
			VALUES (2, $1, 1, 'secretary', '10.0.0.8', 'issue', 'api_token', '1', '', '{"account_id":1,"name":"roster sync"}')`, []any{now.AddDate(0, -2, 0)}},
		{`INSERT INTO settings (key, value) VALUES ('demo_loaded_at', '')`, nil},
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, r.sql, r.args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("fill version 1: %v", err)
	}
	if db.Engine == store.Postgres {
		// The ids above were given explicitly, as a restore would; move the sequences on
		// as the old binary's own inserts would have.
		for _, table := range []string{"accounts", "api_tokens", "login_failures", "audit_log"} {
			if _, err := db.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), (SELECT MAX(id) FROM `+table+`))`); err != nil {
				t.Fatal(err)
			}
		}
	}
	v1Tables, err := db.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := map[string][][]string{}
	columns := map[string]string{}
	for _, table := range v1Tables {
		cols := tableColumns(t, db, table)
		columns[table] = strings.Join(cols, ", ")
		if table == "schema_migrations" {
			continue
		}
		before[table] = selectRows(t, db, table, columns[table])
	}

	// The upgrade.
	list, _ := store.Migrations(db.Engine)
	n, err := db.Migrate(ctx)
	if err != nil {
		t.Fatalf("migrate from version 1: %v", err)
	}
	if n != len(list)-1 {
		t.Fatalf("applied %d migrations, want %d", n, len(list)-1)
	}
	if err := db.CheckSchema(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckIntegrity(ctx); err != nil {
		t.Fatal(err)
	}
	for table, want := range before {
		got := selectRows(t, db, table, columns[table])
		if ok, diff := sameRows(want, got); !ok {
			t.Errorf("table %s changed in the upgrade: %s", table, diff)
		}
	}

	// The application serves the upgraded installation.
	env := apptest.Start(t, db, apptest.Options{})
	browser := env.Client(t)
	browser.Login("secretary", "the first passphrase")
	if r := browser.Get("/account"); r.Status != http.StatusOK || !strings.Contains(r.Body, "roster sync") {
		t.Fatalf("the account page after the upgrade: %d", r.Status)
	}
	old := env.Client(t)
	if r := old.Do("GET", "/account", nil, http.Header{"Cookie": {server.SessionCookie + "=" + sessionToken}}); r.Status != http.StatusOK {
		t.Fatalf("a session of the old binary: %d", r.Status)
	}
	old.Token = "vgt_" + apiToken
	if r := old.Get("/api/v1/me"); r.Status != http.StatusOK || !strings.Contains(r.Body, `"username":"secretary"`) {
		t.Fatalf("a token of the old binary: %d %s", r.Status, r.Body)
	}
	old.Token = "vgt_revoked"
	if r := old.Get("/api/v1/me"); r.Status != http.StatusUnauthorized {
		t.Fatalf("a token the old binary revoked works: %d", r.Status)
	}
	if r := env.Client(t).PostForm("/login", map[string][]string{"username": {"former"}, "password": {"the first passphrase"}}); r.Status != http.StatusUnauthorized {
		t.Fatalf("an account the old binary disabled signs in: %d", r.Status)
	}
	lines, err := audit.For(ctx, db, "api_token", 1, 10)
	if err != nil || len(lines) != 1 || lines[0].Actor != "secretary" {
		t.Fatalf("the old audit log: %+v, %v", lines, err)
	}
	// New writes land after the old rows: the sequences carried on.
	if _, _, err := env.App.Auth.IssueToken(ctx, 1, "after the upgrade"); err != nil {
		t.Fatalf("a write after the upgrade: %v", err)
	}
}

// selectRows reads the given columns of every row of table, ordered by all of them.
func selectRows(t *testing.T, db *store.DB, table, columns string) [][]string {
	t.Helper()
	order := make([]string, len(strings.Split(columns, ",")))
	for i := range order {
		order[i] = fmt.Sprint(i + 1)
	}
	return queryRows(t, db, `SELECT `+columns+` FROM `+table+` ORDER BY `+strings.Join(order, ", "))
}
