package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// treeNode is an organization in a list, with its party members counted over its subtree.
type treeNode struct {
	Org      org.Org
	Members  int
	Children []treeNode
}

type treeData struct {
	Roots     []treeNode
	Admin     bool // a system administrator may found a new tree
	UnitKinds []string
	Form      form
}

// orgTree shows the roots of the caller's scope, each with its children: one level per
// request, every organization linking to its page for the next.
func (h *Handlers) orgTree(w http.ResponseWriter, r *http.Request) {
	h.renderTree(w, r, http.StatusOK, h.doneFlash(r), nil, form{})
}

func (h *Handlers) renderTree(w http.ResponseWriter, r *http.Request, status int, flash string, errs []*i18n.Error, f form) {
	ctx, a := r.Context(), caller(r)
	roots, err := h.orgs.Roots(ctx, a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var ids []int64
	nodes := make([]treeNode, len(roots))
	for i, root := range roots {
		children, err := h.orgs.Children(ctx, root.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		nodes[i].Org = root
		ids = append(ids, root.ID)
		for _, c := range children {
			nodes[i].Children = append(nodes[i].Children, treeNode{Org: c})
			ids = append(ids, c.ID)
		}
	}
	counts, err := h.people.MemberCounts(ctx, ids)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for i := range nodes {
		nodes[i].Members = counts[nodes[i].Org.ID]
		for j := range nodes[i].Children {
			nodes[i].Children[j].Members = counts[nodes[i].Children[j].Org.ID]
		}
	}
	p := h.page(r, "pages.orgs.title", treeData{Roots: nodes, Admin: a.IsAdmin, UnitKinds: org.UnitKinds(), Form: f})
	p.Flash, p.Errors = flash, errs
	h.render(w, r, status, "orgs", p)
}

// createRoot founds a new tree: a party committee at the top, for a system administrator.
func (h *Handlers) createRoot(w http.ResponseWriter, r *http.Request) {
	v := readForm(w, r)
	var o org.Org
	err := h.db.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		o, err = h.createOrgIn(r, tx, v, org.NewOrg{Kind: org.Committee})
		return err
	})
	if err != nil {
		if errs, ok := formErrors(err); ok {
			h.renderTree(w, r, http.StatusUnprocessableEntity, "", errs, form{"root", v})
			return
		}
		h.fail(w, r, err)
		return
	}
	seeOther(w, r, fmt.Sprintf("/orgs/%d", o.ID), "created")
}

// createOrgIn creates an organization from a form, with a new host unit when the form
// names one; otherwise the new organization is in its parent's unit.
func (h *Handlers) createOrgIn(r *http.Request, tx *store.Tx, v url.Values, n org.NewOrg) (org.Org, error) {
	n.Name, n.NameEn, n.Code = v.Get("name"), v.Get("name_en"), v.Get("code")
	if name := strings.TrimSpace(v.Get("unit_name")); name != "" {
		u, err := h.orgs.CreateUnit(r.Context(), tx, org.Unit{Name: name, NameEn: strings.TrimSpace(v.Get("unit_name_en")), Kind: v.Get("unit_kind")})
		if err != nil {
			return org.Org{}, err
		}
		n.UnitID = u.ID
	}
	return h.orgs.CreateIn(r.Context(), tx, n)
}

type crumb struct {
	Org  org.Org
	Link bool
}

type stageCount struct {
	Stage member.Stage
	Count int
}

type orgPageData struct {
	Org       org.Org
	Crumbs    []crumb
	Rights    rights
	Posts     []org.Post
	Children  []treeNode
	Stages    []stageCount
	People    int
	Alliances []org.Alliance
	Grants    []org.Grant
	Kinds     []org.Kind
	PostKinds []org.PostKind
	Roles     []org.Role
	UnitKinds []string
	Today     string
	Form      form
	Inactive  []activity.Inactive // members without organizational life for six months, for its managers
}

func (h *Handlers) orgPage(w http.ResponseWriter, r *http.Request) {
	o, ok := h.orgFor(w, r, org.View)
	if !ok {
		return
	}
	h.renderOrg(w, r, o, http.StatusOK, h.doneFlash(r), nil, form{})
}

