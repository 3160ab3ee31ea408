package web

// Posts and roles on an organization's page. Posts are recorded with Manage: the code
// defines Manage as "change people, posts, records", and a branch's party-affairs worker
// records who was elected secretary. Roles are granted with Administer.

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

func (h *Handlers) appoint(w http.ResponseWriter, r *http.Request) {
	o, ok := h.orgFor(w, r, org.Manage)
	if !ok {
		return
	}
	v := readForm(w, r)
	ctx, a := r.Context(), caller(r)
	var errs i18n.Errors
	personID, bad := formInt(v, "person_id")
	if bad != nil {
		errs = append(errs, bad)
	}
	started, bad := formDate(v, "started_on", true)
	if bad != nil {
		errs = append(errs, bad)
	}
	if len(errs) == 0 {
		// Only a person the caller may see can be named: any other number reads as
		// missing, so the form cannot be used to find out who exists elsewhere.
		p, err := h.people.Get(ctx, personID)
		see := false
		if err == nil {
			see, err = h.people.CanSee(ctx, a, p)
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			h.fail(w, r, err)
			return
		}
		if !see {
			errs = append(errs, i18n.Invalid("person_id", "org.error.person_missing"))
		}
	}
	var err error = errs.Err()
	if err == nil {
		err = h.db.InTx(ctx, func(tx *store.Tx) error {
			_, err := h.orgs.Appoint(ctx, tx, org.NewPost{OrgID: o.ID, PersonID: personID, Kind: org.PostKind(v.Get("kind")), StartedOn: started, Note: v.Get("note")})
			return err
		})
	}
	if h.orgFormFailed(w, r, o, "appoint", v, err) {
		return
	}
	seeOther(w, r, fmt.Sprintf("/orgs/%d", o.ID), "appointed")
}

func (h *Handlers) endPost(w http.ResponseWriter, r *http.Request) {
	o, ok := h.orgFor(w, r, org.Manage)
	if !ok {
		return
	}
	postID, ok := pathID(r, "post")
	if !ok {
		h.notFound(w, r)
		return
	}
	owner, err := h.orgs.PostOrg(r.Context(), postID)
	if err != nil || owner != o.ID {
		// A post of another organization is not found here, whatever the caller may see.
		if err == nil || errors.Is(err, store.ErrNotFound) {
			h.notFound(w, r)
			return
		}
		h.fail(w, r, err)
		return
	}
	v := readForm(w, r)
	on, bad := formDate(v, "on", true)
	err = errOf(bad)
	if err == nil {
		err = h.orgs.EndPost(r.Context(), postID, on)
	}
	if h.orgFormFailed(w, r, o, "", v, err) {
		return
	}
	seeOther(w, r, fmt.Sprintf("/orgs/%d", o.ID), "post_ended")
}

func (h *Handlers) grantRole(w http.ResponseWriter, r *http.Request) {
	o, ok := h.orgFor(w, r, org.Administer)
	if !ok {
		return
	}
	v := readForm(w, r)
	ctx := r.Context()
	username := strings.TrimSpace(v.Get("username"))
	var err error
	if username == "" {
		err = i18n.Invalid("username", "error.required")
	} else {
		acc, lookup := h.auth.AccountByUsername(ctx, username)
		switch {
		case errors.Is(lookup, store.ErrNotFound):
			err = i18n.Invalid("username", "pages.error.no_account", "username", username)
		case lookup != nil:
			err = lookup
		default:
			err = h.db.InTx(ctx, func(tx *store.Tx) error {
				return h.orgs.GrantRole(ctx, tx, acc.ID, o.ID, org.Role(v.Get("role")))
			})
		}
	}
	if h.orgFormFailed(w, r, o, "grant", v, err) {
		return
	}
	seeOther(w, r, fmt.Sprintf("/orgs/%d", o.ID), "granted")
}

func (h *Handlers) revokeRole(w http.ResponseWriter, r *http.Request) {
	o, ok := h.orgFor(w, r, org.Administer)
	if !ok {
		return
	}
	grantID, ok := pathID(r, "grant")
	if !ok {
		h.notFound(w, r)
		return
	}
	grants, err := h.orgs.Grants(r.Context(), o.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	held := false
	for _, g := range grants {
		held = held || g.ID == grantID
	}
	if !held {
		// Only a role held on this organization is revoked from its page.
		h.notFound(w, r)
		return
	}
	if err := h.orgs.RevokeRole(r.Context(), grantID); err != nil {
		h.problem(w, r, err)
		return
	}
	seeOther(w, r, fmt.Sprintf("/orgs/%d", o.ID), "revoked")
}
