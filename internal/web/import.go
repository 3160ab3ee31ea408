package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sort"

	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/org"
)

// Roster files up to 64 MB are read (the member package refuses larger ones with its
// own message); the request may be a little larger for the multipart framing.
const (
	maxRosterMB     = 64
	maxUploadBytes  = maxRosterMB<<20 + 1<<20
	previewSampleTo = 20
)

// mayImport tells whether the account manages any organization: only then is there a
// roster it could import into.
func (h *Handlers) mayImport(ctx context.Context, a auth.Account) (bool, error) {
	if a.IsAdmin {
		return true, nil
	}
	grants, err := h.orgs.GrantsOf(ctx, a.ID)
	if err != nil {
		return false, err
	}
	for _, g := range grants {
		if g.Role == org.RoleAdmin || g.Role == org.RoleManager {
			return true, nil
		}
	}
	return false, nil
}

// importGate answers 403 for an account that manages nothing; it reports whether the
// caller may go on.
func (h *Handlers) importGate(w http.ResponseWriter, r *http.Request) bool {
	ok, err := h.mayImport(r.Context(), caller(r))
	if err != nil {
		h.fail(w, r, err)
		return false
	}
	if !ok {
		h.srv.Forbidden(w, r)
		return false
	}
	return true
}

type importData struct {
	MaxMB int
}

func (h *Handlers) importForm(w http.ResponseWriter, r *http.Request) {
	if !h.importGate(w, r) {
		return
	}
	h.renderImport(w, r, http.StatusOK, nil)
}

func (h *Handlers) renderImport(w http.ResponseWriter, r *http.Request, status int, errs []*i18n.Error) {
	p := h.page(r, "pages.import.title", importData{MaxMB: maxRosterMB})
	p.Errors = errs
	h.render(w, r, status, "import", p)
}

type countRow struct {
	Label string
	Stage member.Stage
	Count int
}

type previewData struct {
	Preview member.Preview
	ByOrg   []countRow
	ByStage []countRow
	Sample  []member.RosterRow
}

// uploadRoster reads the file part of the form as it streams in, checks every row and
// shows what the import would do. A bad file shows the form again with every problem,
// by row and column; nothing is saved.
func (h *Handlers) uploadRoster(w http.ResponseWriter, r *http.Request) {
	if !h.importGate(w, r) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	tooLarge := []*i18n.Error{i18n.Invalid("file", "roster.too_large", "max_mb", maxRosterMB)}
	mr, err := r.MultipartReader()
	if err != nil {
		h.renderImport(w, r, http.StatusUnprocessableEntity, []*i18n.Error{i18n.Invalid("file", "error.required")})
		return
	}
	for {
		part, err := mr.NextPart()
		var big *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF):
			h.renderImport(w, r, http.StatusUnprocessableEntity, []*i18n.Error{i18n.Invalid("file", "error.required")})
			return
		case errors.As(err, &big):
			h.renderImport(w, r, http.StatusRequestEntityTooLarge, tooLarge)
			return
		case err != nil:
			h.renderImport(w, r, http.StatusBadRequest, []*i18n.Error{i18n.Invalid("file", "error.invalid")})
			return
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		if part.FileName() == "" {
			h.renderImport(w, r, http.StatusUnprocessableEntity, []*i18n.Error{i18n.Invalid("file", "error.required")})
			return
		}
		preview, err := h.people.Upload(r.Context(), caller(r), part.FileName(), part)
		part.Close()
		if err != nil {
			if errs, ok := formErrors(err); ok {
				h.renderImport(w, r, http.StatusUnprocessableEntity, errs)
				return
			}
			if errors.As(err, &big) {
				h.renderImport(w, r, http.StatusRequestEntityTooLarge, tooLarge)
				return
			}
			h.fail(w, r, err)
			return
		}
		h.renderPreview(w, r, preview)
		return
	}
}

func (h *Handlers) renderPreview(w http.ResponseWriter, r *http.Request, p member.Preview) {
	d := previewData{Preview: p}
	for name, n := range p.ByOrg {
		d.ByOrg = append(d.ByOrg, countRow{Label: name, Count: n})
	}
	sort.Slice(d.ByOrg, func(i, j int) bool {
		if d.ByOrg[i].Count != d.ByOrg[j].Count {
			return d.ByOrg[i].Count > d.ByOrg[j].Count
		}
		return d.ByOrg[i].Label < d.ByOrg[j].Label
	})
	for _, st := range member.Stages() {
		if n := p.ByStage[st]; n > 0 {
			d.ByStage = append(d.ByStage, countRow{Stage: st, Count: n})
		}
	}
	// The preview is a check of the file, not a look at personal data: masked.
	for _, row := range p.Sample[:min(len(p.Sample), previewSampleTo)] {
		row.IDNumber, row.Phone = member.MaskIDNumber(row.IDNumber), member.MaskPhone(row.Phone)
		d.Sample = append(d.Sample, row)
	}
	h.render(w, r, http.StatusOK, "import_preview", h.page(r, "pages.import.preview.title", d))
}

type importDoneData struct {
	Imported int
}

// confirmImport applies a previewed upload, all rows or none; only the account that
// uploaded it may (another's upload reads as not found).
func (h *Handlers) confirmImport(w http.ResponseWriter, r *http.Request) {
	if !h.importGate(w, r) {
		return
	}
	id, ok := pathID(r, "upload")
	if !ok {
		h.notFound(w, r)
		return
	}
	res, err := h.people.Import(r.Context(), caller(r), id)
	if err != nil {
		if errs, ok := formErrors(err); ok {
			h.renderImport(w, r, http.StatusUnprocessableEntity, errs)
			return
		}
		h.problem(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "import_done", h.page(r, "pages.import.done.title", importDoneData{Imported: res.Imported}))
}
