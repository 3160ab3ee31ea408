package member

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// Preview is what an uploaded roster would do, shown before anything is written.
type Preview struct {
	UploadID int64          `json:"upload_id"`
	Filename string         `json:"filename"`
	Rows     int            `json:"rows"`
	ByOrg    map[string]int `json:"by_org"`
	ByStage  map[Stage]int  `json:"by_stage"`
	Sample   []RosterRow    `json:"sample"`
}

// Upload parses a roster, checks every row against the database, and keeps the file
// for Import to apply after the worker has looked at the preview. A file with any bad
// row is refused as a whole with every bad row listed; nothing is kept.
func (s *Service) Upload(ctx context.Context, a auth.Account, filename string, r io.Reader) (Preview, error) {
	content, err := io.ReadAll(io.LimitReader(r, maxRosterBytes+1))
	if err != nil {
		return Preview{}, fmt.Errorf("member: read upload: %w", err)
	}
	rows, people, err := s.check(ctx, a, filename, content)
	if err != nil {
		return Preview{}, err
	}
	p := Preview{Filename: filename, Rows: len(rows), ByOrg: map[string]int{}, ByStage: map[Stage]int{}}
	for i, n := range people {
		p.ByOrg[rows[i].orgName]++
		p.ByStage[n.Stage]++
	}
	for _, r := range rows[:min(len(rows), 20)] {
		p.Sample = append(p.Sample, r.RosterRow)
	}
	// A write, so in a transaction: on SQLite, queries outside one go to the read-only pool.
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO roster_imports (account_id, filename, content, row_count, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, a.ID, filename, content, len(rows), s.now()).Scan(&p.UploadID)
		if err != nil {
			return fmt.Errorf("member: keep upload %s: %w", filename, err)
		}
		return audit.Record(ctx, tx, "upload", "roster", p.UploadID, nil, map[string]any{"filename": filename, "rows": len(rows)})
	})
	if err != nil {
		return Preview{}, err
	}
	return p, nil
}

// ImportResult tells what an import did.
type ImportResult struct {
	Imported int `json:"imported"`
}

// Import applies an upload that was previewed: all rows in one transaction, or none.
// The rows are checked again, since the database may have changed since the preview,
// and an upload is imported once: importing it again is refused.
func (s *Service) Import(ctx context.Context, a auth.Account, uploadID int64) (ImportResult, error) {
	var filename string
	var content []byte
	var owner int64
	var imported *time.Time
	err := s.db.QueryRowContext(ctx, `SELECT account_id, filename, content, imported_at FROM roster_imports WHERE id = $1`, uploadID).
		Scan(&owner, &filename, &content, &imported)
	if err != nil || owner != a.ID {
		return ImportResult{}, store.ErrNotFound
	}
	if imported != nil {
		return ImportResult{}, i18n.Invalid("upload_id", "member.error.already_imported")
	}
	return s.apply(ctx, a, filename, content, uploadID)
}

// ImportFile checks and imports a roster in one step, for the API: all or nothing.
func (s *Service) ImportFile(ctx context.Context, a auth.Account, filename string, r io.Reader) (ImportResult, error) {
	content, err := io.ReadAll(io.LimitReader(r, maxRosterBytes+1))
	if err != nil {
		return ImportResult{}, fmt.Errorf("member: read upload: %w", err)
	}
	return s.apply(ctx, a, filename, content, 0)
}

func (s *Service) apply(ctx context.Context, a auth.Account, filename string, content []byte, uploadID int64) (ImportResult, error) {
	var res ImportResult
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		rows, people, err := s.checkIn(ctx, tx, a, filename, content)
		if err != nil {
			return err
		}
		for i, n := range people {
			if _, err := s.createIn(ctx, tx, n); err != nil {
				var e *i18n.Error
				if errors.As(err, &e) {
					e.Row = rows[i].Row
					return i18n.Errors{e}
				}
				return err
			}
		}
		if uploadID != 0 {
			// Marked only if still unmarked, so that two imports of one upload racing
			// each other cannot both commit.
			res, err := tx.ExecContext(ctx, `UPDATE roster_imports SET imported_at = $1 WHERE id = $2 AND imported_at IS NULL`, s.now(), uploadID)
			if err != nil {
				return fmt.Errorf("member: mark upload %d: %w", uploadID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("member: mark upload %d: %w", uploadID, err)
			} else if n == 0 {
				return i18n.Invalid("upload_id", "member.error.already_imported")
			}
		}
		res.Imported = len(people)
		return audit.Record(ctx, tx, "import", "roster", filename, nil, map[string]any{"rows": len(people), "upload_id": uploadID})
	})
	return res, err
}

