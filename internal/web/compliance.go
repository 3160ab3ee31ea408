package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
)

// The compliance calendar of an organization's subtree for a year: per branch, rule and
// month, quarter or year, what was held, what is due and what is overdue, with the
// attendance rate; and the rule overrides an administrator sets for the subtree.

type complianceRow struct {
	activity.OrgCalendar
	Rate string // attendance rate, "87%", or "" when nothing was held
}

type complianceData struct {
	Org       org.Org
	Rights    rights
	Year      int
	Prev      int
	Next      int
	Calendar  activity.Calendar
	Rows      []complianceRow
	Overrides []activity.Rule
	OrgKinds  []org.Kind
	Kinds     []activity.KindInfo
	Freqs     []activity.Frequency
	Form      form
}

func (p *activities) compliancePage(w http.ResponseWriter, r *http.Request) {
	p.renderCompliance(w, r, http.StatusOK, p.doneFlash(r), nil, form{})
}

func (p *activities) renderCompliance(w http.ResponseWriter, r *http.Request, status int, flash string, errs []*i18n.Error, f form) {
	o, ok := p.orgFor(w, r, org.View)
	if !ok {
		return
	}
	ctx := r.Context()
	year := time.Now().In(displayZone).Year()
	if v := r.URL.Query().Get("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < activity.FirstYear || y > 9999 {
			p.notFound(w, r)
			return
		}
		year = y
	}
	rt, err := p.rightsOn(ctx, caller(r), o.ID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	cal, err := p.svc.Calendar(ctx, o.ID, year)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := complianceData{Org: o, Rights: rt, Year: year, Prev: year - 1, Next: year + 1, Calendar: cal,
		OrgKinds: org.Kinds(), Kinds: activity.Kinds(), Freqs: activity.Frequencies(), Form: f}
	for _, oc := range cal.Orgs {
		row := complianceRow{OrgCalendar: oc}
		if oc.Attendance.Expected() > 0 {
			row.Rate = fmt.Sprintf("%.0f%%", oc.Attendance.Rate()*100)
		}
		d.Rows = append(d.Rows, row)
	}
	if rt.Administer {
		if d.Overrides, err = p.svc.Overrides(ctx, o.ID); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	pg := p.page(r, "activitypages.compliance.title", d)
	pg.Flash, pg.Errors = flash, errs
	p.render(w, r, status, "activity_compliance", pg)
}

// setRule overrides (or, with frequency "default", clears) a rule for the subtree.
func (p *activities) setRule(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.Administer)
	if !ok {
		return
	}
	v := readForm(w, r)
	sc := org.ScopeOf(caller(r), org.Administer)
	var err error
	if v.Get("frequency") == "default" {
		err = p.svc.ClearRule(r.Context(), sc, o.ID, org.Kind(v.Get("org_kind")), activity.Kind(v.Get("kind")))
	} else {
		err = p.svc.SetRule(r.Context(), sc, o.ID, activity.Rule{OrgKind: org.Kind(v.Get("org_kind")),
			Kind: activity.Kind(v.Get("kind")), Frequency: activity.Frequency(v.Get("frequency"))})
	}
	if err != nil {
		if errors.Is(err, activity.ErrForbidden) {
			p.srv.Forbidden(w, r)
			return
		}
		if fe, ok := formErrors(err); ok {
			p.renderCompliance(w, r, http.StatusUnprocessableEntity, "", fe, form{"rule", v})
			return
		}
		p.problem(w, r, err)
		return
	}
	seeOther(w, r, fmt.Sprintf("/orgs/%d/compliance", o.ID), "activity_saved")
}
