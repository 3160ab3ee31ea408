// Package api serves the JSON API under /api/v1 for integrating systems: thin handlers
// that decode, authorize, call a domain service and encode.
package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/article"
	"vanguard/internal/auth"
	"vanguard/internal/consult"
	"vanguard/internal/evaluation"
	"vanguard/internal/i18n"
	"vanguard/internal/idea"
	"vanguard/internal/learning"
	"vanguard/internal/media"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/oversight"
	"vanguard/internal/points"
	"vanguard/internal/server"
	"vanguard/internal/store"
)

// Deps are the services the API uses.
type Deps struct {
	Orgs       *org.Service
	People     *member.Service
	Consult    *consult.Service
	Ideas      *idea.Service
	Activities *activity.Service
	Learning   *learning.Service
	Points     *points.Service
	Articles   *article.Service
	Media      *media.Service
	Evaluation *evaluation.Service
	Reports    *oversight.Reports
	Oversight  *oversight.Service
}

// Handlers serve the API.
type Handlers struct {
	srv        *server.Server
	auth       *auth.Service
	orgs       *org.Service
	people     *member.Service
	topics     *consult.Service
	ideas      *idea.Service
	activities *activity.Service
	learning   *learning.Service
	points     *points.Service
	articles   *article.Service
	media      *media.Service
	evaluation *evaluation.Service
	reports    *oversight.Reports
	oversight  *oversight.Service
}

// Route is one API route: its ServeMux pattern and the access it declares. The table
// is the single list Register serves and the OpenAPI test compares with the document.
type Route struct {
	Pattern string        // as registered with the ServeMux
	Access  server.Access // what the server checks before the handler runs
	Serves  []string      // the documented operations it answers, when not just Pattern
	handler http.HandlerFunc
}

// Operations lists the documented operations ("METHOD /path/{param}") the route answers.
func (rt Route) Operations() []string {
	if len(rt.Serves) > 0 {
		return rt.Serves
	}
	return []string{rt.Pattern}
}

