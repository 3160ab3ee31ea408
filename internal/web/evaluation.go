package web

// The pages of evaluations: the rounds a caller reads and the form to start one, a round's
// dashboard (progress by subject, scores, the distribution of levels), the scoring form of
// an assessment — the subject's self-assessment and the assessor's scores beside the
// suggestions computed from the records — and its rectifications. A round or an assessment
// the caller may not read answers the not-found page; one they read but may not act on 403.

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/evaluation"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/server"
)

type evaluations struct {
	*Handlers
	svc *evaluation.Service
}

// registerEvaluations adds the evaluation pages, each with the right it needs beside it.
func (h *Handlers) registerEvaluations(srv *server.Server, d Deps) {
	if d.Evaluation == nil {
		return
	}
	e := &evaluations{Handlers: h, svc: d.Evaluation}
	srv.HandleFunc("GET /evaluations", server.SignedIn, e.list)                                   // rounds the caller reads
	srv.HandleFunc("POST /evaluations", server.SignedIn, e.create)                                // Manage on org_id
	srv.HandleFunc("GET /evaluations/{id}", server.SignedIn, e.round)                             // View on the round's org
	srv.HandleFunc("POST /evaluations/{id}/close", server.SignedIn, e.close)                      // Manage on the round's org
	srv.HandleFunc("GET /evaluations/{id}/export.xlsx", server.SignedIn, e.export)                // View on the round's org
	srv.HandleFunc("GET /assessments/{id}", server.SignedIn, e.assessment)                        // the round's readers and the subject
	srv.HandleFunc("POST /assessments/{id}/scores", server.SignedIn, e.scores)                    // assessor: Manage on the round's org; self: the subject
	srv.HandleFunc("POST /assessments/{id}/self", server.SignedIn, e.submitSelf)                  // the subject
	srv.HandleFunc("POST /assessments/{id}/rectifications", server.SignedIn, e.openRectification) // Manage on the round's org
	srv.HandleFunc("POST /rectifications/{id}/move", server.SignedIn, e.moveRectification)        // fix: its owner or the subject; re-check: the organizer
	e.registerReports(srv)
}

func (e *evaluations) callerOf(w http.ResponseWriter, r *http.Request) (evaluation.Caller, bool) {
	c, err := e.svc.CallerOf(r.Context(), caller(r))
	if err != nil {
		e.fail(w, r, err)
		return c, false
	}
	return c, true
}

type evalListData struct {
	Rounds     []evaluation.Round
	Templates  []evaluation.Template
	Orgs       []org.Org // where the caller may start a round
	Year       int
	Deadline   string
	Now        time.Time
	Form       form
	Reports    []evaluation.WorkReport
	Appraisals []evaluation.AppraisalRef
	Person     bool // the caller is a person: a secretary may file a report
}

func (e *evaluations) list(w http.ResponseWriter, r *http.Request) {
	e.renderList(w, r, http.StatusOK, nil, form{})
}

func (e *evaluations) renderList(w http.ResponseWriter, r *http.Request, status int, errs []*i18n.Error, f form) {
	ctx := r.Context()
	c, ok := e.callerOf(w, r)
	if !ok {
		return
	}
	now := time.Now()
	d := evalListData{Year: now.Year() - 1, Deadline: now.AddDate(0, 1, 0).Format(time.DateOnly), Now: now, Form: f}
	var err error
	if d.Rounds, err = e.svc.Rounds(ctx, c, evaluation.RoundFilter{}, server.Lang(r)); err != nil {
		e.fail(w, r, err)
		return
	}
	if d.Templates, err = e.svc.Templates(ctx, c); err != nil {
		e.fail(w, r, err)
		return
	}
	if d.Reports, err = e.svc.VisibleReports(ctx, c, server.Lang(r)); err != nil {
		e.fail(w, r, err)
		return
	}
	if d.Appraisals, err = e.svc.Appraisals(ctx, c, server.Lang(r)); err != nil {
		e.fail(w, r, err)
		return
	}
	d.Person = c.Person != nil
	roots, err := e.orgs.Roots(ctx, c.Account)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	for _, o := range roots {
		if ok, err := e.orgs.Can(ctx, c.Account, org.Manage, o.ID); err == nil && ok {
			d.Orgs = append(d.Orgs, o)
		}
	}
	p := e.page(r, "evaluation.list.title", d)
	p.Flash, p.Errors = e.doneFlash(r), errs
	e.render(w, r, status, "evaluation_list", p)
}

