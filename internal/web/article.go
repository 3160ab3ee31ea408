package web

// The writers' pages: an organization's articles, the editor with its review buttons and
// revisions, comment moderation, and the two steps from an activity: attaching photos to
// its record, and writing its report. All need Manage on the organization (for an
// activity, on a host); outside View scope they answer the not-found page, inside it
// without Manage 403.

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"vanguard/internal/activity"
	"vanguard/internal/article"
	"vanguard/internal/i18n"
	"vanguard/internal/media"
	"vanguard/internal/org"
	"vanguard/internal/server"
)

// maxArticleForm bounds an article form with its pictures.
const maxArticleForm = 4*media.MaxBytes + maxFormBytes

type orgArticlesData struct {
	Org        org.Org
	Articles   []article.Article
	Categories []string
	Form       form
}

func (p *portal) orgArticles(w http.ResponseWriter, r *http.Request) {
	p.renderOrgArticles(w, r, http.StatusOK, nil, form{})
}

func (p *portal) renderOrgArticles(w http.ResponseWriter, r *http.Request, status int, errs []*i18n.Error, f form) {
	o, ok := p.orgFor(w, r, org.Manage)
	if !ok {
		return
	}
	list, err := p.articles.Managed(r.Context(), org.ScopeOf(caller(r), org.Manage), o.ID, 100)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	pg := p.page(r, "article.manage.title", orgArticlesData{Org: o, Articles: list, Categories: article.Categories(), Form: f})
	pg.Errors, pg.Flash = errs, p.doneFlash(r)
	p.render(w, r, status, "article_list", pg)
}

// articleInput reads the editor's form; pictures sent with it are stored and added to
// the end of the body, the first one becoming the cover when there is none.
func (p *portal) articleInput(w http.ResponseWriter, r *http.Request) (article.Input, url.Values, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxArticleForm)
	var in article.Input
	if err := r.ParseMultipartForm(maxFormBytes); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return in, url.Values{}, i18n.Invalid(media.Field, "media.error.too_big", "max_mb", media.MaxBytes>>20)
	}
	v := r.PostForm
	in = article.Input{Title: v.Get("title"), Summary: v.Get("summary"), Body: v.Get("body"), Format: v.Get("format"),
		Source: v.Get("source"), Category: v.Get("category"), Tags: []string{v.Get("tags")}, CommentsOpen: v.Get("comments") == "on"}
	in.CoverID, _ = strconv.ParseInt(v.Get("cover"), 10, 64)
	if d, e := formDate(v, "released", false); e != nil {
		return in, v, e
	} else {
		in.ReleasedAt = d
	}
	uploads, err := readUploads(r, media.Field)
	if err != nil {
		return in, v, err
	}
	for _, u := range uploads {
		u.OwnerID = caller(r).ID
		m, err := p.media.Save(r.Context(), p.db, u)
		if err != nil {
			return in, v, err
		}
		if !m.IsImage() {
			in.Body += `<p><a href="` + m.URL() + `">` + template_escape(m.Filename) + `</a></p>`
			continue
		}
		in.Body += `<p><img src="` + m.URL() + `" width="` + strconv.Itoa(m.Width) + `" height="` + strconv.Itoa(m.Height) + `" alt=""></p>`
		if in.CoverID == 0 {
			in.CoverID = m.ID
		}
	}
	return in, v, nil
}

func template_escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(s)
}

func (p *portal) createArticle(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.Manage)
	if !ok {
		return
	}
	in, v, err := p.articleInput(w, r)
	if err == nil {
		in.OrgID = o.ID
		var a article.Article
		a, err = p.articles.Create(r.Context(), org.ScopeOf(caller(r), org.Manage), in)
		if err == nil {
			seeOther(w, r, "/articles/"+strconv.FormatInt(a.ID, 10), "saved")
			return
		}
	}
	if errs, ok := formErrors(err); ok {
		p.renderOrgArticles(w, r, http.StatusUnprocessableEntity, errs, form{Name: "new", Values: v})
		return
	}
	p.fail(w, r, err)
}

type editData struct {
	Article    articleView
	Next       []article.Status
	Revisions  []article.Revision
	Comments   []article.Comment
	Categories []string
	Form       form
}

