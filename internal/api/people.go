package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/server"
)

// personView is a person as the API shows them: civil dates as YYYY-MM-DD, and the ID
// number and phone masked unless the caller may and did ask to see them.
type personView struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Gender    string `json:"gender,omitempty"`
	BirthDate string `json:"birth_date,omitempty"`
	IDNumber  string `json:"id_number,omitempty"`
	Phone     string `json:"phone,omitempty"`
	OrgID     int64  `json:"org_id,omitempty"`
	OrgName   string `json:"org_name,omitempty"`
	Stage     string `json:"stage"`
	JoinedAt  string `json:"joined_at,omitempty"`
	Note      string `json:"note,omitempty"`
	Masked    bool   `json:"masked"`
}

func viewPerson(p member.Person) personView {
	return personView{ID: p.ID, Name: p.Name, Gender: p.Gender, BirthDate: dateOf(p.BirthDate), IDNumber: p.IDNumber,
		Phone: p.Phone, OrgID: p.OrgID, OrgName: p.OrgName, Stage: string(p.Stage), JoinedAt: dateOf(p.JoinedAt),
		Note: p.Note, Masked: p.Masked}
}

// masked is the view of a person with the ID number and phone hidden.
func masked(p member.Person) personView {
	p.Mask()
	return viewPerson(p)
}

// stepView is what is due next for a person.
type stepView struct {
	Key     string `json:"key"`
	Message string `json:"message"`
	Due     string `json:"due"`
	Overdue bool   `json:"overdue"`
}

// eventView is one recorded step of a person's development.
type eventView struct {
	ID        int64  `json:"id"`
	Kind      string `json:"kind"`
	FromStage string `json:"from_stage"`
	ToStage   string `json:"to_stage"`
	On        string `json:"on"`
	OrgID     int64  `json:"org_id,omitempty"`
	OrgName   string `json:"org_name,omitempty"`
	Months    int    `json:"months,omitempty"`
	Documents string `json:"documents,omitempty"`
	Note      string `json:"note,omitempty"`
}

type personDetail struct {
	personView
	NextStep *stepView   `json:"next_step,omitempty"`
	History  []eventView `json:"history"`
}

type rosterPage struct {
	People []personView `json:"people"`
	Total  int          `json:"total"`
	page
}

// orgRoster is GET /api/v1/orgs/{id}/people.
func (h *Handlers) orgRoster(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		notFound(w, r)
		return
	}
	h.serveRoster(w, r, id, newQuery(r))
}

// roster is GET /api/v1/people?org=ID, the same roster by query.
func (h *Handlers) roster(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	id := q.id("org")
	if !q.has("org") {
		q.errs = append(q.errs, i18n.Invalid("org", "error.required"))
	}
	h.serveRoster(w, r, id, q)
}

// serveRoster answers one page of an organization's roster (with ?subtree=true, of
// everyone below it too), filtered by stage and name. ID numbers and phones are always
// masked in a list, whoever asks: a manager reveals one person at a time, on record.
func (h *Handlers) serveRoster(w http.ResponseWriter, r *http.Request, orgID int64, q *query) {
	a, _ := server.AccountFrom(r.Context())
	f := member.Filter{OrgID: orgID, Subtree: q.boolean("subtree"), Query: q.str("q")}
	for _, v := range q.values["stage"] {
		st := member.Stage(strings.TrimSpace(v))
		if !st.Valid() {
			q.errs = append(q.errs, i18n.Invalid("stage", "api.error.choice", "value", v, "choices", stageChoices()))
			continue
		}
		f.Stages = append(f.Stages, st)
	}
	p := q.page()
	f.Limit, f.Offset = p.Limit, p.Offset
	if err := q.err(); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	if ok, err := h.canView(r.Context(), a, orgID); err != nil || !ok {
		h.denyAsMissing(w, r, err)
		return
	}
	people, total, err := h.people.List(r.Context(), org.ScopeOf(a, org.View), f)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	out := rosterPage{People: make([]personView, len(people)), Total: total, page: p}
	for i, person := range people {
		out.People[i] = masked(person)
	}
	server.WriteJSON(w, http.StatusOK, out)
}

