package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/server"
)

// Pagination. member.MaxPage is the hard maximum of every list, so that no request
// can ask the database for an unbounded page.
const (
	defaultLimit = 50
	maxLimit     = member.MaxPage
)

// page is a page of a list as the caller asked for it.
type page struct {
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// query reads a request's query parameters, collecting one error per bad parameter so
// that a caller sees every problem at once.
type query struct {
	values url.Values
	errs   i18n.Errors
}

func newQuery(r *http.Request) *query { return &query{values: r.URL.Query()} }

func (q *query) has(name string) bool { return q.values.Has(name) }

func (q *query) str(name string) string { return strings.TrimSpace(q.values.Get(name)) }

// id reads a positive integer id; absent is 0.
func (q *query) id(name string) int64 {
	v := q.str(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case err != nil:
		q.errs = append(q.errs, i18n.Invalid(name, "api.error.integer", "value", v))
		return 0
	case n <= 0:
		q.errs = append(q.errs, i18n.Invalid(name, "api.error.range", "min", 1, "max", int64(1<<63-1)))
		return 0
	}
	return n
}

// integer reads an integer in [min, max], or def when absent.
func (q *query) integer(name string, def, min, max int) int {
	v := q.str(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		q.errs = append(q.errs, i18n.Invalid(name, "api.error.integer", "value", v))
		return def
	case n < min || n > max:
		q.errs = append(q.errs, i18n.Invalid(name, "api.error.range", "min", min, "max", max))
		return def
	}
	return n
}

// boolean reads true or false (also 1 and 0); absent is false.
func (q *query) boolean(name string) bool {
	v := q.str(name)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		q.errs = append(q.errs, i18n.Invalid(name, "api.error.boolean", "value", v))
	}
	return b
}

// page reads limit and offset. A limit above the maximum is an error rather than
// silently cut, so a caller never mistakes a short page for the end of the list.
func (q *query) page() page {
	return page{
		Limit:  q.integer("limit", defaultLimit, 1, maxLimit),
		Offset: q.integer("offset", 0, 0, 1<<31-1),
	}
}

// err is nil or every problem found.
func (q *query) err() error { return q.errs.Err() }

// pathID reads an id from the path; a malformed one is simply not found.
func pathID(r *http.Request, name string) (int64, bool) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return n, err == nil && n > 0
}

func notFound(w http.ResponseWriter, r *http.Request) {
	server.WriteJSONError(w, r, http.StatusNotFound, "error.not_found", nil)
}

// parseDate reads a civil date written YYYY-MM-DD into midnight UTC, the form the
// domain packages hold dates in. Empty is the zero time; a malformed one is an error
// naming the field.
func parseDate(errs *i18n.Errors, field, v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		*errs = append(*errs, i18n.Invalid(field, "api.error.date", "value", v))
		return time.Time{}
	}
	return t
}

// dateOf writes a civil date as YYYY-MM-DD; nil and zero are empty, for omitempty.
func dateOf(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// window cuts one page out of a list the domain returns whole (a node's children, an
// account's roots: bounded by the tree's fan-out, not by the size of the province).
func window[T any](list []T, p page) []T {
	if p.Offset >= len(list) {
		return []T{}
	}
	return list[p.Offset:min(len(list), p.Offset+p.Limit)]
}
