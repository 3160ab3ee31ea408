package points

// Scores exported by an external learning platform (学习强国 and the like), brought into
// the ledger: one row per person and period, matched to a person of the caller's
// organizations by ID number or phone with the name agreeing. A file goes in whole or not
// at all, and each row's key (learning-platform:<period>:<person>) makes a second import
// of the same file add nothing.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// LearningRule is the built-in rule imported scores are recorded under.
const LearningRule = "learning-platform"

// MaxLearningBytes bounds an uploaded export; MaxLearningRows the rows it may hold.
const (
	MaxLearningBytes = 8 << 20
	MaxLearningRows  = 20000
)

// LearningRow is one checked row of an export.
type LearningRow struct {
	Row        int // 1-based row of the sheet
	Name       string
	Phone      string
	IDNumber   string
	OrgName    string
	Period     string // as written, e.g. 2026-11 or 2026-Q4
	Points     int
	PersonID   int64
	PersonOrg  int64
	OccurredAt time.Time
	Already    bool // imported before: a second import adds nothing
}

// Key is the row's idempotency key.
func (r LearningRow) Key() string {
	return fmt.Sprintf("%s:%s:%d", LearningRule, r.Period, r.PersonID)
}

// LearningPreview is what an import would do.
type LearningPreview struct {
	Rows    []LearningRow
	New     int // rows that would be recorded
	Already int // rows recorded by an earlier import
	Points  int // points the new rows add
}

// The header words each column is recognized by, lower-cased, in both languages.
var learningColumns = map[string][]string{
	"name":      {"姓名", "name"},
	"phone":     {"手机号", "手机号码", "手机", "电话", "phone", "mobile"},
	"id_number": {"身份证号", "身份证号码", "证件号码", "id number", "id_number", "id"},
	"org":       {"组织", "所在组织", "党组织", "所在党组织", "organization", "org"},
	"period":    {"周期", "期间", "月份", "季度", "period"},
	"points":    {"积分", "分数", "得分", "points", "score"},
}

// PreviewLearning checks an export and tries it in a transaction it rolls back, so the
// preview finds every refusal an import would meet; it records nothing.
func (s *Service) PreviewLearning(ctx context.Context, a auth.Account, data []byte) (LearningPreview, error) {
	return s.learning(ctx, a, data, false)
}

// ImportLearning records an export, all rows or none. Rows imported before count as
// duplicates and change nothing.
func (s *Service) ImportLearning(ctx context.Context, a auth.Account, data []byte) (LearningPreview, error) {
	return s.learning(ctx, a, data, true)
}

// errPreview rolls a preview's transaction back.
var errPreview = errors.New("points: preview only")

func (s *Service) learning(ctx context.Context, a auth.Account, data []byte, commit bool) (LearningPreview, error) {
	now := time.Now()
	rows, err := s.checkLearning(ctx, a, data, now)
	if err != nil {
		return LearningPreview{}, err
	}
	events := make([]Event, len(rows))
	for i, r := range rows {
		pts := r.Points
		events[i] = Event{Key: r.Key(), PersonID: r.PersonID, Rule: LearningRule, Points: &pts, OccurredAt: r.OccurredAt,
			Source: "import", SourceRef: "learning-platform:" + r.Period}
	}
	who := by{account: a, scoped: !a.IsAdmin, recorder: a.ID}
	var out LearningPreview
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		out = LearningPreview{Rows: rows}
		var errs i18n.Errors
		for start := 0; start < len(events); start += MaxBatch {
			chunk := events[start:min(start+MaxBatch, len(events))]
			results, err := s.recordIn(ctx, tx, who, chunk)
			if err != nil {
				return err
			}
			for i, res := range results {
				row := &out.Rows[start+i]
				row.Already = res.Status == Duplicate
				switch {
				case res.Err != nil:
					errs = append(errs, rowError(row.Row, res.Err))
				case row.Already:
					out.Already++
				default:
					out.New++
					out.Points += res.Points
				}
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if !commit {
			return errPreview
		}
		return nil
	})
	if errors.Is(err, errPreview) {
		return out, nil
	}
	if err != nil {
		return LearningPreview{}, err
	}
	s.index.wake()
	return out, nil
}

