package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// me sends the signed-in account to its own record, or says kindly that it has none.
func (h *Handlers) me(w http.ResponseWriter, r *http.Request) {
	p, err := h.people.ByAccount(r.Context(), caller(r).ID)
	if errors.Is(err, store.ErrNotFound) {
		h.render(w, r, http.StatusOK, "me_none", h.page(r, "pages.me.title", nil))
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/people/%d", p.ID), http.StatusSeeOther)
}

type membershipView struct {
	member.Membership
	Link bool
}

type personData struct {
	Person      member.Person
	Own         bool // the caller's own record: shown unmasked
	Manage      bool // the caller may change the record and reveal personal data
	Revealed    bool // personal data shown on purpose, after a reveal
	OrgLink     bool
	Step        member.Step
	HasStep     bool
	Next        member.Stage // the stage an advance leads to
	History     []member.Event
	Memberships []membershipView
	Posts       []org.Post
	Links       []member.Link
	Transfers   []member.Transfer
	AsOf        *member.Snapshot
	AsOfDate    string
	Stages      []member.Stage
	Today       string
	Form        form
}

// Transition kinds offered on the form, in the order of a development.
var transitionKinds = []string{member.KindTalk, member.KindAdvance, member.KindApprove, member.KindExtend, member.KindCancel}

// TransitionKinds lists the kinds of step the form offers.
func (personData) TransitionKinds() []string { return transitionKinds }

func (h *Handlers) personPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.personFor(w, r, false)
	if !ok {
		return
	}
	h.renderPerson(w, r, p, false, http.StatusOK, h.doneFlash(r), nil, form{})
}

