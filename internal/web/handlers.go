package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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
	"vanguard/internal/notify"
	"vanguard/internal/org"
	"vanguard/internal/oversight"
	"vanguard/internal/points"
	"vanguard/internal/server"
	"vanguard/internal/store"
)

// Deps are the services the pages use.
type Deps struct {
	DB         *store.DB
	Registry   *prometheus.Registry
	Orgs       *org.Service
	People     *member.Service
	Consult    *consult.Service
	Ideas      *idea.Service
	Notify     *notify.Service
	Activities *activity.Service
	Learning   *learning.Service
	Articles   *article.Service
	Media      *media.Service
	Evaluation *evaluation.Service
	Points     *points.Service
	Reports    *oversight.Reports
	Oversight  *oversight.Service
}

// Handlers serve the pages.
type Handlers struct {
	srv      *server.Server
	auth     *auth.Service
	db       *store.DB
	orgs     *org.Service
	people   *member.Service
	views    *views
	assets   *assets
	unread   func(ctx context.Context, accountID int64) (int, error)                             // unread notices, for the menu
	more     func(ctx context.Context, a auth.Account) ([]reminder, error)                       // reminders of organizational life
	inactive func(ctx context.Context, a auth.Account, orgID int64) ([]activity.Inactive, error) // members without organizational life
}

// Register parses the templates and adds every page route to srv.
func Register(srv *server.Server, d Deps) (*Handlers, error) {
	db, reg := d.DB, d.Registry
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	v, err := loadViews(srv.Catalog(), a)
	if err != nil {
		return nil, err
	}
	h := &Handlers{srv: srv, auth: srv.Auth(), db: db, orgs: d.Orgs, people: d.People, views: v, assets: a}
	srv.HandleFunc("GET /static/{file}", server.Public, a.serve)
	srv.HandleFunc("GET /healthz", server.Public, h.healthz)
	srv.HandleFunc("GET /readyz", server.Public, h.readyz)
	srv.Handle("GET /metrics", server.Public, server.MetricsHandler(reg))

	srv.HandleFunc("GET /{$}", server.Public, h.home)
	srv.HandleFunc("GET /login", server.Public, h.loginForm)
	srv.HandleFunc("POST /login", server.Public, h.login)
	srv.HandleFunc("POST /logout", server.Public, h.logout)
	srv.HandleFunc("POST /lang", server.Public, h.setLang)
	srv.HandleFunc("GET /account", server.SignedIn, h.account)
	srv.HandleFunc("POST /account/password", server.SignedIn, h.changePassword)
	srv.HandleFunc("POST /account/tokens", server.SignedIn, h.issueToken)
	srv.HandleFunc("POST /account/tokens/{id}/revoke", server.SignedIn, h.revokeToken)
	h.registerSessionPages(srv)
	h.registerOrgPages(srv)
	h.registerParticipation(srv, d)
	h.registerActivities(srv, d)
	h.registerLearning(srv, d)
	h.registerPortal(srv, d)
	h.registerEvaluations(srv, d)
	h.registerPoints(srv, d)
	h.registerOversightReports(srv, d)
	h.registerOversight(srv, d)
	srv.HandleFunc("/", server.Public, h.notFound)
	return h, nil
}

