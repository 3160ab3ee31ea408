package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"vanguard/internal/learning"
	"vanguard/internal/org"
	"vanguard/internal/server"
)

// exportCompletion is the campaign's completion below ?org as .xlsx, a row per member.
func (p *learningPages) exportCompletion(w http.ResponseWriter, r *http.Request) {
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
	orgID, _ := strconv.ParseInt(r.URL.Query().Get("org"), 10, 64)
	done, err := p.learn.Completion(ctx, c, id, orgID)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	lang := server.Lang(r)
	t := func(key string) string { return p.srv.Catalog().T(lang, key, nil) }
	headers := []string{t("learning.export.org"), t("learning.export.name"), t("learning.export.courses"), t("learning.export.courses_target"),
		t("learning.export.activities"), t("learning.export.activities_target"), t("learning.export.complete")}
	var buf bytes.Buffer
	if err := learning.WriteCompletionXLSX(&buf, done, headers, t("learning.export.yes"), t("learning.export.no")); err != nil {
		p.fail(w, r, err)
		return
	}
	day := p.today()
	name := p.srv.Catalog().T(lang, "learning.export.filename", map[string]any{"campaign": fileSafe(done.Campaign.DisplayTitle(lang)), "date": day})
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", attachment(fmt.Sprintf("campaign-%d-%s.xlsx", id, day), name))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

type questionsData struct {
	Org       org.Org
	Questions []learning.Question
	Imported  int
}

// questionBank lists an organization's own questions, answers included: for its managers.
func (p *learningPages) questionBank(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.Manage)
	if !ok {
		return
	}
	p.renderBank(w, r, o, http.StatusOK, 0, nil)
}

func (p *learningPages) renderBank(w http.ResponseWriter, r *http.Request, o org.Org, status, imported int, err error) {
	qs, qerr := p.learn.Questions(r.Context(), o.ID)
	if qerr != nil {
		p.fail(w, r, qerr)
		return
	}
	pg := p.page(r, "learning.questions.title", questionsData{Org: o, Questions: qs, Imported: imported})
	if err != nil {
		errs, ok := formErrors(err)
		if !ok {
			p.fail(w, r, err)
			return
		}
		pg.Errors = errs
	}
	p.render(w, r, status, "learning_questions", pg)
}

// importQuestions takes an .xlsx of questions: all of them, or none with every bad row named.
func (p *learningPages) importQuestions(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.Manage)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 11<<20)
	file, _, err := r.FormFile("file")
	if err != nil {
		p.renderBank(w, r, o, http.StatusUnprocessableEntity, 0, learningFileMissing)
		return
	}
	defer file.Close()
	n, err := p.learn.ImportQuestions(r.Context(), o.ID, file)
	if err != nil {
		p.renderBank(w, r, o, http.StatusUnprocessableEntity, 0, err)
		return
	}
	p.renderBank(w, r, o, http.StatusOK, n, nil)
}
