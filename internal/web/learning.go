package web

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"vanguard/internal/i18n"
	"vanguard/internal/learning"
	"vanguard/internal/org"
	"vanguard/internal/server"
	"vanguard/internal/store"
)

// The cloud micro-classroom's pages: the catalogue with the caller's own learning, a
// course, the lesson player (progress is sampled by learning.js and sent to the API),
// quizzes taken in a plain form and scored on the server, and the campaign dashboard.
type learningPages struct {
	*Handlers
	learn *learning.Service
}

func (h *Handlers) registerLearning(srv *server.Server, d Deps) {
	if d.Learning == nil {
		return
	}
	p := &learningPages{Handlers: h, learn: d.Learning}
	srv.HandleFunc("GET /learning", server.SignedIn, p.catalogue)                              // courses the caller sees
	srv.HandleFunc("GET /courses/{id}", server.SignedIn, p.coursePage)                         // a course the caller sees
	srv.HandleFunc("GET /lessons/{id}", server.SignedIn, p.lessonPage)                         // a lesson of a course the caller sees
	srv.HandleFunc("GET /lessons/{id}/file", server.SignedIn, p.lessonFile)                    // as GET /lessons/{id}
	srv.HandleFunc("GET /quizzes/{id}", server.SignedIn, p.quizPage)                           // a quiz the caller sees
	srv.HandleFunc("POST /quizzes/{id}/attempts", server.SignedIn, p.startQuiz)                // a person who sees the quiz
	srv.HandleFunc("POST /quizzes/{id}/attempts/{attempt}", server.SignedIn, p.submitQuiz)     // the attempt's person
	srv.HandleFunc("GET /campaigns/{id}", server.SignedIn, p.campaignPage)                     // taking part, or View on ?org
	srv.HandleFunc("GET /campaigns/{id}/completion.xlsx", server.SignedIn, p.exportCompletion) // View on ?org
	srv.HandleFunc("GET /orgs/{id}/questions", server.SignedIn, p.questionBank)                // Manage on {id}
	srv.HandleFunc("POST /orgs/{id}/questions/import", server.SignedIn, p.importQuestions)     // Manage on {id}
}

func (p *learningPages) caller(r *http.Request) (learning.Caller, error) {
	return p.learn.CallerOf(r.Context(), caller(r))
}

type catalogueData struct {
	Query     string
	Courses   []learning.Course
	Mine      []learning.CourseProgress
	Quizzes   []learning.Quiz
	Campaigns []learning.Campaign
	Points    *int
}

// HasPoints tells whether the platform keeps points for the caller.
func (d catalogueData) HasPoints() bool { return d.Points != nil }

// PointsValue is the caller's points this year.
func (d catalogueData) PointsValue() int {
	if d.Points == nil {
		return 0
	}
	return *d.Points
}

func (p *learningPages) catalogue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := p.caller(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := catalogueData{Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	if d.Courses, err = p.learn.Courses(ctx, c, learning.Filter{Query: d.Query}); err != nil {
		p.fail(w, r, err)
		return
	}
	if d.Mine, err = p.learn.MyLearning(ctx, c); err != nil {
		p.fail(w, r, err)
		return
	}
	if d.Quizzes, err = p.learn.Quizzes(ctx, c); err != nil {
		p.fail(w, r, err)
		return
	}
	if d.Campaigns, err = p.learn.Campaigns(ctx, c); err != nil {
		p.fail(w, r, err)
		return
	}
	if d.Points, err = p.learn.PointsThisYear(ctx, c); err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "learning_catalogue", p.page(r, "learning.catalogue.title", d))
}

func (p *learningPages) coursePage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		p.notFound(w, r)
		return
	}
	c, err := p.caller(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	course, err := p.learn.Course(r.Context(), c, id)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	cp, err := p.learn.ProgressIn(r.Context(), c, course)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "learning_course", p.page(r, "learning.course.title", cp))
}

type lessonData struct {
	Body     template.HTML // an article, sanitized again at display: never trusted as stored
	Course   learning.Course
	Lesson   learning.Lesson
	Progress learning.Progress
	Next     *learning.Lesson
	IsPerson bool
	// LocalMedia: the lesson's link is on this site, so the page may play it (the
	// content security policy allows media from here only) and sample what is watched.
	LocalMedia bool
}

func (p *learningPages) lessonPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		p.notFound(w, r)
		return
	}
	c, err := p.caller(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	course, lesson, err := p.learn.LessonOf(r.Context(), c, id)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	cp, err := p.learn.ProgressIn(r.Context(), c, course)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := lessonData{Body: template.HTML(learning.Sanitize(lesson.Body)), Course: course, Lesson: lesson, Progress: cp.Lessons[lesson.ID], IsPerson: c.Person != nil}
	d.LocalMedia = strings.HasPrefix(lesson.MediaURL, "/") && !strings.HasPrefix(lesson.MediaURL, "//")
	for i, l := range course.Lessons {
		if l.ID == lesson.ID && i+1 < len(course.Lessons) {
			next := course.Lessons[i+1]
			d.Next = &next
		}
	}
	p.render(w, r, http.StatusOK, "learning_lesson", p.page(r, "learning.lesson.title", d))
}

// lessonFile serves an uploaded video or PDF. Only those types are ever stored, and
// nosniff keeps a browser from reading one as anything else.
func (p *learningPages) lessonFile(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		p.notFound(w, r)
		return
	}
	c, err := p.caller(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	f, err := p.learn.FileFor(r.Context(), c, id)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", "inline")
	// The lesson page shows a PDF in a frame of its own: allow framing by this site only.
	w.Header().Set("X-Frame-Options", "SAMEORIGIN")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'self'; sandbox")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "", p.learn.Now(), strings.NewReader(string(f.Data)))
}