func (h *Handlers) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz answers 200 only when the database answers, so a load balancer stops sending
// requests to a node that lost its database.
func (h *Handlers) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := h.db.Ping(ctx); err != nil {
		h.srv.Logger().ErrorContext(ctx, "readiness", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unreachable\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

func (h *Handlers) notFound(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusNotFound, "notfound", h.page(r, "notfound.title", nil))
}

func (h *Handlers) home(w http.ResponseWriter, r *http.Request) {
	var data homeData
	if a, ok := server.AccountFrom(r.Context()); ok {
		var err error
		if data.Reminders, err = h.reminders(r.Context(), a); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.render(w, r, http.StatusOK, "home", h.page(r, "home.title", data))
}

type homeData struct {
	Reminders []reminder
}

// reminder is one line of what needs doing, with where to do it.
type reminder struct {
	Message i18n.Message
	Link    string
	Overdue bool
}

// reminders gathers, for the home page, what is due in the caller's organizations — the
// development steps overdue (a talk with an applicant not held within the month, an
// approval late), letters waiting to be received — and the caller's own next step. It
// reads the records; nobody has to report anything.
func (h *Handlers) reminders(ctx context.Context, a auth.Account) ([]reminder, error) {
	var list []reminder
	roots, err := h.orgs.Roots(ctx, a)
	if err != nil {
		return nil, err
	}
	view := org.ScopeOf(a, org.View)
	for _, root := range roots {
		candidates, err := h.people.Development(ctx, view, root.ID)
		if err != nil {
			return nil, err
		}
		overdue := 0
		for _, c := range candidates {
			if c.Step.Overdue {
				overdue++
			}
		}
		if overdue > 0 {
			list = append(list, reminder{Overdue: true, Link: fmt.Sprintf("/orgs/%d/development", root.ID),
				Message: i18n.Msg("home.reminder.development_overdue", "count", overdue, "org", root.Name)})
		}
	}
	if len(roots) > 0 {
		transfers, err := h.people.Transfers(ctx, org.ScopeOf(a, org.Manage), 0)
		if err != nil {
			return nil, err
		}
		waiting := 0
		for _, t := range transfers {
			if t.Status == member.TransferIssued {
				if ok, err := h.orgs.Can(ctx, a, org.Manage, t.ToOrgID); err != nil {
					return nil, err
				} else if ok {
					waiting++
				}
			}
		}
		if waiting > 0 {
			list = append(list, reminder{Link: "/transfers", Message: i18n.Msg("home.reminder.transfers_waiting", "count", waiting)})
		}
	}
	if p, err := h.people.ByAccount(ctx, a.ID); err == nil {
		if step, ok := member.NextStep(p.Dossier, h.people.Today()); ok {
			list = append(list, reminder{Overdue: step.Overdue, Link: "/me",
				Message: i18n.Msg("home.reminder.my_step", "step", i18n.Msg(step.Key), "date", step.Due.Format(time.DateOnly))})
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if h.more != nil {
		more, err := h.more(ctx, a)
		if err != nil {
			return nil, err
		}
		list = append(list, more...)
	}
	return list, nil
}

// localPath keeps a post-login redirect on this site: "/x" yes, "//evil.example" no.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

type loginData struct {
	Username string
	Next     string
	Demo     bool
}

func (h *Handlers) loginForm(w http.ResponseWriter, r *http.Request) {
	data := loginData{Next: localPath(r.URL.Query().Get("next")), Demo: h.auth.DemoMode()}
	h.render(w, r, http.StatusOK, "login", h.page(r, "login.title", data))
}

func (h *Handlers) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	data := loginData{Username: username, Next: localPath(r.PostFormValue("next")), Demo: h.auth.DemoMode()}
	a, err := h.auth.Authenticate(r.Context(), username, password, server.ClientAddress(r))
	if err != nil {
		status, key := http.StatusUnauthorized, "login.error.bad_credentials"
		switch {
		case errors.Is(err, auth.ErrThrottled):
			status, key = http.StatusTooManyRequests, "login.error.throttled"
			w.Header().Set("Retry-After", "60")
		case errors.Is(err, auth.ErrDemoPassword):
			status, key = http.StatusForbidden, "login.error.demo_password"
		case !errors.Is(err, auth.ErrBadCredentials):
			h.fail(w, r, err)
			return
		}
		p := h.page(r, "login.title", data)
		p.Errors = []*i18n.Error{{Key: key}}
		h.render(w, r, status, "login", p)
		return
	}
	token, err := h.auth.StartSession(r.Context(), a.ID, r.UserAgent())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.srv.SetCookie(w, r, server.SessionCookie, token, 30*24*time.Hour)
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
}

func (h *Handlers) logout(w http.ResponseWriter, r *http.Request) {
	if token := server.SessionToken(r); token != "" {
		if err := h.auth.EndSession(r.Context(), token); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.srv.SetCookie(w, r, server.SessionCookie, "", -1)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (h *Handlers) setLang(w http.ResponseWriter, r *http.Request) {
	lang := i18n.Supported(r.PostFormValue("lang"))
	if lang == "" {
		lang = i18n.Default
	}
	h.srv.SetCookie(w, r, server.LangCookie, lang, 365*24*time.Hour)
	if a, ok := server.AccountFrom(r.Context()); ok {
		if err := h.auth.SetLocale(r.Context(), a.ID, lang); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

type accountData struct {
	Tokens   []auth.Token
	Sessions []auth.Session
	NewToken string // shown once, right after it is issued
}

func (h *Handlers) account(w http.ResponseWriter, r *http.Request) {
	flash := ""
	switch r.URL.Query().Get("done") {
	case "password":
		flash = "account.password.changed"
	case "revoked":
		flash = "account.token.revoked"
	case "session":
		flash = "ops.sessions.revoked"
	case "others":
		flash = "ops.sessions.others_ended"
	}
	h.renderAccount(w, r, http.StatusOK, flash, "", nil)
}

func (h *Handlers) renderAccount(w http.ResponseWriter, r *http.Request, status int, flash, newToken string, errs []*i18n.Error) {
	a, _ := server.AccountFrom(r.Context())
	tokens, err := h.auth.Tokens(r.Context(), a.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	sessions, err := h.accountSessions(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.page(r, "account.title", accountData{Tokens: tokens, Sessions: sessions, NewToken: newToken})
	p.Flash, p.Errors = flash, errs
	h.render(w, r, status, "account", p)
}

func (h *Handlers) changePassword(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	current, next := r.PostFormValue("current"), r.PostFormValue("password")
	if _, err := h.auth.Authenticate(r.Context(), a.Username, current, server.ClientAddress(r)); err != nil {
		key := "account.error.current_password"
		if errors.Is(err, auth.ErrThrottled) {
			key = "login.error.throttled"
		}
		h.renderAccount(w, r, http.StatusUnprocessableEntity, "", "", []*i18n.Error{{Field: "current", Key: key}})
		return
	}
	if next != r.PostFormValue("confirm") {
		h.renderAccount(w, r, http.StatusUnprocessableEntity, "", "", []*i18n.Error{{Field: "confirm", Key: "account.error.confirm"}})
		return
	}
	if err := h.auth.SetPassword(r.Context(), a.ID, next); err != nil {
		var e *i18n.Error
		if errors.As(err, &e) {
			h.renderAccount(w, r, http.StatusUnprocessableEntity, "", "", []*i18n.Error{e})
			return
		}
		h.fail(w, r, err)
		return
	}
	// The change ended every session, this one too: start a fresh one for this browser.
	token, err := h.auth.StartSession(r.Context(), a.ID, r.UserAgent())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.srv.SetCookie(w, r, server.SessionCookie, token, 30*24*time.Hour)
	http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
}

func (h *Handlers) issueToken(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || len(name) > 100 {
		h.renderAccount(w, r, http.StatusUnprocessableEntity, "", "", []*i18n.Error{i18n.Invalid("token_name", "error.required")})
		return
	}
	_, token, err := h.auth.IssueToken(r.Context(), a.ID, name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderAccount(w, r, http.StatusOK, "account.token.issued", token, nil)
}

func (h *Handlers) revokeToken(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.notFound(w, r)
		return
	}
	if err := h.auth.RevokeToken(r.Context(), a.ID, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			h.notFound(w, r)
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/account?done=revoked", http.StatusSeeOther)
}
