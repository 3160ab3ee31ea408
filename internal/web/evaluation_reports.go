package web

// The pages of the secretaries' work reports (述职评议) and of the democratic appraisal of
// members (民主评议党员). Both are listed on the evaluations page; a report is read by those
// with View on its branch and by the branch's members, who rate it; an appraisal by those
// with View on its branch and by the members appraised in it, who cast secret ballots.

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"vanguard/internal/evaluation"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/server"
	"vanguard/internal/store"
)

func (e *evaluations) registerReports(srv *server.Server) {
	srv.HandleFunc("POST /work-reports", server.SignedIn, e.submitReport)            // Manage on org_id, with a person record
	srv.HandleFunc("GET /work-reports/{id}", server.SignedIn, e.report)              // View on its branch, or a member of it
	srv.HandleFunc("POST /work-reports/{id}/ratings", server.SignedIn, e.rateReport) // the higher committee (Manage above) or a member, once
	srv.HandleFunc("POST /appraisals", server.SignedIn, e.startAppraisal)            // Manage on org_id
	srv.HandleFunc("GET /appraisals/{id}", server.SignedIn, e.appraisal)             // View on its branch, or appraised in it
	srv.HandleFunc("POST /appraisals/{id}/self", server.SignedIn, e.appraisalSelf)   // a member appraised in it
	srv.HandleFunc("POST /appraisals/{id}/ratings", server.SignedIn, e.rateMember)   // a member appraised in it, once per colleague
	srv.HandleFunc("POST /appraisals/{id}/grades", server.SignedIn, e.gradeMember)   // Manage on its branch
	srv.HandleFunc("POST /appraisals/{id}/close", server.SignedIn, e.closeAppraisal) // Manage on its branch
}

// evalAnswer answers a service error of a post: a person-facing one re-renders the page
// with it, a forbidden one 403, a missing one 404.
func (e *evaluations) evalAnswer(w http.ResponseWriter, r *http.Request, err error, rerender func([]*i18n.Error)) bool {
	if err == nil {
		return false
	}
	if list, ok := formErrors(err); ok {
		rerender(list)
		return true
	}
	if errors.Is(err, evaluation.ErrForbidden) {
		e.srv.Forbidden(w, r)
		return true
	}
	e.problem(w, r, err)
	return true
}

func (e *evaluations) submitReport(w http.ResponseWriter, r *http.Request) {
	v := readForm(w, r)
	c, ok := e.callerOf(w, r)
	if !ok {
		return
	}
	orgID, year, errs := orgAndYear(v)
	if len(errs) > 0 {
		e.renderList(w, r, http.StatusUnprocessableEntity, errs, form{Name: "report", Values: v})
		return
	}
	if ok, err := e.orgs.Can(r.Context(), c.Account, org.View, orgID); err != nil || !ok {
		e.problem(w, r, errOrNotFound(err))
		return
	}
	if ok, err := e.orgs.Can(r.Context(), c.Account, org.Manage, orgID); err != nil || !ok {
		if err != nil {
			e.fail(w, r, err)
			return
		}
		e.srv.Forbidden(w, r)
		return
	}
	rep, err := e.svc.SubmitReport(r.Context(), c, evaluation.NewReport{OrgID: orgID, Year: int(year),
		WorkDone: v.Get("work_done"), Problems: v.Get("problems"), Plans: v.Get("plans")})
	if e.evalAnswer(w, r, err, func(list []*i18n.Error) {
		e.renderList(w, r, http.StatusUnprocessableEntity, list, form{Name: "report", Values: v})
	}) {
		return
	}
	seeOther(w, r, "/work-reports/"+strconv.FormatInt(rep.ID, 10), "evaluation_report_submitted")
}

type reportData struct {
	Report evaluation.WorkReport
	Access evaluation.ReportAccess
	Grades []evaluation.Grade
	Form   form
}

