package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/oversight"
	"vanguard/internal/server"
)

// The oversight dashboard: an organization's subtree in a period, with charts, and every
// figure one level down — the children's dashboards, or for a branch its people.

type dashboards struct {
	*Handlers
	svc *oversight.Service
}

func (h *Handlers) registerOversight(srv *server.Server, d Deps) {
	if d.Oversight == nil {
		return
	}
	p := &dashboards{Handlers: h, svc: d.Oversight}
	srv.HandleFunc("GET /orgs/{id}/dashboard", server.SignedIn, p.dashboard) // View on {id}
}

type oversightData struct {
	Org      org.Org
	D        oversight.Dashboard
	Period   string
	Year     int
	Years    []int
	Picks    []periodPick
	Charts   string // the figures the charts draw, as JSON
	Periodic bool   // the period is not the whole year
}

// periodPick is one choice of the period picker.
type periodPick struct {
	Value    string
	Label    string // a catalog key, or the value itself when empty
	Selected bool
}

func (p *dashboards) dashboard(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.View)
	if !ok {
		return
	}
	per, err := oversight.ParsePeriod(r.URL.Query().Get("period"), time.Now())
	if err != nil {
		var fe *i18n.Error
		if errors.As(err, &fe) {
			pg := p.page(r, "dashboard.title", nil)
			pg.Errors = []*i18n.Error{fe}
			p.render(w, r, http.StatusUnprocessableEntity, "notfound", pg)
			return
		}
		p.fail(w, r, err)
		return
	}
	d, err := p.svc.Dashboard(r.Context(), o.ID, per)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	data := oversightData{Org: o, D: d, Period: per.Name, Year: int(per.From) / 10000}
	this := time.Now().In(displayZone).Year()
	for y := this; y >= this-4; y-- {
		data.Years = append(data.Years, y)
	}
	data.Picks = append(data.Picks, periodPick{Value: fmt.Sprint(data.Year), Label: "dashboard.period.year", Selected: per.Name == fmt.Sprint(data.Year)})
	for q := 1; q <= 4; q++ {
		v := fmt.Sprintf("%d-Q%d", data.Year, q)
		data.Picks = append(data.Picks, periodPick{Value: v, Selected: per.Name == v})
	}
	for m := 1; m <= 12; m++ {
		v := fmt.Sprintf("%d-%02d", data.Year, m)
		data.Picks = append(data.Picks, periodPick{Value: v, Selected: per.Name == v})
	}
	charts, err := json.Marshal(chartsOf(p.srv.Catalog(), server.Lang(r), d))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	data.Charts = string(charts)
	p.render(w, r, http.StatusOK, "oversight_dashboard", p.page(r, "dashboard.title", data))
}

// dashboardCharts are the series the page's script draws.
type dashboardCharts struct {
	Months   []string `json:"months"`
	Due      []int    `json:"due"`
	Held     []int    `json:"held"`
	Overdue  []int    `json:"overdue"`
	Stages   []string `json:"stages"`
	Pipeline []int    `json:"pipeline"`
	Campaign []string `json:"campaigns"`
	Percent  []int    `json:"percent"`
	Buckets  []string `json:"buckets"`
	People   []int    `json:"people"`
	Labels   map[string]string
}

func chartsOf(cat *i18n.Catalog, lang string, d oversight.Dashboard) dashboardCharts {
	t := func(key string) string { return cat.T(lang, key, nil) }
	c := dashboardCharts{Labels: map[string]string{"due": t("dashboard.due"), "held": t("dashboard.held"),
		"overdue": t("dashboard.overdue"), "people": t("dashboard.people_count"), "percent": t("dashboard.completion")}}
	for _, m := range d.Meetings.ByMonth {
		c.Months = append(c.Months, m.Month)
		c.Due, c.Held, c.Overdue = append(c.Due, m.Due), append(c.Held, m.Held), append(c.Overdue, m.Overdue)
	}
	for _, s := range d.Pipeline.Stages {
		c.Stages = append(c.Stages, t(s.Stage.Key()))
		c.Pipeline = append(c.Pipeline, s.Count)
	}
	for _, m := range d.Campaigns {
		title := m.Title
		if lang == "en" && m.TitleEn != "" {
			title = m.TitleEn
		}
		c.Campaign = append(c.Campaign, title)
		c.Percent = append(c.Percent, m.Percent)
	}
	for _, b := range d.Points.Buckets {
		c.Buckets = append(c.Buckets, b.Label)
		c.People = append(c.People, b.Count)
	}
	return c
}
