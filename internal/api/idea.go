package api

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/i18n"
	"vanguard/internal/idea"
	"vanguard/internal/server"
)

// Ideas over JSON. An idea the caller may not read answers 404; submitting needs a
// person record (422 otherwise), reviewing Manage on the idea's organization (403).

type ideaView struct {
	ID              int64             `json:"id"`
	OrgID           int64             `json:"org_id"`
	OrgName         string            `json:"org_name"`
	PersonID        int64             `json:"person_id"`
	PersonName      string            `json:"person_name"`
	Title           string            `json:"title"`
	Problem         string            `json:"problem"`
	Proposal        string            `json:"proposal"`
	Benefit         string            `json:"benefit"`
	Category        string            `json:"category"`
	Status          string            `json:"status"`
	Reason          string            `json:"reason,omitempty"`
	ReviewerName    string            `json:"reviewer_name,omitempty"`
	SubmittedAt     time.Time         `json:"submitted_at"`
	ReviewStartedAt *time.Time        `json:"review_started_at,omitempty"`
	AdoptedAt       *time.Time        `json:"adopted_at,omitempty"`
	DeclinedAt      *time.Time        `json:"declined_at,omitempty"`
	ImplementedAt   *time.Time        `json:"implemented_at,omitempty"`
	Supports        int               `json:"supports"`
	Attachments     []idea.Attachment `json:"attachments"`
}

func viewIdea(r *http.Request, i idea.Idea) ideaView {
	v := ideaView{ID: i.ID, OrgID: i.OrgID, OrgName: i.OrgDisplayName(server.Lang(r)), PersonID: i.PersonID, PersonName: i.PersonName,
		Title: i.Title, Problem: i.Problem, Proposal: i.Proposal, Benefit: i.Benefit, Category: i.Category, Status: string(i.Status),
		Reason: i.Reason, ReviewerName: i.ReviewerName, SubmittedAt: i.SubmittedAt.UTC(), ReviewStartedAt: i.ReviewStartedAt,
		AdoptedAt: i.AdoptedAt, DeclinedAt: i.DeclinedAt, ImplementedAt: i.ImplementedAt, Supports: i.Supports, Attachments: i.Attachments}
	if v.Attachments == nil {
		v.Attachments = []idea.Attachment{}
	}
	return v
}

type ideaPage struct {
	Ideas []ideaView `json:"ideas"`
	Total int        `json:"total"`
	page
}

func statusChoices() string {
	var names []string
	for _, st := range idea.Statuses() {
		names = append(names, string(st))
	}
	return strings.Join(names, ", ")
}

// listIdeas is GET /api/v1/ideas: the ideas the caller may read, newest first, by
// organization (with those below it), status, category and year.
func (h *Handlers) listIdeas(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	q := newQuery(r)
	f := idea.Filter{OrgID: q.id("org"), Status: idea.Status(q.str("status")), Category: q.str("category"), Year: q.integer("year", 0, 1900, 2999)}
	if f.Status != "" && !f.Status.Valid() {
		q.errs = append(q.errs, i18n.Invalid("status", "api.error.choice", "value", f.Status, "choices", statusChoices()))
	}
	if f.Category != "" {
		valid := false
		for _, c := range idea.Categories() {
			valid = valid || c == f.Category
		}
		if !valid {
			q.errs = append(q.errs, i18n.Invalid("category", "api.error.choice", "value", f.Category, "choices", strings.Join(idea.Categories(), ", ")))
		}
	}
	p := q.page()
	f.Limit, f.Offset = p.Limit, p.Offset
	if err := q.err(); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	c, err := h.ideas.CallerOf(r.Context(), a)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	list, total, err := h.ideas.List(r.Context(), c, f)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	out := ideaPage{Ideas: make([]ideaView, len(list)), Total: total, page: p}
	for i, it := range list {
		out.Ideas[i] = viewIdea(r, it)
	}
	server.WriteJSON(w, http.StatusOK, out)
}

type attachmentRequest struct {
	Filename string `json:"filename"`
	Content  string `json:"content_base64"`
}

type ideaRequest struct {
	OrgID       int64               `json:"org_id"`
	Title       string              `json:"title"`
	Problem     string              `json:"problem"`
	Proposal    string              `json:"proposal"`
	Benefit     string              `json:"benefit"`
	Category    string              `json:"category"`
	Attachments []attachmentRequest `json:"attachments"`
}

// submitIdea is POST /api/v1/ideas: the caller's person puts an idea on the board of
// their organization (org_id 0) or one above it.
func (h *Handlers) submitIdea(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, _ := server.AccountFrom(ctx)
	var req ideaRequest
	if err := server.ReadJSON(w, r, &req); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	n := idea.NewIdea{OrgID: req.OrgID, Title: req.Title, Problem: req.Problem, Proposal: req.Proposal, Benefit: req.Benefit, Category: req.Category}
	var errs i18n.Errors
	for i, f := range req.Attachments {
		content, err := base64.StdEncoding.DecodeString(f.Content)
		if err != nil {
			errs = append(errs, i18n.Invalid("attachments["+strconv.Itoa(i)+"].content_base64", "idea.error.base64"))
			continue
		}
		n.Files = append(n.Files, idea.NewFile{Filename: f.Filename, Content: content})
	}
	if len(errs) > 0 {
		Problem(h.srv, w, r, errs)
		return
	}
	c, err := h.ideas.CallerOf(ctx, a)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	i, err := h.ideas.Submit(ctx, c, n)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusCreated, viewIdea(r, i))
}

type reviewRequest struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

// reviewIdea is POST /api/v1/ideas/{id}/review: the next step of an idea, by the
// calling account as its named reviewer. Manage on the idea's organization.
func (h *Handlers) reviewIdea(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, _ := server.AccountFrom(ctx)
	id, ok := pathID(r, "id")
	if !ok {
		notFound(w, r)
		return
	}
	i, err := h.ideas.Get(ctx, id)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	c, err := h.ideas.CallerOf(ctx, a)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	acc, err := h.ideas.AccessTo(ctx, c, i)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	if !acc.View {
		notFound(w, r)
		return
	}
	if !acc.Review {
		h.srv.Forbidden(w, r)
		return
	}
	var req reviewRequest
	if err := server.ReadJSON(w, r, &req); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	i, err = h.ideas.Review(ctx, id, idea.Status(strings.TrimSpace(req.Status)), req.Reason)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, viewIdea(r, i))
}