type quizData struct {
	Quiz    learning.Quiz
	Attempt *learning.Attempt
	Result  *learning.Result
}

func (p *learningPages) quizFor(w http.ResponseWriter, r *http.Request) (learning.Quiz, learning.Caller, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		p.notFound(w, r)
		return learning.Quiz{}, learning.Caller{}, false
	}
	c, err := p.caller(r)
	if err != nil {
		p.fail(w, r, err)
		return learning.Quiz{}, c, false
	}
	z, err := p.learn.Quiz(r.Context(), c, id)
	if err != nil {
		p.problem(w, r, err)
		return z, c, false
	}
	return z, c, true
}

func (p *learningPages) quizPage(w http.ResponseWriter, r *http.Request) {
	z, _, ok := p.quizFor(w, r)
	if !ok {
		return
	}
	p.render(w, r, http.StatusOK, "learning_quiz", p.page(r, "learning.quiz.title", quizData{Quiz: z}))
}

func (p *learningPages) startQuiz(w http.ResponseWriter, r *http.Request) {
	z, c, ok := p.quizFor(w, r)
	if !ok {
		return
	}
	a, err := p.learn.Start(r.Context(), c, z.ID)
	if errs, ok := formErrors(err); ok {
		pg := p.page(r, "learning.quiz.title", quizData{Quiz: z})
		pg.Errors = errs
		p.render(w, r, http.StatusUnprocessableEntity, "learning_quiz", pg)
		return
	}
	if err != nil {
		p.problem(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "learning_quiz", p.page(r, "learning.quiz.title", quizData{Quiz: z, Attempt: &a}))
}

func (p *learningPages) submitQuiz(w http.ResponseWriter, r *http.Request) {
	z, c, ok := p.quizFor(w, r)
	if !ok {
		return
	}
	attemptID, ok := pathID(r, "attempt")
	if !ok {
		p.notFound(w, r)
		return
	}
	v := readForm(w, r)
	var answers []learning.Answer
	for pos := 1; pos <= z.QuestionCount; pos++ {
		key := "q" + strconv.Itoa(pos)
		a := learning.Answer{Position: pos, Text: strings.TrimSpace(v.Get(key + "-text"))}
		for _, s := range v[key] {
			if n, err := strconv.Atoi(s); err == nil {
				a.Choices = append(a.Choices, n)
			}
		}
		answers = append(answers, a)
	}
	res, err := p.learn.Submit(r.Context(), c, z.ID, attemptID, answers)
	if errs, ok := formErrors(err); ok {
		pg := p.page(r, "learning.quiz.title", quizData{Quiz: z})
		pg.Errors = errs
		p.render(w, r, http.StatusUnprocessableEntity, "learning_quiz", pg)
		return
	}
	if err != nil {
		p.problem(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "learning_quiz", p.page(r, "learning.quiz.title", quizData{Quiz: z, Result: &res}))
}

type campaignData struct {
	Campaign   learning.Campaign
	Mine       *learning.MemberCompletion
	Completion *learning.Completion
	Org        *org.Org
	Chart      string // the chart's data as JSON, read by learning_dashboard.js
}

// campaignPage shows a member their own standing and, to an account with View on the
// organization asked (the campaign's own by default), the dashboard of its subtree.
func (p *learningPages) campaignPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := pathID(r, "id")
	if !ok {
		p.notFound(w, r)
		return
	}
	c, err := p.caller(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	m, err := p.learn.Campaign(ctx, c, id)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	d := campaignData{Campaign: m}
	if mine, ok, err := p.learn.Mine(ctx, c, id); err != nil {
		p.fail(w, r, err)
		return
	} else if ok {
		d.Mine = &mine
	}
	orgID, _ := strconv.ParseInt(r.URL.Query().Get("org"), 10, 64)
	if orgID == 0 {
		orgID = m.OrgID
	}
	done, err := p.learn.Completion(ctx, c, id, orgID)
	switch {
	case errors.Is(err, store.ErrNotFound) && d.Mine != nil && r.URL.Query().Get("org") == "":
		// a member: their own standing only
	case err != nil:
		p.problem(w, r, err)
		return
	default:
		d.Completion = &done
		o, err := p.orgs.Get(ctx, orgID)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		d.Org = &o
		d.Chart = chartJSON(done, server.Lang(r))
	}
	p.render(w, r, http.StatusOK, "learning_campaign", p.page(r, "learning.campaign.title", d))
}

// chartJSON is the dashboard chart's data: each subtree below the organization (or,
// with none, each branch) and its share of members complete.
func chartJSON(c learning.Completion, lang string) string {
	rows := c.Children
	if len(rows) == 0 {
		rows = c.Branches
	}
	chart := struct {
		Names   []string `json:"names"`
		Percent []int    `json:"percent"`
		Label   string   `json:"label"`
	}{Names: []string{}, Percent: []int{}}
	for _, o := range rows {
		// The party's name before every organization's adds nothing to a chart's label.
		name := strings.TrimPrefix(o.Name, "中共")
		if lang == "en" && o.NameEn != "" {
			name = o.NameEn
		}
		chart.Names = append(chart.Names, name)
		chart.Percent = append(chart.Percent, o.Percent)
	}
	b, _ := json.Marshal(chart)
	return string(b)
}

var learningFileMissing = i18n.Invalid("file", "error.required")
