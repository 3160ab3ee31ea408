package web

import (
	"errors"
	"net/http"

	"vanguard/internal/auth"
	"vanguard/internal/server"
	"vanguard/internal/store"
)

// registerSessionPages adds the routes of the account page's sessions section: a signed-in
// account ends one of its own sessions, or every one but the current.
func (h *Handlers) registerSessionPages(srv *server.Server) {
	srv.HandleFunc("POST /account/sessions/{id}/revoke", server.SignedIn, h.revokeSession)      // the session's own account
	srv.HandleFunc("POST /account/sessions/revoke-others", server.SignedIn, h.endOtherSessions) // the caller's other sessions
}

// accountSessions lists the caller's live sessions for the account page.
func (h *Handlers) accountSessions(r *http.Request) ([]auth.Session, error) {
	a, _ := server.AccountFrom(r.Context())
	return h.auth.Sessions(r.Context(), a.ID, server.SessionToken(r))
}

func (h *Handlers) revokeSession(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	id := r.PathValue("id")
	if err := h.auth.RevokeSession(r.Context(), a.ID, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			h.notFound(w, r)
			return
		}
		h.fail(w, r, err)
		return
	}
	if id == auth.SessionID(server.SessionToken(r)) {
		// Ending the session in use is signing out.
		h.srv.SetCookie(w, r, server.SessionCookie, "", -1)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account?done=session#sessions", http.StatusSeeOther)
}

func (h *Handlers) endOtherSessions(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	if _, err := h.auth.EndOtherSessions(r.Context(), a.ID, server.SessionToken(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/account?done=others#sessions", http.StatusSeeOther)
}
