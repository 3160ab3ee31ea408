package web

// The public portal: each publishing organization's home page of recent reports, its
// sections, the article page, search and Atom feeds. Everything here is public and reads
// published articles only; a draft answers the not-found page exactly as an article
// that does not exist, and a withdrawn one answers 410 Gone.

import (
	"encoding/xml"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/article"
	"vanguard/internal/i18n"
	"vanguard/internal/media"
	"vanguard/internal/org"
	"vanguard/internal/server"
)

// portal serves the public pages and the writers' pages of articles.
type portal struct {
	*Handlers
	articles *article.Service
	media    *media.Service
	acts     activitySource
}

func (h *Handlers) registerPortal(srv *server.Server, d Deps) {
	if d.Articles == nil || d.Media == nil {
		return
	}
	p := &portal{Handlers: h, articles: d.Articles, media: d.Media, acts: activitySource{svc: d.Activities}}
	h.registerMedia(srv, d.Media)
	srv.HandleFunc("GET /portal", server.Public, p.portals)                               // anyone
	srv.HandleFunc("GET /portal/search", server.Public, p.search)                         // anyone: published only
	srv.HandleFunc("GET /portal/{org}", server.Public, p.home)                            // anyone
	srv.HandleFunc("GET /portal/{org}/category/{cat}", server.Public, p.category)         // anyone
	srv.HandleFunc("GET /portal/{org}/feed.atom", server.Public, p.feed)                  // anyone
	srv.HandleFunc("GET /portal/{org}/category/{cat}/feed.atom", server.Public, p.feed)   // anyone
	srv.HandleFunc("GET /portal/{org}/articles/{id}", server.Public, p.articlePage)       // anyone: published; 410 once withdrawn
	srv.HandleFunc("POST /portal/{org}/articles/{id}/comments", server.Public, p.comment) // anyone, when comments are open
	srv.HandleFunc("GET /orgs/{id}/articles", server.SignedIn, p.orgArticles)             // Manage on {id}
	srv.HandleFunc("POST /orgs/{id}/articles", server.SignedIn, p.createArticle)          // Manage on {id}
	srv.HandleFunc("GET /articles/{id}", server.SignedIn, p.editArticle)                  // Manage on its org
	srv.HandleFunc("POST /articles/{id}", server.SignedIn, p.updateArticle)               // Manage on its org
	srv.HandleFunc("POST /articles/{id}/status", server.SignedIn, p.moveArticle)          // Manage on its org
	srv.HandleFunc("POST /articles/{id}/comments/{comment}", server.SignedIn, p.moderate) // Manage on its org
	srv.HandleFunc("POST /activities/{id}/report", server.SignedIn, p.writeReport)        // Manage on a host; held only
	srv.HandleFunc("POST /activities/{id}/media", server.SignedIn, p.attach)              // Manage on a host
	srv.HandleFunc("GET /activities/{id}/media", server.SignedIn, p.attachments)          // a host in View scope
}

// articleView is an article for a template, with its body marked safe: it was
// sanitized when saved.
type articleView struct {
	article.Article
	Cover *media.Media
}

// HTML is the sanitized body.
func (v articleView) HTML() template.HTML { return template.HTML(v.Body) } // #nosec: sanitized by article.Sanitize on save

// Link is the article's public address.
func (v articleView) Link() string { return articleLink(v.Article) }

func articleLink(a article.Article) string {
	return "/portal/" + strconv.FormatInt(a.OrgID, 10) + "/articles/" + strconv.FormatInt(a.ID, 10)
}

func (p *portal) views(list []article.Article) []articleView {
	out := make([]articleView, len(list))
	for i, a := range list {
		out[i] = articleView{Article: a}
	}
	return out
}

// portalHead is what a portal page puts in <head>: its own title and description and
// the Open Graph tags.
type portalHead struct {
	Title       string
	Description string
	URL         string
	Image       string
	Feed        string
	Type        string // og:type
}

type portalData struct {
	Head       portalHead
	Org        org.Org
	Category   string
	Categories []string
	Articles   []articleView
	Portals    []article.Portal
	Query      string
	Hits       []article.Hit
	Total      int
	Page       int
	More       bool
}

// PrevPage and NextPage are the neighbouring page numbers, for the pager.
func (d portalData) PrevPage() int { return d.Page - 1 }

// NextPage is the page after this one.
func (d portalData) NextPage() int { return d.Page + 1 }

// orgOf reads the portal's organization: one without published articles is not found.
func (p *portal) orgOf(w http.ResponseWriter, r *http.Request) (org.Org, bool) {
	id, err := strconv.ParseInt(r.PathValue("org"), 10, 64)
	if err != nil || id <= 0 {
		p.notFound(w, r)
		return org.Org{}, false
	}
	o, err := p.orgs.Get(r.Context(), id)
	if err != nil {
		p.problem(w, r, err)
		return o, false
	}
	return o, true
}