func (e *evaluations) create(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := readForm(w, r)
	c, ok := e.callerOf(w, r)
	if !ok {
		return
	}
	var errs i18n.Errors
	tid, fe := formInt(v, "template_id")
	if fe != nil {
		errs = append(errs, fe)
	}
	orgID, fe := formInt(v, "org_id")
	if fe != nil {
		errs = append(errs, fe)
	}
	year, fe := formInt(v, "year")
	if fe != nil {
		errs = append(errs, fe)
	}
	deadline, fe := formDate(v, "deadline", true)
	if fe != nil {
		errs = append(errs, fe)
	}
	if len(errs) > 0 {
		e.renderList(w, r, http.StatusUnprocessableEntity, errs, form{Name: "round", Values: v})
		return
	}
	if orgID != 0 {
		if ok, err := e.orgs.Can(ctx, c.Account, org.View, orgID); err != nil {
			e.fail(w, r, err)
			return
		} else if !ok {
			e.notFound(w, r)
			return
		}
		if ok, err := e.orgs.Can(ctx, c.Account, org.Manage, orgID); err != nil {
			e.fail(w, r, err)
			return
		} else if !ok {
			e.srv.Forbidden(w, r)
			return
		}
	}
	round, err := e.svc.CreateRound(ctx, c, evaluation.NewRound{TemplateID: tid, OrgID: orgID, Title: v.Get("title"), Year: int(year), Deadline: deadline})
	if list, ok := formErrors(err); ok {
		e.renderList(w, r, http.StatusUnprocessableEntity, list, form{Name: "round", Values: v})
		return
	}
	if err != nil {
		e.fail(w, r, err)
		return
	}
	seeOther(w, r, "/evaluations/"+strconv.FormatInt(round.ID, 10), "evaluation_started")
}

// roundFor loads the round of the path for a caller who may read it.
func (e *evaluations) roundFor(w http.ResponseWriter, r *http.Request) (evaluation.Round, evaluation.Caller, evaluation.RoundAccess, bool) {
	var c evaluation.Caller
	var acc evaluation.RoundAccess
	id, ok := pathID(r, "id")
	if !ok {
		e.notFound(w, r)
		return evaluation.Round{}, c, acc, false
	}
	round, err := e.svc.Round(r.Context(), id)
	if err != nil {
		e.problem(w, r, err)
		return round, c, acc, false
	}
	if c, ok = e.callerOf(w, r); !ok {
		return round, c, acc, false
	}
	if acc, err = e.svc.AccessToRound(r.Context(), c, round); err != nil {
		e.fail(w, r, err)
		return round, c, acc, false
	}
	if !acc.View {
		// A subject who may not read the whole round is sent to their own assessment.
		if own, err := e.svc.OwnAssessment(r.Context(), c, round.ID); err == nil && r.Method == http.MethodGet &&
			r.URL.Path == "/evaluations/"+strconv.FormatInt(round.ID, 10) {
			http.Redirect(w, r, assessmentPath(own), http.StatusSeeOther)
			return round, c, acc, false
		}
		e.notFound(w, r)
		return round, c, acc, false
	}
	return round, c, acc, true
}

// evalChart is the data of the distribution chart; html/template writes it as JSON into
// the page's data block, escaped for a script element.
type evalChart struct {
	Labels []string `json:"labels"`
	Counts []int    `json:"counts"`
	Title  string   `json:"title"`
}