// Val is the form's value of a field: what was posted when it failed, else the article's.
func (d editData) Val(field string) string {
	if d.Form.Name == "edit" {
		return d.Form.Values.Get(field)
	}
	a := d.Article
	switch field {
	case "title":
		return a.Title
	case "summary":
		return a.Summary
	case "body":
		return a.Body
	case "source":
		return a.Source
	case "category":
		return a.Category
	case "tags":
		return strings.Join(a.Tags, ", ")
	case "released":
		if a.ReleasedAt != nil {
			return a.ReleasedAt.Format("2006-01-02")
		}
	case "cover":
		if a.CoverID != 0 {
			return strconv.FormatInt(a.CoverID, 10)
		}
	}
	return ""
}

// managedArticle loads the article of the path for a caller who may manage it.
func (p *portal) managedArticle(w http.ResponseWriter, r *http.Request) (article.Article, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		p.notFound(w, r)
		return article.Article{}, false
	}
	a, err := p.articles.Get(r.Context(), id)
	if err != nil {
		p.problem(w, r, err)
		return a, false
	}
	return a, p.allow(w, r, a.OrgID, org.Manage)
}

func (p *portal) editArticle(w http.ResponseWriter, r *http.Request) {
	p.renderEdit(w, r, http.StatusOK, nil, form{})
}

