package api

// Reports and news (issue 9). Published articles are public, as on the portal; a draft
// or an article in review is read only by who may manage its organization and looks
// missing to anyone else; a withdrawn article answers 410.

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"vanguard/internal/article"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/server"
)

type articleList struct {
	Articles []article.Article `json:"articles"`
	Total    int               `json:"total,omitempty"` // the number found, for a search
	page
}

// listArticles is GET /api/v1/articles?org=&q=: published articles, newest first, or
// with q the search's hits, best first.
func (h *Handlers) listArticles(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	orgID, text := q.id("org"), q.str("q")
	p := page{Limit: q.integer("limit", 20, 1, maxLimit), Offset: q.integer("offset", 0, 0, 10000)}
	if len(text) > 200 {
		q.errs = append(q.errs, i18n.Invalid("q", "article.error.too_long", "max", 200))
	}
	if err := q.err(); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	out := articleList{Articles: []article.Article{}, page: p}
	if text == "" {
		list, err := h.articles.Published(r.Context(), article.Filter{OrgID: orgID, Limit: p.Limit, Offset: p.Offset})
		if err != nil {
			Problem(h.srv, w, r, err)
			return
		}
		out.Articles = append(out.Articles, list...)
		server.WriteJSON(w, http.StatusOK, out)
		return
	}
	hits, total, err := h.articles.Search(r.Context(), article.Query{Text: text, OrgID: orgID, Limit: p.Limit, Offset: p.Offset})
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	for _, hit := range hits {
		out.Articles = append(out.Articles, hit.Article)
	}
	out.Total = total
	server.WriteJSON(w, http.StatusOK, out)
}

// getArticle is GET /api/v1/articles/{id}.
func (h *Handlers) getArticle(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		notFound(w, r)
		return
	}
	a, err := h.articles.Get(r.Context(), id)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	switch a.Status {
	case article.Published:
		server.WriteJSON(w, http.StatusOK, a)
		return
	case article.Withdrawn:
		server.WriteJSONError(w, r, http.StatusGone, "article.gone.title", nil)
		return
	}
	acc, _ := server.AccountFrom(r.Context())
	if ok, err := h.articles.CanManage(r.Context(), org.ScopeOf(acc, org.Manage), a); err != nil || !ok {
		h.denyAsMissing(w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, a)
}

type articleRequest struct {
	OrgID        int64    `json:"org_id"`
	Title        string   `json:"title"`
	Summary      string   `json:"summary"`
	Body         string   `json:"body"`
	Format       string   `json:"format"`
	Source       string   `json:"source"`
	Category     string   `json:"category"`
	Tags         []string `json:"tags"`
	CoverID      int64    `json:"cover_media_id"`
	ReleasedAt   string   `json:"released_at"` // YYYY-MM-DD, optional
	CommentsOpen bool     `json:"comments_open"`
}

// createArticle is POST /api/v1/articles: a draft, Manage on org_id.
func (h *Handlers) createArticle(w http.ResponseWriter, r *http.Request) {
	acc, _ := server.AccountFrom(r.Context())
	var req articleRequest
	if err := server.ReadJSON(w, r, &req); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	in := article.Input{OrgID: req.OrgID, Title: req.Title, Summary: req.Summary, Body: req.Body, Format: req.Format, Source: req.Source,
		Category: req.Category, Tags: req.Tags, CoverID: req.CoverID, CommentsOpen: req.CommentsOpen}
	if req.ReleasedAt != "" {
		d, err := time.Parse(time.DateOnly, req.ReleasedAt)
		if err != nil {
			Problem(h.srv, w, r, i18n.Invalid("released_at", "pages.error.date", "value", req.ReleasedAt))
			return
		}
		in.ReleasedAt = d
	}
	if req.OrgID > 0 {
		if ok, err := h.canView(r.Context(), acc, req.OrgID); err != nil || !ok {
			Problem(h.srv, w, r, orMissing(err, i18n.Invalid("org_id", "article.error.org")))
			return
		}
	}
	a, err := h.articles.Create(r.Context(), org.ScopeOf(acc, org.Manage), in)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/articles/"+strconv.FormatInt(a.ID, 10))
	server.WriteJSON(w, http.StatusCreated, a)
}

func orMissing(err error, instead error) error {
	if err != nil {
		return err
	}
	return instead
}

// publishArticle is POST /api/v1/articles/{id}/publish: Manage on its organization.
func (h *Handlers) publishArticle(w http.ResponseWriter, r *http.Request) {
	acc, _ := server.AccountFrom(r.Context())
	a, ok := h.articleFor(w, r, acc)
	if !ok {
		return
	}
	a, err := h.articles.Move(r.Context(), org.ScopeOf(acc, org.Manage), a.ID, article.Published, "")
	if errors.Is(err, article.ErrForbidden) {
		h.srv.Forbidden(w, r)
		return
	}
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, a)
}

// articleFor loads an article for a write: one the caller may not even view answers 404,
// as missing; one it sees but may not manage, 403.
func (h *Handlers) articleFor(w http.ResponseWriter, r *http.Request, acc auth.Account) (article.Article, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		notFound(w, r)
		return article.Article{}, false
	}
	a, err := h.articles.Get(r.Context(), id)
	if err != nil {
		Problem(h.srv, w, r, err)
		return a, false
	}
	if ok, err := h.canView(r.Context(), acc, a.OrgID); err != nil || !ok {
		h.denyAsMissing(w, r, err)
		return a, false
	}
	if ok, err := h.orgs.Can(r.Context(), acc, org.Manage, a.OrgID); err != nil || !ok {
		if err != nil {
			Problem(h.srv, w, r, err)
		} else {
			h.srv.Forbidden(w, r)
		}
		return a, false
	}
	return a, true
}

// activityReport is POST /api/v1/activities/{id}/report: the report draft of a held
// activity, made once; Manage on a host.
func (h *Handlers) activityReport(w http.ResponseWriter, r *http.Request) {
	acc, _ := server.AccountFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		notFound(w, r)
		return
	}
	ctx := r.Context()
	act, err := h.activities.Get(ctx, id)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	if ok, err := h.activities.InScope(ctx, org.ScopeOf(acc, org.View), id); err != nil || !ok {
		h.denyAsMissing(w, r, err)
		return
	}
	if ok, err := h.activities.InScope(ctx, org.ScopeOf(acc, org.Manage), id); err != nil || !ok {
		if err != nil {
			Problem(h.srv, w, r, err)
		} else {
			h.srv.Forbidden(w, r)
		}
		return
	}
	lang := server.Lang(r)
	src := article.ReportSource{Activity: act, Lang: lang,
		Labels: func(key string, params map[string]any) string { return h.srv.Catalog().T(lang, key, params) }}
	if src.Record, err = h.activities.Record(ctx, id); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	if src.Tally, err = h.activities.Tally(ctx, id); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	if src.Attachments, err = h.articles.Attachments(ctx, h.media, id); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	existing := int64(0)
	if prior, err := h.articles.ReportOf(ctx, id); err == nil {
		existing = prior
	}
	a, err := h.articles.FromActivity(ctx, org.ScopeOf(acc, org.Manage), src)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	status := http.StatusCreated
	if existing == a.ID {
		status = http.StatusOK // asked again: the same draft, never a second one
	}
	w.Header().Set("Location", "/api/v1/articles/"+strconv.FormatInt(a.ID, 10))
	server.WriteJSON(w, status, a)
}