type evalRoundData struct {
	Round          evaluation.Round
	Results        evaluation.Results
	Access         evaluation.RoundAccess
	Rectifications []evaluation.Rectification
	Chart          evalChart // the distribution, written into the page as JSON for the chart
	Now            time.Time
}

func (e *evaluations) round(w http.ResponseWriter, r *http.Request) {
	round, _, acc, ok := e.roundFor(w, r)
	if !ok {
		return
	}
	e.renderRound(w, r, round, acc, http.StatusOK, nil)
}

func (e *evaluations) renderRound(w http.ResponseWriter, r *http.Request, round evaluation.Round, acc evaluation.RoundAccess, status int, errs []*i18n.Error) {
	ctx, lang := r.Context(), server.Lang(r)
	res, err := e.svc.RoundResults(ctx, round.ID, lang)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	rects, err := e.svc.RoundRectifications(ctx, round.ID)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	cat := e.srv.Catalog()
	chart := evalChart{Title: cat.T(lang, "evaluation.round.distribution", nil)}
	for _, d := range res.Distribution {
		chart.Labels = append(chart.Labels, cat.T(lang, d.Level.Key(), nil))
		chart.Counts = append(chart.Counts, d.Count)
	}
	round.OrgName = res.Round.OrgName
	if o, err := e.orgs.Get(ctx, round.OrgID); err == nil {
		round.OrgName = o.DisplayName(lang)
	}
	d := evalRoundData{Round: round, Results: res, Access: acc, Rectifications: rects, Chart: chart, Now: time.Now()}
	p := e.page(r, "evaluation.round.title", d)
	p.Flash, p.Errors = e.doneFlash(r), errs
	e.render(w, r, status, "evaluation_round", p)
}

func (e *evaluations) close(w http.ResponseWriter, r *http.Request) {
	round, c, acc, ok := e.roundFor(w, r)
	if !ok {
		return
	}
	if !acc.Organize {
		e.srv.Forbidden(w, r)
		return
	}
	_, err := e.svc.CloseRound(r.Context(), c, round.ID)
	if list, ok := formErrors(err); ok {
		e.renderRound(w, r, round, acc, http.StatusUnprocessableEntity, list)
		return
	}
	if err != nil {
		e.fail(w, r, err)
		return
	}
	seeOther(w, r, "/evaluations/"+strconv.FormatInt(round.ID, 10), "evaluation_closed")
}

// assessmentFor loads the assessment of the path and its round for a caller who may read it.
func (e *evaluations) assessmentFor(w http.ResponseWriter, r *http.Request, id int64) (evaluation.Round, evaluation.Assessment, evaluation.Caller, evaluation.Access, bool) {
	var c evaluation.Caller
	var acc evaluation.Access
	ctx := r.Context()
	a, err := e.svc.Assessment(ctx, id, server.Lang(r))
	if err != nil {
		e.problem(w, r, err)
		return evaluation.Round{}, a, c, acc, false
	}
	round, err := e.svc.Round(ctx, a.RoundID)
	if err != nil {
		e.fail(w, r, err)
		return round, a, c, acc, false
	}
	var ok bool
	if c, ok = e.callerOf(w, r); !ok {
		return round, a, c, acc, false
	}
	if acc, err = e.svc.AccessTo(ctx, c, round, a); err != nil {
		e.fail(w, r, err)
		return round, a, c, acc, false
	}
	if !acc.View {
		e.notFound(w, r)
		return round, a, c, acc, false
	}
	return round, a, c, acc, true
}

// evalItemRow is one item of the scoring form.
type evalItemRow struct {
	Item       evaluation.Item
	Self       *evaluation.Score
	Assessor   *evaluation.Score
	Suggestion *evaluation.Suggestion
	Value      string // what the assessor's field shows: the score given, else the suggestion
	SelfValue  string
	NewSection bool
}

