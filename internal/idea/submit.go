package idea

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/store"
)

// Limits of what people send.
const (
	maxTitle     = 200
	maxText      = 5000
	maxReason    = 1000
	maxFiles     = 5
	MaxFileBytes = 5 << 20  // one attachment
	MaxAllBytes  = 10 << 20 // all the attachments of an idea
)

func clean(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", ""))
}

func tooLong(field, s string, max int) *i18n.Error {
	if utf8.RuneCountInString(s) > max {
		return i18n.Invalid(field, "idea.error.too_long", "max", max)
	}
	return nil
}

// NewFile is an attachment as sent.
type NewFile struct {
	Filename string
	Content  []byte
}

// NewIdea is what Submit needs.
type NewIdea struct {
	OrgID    int64 // the board: the submitter's organization or one above it; 0 for their own
	Title    string
	Problem  string
	Proposal string
	Benefit  string
	Category string
	Files    []NewFile
}

// Submit records a person's idea on the board of their organization or one above it.
func (s *Service) Submit(ctx context.Context, c Caller, n NewIdea) (Idea, error) {
	var id int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = s.submit(ctx, tx, c, n, s.now())
		return err
	})
	if err != nil {
		return Idea{}, err
	}
	return s.Get(ctx, id)
}

// WithClock returns the service reading the time from now: for records entered after the
// fact — the demo's history of earlier years, last year's paper forms — through the same
// rules as today's.
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.now = now
	return &c
}

func (s *Service) submit(ctx context.Context, tx *store.Tx, c Caller, n NewIdea, at time.Time) (int64, error) {
	if c.Person == nil {
		return 0, i18n.Invalid("", "idea.error.no_person")
	}
	n.Title, n.Problem, n.Proposal, n.Benefit = clean(n.Title), clean(n.Problem), clean(n.Proposal), clean(n.Benefit)
	n.Category = strings.TrimSpace(n.Category)
	var errs i18n.Errors
	add := func(e *i18n.Error) {
		if e != nil {
			errs = append(errs, e)
		}
	}
	if n.Title == "" {
		add(i18n.Invalid("title", "error.required"))
	}
	if n.Proposal == "" {
		add(i18n.Invalid("proposal", "error.required"))
	}
	add(tooLong("title", n.Title, maxTitle))
	add(tooLong("problem", n.Problem, maxText))
	add(tooLong("proposal", n.Proposal, maxText))
	add(tooLong("benefit", n.Benefit, maxText))
	if !validCategory(n.Category) {
		add(i18n.Invalid("category", "idea.error.category"))
	}
	if n.OrgID == 0 {
		n.OrgID = c.Person.OrgID
	}
	// The board must be the submitter's own organization or one above it.
	var n1 int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_tree t JOIN orgs o ON o.id = t.ancestor_id
		WHERE t.ancestor_id = $1 AND t.org_id = $2 AND o.dissolved_at IS NULL`, n.OrgID, c.Person.OrgID).Scan(&n1); err != nil {
		return 0, fmt.Errorf("idea: board of %d: %w", c.Person.ID, err)
	}
	if n1 == 0 {
		add(i18n.Invalid("org_id", "idea.error.org"))
	}
	if len(n.Files) > maxFiles {
		add(i18n.Invalid("files", "idea.error.files", "max", maxFiles))
	}
	total := 0
	for _, f := range n.Files {
		total += len(f.Content)
		if len(f.Content) > MaxFileBytes {
			add(i18n.Invalid("files", "idea.error.file_size", "name", safeName(f.Filename), "max", MaxFileBytes>>20))
		}
	}
	if total > MaxAllBytes {
		add(i18n.Invalid("files", "idea.error.files_size", "max", MaxAllBytes>>20))
	}
	if len(errs) > 0 {
		return 0, errs
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO ideas (org_id, person_id, title, problem, proposal, benefit, category, status,
		submitted_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
		n.OrgID, c.Person.ID, n.Title, n.Problem, n.Proposal, n.Benefit, n.Category, Submitted, at).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("idea: submit %s: %w", n.Title, err)
	}
	for _, f := range n.Files {
		name := safeName(f.Filename)
		if _, err := tx.ExecContext(ctx, `INSERT INTO idea_attachments (idea_id, filename, content_type, size, content, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, id, name, contentType(name, f.Content), len(f.Content), f.Content, at); err != nil {
			return 0, fmt.Errorf("idea: attach %s to %d: %w", name, id, err)
		}
	}
	if err := s.history(ctx, tx, id, "", Submitted, "", at); err != nil {
		return 0, err
	}
	return id, audit.Record(ctx, tx, "create", "idea", id, nil, map[string]any{"org_id": n.OrgID, "person_id": c.Person.ID,
		"title": n.Title, "category": n.Category, "files": len(n.Files)})
}

