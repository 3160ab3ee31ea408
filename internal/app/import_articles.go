package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"vanguard/internal/article"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// runImportArticles is `vanguard import articles --org CODE [--publish] --file F…`: old
// reports saved as text or HTML become articles of one organization, all or nothing.
func runImportArticles(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	var orgRef, category string
	var publish bool
	var files []string
	c, err := ParseConfig("import articles", args, env, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&orgRef, "org", "", "the organization the reports belong to: its code or id (required)")
		fs.StringVar(&category, "category", "news", "the portal section: news, meetings, learning, alliance or notices")
		fs.BoolVar(&publish, "publish", false, "publish at once, each with the release date its page gives")
		fs.Func("file", "a report to import, text or HTML (repeat for more)", func(s string) error {
			files = append(files, s)
			return nil
		})
	})
	if err != nil {
		return err
	}
	if orgRef == "" || len(files) == 0 {
		return &UsageError{Msg: "vanguard import articles: --org and at least one file are required"}
	}
	docs := make([]article.Document, 0, len(files))
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("import articles: %w", err)
		}
		d, err := article.ParseReport(filepath.Base(name), raw)
		if err != nil {
			return describe(err)
		}
		docs = append(docs, d)
	}
	db, err := OpenDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	orgs := org.New(db)
	o, err := orgs.ByCode(ctx, db, orgRef)
	if errors.Is(err, store.ErrNotFound) {
		if id, perr := strconv.ParseInt(orgRef, 10, 64); perr == nil {
			o, err = orgs.Get(ctx, id)
		}
	}
	if err != nil {
		return fmt.Errorf("import articles: organization %q: %w", orgRef, err)
	}
	ctx = audit.WithActor(ctx, audit.Actor{Name: "import"})
	ids, err := article.New(db, orgs).Import(ctx, org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage), docs,
		article.ImportOptions{OrgID: o.ID, Category: category, Publish: publish})
	if err != nil {
		return describe(err)
	}
	for i, id := range ids {
		fmt.Fprintf(stdout, "%s → article %d: %s\n", docs[i].Name, id, docs[i].Title)
	}
	fmt.Fprintf(stdout, "%d reports imported into %s\n", len(ids), o.Name)
	return nil
}

// describe turns a person-facing error into English for the terminal.
func describe(err error) error {
	var e *i18n.Error
	if errors.As(err, &e) {
		if cat, cerr := i18n.Load(); cerr == nil {
			return errors.New("import articles: " + cat.Describe("en", e))
		}
	}
	return err
}
