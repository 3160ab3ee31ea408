package article_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"vanguard/internal/article"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// The five seed reports keep their title, date and body, and lose the page around them.
func TestImportSeeds(t *testing.T) {
	cases := []struct {
		file, title, date, source string
		first, last               string   // the body's first and last paragraphs begin so
		gone                      []string // chrome that must not survive
	}{
		{file: "000_edcab6e103752724.txt", title: `Micro Party Class-Giving Play to the Spirit of "Four Dare" to Show Minglong's New Face`,
			first: "When analyzing and studying the economic work in 2023", last: "Continuously improve their own political quality",
			gone: []string{"placeholder text"}},
		{file: "001_62074b40af653ac8.txt", title: "The Jiaxing Municipal Party Committee Office immediately learned and implemented the spirit of the city’s three-level cadre conference",
			date: "2022-02-11", source: "Municipal Party Committee Editorial Office",
			first: "On the afternoon of February 8", last: "One is learning.",
			gone: []string{"Home »", "by admin", "See also", "You may also like", "Leave a Comment", "Akismet", "cookies", "Privacy"}},
		{file: "002_62151d49dcd90c1b.txt", title: "Cohesion, Gathering Strength, Building Fortress, Party Building, Joint Promotion-Party Branch of Xinruifeng",
			first: "In order to further promote the standardization", last: "Zhou Jinlong commented",
			gone: []string{"Release time"}},
		{file: "003_f39dd8fb05a299a9.txt", title: "Mutual Learning and Party Building Alliance Promote Development", date: "2021-07-03",
			first: "In order to in-depth explore", last: "After the study and exchange",
			gone: []string{"Time:"}},
		{file: "004_6390432136bfacd2.txt", title: "Shengze: Party members’ winter training empowers the integrated development of textile industry clusters",
			first: "“Fortune 500” workshop classes", last: "“Wei” and “Dare” are at the forefront.",
			gone: []string{"Clothing Manufacturer", "Disclaimer", "AAA", "This article is from the Internet", "TOP", "clothing-manufacturers.net"}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "demo", "seeds", c.file))
			if err != nil {
				t.Fatal(err)
			}
			d, err := article.ParseReport(c.file, raw)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(d.Title, c.title) {
				t.Errorf("title = %q", d.Title)
			}
			date := ""
			if d.Date != nil {
				date = d.Date.Format("2006-01-02")
			}
			if date != c.date || d.Source != c.source {
				t.Errorf("date %q source %q, want %q %q", date, d.Source, c.date, c.source)
			}
			if !strings.HasPrefix(d.Body[0], c.first) || !strings.HasPrefix(d.Body[len(d.Body)-1], c.last) {
				t.Errorf("body runs from %.60q to %.60q", d.Body[0], d.Body[len(d.Body)-1])
			}
			body := strings.Join(d.Body, "\n")
			for _, g := range c.gone {
				if strings.Contains(body, g) {
					t.Errorf("body keeps %q", g)
				}
			}
			if strings.Contains(body, d.Title+"\n") {
				t.Error("the title is repeated in the body")
			}
		})
	}
}

