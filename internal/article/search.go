package article

// Full-text search that works for Chinese and English on both engines with plain SQL.
//
// Chinese has no spaces, and the most common queries are two-character words (党员,
// 冬训) that a trigram index cannot find. So text is cut into terms: every pair of
// adjacent CJK characters (a lone character stays one term), and every run of Latin
// letters and digits, lower-cased. A query is cut the same way; an article matches on
// any of the query's terms and is ranked first by how many of them it has, then by
// BM25 (term frequency saturated and normalized by length, times inverse document
// frequency), with the title counted titleWeight times. Only published articles are
// in the index, so a draft is never found.

import (
	"context"
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"unicode"

	"vanguard/internal/store"
)

const (
	titleWeight = 5
	bm25K1      = 1.2
	bm25B       = 0.75
	maxTerms    = 12 // of a query: enough for a sentence, bounded for the database
	maxTermLen  = 40
)

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// Terms cuts text into search terms, in order, repeated as they occur.
func Terms(text string) []string {
	var out []string
	var latin []rune
	var cjk []rune
	flushLatin := func() {
		if len(latin) > 0 && len(latin) <= maxTermLen {
			out = append(out, string(latin))
		}
		latin = latin[:0]
	}
	flushCJK := func() {
		switch {
		case len(cjk) == 1:
			out = append(out, string(cjk))
		case len(cjk) > 1:
			for i := 0; i+1 < len(cjk); i++ {
				out = append(out, string(cjk[i:i+2]))
			}
		}
		cjk = cjk[:0]
	}
	for _, r := range text {
		switch {
		case isCJK(r):
			flushLatin()
			cjk = append(cjk, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushCJK()
			latin = append(latin, unicode.ToLower(r))
		default:
			flushLatin()
			flushCJK()
		}
	}
	flushLatin()
	flushCJK()
	return out
}

// queryTerms is the distinct terms of a query, at most maxTerms.
func queryTerms(q string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range Terms(q) {
		if !seen[t] && len(out) < maxTerms {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// PlainText is an HTML body's text, for indexing and excerpts.
func PlainText(body string) string {
	var b strings.Builder
	in := false
	for _, r := range body {
		switch {
		case r == '<':
			in = true
			b.WriteByte(' ')
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
}

// Excerpt is the first n characters of an HTML body's text.
func Excerpt(body string, n int) string {
	t := []rune(PlainText(body))
	if len(t) <= n {
		return string(t)
	}
	return strings.TrimSpace(string(t[:n])) + "…"
}

// weights computes each term's BM25 term-frequency factor in an article. avgLen is the
// mean indexed length of the published articles.
func weights(title, body string, avgLen float64) (map[string]float64, int) {
	tf := map[string]float64{}
	n := 0
	for _, t := range Terms(title) {
		tf[t] += titleWeight
		n += titleWeight
	}
	for _, t := range Terms(PlainText(body)) {
		tf[t]++
		n++
	}
	if avgLen <= 0 {
		avgLen = float64(max(n, 1))
	}
	norm := bm25K1 * (1 - bm25B + bm25B*float64(n)/avgLen)
	for t, f := range tf {
		tf[t] = f * (bm25K1 + 1) / (f + norm)
	}
	return tf, n
}

// index (re)writes an article's rows in the search index.
func (s *Service) index(ctx context.Context, q store.Querier, id int64) error {
	a, err := s.get(ctx, q, id)
	if err != nil {
		return err
	}
	if err := unindex(ctx, q, id); err != nil {
		return err
	}
	var avg float64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(AVG(search_len), 0) FROM articles WHERE status = $1 AND search_len > 0`, Published).Scan(&avg); err != nil {
		return fmt.Errorf("article: mean length: %w", err)
	}
	w, n := weights(a.Title, a.Body, avg)
	for term, weight := range w {
		if _, err := q.ExecContext(ctx, `INSERT INTO article_terms (term, article_id, org_id, weight) VALUES ($1,$2,$3,$4)`,
			term, id, a.OrgID, weight); err != nil {
			return fmt.Errorf("article: index %d: %w", id, err)
		}
	}
	if _, err := q.ExecContext(ctx, `UPDATE articles SET search_len = $1 WHERE id = $2`, n, id); err != nil {
		return fmt.Errorf("article: index length of %d: %w", id, err)
	}
	return nil
}

func unindex(ctx context.Context, q store.Querier, id int64) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM article_terms WHERE article_id = $1`, id); err != nil {
		return fmt.Errorf("article: unindex %d: %w", id, err)
	}
	return nil
}

// Query is a search.
type Query struct {
	Text   string
	OrgID  int64 // one portal, or every one
	Limit  int
	Offset int
}

// Hit is an article found, with its score.
type Hit struct {
	Article
	Score   float64 `json:"score"`
	Matched int     `json:"matched"` // how many of the query's terms it has
}

// Search finds published articles by the words of q, best first. It returns the hits
// of the page asked and the number found.
func (s *Service) Search(ctx context.Context, q Query) ([]Hit, int, error) {
	terms := queryTerms(q.Text)
	if len(terms) == 0 {
		return nil, 0, nil
	}
	limit := q.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	idf, err := s.idf(ctx, terms)
	if err != nil {
		return nil, 0, err
	}
	// The score is a sum over the query's terms of weight × idf: a CASE over the terms
	// lets the database rank and cut to one page, so only that page is read in full.
	var cases strings.Builder
	args := make([]any, 0, len(terms)+4)
	in := make([]string, len(terms))
	for i, t := range terms {
		args = append(args, t)
		in[i] = "$" + strconv.Itoa(i+1)
		fmt.Fprintf(&cases, " WHEN $%d THEN %s", i+1, strconv.FormatFloat(idf[t], 'f', 6, 64))
	}
	where := `t.term IN (` + strings.Join(in, ",") + `)`
	if q.OrgID != 0 {
		args = append(args, q.OrgID)
		where += ` AND t.org_id = $` + strconv.Itoa(len(args))
	}
	ranked := `SELECT t.article_id, COUNT(*) AS matched, SUM(t.weight * CASE t.term` + cases.String() + ` ELSE 0 END) AS score
		FROM article_terms t WHERE ` + where + ` GROUP BY t.article_id`
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT t.article_id) FROM article_terms t WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("article: count hits of %q: %w", q.Text, err)
	}
	args = append(args, limit, max(q.Offset, 0))
	rows, err := s.db.QueryContext(ctx, `SELECT r.article_id, r.matched, r.score FROM (`+ranked+`) r
		ORDER BY r.matched DESC, r.score DESC, r.article_id DESC LIMIT $`+strconv.Itoa(len(args)-1)+` OFFSET $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("article: search %q: %w", q.Text, err)
	}
	var hits []Hit
	for rows.Next() {
		var h Hit
		if err := rows.Scan(&h.ID, &h.Matched, &h.Score); err != nil {
			rows.Close()
			return nil, 0, err
		}
		hits = append(hits, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	for i := range hits {
		a, err := s.Get(ctx, hits[i].ID)
		if err != nil {
			return nil, 0, err
		}
		hits[i].Article = a
	}
	return hits, total, nil
}

// idf is each term's inverse document frequency over the published articles.
func (s *Service) idf(ctx context.Context, terms []string) (map[string]float64, error) {
	var n float64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles WHERE status = $1`, Published).Scan(&n); err != nil {
		return nil, fmt.Errorf("article: count published: %w", err)
	}
	out := map[string]float64{}
	for _, t := range terms {
		var df float64
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM article_terms WHERE term = $1`, t).Scan(&df); err != nil {
			return nil, fmt.Errorf("article: frequency of %q: %w", t, err)
		}
		out[t] = math.Log(1 + (n-df+0.5)/(df+0.5))
	}
	return out, nil
}