func (e *evaluations) reportFor(w http.ResponseWriter, r *http.Request) (evaluation.WorkReport, evaluation.Caller, evaluation.ReportAccess, bool) {
	var c evaluation.Caller
	var acc evaluation.ReportAccess
	id, ok := pathID(r, "id")
	if !ok {
		e.notFound(w, r)
		return evaluation.WorkReport{}, c, acc, false
	}
	rep, err := e.svc.Report(r.Context(), id, server.Lang(r))
	if err != nil {
		e.problem(w, r, err)
		return rep, c, acc, false
	}
	if c, ok = e.callerOf(w, r); !ok {
		return rep, c, acc, false
	}
	if acc, err = e.svc.AccessToReport(r.Context(), c, rep); err != nil {
		e.fail(w, r, err)
		return rep, c, acc, false
	}
	if !acc.View {
		e.notFound(w, r)
		return rep, c, acc, false
	}
	return rep, c, acc, true
}

func (e *evaluations) report(w http.ResponseWriter, r *http.Request) {
	rep, _, acc, ok := e.reportFor(w, r)
	if !ok {
		return
	}
	e.renderReport(w, r, rep, acc, http.StatusOK, nil, form{})
}

func (e *evaluations) renderReport(w http.ResponseWriter, r *http.Request, rep evaluation.WorkReport, acc evaluation.ReportAccess, status int, errs []*i18n.Error, f form) {
	p := e.page(r, "evaluation.report.title", reportData{Report: rep, Access: acc, Grades: evaluation.ReportGrades(), Form: f})
	p.Flash, p.Errors = e.doneFlash(r), errs
	e.render(w, r, status, "evaluation_report", p)
}

func (e *evaluations) rateReport(w http.ResponseWriter, r *http.Request) {
	v := readForm(w, r)
	rep, c, acc, ok := e.reportFor(w, r)
	if !ok {
		return
	}
	_, err := e.svc.RateReport(r.Context(), c, rep.ID, evaluation.Grade(v.Get("grade")), v.Get("comment"))
	if e.evalAnswer(w, r, err, func(list []*i18n.Error) {
		e.renderReport(w, r, rep, acc, http.StatusUnprocessableEntity, list, form{Name: "rate", Values: v})
	}) {
		return
	}
	seeOther(w, r, "/work-reports/"+strconv.FormatInt(rep.ID, 10), "evaluation_rated")
}

// errOrNotFound is err, or not found when the organization is outside the View scope.
func errOrNotFound(err error) error {
	if err != nil {
		return err
	}
	return store.ErrNotFound
}

// orgAndYear reads the organization and the year of a form.
func orgAndYear(v url.Values) (int64, int64, []*i18n.Error) {
	var errs []*i18n.Error
	orgID, fe := formInt(v, "org_id")
	if fe != nil {
		errs = append(errs, fe)
	}
	year, fe := formInt(v, "year")
	if fe != nil {
		errs = append(errs, fe)
	}
	return orgID, year, errs
}

func (e *evaluations) startAppraisal(w http.ResponseWriter, r *http.Request) {
	v := readForm(w, r)
	c, ok := e.callerOf(w, r)
	if !ok {
		return
	}
	orgID, year, errs := orgAndYear(v)
	if len(errs) > 0 {
		e.renderList(w, r, http.StatusUnprocessableEntity, errs, form{Name: "appraisal", Values: v})
		return
	}
	if ok, err := e.orgs.Can(r.Context(), c.Account, org.View, orgID); err != nil || !ok {
		e.problem(w, r, errOrNotFound(err))
		return
	}
	if ok, err := e.orgs.Can(r.Context(), c.Account, org.Manage, orgID); err != nil || !ok {
		if err != nil {
			e.fail(w, r, err)
			return
		}
		e.srv.Forbidden(w, r)
		return
	}
	ap, err := e.svc.StartAppraisal(r.Context(), c, orgID, int(year))
	if e.evalAnswer(w, r, err, func(list []*i18n.Error) {
		e.renderList(w, r, http.StatusUnprocessableEntity, list, form{Name: "appraisal", Values: v})
	}) {
		return
	}
	seeOther(w, r, "/appraisals/"+strconv.FormatInt(ap.ID, 10), "evaluation_appraisal_started")
}

type appraisalData struct {
	Appraisal evaluation.Appraisal
	OrgName   string
	Access    evaluation.AppraisalAccess
	Grades    []evaluation.Grade
	Me        int64
	Rated     map[int64]bool // the colleagues the caller has rated
	Form      form
}