type checkedRow struct {
	RosterRow
	orgName string
}

func (s *Service) check(ctx context.Context, a auth.Account, filename string, content []byte) ([]checkedRow, []NewPerson, error) {
	return s.checkIn(ctx, s.db, a, filename, content)
}

// checkIn parses a file and checks each row against the database: the organization
// must exist, be living, and be one the account manages; the ID number must be new.
// Unknown and out-of-scope organizations read the same, so an import reveals nothing
// of trees the account cannot see.
func (s *Service) checkIn(ctx context.Context, q store.Querier, a auth.Account, filename string, content []byte) ([]checkedRow, []NewPerson, error) {
	parsed, err := ParseRoster(bytes.NewReader(content), filename)
	if err != nil {
		return nil, nil, err
	}
	orgs, err := s.orgIndex(ctx, q, org.ScopeOf(a, org.Manage))
	if err != nil {
		return nil, nil, err
	}
	taken, err := s.takenIDNumbers(ctx, q, parsed)
	if err != nil {
		return nil, nil, err
	}
	var errs i18n.Errors
	rows := make([]checkedRow, 0, len(parsed))
	people := make([]NewPerson, 0, len(parsed))
	for _, r := range parsed {
		o, problem := orgs.find(r)
		if problem != "" {
			value := r.OrgName
			if r.OrgCode != "" {
				value = r.OrgCode
			}
			errs = append(errs, i18n.InRow(r.Row, r.OrgColumn, problem, "value", value))
		}
		if taken[r.IDNumber] {
			errs = append(errs, i18n.InRow(r.Row, r.IDColumn, "member.error.id_number_taken", "value", MaskIDNumber(r.IDNumber)))
		}
		stage := Stage(r.Stage)
		if stage == "" {
			stage = StageFull
			if r.JoinedAt.IsZero() {
				stage = StageResident
			}
		}
		rows = append(rows, checkedRow{RosterRow: r, orgName: o.Name})
		people = append(people, NewPerson{Name: r.Name, IDNumber: r.IDNumber, Gender: r.Gender, BirthDate: r.BirthDate,
			Phone: r.Phone, OrgID: o.ID, Stage: stage, JoinedAt: r.JoinedAt, Note: r.Note, Via: "import"})
		if len(errs) >= maxRosterErrors {
			break
		}
	}
	if len(errs) > 0 {
		return nil, nil, errs
	}
	return rows, people, nil
}

// orgIndex holds the living organizations an account manages, by code and by name.
type orgIndex struct {
	byCode map[string]org.Org
	byName map[string][]org.Org
}