// rowError moves a batch error ("events[3].person_id") onto the file's row.
func rowError(row int, err error) *i18n.Error {
	if e, ok := err.(*i18n.Error); ok {
		field := e.Field
		if _, after, found := strings.Cut(field, "]."); found {
			field = after
		}
		return &i18n.Error{Row: row, Field: field, Key: e.Key, Params: e.Params}
	}
	return i18n.InRow(row, "", "error.invalid")
}

// checkLearning reads the file and matches every row, or names every row at fault.
func (s *Service) checkLearning(ctx context.Context, a auth.Account, data []byte, now time.Time) ([]LearningRow, error) {
	rows, errs := readLearning(data, now)
	if len(errs) > 0 {
		return nil, errs
	}
	if len(rows) == 0 {
		return nil, i18n.Invalid("file", "points.import.error.empty")
	}
	if err := s.matchLearning(ctx, a, rows); err != nil {
		return nil, err
	}
	return rows, nil
}

// readLearning parses the first sheet: a header row naming the columns, then one row per
// person and period.
func readLearning(data []byte, now time.Time) ([]LearningRow, i18n.Errors) {
	if len(data) > MaxLearningBytes {
		return nil, i18n.Errors{i18n.Invalid("file", "points.import.error.too_large", "max_mb", MaxLearningBytes>>20)}
	}
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return nil, i18n.Errors{i18n.Invalid("file", "points.import.error.xlsx")}
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 64 << 20})
	if err != nil {
		return nil, i18n.Errors{i18n.Invalid("file", "points.import.error.xlsx")}
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, i18n.Errors{i18n.Invalid("file", "points.import.error.xlsx")}
	}
	cells, err := f.GetRows(sheets[0])
	if err != nil {
		return nil, i18n.Errors{i18n.Invalid("file", "points.import.error.xlsx")}
	}
	if len(cells) == 0 {
		return nil, i18n.Errors{i18n.Invalid("file", "points.import.error.empty")}
	}
	col, errs := learningHeader(cells[0])
	if len(errs) > 0 {
		return nil, errs
	}
	if len(cells)-1 > MaxLearningRows {
		return nil, i18n.Errors{i18n.Invalid("file", "points.import.error.too_many", "max", MaxLearningRows)}
	}
	cell := func(row []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	today := DayOf(now)
	var out []LearningRow
	for i, row := range cells[1:] {
		n := i + 2
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		r := LearningRow{Row: n, Name: normalName(cell(row, "name")), Phone: normalPhone(cell(row, "phone")),
			IDNumber: normalID(cell(row, "id_number")), OrgName: cell(row, "org")}
		if r.Name == "" {
			errs = append(errs, i18n.InRow(n, "name", "error.required"))
		}
		if r.Phone == "" && r.IDNumber == "" {
			errs = append(errs, i18n.InRow(n, "id_number", "points.import.error.who"))
		}
		p, err := ParsePeriod(cell(row, "period"), now)
		switch {
		case cell(row, "period") == "" || err != nil || p.Kind == DayPeriod:
			errs = append(errs, i18n.InRow(n, "period", "points.import.error.period", "value", cell(row, "period")))
		case p.From > today:
			errs = append(errs, i18n.InRow(n, "period", "points.import.error.future", "value", cell(row, "period")))
		default:
			r.Period = p.Name
			r.OccurredAt = p.To.time().Add(12 * time.Hour) // noon of the last day
			if p.Contains(today) {
				r.OccurredAt = now
			}
		}
		pts, err := strconv.Atoi(strings.TrimSuffix(cell(row, "points"), ".0"))
		if err != nil || pts < 1 || pts > 1000 {
			errs = append(errs, i18n.InRow(n, "points", "points.import.error.points", "value", cell(row, "points")))
		}
		r.Points = pts
		out = append(out, r)
	}
	return out, errs
}

