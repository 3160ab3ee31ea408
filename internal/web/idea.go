package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/i18n"
	"vanguard/internal/idea"
	"vanguard/internal/org"
	"vanguard/internal/server"
)

// ideaFilter reads the board's filters from the query.
func ideaFilter(q url.Values) idea.Filter {
	f := idea.Filter{Status: idea.Status(q.Get("status")), Category: q.Get("category"), Limit: 100}
	if !f.Status.Valid() {
		f.Status = ""
	}
	valid := false
	for _, c := range idea.Categories() {
		valid = valid || c == f.Category
	}
	if !valid {
		f.Category = ""
	}
	if y, err := strconv.Atoi(q.Get("year")); err == nil && y > 1900 && y < 3000 {
		f.Year = y
	}
	return f
}

// filterValues writes the filter back as a query string, for links that keep it.
func filterValues(f idea.Filter) string {
	v := url.Values{}
	if f.Status != "" {
		v.Set("status", string(f.Status))
	}
	if f.Category != "" {
		v.Set("category", f.Category)
	}
	if f.Year != 0 {
		v.Set("year", strconv.Itoa(f.Year))
	}
	return v.Encode()
}

type boardData struct {
	Org        *org.Org // the organization whose board it is, or nil for the caller's own boards
	Ideas      []idea.Idea
	Total      int
	Filter     idea.Filter
	Statuses   []idea.Status
	Categories []string
	Years      []int
	Boards     []org.Org // where the caller may submit: their organization and those above it
	Stats      []idea.YearStats
	Dashboards []org.Org // the roots of the caller's scope, for reviewers
	Export     string
	Form       form
}

func (p *participation) ideaBoard(w http.ResponseWriter, r *http.Request) {
	p.renderBoard(w, r, nil, http.StatusOK, p.doneFlash(r), nil, form{})
}

func (p *participation) orgIdeas(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.View)
	if !ok {
		return
	}
	p.renderBoard(w, r, &o, http.StatusOK, "", nil, form{})
}

// renderBoard shows the ideas a caller may read: those of one organization's boards
// with their yearly figures, or of every board the caller reads, with the form to
// submit one.
func (p *participation) renderBoard(w http.ResponseWriter, r *http.Request, o *org.Org, status int, flash string, errs []*i18n.Error, fm form) {
	ctx, a := r.Context(), caller(r)
	c, err := p.ideas.CallerOf(ctx, a)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	f := ideaFilter(r.URL.Query())
	d := boardData{Org: o, Filter: f, Statuses: idea.Statuses(), Categories: idea.Categories(), Form: fm}
	this := time.Now().In(displayZone).Year()
	for y := this; y > this-5; y-- {
		d.Years = append(d.Years, y)
	}
	if o != nil {
		f.OrgID = o.ID
		if d.Stats, err = p.ideas.Stats(ctx, o.ID); err != nil {
			p.fail(w, r, err)
			return
		}
		d.Export = fmt.Sprintf("/orgs/%d/ideas.xlsx?%s", o.ID, filterValues(f))
	} else {
		if c.Person != nil {
			if d.Boards, err = p.orgs.Ancestors(ctx, c.Person.OrgID); err != nil {
				p.fail(w, r, err)
				return
			}
			own, err := p.orgs.Get(ctx, c.Person.OrgID)
			if err != nil {
				p.fail(w, r, err)
				return
			}
			d.Boards = append(d.Boards, own)
		}
		if d.Dashboards, err = p.orgs.Roots(ctx, a); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	list, total, err := p.ideas.List(ctx, c, f)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d.Ideas, d.Total = list, total
	title := "idea.board.title"
	if o != nil {
		title = "idea.org_board.title"
	}
	pg := p.page(r, title, d)
	pg.Flash, pg.Errors = flash, errs
	p.render(w, r, status, "idea_board", pg)
}

// maxIdeaUpload bounds a submitted idea with its attachments and the form around them.
const maxIdeaUpload = idea.MaxAllBytes + 1<<20

func (p *participation) submitIdea(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := p.ideas.CallerOf(ctx, caller(r))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxIdeaUpload)
	var v url.Values
	var files []idea.NewFile
	var problem *i18n.Error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			problem = i18n.Invalid("files", "idea.error.files_size", "max", idea.MaxAllBytes>>20)
		} else {
			v = r.MultipartForm.Value
			for _, fh := range r.MultipartForm.File["files"] {
				if fh.Filename == "" || fh.Size == 0 {
					continue
				}
				fd, err := fh.Open()
				if err != nil {
					p.fail(w, r, err)
					return
				}
				content, err := io.ReadAll(io.LimitReader(fd, idea.MaxFileBytes+1))
				fd.Close()
				if err != nil {
					p.fail(w, r, err)
					return
				}
				files = append(files, idea.NewFile{Filename: fh.Filename, Content: content})
			}
		}
	} else if err := r.ParseForm(); err == nil {
		v = r.PostForm
	}
	if v == nil {
		v = url.Values{}
	}
	if problem == nil {
		orgID, ferr := formInt(v, "org_id")
		if ferr != nil {
			problem = ferr
		} else {
			var i idea.Idea
			i, err = p.ideas.Submit(ctx, c, idea.NewIdea{OrgID: orgID, Title: v.Get("title"), Problem: v.Get("problem"),
				Proposal: v.Get("proposal"), Benefit: v.Get("benefit"), Category: v.Get("category"), Files: files})
			if err == nil {
				seeOther(w, r, ideaPath(i.ID), "idea_submitted")
				return
			}
		}
	}
	if problem != nil {
		err = problem
	}
	if errs, ok := formErrors(err); ok {
		p.renderBoard(w, r, nil, http.StatusUnprocessableEntity, "", errs, form{"idea", v})
		return
	}
	p.fail(w, r, err)
}