func (s *Service) orgIndex(ctx context.Context, q store.Querier, sc org.Scope) (orgIndex, error) {
	idx := orgIndex{byCode: map[string]org.Org{}, byName: map[string][]org.Org{}}
	cond, args := sc.Condition("o.id", 1)
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.name, COALESCE(o.code, '') FROM orgs o WHERE o.dissolved_at IS NULL AND `+cond, args...)
	if err != nil {
		return idx, fmt.Errorf("member: organizations for import: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var o org.Org
		if err := rows.Scan(&o.ID, &o.Name, &o.Code); err != nil {
			return idx, fmt.Errorf("member: scan organization: %w", err)
		}
		if o.Code != "" {
			idx.byCode[strings.ToUpper(o.Code)] = o
		}
		idx.byName[o.Name] = append(idx.byName[o.Name], o)
	}
	return idx, rows.Err()
}

func (idx orgIndex) find(r RosterRow) (org.Org, string) {
	if r.OrgCode != "" {
		if o, ok := idx.byCode[strings.ToUpper(r.OrgCode)]; ok {
			return o, ""
		}
		return org.Org{}, "member.error.org_unknown"
	}
	switch list := idx.byName[r.OrgName]; len(list) {
	case 0:
		return org.Org{}, "member.error.org_unknown"
	case 1:
		return list[0], ""
	}
	return org.Org{}, "member.error.org_ambiguous"
}

// takenIDNumbers finds which of a file's ID numbers are already on record, a few
// hundred at a time.
func (s *Service) takenIDNumbers(ctx context.Context, q store.Querier, rows []RosterRow) (map[string]bool, error) {
	taken := map[string]bool{}
	const batch = 500
	for start := 0; start < len(rows); start += batch {
		chunk := rows[start:min(start+batch, len(rows))]
		marks := make([]string, 0, len(chunk))
		args := make([]any, 0, len(chunk))
		for i, r := range chunk {
			marks = append(marks, fmt.Sprintf("$%d", i+1))
			args = append(args, r.IDNumber)
		}
		res, err := q.QueryContext(ctx, `SELECT id_number FROM people WHERE id_number IN (`+strings.Join(marks, ",")+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("member: look up ID numbers: %w", err)
		}
		for res.Next() {
			var id string
			if err := res.Scan(&id); err != nil {
				res.Close()
				return nil, fmt.Errorf("member: scan ID number: %w", err)
			}
			taken[id] = true
		}
		res.Close()
		if err := res.Err(); err != nil {
			return nil, err
		}
	}
	return taken, nil
}

// ExportColumns are the header of an exported roster, in the form ParseRoster reads back.
func ExportColumns() []string {
	return []string{"姓名", "身份证号", "性别", "出生日期", "手机", "组织代码", "所在党组织", "人员类别", "入党日期", "备注"}
}

// Export writes a roster as .xlsx: the filter's people, masked unless reveal is set
// (for the roles that need personal data; the export is then written to the audit log).
func (s *Service) Export(ctx context.Context, w io.Writer, sc org.Scope, f Filter, reveal bool) error {
	var lines [][]string
	f.Limit = MaxPage
	for f.Offset = 0; ; f.Offset += MaxPage {
		page, total, err := s.List(ctx, sc, f)
		if err != nil {
			return err
		}
		codes, err := s.orgCodes(ctx, page)
		if err != nil {
			return err
		}
		for _, p := range page {
			if !reveal {
				p.Mask()
			}
			lines = append(lines, []string{p.Name, p.IDNumber, genderLabel(p.Gender), dateCell(p.BirthDate), p.Phone,
				codes[p.OrgID], p.OrgName, stageLabel(p.Stage), dateCell(p.JoinedAt), p.Note})
		}
		if f.Offset+MaxPage >= total {
			break
		}
	}
	if reveal {
		if err := audit.Record(ctx, s.db, "export", "roster", f.OrgID, nil, map[string]any{"rows": len(lines), "subtree": f.Subtree}); err != nil {
			return err
		}
	}
	return WriteRosterXLSX(w, ExportColumns(), lines)
}

func (s *Service) orgCodes(ctx context.Context, people []Person) (map[int64]string, error) {
	codes := map[int64]string{}
	for _, p := range people {
		if _, ok := codes[p.OrgID]; ok || p.OrgID == 0 {
			continue
		}
		o, err := s.orgs.Get(ctx, p.OrgID)
		if err != nil {
			return nil, err
		}
		codes[p.OrgID] = o.Code
	}
	return codes, nil
}

func dateCell(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

func genderLabel(g string) string {
	switch g {
	case "male":
		return "男"
	case "female":
		return "女"
	}
	return ""
}

// stageLabel writes a stage as the national system's rosters name it, so an exported
// file imports again unchanged.
func stageLabel(s Stage) string {
	switch s {
	case StageResident:
		return "群众"
	case StageApplicant:
		return "入党申请人"
	case StageActivist:
		return "入党积极分子"
	case StageCandidate:
		return "发展对象"
	case StageProbationary:
		return "预备党员"
	case StageFull:
		return "正式党员"
	}
	return string(s)
}
