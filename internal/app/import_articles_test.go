package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vanguard/internal/audit"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// vanguard import articles: the seed reports into one organization, published with their
// own dates; a file that is no report stops the import, naming it, and keeps nothing.
func TestImportArticlesCommand(t *testing.T) {
	dir := t.TempDir()
	if out, err := run(t, nil, "migrate", "--data-dir", dir); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
	db, err := store.Open(ctx, filepath.Join(dir, "vanguard.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := org.New(db).Create(ctx, org.NewOrg{Kind: org.Committee, Name: "嘉兴市委编办", Code: "JX-BB"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	seeds := filepath.Join("..", "demo", "seeds")
	empty := filepath.Join(t.TempDir(), "empty.txt")
	os.WriteFile(empty, []byte("\n\n"), 0o600)

	out, err := run(t, nil, "import", "articles", "--data-dir", dir, "--org", "JX-BB", "--publish",
		"--file", filepath.Join(seeds, "001_62074b40af653ac8.txt"), "--file", empty)
	if err == nil || !strings.Contains(err.Error(), "empty.txt") {
		t.Fatalf("an empty file: %v\n%s", err, out)
	}
	out, err = run(t, nil, "import", "articles", "--data-dir", dir, "--org", "JX-BB", "--publish",
		"--file", filepath.Join(seeds, "001_62074b40af653ac8.txt"), "--file", filepath.Join(seeds, "003_f39dd8fb05a299a9.txt"))
	if err != nil || !strings.Contains(out, "2 reports imported") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if db, err = store.Open(ctx, filepath.Join(dir, "vanguard.db")); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	var released string
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*), MIN(released_at) FROM articles WHERE status = 'published'`).Scan(&n, &released); err != nil {
		t.Fatal(err)
	}
	if n != 2 || !strings.HasPrefix(released, "2021-07-03") {
		t.Fatalf("%d published, first released %s", n, released)
	}
}
