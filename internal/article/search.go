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
	"sort"
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
		if err := countTerm(ctx, q, term, 1); err != nil {
			return err
		}
	}
	if err := countTerm(ctx, q, "", 1); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `UPDATE articles SET search_len = $1 WHERE id = $2`, n, id); err != nil {
		return fmt.Errorf("article: index length of %d: %w", id, err)
	}
	return nil
}

// countTerm adds delta to a term's document frequency.
func countTerm(ctx context.Context, q store.Querier, term string, delta int) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO article_term_df (term, df) VALUES ($1, $2)
		ON CONFLICT (term) DO UPDATE SET df = article_term_df.df + $2`, term, delta); err != nil {
		return fmt.Errorf("article: frequency of %q: %w", term, err)
	}
	return nil
}

// unindex removes an article from the index, if it is there.
func unindex(ctx context.Context, q store.Querier, id int64) error {
	rows, err := q.QueryContext(ctx, `SELECT term FROM article_terms WHERE article_id = $1`, id)
	if err != nil {
		return fmt.Errorf("article: terms of %d: %w", id, err)
	}
	var terms []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		terms = append(terms, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(terms) == 0 {
		return nil
	}
	for _, t := range append(terms, "") {
		if err := countTerm(ctx, q, t, -1); err != nil {
			return err
		}
	}
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

// postingsRead bounds how many postings of one term a search reads, best weight first.
// A term rarer than this is read whole and ranked exactly; for a commoner one (党员 in
// most of a portal's reports), the articles where it weighs most are the candidates —
// the impact-ordered early termination of search engines — so a search costs the same
// on a portal of a thousand articles and of a hundred thousand.
const postingsRead = 1000

// Search finds published articles by the words of q, best first: those with more of the
// query's terms first, then by score. It returns the page asked and the number found,
// which is exact unless a term is commoner than postingsRead, and then the number of
// articles holding the commonest term (a lower bound).
func (s *Service) Search(ctx context.Context, q Query) ([]Hit, int, error) {
	terms := queryTerms(q.Text)
	if len(terms) == 0 {
		return nil, 0, nil
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 100) // a search shows pages; the ranking is cut at postingsRead anyway
	offset := min(max(q.Offset, 0), postingsRead)
	df, n, err := s.frequencies(ctx, terms)
	if err != nil {
		return nil, 0, err
	}
	type cand struct {
		score   float64
		matched int
	}
	cands := map[int64]*cand{}
	truncated, widest := false, 0
	for _, t := range terms {
		if df[t] == 0 {
			continue
		}
		idf := math.Log(1 + (float64(n)-float64(df[t])+0.5)/(float64(df[t])+0.5))
		read, err := s.postings(ctx, t, q.OrgID, func(id int64, w float64) {
			c := cands[id]
			if c == nil {
				c = &cand{}
				cands[id] = c
			}
			c.score += w * idf
			c.matched++
		})
		if err != nil {
			return nil, 0, err
		}
		if read >= postingsRead {
			truncated = true
		}
		widest = max(widest, df[t])
	}
	ids := make([]int64, 0, len(cands))
	for id := range cands {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := cands[ids[i]], cands[ids[j]]
		if a.matched != b.matched {
			return a.matched > b.matched
		}
		if a.score != b.score {
			return a.score > b.score
		}
		return ids[i] > ids[j]
	})
	total := len(ids)
	if truncated && q.OrgID == 0 {
		total = max(total, widest)
	}
	if offset >= len(ids) {
		return nil, total, nil
	}
	ids = ids[offset:min(len(ids), offset+limit)]
	hits := make([]Hit, 0, len(ids))
	for _, id := range ids {
		a, err := s.Get(ctx, id)
		if err != nil {
			return nil, 0, err
		}
		hits = append(hits, Hit{Article: a, Score: cands[id].score, Matched: cands[id].matched})
	}
	return hits, total, nil
}

// postings reads a term's best postings, on one portal or every one, and returns how
// many it read.
func (s *Service) postings(ctx context.Context, term string, orgID int64, fn func(id int64, w float64)) (int, error) {
	query, args := `SELECT article_id, weight FROM article_terms WHERE term = $1 ORDER BY weight DESC LIMIT $2`, []any{term, postingsRead}
	if orgID != 0 {
		query, args = `SELECT article_id, weight FROM article_terms WHERE term = $1 AND org_id = $3 ORDER BY weight DESC LIMIT $2`,
			[]any{term, postingsRead, orgID}
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("article: postings of %q: %w", term, err)
	}
	defer rows.Close()
	read := 0
	for rows.Next() {
		var id int64
		var w float64
		if err := rows.Scan(&id, &w); err != nil {
			return read, err
		}
		fn(id, w)
		read++
	}
	return read, rows.Err()
}

// frequencies reads each term's document frequency and the number of published
// articles, kept by index and unindex.
func (s *Service) frequencies(ctx context.Context, terms []string) (map[string]int, int, error) {
	args := []any{""}
	in := []string{"$1"}
	for i, t := range terms {
		args = append(args, t)
		in = append(in, "$"+strconv.Itoa(i+2))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT term, df FROM article_term_df WHERE term IN (`+strings.Join(in, ",")+`)`, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("article: frequencies: %w", err)
	}
	defer rows.Close()
	df := map[string]int{}
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return nil, 0, err
		}
		df[t] = n
	}
	return df, df[""], rows.Err()
}
