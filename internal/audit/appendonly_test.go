package audit_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The audit log is append-only as far as the application goes: the source of the
// whole module — every Go file and every migration — holds no statement that changes
// or removes its rows, and only this package inserts into it. (A database
// administrator can still do anything; the log guards against the application, and a
// restore from backup shows what was there.)
//
// Tests are skipped: they may set up or probe the table as they need.
var (
	alteringAuditLog = regexp.MustCompile(`(?is)\b(?:update|delete\s+from|truncate(?:\s+table)?|drop\s+table(?:\s+if\s+exists)?|(?:insert\s+or\s+)?replace\s+into)\s+(?:only\s+)?["` + "`" + `]?audit_log\b`)
	insertAuditLog   = regexp.MustCompile(`(?is)\binsert\s+into\s+["` + "`" + `]?audit_log\b`)
)

func TestNothingInTheSourceAltersTheAuditLog(t *testing.T) {
	root := moduleRoot(t)
	scanned := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, "_test.go") || !(strings.HasSuffix(p, ".go") || strings.HasSuffix(p, ".sql")) {
			return nil
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		scanned++
		rel, _ := filepath.Rel(root, p)
		for _, m := range alteringAuditLog.FindAllIndex(body, -1) {
			t.Errorf("%s:%d changes or removes audit log rows: %q", rel, line(body, m[0]), body[m[0]:m[1]])
		}
		if filepath.ToSlash(rel) != "internal/audit/audit.go" {
			for _, m := range insertAuditLog.FindAllIndex(body, -1) {
				t.Errorf("%s:%d inserts into the audit log directly: use audit.Record", rel, line(body, m[0]))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if scanned < 20 {
		t.Fatalf("scanned only %d files under %s", scanned, root)
	}
}

// The pattern itself must catch what it is meant to catch.
func TestTheAuditLogPatternsCatchAlterations(t *testing.T) {
	for _, s := range []string{
		"UPDATE audit_log SET actor = 'x'",
		"update  \"audit_log\" set",
		"DELETE FROM audit_log WHERE id = 1",
		"delete\n\t\tfrom audit_log",
		"TRUNCATE audit_log",
		"TRUNCATE TABLE audit_log",
		"DROP TABLE IF EXISTS audit_log",
		"INSERT OR REPLACE INTO audit_log",
		"REPLACE INTO audit_log",
	} {
		if !alteringAuditLog.MatchString(s) {
			t.Errorf("not caught: %q", s)
		}
	}
	for _, s := range []string{
		"INSERT INTO audit_log (at) VALUES ($1)",
		"SELECT * FROM audit_log",
		"CREATE INDEX audit_log_entity ON audit_log (entity)",
		"UPDATE audit_logbook SET x = 1",
		"ALTER TABLE audit_log ADD COLUMN reason TEXT",
	} {
		if alteringAuditLog.MatchString(s) {
			t.Errorf("caught wrongly: %q", s)
		}
	}
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

func line(body []byte, offset int) int {
	return 1 + strings.Count(string(body[:offset]), "\n")
}
