package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/server"
)

// rosterPage is how many people a roster page shows.
const rosterPage = 50

type stageOption struct {
	Stage   member.Stage
	Checked bool
}

type rosterData struct {
	Org       org.Org
	Rights    rights
	People    []member.Person
	Total     int
	From, To  int    // the 1-based range shown
	Prev      string // the previous page's address, "" on the first
	Next      string
	Export    string // the address of this filter as .xlsx
	Options   []stageOption
	Subtree   bool
	Post      string
	Query     string
	PostKinds []org.PostKind
	Stages    []member.Stage
	Today     string
	Form      form
}

// rosterFilter reads a roster's filter from the query. The form sends f=1, so that an
// unticked "include sub-organizations" box is told apart from a first visit, when the
// whole subtree is shown.
func rosterFilter(q url.Values, orgID int64) member.Filter {
	f := member.Filter{OrgID: orgID, Subtree: q.Get("f") == "" || q.Get("subtree") != "", Query: strings.TrimSpace(q.Get("q")), Limit: rosterPage}
	for _, s := range q["stage"] {
		if st := member.Stage(s); st.Valid() {
			f.Stages = append(f.Stages, st)
		}
	}
	if k := org.PostKind(q.Get("post")); k.Valid() {
		f.Post = k
	}
	if n, err := strconv.Atoi(q.Get("offset")); err == nil && n > 0 {
		f.Offset = n
	}
	return f
}

// filterQuery writes a filter back as a query string, at offset.
func filterQuery(f member.Filter, offset int) string {
	q := url.Values{"f": {"1"}}
	if f.Subtree {
		q.Set("subtree", "1")
	}
	for _, st := range f.Stages {
		q.Add("stage", string(st))
	}
	if f.Post != "" {
		q.Set("post", string(f.Post))
	}
	if f.Query != "" {
		q.Set("q", f.Query)
	}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	return q.Encode()
}

func (h *Handlers) roster(w http.ResponseWriter, r *http.Request) {
	o, ok := h.orgFor(w, r, org.View)
	if !ok {
		return
	}
	h.renderRoster(w, r, o, http.StatusOK, h.doneFlash(r), nil, form{})
}

func (h *Handlers) renderRoster(w http.ResponseWriter, r *http.Request, o org.Org, status int, flash string, errs []*i18n.Error, fm form) {
	ctx, a := r.Context(), caller(r)
	f := rosterFilter(r.URL.Query(), o.ID)
	list, total, err := h.people.List(ctx, org.ScopeOf(a, org.View), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rt, err := h.rightsOn(ctx, a, o.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for i := range list {
		if list[i].AccountID != a.ID || a.ID == 0 {
			list[i].Mask()
		}
	}
	base := fmt.Sprintf("/orgs/%d/people?", o.ID)
	d := rosterData{Org: o, Rights: rt, People: list, Total: total, Subtree: f.Subtree, Post: string(f.Post), Query: f.Query,
		PostKinds: org.PostKinds(), Stages: member.Stages(), Today: h.today(), Form: fm,
		Export: fmt.Sprintf("/orgs/%d/people.xlsx?", o.ID) + filterQuery(f, 0)}
	if len(list) > 0 {
		d.From, d.To = f.Offset+1, f.Offset+len(list)
	}
	if f.Offset > 0 {
		d.Prev = base + filterQuery(f, max(f.Offset-rosterPage, 0))
	}
	if f.Offset+len(list) < total {
		d.Next = base + filterQuery(f, f.Offset+rosterPage)
	}
	for _, st := range member.Stages() {
		checked := false
		for _, s := range f.Stages {
			checked = checked || s == st
		}
		d.Options = append(d.Options, stageOption{Stage: st, Checked: checked})
	}
	p := h.page(r, "pages.roster.title", d)
	p.Flash, p.Errors = flash, errs
	h.render(w, r, status, "roster", p)
}

// addPerson enters one person into this organization.
func (h *Handlers) addPerson(w http.ResponseWriter, r *http.Request) {
	o, ok := h.orgFor(w, r, org.Manage)
	if !ok {
		return
	}
	v := readForm(w, r)
	joined, bad := formDate(v, "joined_at", false)
	err := errOf(bad)
	var p member.Person
	if err == nil {
		p, err = h.people.Create(r.Context(), member.NewPerson{
			Name: v.Get("name"), IDNumber: v.Get("id_number"), Phone: v.Get("phone"), OrgID: o.ID,
			Stage: member.Stage(v.Get("stage")), JoinedAt: joined, Note: v.Get("note"),
		})
	}
	if err != nil {
		if errs, ok := formErrors(err); ok {
			h.renderRoster(w, r, o, http.StatusUnprocessableEntity, "", errs, form{"add", v})
			return
		}
		h.fail(w, r, err)
		return
	}
	seeOther(w, r, fmt.Sprintf("/people/%d", p.ID), "person_added")
}

// exportRoster writes the roster's filter as .xlsx: masked for viewers, in full for
// managers (the service then writes the export to the audit log).
func (h *Handlers) exportRoster(w http.ResponseWriter, r *http.Request) {
	o, ok := h.orgFor(w, r, org.View)
	if !ok {
		return
	}
	ctx, a := r.Context(), caller(r)
	manage, err := h.orgs.Can(ctx, a, org.Manage, o.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f := rosterFilter(r.URL.Query(), o.ID)
	f.Offset = 0
	var buf bytes.Buffer
	if err := h.people.Export(ctx, &buf, org.ScopeOf(a, org.View), f, manage); err != nil {
		h.fail(w, r, err)
		return
	}
	day := h.today()
	name := h.srv.Catalog().T(server.Lang(r), "pages.roster.filename", map[string]any{"org": fileSafe(o.DisplayName(server.Lang(r))), "date": day})
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", attachment(fmt.Sprintf("roster-%d-%s.xlsx", o.ID, day), name))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

// attachment is a Content-Disposition for a download: an ASCII name for old clients and
// the real, UTF-8 name (RFC 6266 / RFC 8187) that every current browser uses.
func attachment(ascii, name string) string {
	const attrChar = "!#$&+-.^_`|~"
	var b strings.Builder
	for _, c := range []byte(name) {
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(attrChar, c) >= 0) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + b.String()
}

// fileSafe drops from a name what a file system or a header would choke on.
func fileSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r) {
			return -1
		}
		return r
	}, s)
	if s = strings.TrimSpace(s); s == "" {
		return "roster"
	}
	return s
}

type developmentData struct {
	Org        org.Org
	Candidates []member.Candidate
	Today      time.Time
}

// development lists everyone between application and full membership in the subtree,
// with their next step and its due date, overdue first.
func (h *Handlers) development(w http.ResponseWriter, r *http.Request) {
	o, ok := h.orgFor(w, r, org.View)
	if !ok {
		return
	}
	list, err := h.people.Development(r.Context(), org.ScopeOf(caller(r), org.View), o.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "development", h.page(r, "pages.development.title", developmentData{Org: o, Candidates: list, Today: h.people.Today()}))
}
