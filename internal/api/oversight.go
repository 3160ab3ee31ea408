package api

import (
	"net/http"
	"time"

	"vanguard/internal/oversight"
	"vanguard/internal/server"
)

// orgDashboard is GET /api/v1/orgs/{id}/dashboard?period=2026|2026-Q4|2026-11: View on
// the organization; the figures of its subtree, one level down, at most
// oversight.MaxStale old. A system administrator may add fresh=1 to have them computed
// now, past the cache.
func (h *Handlers) orgDashboard(w http.ResponseWriter, r *http.Request) {
	id, ok := h.viewableOrg(w, r)
	if !ok {
		return
	}
	p, err := oversight.ParsePeriod(r.URL.Query().Get("period"), time.Now())
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	dashboard := h.oversight.Dashboard
	if a, _ := server.AccountFrom(r.Context()); r.URL.Query().Get("fresh") == "1" && a.IsAdmin {
		// What a computation costs, for the benchmark and an operator; others are
		// answered from the cache, which bounds the work any account can cause.
		dashboard = h.oversight.Compute
	}
	d, err := dashboard(r.Context(), id, p)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, d)
}
