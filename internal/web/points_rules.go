package web

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/points"
)

type rulesData struct {
	Org      org.Org
	Rights   rights
	Rules    []points.Rule
	EarnedBy []string
	Stages   []member.Stage
	Form     form
	Errs     fieldErrors
}

// Checked tells whether a stage box is ticked in the failed form.
func (d rulesData) Checked(stage member.Stage) bool {
	if d.Form.Name != "rule" {
		return false
	}
	for _, s := range d.Form.Values["stages"] {
		if s == string(stage) {
			return true
		}
	}
	return false
}

func (p *pointsPages) rulesPage(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.View)
	if !ok {
		return
	}
	p.renderRules(w, r, o, http.StatusOK, p.doneFlash(r), nil, form{})
}

func (p *pointsPages) renderRules(w http.ResponseWriter, r *http.Request, o org.Org, status int, flash string, errs []*i18n.Error, fm form) {
	ctx := r.Context()
	rt, err := p.rightsOn(ctx, caller(r), o.ID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	rules, err := p.points.Rules(ctx, o.ID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := rulesData{Org: o, Rights: rt, Rules: rules, EarnedBy: points.EarnedBy(), Stages: member.Stages(), Form: fm, Errs: errs}
	pg := p.page(r, "pointspages.rules.title", d)
	pg.Flash, pg.Errors = flash, errs
	p.render(w, r, status, "points_rules", pg)
}

// defineRule adds a rule at the organization, or changes its own definition of a code.
// Every refusal, a rule for logging in or time online among them, comes back on its field.
func (p *pointsPages) defineRule(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.Administer)
	if !ok {
		return
	}
	v := readForm(w, r)
	in := points.RuleInput{OrgID: o.ID, Code: strings.TrimSpace(v.Get("code")), NameZh: v.Get("name_zh"), NameEn: v.Get("name_en"),
		Chosen: v.Get("chosen"), CapPeriod: v.Get("cap_period"), Stages: v["stages"], EarnedBy: v.Get("earned_by"), CreatedBy: caller(r).ID}
	var errs []*i18n.Error
	number := func(field string) int {
		raw := strings.TrimSpace(v.Get(field))
		if raw == "" {
			return 0
		}
		n, err := strconv.Atoi(raw)
		if err != nil {
			errs = append(errs, i18n.Invalid(field, "pages.error.number", "value", raw))
		}
		return n
	}
	in.Points, in.DayCap, in.PeriodCap = number("points"), number("day_cap"), number("period_cap")
	date := func(field string) *time.Time {
		d, derr := formDate(v, field, false)
		if derr != nil {
			errs = append(errs, derr)
			return nil
		}
		if d.IsZero() {
			return nil
		}
		return &d
	}
	in.ValidFrom, in.ValidTo = date("valid_from"), date("valid_to")
	err := errOfList(errs)
	if err == nil {
		_, err = p.points.DefineRule(r.Context(), in)
	}
	if err != nil {
		if errs, ok := formErrors(err); ok {
			p.renderRules(w, r, o, http.StatusUnprocessableEntity, "", errs, form{"rule", v})
			return
		}
		p.fail(w, r, err)
		return
	}
	seeOther(w, r, "/orgs/"+strconv.FormatInt(o.ID, 10)+"/point-rules", "points_rule_saved")
}

// ---- The import of learning-platform scores ----

type pointsImportData struct {
	MaxMB   int
	Preview points.LearningPreview
	File    string // the checked file, carried to the confirmation
	Name    string
}

func (p *pointsPages) importForm(w http.ResponseWriter, r *http.Request) {
	if !p.importGate(w, r) {
		return
	}
	p.renderPointsImport(w, r, http.StatusOK, nil)
}

func (p *pointsPages) renderPointsImport(w http.ResponseWriter, r *http.Request, status int, errs []*i18n.Error) {
	pg := p.page(r, "pointspages.import.title", pointsImportData{MaxMB: points.MaxLearningBytes >> 20})
	pg.Errors = errs
	p.render(w, r, status, "points_import", pg)
}

// readLearningFile reads the uploaded workbook of a multipart form, or the checked file
// a preview carried forward in a form field.
func readLearningFile(w http.ResponseWriter, r *http.Request) ([]byte, string, *i18n.Error) {
	r.Body = http.MaxBytesReader(w, r.Body, points.MaxLearningBytes*2)
	tooLarge := i18n.Invalid("file", "points.import.error.too_large", "max_mb", points.MaxLearningBytes>>20)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseForm(); err != nil {
			return nil, "", tooLarge
		}
		data, err := base64.StdEncoding.DecodeString(r.PostForm.Get("content"))
		if err != nil || len(data) == 0 {
			return nil, "", i18n.Invalid("file", "error.required")
		}
		return data, r.PostForm.Get("name"), nil
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var big *http.MaxBytesError
		if errors.As(err, &big) {
			return nil, "", tooLarge
		}
		return nil, "", i18n.Invalid("file", "error.required")
	}
	fh := r.MultipartForm.File["file"]
	if len(fh) == 0 || fh[0].Size == 0 {
		return nil, "", i18n.Invalid("file", "error.required")
	}
	if fh[0].Size > points.MaxLearningBytes {
		return nil, "", tooLarge
	}
	fd, err := fh[0].Open()
	if err != nil {
		return nil, "", i18n.Invalid("file", "error.required")
	}
	defer fd.Close()
	data, err := io.ReadAll(fd)
	if err != nil {
		return nil, "", i18n.Invalid("file", "error.required")
	}
	return data, fh[0].Filename, nil
}

// importPreview checks an export and shows what the import would do, recording nothing.
func (p *pointsPages) importPreview(w http.ResponseWriter, r *http.Request) {
	if !p.importGate(w, r) {
		return
	}
	data, name, ferr := readLearningFile(w, r)
	if ferr != nil {
		p.renderPointsImport(w, r, http.StatusUnprocessableEntity, []*i18n.Error{ferr})
		return
	}
	preview, err := p.points.PreviewLearning(r.Context(), caller(r), data)
	if err != nil {
		if errs, ok := formErrors(err); ok {
			p.renderPointsImport(w, r, http.StatusUnprocessableEntity, errs)
			return
		}
		p.fail(w, r, err)
		return
	}
	d := pointsImportData{MaxMB: points.MaxLearningBytes >> 20, Preview: preview, File: base64.StdEncoding.EncodeToString(data), Name: name}
	p.render(w, r, http.StatusOK, "points_import_preview", p.page(r, "pointspages.import.preview_title", d))
}

// importConfirm records the file the preview showed, all rows or none. The file is
// checked again in full under the caller's scope: what the form carries is trusted no
// more than an upload, and its keys make a repeated confirmation add nothing.
func (p *pointsPages) importConfirm(w http.ResponseWriter, r *http.Request) {
	if !p.importGate(w, r) {
		return
	}
	data, name, ferr := readLearningFile(w, r)
	if ferr != nil {
		p.renderPointsImport(w, r, http.StatusUnprocessableEntity, []*i18n.Error{ferr})
		return
	}
	done, err := p.points.ImportLearning(r.Context(), caller(r), data)
	if err != nil {
		if errs, ok := formErrors(err); ok {
			p.renderPointsImport(w, r, http.StatusUnprocessableEntity, errs)
			return
		}
		p.fail(w, r, err)
		return
	}
	d := pointsImportData{Preview: done, Name: name}
	p.render(w, r, http.StatusOK, "points_import_done", p.page(r, "pointspages.import.done_title", d))
}
