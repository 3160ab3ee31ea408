package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/server"
	"vanguard/internal/store"
)

// maxOrgOffset bounds offset in organization lists. Search takes only a limit, so a
// page far down is fetched from the top; no picker pages that deep.
const maxOrgOffset = 10_000

type orgList struct {
	Orgs []org.Org `json:"orgs"`
	page
}

// listOrgs lists organizations in the caller's View scope: the children of ?parent,
// the matches of ?q, or by default the roots of the caller's scope.
func (h *Handlers) listOrgs(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	q := newQuery(r)
	parent, search := q.id("parent"), q.str("q")
	p := page{Limit: q.integer("limit", defaultLimit, 1, maxLimit), Offset: q.integer("offset", 0, 0, maxOrgOffset)}
	if q.has("parent") && search != "" {
		q.errs = append(q.errs, i18n.Invalid("q", "api.error.exclusive", "field", "q", "other", "parent"))
	}
	if err := q.err(); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	var list []org.Org
	var err error
	switch {
	case parent != 0:
		if ok, err := h.canView(r.Context(), a, parent); err != nil || !ok {
			h.denyAsMissing(w, r, err)
			return
		}
		list, err = h.orgs.Children(r.Context(), parent)
		list = window(list, p)
	case search != "":
		list, err = h.orgs.Search(r.Context(), org.ScopeOf(a, org.View), search, p.Offset+p.Limit)
		list = window(list, p)
	default:
		list, err = h.orgs.Roots(r.Context(), a)
		list = window(list, p)
	}
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, orgList{Orgs: list, page: p})
}

// viewableOrg reads the organization id of the path and answers 404 (and false) unless
// the caller may view it: a malformed id, a missing organization and one outside the
// caller's scope look the same, so ids cannot be probed.
func (h *Handlers) viewableOrg(w http.ResponseWriter, r *http.Request) (int64, bool) {
	a, _ := server.AccountFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		notFound(w, r)
		return 0, false
	}
	if ok, err := h.canView(r.Context(), a, id); err != nil || !ok {
		h.denyAsMissing(w, r, err)
		return 0, false
	}
	return id, true
}

// canView tells whether an organization exists and the account may view it. Can alone
// says yes to a system administrator whatever the id.
func (h *Handlers) canView(ctx context.Context, a auth.Account, id int64) (bool, error) {
	ok, err := h.orgs.Can(ctx, a, org.View, id)
	if err != nil || !ok {
		return false, err
	}
	if a.IsAdmin {
		if _, err := h.orgs.Get(ctx, id); errors.Is(err, store.ErrNotFound) {
			return false, nil
		} else if err != nil {
			return false, err
		}
	}
	return true, nil
}

// denyAsMissing answers 404 for an organization or person outside the caller's scope,
// exactly as for one that does not exist, so that ids cannot be probed.
func (h *Handlers) denyAsMissing(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	notFound(w, r)
}

type orgRequest struct {
	ParentID int64  `json:"parent_id"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	NameEn   string `json:"name_en"`
	Code     string `json:"code"`
}

// createOrg sets up a sub-organization: Administer on the parent, or a system
// administrator for a new root. A parent the caller cannot see reads as missing.
func (h *Handlers) createOrg(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	var req orgRequest
	if err := server.ReadJSON(w, r, &req); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	ctx := r.Context()
	switch {
	case req.ParentID == 0 && !a.IsAdmin:
		h.srv.Forbidden(w, r)
		return
	case req.ParentID != 0:
		visible, err := h.orgs.Can(ctx, a, org.View, req.ParentID)
		if err != nil {
			Problem(h.srv, w, r, err)
			return
		}
		if !visible {
			Problem(h.srv, w, r, i18n.Invalid("parent_id", "org.error.parent_missing"))
			return
		}
		if ok, err := h.orgs.Can(ctx, a, org.Administer, req.ParentID); err != nil || !ok {
			h.forbid(w, r, err)
			return
		}
	}
	o, err := h.orgs.Create(ctx, org.NewOrg{ParentID: req.ParentID, Kind: org.Kind(req.Kind), Name: req.Name, NameEn: req.NameEn, Code: req.Code})
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/orgs/"+strconv.FormatInt(o.ID, 10))
	server.WriteJSON(w, http.StatusCreated, o)
}

// forbid answers 403, or the error that kept the check from being made.
func (h *Handlers) forbid(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	h.srv.Forbidden(w, r)
}

// orgRef names an organization, for breadcrumbs.
type orgRef struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	NameEn string `json:"name_en,omitempty"`
}

// childCounts says how much lies below an organization.
type childCounts struct {
	Living    int `json:"living"`    // direct sub-organizations still working
	Dissolved int `json:"dissolved"` // direct sub-organizations dissolved
	Subtree   int `json:"subtree"`   // living organizations anywhere below
}

type orgDetail struct {
	org.Org
	Ancestors []orgRef    `json:"ancestors"`
	Posts     []postView  `json:"posts"`
	Children  childCounts `json:"children"`
}

// postView is a post with its dates as civil dates.
type postView struct {
	ID         int64  `json:"id"`
	OrgID      int64  `json:"org_id"`
	OrgName    string `json:"org_name,omitempty"`
	PersonID   int64  `json:"person_id"`
	PersonName string `json:"person_name"`
	Kind       string `json:"kind"`
	StartedOn  string `json:"started_on"`
	EndedOn    string `json:"ended_on,omitempty"`
	Note       string `json:"note,omitempty"`
}

func viewPost(p org.Post) postView {
	return postView{ID: p.ID, OrgID: p.OrgID, OrgName: p.OrgName, PersonID: p.PersonID, PersonName: p.PersonName,
		Kind: string(p.Kind), StartedOn: dateOf(&p.StartedOn), EndedOn: dateOf(p.EndedOn), Note: p.Note}
}

// getOrg answers one organization with its breadcrumbs, current posts and the size of
// what lies below it; 404 outside the caller's View scope.
func (h *Handlers) getOrg(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	id, ok := pathID(r, "id")
	if !ok {
		notFound(w, r)
		return
	}
	ctx := r.Context()
	if ok, err := h.orgs.Can(ctx, a, org.View, id); err != nil || !ok {
		h.denyAsMissing(w, r, err)
		return
	}
	o, err := h.orgs.Get(ctx, id) // a system administrator may ask for one that does not exist
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	d := orgDetail{Org: o, Ancestors: []orgRef{}, Posts: []postView{}}
	ancestors, err := h.orgs.Ancestors(ctx, id)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	for _, an := range ancestors {
		d.Ancestors = append(d.Ancestors, orgRef{ID: an.ID, Name: an.Name, NameEn: an.NameEn})
	}
	posts, err := h.orgs.PostsOn(ctx, id, h.people.Today())
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	for _, p := range posts {
		d.Posts = append(d.Posts, viewPost(p))
	}
	children, err := h.orgs.Children(ctx, id)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	for _, c := range children {
		if c.DissolvedAt != nil {
			d.Children.Dissolved++
		} else {
			d.Children.Living++
		}
	}
	size, err := h.orgs.SubtreeSize(ctx, id)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	// SubtreeSize counts the organization itself when it is living.
	d.Children.Subtree = size
	if o.DissolvedAt == nil {
		d.Children.Subtree--
	}
	server.WriteJSON(w, http.StatusOK, d)
}
