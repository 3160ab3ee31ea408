package api

import (
	"errors"
	"net/http"
	"time"

	"vanguard/internal/evaluation"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/server"
	"vanguard/internal/store"
)

// Evaluations over JSON: templates, rounds, item scores and a round's results. A round or
// an assessment the caller may not read answers 404; one they read but may not act on 403.

// evalProblem answers an error of the evaluation service.
func (h *Handlers) evalProblem(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, evaluation.ErrForbidden) {
		h.srv.Forbidden(w, r)
		return
	}
	Problem(h.srv, w, r, err)
}

func (h *Handlers) evalCaller(w http.ResponseWriter, r *http.Request) (evaluation.Caller, bool) {
	a, _ := server.AccountFrom(r.Context())
	c, err := h.evaluation.CallerOf(r.Context(), a)
	if err != nil {
		Problem(h.srv, w, r, err)
		return c, false
	}
	return c, true
}

// orgRight checks a right on an organization named in a body: outside the caller's View
// scope it is a bad field (422), inside it without the right a 403.
func (h *Handlers) orgRight(w http.ResponseWriter, r *http.Request, c evaluation.Caller, orgID int64, right org.Right, field string) bool {
	if orgID == 0 {
		return true // the service names the missing field
	}
	ok, err := h.canView(r.Context(), c.Account, orgID)
	if err != nil {
		Problem(h.srv, w, r, err)
		return false
	}
	if !ok {
		Problem(h.srv, w, r, i18n.Invalid(field, "evaluation.error.org_scope"))
		return false
	}
	if ok, err := h.orgs.Can(r.Context(), c.Account, right, orgID); err != nil || !ok {
		h.forbid(w, r, err)
		return false
	}
	return true
}

func (h *Handlers) listEvalTemplates(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	pg := q.page()
	if err := q.err(); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	c, ok := h.evalCaller(w, r)
	if !ok {
		return
	}
	list, err := h.evaluation.Templates(r.Context(), c)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	list = window(list, pg)
	out := make([]evaluation.Template, 0, len(list))
	for _, t := range list {
		full, err := h.evaluation.Template(r.Context(), t.ID)
		if err != nil {
			Problem(h.srv, w, r, err)
			return
		}
		out = append(out, full)
	}
	server.WriteJSON(w, http.StatusOK, map[string]any{"templates": out})
}

