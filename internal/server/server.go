// Package server is the HTTP plumbing the page and API handlers share: routes declared
// with the access they need, who is asking and in which language, security headers,
// protection against cross-site requests, request logs and metrics.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
)

// Access is what a route requires of the caller. It is declared where the route is
// registered, so that a reader of the route table sees every route's guard.
type Access int

const (
	Public   Access = iota // anyone, signed in or not
	SignedIn               // any signed-in account; finer, per-organization checks happen in the domain
	Admin                  // a system administrator
)

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "vanguard_session"

// LangCookie remembers the language a reader chose.
const LangCookie = "vanguard_lang"

// Options configure a Server.
type Options struct {
	Logger        *slog.Logger
	Auth          *auth.Service
	Catalog       *i18n.Catalog
	Registry      *prometheus.Registry // where request metrics are registered
	SecureCookies bool                 // set Secure on cookies even without TLS (behind a TLS proxy)
}

// Server routes requests.
type Server struct {
	opts    Options
	mux     *http.ServeMux
	metrics *metrics
	routes  []Route
}

// Route is a registered pattern and the access it declared.
type Route struct {
	Pattern string
	Access  Access
}

// Routes lists every registered route, for tests that must visit them all.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// New builds a Server with no routes.
func New(opts Options) *Server {
	return &Server{opts: opts, mux: http.NewServeMux(), metrics: newMetrics(opts.Registry)}
}

// Catalog returns the message catalog.
func (s *Server) Catalog() *i18n.Catalog { return s.opts.Catalog }

// Auth returns the account service.
func (s *Server) Auth() *auth.Service { return s.opts.Auth }

// Logger returns the server's logger.
func (s *Server) Logger() *slog.Logger { return s.opts.Logger }

// Handle registers h for pattern (a ServeMux pattern such as "GET /orgs/{id}"),
// guarded by access, counted and timed under the pattern's name.
func (s *Server) Handle(pattern string, access Access, h http.Handler) {
	s.routes = append(s.routes, Route{Pattern: pattern, Access: access})
	guarded := s.guard(pattern, access, h)
	s.mux.Handle(pattern, s.metrics.instrument(pattern, guarded))
}

// HandleFunc is Handle for a function.
func (s *Server) HandleFunc(pattern string, access Access, h http.HandlerFunc) {
	s.Handle(pattern, access, h)
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

func (s *Server) guard(pattern string, access Access, h http.Handler) http.Handler {
	if access == Public {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := AccountFrom(r.Context())
		switch {
		case !ok && isAPI(r):
			WriteJSONError(w, r, http.StatusUnauthorized, "error.unauthorized", nil)
		case !ok:
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		case access == Admin && !a.IsAdmin:
			s.Forbidden(w, r)
		default:
			h.ServeHTTP(w, r)
		}
	})
}

// Forbidden answers 403 in the caller's language, as JSON for the API.
func (s *Server) Forbidden(w http.ResponseWriter, r *http.Request) {
	if isAPI(r) {
		WriteJSONError(w, r, http.StatusForbidden, "error.forbidden", nil)
		return
	}
	http.Error(w, s.opts.Catalog.T(Lang(r), "error.forbidden", nil), http.StatusForbidden)
}

// Handler is the whole server with its middleware, outermost first: recovery, security
// headers, request log, cross-origin protection, identification of the caller.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, s.opts.Catalog.T(Lang(r), "error.cross_origin", nil), http.StatusForbidden)
	}))
	var h http.Handler = s.mux
	h = s.identify(h)
	h = cop.Handler(h)
	h = s.logRequests(h)
	h = securityHeaders(h)
	h = s.recoverPanics(h)
	return h
}

type ctxKey int

const (
	accountKey ctxKey = iota
	langKey
	sessionKey
	catalogKey
	routeKey
)

func catalogFrom(r *http.Request) *i18n.Catalog {
	c, _ := r.Context().Value(catalogKey).(*i18n.Catalog)
	return c
}

// AccountFrom returns the signed-in account, if any.
func AccountFrom(ctx context.Context) (auth.Account, bool) {
	a, ok := ctx.Value(accountKey).(auth.Account)
	return a, ok
}

