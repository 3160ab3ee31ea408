package web

// Shared by the pages of organizations, people, alliances and transfers: who is asking,
// what they may do to the organization or person in the path, and how a refusal reads.
//
// The rule every handler follows: an organization or person outside the caller's View
// scope answers the not-found page, exactly as one that does not exist, so that IDs
// cannot be probed; inside View scope, a write the caller's role does not carry
// answers 403.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/server"
	"vanguard/internal/store"
)

// maxFormBytes bounds an ordinary form post; uploads have their own limit.
const maxFormBytes = 64 << 10

func caller(r *http.Request) auth.Account {
	a, _ := server.AccountFrom(r.Context())
	return a
}

// pathID reads a positive integer path value.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

// rights is what the caller may do on one organization.
type rights struct {
	Manage     bool
	Administer bool
}

// orgFor loads the organization named by the path's {id} after checking that the caller
// holds right on it. It answers the request itself (404 or 403) and returns false when
// the caller may not go on.
func (h *Handlers) orgFor(w http.ResponseWriter, r *http.Request, right org.Right) (org.Org, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r)
		return org.Org{}, false
	}
	if !h.allow(w, r, id, right) {
		return org.Org{}, false
	}
	o, err := h.orgs.Get(r.Context(), id)
	if err != nil {
		h.problem(w, r, err)
		return org.Org{}, false
	}
	return o, true
}

// allow checks a right on an organization: outside View scope → 404, inside but without
// the right → 403.
func (h *Handlers) allow(w http.ResponseWriter, r *http.Request, orgID int64, right org.Right) bool {
	a := caller(r)
	can, err := h.orgs.Can(r.Context(), a, org.View, orgID)
	if err != nil {
		h.fail(w, r, err)
		return false
	}
	if !can {
		h.notFound(w, r)
		return false
	}
	if right == org.View {
		return true
	}
	if can, err = h.orgs.Can(r.Context(), a, right, orgID); err != nil {
		h.fail(w, r, err)
		return false
	}
	if !can {
		h.srv.Forbidden(w, r)
		return false
	}
	return true
}

// rightsOn answers Manage and Administer on an organization for a page to show its forms.
func (h *Handlers) rightsOn(ctx context.Context, a auth.Account, orgID int64) (rights, error) {
	var rt rights
	var err error
	if rt.Manage, err = h.orgs.Can(ctx, a, org.Manage, orgID); err != nil || !rt.Manage {
		return rt, err
	}
	rt.Administer, err = h.orgs.Can(ctx, a, org.Administer, orgID)
	return rt, err
}

// personFor loads the person named by the path's {id}: one the caller may not see
// answers 404; with manage set, one the caller sees but may not change answers 403.
func (h *Handlers) personFor(w http.ResponseWriter, r *http.Request, manage bool) (member.Person, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r)
		return member.Person{}, false
	}
	ctx, a := r.Context(), caller(r)
	p, err := h.people.Get(ctx, id)
	if err != nil {
		h.problem(w, r, err)
		return member.Person{}, false
	}
	see, err := h.people.CanSee(ctx, a, p)
	if err != nil {
		h.fail(w, r, err)
		return member.Person{}, false
	}
	if !see {
		h.notFound(w, r)
		return member.Person{}, false
	}
	if manage {
		can, err := h.people.CanManage(ctx, a, p)
		if err != nil {
			h.fail(w, r, err)
			return member.Person{}, false
		}
		if !can {
			h.srv.Forbidden(w, r)
			return member.Person{}, false
		}
	}
	return p, true
}

// visibleOrgs tells which of ids the caller may view, for pages that link only to
// organizations the reader can open. Lists passed here are short (a breadcrumb, an
// alliance's members, a person's history).
func (h *Handlers) visibleOrgs(ctx context.Context, a auth.Account, ids ...int64) (map[int64]bool, error) {
	seen := map[int64]bool{}
	for _, id := range ids {
		if _, done := seen[id]; done || id == 0 {
			continue
		}
		can, err := h.orgs.Can(ctx, a, org.View, id)
		if err != nil {
			return nil, err
		}
		seen[id] = can
	}
	return seen, nil
}

// problem answers an error of a service: a missing row reads as not found, anything
// else is a failure. Person-facing errors are re-rendered by the handlers with their
// forms, before they get here.
func (h *Handlers) problem(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r)
		return
	}
	h.fail(w, r, err)
}

// formErrors returns the person-facing errors err carries, if it is one.
func formErrors(err error) ([]*i18n.Error, bool) {
	var list i18n.Errors
	if errors.As(err, &list) {
		return list, true
	}
	var one *i18n.Error
	if errors.As(err, &one) {
		return []*i18n.Error{one}, true
	}
	return nil, false
}

// readForm parses a small form post.
func readForm(w http.ResponseWriter, r *http.Request) url.Values {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return url.Values{}
	}
	return r.PostForm
}

// formDate reads a YYYY-MM-DD field as a civil date (midnight UTC, as the services
// keep dates). Empty gives the zero time, or a required error when required.
func formDate(v url.Values, field string, required bool) (time.Time, *i18n.Error) {
	s := strings.TrimSpace(v.Get(field))
	if s == "" {
		if required {
			return time.Time{}, i18n.Invalid(field, "error.required")
		}
		return time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, i18n.Invalid(field, "pages.error.date", "value", s)
	}
	return d, nil
}

// errOf returns a field error as an error, nil staying nil (a nil *i18n.Error in an
// error interface would not be).
func errOf(e *i18n.Error) error {
	if e == nil {
		return nil
	}
	return e
}

// formInt reads an integer field; empty is 0.
func formInt(v url.Values, field string) (int64, *i18n.Error) {
	s := strings.TrimSpace(v.Get(field))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, i18n.Invalid(field, "pages.error.number", "value", s)
	}
	return n, nil
}

// seeOther sends the browser on after a successful post, with a one-line notice.
func seeOther(w http.ResponseWriter, r *http.Request, path, done string) {
	if done != "" {
		path += "?done=" + url.QueryEscape(done)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// doneFlash turns ?done=x into the catalog key of its notice, for known notices only.
func (h *Handlers) doneFlash(r *http.Request) string {
	v := r.URL.Query().Get("done")
	if v == "" || len(v) > 40 || strings.Trim(v, "abcdefghijklmnopqrstuvwxyz_") != "" {
		return ""
	}
	if key := "pages.done." + v; h.srv.Catalog().Has(key) {
		return key
	}
	return ""
}

// today is the civil date in China, formatted for a date input.
func (h *Handlers) today() string { return h.people.Today().Format(time.DateOnly) }

// form keeps what was posted to a form that failed, so that the page shows it again in
// that form only.
type form struct {
	Name   string // which form failed
	Values url.Values
}

// Val is the posted value of field when the failed form is name.
func (f form) Val(name, field string) string {
	if f.Name != name {
		return ""
	}
	return f.Values.Get(field)
}

// Open tells whether the form name failed, to open its <details>.
func (f form) Open(name string) bool { return f.Name == name }
