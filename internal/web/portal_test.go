package web_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"vanguard/internal/app/apptest"
	"vanguard/internal/article"
	"vanguard/internal/auth"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{200, 0, 0, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A manager writes, uploads a picture, publishes; the public reads it, finds it, follows
// its feed; a draft is invisible by URL and search; a withdrawn article answers 410.
func TestPortalLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		mgr := f.client(t, "manager", "zh-CN")
		r := mgr.PostForm(fmt.Sprintf("/orgs/%d/articles", f.branch.ID), url.Values{"title": {"党员冬训开班"}, "category": {"news"},
			"format": {"text"}, "body": {"第一党支部组织全体党员参加冬训。Winter training began."}})
		if r.Status != 303 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		edit := strings.Split(r.Location(), "?")[0]
		var id int64
		fmt.Sscanf(edit, "/articles/%d", &id)

		anon := f.env.Client(t)
		page := fmt.Sprintf("/portal/%d/articles/%d", f.branch.ID, id)
		if r = anon.Get(page); r.Status != 404 {
			t.Fatalf("a draft by URL: %d", r.Status)
		}
		if r = anon.Get("/portal/search?q=" + url.QueryEscape("冬训")); strings.Contains(r.Body, "党员冬训开班") {
			t.Fatal("a draft found by search")
		}
		if r = mgr.PostForm(edit+"/status", url.Values{"status": {"published"}}); r.Status != 303 {
			t.Fatalf("publish: %d %s", r.Status, r.Body)
		}
		r = anon.Get(page)
		if r.Status != 200 || !strings.Contains(r.Body, "<title>党员冬训开班") || !strings.Contains(r.Body, `property="og:title" content="党员冬训开班"`) ||
			!strings.Contains(r.Body, "第一党支部") {
			t.Fatalf("published page: %d\n%s", r.Status, r.Body)
		}
		for _, q := range []string{"党员", "冬训", "winter"} {
			if r = anon.Get("/portal/search?q=" + url.QueryEscape(q)); !strings.Contains(r.Body, page) {
				t.Errorf("search %q does not find the article", q)
			}
		}
		// The feed is Atom with the elements RFC 4287 requires.
		r = anon.Get(fmt.Sprintf("/portal/%d/feed.atom", f.branch.ID))
		var feed struct {
			XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
			ID      string   `xml:"id"`
			Title   string   `xml:"title"`
			Updated string   `xml:"updated"`
			Author  struct {
				Name string `xml:"name"`
			} `xml:"author"`
			Entries []struct {
				ID      string `xml:"id"`
				Title   string `xml:"title"`
				Updated string `xml:"updated"`
				Link    struct {
					Href string `xml:"href,attr"`
				} `xml:"link"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal([]byte(r.Body), &feed); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/atom+xml") {
			t.Fatalf("feed: %v %s\n%s", err, r.Header.Get("Content-Type"), r.Body)
		}
		if feed.ID == "" || feed.Title == "" || feed.Updated == "" || feed.Author.Name == "" || len(feed.Entries) != 1 ||
			feed.Entries[0].Title != "党员冬训开班" || feed.Entries[0].ID == "" || feed.Entries[0].Updated == "" || !strings.HasSuffix(feed.Entries[0].Link.Href, page) {
			t.Fatalf("feed misses required elements: %+v", feed)
		}
		// Withdrawn: 410, and no longer found.
		if r = mgr.PostForm(edit+"/status", url.Values{"status": {"withdrawn"}}); r.Status != 303 {
			t.Fatalf("withdraw: %d", r.Status)
		}
		if r = anon.Get(page); r.Status != 410 {
			t.Fatalf("withdrawn page: %d", r.Status)
		}
		if r = anon.Get("/portal/search?q=" + url.QueryEscape("冬训")); strings.Contains(r.Body, page) {
			t.Fatal("a withdrawn article found by search")
		}
		// Another organization's manager may not open it.
		if r = f.client(t, "outsider", "en").Get(edit); r.Status != 404 {
			t.Fatalf("outsider opens the editor: %d", r.Status)
		}
		if r = f.client(t, "viewer", "en").Get(edit); r.Status != 403 {
			t.Fatalf("a viewer opens the editor: %d", r.Status)
		}
	})
}

// Uploads: the type comes from the bytes; a fake image is refused with its field named;
// a served file carries caching and safety headers and never runs.
func TestMediaUploads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		svc := f.env.App.Articles
		a, err := svc.Create(t.Context(), org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage), article.Input{OrgID: f.branch.ID, Title: "图片"})
		if err != nil {
			t.Fatal(err)
		}
		mgr := f.client(t, "manager", "en")
		edit := fmt.Sprintf("/articles/%d", a.ID)
		// An HTML file named .png is not an image.
		r := uploadWith(t, mgr, edit, "evil.png", []byte("<html><script>alert(1)</script></html>"), url.Values{"title": {"图片"}})
		if r.Status != 422 || !strings.Contains(r.Body, "File") || !strings.Contains(r.Body, "text/html") {
			t.Fatalf("fake image: %d\n%s", r.Status, r.Body)
		}
		// A PNG header with broken pixels is refused too.
		broken := pngOf(t, 20, 20)[:60]
		if r = uploadWith(t, mgr, edit, "broken.png", broken, url.Values{"title": {"图片"}}); r.Status != 422 || !strings.Contains(r.Body, "not a valid image") {
			t.Fatalf("broken image: %d", r.Status)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM media`); n != 0 {
			t.Fatalf("%d files kept from refused uploads", n)
		}
		big := pngOf(t, 1600, 400)
		for range 2 { // the same bytes twice are stored once
			if r = uploadWith(t, mgr, edit, "photo.png", big, url.Values{"title": {"图片"}}); r.Status != 303 {
				t.Fatalf("upload: %d %s", r.Status, r.Body)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM media`); n != 1 {
			t.Fatalf("%d files for one picture", n)
		}
		got, err := svc.Get(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		src := regexp.MustCompile(`<img src="(/media/[0-9a-f]{64}\.png)" width="(\d+)" height="(\d+)"`).FindStringSubmatch(got.Body)
		if src == nil || src[2] != "1280" || src[3] != "320" || got.CoverID == 0 {
			t.Fatalf("body after upload: %s (cover %d)", got.Body, got.CoverID)
		}
		anon := f.env.Client(t)
		r = anon.Get(src[1])
		if r.Status != 200 || r.Header.Get("Content-Type") != "image/png" || r.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(r.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "inline") {
			t.Fatalf("served image: %d %v", r.Status, r.Header)
		}
		resized, _, err := image.DecodeConfig(strings.NewReader(r.Body))
		if err != nil || resized.Width != 1280 {
			t.Fatalf("served width %d, %v", resized.Width, err)
		}
		orig := strings.TrimSuffix(src[1], ".png") + "/original.png"
		if r = anon.Get(orig); r.Status != 200 || len(r.Body) != len(big) {
			t.Fatalf("original: %d, %d bytes", r.Status, len(r.Body))
		}
		if r = anon.Get(strings.TrimSuffix(src[1], ".png") + ".pdf"); r.Status != 404 {
			t.Fatalf("the wrong extension: %d", r.Status)
		}
		// A PDF is always a download.
		pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
		if r = uploadWith(t, mgr, edit, "会议记录.pdf", pdf, url.Values{"title": {"图片"}}); r.Status != 303 {
			t.Fatalf("pdf: %d %s", r.Status, r.Body)
		}
		got, _ = svc.Get(t.Context(), a.ID)
		link := regexp.MustCompile(`href="(/media/[0-9a-f]{64}\.pdf)"`).FindStringSubmatch(got.Body)
		if link == nil {
			t.Fatalf("no link to the pdf: %s", got.Body)
		}
		r = anon.Get(link[1])
		if r.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") ||
			!strings.Contains(r.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Fatalf("served pdf: %v", r.Header)
		}
	})
}

// uploadWith posts a file with other form fields, as a same-origin multipart form.
func uploadWith(t *testing.T, c *apptest.Client, path, filename string, content []byte, fields url.Values) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	return c.Do("POST", path, &body, http.Header{
		"Content-Type": {mw.FormDataContentType()}, "Origin": {c.BaseURL()}, "Sec-Fetch-Site": {"same-origin"},
	})
}