func stageChoices() string {
	names := make([]string, 0, 6)
	for _, st := range member.Stages() {
		names = append(names, string(st))
	}
	return strings.Join(names, ", ")
}

type personRequest struct {
	Name      string `json:"name"`
	IDNumber  string `json:"id_number"`
	Gender    string `json:"gender"`
	BirthDate string `json:"birth_date"`
	Phone     string `json:"phone"`
	OrgID     int64  `json:"org_id"`
	Stage     string `json:"stage"`
	JoinedAt  string `json:"joined_at"`
	Note      string `json:"note"`
}

// createPerson adds a person to an organization the caller manages.
func (h *Handlers) createPerson(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	var req personRequest
	if err := server.ReadJSON(w, r, &req); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	var errs i18n.Errors
	n := member.NewPerson{Name: req.Name, IDNumber: req.IDNumber, Gender: strings.TrimSpace(req.Gender), Phone: req.Phone,
		OrgID: req.OrgID, Stage: member.Stage(strings.TrimSpace(req.Stage)), Note: req.Note}
	n.BirthDate = parseDate(&errs, "birth_date", req.BirthDate)
	n.JoinedAt = parseDate(&errs, "joined_at", req.JoinedAt)
	if n.Gender != "" && n.Gender != "male" && n.Gender != "female" {
		errs = append(errs, i18n.Invalid("gender", "api.error.choice", "value", n.Gender, "choices", "male, female"))
	}
	if len(errs) > 0 {
		Problem(h.srv, w, r, errs)
		return
	}
	ctx := r.Context()
	if n.OrgID != 0 {
		// An organization the caller cannot see reads as one that does not exist.
		visible, err := h.orgs.Can(ctx, a, org.View, n.OrgID)
		if err != nil {
			Problem(h.srv, w, r, err)
			return
		}
		if !visible {
			Problem(h.srv, w, r, i18n.Invalid("org_id", "member.error.org"))
			return
		}
		if ok, err := h.orgs.Can(ctx, a, org.Manage, n.OrgID); err != nil || !ok {
			h.forbid(w, r, err)
			return
		}
	}
	p, err := h.people.Create(ctx, n)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/people/"+strconv.FormatInt(p.ID, 10))
	server.WriteJSON(w, http.StatusCreated, masked(p))
}

// visiblePerson loads the person of the path, answering 404 when there is none or the
// caller may not see them.
func (h *Handlers) visiblePerson(w http.ResponseWriter, r *http.Request, a auth.Account) (member.Person, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		notFound(w, r)
		return member.Person{}, false
	}
	p, err := h.people.Get(r.Context(), id)
	if err != nil {
		Problem(h.srv, w, r, err)
		return p, false
	}
	if ok, err := h.people.CanSee(r.Context(), a, p); err != nil || !ok {
		h.denyAsMissing(w, r, err)
		return p, false
	}
	return p, true
}

// getPerson answers one person with what is due next and their history. The ID number
// and phone are masked unless the caller is the person, or asks ?reveal=true with the
// Manage right, in which case the look is written to the audit log.
func (h *Handlers) getPerson(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	q := newQuery(r)
	reveal := q.boolean("reveal")
	if err := q.err(); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	p, ok := h.visiblePerson(w, r, a)
	if !ok {
		return
	}
	self := a.ID != 0 && p.AccountID == a.ID
	switch {
	case self:
	case reveal:
		if ok, err := h.people.CanManage(r.Context(), a, p); err != nil || !ok {
			h.forbid(w, r, err)
			return
		}
		var err error
		if p, err = h.people.Reveal(r.Context(), p.ID); err != nil {
			Problem(h.srv, w, r, err)
			return
		}
	default:
		p.Mask()
	}
	h.writePerson(w, r, http.StatusOK, p)
}