func (p *portal) renderEdit(w http.ResponseWriter, r *http.Request, status int, errs []*i18n.Error, f form) {
	a, ok := p.managedArticle(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	d := editData{Article: articleView{Article: a}, Next: article.Next(a.Status), Categories: article.Categories(), Form: f}
	var err error
	if d.Revisions, err = p.articles.Revisions(ctx, a.ID); err != nil {
		p.fail(w, r, err)
		return
	}
	if d.Comments, err = p.articles.Comments(ctx, a.ID, article.Pending, article.Spam); err != nil {
		p.fail(w, r, err)
		return
	}
	if a.CoverID != 0 {
		if m, err := p.media.Get(ctx, a.CoverID); err == nil {
			d.Article.Cover = &m
		}
	}
	pg := p.page(r, "article.edit.title", d)
	pg.Errors, pg.Flash = errs, p.doneFlash(r)
	p.render(w, r, status, "article_edit", pg)
}

func (p *portal) updateArticle(w http.ResponseWriter, r *http.Request) {
	a, ok := p.managedArticle(w, r)
	if !ok {
		return
	}
	in, v, err := p.articleInput(w, r)
	if err == nil {
		_, err = p.articles.Update(r.Context(), org.ScopeOf(caller(r), org.Manage), a.ID, in)
		if err == nil {
			seeOther(w, r, "/articles/"+strconv.FormatInt(a.ID, 10), "saved")
			return
		}
	}
	if errs, ok := formErrors(err); ok {
		p.renderEdit(w, r, http.StatusUnprocessableEntity, errs, form{Name: "edit", Values: v})
		return
	}
	p.fail(w, r, err)
}

func (p *portal) moveArticle(w http.ResponseWriter, r *http.Request) {
	a, ok := p.managedArticle(w, r)
	if !ok {
		return
	}
	v := readForm(w, r)
	_, err := p.articles.Move(r.Context(), org.ScopeOf(caller(r), org.Manage), a.ID, article.Status(v.Get("status")), v.Get("note"))
	if errs, ok := formErrors(err); ok {
		p.renderEdit(w, r, http.StatusUnprocessableEntity, errs, form{})
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	seeOther(w, r, "/articles/"+strconv.FormatInt(a.ID, 10), "moved")
}

func (p *portal) moderate(w http.ResponseWriter, r *http.Request) {
	a, ok := p.managedArticle(w, r)
	if !ok {
		return
	}
	cid, ok := pathID(r, "comment")
	if !ok {
		p.notFound(w, r)
		return
	}
	v := readForm(w, r)
	err := p.articles.Moderate(r.Context(), org.ScopeOf(caller(r), org.Manage), a.ID, cid, article.CommentStatus(v.Get("status")))
	if errs, ok := formErrors(err); ok {
		p.renderEdit(w, r, http.StatusUnprocessableEntity, errs, form{})
		return
	}
	if err != nil {
		p.problem(w, r, err)
		return
	}
	seeOther(w, r, "/articles/"+strconv.FormatInt(a.ID, 10), "moderated")
}

// activitySource reads what a report is written from.
type activitySource struct{ svc *activity.Service }

// managedActivity loads the activity of the path for a caller who manages a host:
// outside View scope 404, inside without Manage 403.
func (p *portal) managedActivity(w http.ResponseWriter, r *http.Request, manage bool) (activity.Activity, bool) {
	id, ok := pathID(r, "id")
	if !ok || p.acts.svc == nil {
		p.notFound(w, r)
		return activity.Activity{}, false
	}
	ctx, a := r.Context(), caller(r)
	act, err := p.acts.svc.Get(ctx, id)
	if err != nil {
		p.problem(w, r, err)
		return act, false
	}
	view, err := p.acts.svc.InScope(ctx, org.ScopeOf(a, org.View), id)
	if err != nil {
		p.fail(w, r, err)
		return act, false
	}
	if !view {
		p.notFound(w, r)
		return act, false
	}
	if !manage {
		return act, true
	}
	can, err := p.acts.svc.InScope(ctx, org.ScopeOf(a, org.Manage), id)
	if err != nil {
		p.fail(w, r, err)
		return act, false
	}
	if !can {
		p.srv.Forbidden(w, r)
		return act, false
	}
	return act, true
}

func activityPath(id int64) string { return "/activities/" + strconv.FormatInt(id, 10) }

// writeReport makes the report draft of a held activity and opens it in the editor.
func (p *portal) writeReport(w http.ResponseWriter, r *http.Request) {
	act, ok := p.managedActivity(w, r, true)
	if !ok {
		return
	}
	readForm(w, r)
	ctx, lang := r.Context(), server.Lang(r)
	src := article.ReportSource{Activity: act, Lang: lang,
		Labels: func(key string, params map[string]any) string { return p.srv.Catalog().T(lang, key, params) }}
	var err error
	if src.Record, err = p.acts.svc.Record(ctx, act.ID); err != nil {
		p.fail(w, r, err)
		return
	}
	if src.Tally, err = p.acts.svc.Tally(ctx, act.ID); err != nil {
		p.fail(w, r, err)
		return
	}
	if src.Attachments, err = p.articles.Attachments(ctx, p.media, act.ID); err != nil {
		p.fail(w, r, err)
		return
	}
	a, err := p.articles.FromActivity(ctx, org.ScopeOf(caller(r), org.Manage), src)
	if errs, ok := formErrors(err); ok {
		http.Error(w, p.srv.Catalog().Describe(lang, errs[0]), http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	seeOther(w, r, "/articles/"+strconv.FormatInt(a.ID, 10), "report")
}

type attachmentsData struct {
	Activity    activity.Activity
	Attachments []article.Attachment
	Manage      bool
	Report      int64
}

// attachments lists the photos and files of an activity's record, with the upload form
// for its managers.
func (p *portal) attachments(w http.ResponseWriter, r *http.Request) {
	p.renderAttachments(w, r, http.StatusOK, nil)
}

func (p *portal) renderAttachments(w http.ResponseWriter, r *http.Request, status int, errs []*i18n.Error) {
	act, ok := p.managedActivity(w, r, false)
	if !ok {
		return
	}
	ctx := r.Context()
	d := attachmentsData{Activity: act}
	var err error
	if d.Manage, err = p.acts.svc.InScope(ctx, org.ScopeOf(caller(r), org.Manage), act.ID); err != nil {
		p.fail(w, r, err)
		return
	}
	if d.Attachments, err = p.articles.Attachments(ctx, p.media, act.ID); err != nil {
		p.fail(w, r, err)
		return
	}
	if id, err := p.articles.ReportOf(ctx, act.ID); err == nil {
		d.Report = id
	}
	pg := p.page(r, "article.attach.title", d)
	pg.Errors, pg.Flash = errs, p.doneFlash(r)
	p.render(w, r, status, "activity_media", pg)
}

// attach adds photos or files to an activity's record. It is optional: nothing asks
// for a photo as proof that a meeting was held.
func (p *portal) attach(w http.ResponseWriter, r *http.Request) {
	act, ok := p.managedActivity(w, r, true)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxArticleForm)
	if err := r.ParseMultipartForm(maxFormBytes); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		p.renderAttachments(w, r, http.StatusUnprocessableEntity, []*i18n.Error{i18n.Invalid(media.Field, "media.error.too_big", "max_mb", media.MaxBytes>>20)})
		return
	}
	uploads, err := readUploads(r, media.Field)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if len(uploads) == 0 {
		p.renderAttachments(w, r, http.StatusUnprocessableEntity, []*i18n.Error{i18n.Invalid(media.Field, "error.required")})
		return
	}
	for _, u := range uploads {
		u.OwnerID = caller(r).ID
		if _, err := p.articles.AttachToActivity(r.Context(), p.media, act.ID, u, r.PostForm.Get("caption")); err != nil {
			if errs, ok := formErrors(err); ok {
				p.renderAttachments(w, r, http.StatusUnprocessableEntity, errs)
				return
			}
			p.fail(w, r, err)
			return
		}
	}
	seeOther(w, r, activityPath(act.ID)+"/media", "attached")
}
