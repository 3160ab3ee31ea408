package web

import (
	"net/http"
	"net/url"
	"strconv"

	"rsc.io/qr"

	"vanguard/internal/org"
)

// qrImage draws the activity's current sign-in code as a PNG. The code carries the
// address of the check-in page with a token that rotates every SlotSeconds; the page's
// script (activity.js) reloads the image every 20 seconds. It is issued only while the
// sign-in window is open, to a manager of a host.
func (p *activities) qrImage(w http.ResponseWriter, r *http.Request) {
	act, _, ok := p.activityFor(w, r, true)
	if !ok {
		return
	}
	tok, err := p.svc.CheckinToken(r.Context(), org.ScopeOf(caller(r), org.Manage), act.ID)
	if err != nil {
		if fe, ok := formErrors(err); ok && len(fe) > 0 {
			http.Error(w, p.srv.Catalog().Describe(p.page(r, "", nil).Lang, fe[0]), http.StatusConflict)
			return
		}
		p.fail(w, r, err)
		return
	}
	code, err := qr.Encode(checkinURL(r, act.ID, tok.Value), qr.M)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	code.Scale = 8
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(code.PNG())
}

// checkinURL is the absolute address a member's phone opens from the code.
func checkinURL(r *http.Request, id int64, token string) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/activities/" + strconv.FormatInt(id, 10) + "/checkin?token=" + url.QueryEscape(token)
}