// Lang returns the language the reader reads in.
func Lang(r *http.Request) string {
	if l, ok := r.Context().Value(langKey).(string); ok {
		return l
	}
	return i18n.Negotiate(r.Header.Get("Accept-Language"))
}

// SessionToken returns the browser session token of the request, if any.
func SessionToken(r *http.Request) string {
	t, _ := r.Context().Value(sessionKey).(string)
	return t
}

// ClientAddress is the caller's address without the port.
func ClientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// identify finds the caller — a bearer token for the API, the session cookie for pages —
// and the language, and puts both in the request's context with the audit actor.
func (s *Server) identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var account auth.Account
		found := false
		if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			a, err := s.opts.Auth.TokenAccount(ctx, strings.TrimSpace(bearer))
			if err != nil && !errors.Is(err, auth.ErrNoSession) {
				s.opts.Logger.ErrorContext(ctx, "read token", "err", err)
			}
			account, found = a, err == nil
		} else if c, err := r.Cookie(SessionCookie); err == nil {
			a, err := s.opts.Auth.SessionAccount(ctx, c.Value)
			if err != nil && !errors.Is(err, auth.ErrNoSession) {
				s.opts.Logger.ErrorContext(ctx, "read session", "err", err)
			}
			if err == nil {
				account, found = a, true
				ctx = context.WithValue(ctx, sessionKey, c.Value)
			}
		}
		lang := ""
		if c, err := r.Cookie(LangCookie); err == nil {
			lang = i18n.Supported(c.Value)
		}
		if lang == "" && found {
			lang = i18n.Supported(account.Locale)
		}
		if lang == "" {
			lang = i18n.Negotiate(r.Header.Get("Accept-Language"))
		}
		ctx = context.WithValue(ctx, langKey, lang)
		ctx = context.WithValue(ctx, catalogKey, s.opts.Catalog)
		actor := audit.Actor{Address: ClientAddress(r), Name: "anonymous"}
		if found {
			ctx = context.WithValue(ctx, accountKey, account)
			actor.AccountID, actor.Name = account.ID, account.Username
		}
		ctx = audit.WithActor(ctx, actor)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Content-Security-Policy: only our own scripts and styles (no inline script, so an
// injected <script> does not run), no framing by other sites.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "geolocation=(), microphone=(), camera=(self)")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// logRequests writes one structured line per request: the route that served it and
// the path with anything that could be personal data blotted out (see loggedPath),
// but never the query string or body, where personal data travels.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		route := &routeName{}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), routeKey, route)))
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		s.opts.Logger.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method), slog.String("route", route.pattern), slog.String("path", loggedPath(r.URL.Path)),
			slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)), slog.String("remote", ClientAddress(r)))
	})
}

// routeName receives, from the route that serves a request, its pattern.
type routeName struct{ pattern string }

// loggedPath is a request path fit for the log. Our own paths carry only short
// numeric ids and ASCII words, so any segment that is not such — one with eleven or
// more digits (a phone number, an ID number, however punctuated), or with characters
// beyond ASCII letters, digits and ._~- (a name), or longer than 64 — shows as "*":
// a mistaken or hostile request that puts personal data in a path must not carry it
// into the log.
func loggedPath(p string) string {
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		digits, ok := 0, len(seg) <= 64
		for j := 0; ok && j < len(seg); j++ {
			c := seg[j]
			switch {
			case c >= '0' && c <= '9':
				digits++
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '.', c == '_', c == '~', c == '-':
			default:
				ok = false
			}
		}
		if !ok || digits >= 11 {
			segs[i] = "*"
		}
	}
	return strings.Join(segs, "/")
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.opts.Logger.ErrorContext(r.Context(), "panic", "err", fmt.Sprint(v), "stack", string(debug.Stack()))
				http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// SetCookie sets a cookie with the project's defaults: HttpOnly, SameSite=Lax, Secure
// over TLS or when the server sits behind a TLS proxy.
func (s *Server) SetCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	c := &http.Cookie{
		Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || s.opts.SecureCookies,
	}
	if maxAge < 0 {
		c.MaxAge = -1
	} else if maxAge > 0 {
		c.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(w, c)
}
