package article

// The import of old reports, so that an organization's old website can move in: a
// report saved as plain text or HTML keeps its title, release date, source and body,
// and loses the page around it — breadcrumbs, bylines, navigation, cookie banners,
// "see also" and comment boxes, share and font-size buttons, disclaimers. The rules are
// drawn from the five seed reports, which are such pages.

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"

	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// Document is a report read from an old page.
type Document struct {
	Name   string     // the file it came from, for errors
	Title  string     `json:"title"`
	Date   *time.Time `json:"date,omitempty"` // the release date, when the page gives one
	Source string     `json:"source,omitempty"`
	Body   []string   `json:"body"` // paragraphs of plain text
}

// HTML is the body as sanitized paragraphs.
func (d Document) HTML() string { return TextToHTML(strings.Join(d.Body, "\n\n")) }

var (
	metaDate   = regexp.MustCompile(`^(?i)(release date|release time|publish(ed)? (date|time)|date|time|发布时间|发布日期|时间|日期)\s*[:：]\s*(.*)$`)
	metaSource = regexp.MustCompile(`^(?i)(source of information|source|信息来源|来源)\s*[:：]\s*(.*)$`)
	dateISO    = regexp.MustCompile(`(\d{4})-(\d{1,2})-(\d{1,2})`)
	dateCN     = regexp.MustCompile(`(\d{4})年(\d{1,2})月(\d{1,2})日`)
	byline     = regexp.MustCompile(`^(?i)(by|作者[:：]?)\s*\S+$`)
	fontSize   = regexp.MustCompile(`^A{2,3}$|^[AaＡ]\s*[+\-−]?$`)
	// Lines from which the rest of a page is chrome.
	tailMarkers = regexp.MustCompile(`^(?i)(see also\b|you may also like|related (articles|posts)|leave a (comment|reply)|share( this)?\s*[:：]?$|disclaimer\s*[:：]?|previous( article)?\s*[:：]|next( article)?\s*[:：]|上一篇|下一篇|相关阅读|相关文章|免责声明|分享到|AAA?$|TOP$)`)
	// Lines that are chrome wherever they are.
	chromeLine = regexp.MustCompile(`(?i)(cookies?\b.*(experience|accept|consent)|privacy (&|and) cookies|akismet|placeholder text|^home\s*$|^skip to content|^menu$|^search$|版权所有|copyright ©)`)
)

// ParseReport reads a report from a page in plain text or HTML.
func ParseReport(name string, content []byte) (Document, error) {
	d := Document{Name: name}
	if !utf8.Valid(content) {
		return d, i18n.Invalid("file", "article.import.encoding", "file", name)
	}
	text := string(bytes.TrimPrefix(content, []byte("\ufeff")))
	lines := textLines(text)
	if looksHTML(text) {
		var err error
		if lines, err = htmlLines(text); err != nil {
			return d, i18n.Invalid("file", "article.import.html", "file", name)
		}
	}
	if len(lines) == 0 {
		return d, i18n.Invalid("file", "article.import.empty", "file", name)
	}
	d.Title = cleanTitle(lines[0])
	// A site's own prefix before the title ("Clothing Manufacturer_… News Shengze: …")
	// shows when the title proper repeats alone a few lines below.
	for _, l := range lines[1:min(len(lines), 6)] {
		if l != d.Title && len(l) >= 10 && strings.HasSuffix(d.Title, l) {
			d.Title = l
			break
		}
	}
	for i, l := range lines[1:] {
		if tailMarkers.MatchString(l) {
			break
		}
		head := i < 12 // metadata sits under the title
		switch {
		case l == d.Title || cleanTitle(l) == d.Title:
		case chromeLine.MatchString(l) || fontSize.MatchString(l):
		case head && byline.MatchString(l):
		case head && strings.HasPrefix(l, d.Title) && strings.HasSuffix(l, "…"): // a teaser of itself
		case head && metaDate.MatchString(l):
			if d.Date == nil {
				d.Date = parseDate(metaDate.FindStringSubmatch(l)[4])
			}
		case head && metaSource.MatchString(l):
			if d.Source == "" {
				d.Source = strings.TrimSpace(metaSource.FindStringSubmatch(l)[2])
			}
		default:
			d.Body = append(d.Body, l)
		}
	}
	if d.Title == "" || len(d.Body) == 0 {
		return d, i18n.Invalid("file", "article.import.empty", "file", name)
	}
	if utf8.RuneCountInString(d.Title) > MaxTitle {
		d.Title = string([]rune(d.Title)[:MaxTitle])
	}
	return d, nil
}

// cleanTitle drops a breadcrumb ("Home » …") before a title.
func cleanTitle(l string) string {
	if i := strings.LastIndex(l, "»"); i >= 0 {
		l = l[i+len("»"):]
	}
	return strings.TrimSpace(l)
}