func pageNumber(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 1000 {
		return 1
	}
	return n
}

const perPage = 15

func (p *portal) portals(w http.ResponseWriter, r *http.Request) {
	list, err := p.articles.Portals(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	recent, err := p.articles.Published(r.Context(), article.Filter{Limit: 10})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	cat := p.srv.Catalog()
	d := portalData{Portals: list, Articles: p.views(recent), Categories: article.Categories(),
		Head: portalHead{Title: cat.T(server.Lang(r), "article.portal.all", nil), Description: cat.T(server.Lang(r), "article.portal.description", nil), URL: "/portal", Type: "website"}}
	p.render(w, r, http.StatusOK, "portal_home", p.page(r, "article.portal.all", d))
}

func (p *portal) home(w http.ResponseWriter, r *http.Request) { p.listing(w, r, "") }

func (p *portal) category(w http.ResponseWriter, r *http.Request) {
	cat := r.PathValue("cat")
	if !slices.Contains(article.Categories(), cat) {
		p.notFound(w, r)
		return
	}
	p.listing(w, r, cat)
}

func (p *portal) listing(w http.ResponseWriter, r *http.Request, cat string) {
	o, ok := p.orgOf(w, r)
	if !ok {
		return
	}
	page := pageNumber(r)
	list, err := p.articles.Published(r.Context(), article.Filter{OrgID: o.ID, Category: cat, Limit: perPage + 1, Offset: (page - 1) * perPage})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if len(list) == 0 && page == 1 && cat == "" {
		p.notFound(w, r) // an organization that publishes nothing has no portal
		return
	}
	lang := server.Lang(r)
	d := portalData{Org: o, Category: cat, Categories: article.Categories(), Page: page, More: len(list) > perPage}
	d.Articles = p.views(list[:min(len(list), perPage)])
	base := "/portal/" + strconv.FormatInt(o.ID, 10)
	d.Head = portalHead{Title: o.DisplayName(lang), URL: base, Feed: base + "/feed.atom", Type: "website",
		Description: p.srv.Catalog().T(lang, "article.portal.of", map[string]any{"org": o.DisplayName(lang)})}
	if cat != "" {
		d.Head.Title = p.srv.Catalog().T(lang, "article.category."+cat, nil) + " · " + o.DisplayName(lang)
		d.Head.URL = base + "/category/" + cat
		d.Head.Feed = d.Head.URL + "/feed.atom"
	}
	p.render(w, r, http.StatusOK, "portal_org", p.page(r, "article.portal.all", d))
}

type articlePageData struct {
	Head       portalHead
	Article    articleView
	Related    []articleView
	Prev, Next *articleView
	Comments   []article.Comment
	Form       form
	Sent       bool
}

func (p *portal) articlePage(w http.ResponseWriter, r *http.Request) {
	p.renderArticle(w, r, http.StatusOK, nil, form{})
}

func (p *portal) publicArticle(w http.ResponseWriter, r *http.Request) (article.Article, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		p.notFound(w, r)
		return article.Article{}, false
	}
	a, err := p.articles.Public(r.Context(), id)
	if errors.Is(err, article.ErrGone) {
		p.render(w, r, http.StatusGone, "portal_gone", p.page(r, "article.gone.title", nil))
		return a, false
	}
	if err != nil {
		p.problem(w, r, err)
		return a, false
	}
	if r.PathValue("org") != strconv.FormatInt(a.OrgID, 10) {
		http.Redirect(w, r, articleLink(a), http.StatusMovedPermanently)
		return a, false
	}
	return a, true
}

