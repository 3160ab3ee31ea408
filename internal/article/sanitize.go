package article

import (
	"html"
	"strings"

	"github.com/microcosm-cc/bluemonday"
)

// policy is the one allowlist for article bodies and comments: the formatting a report
// needs (paragraphs, headings, lists, tables, links, images) and nothing that runs —
// no script, no event handlers, no javascript: links, no iframes, no styles. It is
// built per call: a bluemonday policy is not to be shared mutable state.
func policy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(true)
	p.AllowAttrs("width", "height", "alt", "loading").OnElements("img")
	return p
}

// Sanitize makes an HTML body safe to show.
func Sanitize(body string) string {
	return strings.TrimSpace(policy().Sanitize(body))
}

// SanitizeText reduces a comment to plain text: readers write text, not markup.
func SanitizeText(s string) string {
	return strings.TrimSpace(html.UnescapeString(bluemonday.StrictPolicy().Sanitize(s)))
}

// TextToHTML turns plain text into paragraphs, one per blank-line-separated block.
func TextToHTML(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var b strings.Builder
	for _, para := range strings.Split(text, "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		lines := strings.Split(para, "\n")
		for i, l := range lines {
			lines[i] = html.EscapeString(strings.TrimSpace(l))
		}
		b.WriteString("<p>" + strings.Join(lines, "<br>") + "</p>\n")
	}
	return b.String()
}
