package web_test

import (
	"encoding/xml"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vanguard/internal/activity"
	"vanguard/internal/browsertest"
	"vanguard/internal/store/storetest"
)

// The "done when", tried as a new secretary would on a 390-px phone: a held
// meeting becomes a published report in a few taps; the public portal shows it, finds it
// by a Chinese and an English word, in both languages; and its feed is Atom.
func TestBrowserSecretaryPublishesReport(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	act := f.plan(t, "主题党日：冬训动员 Winter training", time.Now().Add(-3*time.Hour))
	mgr := f.client(t, "manager", "zh-CN")
	page := path("/activities/%d", act.ID)
	mgr.PostForm(page+"/record", url.Values{"minutes": {"全体党员学习冬训精神。"}, "resolutions": {"开展冬训"}})
	if r := mgr.PostForm(page+"/status", url.Values{"status": {string(activity.Held)}}); r.Status != 303 {
		t.Fatalf("mark held = %d", r.Status)
	}

	ctx := browsertest.New(t, browsertest.Phone, browsertest.PhoneHeight)
	start := time.Now()
	err := chromedp.Do(ctx,
		chromedp.Navigate(f.env.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "manager"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS(".hero h1")),
		chromedp.Navigate(f.env.URL+page),
		chromedp.WaitVisible(chromedp.ID("write-report")),
		chromedp.Click(chromedp.ID("write-report")),
		chromedp.WaitVisible(chromedp.ID("move-published")),
	)
	if err != nil {
		t.Fatalf("write the report: %v", err)
	}
	fitsPhone(t, ctx, "the report editor")
	browsertest.Screenshot(t, ctx, "portal-report-draft-390-zh")
	if draft := text(t, ctx, ".article-body"); !strings.Contains(draft, "全体党员学习冬训精神。") || !strings.Contains(draft, "第一党支部") {
		t.Fatalf("the draft does not carry the record:\n%s", draft)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("move-published")),
		chromedp.WaitVisible(chromedp.ID("public-link")),
		chromedp.Click(chromedp.ID("public-link")),
		chromedp.WaitVisible(chromedp.ID("released")),
	)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	t.Logf("from the held meeting to the published report: %v", time.Since(start).Round(time.Millisecond))
	fitsPhone(t, ctx, "the article page")
	browsertest.Screenshot(t, ctx, "portal-article-390-zh")
	articleURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}
	if h1 := text(t, ctx, "main h1"); h1 != "主题党日：冬训动员 Winter training" {
		t.Fatalf("the article's title reads %q", h1)
	}

	// The public, signed out, finds it from the portal's search box by 冬训 and by winter.
	for _, q := range []string{"冬训", "winter"} {
		err := chromedp.Do(ctx,
			chromedp.Navigate(f.env.URL+"/portal"),
			chromedp.WaitVisible(chromedp.ID("portal-q")),
			chromedp.SendKeys(chromedp.ID("portal-q"), q),
			chromedp.Submit(chromedp.ID("portal-q")),
			chromedp.WaitVisible(chromedp.ID("search-count")),
		)
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".search-results a")].map(a => a.pathname)`))
		if err != nil || len(links) == 0 || links[0] != articleURL {
			t.Fatalf("search %q found %v, want %s first (%v)", q, links, articleURL, err)
		}
	}
	fitsPhone(t, ctx, "the search page")
	browsertest.Screenshot(t, ctx, "portal-search-390-zh")

	// In English, through the page's language switch.
	err = chromedp.Do(ctx,
		chromedp.Navigate(f.env.URL+articleURL),
		chromedp.WaitVisible(chromedp.CSS(`.lang-switch button[value="en"]`)),
		chromedp.Click(chromedp.CSS(`.lang-switch button[value="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.lang-switch button[value="zh-CN"]`)),
	)
	if err != nil {
		t.Fatalf("switch to English: %v", err)
	}
	if meta := text(t, ctx, "main .meta"); !strings.Contains(meta, "Release date:") || !strings.Contains(meta, "First Branch") {
		t.Fatalf("the English article page reads %q", meta)
	}
	fitsPhone(t, ctx, "the English article page")
	browsertest.Screenshot(t, ctx, "portal-article-390-en")

	// The feed the page advertises is Atom with the elements RFC 4287 requires.
	feedURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('link[type="application/atom+xml"]').href`))
	if err != nil {
		t.Fatal(err)
	}
	r := f.env.Client(t).Get(strings.TrimPrefix(feedURL, f.env.URL))
	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		ID      string   `xml:"id"`
		Title   string   `xml:"title"`
		Updated string   `xml:"updated"`
		Author  []struct {
			Name string `xml:"name"`
		} `xml:"author"`
		Entries []struct {
			ID      string `xml:"id"`
			Title   string `xml:"title"`
			Updated string `xml:"updated"`
			Links   []struct {
				Rel  string `xml:"rel,attr"`
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(r.Body), &feed); err != nil {
		t.Fatalf("the feed is not XML: %v\n%s", err, r.Body)
	}
	if feed.ID == "" || feed.Title == "" || len(feed.Author) == 0 || len(feed.Entries) != 1 {
		t.Fatalf("the feed misses required elements: %+v", feed)
	}
	if _, err := time.Parse(time.RFC3339, feed.Updated); err != nil {
		t.Errorf("feed updated %q: %v", feed.Updated, err)
	}
	e := feed.Entries[0]
	if _, err := time.Parse(time.RFC3339, e.Updated); err != nil || e.ID == "" || e.Title != "主题党日：冬训动员 Winter training" ||
		len(e.Links) == 0 || !strings.HasSuffix(e.Links[0].Href, articleURL) {
		t.Errorf("the feed's entry: %+v (%v)", e, err)
	}
}