// saveEvalTemplate is POST /api/v1/evaluation-templates: the next version of a key, for
// an organization's subtree (Administer on org_id).
func (h *Handlers) saveEvalTemplate(w http.ResponseWriter, r *http.Request) {
	c, ok := h.evalCaller(w, r)
	if !ok {
		return
	}
	var t evaluation.Template
	if err := server.ReadJSON(w, r, &t); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	t.ID, t.Version = 0, 0
	if !h.orgRight(w, r, c, t.OrgID, org.Administer, "org_id") {
		return
	}
	saved, err := h.evaluation.SaveTemplate(r.Context(), c, t)
	if err != nil {
		h.evalProblem(w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusCreated, saved)
}

func (h *Handlers) listEvalRounds(w http.ResponseWriter, r *http.Request) {
	c, ok := h.evalCaller(w, r)
	if !ok {
		return
	}
	q := newQuery(r)
	f := evaluation.RoundFilter{OrgID: q.id("org"), Year: q.integer("year", 0, 2000, 2999)}
	pg := q.page()
	if len(q.errs) > 0 {
		Problem(h.srv, w, r, q.errs)
		return
	}
	list, err := h.evaluation.Rounds(r.Context(), c, f, server.Lang(r))
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	list = window(list, pg)
	if list == nil {
		list = []evaluation.Round{}
	}
	server.WriteJSON(w, http.StatusOK, map[string]any{"rounds": list})
}

type roundRequest struct {
	TemplateID int64   `json:"template_id"`
	OrgID      int64   `json:"org_id"`
	Title      string  `json:"title"`
	Year       int     `json:"year"`
	Deadline   string  `json:"deadline"`
	OrgIDs     []int64 `json:"org_ids"`
	PersonIDs  []int64 `json:"person_ids"`
}

// createEvalRound is POST /api/v1/evaluation-rounds: Manage on org_id.
func (h *Handlers) createEvalRound(w http.ResponseWriter, r *http.Request) {
	c, ok := h.evalCaller(w, r)
	if !ok {
		return
	}
	var req roundRequest
	if err := server.ReadJSON(w, r, &req); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	var errs i18n.Errors
	n := evaluation.NewRound{TemplateID: req.TemplateID, OrgID: req.OrgID, Title: req.Title, Year: req.Year,
		Deadline: parseDate(&errs, "deadline", req.Deadline), OrgIDs: req.OrgIDs, PersonIDs: req.PersonIDs}
	if len(errs) > 0 {
		Problem(h.srv, w, r, errs)
		return
	}
	if !h.orgRight(w, r, c, req.OrgID, org.Manage, "org_id") {
		return
	}
	round, err := h.evaluation.CreateRound(r.Context(), c, n)
	if err != nil {
		h.evalProblem(w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusCreated, round)
}

type resultView struct {
	AssessmentID    int64                 `json:"assessment_id"`
	SubjectOrgID    int64                 `json:"subject_org_id,omitempty"`
	SubjectPersonID int64                 `json:"subject_person_id,omitempty"`
	SubjectName     string                `json:"subject_name"`
	SelfSubmittedAt *time.Time            `json:"self_submitted_at,omitempty"`
	Stage           evaluation.Stage      `json:"stage"`
	Total           float64               `json:"total"`
	Level           evaluation.Level      `json:"level,omitempty"`
	Lost            []evaluation.LostItem `json:"lost"`
}

// roundResults is GET /api/v1/evaluation-rounds/{id}/results: View on the round's
// organization.
func (h *Handlers) roundResults(w http.ResponseWriter, r *http.Request) {
	c, ok := h.evalCaller(w, r)
	if !ok {
		return
	}
	id, ok := pathID(r, "id")
	if !ok {
		notFound(w, r)
		return
	}
	round, err := h.evaluation.Round(r.Context(), id)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	if acc, err := h.evaluation.AccessToRound(r.Context(), c, round); err != nil {
		Problem(h.srv, w, r, err)
		return
	} else if !acc.View {
		notFound(w, r)
		return
	}
	res, err := h.evaluation.RoundResults(r.Context(), id, server.Lang(r))
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	list := make([]resultView, 0, len(res.Results))
	for _, x := range res.Results {
		a := x.Assessment
		list = append(list, resultView{AssessmentID: a.ID, SubjectOrgID: a.SubjectOrgID, SubjectPersonID: a.SubjectPersonID,
			SubjectName: a.SubjectName, SelfSubmittedAt: a.SelfSubmittedAt, Stage: x.Stage, Total: x.Total, Level: x.Level, Lost: x.Lost})
	}
	server.WriteJSON(w, http.StatusOK, map[string]any{"round": res.Round, "results": list, "distribution": res.Distribution})
}

type scoreRequest struct {
	Value   *float64 `json:"value"`
	Comment string   `json:"comment"`
	Role    string   `json:"role"`
}

// scoreItem is PUT /api/v1/assessments/{id}/items/{item}: the assessor's score (Manage on
// the round's organization), or with role "self" the subject's own.
func (h *Handlers) scoreItem(w http.ResponseWriter, r *http.Request) {
	c, ok := h.evalCaller(w, r)
	if !ok {
		return
	}
	id, ok := pathID(r, "id")
	item, ok2 := pathID(r, "item")
	if !ok || !ok2 {
		notFound(w, r)
		return
	}
	var req scoreRequest
	if err := server.ReadJSON(w, r, &req); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	if req.Value == nil {
		Problem(h.srv, w, r, i18n.Invalid("value", "error.required"))
		return
	}
	role := evaluation.Role(req.Role)
	if role == "" {
		role = evaluation.RoleAssessor
	}
	a, err := h.evaluation.ScoreItem(r.Context(), c, id, item, role, evaluation.ScoreInput{Value: *req.Value, Comment: req.Comment})
	if errors.Is(err, store.ErrNotFound) {
		notFound(w, r)
		return
	}
	if err != nil {
		h.evalProblem(w, r, err)
		return
	}
	scores := a.Assessor
	if role == evaluation.RoleSelf {
		scores = a.Self
	}
	server.WriteJSON(w, http.StatusOK, map[string]any{"assessment_id": a.ID, "total": a.Total, "scored": a.Scored, "score": scores[item]})
}
