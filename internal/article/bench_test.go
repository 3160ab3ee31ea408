package article

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// The search at portal scale: 100,000 published articles, each a title of 6 words and
// a body of 40, drawn with a Zipf law from a vocabulary of party-affairs words (党员 is
// the commonest, in about a third of the articles) and a long tail of other
// character pairs, with some English. The index rows are written in bulk with the same
// weights the service computes, so that building takes a minute, not an hour.
//
//	go test -run '^$' -bench Search -benchtime 200x ./internal/article/
const benchArticles = 100_000

var benchWords = strings.Fields(`党员 支部 学习 会议 冬训 组织 书记 发展 工作 党建 群众 主题 党日 精神 活动 联盟 企业
	乡村 干部 党课 服务 教育 理论 实践 创新 文明 社区 志愿 基层 先锋 模范 组织生活 民主 评议 积分 争星 考核
	training party branch members meeting winter study alliance village enterprise`)

func benchCorpus(db *store.DB, b *testing.B) (orgs []int64) {
	ctx := context.Background()
	var have int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles`).Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have == benchArticles { // built by an earlier run into the cached file
		rows, err := db.QueryContext(ctx, `SELECT id FROM orgs ORDER BY id`)
		if err != nil {
			b.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			orgs = append(orgs, id)
		}
		return orgs
	}
	if have != 0 {
		b.Fatalf("a half-built corpus of %d articles: delete the cached file and run again", have)
	}
	r := rand.New(rand.NewPCG(1, 2))
	// A long tail of pairs of common characters, beyond the named vocabulary.
	tail := make([]string, 5000)
	for i := range tail {
		tail[i] = string([]rune{rune(0x4e00 + r.IntN(3000)), rune(0x4e00 + r.IntN(3000))})
	}
	zipf := rand.NewZipf(r, 1.1, 3, uint64(len(benchWords)+len(tail)-1))
	word := func() string {
		i := int(zipf.Uint64())
		if i < len(benchWords) {
			return benchWords[i]
		}
		return tail[i-len(benchWords)]
	}
	phrase := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = word()
		}
		return strings.Join(parts, " ")
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for i := range 50 {
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO orgs (kind, name, depth, created_at) VALUES ('branch', $1, 0, $2) RETURNING id`,
				"支部"+strconv.Itoa(i), time.Now().UTC()).Scan(&id); err != nil {
				return err
			}
			orgs = append(orgs, id)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	const batch = 200
	released := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for start := 0; start < benchArticles; start += batch {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			var terms []any
			for i := start; i < start+batch; i++ {
				title, body := phrase(6), "<p>"+phrase(24)+"</p>"
				orgID := orgs[i%len(orgs)]
				var id int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO articles (org_id, title, summary, body, category, status, released_at, created_at, updated_at)
					VALUES ($1,$2,'',$3,'news','published',$4,$4,$4) RETURNING id`, orgID, title, body, released.Add(time.Duration(i)*time.Minute)).Scan(&id); err != nil {
					return err
				}
				w, _ := weights(title, body, 160)
				for t, v := range w {
					terms = append(terms, t, id, orgID, v)
				}
			}
			for len(terms) > 0 {
				n := min(len(terms), 4*250)
				var sb strings.Builder
				sb.WriteString(`INSERT INTO article_terms (term, article_id, org_id, weight) VALUES `)
				for j := 0; j < n; j += 4 {
					if j > 0 {
						sb.WriteByte(',')
					}
					sb.WriteString("($" + strconv.Itoa(j+1) + ",$" + strconv.Itoa(j+2) + ",$" + strconv.Itoa(j+3) + ",$" + strconv.Itoa(j+4) + ")")
				}
				if _, err := tx.ExecContext(ctx, sb.String(), terms[:n]...); err != nil {
					return err
				}
				terms = terms[n:]
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if start%20000 == 0 {
			b.Logf("%d articles", start)
		}
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO article_term_df (term, df) SELECT term, COUNT(*) FROM article_terms GROUP BY term`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO article_term_df (term, df) VALUES ('', $1)`, benchArticles)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return orgs
}

func BenchmarkSearch(b *testing.B) {
	engines := map[string]func(testing.TB) *store.DB{"sqlite": cachedSQLite}
	if os.Getenv("VANGUARD_TEST_POSTGRES") != "" {
		engines["postgres"] = storetest.Postgres
	}
	for name, open := range engines {
		b.Run(name, func(b *testing.B) {
			db := open(b)
			start := time.Now()
			orgs := benchCorpus(db, b)
			b.Logf("%s: %d articles indexed in %s", name, benchArticles, time.Since(start).Round(time.Second))
			s := New(db, nil)
			ctx := context.Background()
			for _, q := range []Query{
				{Text: "党员"},                 // the commonest word
				{Text: "冬训"},                 // a common two-character query
				{Text: "党员 冬训 书记"},           // several words, ranked by how many match
				{Text: "winter training"},    // English
				{Text: "党员", OrgID: orgs[7]}, // one portal
			} {
				b.Run(strings.ReplaceAll(q.Text, " ", "_")+map[bool]string{true: "_org", false: ""}[q.OrgID != 0], func(b *testing.B) {
					for b.Loop() {
						hits, total, err := s.Search(ctx, q)
						if err != nil || len(hits) == 0 {
							b.Fatalf("%q: %d hits of %d, %v", q.Text, len(hits), total, err)
						}
					}
				})
			}
		})
	}
}

// cachedSQLite keeps the SQLite corpus in a file of the temporary directory, so that
// only the first run pays for building it. Delete the file after changing the schema
// or the generator (its name carries benchCorpusVersion).
func cachedSQLite(tb testing.TB) *store.DB {
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), "vanguard-bench-articles-"+benchCorpusVersion+".db")
	db, err := store.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return db
}

const benchCorpusVersion = "2"