func ideaPath(id int64) string { return "/ideas/" + strconv.FormatInt(id, 10) }

// ideaFor loads the idea of the path for a caller who may read it.
func (p *participation) ideaFor(w http.ResponseWriter, r *http.Request) (idea.Idea, idea.Caller, idea.Access, bool) {
	var c idea.Caller
	var acc idea.Access
	id, ok := pathID(r, "id")
	if !ok {
		p.notFound(w, r)
		return idea.Idea{}, c, acc, false
	}
	ctx := r.Context()
	i, err := p.ideas.Get(ctx, id)
	if err != nil {
		p.problem(w, r, err)
		return i, c, acc, false
	}
	if c, err = p.ideas.CallerOf(ctx, caller(r)); err != nil {
		p.fail(w, r, err)
		return i, c, acc, false
	}
	if acc, err = p.ideas.AccessTo(ctx, c, i); err != nil {
		p.fail(w, r, err)
		return i, c, acc, false
	}
	if !acc.View {
		p.notFound(w, r)
		return i, c, acc, false
	}
	return i, c, acc, true
}

type ideaPageData struct {
	Idea      idea.Idea
	Access    idea.Access
	Supported bool
	History   []idea.Move
	Next      []idea.Status
	Form      form
}

func (p *participation) ideaPage(w http.ResponseWriter, r *http.Request) {
	i, c, acc, ok := p.ideaFor(w, r)
	if !ok {
		return
	}
	p.renderIdea(w, r, i, c, acc, http.StatusOK, p.doneFlash(r), nil, form{})
}

func (p *participation) renderIdea(w http.ResponseWriter, r *http.Request, i idea.Idea, c idea.Caller, acc idea.Access,
	status int, flash string, errs []*i18n.Error, f form) {
	ctx := r.Context()
	d := ideaPageData{Idea: i, Access: acc, Next: idea.Next(i.Status), Form: f}
	var err error
	if d.Supported, err = p.ideas.Supported(ctx, c, i.ID); err != nil {
		p.fail(w, r, err)
		return
	}
	if d.History, err = p.ideas.History(ctx, i.ID); err != nil {
		p.fail(w, r, err)
		return
	}
	pg := p.page(r, "idea.page.title", d)
	pg.Flash, pg.Errors = flash, errs
	p.render(w, r, status, "idea_page", pg)
}

func (p *participation) ideaFailed(w http.ResponseWriter, r *http.Request, i idea.Idea, c idea.Caller, acc idea.Access, name string, v url.Values, err error) bool {
	if err == nil {
		return false
	}
	if errs, ok := formErrors(err); ok {
		p.renderIdea(w, r, i, c, acc, http.StatusUnprocessableEntity, "", errs, form{name, v})
		return true
	}
	p.problem(w, r, err)
	return true
}

func (p *participation) supportIdea(w http.ResponseWriter, r *http.Request) {
	i, c, acc, ok := p.ideaFor(w, r)
	if !ok {
		return
	}
	err := p.ideas.Support(r.Context(), c, i.ID)
	if p.ideaFailed(w, r, i, c, acc, "support", nil, err) {
		return
	}
	seeOther(w, r, ideaPath(i.ID), "idea_supported")
}

func (p *participation) reviewIdea(w http.ResponseWriter, r *http.Request) {
	i, c, acc, ok := p.ideaFor(w, r)
	if !ok {
		return
	}
	if !acc.Review {
		p.srv.Forbidden(w, r)
		return
	}
	v := readForm(w, r)
	_, err := p.ideas.Review(r.Context(), i.ID, idea.Status(v.Get("status")), v.Get("reason"))
	if p.ideaFailed(w, r, i, c, acc, "review", v, err) {
		return
	}
	seeOther(w, r, ideaPath(i.ID), "idea_reviewed")
}

// ideaFile sends an attachment as a download, never shown in the page's own origin:
// a file a person uploaded must not run as part of the site.
func (p *participation) ideaFile(w http.ResponseWriter, r *http.Request) {
	i, _, _, ok := p.ideaFor(w, r)
	if !ok {
		return
	}
	id, ok := pathID(r, "file")
	if !ok {
		p.notFound(w, r)
		return
	}
	f, err := p.ideas.File(r.Context(), i.ID, id)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", attachment(fmt.Sprintf("idea-%d-%d", i.ID, f.ID), f.Filename))
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(f.Content)))
	w.Write(f.Content)
}

func (p *participation) exportIdeas(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.View)
	if !ok {
		return
	}
	ctx := r.Context()
	c, err := p.ideas.CallerOf(ctx, caller(r))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	f := ideaFilter(r.URL.Query())
	f.OrgID = o.ID
	var buf bytes.Buffer
	if err := p.ideas.Export(ctx, &buf, c, f); err != nil {
		p.fail(w, r, err)
		return
	}
	day := p.today()
	name := p.srv.Catalog().T(server.Lang(r), "idea.export.filename", map[string]any{"org": fileSafe(o.DisplayName(server.Lang(r))), "date": day})
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", attachment(fmt.Sprintf("ideas-%d-%s.xlsx", o.ID, day), name))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}