func parseDate(s string) *time.Time {
	m := dateISO.FindStringSubmatch(s)
	if m == nil {
		m = dateCN.FindStringSubmatch(s)
	}
	if m == nil {
		return nil
	}
	var y, mo, d int
	fmt.Sscanf(m[1]+" "+m[2]+" "+m[3], "%d %d %d", &y, &mo, &d)
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if t.Month() != time.Month(mo) || y < 1921 { // no such day, or before the party's founding
		return nil
	}
	return &t
}

func textLines(text string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func looksHTML(text string) bool {
	head := strings.ToLower(text[:min(len(text), 1024)])
	return strings.Contains(head, "<html") || strings.Contains(head, "<!doctype html") || strings.Contains(head, "<body") ||
		strings.Contains(head, "<p>") || strings.Contains(head, "<h1")
}

// chromeElements are dropped with everything inside them.
var chromeElements = map[string]bool{"script": true, "style": true, "nav": true, "header": true, "footer": true, "aside": true,
	"form": true, "iframe": true, "noscript": true, "button": true, "select": true, "template": true, "svg": true}

var chromeClass = regexp.MustCompile(`(?i)(cookie|share|social|related|comment|sidebar|breadcrumb|menu|navbar|footer|disclaimer|advert|banner)`)

// htmlLines turns a page into lines of text, one per block, the <title> or first <h1>
// first, without the elements that are chrome by their name or class.
func htmlLines(text string) ([]string, error) {
	root, err := html.Parse(strings.NewReader(text))
	if err != nil {
		return nil, err
	}
	var title, h1 string
	var lines []string
	var cur strings.Builder
	flush := func() {
		if s := strings.Join(strings.Fields(cur.String()), " "); s != "" {
			lines = append(lines, s)
		}
		cur.Reset()
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if chromeElements[n.Data] {
				return
			}
			for _, a := range n.Attr {
				if (a.Key == "class" || a.Key == "id" || a.Key == "role") && chromeClass.MatchString(a.Val) && n.Data != "body" && n.Data != "html" {
					return
				}
			}
			switch n.Data {
			case "title":
				if n.FirstChild != nil {
					title = strings.TrimSpace(n.FirstChild.Data)
				}
				return
			case "h1":
				if h1 == "" {
					h1 = strings.TrimSpace(nodeText(n))
				}
			}
		}
		if n.Type == html.TextNode {
			cur.WriteString(n.Data)
		}
		block := n.Type == html.ElementNode && isBlock(n.Data)
		if block {
			flush()
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			flush()
		}
	}
	walk(root)
	flush()
	first := h1
	if first == "" {
		first = title
	}
	if first != "" && (len(lines) == 0 || lines[0] != first) {
		lines = append([]string{first}, lines...)
	}
	return lines, nil
}

func isBlock(tag string) bool {
	switch tag {
	case "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "section", "article", "blockquote", "pre", "figcaption", "dd", "dt", "table", "ul", "ol":
		return true
	}
	return false
}

func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// ImportOptions say where imported reports go.
type ImportOptions struct {
	OrgID    int64
	Category string
	Publish  bool // publish at once, with the page's date as the release date
}

// Import stores documents as articles of one organization, all or nothing: the first
// document that cannot be stored is named in the error and nothing is kept.
func (s *Service) Import(ctx context.Context, sc org.Scope, docs []Document, o ImportOptions) ([]int64, error) {
	var ids []int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		ids, err = s.ImportIn(ctx, tx, sc, docs, o)
		return err
	})
	return ids, err
}

// ImportIn is Import inside a transaction (the demo uses it).
func (s *Service) ImportIn(ctx context.Context, q store.Querier, sc org.Scope, docs []Document, o ImportOptions) ([]int64, error) {
	var ids []int64
	for i, d := range docs {
		in := Input{OrgID: o.OrgID, Title: d.Title, Body: d.HTML(), Source: d.Source, Category: o.Category}
		if d.Date != nil {
			in.ReleasedAt = *d.Date
		}
		id, err := s.CreateIn(ctx, q, sc, in)
		if err != nil {
			if errs, ok := err.(i18n.Errors); ok && len(errs) > 0 {
				e := *errs[0]
				e.Row = i + 1 // the document's place in the import, with its file named in the message
				if e.Params == nil {
					e.Params = map[string]any{}
				}
				e.Params["file"] = d.Name
				return nil, &e
			}
			return nil, fmt.Errorf("article: import %s: %w", d.Name, err)
		}
		if o.Publish {
			if err := s.MoveIn(ctx, q, sc, id, Published, "import"); err != nil {
				return nil, fmt.Errorf("article: publish %s: %w", d.Name, err)
			}
		}
		ids = append(ids, id)
	}
	return ids, nil
}
