package web

// The ready-made reports of an organization's subtree (a picker, a print-ready page and
// the .xlsx download) and its yearly record, all for those with View on it. The figures
// are taken from the records on every request; the page says when.

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/org"
	"vanguard/internal/oversight"
	"vanguard/internal/server"
)

type reportPages struct {
	*Handlers
	svc *oversight.Reports
}

func (h *Handlers) registerOversightReports(srv *server.Server, d Deps) {
	if d.Reports == nil {
		return
	}
	p := &reportPages{Handlers: h, svc: d.Reports}
	srv.HandleFunc("GET /orgs/{id}/reports", server.SignedIn, p.picker) // View on {id}
	// {kind} is "organizational-life" for the print page or "organizational-life.xlsx"
	// for the workbook: a ServeMux wildcard is a whole segment.
	srv.HandleFunc("GET /orgs/{id}/reports/{kind}", server.SignedIn, p.report) // View on {id}
	srv.HandleFunc("GET /orgs/{id}/yearly", server.SignedIn, p.yearly)         // View on {id}
}

type reportPicker struct {
	Org    org.Org
	Kinds  []oversight.ReportKind
	Period string
	Year   int
}

type reportView struct {
	Org    org.Org
	Report oversight.Report
	Rows   []reportRow
	Total  []string
	XLSX   string
}

type reportRow struct {
	OrgID int64
	Name  string
	Depth int
	Cells []string
}

func (p *reportPages) picker(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.View)
	if !ok {
		return
	}
	now := time.Now().In(displayZone)
	// Last month by default: the report a committee asks for at the start of a month.
	d := reportPicker{Org: o, Kinds: oversight.ReportKinds(), Period: now.AddDate(0, 0, -now.Day()).Format("2006-01"), Year: now.Year()}
	if v := r.URL.Query().Get("period"); v != "" {
		per, err := oversight.ParsePeriod(v, now)
		if err != nil {
			p.pickerError(w, r, o, v, err)
			return
		}
		d.Period, d.Year = per.Name, int(per.From)/10000
	}
	p.render(w, r, http.StatusOK, "oversight_reports", p.page(r, "oversight.report.title", d))
}

// pickerError shows the picker again with what was wrong with the period.
func (p *reportPages) pickerError(w http.ResponseWriter, r *http.Request, o org.Org, period string, err error) {
	list, ok := formErrors(err)
	if !ok {
		p.fail(w, r, err)
		return
	}
	d := reportPicker{Org: o, Kinds: oversight.ReportKinds(), Period: period, Year: time.Now().In(displayZone).Year()}
	pg := p.page(r, "oversight.report.title", d)
	pg.Errors = list
	p.render(w, r, http.StatusUnprocessableEntity, "oversight_reports", pg)
}

func (p *reportPages) report(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.View)
	if !ok {
		return
	}
	name, xlsx := strings.CutSuffix(r.PathValue("kind"), ".xlsx")
	kind := oversight.ReportKind(name)
	if !kind.Valid() {
		p.notFound(w, r)
		return
	}
	period, err := oversight.ParsePeriod(r.URL.Query().Get("period"), time.Now())
	if err != nil {
		p.pickerError(w, r, o, r.URL.Query().Get("period"), err)
		return
	}
	rep, err := p.svc.Report(r.Context(), kind, o.ID, period)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	lang := server.Lang(r)
	cat := p.srv.Catalog()
	rep.Translate(func(key string) string { return cat.T(lang, key, nil) }, lang)
	if xlsx {
		p.download(w, r, rep, lang)
		return
	}
	v := reportView{Org: o, Report: rep, XLSX: fmt.Sprintf("/orgs/%d/reports/%s.xlsx?period=%s", o.ID, kind, period.Name)}
	for _, row := range rep.Rows {
		v.Rows = append(v.Rows, reportRow{OrgID: row.OrgID, Name: row.DisplayName(lang), Depth: row.Depth, Cells: cells(rep, row.Values)})
	}
	v.Total = cells(rep, rep.Total.Values)
	p.render(w, r, http.StatusOK, "oversight_report", p.page(r, kind.Key(), v))
}

func cells(rep oversight.Report, values []float64) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = rep.Columns[i].Format(v)
	}
	return out
}

func (p *reportPages) download(w http.ResponseWriter, r *http.Request, rep oversight.Report, lang string) {
	cat := p.srv.Catalog()
	body, err := rep.XLSX(func(key string, kv ...any) string {
		params := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			params[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return cat.T(lang, key, params)
	}, lang)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	ascii := fmt.Sprintf("%s-%d-%s.xlsx", rep.Kind, rep.OrgID, rep.Period)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", attachment(ascii, fileSafe(rep.OrgName+" "+rep.Title+" "+rep.Period)+".xlsx"))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

type yearlyView struct {
	Org        org.Org
	Record     oversight.Yearly
	Prev, Next int
}

func (p *reportPages) yearly(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.View)
	if !ok {
		return
	}
	year := time.Now().In(displayZone).Year()
	if v := r.URL.Query().Get("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 1921 || y > 9999 {
			p.notFound(w, r)
			return
		}
		year = y
	}
	rec, err := p.svc.YearlyRecord(r.Context(), o.ID, year)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "oversight_yearly", p.page(r, "oversight.yearly.title", yearlyView{Org: o, Record: rec, Prev: year - 1, Next: year + 1}))
}