func (e *evaluations) appraisalFor(w http.ResponseWriter, r *http.Request) (evaluation.Appraisal, evaluation.Caller, evaluation.AppraisalAccess, bool) {
	var c evaluation.Caller
	var acc evaluation.AppraisalAccess
	id, ok := pathID(r, "id")
	if !ok {
		e.notFound(w, r)
		return evaluation.Appraisal{}, c, acc, false
	}
	ap, err := e.svc.Appraisal(r.Context(), id)
	if err != nil {
		e.problem(w, r, err)
		return ap, c, acc, false
	}
	if c, ok = e.callerOf(w, r); !ok {
		return ap, c, acc, false
	}
	if acc, err = e.svc.AccessToAppraisal(r.Context(), c, ap); err != nil {
		e.fail(w, r, err)
		return ap, c, acc, false
	}
	if !acc.View {
		e.notFound(w, r)
		return ap, c, acc, false
	}
	return ap, c, acc, true
}

func (e *evaluations) appraisal(w http.ResponseWriter, r *http.Request) {
	ap, c, acc, ok := e.appraisalFor(w, r)
	if !ok {
		return
	}
	e.renderAppraisal(w, r, ap, c, acc, http.StatusOK, nil, form{})
}

func (e *evaluations) renderAppraisal(w http.ResponseWriter, r *http.Request, ap evaluation.Appraisal, c evaluation.Caller,
	acc evaluation.AppraisalAccess, status int, errs []*i18n.Error, f form) {
	d := appraisalData{Appraisal: ap, Access: acc, Grades: evaluation.AppraisalGrades(), Me: c.PersonID(), Form: f}
	if o, err := e.orgs.Get(r.Context(), ap.OrgID); err == nil {
		d.OrgName = o.DisplayName(server.Lang(r))
	}
	var err error
	if d.Rated, err = e.svc.RatedBy(r.Context(), ap.ID, c.PersonID()); err != nil {
		e.fail(w, r, err)
		return
	}
	p := e.page(r, "evaluation.appraisal.title", d)
	p.Flash, p.Errors = e.doneFlash(r), errs
	e.render(w, r, status, "evaluation_appraisal", p)
}

// appraisalPost runs one action of an appraisal's page and answers it.
func (e *evaluations) appraisalPost(w http.ResponseWriter, r *http.Request, name, done string, act func(evaluation.Caller, int64, map[string][]string) error) {
	v := readForm(w, r)
	ap, c, acc, ok := e.appraisalFor(w, r)
	if !ok {
		return
	}
	if e.evalAnswer(w, r, act(c, ap.ID, v), func(list []*i18n.Error) {
		e.renderAppraisal(w, r, ap, c, acc, http.StatusUnprocessableEntity, list, form{Name: name, Values: v})
	}) {
		return
	}
	seeOther(w, r, "/appraisals/"+strconv.FormatInt(ap.ID, 10), done)
}

func personField(v map[string][]string) int64 {
	if len(v["person_id"]) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(v["person_id"][0], 10, 64)
	return n
}

func first(v map[string][]string, k string) string {
	if len(v[k]) == 0 {
		return ""
	}
	return v[k][0]
}

func (e *evaluations) appraisalSelf(w http.ResponseWriter, r *http.Request) {
	e.appraisalPost(w, r, "self", "evaluation_self_submitted", func(c evaluation.Caller, id int64, v map[string][]string) error {
		return e.svc.WriteSelfAssessment(r.Context(), c, id, first(v, "self_assessment"))
	})
}

func (e *evaluations) rateMember(w http.ResponseWriter, r *http.Request) {
	e.appraisalPost(w, r, "rate", "evaluation_rated", func(c evaluation.Caller, id int64, v map[string][]string) error {
		return e.svc.Rate(r.Context(), c, id, personField(v), evaluation.Grade(first(v, "grade")))
	})
}

func (e *evaluations) gradeMember(w http.ResponseWriter, r *http.Request) {
	e.appraisalPost(w, r, "grade", "evaluation_graded", func(c evaluation.Caller, id int64, v map[string][]string) error {
		return e.svc.SetGrade(r.Context(), c, id, personField(v), evaluation.Grade(first(v, "grade")), first(v, "final") == "1")
	})
}

func (e *evaluations) closeAppraisal(w http.ResponseWriter, r *http.Request) {
	e.appraisalPost(w, r, "close", "evaluation_closed", func(c evaluation.Caller, id int64, _ map[string][]string) error {
		return e.svc.CloseAppraisal(r.Context(), c, id)
	})
}