// routes is the API's route table. Finer checks — a right on an organization, which
// answers 404 outside the caller's View scope so that ids cannot be probed — happen
// in the handlers, against org.Service.Can.
func (h *Handlers) routes() []Route {
	return []Route{
		{Pattern: "POST /api/v1/tokens", Access: server.Public, handler: h.issueToken},
		{Pattern: "GET /api/v1/tokens", Access: server.SignedIn, handler: h.listTokens},
		{Pattern: "DELETE /api/v1/tokens/{id}", Access: server.SignedIn, handler: h.revokeToken},
		{Pattern: "GET /api/v1/me", Access: server.SignedIn, handler: h.me},

		{Pattern: "GET /api/v1/orgs", Access: server.SignedIn, handler: h.listOrgs},              // View on ?parent
		{Pattern: "POST /api/v1/orgs", Access: server.SignedIn, handler: h.createOrg},            // Administer on parent_id; system admin for a root
		{Pattern: "GET /api/v1/orgs/{id}", Access: server.SignedIn, handler: h.getOrg},           // View
		{Pattern: "GET /api/v1/orgs/{id}/people", Access: server.SignedIn, handler: h.orgRoster}, // View

		{Pattern: "GET /api/v1/people", Access: server.SignedIn, handler: h.roster},               // View on ?org
		{Pattern: "POST /api/v1/people", Access: server.SignedIn, handler: h.createPerson},        // Manage on org_id
		{Pattern: "GET /api/v1/people/{id}", Access: server.SignedIn, handler: h.getPerson},       // View (or self); Manage for ?reveal
		{Pattern: "POST /api/v1/people/import", Access: server.SignedIn, handler: h.importRoster}, // Manage on every row's org
		// ServeMux refuses ".../people/{id}/transitions" beside ".../people/import/{upload_id}"
		// (both would match /people/import/transitions), so one pattern serves both.
		{Pattern: "POST /api/v1/people/{id}/{action}", Access: server.SignedIn, handler: h.personAction, Serves: []string{
			"POST /api/v1/people/{id}/transitions",   // Manage
			"POST /api/v1/people/import/{upload_id}", // the uploader
		}},

		{Pattern: "GET /api/v1/topics", Access: server.SignedIn, handler: h.listTopics},                 // topics the caller reads
		{Pattern: "POST /api/v1/topics", Access: server.SignedIn, handler: h.createTopic},               // Manage on org_id
		{Pattern: "GET /api/v1/topics/{id}", Access: server.SignedIn, handler: h.getTopic},              // View on its org, or in its audience
		{Pattern: "POST /api/v1/topics/{id}/opinions", Access: server.SignedIn, handler: h.giveOpinion}, // in its audience, while open
		{Pattern: "PUT /api/v1/topics/{id}/vote", Access: server.SignedIn, handler: h.castVote},         // in its audience, while open
		{Pattern: "POST /api/v1/topics/{id}/decision", Access: server.SignedIn, handler: h.decideTopic}, // Manage on its org
		{Pattern: "GET /api/v1/ideas", Access: server.SignedIn, handler: h.listIdeas},                   // ideas the caller reads
		{Pattern: "POST /api/v1/ideas", Access: server.SignedIn, handler: h.submitIdea},                 // a person, on their org's board or one above
		{Pattern: "POST /api/v1/ideas/{id}/review", Access: server.SignedIn, handler: h.reviewIdea},     // Manage on its org

		{Pattern: "GET /api/v1/activities", Access: server.SignedIn, handler: h.listActivities},                // hosts in View scope
		{Pattern: "POST /api/v1/activities", Access: server.SignedIn, handler: h.createActivity},               // Manage on every host
		{Pattern: "GET /api/v1/activities/{id}", Access: server.SignedIn, handler: h.getActivity},              // a host in View scope, or in its audience
		{Pattern: "PUT /api/v1/activities/{id}", Access: server.SignedIn, handler: h.updateActivity},           // Manage on a host and every new host
		{Pattern: "POST /api/v1/activities/{id}/checkin", Access: server.SignedIn, handler: h.checkinActivity}, // in its audience, with the QR token
		{Pattern: "POST /api/v1/activities/{id}/attendance", Access: server.SignedIn, handler: h.rollCall},     // Manage on a host
		{Pattern: "GET /api/v1/orgs/{id}/compliance", Access: server.SignedIn, handler: h.orgCompliance},       // View

		{Pattern: "POST /api/v1/points/events", Access: server.SignedIn, handler: h.recordEvents},                    // Manage on each person's org
		{Pattern: "GET /api/v1/people/{id}/points", Access: server.SignedIn, handler: h.personPoints},                // self or View
		{Pattern: "GET /api/v1/people/{id}/rank", Access: server.SignedIn, handler: h.personRank},                    // self or View; rankings on at ?org
		{Pattern: "GET /api/v1/orgs/{id}/ranking", Access: server.SignedIn, handler: h.orgRanking},                   // View; rankings on
		{Pattern: "GET /api/v1/orgs/{id}/stars", Access: server.SignedIn, handler: h.orgStars},                       // View
		{Pattern: "GET /api/v1/articles", Access: server.Public, handler: h.listArticles},                            // anyone: published only
		{Pattern: "POST /api/v1/articles", Access: server.SignedIn, handler: h.createArticle},                        // Manage on org_id
		{Pattern: "GET /api/v1/articles/{id}", Access: server.Public, handler: h.getArticle},                         // published: anyone; else Manage on its org
		{Pattern: "POST /api/v1/articles/{id}/publish", Access: server.SignedIn, handler: h.publishArticle},          // Manage on its org
		{Pattern: "POST /api/v1/activities/{id}/report", Access: server.SignedIn, handler: h.activityReport},         // Manage on a host; held only
		{Pattern: "GET /api/v1/evaluation-templates", Access: server.SignedIn, handler: h.listEvalTemplates},         // built-ins and those of the View scope
		{Pattern: "POST /api/v1/evaluation-templates", Access: server.SignedIn, handler: h.saveEvalTemplate},         // Administer on org_id
		{Pattern: "GET /api/v1/evaluation-rounds", Access: server.SignedIn, handler: h.listEvalRounds},               // rounds the caller reads
		{Pattern: "POST /api/v1/evaluation-rounds", Access: server.SignedIn, handler: h.createEvalRound},             // Manage on org_id
		{Pattern: "GET /api/v1/evaluation-rounds/{id}/results", Access: server.SignedIn, handler: h.roundResults},    // View on the round's org
		{Pattern: "PUT /api/v1/assessments/{id}/items/{item}", Access: server.SignedIn, handler: h.scoreItem},        // Manage on the round's org; role self: the subject
		{Pattern: "GET /api/v1/courses", Access: server.SignedIn, handler: h.listCourses},                            // courses the caller sees
		{Pattern: "GET /api/v1/courses/{id}", Access: server.SignedIn, handler: h.getCourse},                         // a course the caller sees
		{Pattern: "POST /api/v1/lessons/{id}/progress", Access: server.SignedIn, handler: h.reportProgress},          // a person who sees the lesson
		{Pattern: "POST /api/v1/quizzes/{id}/attempts", Access: server.SignedIn, handler: h.startAttempt},            // a person who sees the quiz
		{Pattern: "POST /api/v1/quizzes/{id}/attempts/{attempt}", Access: server.SignedIn, handler: h.submitAttempt}, // the attempt's person
		{Pattern: "GET /api/v1/campaigns/{id}/completion", Access: server.SignedIn, handler: h.campaignCompletion},   // View on ?org
		{Pattern: "GET /api/v1/orgs/{id}/reports/{kind}", Access: server.SignedIn, handler: h.orgReport},             // View

		{Pattern: "GET /api/v1/orgs/{id}/dashboard", Access: server.SignedIn, handler: h.orgDashboard}, // View

		{Pattern: "GET /api/openapi.json", Access: server.Public, handler: serveOpenAPI},
	}
}

