package api

import (
	"net/http"
	"strconv"
	"time"

	"vanguard/internal/oversight"
	"vanguard/internal/server"
)

// orgDashboard is GET /api/v1/orgs/{id}/dashboard?period=2026|2026-Q4|2026-11: View on
// the organization; the figures of its subtree, one level down, at most
// oversight.MaxStale old. A system administrator may add fresh=1 to have them computed
// now, past the cache.
func (h *Handlers) orgDashboard(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		notFound(w, r)
		return
	}
	if ok, err := h.canView(r.Context(), a, id); err != nil || !ok {
		h.denyAsMissing(w, r, err)
		return
	}
	p, err := oversight.ParsePeriod(r.URL.Query().Get("period"), time.Now())
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	dashboard := h.oversight.Dashboard
	if r.URL.Query().Get("fresh") == "1" && a.IsAdmin {
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