// writePerson answers a person as they are (masked or not) with their next step and
// history.
func (h *Handlers) writePerson(w http.ResponseWriter, r *http.Request, status int, p member.Person) {
	history, err := h.people.History(r.Context(), p.ID)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	d := personDetail{personView: viewPerson(p), History: make([]eventView, len(history))}
	for i, e := range history {
		d.History[i] = eventView{ID: e.ID, Kind: e.Kind, FromStage: string(e.FromStage), ToStage: string(e.ToStage),
			On: dateOf(&e.On), OrgID: e.OrgID, OrgName: e.OrgName, Months: e.Months, Documents: e.Documents, Note: e.Note}
	}
	if step, ok := member.NextStep(p.Dossier, h.people.Today()); ok {
		d.NextStep = &stepView{Key: step.Key, Message: h.srv.Catalog().T(server.Lang(r), step.Key, nil),
			Due: dateOf(&step.Due), Overdue: step.Overdue}
	}
	server.WriteJSON(w, status, d)
}

type transitionRequest struct {
	Kind      string `json:"kind"`
	To        string `json:"to"`
	On        string `json:"on"`
	Months    int    `json:"months"`
	Documents string `json:"documents"`
	Note      string `json:"note"`
}

// recordTransition records a step in a person's development. A move the regulation
// does not allow yet is refused with every rule it breaks, each with its parameters
// (such as the first date the move becomes possible).
func (h *Handlers) recordTransition(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	p, ok := h.visiblePerson(w, r, a)
	if !ok {
		return
	}
	if ok, err := h.people.CanManage(r.Context(), a, p); err != nil || !ok {
		h.forbid(w, r, err)
		return
	}
	var req transitionRequest
	if err := server.ReadJSON(w, r, &req); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	var errs i18n.Errors
	on := parseDate(&errs, "on", req.On)
	if len(errs) > 0 {
		Problem(h.srv, w, r, errs)
		return
	}
	after, err := h.people.Record(r.Context(), p.ID, member.Move{
		Transition: member.Transition{Kind: strings.TrimSpace(req.Kind), To: member.Stage(strings.TrimSpace(req.To)), On: on, Months: req.Months},
		Documents:  req.Documents, Note: req.Note,
	})
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	if a.ID == 0 || after.AccountID != a.ID {
		after.Mask()
	}
	h.writePerson(w, r, http.StatusOK, after)
}

// maxUploadBody bounds an import request: the roster's own limit (64 MiB, which the
// member package enforces with a translated error) and room for the multipart framing.
const maxUploadBody = 64<<20 + 1<<20

type importResult struct {
	Imported int `json:"imported"`
}

// previewView is what an uploaded roster would do. Sample rows are masked like any
// other list of people.
type previewView struct {
	UploadID int64          `json:"upload_id"`
	Filename string         `json:"filename"`
	Rows     int            `json:"rows"`
	ByOrg    map[string]int `json:"by_org"`
	ByStage  map[string]int `json:"by_stage"`
	Sample   []rosterRow    `json:"sample"`
}

type rosterRow struct {
	Row       int    `json:"row"`
	Name      string `json:"name"`
	IDNumber  string `json:"id_number,omitempty"`
	Gender    string `json:"gender,omitempty"`
	Phone     string `json:"phone,omitempty"`
	OrgCode   string `json:"org_code,omitempty"`
	OrgName   string `json:"org_name,omitempty"`
	Stage     string `json:"stage,omitempty"`
	JoinedAt  string `json:"joined_at,omitempty"`
	BirthDate string `json:"birth_date,omitempty"`
	Note      string `json:"note,omitempty"`
}

