package article

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"vanguard/internal/org"
)

// Filter narrows a list of published articles.
type Filter struct {
	OrgID    int64  // the portal's organization (0: every portal)
	Category string // one section, or every one
	Limit    int
	Offset   int
}

// Published lists an organization's published articles, newest first.
func (s *Service) Published(ctx context.Context, f Filter) ([]Article, error) {
	where, args := `a.status = $1`, []any{Published}
	if f.OrgID != 0 {
		args = append(args, f.OrgID)
		where += ` AND a.org_id = $` + strconv.Itoa(len(args))
	}
	if f.Category != "" {
		args = append(args, f.Category)
		where += ` AND a.category = $` + strconv.Itoa(len(args))
	}
	return s.list(ctx, where, args, f.Limit, f.Offset)
}

func (s *Service) list(ctx context.Context, where string, args []any, limit, offset int) ([]Article, error) {
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, MaxPage)
	if offset < 0 {
		offset = 0
	}
	args = append(args, limit, offset)
	rows, err := s.db.QueryContext(ctx, `SELECT `+articleColumns+articleFrom+` WHERE `+where+
		` ORDER BY a.released_at DESC, a.id DESC LIMIT $`+strconv.Itoa(len(args)-1)+` OFFSET $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("article: list: %w", err)
	}
	var out []Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("article: list: %w", err)
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.fillTags(ctx, out)
}

// fillTags reads the tags of a page of articles in one query.
func (s *Service) fillTags(ctx context.Context, list []Article) error {
	if len(list) == 0 {
		return nil
	}
	at := map[int64]int{}
	in := make([]string, len(list))
	args := make([]any, len(list))
	for i := range list {
		list[i].Tags = []string{}
		at[list[i].ID] = i
		in[i] = "$" + strconv.Itoa(i+1)
		args[i] = list[i].ID
	}
	rows, err := s.db.QueryContext(ctx, `SELECT article_id, tag FROM article_tags WHERE article_id IN (`+strings.Join(in, ",")+`) ORDER BY tag`, args...)
	if err != nil {
		return fmt.Errorf("article: tags of a list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return err
		}
		list[at[id]].Tags = append(list[at[id]].Tags, tag)
	}
	return rows.Err()
}

// Managed lists the articles of an organization the scope may manage, every status,
// recently changed first.
func (s *Service) Managed(ctx context.Context, sc org.Scope, orgID int64, limit int) ([]Article, error) {
	cond, args := sc.Condition("a.org_id", 2)
	rows, err := s.db.QueryContext(ctx, `SELECT `+articleColumns+articleFrom+` WHERE a.org_id = $1 AND `+cond+
		` ORDER BY a.updated_at DESC, a.id DESC LIMIT `+strconv.Itoa(max(1, min(limit, 200))), append([]any{orgID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("article: managed of %d: %w", orgID, err)
	}
	defer rows.Close()
	var out []Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Related lists published articles sharing a tag with a, or else from its
// organization, most shared tags first.
func (s *Service) Related(ctx context.Context, a Article, limit int) ([]Article, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+articleColumns+articleFrom+`
		LEFT JOIN (SELECT t2.article_id, COUNT(*) AS shared FROM article_tags t1 JOIN article_tags t2 ON t2.tag = t1.tag
			WHERE t1.article_id = $1 AND t2.article_id <> $1 GROUP BY t2.article_id) r ON r.article_id = a.id
		WHERE a.status = $2 AND a.id <> $1 AND (r.shared > 0 OR a.org_id = $3)
		ORDER BY COALESCE(r.shared, 0) DESC, a.released_at DESC LIMIT `+strconv.Itoa(max(1, min(limit, 20))), a.ID, Published, a.OrgID)
	if err != nil {
		return nil, fmt.Errorf("article: related to %d: %w", a.ID, err)
	}
	defer rows.Close()
	var out []Article
	for rows.Next() {
		r, err := scanArticle(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Neighbours returns the previous (older) and next (newer) published articles of the
// same organization; an ID of 0 means none.
func (s *Service) Neighbours(ctx context.Context, a Article) (prev, next Article, err error) {
	if a.ReleasedAt == nil {
		return prev, next, nil
	}
	older, err := s.list(ctx, `a.status = $1 AND a.org_id = $2 AND (a.released_at < $3 OR (a.released_at = $3 AND a.id < $4))`,
		[]any{Published, a.OrgID, *a.ReleasedAt, a.ID}, 1, 0)
	if err != nil {
		return prev, next, err
	}
	newer, err := s.db.QueryContext(ctx, `SELECT `+articleColumns+articleFrom+` WHERE a.status = $1 AND a.org_id = $2
		AND (a.released_at > $3 OR (a.released_at = $3 AND a.id > $4)) ORDER BY a.released_at, a.id LIMIT 1`,
		Published, a.OrgID, *a.ReleasedAt, a.ID)
	if err != nil {
		return prev, next, fmt.Errorf("article: next of %d: %w", a.ID, err)
	}
	defer newer.Close()
	if newer.Next() {
		if next, err = scanArticle(newer); err != nil {
			return prev, next, err
		}
	}
	if len(older) > 0 {
		prev = older[0]
	}
	return prev, next, newer.Err()
}

// Portal is an organization that publishes, with its count of articles.
type Portal struct {
	Org      org.Org
	Articles int
}

// Portals lists the organizations with published articles.
func (s *Service) Portals(ctx context.Context) ([]Portal, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT o.id, o.name, o.name_en, o.kind, COUNT(*) FROM articles a JOIN orgs o ON o.id = a.org_id
		WHERE a.status = $1 GROUP BY o.id, o.name, o.name_en, o.kind ORDER BY COUNT(*) DESC, o.id LIMIT 200`, Published)
	if err != nil {
		return nil, fmt.Errorf("article: portals: %w", err)
	}
	defer rows.Close()
	var out []Portal
	for rows.Next() {
		var p Portal
		if err := rows.Scan(&p.Org.ID, &p.Org.Name, &p.Org.NameEn, &p.Org.Kind, &p.Articles); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
