package app_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// The backup is taken while writers keep going, and the restored copy must be exactly
// the source as of one commit. Why comparing "rows with id ≤ the snapshot's largest id"
// is exact here, and not approximate:
//
//   - every write the test makes inserts and never updates or deletes, so a row, once
//     committed, is the same in the source at the end as at the snapshot;
//   - on SQLite all writes go through the one writer connection, so ids (rowid aliases,
//     max+1) are handed out in commit order, in every table: the rows committed before
//     the snapshot are exactly those with id up to the largest the snapshot holds;
//   - tables without an id are compared through the id of what they belong to
//     (org_tree through orgs), or whole when the writers do not touch them.
//
// A per-table prefix would still pass a snapshot torn inside a transaction (a person
// without their history), so the test also checks that every transaction is whole in
// the copy, using the audit line each one writes in the same transaction.
func TestBackupDuringWritesRestoresTheSnapshotExactly(t *testing.T) {
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "backup-test"})
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if _, err := run(t, nil, "migrate", "--data-dir", data); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, filepath.Join(data, "vanguard.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	authSvc := auth.New(db, auth.Options{Hash: auth.TestHashParams})
	orgs := org.New(db)
	people := member.New(db, orgs)
	root, err := orgs.Create(ctx, org.NewOrg{Kind: org.Committee, Name: "备份测试党委"})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := authSvc.CreateAccount(ctx, auth.NewAccount{Username: "keeper", Password: "a long passphrase", IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	uploads := map[string]string{
		"uploads/2026/03/minutes.pdf": "%PDF-1.7 minutes of the branch meeting",
		"uploads/photo.jpg":           "\xff\xd8\xff\xe0 not really a photo",
		"branding/logo.svg":           "<svg/>",
	}
	for name, body := range uploads {
		p := filepath.Join(data, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o750)
		if err := os.WriteFile(p, []byte(body), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	// A file still being written, under a dot name, is not part of the backup.
	os.WriteFile(filepath.Join(data, "uploads", ".incoming-123"), []byte("half"), 0o640)

	// Writers: people, organizations, tokens, accounts and failed logins, through the
	// services, until told to stop.
	var (
		stop    atomic.Bool
		seq     atomic.Int64
		writes  atomic.Int64
		wg      sync.WaitGroup
		errMu   sync.Mutex
		errList []error
	)
	fail := func(err error) {
		errMu.Lock()
		errList = append(errList, err)
		errMu.Unlock()
	}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				n := int(seq.Add(1))
				var err error
				switch n % 5 {
				case 0, 1:
					_, err = people.Create(ctx, member.NewPerson{Name: fmt.Sprintf("备份-%d", n), IDNumber: uniqueIDNumber(n),
						Phone: "13800000000", OrgID: root.ID, Stage: member.StageResident})
				case 2:
					_, err = orgs.Create(ctx, org.NewOrg{ParentID: root.ID, Kind: org.Branch, Name: fmt.Sprintf("支部-%d", n)})
				case 3:
					_, _, err = authSvc.IssueToken(ctx, admin.ID, fmt.Sprintf("token-%d", n))
				case 4:
					if n%10 == 4 {
						_, err = authSvc.CreateAccount(ctx, auth.NewAccount{Username: fmt.Sprintf("user-%d", n), Password: "a long passphrase"})
					} else if _, err = authSvc.Authenticate(ctx, fmt.Sprintf("ghost-%d", n), "wrong", fmt.Sprintf("10.0.%d.%d", n/250%250, n%250)); errors.Is(err, auth.ErrBadCredentials) {
						err = nil
					}
				}
				if err != nil {
					fail(err)
					return
				}
				writes.Add(1)
			}
		}()
	}
	waitFor := func(n int64) {
		deadline := time.Now().Add(20 * time.Second)
		for writes.Load() < n && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(200)
	out := filepath.Join(dir, "vanguard-backup.tar.gz")
	before := writes.Load()
	msg, err := run(t, nil, "backup", "--data-dir", data, "--out", out)
	after := writes.Load()
	if err != nil {
		stop.Store(true)
		wg.Wait()
		t.Fatalf("backup: %v\n%s", err, msg)
	}
	waitFor(after + 200)
	stop.Store(true)
	wg.Wait()
	if len(errList) > 0 {
		t.Fatalf("writers failed: %v", errList)
	}
	t.Logf("%d writes before the backup, %d while it ran, %d in all; %s", before, after-before, writes.Load(), strings.TrimSpace(msg))

	fresh := filepath.Join(dir, "restored")
	if msg, err := run(t, nil, "restore", "--from", out, "--data-dir", fresh); err != nil {
		t.Fatalf("restore: %v\n%s", err, msg)
	}
	for name, body := range uploads {
		got, err := os.ReadFile(filepath.Join(fresh, filepath.FromSlash(name)))
		if err != nil || string(got) != body {
			t.Errorf("restored %s = %q, %v; want %q", name, got, err, body)
		}
	}
	if _, err := os.Stat(filepath.Join(fresh, "uploads", ".incoming-123")); err == nil {
		t.Error("a file still being written (a dot name) was backed up")
	}
	copyDB, err := store.Open(ctx, filepath.Join(fresh, "vanguard.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	if err := copyDB.CheckIntegrity(ctx); err != nil {
		t.Fatalf("restored database: %v", err)
	}

	// The snapshot fell inside the stream of writes, not before or after it.
	snapPeople, srcPeople := maxID(t, copyDB, "people"), maxID(t, db, "people")
	if snapPeople == 0 || snapPeople >= srcPeople {
		t.Fatalf("the snapshot holds people up to id %d of %d: it was not taken while writes went on", snapPeople, srcPeople)
	}
	compareAsOfSnapshot(t, db, copyDB)
	checkTransactionsWhole(t, copyDB)

	// The restored directory serves.
	if _, err := run(t, nil, "migrate", "--data-dir", fresh); err != nil {
		t.Fatalf("migrate the restored copy: %v", err)
	}
}

// compareAsOfSnapshot compares every table of the source with the restored copy, as of
// the snapshot (see the test's comment for why this is exact).
func compareAsOfSnapshot(t *testing.T, src, copyDB *store.DB) {
	t.Helper()
	ctx := context.Background()
	srcTables, err := src.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	copyTables, _ := copyDB.Tables(ctx)
	if strings.Join(srcTables, ",") != strings.Join(copyTables, ",") {
		t.Fatalf("tables differ:\n source %v\n copy   %v", srcTables, copyTables)
	}
	// Tables without an id that the writers add to, bounded by what they belong to.
	bounds := map[string]struct{ column, parent string }{
		"org_tree": {"org_id", "orgs"},
	}
	compared := 0
	for _, table := range srcTables {
		where, args := "", []any(nil)
		switch b, ok := bounds[table]; {
		case ok:
			where, args = b.column+" <= $1", []any{maxID(t, copyDB, b.parent)}
		case hasColumn(t, src, table, "id"):
			where, args = "id <= $1", []any{maxID(t, copyDB, table)}
		}
		a, b := tableRows(t, src, table, where, args...), tableRows(t, copyDB, table, where, args...)
		if ok, diff := sameRows(a, b); !ok {
			t.Errorf("table %s (%s) differs between the source and the restored snapshot: %s", table, where, diff)
		}
		if where != "" {
			// Nothing in the copy beyond the bound: the bound came from the copy itself,
			// so this guards the tables bounded through another one.
			if all := tableRows(t, copyDB, table, ""); len(all) != len(b) {
				t.Errorf("table %s: the copy has %d rows beyond the snapshot's bound", table, len(all)-len(b))
			}
		}
		compared += len(a)
	}
	t.Logf("compared %d rows in %d tables", compared, len(srcTables))
}

// checkTransactionsWhole checks that each write the test made is entirely in the copy
// or entirely absent: its rows and its audit line go together.
func checkTransactionsWhole(t *testing.T, db *store.DB) {
	t.Helper()
	checks := []struct{ name, query string }{
		{"people without their creation's audit line", `SELECT COUNT(*) FROM people p WHERE NOT EXISTS
			(SELECT 1 FROM audit_log a WHERE a.entity = 'person' AND a.entity_id = CAST(p.id AS TEXT))`},
		{"audit lines of people not in the copy", `SELECT COUNT(*) FROM audit_log a WHERE a.entity = 'person' AND NOT EXISTS
			(SELECT 1 FROM people p WHERE CAST(p.id AS TEXT) = a.entity_id)`},
		{"people without their organization record", `SELECT COUNT(*) FROM people p WHERE NOT EXISTS
			(SELECT 1 FROM person_orgs m WHERE m.person_id = p.id)`},
		{"people without their first stage event", `SELECT COUNT(*) FROM people p WHERE NOT EXISTS
			(SELECT 1 FROM stage_events e WHERE e.person_id = p.id)`},
		{"organizations without their place in the tree", `SELECT COUNT(*) FROM orgs o WHERE NOT EXISTS
			(SELECT 1 FROM org_tree x WHERE x.org_id = o.id AND x.distance = 0)`},
		{"tokens without their audit line", `SELECT COUNT(*) FROM api_tokens k WHERE NOT EXISTS
			(SELECT 1 FROM audit_log a WHERE a.entity = 'api_token' AND a.entity_id = CAST(k.id AS TEXT))`},
		{"accounts without their audit line", `SELECT COUNT(*) FROM accounts c WHERE NOT EXISTS
			(SELECT 1 FROM audit_log a WHERE a.entity = 'account' AND a.entity_id = CAST(c.id AS TEXT))`},
		{"failed logins recorded for the account but not the address", `SELECT COUNT(*) FROM login_failures f
			WHERE f.subject LIKE 'account:%' AND NOT EXISTS (SELECT 1 FROM login_failures g WHERE g.at = f.at AND g.subject LIKE 'address:%')`},
	}
	for _, c := range checks {
		var n int
		if err := db.QueryRowContext(context.Background(), c.query).Scan(&n); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if n != 0 {
			t.Errorf("the snapshot is torn: %d %s", n, c.name)
		}
	}
}

func TestBackupAndRestoreRefuseWhatTheyMustNot(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if _, err := run(t, nil, "migrate", "--data-dir", data); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "b.tar.gz")
	if _, err := run(t, nil, "backup", "--data-dir", data, "--out", out); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"an existing output", []string{"backup", "--data-dir", data, "--out", out}, "already exists"},
		{"no output", []string{"backup", "--data-dir", data}, "--out is required"},
		{"no database", []string{"backup", "--data-dir", filepath.Join(dir, "nothing-here"), "--out", filepath.Join(dir, "x.tar.gz")}, "nothing-here"},
		{"no source", []string{"restore", "--data-dir", filepath.Join(dir, "r0")}, "--from is required"},
		{"a non-empty data directory", []string{"restore", "--from", out, "--data-dir", data}, "data directory " + data + " is not empty"},
		{"PostgreSQL backup", []string{"backup", "--db", "postgres://u@127.0.0.1:5432/vanguard", "--out", filepath.Join(dir, "pg.tar.gz")}, "pg_dump"},
		{"PostgreSQL restore", []string{"restore", "--db", "postgres://u@127.0.0.1:5432/vanguard", "--from", out}, "docs/OPERATIONS.md"},
	}
	for _, c := range cases {
		_, err := run(t, nil, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}

	// A damaged archive is refused and leaves the target as it was: empty.
	body, _ := os.ReadFile(out)
	for _, damage := range []struct {
		name string
		data []byte
	}{
		{"truncated", body[:len(body)/2]},
		{"not a backup", []byte("hello")},
		{"flipped", flipByte(body, len(body)/2)},
	} {
		bad := filepath.Join(dir, damage.name+".tar.gz")
		os.WriteFile(bad, damage.data, 0o600)
		target := filepath.Join(dir, "r-"+damage.name)
		if _, err := run(t, nil, "restore", "--from", bad, "--data-dir", target); err == nil {
			t.Errorf("%s archive: restored", damage.name)
		}
		if entries, _ := os.ReadDir(target); len(entries) != 0 {
			t.Errorf("%s archive: the data directory holds %d entries after a refused restore", damage.name, len(entries))
		}
	}
	// A good one restores into an existing empty directory.
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o750)
	if msg, err := run(t, nil, "restore", "--from", out, "--data-dir", empty); err != nil || !strings.Contains(msg, "restored") {
		t.Fatalf("restore into an empty directory: %v\n%s", err, msg)
	}
}

func flipByte(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0xff
	return c
}