type evalAssessmentData struct {
	Round   evaluation.Round
	A       evaluation.Assessment
	Access  evaluation.Access
	Open    bool
	Rows    []evalItemRow
	Result  evaluation.Result
	Owners  []evaluation.Owner
	Due     string
	Grades  []string
	Form    form
	History []evaluation.HistoryRow // the subject's results across the years
}

func (e *evaluations) assessment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		e.notFound(w, r)
		return
	}
	round, a, _, acc, ok := e.assessmentFor(w, r, id)
	if !ok {
		return
	}
	e.renderAssessment(w, r, round, a, acc, http.StatusOK, nil, form{})
}

func fmtValue(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func (e *evaluations) renderAssessment(w http.ResponseWriter, r *http.Request, round evaluation.Round, a evaluation.Assessment,
	acc evaluation.Access, status int, errs []*i18n.Error, f form) {
	ctx := r.Context()
	d := evalAssessmentData{Round: round, A: a, Access: acc, Open: round.Status == evaluation.RoundOpen, Result: evaluation.ResultOf(round, a),
		Due: time.Now().AddDate(0, 1, 0).Format(time.DateOnly), Grades: evaluation.GradeLetters(), Form: f}
	var sug map[int64]evaluation.Suggestion
	if acc.Assess {
		var err error
		if sug, err = e.svc.Suggest(ctx, round, a); err != nil {
			e.fail(w, r, err)
			return
		}
		if d.Owners, err = e.svc.Owners(ctx, a); err != nil {
			e.fail(w, r, err)
			return
		}
	}
	var err error
	if d.History, err = e.svc.History(ctx, a.SubjectOrgID, a.SubjectPersonID); err != nil {
		e.fail(w, r, err)
		return
	}
	lang, section := server.Lang(r), ""
	for _, it := range round.Template.Items {
		row := evalItemRow{Item: it, NewSection: it.DisplaySection(lang) != section}
		section = it.DisplaySection(lang)
		if s, ok := a.Self[it.ID]; ok {
			row.Self, row.SelfValue = &s, fmtValue(s.Value)
		}
		if s, ok := sug[it.ID]; ok {
			row.Suggestion, row.Value = &s, fmtValue(s.Value)
		}
		if s, ok := a.Assessor[it.ID]; ok {
			row.Assessor, row.Value = &s, fmtValue(s.Value)
		}
		if f.Name == "scores" {
			row.Value = f.Values.Get("value_" + strconv.FormatInt(it.ID, 10))
			row.SelfValue = row.Value
		}
		d.Rows = append(d.Rows, row)
	}
	p := e.page(r, "evaluation.assessment.title", d)
	p.Flash, p.Errors = e.doneFlash(r), errs
	e.render(w, r, status, "evaluation_assessment", p)
}

func assessmentPath(id int64) string { return "/assessments/" + strconv.FormatInt(id, 10) }

// scores saves the scoring form: every item with a value, all or none.
func (e *evaluations) scores(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		e.notFound(w, r)
		return
	}
	v := readForm(w, r)
	round, a, c, acc, ok := e.assessmentFor(w, r, id)
	if !ok {
		return
	}
	role := evaluation.Role(v.Get("role"))
	if role == evaluation.RoleSelf && !acc.Self || role != evaluation.RoleSelf && !acc.Assess {
		e.srv.Forbidden(w, r)
		return
	}
	in := map[int64]evaluation.ScoreInput{}
	var errs i18n.Errors
	for _, it := range round.Template.Items {
		key := strconv.FormatInt(it.ID, 10)
		raw := strings.TrimSpace(v.Get("value_" + key))
		if raw == "" {
			continue
		}
		val, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			errs = append(errs, i18n.InRow(it.Position, "value", "pages.error.number", "value", raw))
			continue
		}
		in[it.ID] = evaluation.ScoreInput{Value: val, Comment: v.Get("comment_" + key)}
	}
	if len(errs) == 0 && len(in) == 0 {
		errs = append(errs, i18n.Invalid("value", "error.required"))
	}
	var err error = errs
	if len(errs) == 0 {
		_, err = e.svc.ScoreItems(r.Context(), c, id, role, in)
	}
	if list, ok := formErrors(err); ok {
		e.renderAssessment(w, r, round, a, acc, http.StatusUnprocessableEntity, list, form{Name: "scores", Values: v})
		return
	}
	if errors.Is(err, evaluation.ErrForbidden) {
		e.srv.Forbidden(w, r)
		return
	}
	if err != nil {
		e.fail(w, r, err)
		return
	}
	seeOther(w, r, assessmentPath(id), "evaluation_scored")
}

