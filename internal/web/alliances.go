package web

import (
	"net/http"

	"vanguard/internal/org"
)

type alliancesData struct {
	Alliances []org.Alliance
}

// alliances lists the alliances in which an organization of the caller's View scope
// takes part.
func (h *Handlers) alliances(w http.ResponseWriter, r *http.Request) {
	list, err := h.orgs.Alliances(r.Context(), org.ScopeOf(caller(r), org.View))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "alliances", h.page(r, "pages.alliances.title", alliancesData{Alliances: list}))
}

type allianceMemberView struct {
	org.AllianceMember
	Link bool // the reader may open the member organization's page
}

type resourceGroup struct {
	Kind  string
	Items []org.AllianceResource
}

type allianceData struct {
	Alliance  org.Alliance
	Members   []allianceMemberView
	Resources []resourceGroup
}

// alliance shows an alliance with a member in the caller's View scope: its agreement,
// members and their host units, shared resources by kind, and paired assistance. Seeing
// the alliance is not seeing the other members' people: their pages stay closed.
func (h *Handlers) alliance(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	ctx, a := r.Context(), caller(r)
	visible, err := h.orgs.AllianceVisible(ctx, org.ScopeOf(a, org.View), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !visible {
		h.notFound(w, r)
		return
	}
	al, err := h.orgs.Alliance(ctx, id)
	if err != nil {
		h.problem(w, r, err)
		return
	}
	ids := make([]int64, len(al.Members))
	for i, m := range al.Members {
		ids[i] = m.OrgID
	}
	open, err := h.visibleOrgs(ctx, a, ids...)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := allianceData{Alliance: al}
	for _, m := range al.Members {
		d.Members = append(d.Members, allianceMemberView{AllianceMember: m, Link: open[m.OrgID]})
	}
	for _, kind := range org.ResourceKinds() {
		g := resourceGroup{Kind: kind}
		for _, res := range al.Resources {
			if res.Kind == kind {
				g.Items = append(g.Items, res)
			}
		}
		if len(g.Items) > 0 {
			d.Resources = append(d.Resources, g)
		}
	}
	h.render(w, r, http.StatusOK, "alliance", h.page(r, "pages.alliance.title", d))
}
