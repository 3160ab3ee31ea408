package demo

// The portal's first articles: the five seed reports themselves, imported as an old
// website would be — chrome dropped, title, date and body kept — each published under
// the organization it reports on, so the portal and its search have real text.

import (
	"context"
	"embed"
	"fmt"

	"vanguard/internal/article"
	"vanguard/internal/auth"
	"vanguard/internal/org"
)

//go:embed seeds/*.txt
var seedFiles embed.FS

// seedReports says which organization of the tree published each seed, and its section.
var seedReports = []struct{ file, org, category string }{
	{"000_edcab6e103752724.txt", "minglong", "learning"},   // the "Four Dares" micro party class
	{"001_62074b40af653ac8.txt", "jx-bianban", "meetings"}, // the study meeting of the editorial office
	{"002_62151d49dcd90c1b.txt", "xinruifeng", "meetings"}, // the joint meeting of two branches
	{"003_f39dd8fb05a299a9.txt", "songlin", "alliance"},    // the alliance exchange visit
	{"004_6390432136bfacd2.txt", "shengze", "learning"},    // winter training in Shengze
}

// articles imports the seed reports, published.
func (l *loader) articles(ctx context.Context) error {
	svc := article.New(l.db, l.orgs)
	sc := org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage)
	for _, s := range seedReports {
		raw, err := seedFiles.ReadFile("seeds/" + s.file)
		if err != nil {
			return fmt.Errorf("articles: %w", err)
		}
		d, err := article.ParseReport(s.file, raw)
		if err != nil {
			return fmt.Errorf("articles: %s: %w", s.file, err)
		}
		id, ok := l.orgIDs[s.org]
		if !ok {
			return fmt.Errorf("articles: no organization %q for %s", s.org, s.file)
		}
		if _, err := svc.Import(ctx, sc, []article.Document{d}, article.ImportOptions{OrgID: id, Category: s.category, Publish: true}); err != nil {
			return fmt.Errorf("articles: %s: %w", s.file, err)
		}
	}
	return nil
}