// safeName keeps the base name of an uploaded file, without path or control characters.
func safeName(name string) string {
	name = path.Base(strings.ReplaceAll(clean(name), "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" {
		return "file"
	}
	if utf8.RuneCountInString(name) > 120 {
		name = string([]rune(name)[:120])
	}
	return name
}

// contentType names an attachment's type from its name, or from its first bytes.
func contentType(name string, content []byte) string {
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(name))); t != "" {
		return t
	}
	return http.DetectContentType(content)
}

const ideaColumns = `i.id, i.org_id, o.name, o.name_en, i.person_id, p.name, COALESCE(p.account_id, 0), i.title, i.problem,
	i.proposal, i.benefit, i.category, i.status, i.reason, COALESCE(i.reviewer_id, 0), i.reviewer_name, i.submitted_at,
	i.review_started_at, i.adopted_at, i.declined_at, i.implemented_at, i.supports`

const ideaFrom = ` FROM ideas i JOIN orgs o ON o.id = i.org_id JOIN people p ON p.id = i.person_id `

func scanIdea(row interface{ Scan(...any) error }) (Idea, error) {
	var i Idea
	err := row.Scan(&i.ID, &i.OrgID, &i.OrgName, &i.OrgNameEn, &i.PersonID, &i.PersonName, &i.AccountID, &i.Title, &i.Problem,
		&i.Proposal, &i.Benefit, &i.Category, &i.Status, &i.Reason, &i.ReviewerID, &i.ReviewerName, &i.SubmittedAt,
		&i.ReviewStartedAt, &i.AdoptedAt, &i.DeclinedAt, &i.ImplementedAt, &i.Supports)
	return i, err
}

// Get returns an idea with the list of its attachments. It does not check access:
// handlers ask AccessTo.
func (s *Service) Get(ctx context.Context, id int64) (Idea, error) { return s.get(ctx, s.db, id) }