func viewPreview(p member.Preview) previewView {
	v := previewView{UploadID: p.UploadID, Filename: p.Filename, Rows: p.Rows, ByOrg: p.ByOrg,
		ByStage: map[string]int{}, Sample: make([]rosterRow, len(p.Sample))}
	if v.ByOrg == nil {
		v.ByOrg = map[string]int{}
	}
	for st, n := range p.ByStage {
		v.ByStage[string(st)] = n
	}
	for i, r := range p.Sample {
		v.Sample[i] = rosterRow{Row: r.Row, Name: r.Name, IDNumber: member.MaskIDNumber(r.IDNumber), Gender: r.Gender,
			Phone: member.MaskPhone(r.Phone), OrgCode: r.OrgCode, OrgName: r.OrgName, Stage: r.Stage,
			JoinedAt: dateOf(&r.JoinedAt), BirthDate: dateOf(&r.BirthDate), Note: r.Note}
	}
	return v
}

// importRoster imports a roster file (.xlsx or .csv) sent as the multipart field
// "file": all rows or none, with every bad row listed. With ?dry_run=true it only
// checks and keeps the file, answering a preview whose upload_id applyUpload imports.
func (h *Handlers) importRoster(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	q := newQuery(r)
	dryRun := q.boolean("dry_run")
	if err := q.err(); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	// Rows are checked against the organizations the caller manages; a caller who
	// manages none may not import at all.
	managed, err := h.orgs.Search(r.Context(), org.ScopeOf(a, org.Manage), "", 1)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	if len(managed) == 0 {
		h.srv.Forbidden(w, r)
		return
	}
	tooLarge := i18n.Invalid("file", "roster.too_large", "max_mb", 64)
	if r.ContentLength > maxUploadBody {
		Problem(h.srv, w, r, tooLarge)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBody)
	mr, err := r.MultipartReader()
	if err != nil {
		Problem(h.srv, w, r, i18n.Invalid("file", "api.error.multipart"))
		return
	}
	for {
		part, err := mr.NextPart()
		var big *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF):
			Problem(h.srv, w, r, i18n.Invalid("file", "error.required"))
			return
		case errors.As(err, &big):
			Problem(h.srv, w, r, tooLarge)
			return
		case err != nil:
			Problem(h.srv, w, r, i18n.Invalid("file", "api.error.multipart"))
			return
		}
		if part.FormName() != "file" {
			continue
		}
		h.importPart(w, r, a, part.FileName(), part, dryRun, tooLarge)
		return
	}
}

func (h *Handlers) importPart(w http.ResponseWriter, r *http.Request, a auth.Account, filename string, body io.Reader, dryRun bool, tooLarge error) {
	var big *http.MaxBytesError
	if dryRun {
		p, err := h.people.Upload(r.Context(), a, filename, body)
		switch {
		case errors.As(err, &big):
			Problem(h.srv, w, r, tooLarge)
		case err != nil:
			Problem(h.srv, w, r, err)
		default:
			server.WriteJSON(w, http.StatusCreated, viewPreview(p))
		}
		return
	}
	res, err := h.people.ImportFile(r.Context(), a, filename, body)
	switch {
	case errors.As(err, &big):
		Problem(h.srv, w, r, tooLarge)
	case err != nil:
		Problem(h.srv, w, r, err)
	default:
		server.WriteJSON(w, http.StatusOK, importResult{Imported: res.Imported})
	}
}

// personAction serves POST /api/v1/people/{id}/transitions and
// POST /api/v1/people/import/{upload_id}, which ServeMux cannot hold as two patterns.
func (h *Handlers) personAction(w http.ResponseWriter, r *http.Request) {
	switch id, action := r.PathValue("id"), r.PathValue("action"); {
	case id == "import":
		r.SetPathValue("upload_id", action)
		h.applyUpload(w, r)
	case action == "transitions":
		h.recordTransition(w, r)
	default:
		notFound(w, r)
	}
}

// applyUpload imports a roster the caller uploaded with ?dry_run=true and looked at.
// Another account's upload is not found.
func (h *Handlers) applyUpload(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	id, ok := pathID(r, "upload_id")
	if !ok {
		notFound(w, r)
		return
	}
	res, err := h.people.Import(r.Context(), a, id)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, importResult{Imported: res.Imported})
}