// learningHeader finds the columns by their header words.
func learningHeader(header []string) (map[string]int, i18n.Errors) {
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		for name, words := range learningColumns {
			for _, w := range words {
				if _, taken := col[name]; h == w && !taken {
					col[name] = i
				}
			}
		}
	}
	var errs i18n.Errors
	for _, name := range []string{"name", "period", "points"} {
		if _, ok := col[name]; !ok {
			errs = append(errs, i18n.InRow(1, name, "points.import.error.column"))
		}
	}
	_, phone := col["phone"]
	_, id := col["id_number"]
	if !phone && !id {
		errs = append(errs, i18n.InRow(1, "id_number", "points.import.error.column"))
	}
	return col, errs
}

// matchLearning finds each row's person among the people the caller manages: by ID
// number where the row gives one, else by phone, and the name must agree.
func (s *Service) matchLearning(ctx context.Context, a auth.Account, rows []LearningRow) error {
	type found struct {
		id, org int64
		name    string
	}
	byID, byPhone := map[string]found{}, map[string][]found{}
	var ids, phones []any
	for _, r := range rows {
		if r.IDNumber != "" {
			ids = append(ids, r.IDNumber)
		} else {
			phones = append(phones, r.Phone)
		}
	}
	lookup := func(column string, values []any, keep func(key string, f found)) error {
		for start := 0; start < len(values); start += 500 {
			chunk := values[start:min(start+500, len(values))]
			cond, args := org.ScopeOf(a, org.Manage).Condition("org_id", len(chunk)+1)
			rows, err := s.db.QueryContext(ctx, `SELECT id, COALESCE(org_id, 0), name, `+column+` FROM people
				WHERE `+column+` IN (`+store.Params(1, len(chunk))+`) AND org_id IS NOT NULL AND `+cond, append(chunk, args...)...)
			if err != nil {
				return fmt.Errorf("points: match learning rows by %s: %w", column, err)
			}
			for rows.Next() {
				var f found
				var key string
				if err := rows.Scan(&f.id, &f.org, &f.name, &key); err != nil {
					rows.Close()
					return err
				}
				keep(key, f)
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}
	if err := lookup("id_number", ids, func(k string, f found) { byID[normalID(k)] = f }); err != nil {
		return err
	}
	if err := lookup("phone", phones, func(k string, f found) { byPhone[normalPhone(k)] = append(byPhone[normalPhone(k)], f) }); err != nil {
		return err
	}
	var errs i18n.Errors
	first := map[string]int{}
	for i := range rows {
		r := &rows[i]
		var f found
		switch {
		case r.IDNumber != "":
			m, ok := byID[r.IDNumber]
			if !ok {
				errs = append(errs, i18n.InRow(r.Row, "id_number", "points.import.error.unmatched", "name", r.Name))
				continue
			}
			f = m
		case len(byPhone[r.Phone]) == 0:
			errs = append(errs, i18n.InRow(r.Row, "phone", "points.import.error.unmatched", "name", r.Name))
			continue
		case len(byPhone[r.Phone]) > 1:
			errs = append(errs, i18n.InRow(r.Row, "phone", "points.import.error.phone_shared"))
			continue
		default:
			f = byPhone[r.Phone][0]
		}
		if normalName(f.name) != r.Name {
			errs = append(errs, i18n.InRow(r.Row, "name", "points.import.error.name", "name", r.Name))
			continue
		}
		r.PersonID, r.PersonOrg = f.id, f.org
		if before, dup := first[r.Key()]; dup {
			errs = append(errs, i18n.InRow(r.Row, "period", "points.import.error.repeated", "row", before))
			continue
		}
		first[r.Key()] = r.Row
	}
	return errs.Err()
}

// normalName drops the spaces an export may put inside a Chinese name ("王 建国").
func normalName(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u3000' {
			return -1
		}
		return r
	}, s)
}

// normalPhone keeps the digits of a phone number, without a +86 or 0086 prefix.
func normalPhone(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if r >= '０' && r <= '９' {
			b.WriteRune('0' + r - '０')
		}
	}
	d := b.String()
	for _, prefix := range []string{"0086", "86"} {
		if len(d) == 11+len(prefix) && strings.HasPrefix(d, prefix) {
			return d[len(prefix):]
		}
	}
	return d
}

// normalID writes an ID number as the roster keeps it: no spaces, upper-case check letter.
func normalID(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == 'x', r == 'Ｘ', r == 'ｘ':
			return 'X'
		}
		return r
	}, s)
}