// An HTML page loses its navigation, scripts, share buttons and cookie banner.
func TestImportHTML(t *testing.T) {
	page := `<!doctype html><html><head><title>站点 - 冬训报道</title><script>track()</script></head><body>
<nav><a href="/">首页</a> » 新闻</nav><div class="cookie-banner">本站使用 cookies 以改善体验 <button>接受</button></div>
<article><h1>盛泽镇党员冬训开班</h1><p class="meta">发布时间：2023年1月5日 来源：盛泽镇党委</p>
<p>1月4日，盛泽镇举行<b>党员冬训</b>动员会。</p><p onclick="x()">全体党员参加。<img src=x onerror=alert(1)></p>
<div class="share-buttons">分享到：微信 微博</div></article>
<aside>相关文章</aside><footer>版权所有</footer></body></html>`
	d, err := article.ParseReport("page.html", []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "盛泽镇党员冬训开班" || d.Date == nil || d.Date.Format("2006-01-02") != "2023-01-05" {
		t.Fatalf("title %q date %v", d.Title, d.Date)
	}
	html := d.HTML()
	if !strings.Contains(html, "<p>1月4日，盛泽镇举行党员冬训动员会。</p>") || !strings.Contains(html, "全体党员参加。") {
		t.Fatalf("body = %s", html)
	}
	for _, g := range []string{"首页", "cookies", "分享", "相关文章", "版权", "track", "onerror", "onclick"} {
		if strings.Contains(html, g) {
			t.Errorf("body keeps %q: %s", g, html)
		}
	}
}

// An import is all or nothing, and names the file that failed.
func TestImportAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		good := article.Document{Name: "a.txt", Title: "好", Body: []string{"正文"}}
		bad := article.Document{Name: "b.txt", Title: strings.Repeat("长", 300), Body: []string{"x"}}
		bad.Title = ""
		_, err := f.svc.Import(f.ctx, f.admin, []article.Document{good, bad}, article.ImportOptions{OrgID: f.town.ID, Publish: true})
		if err == nil || !strings.Contains(err.Error(), "title") {
			t.Fatalf("err = %v", err)
		}
		var n int
		db.QueryRowContext(f.ctx, `SELECT COUNT(*) FROM articles`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d articles kept from a failed import", n)
		}
		ids, err := f.svc.Import(f.ctx, f.admin, []article.Document{good}, article.ImportOptions{OrgID: f.town.ID, Publish: true})
		if err != nil || len(ids) != 1 {
			t.Fatal(ids, err)
		}
		if _, err := f.svc.Public(f.ctx, ids[0]); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzImport: no page makes the importer fail badly, and nothing it keeps can run.
func FuzzImport(f *testing.F) {
	f.Add([]byte("标题\n\n发布时间：2023-01-05\n\n正文<script>alert(1)</script>"))
	f.Add([]byte(`<html><body><h1>t</h1><p><a href="javascript:alert(1)">x</a><iframe src=//e></iframe><img src=x onerror=y></p></body></html>`))
	f.Add([]byte("Home » T\nby admin\nRelease date: 2022-02-30\nbody\nSee also x"))
	f.Fuzz(func(t *testing.T, page []byte) {
		d, err := article.ParseReport("fuzz", page)
		if err != nil {
			return
		}
		if bad := unsafeTag(d.HTML()); bad != "" {
			t.Fatalf("the imported body keeps %q: %s", bad, d.HTML())
		}
	})
}

// FuzzSanitize: whatever a writer or a reader sends, what is kept cannot run.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{`<p onclick="x()">a</p>`, `<a href="javascript:alert(1)">x</a>`, `<iframe src="//e"></iframe>`,
		`<svg><script>alert(1)</script></svg>`, `<img src=x onerror=alert(1)>`, `<a href="jav&#x09;ascript:alert(1)">x</a>`,
		`<math><mi xlink:href="javascript:alert(1)">x</mi></math>`, `<style>@import "x"</style>`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, out := range []string{article.Sanitize(in), article.Sanitize(article.TextToHTML(in))} {
			if bad := unsafeTag(out); bad != "" {
				t.Fatalf("Sanitize(%q) keeps %q: %s", in, bad, out)
			}
		}
		if out := article.SanitizeText(in); unsafeTag(out) != "" && strings.Contains(strings.ToLower(out), "<script") {
			t.Fatalf("SanitizeText(%q) keeps a tag: %s", in, out)
		}
	})
}

var (
	tagPattern     = regexp.MustCompile(`<[^>]*>`)
	handlerPattern = regexp.MustCompile(`\son[a-z]+\s*=`)
)

// unsafeTag returns a tag of html that could run something, or "". Escaped text may
// say "onclick" or "javascript:" harmlessly; only tags matter.
func unsafeTag(html string) string {
	for _, tag := range tagPattern.FindAllString(strings.ToLower(html), -1) {
		name := strings.Trim(strings.Fields(tag + " ")[0], "</>")
		switch name {
		case "script", "iframe", "style", "svg", "object", "embed", "math", "form", "input", "base", "meta", "link":
			return tag
		}
		if strings.Contains(tag, "javascript:") || strings.Contains(tag, "style=") || handlerPattern.MatchString(tag) {
			return tag
		}
	}
	return ""
}
