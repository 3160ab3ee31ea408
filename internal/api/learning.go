package api

import (
	"net/http"
	"strconv"

	"vanguard/internal/learning"
	"vanguard/internal/server"
)

// Learning over JSON. A course, lesson, quiz or campaign out of the caller's sight
// answers 404, as one that does not exist. Progress reports and quiz answers are
// believed only as far as the server's clock allows: a refused one is 422 naming the
// field, and nothing of it is counted.

type courseSummary struct {
	ID         int64    `json:"id"`
	OrgID      int64    `json:"org_id"`
	OrgName    string   `json:"org_name"`
	Title      string   `json:"title"`
	Summary    string   `json:"summary"`
	Tags       []string `json:"tags"`
	Required   bool     `json:"required"`
	Minutes    int      `json:"minutes"`
	CoverURL   string   `json:"cover_url,omitempty"`
	Visibility string   `json:"visibility"`
}

type lessonView struct {
	learning.Lesson
	Progress learning.Progress `json:"progress"`
}

type courseDetail struct {
	courseSummary
	Lessons   []lessonView `json:"lessons"`
	Done      int          `json:"done"`
	Completed bool         `json:"completed"`
}

func summarize(r *http.Request, c learning.Course) courseSummary {
	lang := server.Lang(r)
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	return courseSummary{ID: c.ID, OrgID: c.OrgID, OrgName: c.OrgName, Title: c.DisplayTitle(lang), Summary: c.DisplaySummary(lang),
		Tags: tags, Required: c.Required, Minutes: c.Minutes, CoverURL: c.CoverURL, Visibility: string(c.Visibility)}
}

func (h *Handlers) learningCaller(r *http.Request) (learning.Caller, error) {
	a, _ := server.AccountFrom(r.Context())
	return h.learning.CallerOf(r.Context(), a)
}

// listCourses is GET /api/v1/courses: the catalogue the caller sees, searched by q in
// Chinese or English, narrowed by tag and required.
func (h *Handlers) listCourses(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	f := learning.Filter{Query: q.str("q"), Tag: q.str("tag"), Required: q.str("required") == "true"}
	f.Limit = q.integer("limit", defaultLimit, 1, maxLimit)
	if err := q.err(); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	c, err := h.learningCaller(r)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	list, err := h.learning.Courses(r.Context(), c, f)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	out := struct {
		Courses []courseSummary `json:"courses"`
	}{Courses: make([]courseSummary, len(list))}
	for i, course := range list {
		out.Courses[i] = summarize(r, course)
	}
	server.WriteJSON(w, http.StatusOK, out)
}

// getCourse is GET /api/v1/courses/{id}: the course, its lessons and the caller's
// progress in each, to resume on any device.
func (h *Handlers) getCourse(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		notFound(w, r)
		return
	}
	c, err := h.learningCaller(r)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	course, err := h.learning.Course(r.Context(), c, id)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	cp, err := h.learning.ProgressIn(r.Context(), c, course)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	out := courseDetail{courseSummary: summarize(r, course), Lessons: make([]lessonView, len(course.Lessons)), Done: cp.Done, Completed: cp.Completed}
	for i, l := range course.Lessons {
		p := cp.Lessons[l.ID]
		p.LessonID = l.ID
		out.Lessons[i] = lessonView{Lesson: l, Progress: p}
	}
	server.WriteJSON(w, http.StatusOK, out)
}

// reportProgress is POST /api/v1/lessons/{id}/progress: a page's report of reading,
// scrolling or watching.
func (h *Handlers) reportProgress(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		notFound(w, r)
		return
	}
	var rep learning.Report
	if err := server.ReadJSON(w, r, &rep); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	c, err := h.learningCaller(r)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	p, err := h.learning.Report(r.Context(), c, id, rep)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, p)
}

// startAttempt is POST /api/v1/quizzes/{id}/attempts: draws the questions and starts
// the clock. The answers stay on the server.
func (h *Handlers) startAttempt(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		notFound(w, r)
		return
	}
	c, err := h.learningCaller(r)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	a, err := h.learning.Start(r.Context(), c, id)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/quizzes/"+strconv.FormatInt(id, 10)+"/attempts/"+strconv.FormatInt(a.ID, 10))
	server.WriteJSON(w, http.StatusCreated, a)
}

// submitAttempt is POST /api/v1/quizzes/{id}/attempts/{attempt}: scores the answers
// and returns the right ones with their explanations.
func (h *Handlers) submitAttempt(w http.ResponseWriter, r *http.Request) {
	quizID, ok1 := pathID(r, "id")
	attemptID, ok2 := pathID(r, "attempt")
	if !ok1 || !ok2 {
		notFound(w, r)
		return
	}
	var req struct {
		Answers []learning.Answer `json:"answers"`
	}
	if err := server.ReadJSON(w, r, &req); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	c, err := h.learningCaller(r)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	res, err := h.learning.Submit(r.Context(), c, quizID, attemptID, req.Answers)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, res)
}

// campaignCompletion is GET /api/v1/campaigns/{id}/completion?org=: completion per
// member, branch and subtree below org (the campaign's organization by default), with
// who is behind. View on org.
func (h *Handlers) campaignCompletion(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		notFound(w, r)
		return
	}
	q := newQuery(r)
	orgID := q.id("org")
	if err := q.err(); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	c, err := h.learningCaller(r)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	out, err := h.learning.Completion(r.Context(), c, id, orgID)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	if out.Members == nil {
		out.Members = []learning.MemberCompletion{}
	}
	server.WriteJSON(w, http.StatusOK, out)
}