func (p *portal) renderArticle(w http.ResponseWriter, r *http.Request, status int, errs []*i18n.Error, f form) {
	a, ok := p.publicArticle(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	d := articlePageData{Article: articleView{Article: a}, Form: f, Sent: r.URL.Query().Get("done") == "comment"}
	if a.CoverID != 0 {
		if m, err := p.media.Get(ctx, a.CoverID); err == nil {
			d.Article.Cover = &m
		}
	}
	related, err := p.articles.Related(ctx, a, 5)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d.Related = p.views(related)
	prev, next, err := p.articles.Neighbours(ctx, a)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if prev.ID != 0 {
		d.Prev = &articleView{Article: prev}
	}
	if next.ID != 0 {
		d.Next = &articleView{Article: next}
	}
	if d.Comments, err = p.articles.Comments(ctx, a.ID, article.Approved); err != nil {
		p.fail(w, r, err)
		return
	}
	d.Head = portalHead{Title: a.Title, Description: a.Summary, URL: articleLink(a), Type: "article",
		Feed: "/portal/" + strconv.FormatInt(a.OrgID, 10) + "/feed.atom"}
	if d.Article.Cover != nil {
		d.Head.Image = d.Article.Cover.URL()
	}
	pg := p.page(r, "article.portal.all", d)
	pg.Errors = errs
	p.render(w, r, status, "portal_article", pg)
}

func (p *portal) comment(w http.ResponseWriter, r *http.Request) {
	a, ok := p.publicArticle(w, r)
	if !ok {
		return
	}
	v := readForm(w, r)
	_, err := p.articles.AddComment(r.Context(), a.ID, article.NewComment{Name: v.Get("name"), Body: v.Get("body"), Address: server.ClientAddress(r)})
	if errs, ok := formErrors(err); ok {
		p.renderArticle(w, r, http.StatusUnprocessableEntity, errs, form{Name: "comment", Values: v})
		return
	}
	if err != nil {
		p.problem(w, r, err)
		return
	}
	http.Redirect(w, r, articleLink(a)+"?done=comment#comments", http.StatusSeeOther)
}

func (p *portal) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	orgID, _ := strconv.ParseInt(r.URL.Query().Get("org"), 10, 64)
	page := pageNumber(r)
	d := portalData{Query: q, Page: page, Categories: article.Categories()}
	lang := server.Lang(r)
	d.Head = portalHead{Title: p.srv.Catalog().T(lang, "article.search.title", nil), URL: "/portal/search", Type: "website",
		Description: p.srv.Catalog().T(lang, "article.portal.description", nil)}
	if orgID > 0 {
		o, err := p.orgs.Get(r.Context(), orgID)
		if err != nil {
			p.problem(w, r, err)
			return
		}
		d.Org = o
	}
	if q != "" {
		var err error
		d.Hits, d.Total, err = p.articles.Search(r.Context(), article.Query{Text: q, OrgID: orgID, Limit: perPage, Offset: (page - 1) * perPage})
		if err != nil {
			p.fail(w, r, err)
			return
		}
		d.More = d.Total > page*perPage
	}
	p.render(w, r, http.StatusOK, "portal_search", p.page(r, "article.search.title", d))
}

// Atom (RFC 4287): the elements a validator requires — feed id, title, updated, author,
// and for each entry id, title, updated and a link.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr,omitempty"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published,omitempty"`
	Links     []atomLink `xml:"link"`
	Summary   atomText   `xml:"summary"`
	Content   atomText   `xml:"content"`
	Category  *struct {
		Term string `xml:"term,attr"`
	} `xml:"category,omitempty"`
}

// origin is the site's own address as the request reached it, for the absolute URLs
// Atom requires.
func origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (p *portal) feed(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgOf(w, r)
	if !ok {
		return
	}
	cat := r.PathValue("cat")
	if cat != "" && !slices.Contains(article.Categories(), cat) {
		p.notFound(w, r)
		return
	}
	list, err := p.articles.Published(r.Context(), article.Filter{OrgID: o.ID, Category: cat, Limit: 30})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	base := origin(r)
	self := base + "/portal/" + strconv.FormatInt(o.ID, 10)
	if cat != "" {
		self += "/category/" + url.PathEscape(cat)
	}
	lang := server.Lang(r)
	f := atomFeed{Lang: lang, ID: self + "/feed.atom", Title: o.DisplayName(lang), Author: atomPerson{Name: o.DisplayName(lang)},
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: self + "/feed.atom"}, {Rel: "alternate", Type: "text/html", Href: self}}}
	if cat != "" {
		f.Title = p.srv.Catalog().T(lang, "article.category."+cat, nil) + " · " + f.Title
	}
	updated := time.Unix(0, 0).UTC()
	for _, a := range list {
		e := atomEntry{ID: base + articleLink(a), Title: a.Title, Updated: a.UpdatedAt.UTC().Format(time.RFC3339),
			Published: a.Released().UTC().Format(time.RFC3339), Links: []atomLink{{Rel: "alternate", Type: "text/html", Href: base + articleLink(a)}},
			Summary: atomText{Type: "text", Body: a.Summary}, Content: atomText{Type: "html", Body: a.Body}}
		e.Category = &struct {
			Term string `xml:"term,attr"`
		}{Term: a.Category}
		f.Entries = append(f.Entries, e)
		if a.UpdatedAt.After(updated) {
			updated = a.UpdatedAt.UTC()
		}
	}
	f.Updated = updated.Format(time.RFC3339)
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		p.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write([]byte(xml.Header))
	w.Write(out)
}