// renderPerson shows a person's page. Personal data is masked unless the record is the
// caller's own or revealed is set (after Reveal wrote the look to the audit log).
func (h *Handlers) renderPerson(w http.ResponseWriter, r *http.Request, p member.Person, revealed bool, status int, flash string, errs []*i18n.Error, f form) {
	ctx, a := r.Context(), caller(r)
	d := personData{Person: p, Own: a.ID != 0 && p.AccountID == a.ID, Revealed: revealed, Stages: member.Stages(), Today: h.today(), Form: f}
	var err error
	if d.Manage, err = h.people.CanManage(ctx, a, p); err != nil {
		h.fail(w, r, err)
		return
	}
	if !d.Own && !revealed {
		d.Person.Mask()
	}
	d.Step, d.HasStep = member.NextStep(p.Dossier, h.people.Today())
	d.Next, _ = p.Stage.Next()
	if d.History, err = h.people.History(ctx, p.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	spells, err := h.people.Memberships(ctx, p.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ids := []int64{p.OrgID}
	for _, m := range spells {
		ids = append(ids, m.OrgID)
	}
	visible, err := h.visibleOrgs(ctx, a, ids...)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.OrgLink = visible[p.OrgID]
	for _, m := range spells {
		d.Memberships = append(d.Memberships, membershipView{Membership: m, Link: visible[m.OrgID]})
	}
	if d.Posts, err = h.orgs.PostsOf(ctx, p.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	if d.Links, err = h.people.Links(ctx, p.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	// Letters into or out of the caller's scope; on one's own record, every letter of
	// one's own (the person filter keeps it to them).
	scope := org.ScopeOf(a, org.View)
	if d.Own {
		scope = org.ScopeOf(auth.Account{IsAdmin: true}, org.View)
	}
	if d.Transfers, err = h.people.Transfers(ctx, scope, p.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	if on := r.URL.Query().Get("on"); on != "" && r.Method == http.MethodGet {
		day, bad := formDate(url.Values{"on": {on}}, "on", false)
		if bad != nil {
			errs = append(errs, bad)
			status = http.StatusUnprocessableEntity
		} else {
			snap, err := h.people.AsOf(ctx, p.ID, day)
			if err != nil {
				h.fail(w, r, err)
				return
			}
			d.AsOf = &snap
		}
		d.AsOfDate = on
	}
	page := h.page(r, "pages.person.title", d)
	page.Flash, page.Errors = flash, errs
	h.render(w, r, status, "person", page)
}

// personFormFailed answers a failed write from a person's page: a person-facing error
// shows the page again with the form as it was sent. It reports whether it answered.
func (h *Handlers) personFormFailed(w http.ResponseWriter, r *http.Request, p member.Person, name string, v url.Values, err error) bool {
	if err == nil {
		return false
	}
	if errs, ok := formErrors(err); ok {
		h.renderPerson(w, r, p, false, http.StatusUnprocessableEntity, "", errs, form{name, v})
		return true
	}
	h.problem(w, r, err)
	return true
}

// reveal shows a person's ID number and phone in full, once, on this response; the
// service writes who looked to the audit log.
func (h *Handlers) reveal(w http.ResponseWriter, r *http.Request) {
	p, ok := h.personFor(w, r, true)
	if !ok {
		return
	}
	full, err := h.people.Reveal(r.Context(), p.ID)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	h.renderPerson(w, r, full, true, http.StatusOK, "pages.done.revealed", nil, form{})
}

func (h *Handlers) recordTransition(w http.ResponseWriter, r *http.Request) {
	p, ok := h.personFor(w, r, true)
	if !ok {
		return
	}
	v := readForm(w, r)
	var errs i18n.Errors
	on, bad := formDate(v, "on", false) // a missing date is the rules' to name
	if bad != nil {
		errs = append(errs, bad)
	}
	months, bad := formInt(v, "months")
	if bad != nil {
		errs = append(errs, bad)
	}
	err := errs.Err()
	if err == nil {
		m := member.Move{
			Transition: member.Transition{Kind: v.Get("kind"), To: member.Stage(v.Get("to")), On: on, Months: int(months)},
			Documents:  v.Get("documents"), Note: v.Get("note"),
		}
		_, err = h.people.Record(r.Context(), p.ID, m)
	}
	if h.personFormFailed(w, r, p, "transition", v, err) {
		return
	}
	seeOther(w, r, fmt.Sprintf("/people/%d", p.ID), "transition")
}

func (h *Handlers) addLink(w http.ResponseWriter, r *http.Request) {
	p, ok := h.personFor(w, r, true)
	if !ok {
		return
	}
	v := readForm(w, r)
	ctx, a := r.Context(), caller(r)
	var errs i18n.Errors
	otherID, bad := formInt(v, "other_id")
	if bad != nil {
		errs = append(errs, bad)
	}
	since, bad := formDate(v, "since", false)
	if bad != nil {
		errs = append(errs, bad)
	}
	if len(errs) == 0 {
		// The contact or introducer must be someone the caller may see: another number
		// reads as missing, so the form tells nothing of people elsewhere.
		other, err := h.people.Get(ctx, otherID)
		see := false
		if err == nil {
			see, err = h.people.CanSee(ctx, a, other)
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			h.fail(w, r, err)
			return
		}
		if !see {
			errs = append(errs, i18n.Invalid("other_id", "member.error.person_missing"))
		}
	}
	err := errs.Err()
	if err == nil {
		err = h.people.AddLink(ctx, p.ID, otherID, v.Get("kind"), since)
	}
	if h.personFormFailed(w, r, p, "link", v, err) {
		return
	}
	seeOther(w, r, fmt.Sprintf("/people/%d", p.ID), "linked")
}

func (h *Handlers) prepare(w http.ResponseWriter, r *http.Request) {
	p, ok := h.personFor(w, r, true)
	if !ok {
		return
	}
	v := readForm(w, r)
	hours, bad := formInt(v, "training_hours")
	err := errOf(bad)
	if err == nil {
		err = h.people.Prepare(r.Context(), p.ID, member.Preparation{PoliticalReviewDone: v.Get("political_review") != "", TrainingHours: int(hours)})
	}
	if h.personFormFailed(w, r, p, "prepare", v, err) {
		return
	}
	seeOther(w, r, fmt.Sprintf("/people/%d", p.ID), "prepared")
}

// issueTransfer writes an introduction letter. The receiving organization is usually in
// another tree, so it is named by its number or its code as the receiving side gives it.
func (h *Handlers) issueTransfer(w http.ResponseWriter, r *http.Request) {
	p, ok := h.personFor(w, r, true)
	if !ok {
		return
	}
	v := readForm(w, r)
	ctx := r.Context()
	var errs i18n.Errors
	issued, bad := formDate(v, "issued_on", false)
	if bad != nil {
		errs = append(errs, bad)
	}
	to, err := h.orgByRef(r, v.Get("to_org"))
	if err != nil {
		if e, ok := formErrors(err); ok {
			errs = append(errs, e...)
		} else {
			h.fail(w, r, err)
			return
		}
	}
	err = errs.Err()
	if err == nil {
		_, err = h.people.Issue(ctx, member.NewTransfer{PersonID: p.ID, ToOrgID: to, IssuedOn: issued, LetterNo: v.Get("letter_no"), Note: v.Get("note")})
	}
	if h.personFormFailed(w, r, p, "transfer", v, err) {
		return
	}
	seeOther(w, r, fmt.Sprintf("/people/%d", p.ID), "transfer_issued")
}

// orgByRef reads an organization's number or, failing that, its code (as written, then
// in capitals, as codes are usually written).
func (h *Handlers) orgByRef(r *http.Request, ref string) (int64, error) {
	ref = strings.TrimSpace(ref)
	id, bad := formInt(url.Values{"to_org_id": {ref}}, "to_org_id")
	switch {
	case ref == "":
		return 0, i18n.Invalid("to_org_id", "error.required")
	case bad == nil:
		return id, nil
	}
	o, err := h.orgs.ByCode(r.Context(), h.db, ref)
	if errors.Is(err, store.ErrNotFound) && strings.ToUpper(ref) != ref {
		o, err = h.orgs.ByCode(r.Context(), h.db, strings.ToUpper(ref))
	}
	if errors.Is(err, store.ErrNotFound) {
		return 0, i18n.Invalid("to_org_id", "member.error.org")
	}
	return o.ID, err
}