func (e *evaluations) submitSelf(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		e.notFound(w, r)
		return
	}
	v := readForm(w, r)
	round, a, c, acc, ok := e.assessmentFor(w, r, id)
	if !ok {
		return
	}
	if !acc.Self {
		e.srv.Forbidden(w, r)
		return
	}
	_, err := e.svc.SubmitSelf(r.Context(), c, id, v.Get("note"))
	if list, ok := formErrors(err); ok {
		e.renderAssessment(w, r, round, a, acc, http.StatusUnprocessableEntity, list, form{Name: "self", Values: v})
		return
	}
	if err != nil {
		e.fail(w, r, err)
		return
	}
	seeOther(w, r, assessmentPath(id), "evaluation_self_submitted")
}

func (e *evaluations) openRectification(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		e.notFound(w, r)
		return
	}
	v := readForm(w, r)
	round, a, c, acc, ok := e.assessmentFor(w, r, id)
	if !ok {
		return
	}
	if !acc.Assess {
		e.srv.Forbidden(w, r)
		return
	}
	var errs i18n.Errors
	item, fe := formInt(v, "item_id")
	if fe != nil {
		errs = append(errs, fe)
	}
	owner, fe := formInt(v, "owner_id")
	if fe != nil {
		errs = append(errs, fe)
	}
	due, fe := formDate(v, "due_on", true)
	if fe != nil {
		errs = append(errs, fe)
	}
	var err error = errs
	if len(errs) == 0 {
		_, err = e.svc.OpenRectification(r.Context(), c, id, evaluation.NewRectification{ItemID: item, OwnerID: owner, DueOn: due, Title: v.Get("title")})
	}
	if list, ok := formErrors(err); ok {
		e.renderAssessment(w, r, round, a, acc, http.StatusUnprocessableEntity, list, form{Name: "rect", Values: v})
		return
	}
	if err != nil {
		e.fail(w, r, err)
		return
	}
	seeOther(w, r, assessmentPath(id), "evaluation_rect_opened")
}

func (e *evaluations) moveRectification(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		e.notFound(w, r)
		return
	}
	v := readForm(w, r)
	c, ok := e.callerOf(w, r)
	if !ok {
		return
	}
	rc, err := e.svc.MoveRectification(r.Context(), c, id, evaluation.RectStatus(v.Get("to")), v.Get("note"))
	switch {
	case errors.Is(err, evaluation.ErrForbidden):
		e.srv.Forbidden(w, r)
		return
	case err != nil:
		if list, ok := formErrors(err); ok {
			rect, gerr := e.svc.Rectification(r.Context(), id)
			if gerr != nil {
				e.fail(w, r, gerr)
				return
			}
			round, a, _, acc, ok := e.assessmentFor(w, r, rect.AssessmentID)
			if !ok {
				return
			}
			e.renderAssessment(w, r, round, a, acc, http.StatusUnprocessableEntity, list, form{Name: "move" + strconv.FormatInt(id, 10), Values: v})
			return
		}
		e.problem(w, r, err)
		return
	}
	seeOther(w, r, assessmentPath(rc.AssessmentID)+"#rect-"+strconv.FormatInt(rc.ID, 10), "")
}
