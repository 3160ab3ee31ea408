package web

import (
	"context"
	"net/http"

	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/org"
)

type transferView struct {
	member.Transfer
	CanReceive bool
	CanCancel  bool
}

type transfersData struct {
	Transfers []transferView
	Today     string
	Failed    int64 // the letter whose form failed
}

// transfers lists the letters into or out of the caller's Manage scope, open ones first,
// with the receive and cancel buttons the caller may press.
func (h *Handlers) transfers(w http.ResponseWriter, r *http.Request) {
	h.renderTransfers(w, r, http.StatusOK, h.doneFlash(r), nil, 0)
}

func (h *Handlers) renderTransfers(w http.ResponseWriter, r *http.Request, status int, flash string, errs []*i18n.Error, failed int64) {
	ctx, a := r.Context(), caller(r)
	list, err := h.people.Transfers(ctx, org.ScopeOf(a, org.Manage), 0)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	manage := map[int64]bool{}
	may := func(orgID int64) (bool, error) {
		if v, ok := manage[orgID]; ok {
			return v, nil
		}
		v, err := h.orgs.Can(ctx, a, org.Manage, orgID)
		manage[orgID] = v
		return v, err
	}
	d := transfersData{Today: h.today(), Failed: failed}
	for _, t := range list {
		v := transferView{Transfer: t}
		if t.Status == member.TransferIssued {
			if v.CanReceive, err = may(t.ToOrgID); err != nil {
				h.fail(w, r, err)
				return
			}
			if v.CanCancel, err = may(t.FromOrgID); err != nil {
				h.fail(w, r, err)
				return
			}
		}
		d.Transfers = append(d.Transfers, v)
	}
	p := h.page(r, "pages.transfers.title", d)
	p.Flash, p.Errors = flash, errs
	h.render(w, r, status, "transfers", p)
}

// transferFor loads the letter of the path's {id}: one neither side of which the
// caller may view is not found; the side that acts must be managed by the caller.
func (h *Handlers) transferFor(w http.ResponseWriter, r *http.Request, receiving bool) (member.Transfer, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r)
		return member.Transfer{}, false
	}
	ctx, a := r.Context(), caller(r)
	t, err := h.people.GetTransfer(ctx, id)
	if err != nil {
		h.problem(w, r, err)
		return t, false
	}
	see, err := h.seesEither(ctx, a, t.FromOrgID, t.ToOrgID)
	if err != nil {
		h.fail(w, r, err)
		return t, false
	}
	if !see {
		h.notFound(w, r)
		return t, false
	}
	side := t.FromOrgID
	if receiving {
		side = t.ToOrgID
	}
	can, err := h.orgs.Can(ctx, a, org.Manage, side)
	if err != nil {
		h.fail(w, r, err)
		return t, false
	}
	if !can {
		h.srv.Forbidden(w, r)
		return t, false
	}
	return t, true
}

func (h *Handlers) seesEither(ctx context.Context, a auth.Account, orgs ...int64) (bool, error) {
	for _, id := range orgs {
		if can, err := h.orgs.Can(ctx, a, org.View, id); err != nil || can {
			return can, err
		}
	}
	return false, nil
}

func (h *Handlers) receiveTransfer(w http.ResponseWriter, r *http.Request) {
	t, ok := h.transferFor(w, r, true)
	if !ok {
		return
	}
	v := readForm(w, r)
	on, bad := formDate(v, "received_on", false)
	err := errOf(bad)
	if err == nil {
		_, err = h.people.Receive(r.Context(), t.ID, on)
	}
	if h.transferFailed(w, r, t.ID, err) {
		return
	}
	seeOther(w, r, "/transfers", "received")
}

func (h *Handlers) cancelTransfer(w http.ResponseWriter, r *http.Request) {
	t, ok := h.transferFor(w, r, false)
	if !ok {
		return
	}
	if h.transferFailed(w, r, t.ID, h.people.Cancel(r.Context(), t.ID)) {
		return
	}
	seeOther(w, r, "/transfers", "cancelled")
}

func (h *Handlers) transferFailed(w http.ResponseWriter, r *http.Request, id int64, err error) bool {
	if err == nil {
		return false
	}
	if errs, ok := formErrors(err); ok {
		h.renderTransfers(w, r, http.StatusUnprocessableEntity, "", errs, id)
		return true
	}
	h.problem(w, r, err)
	return true
}