func (h *Handlers) renderOrg(w http.ResponseWriter, r *http.Request, o org.Org, status int, flash string, errs []*i18n.Error, f form) {
	ctx, a := r.Context(), caller(r)
	d := orgPageData{Org: o, Kinds: org.Kinds(), PostKinds: org.PostKinds(), Roles: org.Roles(), UnitKinds: org.UnitKinds(), Today: h.today(), Form: f}
	var err error
	if d.Rights, err = h.rightsOn(ctx, a, o.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	ancestors, err := h.orgs.Ancestors(ctx, o.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ids := make([]int64, len(ancestors))
	for i, up := range ancestors {
		ids[i] = up.ID
	}
	visible, err := h.visibleOrgs(ctx, a, ids...)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, up := range ancestors {
		d.Crumbs = append(d.Crumbs, crumb{Org: up, Link: visible[up.ID]})
	}
	if d.Posts, err = h.orgs.PostsOn(ctx, o.ID, h.people.Today()); err != nil {
		h.fail(w, r, err)
		return
	}
	children, err := h.orgs.Children(ctx, o.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ids = ids[:0]
	for _, c := range children {
		ids = append(ids, c.ID)
	}
	members, err := h.people.MemberCounts(ctx, ids)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, c := range children {
		d.Children = append(d.Children, treeNode{Org: c, Members: members[c.ID]})
	}
	counts, err := h.people.StageCounts(ctx, o.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, st := range member.Stages() {
		d.Stages = append(d.Stages, stageCount{Stage: st, Count: counts[st]})
		d.People += counts[st]
	}
	if d.Alliances, err = h.orgs.AlliancesOf(ctx, o.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	if d.Rights.Administer {
		if d.Grants, err = h.orgs.Grants(ctx, o.ID); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if d.Rights.Manage && h.inactive != nil {
		if d.Inactive, err = h.inactive(ctx, a, o.ID); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	p := h.page(r, "pages.org.title", d)
	p.Flash, p.Errors = flash, errs
	h.render(w, r, status, "org", p)
}

// orgFormFailed answers a failed write from the organization page: a person-facing error
// shows the page again with the form as it was sent. It reports whether it answered.
func (h *Handlers) orgFormFailed(w http.ResponseWriter, r *http.Request, o org.Org, name string, v url.Values, err error) bool {
	if err == nil {
		return false
	}
	if errs, ok := formErrors(err); ok {
		h.renderOrg(w, r, o, http.StatusUnprocessableEntity, "", errs, form{name, v})
		return true
	}
	h.problem(w, r, err)
	return true
}

func (h *Handlers) createChild(w http.ResponseWriter, r *http.Request) {
	o, ok := h.orgFor(w, r, org.Administer)
	if !ok {
		return
	}
	v := readForm(w, r)
	var child org.Org
	err := h.db.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		child, err = h.createOrgIn(r, tx, v, org.NewOrg{ParentID: o.ID, Kind: org.Kind(v.Get("kind")), UnitID: o.UnitID})
		return err
	})
	if h.orgFormFailed(w, r, o, "create", v, err) {
		return
	}
	seeOther(w, r, fmt.Sprintf("/orgs/%d", child.ID), "created")
}

func (h *Handlers) renameOrg(w http.ResponseWriter, r *http.Request) {
	o, ok := h.orgFor(w, r, org.Administer)
	if !ok {
		return
	}
	v := readForm(w, r)
	_, err := h.orgs.Rename(r.Context(), o.ID, v.Get("name"), v.Get("name_en"))
	if h.orgFormFailed(w, r, o, "rename", v, err) {
		return
	}
	seeOther(w, r, fmt.Sprintf("/orgs/%d", o.ID), "renamed")
}

// moveOrg puts an organization under a new parent. The caller must administer both:
// a subtree is not pushed into a tree its administrator does not hold. A parent outside
// the caller's View scope reads as missing, like one that does not exist.
func (h *Handlers) moveOrg(w http.ResponseWriter, r *http.Request) {
	o, ok := h.orgFor(w, r, org.Administer)
	if !ok {
		return
	}
	v := readForm(w, r)
	ctx, a := r.Context(), caller(r)
	parent, bad := formInt(v, "parent_id")
	var err error
	switch {
	case bad != nil:
		err = bad
	case parent == 0:
		err = i18n.Invalid("parent_id", "error.required")
	default:
		var see, administer bool
		if see, err = h.orgs.Can(ctx, a, org.View, parent); err != nil {
			break
		}
		if administer, err = h.orgs.Can(ctx, a, org.Administer, parent); err != nil {
			break
		}
		switch {
		case !see:
			err = i18n.Invalid("parent_id", "org.error.parent_missing")
		case !administer:
			err = i18n.Invalid("parent_id", "pages.error.parent_not_administered")
		default:
			err = h.orgs.Move(ctx, o.ID, parent)
		}
	}
	if h.orgFormFailed(w, r, o, "move", v, err) {
		return
	}
	seeOther(w, r, fmt.Sprintf("/orgs/%d", o.ID), "moved")
}

func (h *Handlers) dissolveOrg(w http.ResponseWriter, r *http.Request) {
	o, ok := h.orgFor(w, r, org.Administer)
	if !ok {
		return
	}
	v := readForm(w, r)
	on, bad := formDate(v, "on", true)
	err := errOf(bad)
	if bad == nil {
		if on.After(h.people.Today()) {
			err = i18n.Invalid("on", "development.rule.future", "date", on.Format(time.DateOnly), "today", h.today())
		} else {
			err = h.orgs.Dissolve(r.Context(), o.ID, on)
		}
	}
	if h.orgFormFailed(w, r, o, "dissolve", v, err) {
		return
	}
	seeOther(w, r, fmt.Sprintf("/orgs/%d", o.ID), "dissolved")
}

type searchData struct {
	Query   string
	Results []org.Org
	Done    bool
}

// orgSearch finds organizations by name inside the caller's View scope: the helper for
// the forms that ask for an organization's number.
func (h *Handlers) orgSearch(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	d := searchData{Query: q}
	if q != "" {
		var err error
		if d.Results, err = h.orgs.Search(r.Context(), org.ScopeOf(caller(r), org.View), q, 30); err != nil {
			h.fail(w, r, err)
			return
		}
		d.Done = true
	}
	h.render(w, r, http.StatusOK, "org_search", h.page(r, "pages.search.title", d))
}