func (s *Service) get(ctx context.Context, q store.Querier, id int64) (Idea, error) {
	i, err := scanIdea(q.QueryRowContext(ctx, `SELECT `+ideaColumns+ideaFrom+`WHERE i.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return i, store.ErrNotFound
	}
	if err != nil {
		return i, fmt.Errorf("idea: get %d: %w", id, err)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, filename, content_type, size FROM idea_attachments WHERE idea_id = $1 ORDER BY id`, id)
	if err != nil {
		return i, fmt.Errorf("idea: attachments of %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.ID, &a.Filename, &a.ContentType, &a.Size); err != nil {
			return i, err
		}
		i.Attachments = append(i.Attachments, a)
	}
	return i, rows.Err()
}

// File returns an attachment of an idea.
func (s *Service) File(ctx context.Context, ideaID, fileID int64) (File, error) {
	var f File
	err := s.db.QueryRowContext(ctx, `SELECT id, filename, content_type, size, content FROM idea_attachments WHERE id = $1 AND idea_id = $2`,
		fileID, ideaID).Scan(&f.ID, &f.Filename, &f.ContentType, &f.Size, &f.Content)
	if errors.Is(err, sql.ErrNoRows) {
		return f, store.ErrNotFound
	}
	if err != nil {
		return f, fmt.Errorf("idea: attachment %d: %w", fileID, err)
	}
	return f, nil
}

// Support records a person's support for an idea: once. The caller has checked that the
// person may read it.
func (s *Service) Support(ctx context.Context, c Caller, ideaID int64) error {
	if c.Person == nil {
		return i18n.Invalid("", "idea.error.no_person")
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		i, err := s.get(ctx, tx, ideaID)
		if err != nil {
			return err
		}
		if i.PersonID == c.Person.ID {
			return i18n.Invalid("", "idea.error.own")
		}
		if i.Status == Declined {
			return i18n.Invalid("", "idea.error.declined")
		}
		// ON CONFLICT rather than catching the unique violation: on PostgreSQL a failed
		// statement aborts the whole transaction.
		res, err := tx.ExecContext(ctx, `INSERT INTO idea_supports (idea_id, person_id, at) VALUES ($1, $2, $3)
			ON CONFLICT (idea_id, person_id) DO NOTHING`, ideaID, c.Person.ID, s.now())
		if err != nil {
			return fmt.Errorf("idea: support %d: %w", ideaID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return i18n.Invalid("", "idea.error.supported")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ideas SET supports = supports + 1 WHERE id = $1`, ideaID); err != nil {
			return fmt.Errorf("idea: count support of %d: %w", ideaID, err)
		}
		return audit.Record(ctx, tx, "support", "idea", ideaID, nil, map[string]any{"person_id": c.Person.ID})
	})
}

// Supported tells whether the caller has supported an idea.
func (s *Service) Supported(ctx context.Context, c Caller, ideaID int64) (bool, error) {
	if c.Person == nil {
		return false, nil
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM idea_supports WHERE idea_id = $1 AND person_id = $2`, ideaID, c.Person.ID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("idea: support of %d: %w", ideaID, err)
	}
	return n > 0, nil
}

// Filter narrows a list of ideas.
type Filter struct {
	OrgID    int64  // ideas on the boards of this organization and those below it
	Status   Status // "" for all
	Category string // "" for all
	Year     int    // submitted in this year (China time); 0 for all
	Limit    int
	Offset   int
}

// MaxPage bounds a page of ideas.
const MaxPage = 500

func (f Filter) where(c Caller) (string, []any) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.OrgID != 0 {
		where = append(where, `i.org_id IN (SELECT org_id FROM org_tree WHERE ancestor_id = `+arg(f.OrgID)+`)`)
	}
	if f.Status != "" {
		where = append(where, `i.status = `+arg(string(f.Status)))
	}
	if f.Category != "" {
		where = append(where, `i.category = `+arg(f.Category))
	}
	if f.Year != 0 {
		from := time.Date(f.Year, 1, 1, 0, 0, 0, 0, chinaZone)
		where = append(where, `i.submitted_at >= `+arg(from)+` AND i.submitted_at < `+arg(from.AddDate(1, 0, 0)))
	}
	cond, scopeArgs := visibleWhere(c, len(args)+1)
	where = append(where, cond)
	return ` WHERE ` + strings.Join(where, " AND "), append(args, scopeArgs...)
}

// chinaZone is China Standard Time: a year of ideas is a year on the calendar there.
var chinaZone = time.FixedZone("CST", 8*3600)

// List returns one page of the ideas a caller may read, newest first, and how many
// match the filter.
func (s *Service) List(ctx context.Context, c Caller, f Filter) ([]Idea, int, error) {
	clause, args := f.where(c)
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ideas i`+clause, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("idea: count: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxPage {
		limit = 50
	}
	list, err := s.scan(ctx, `SELECT `+ideaColumns+ideaFrom+clause+` ORDER BY i.submitted_at DESC, i.id DESC LIMIT `+
		strconv.Itoa(limit)+` OFFSET `+strconv.Itoa(max(f.Offset, 0)), args...)
	return list, total, err
}

func (s *Service) scan(ctx context.Context, query string, args ...any) ([]Idea, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("idea: list: %w", err)
	}
	defer rows.Close()
	var list []Idea
	for rows.Next() {
		i, err := scanIdea(rows)
		if err != nil {
			return nil, fmt.Errorf("idea: scan: %w", err)
		}
		list = append(list, i)
	}
	return list, rows.Err()
}
