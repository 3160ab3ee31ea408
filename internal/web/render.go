// Package web serves the HTML pages: thin handlers that parse a request, ask the domain
// services, and render a template in the reader's language.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"vanguard/internal/i18n"
	"vanguard/internal/server"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// assets maps a static file's name to its checksum URL and back, so that a changed file
// gets a new URL and every file can be cached for a year.
type assets struct {
	urls   map[string]string // "app.css" → "/static/app.1a2b3c4d5e.css"
	byHash map[string]string // "app.1a2b3c4d5e.css" → "app.css"
}

func loadAssets() (*assets, error) {
	a := &assets{urls: map[string]string{}, byHash: map[string]string{}}
	err := fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		name := strings.TrimPrefix(p, "static/")
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		a.urls[name] = "/static/" + hashed
		a.byHash[hashed] = name
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: read static files: %w", err)
	}
	return a, nil
}

func (a *assets) url(name string) (string, error) {
	u, ok := a.urls[name]
	if !ok {
		return "", fmt.Errorf("web: no static file %q", name)
	}
	return u, nil
}

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if orig, ok := a.byHash[name]; ok {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		http.ServeFileFS(w, r, staticFiles, "static/"+orig)
		return
	}
	http.NotFound(w, r)
}

// views holds every page template, parsed at start once per language with `t` bound to
// that language, so a template writes {{t "nav.home"}} and a missing template or a
// broken one stops the server from starting.
type views struct {
	byLang map[string]map[string]*template.Template // lang → page → template
}

func loadViews(cat *i18n.Catalog, a *assets) (*views, error) {
	pages, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	v := &views{byLang: map[string]map[string]*template.Template{}}
	for _, lang := range i18n.Languages() {
		v.byLang[lang] = map[string]*template.Template{}
		funcs := templateFuncs(cat, lang, a)
		for _, p := range pages {
			name := strings.TrimSuffix(path.Base(p), ".html")
			if strings.HasPrefix(name, "_") {
				continue // layout and partials are parsed with each page
			}
			t, err := template.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/_*.html", p)
			if err != nil {
				return nil, fmt.Errorf("web: parse %s: %w", p, err)
			}
			v.byLang[lang][name] = t
		}
	}
	return v, nil
}

func templateFuncs(cat *i18n.Catalog, lang string, a *assets) template.FuncMap {
	return template.FuncMap{
		"t": func(key string, kv ...any) string {
			params := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				params[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return cat.T(lang, key, params)
		},
		"msg":      func(m i18n.Message) string { return cat.T(lang, m.Key, m.Params) },
		"fault":    func(e *i18n.Error) string { return cat.Describe(lang, e) },
		"asset":    a.url,
		"lang":     func() string { return lang },
		"date":     func(v any) string { return formatTime(v, "2006-01-02") },
		"datetime": func(v any) string { return formatTime(v, "2006-01-02 15:04") },
	}
}

func formatTime(v any, layout string) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	}
	if t.IsZero() {
		return ""
	}
	return t.In(displayZone).Format(layout)
}

// Times are shown in China Standard Time: every user of the platform lives in it, and a
// server in UTC must not show a 9 a.m. meeting as 1 a.m.
var displayZone = time.FixedZone("CST", 8*3600)

// Page is what every template receives.
type Page struct {
	Title   string // a catalog key
	Account *accountView
	Lang    string
	Path    string // the request's path, for the language switch to come back to
	Flash   string // a catalog key of a one-line notice
	Errors  []*i18n.Error
	Data    any
}

type accountView struct {
	Username    string
	DisplayName string
	IsAdmin     bool
	HasRoles    bool // holds a role on some organization: the tree's pages are offered
	Unread      int  // unread notices
}

func (h *Handlers) page(r *http.Request, title string, data any) *Page {
	p := &Page{Title: title, Lang: server.Lang(r), Path: r.URL.RequestURI(), Data: data}
	if a, ok := server.AccountFrom(r.Context()); ok {
		p.Account = &accountView{Username: a.Username, DisplayName: a.DisplayName, IsAdmin: a.IsAdmin, HasRoles: a.IsAdmin}
		if !a.IsAdmin && h.orgs != nil {
			held, err := h.orgs.HoldsAnyRole(r.Context(), a.ID)
			if err != nil {
				h.srv.Logger().ErrorContext(r.Context(), "read roles for the menu", "err", err)
			}
			p.Account.HasRoles = held
		}
		if h.unread != nil {
			n, err := h.unread(r.Context(), a.ID)
			if err != nil {
				h.srv.Logger().ErrorContext(r.Context(), "count unread notices for the menu", "err", err)
			}
			p.Account.Unread = n
		}
	}
	return p
}

// render writes a page through a buffer, so that a template error becomes a clean 500
// instead of half a page.
func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	t, ok := h.views.byLang[p.Lang][name]
	if !ok {
		h.fail(w, r, fmt.Errorf("web: no template %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		h.fail(w, r, fmt.Errorf("web: render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (h *Handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.srv.Logger().ErrorContext(r.Context(), "page failed", "path", r.URL.Path, "err", err)
	http.Error(w, h.srv.Catalog().T(server.Lang(r), "error.internal", nil), http.StatusInternalServerError)
}