// Routes lists the API's routes, for tests and documentation.
func Routes() []Route { return (&Handlers{}).routes() }

// Register adds every API route to srv.
func Register(srv *server.Server, d Deps) *Handlers {
	h := &Handlers{srv: srv, auth: srv.Auth(), orgs: d.Orgs, people: d.People, topics: d.Consult, ideas: d.Ideas, activities: d.Activities,
		points: d.Points, learning: d.Learning, articles: d.Articles, media: d.Media, evaluation: d.Evaluation, reports: d.Reports, oversight: d.Oversight}
	for _, rt := range h.routes() {
		srv.HandleFunc(rt.Pattern, rt.Access, rt.handler)
	}
	srv.HandleFunc("/api/", server.Public, func(w http.ResponseWriter, r *http.Request) {
		server.WriteJSONError(w, r, http.StatusNotFound, "error.not_found", nil)
	})
	return h
}

// Problem answers an error: a person-facing one as 422 with its details, a missing
// row as 404, anything else as 500 with the cause logged and not shown.
func Problem(srv *server.Server, w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case server.WriteJSONProblems(w, r, err):
	case errors.Is(err, store.ErrNotFound):
		server.WriteJSONError(w, r, http.StatusNotFound, "error.not_found", nil)
	default:
		srv.Logger().ErrorContext(r.Context(), "api failed", "path", r.URL.Path, "err", err)
		server.WriteJSONError(w, r, http.StatusInternalServerError, "error.internal", nil)
	}
}

type tokenRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

type tokenResponse struct {
	ID    int64  `json:"id"`
	Token string `json:"token"`
	Type  string `json:"token_type"`
}

func (h *Handlers) issueToken(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if err := server.ReadJSON(w, r, &req); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	var problems i18n.Errors
	if strings.TrimSpace(req.Username) == "" {
		problems = append(problems, i18n.Invalid("username", "error.required"))
	}
	if req.Password == "" {
		problems = append(problems, i18n.Invalid("password", "error.required"))
	}
	if len(problems) > 0 {
		Problem(h.srv, w, r, problems)
		return
	}
	a, err := h.auth.Authenticate(r.Context(), req.Username, req.Password, server.ClientAddress(r))
	switch {
	case errors.Is(err, auth.ErrThrottled):
		w.Header().Set("Retry-After", "60")
		server.WriteJSONError(w, r, http.StatusTooManyRequests, "login.error.throttled", nil)
		return
	case errors.Is(err, auth.ErrBadCredentials):
		server.WriteJSONError(w, r, http.StatusUnauthorized, "login.error.bad_credentials", nil)
		return
	case errors.Is(err, auth.ErrDemoPassword):
		server.WriteJSONError(w, r, http.StatusForbidden, "login.error.demo_password", nil)
		return
	case err != nil:
		Problem(h.srv, w, r, err)
		return
	}
	name := strings.TrimSpace(req.Name)
	if name == "" {
		name = "api " + time.Now().Format("2006-01-02")
	}
	id, token, err := h.auth.IssueToken(r.Context(), a.ID, name)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusCreated, tokenResponse{ID: id, Token: token, Type: "Bearer"})
}

type tokenView struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func (h *Handlers) listTokens(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	tokens, err := h.auth.Tokens(r.Context(), a.ID)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	list := make([]tokenView, len(tokens))
	for i, t := range tokens {
		list[i] = tokenView(t)
	}
	server.WriteJSON(w, http.StatusOK, map[string]any{"tokens": list})
}

func (h *Handlers) revokeToken(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		server.WriteJSONError(w, r, http.StatusNotFound, "error.not_found", nil)
		return
	}
	if err := h.auth.RevokeToken(r.Context(), a.ID, id); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type meView struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	IsAdmin     bool   `json:"is_admin"`
	Locale      string `json:"locale"`
}

func (h *Handlers) me(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	server.WriteJSON(w, http.StatusOK, meView{ID: a.ID, Username: a.Username, DisplayName: a.DisplayName, IsAdmin: a.IsAdmin, Locale: server.Lang(r)})
}
