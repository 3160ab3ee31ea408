package member

import (
	"errors"
	"io"
	"slices"
	"time"
	"unicode/utf8"

	"vanguard/internal/i18n"
)

// RosterRow is one person read from an uploaded roster, checked on its own and
// against the other rows of the file. Whether the organization exists and whether
// the person is already on file is decided by the importer, which has the database.
type RosterRow struct {
	Row       int    // 1-based row number as the spreadsheet shows it; the header is usually row 1
	Name      string // 姓名
	IDNumber  string // normalized resident ID number (upper-case X)
	Gender    string // "male" or "female"; taken from the ID number when the column is empty
	Phone     string // digits (and dashes for a landline), without a +86 prefix
	OrgCode   string // 组织代码; at least one of OrgCode and OrgName is set
	OrgName   string // 所在党组织
	Stage     string // resident, applicant, activist, candidate, probationary, full; "" when not stated
	JoinedAt  time.Time
	BirthDate time.Time // from the ID number (the birth-date column must agree with it)
	Note      string

	// The header texts of the columns a later check may blame, as written in the file,
	// so that an error found against the database names the column the worker sees.
	IDColumn, OrgColumn string
}

// Limits on an uploaded roster. A province-wide export is split by city long before
// it reaches 100,000 people, so a bigger file is a mistake, and a list of more than
// 1,000 errors is no more useful to the worker than the first 1,000.
const (
	MaxRosterRows   = 100_000
	maxRosterErrors = 1_000
	maxRosterBytes  = 64 << 20
)

// Maximum lengths in characters, generous for real values, to catch a cell that
// received a whole paragraph by a slip of the paste.
const (
	maxNameLen    = 50
	maxOrgCodeLen = 64
	maxOrgNameLen = 200
	maxNoteLen    = 1000
)

// fileField is the form field errors about the whole upload are attached to.
const fileField = "file"

// ParseRoster reads a roster upload (.xlsx: the first sheet; .csv: UTF-8 with or
// without BOM, or GB18030 as Excel on a Chinese Windows saves it), maps its columns
// by their header text, and checks every row.
//
// When the file cannot be read as a whole (wrong format, no data, too many rows)
// the error is an *i18n.Error. When rows or the header have problems, the error
// is an i18n.Errors listing every problem by row, then column, and no rows are
// returned: an import is all or nothing. Any other error is an I/O failure.
func ParseRoster(r io.Reader, filename string) ([]RosterRow, error) {
	return parseRoster(r, filename, time.Now())
}

func parseRoster(r io.Reader, filename string, now time.Time) ([]RosterRow, error) {
	return parseRosterWithLimits(r, filename, now, rosterLimits{rows: MaxRosterRows, errors: maxRosterErrors})
}

// rosterLimits lets tests reach the caps without files of 100,000 rows.
type rosterLimits struct {
	rows, errors int
}

func parseRosterWithLimits(r io.Reader, filename string, now time.Time, limits rosterLimits) ([]RosterRow, error) {
	src, err := openRosterSource(r, filename)
	if err != nil {
		return nil, err
	}
	defer src.close()

	p := rosterParser{
		limits:   limits,
		now:      now,
		today:    beijingToday(now),
		date1904: src.date1904(),
		seen:     make(map[string]int),
	}
	var candidates []sourceRow // non-blank rows before the header is found
	for {
		sr, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if isBlankRow(sr.cells) {
			continue
		}
		if p.cols == nil {
			if !p.findHeader(sr, &candidates) {
				continue
			}
			if len(p.errs) > 0 {
				return nil, p.errs
			}
			continue
		}
		p.dataRows++
		if p.dataRows > limits.rows {
			return nil, i18n.Invalid(fileField, "roster.too_many_rows", "max", limits.rows)
		}
		if !p.addRow(sr) {
			break // too many errors; the list already says so
		}
	}
	if p.cols == nil {
		if len(candidates) == 0 {
			return nil, i18n.Invalid(fileField, "roster.empty")
		}
		// No row looked like a header: judge the first non-blank row as one, so
		// the worker learns which columns it lacks.
		p.useHeader(candidates[0])
		return nil, p.errs
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	if len(p.rows) == 0 {
		return nil, i18n.Invalid(fileField, "roster.empty")
	}
	return p.rows, nil
}

// rosterParser holds the state of one parse.
type rosterParser struct {
	limits     rosterLimits
	now, today time.Time
	date1904   bool

	cols     *rosterColumns
	dataRows int
	rows     []RosterRow
	seen     map[string]int // normalized ID number → the first row it appeared in
	errs     i18n.Errors
}

// cellError is an error on a row with the position of its column, so the errors
// of a row can be listed left to right as the worker reads the sheet.
type cellError struct {
	col int
	err *i18n.Error
}

// addRow checks one data row. It returns false once the error cap is reached.
func (p *rosterParser) addRow(sr sourceRow) bool {
	rr, errs := p.checkRow(sr)
	if len(errs) == 0 {
		if len(p.errs) == 0 {
			p.rows = append(p.rows, rr)
		}
		return true
	}
	p.rows = nil // an import is all or nothing; stop holding rows nobody will get
	slices.SortStableFunc(errs, func(a, b cellError) int { return a.col - b.col })
	for _, ce := range errs {
		if len(p.errs) == p.limits.errors {
			p.errs = append(p.errs, i18n.Invalid(fileField, "roster.too_many_errors", "max", p.limits.errors))
			return false
		}
		p.errs = append(p.errs, ce.err)
	}
	return true
}

// checkRow builds the RosterRow of a data row and lists every problem in it.
func (p *rosterParser) checkRow(sr sourceRow) (RosterRow, []cellError) {
	c := p.cols
	rr := RosterRow{Row: sr.row}
	var errs []cellError
	fail := func(f rosterField, key string, kv ...any) {
		errs = append(errs, cellError{col: c.index[f], err: i18n.InRow(sr.row, c.header[f], key, kv...)})
	}
	get := func(f rosterField) string { return c.value(sr.cells, f) }
	tooLong := func(f rosterField, v string, limit int) {
		if utf8.RuneCountInString(v) > limit {
			fail(f, "roster.too_long", "max", limit)
		}
	}

	rr.Name = normalizeName(get(colName))
	if rr.Name == "" {
		fail(colName, "roster.name_required")
	}
	tooLong(colName, rr.Name, maxNameLen)

	// ID number. idOK means the birth date and sex it encodes can be trusted.
	rawID := get(colIDNumber)
	rr.IDNumber = NormalizeIDNumber(rawID)
	idOK := false
	if looksScientific(rawID) {
		// Excel turned the number into a float and dropped its last digits;
		// only re-entering the column as text recovers it.
		fail(colIDNumber, "roster.id_number_scientific", "value", rawID)
	} else if birth, err := validateIDNumber(rawID, p.now); err != nil {
		var ie *i18n.Error
		if errors.As(err, &ie) {
			errs = append(errs, cellError{col: c.index[colIDNumber], err: &i18n.Error{
				Row: sr.row, Field: c.header[colIDNumber], Key: ie.Key, Params: ie.Params,
			}})
		} else {
			fail(colIDNumber, "idcard.format")
		}
	} else {
		idOK = true
		rr.BirthDate = birth
		if first, dup := p.seen[rr.IDNumber]; dup {
			fail(colIDNumber, "roster.duplicate_id", "first_row", first)
		} else {
			p.seen[rr.IDNumber] = sr.row
		}
	}

	if v := get(colBirthDate); v != "" {
		d, key, kv := p.date(v)
		switch {
		case key != "":
			fail(colBirthDate, key, kv...)
		case idOK && !d.Equal(rr.BirthDate):
			fail(colBirthDate, "roster.birth_date_mismatch", "id_birth_date", rr.BirthDate.Format(time.DateOnly))
		case !idOK:
			rr.BirthDate = d
		}
	}

	if v := get(colGender); v != "" {
		g, ok := parseGender(v)
		switch {
		case !ok:
			fail(colGender, "roster.gender", "value", v)
		case idOK && g != GenderFromIDNumber(rr.IDNumber):
			fail(colGender, "roster.gender_mismatch")
		}
		rr.Gender = g
	} else if idOK {
		rr.Gender = GenderFromIDNumber(rr.IDNumber)
	}

	if v := get(colPhone); v != "" {
		phone, ok := normalizePhone(v)
		if !ok {
			fail(colPhone, "roster.phone", "value", v)
		}
		rr.Phone = phone
	}

	rr.OrgCode = get(colOrgCode)
	rr.OrgName = get(colOrgName)
	rr.IDColumn = c.header[colIDNumber]
	rr.OrgColumn = c.header[colOrgName]
	if rr.OrgCode != "" {
		rr.OrgColumn = c.header[colOrgCode]
	}
	if rr.OrgCode == "" && rr.OrgName == "" {
		f := colOrgCode
		if c.index[f] < 0 {
			f = colOrgName
		}
		fail(f, "roster.org_required")
	}
	tooLong(colOrgCode, rr.OrgCode, maxOrgCodeLen)
	tooLong(colOrgName, rr.OrgName, maxOrgNameLen)

	if v := get(colStage); v != "" {
		stage, ok := parseStage(v)
		if !ok {
			fail(colStage, "roster.stage", "value", v)
		}
		rr.Stage = stage
	}

	joinedBad := false
	if v := get(colJoinedAt); v != "" {
		d, key, kv := p.date(v)
		if key != "" {
			fail(colJoinedAt, key, kv...)
			joinedBad = true
		} else {
			rr.JoinedAt = d
		}
	}
	if !rr.JoinedAt.IsZero() && !rr.BirthDate.IsZero() && rr.JoinedAt.Before(eighteenthBirthday(rr.BirthDate)) {
		// Party Constitution, Article 1: a person is admitted at 18 or older.
		fail(colJoinedAt, "roster.joined_at_underage", "birth_date", rr.BirthDate.Format(time.DateOnly))
	}
	if rr.JoinedAt.IsZero() && !joinedBad && (rr.Stage == "probationary" || rr.Stage == "full") {
		// A member's admission date starts the probation year and counts for
		// seniority; a roster of members without it cannot be imported.
		f := colJoinedAt
		if c.index[f] < 0 {
			f = colStage // no such column: point at the value that requires it
		}
		fail(f, "roster.joined_at_required")
	}

	rr.Note = get(colNote)
	tooLong(colNote, rr.Note, maxNoteLen)
	return rr, errs
}

// date parses a date cell and checks it lies between 1900-01-01 and today. It
// returns the error key and parameters instead of an error so the caller can
// attach the row and column.
func (p *rosterParser) date(v string) (time.Time, string, []any) {
	d, ok := parseDateCell(v, p.date1904)
	switch {
	case !ok:
		return time.Time{}, "roster.date", []any{"value", v}
	case d.Before(earliestBirthDate()):
		return time.Time{}, "roster.date_too_early", []any{"value", v}
	case d.After(p.today):
		return time.Time{}, "roster.date_future", []any{"value", v}
	}
	return d, "", nil
}

// eighteenthBirthday returns the day a person born on birth turns 18, for the roster
// import and the development rules alike. Someone born on 29 February turns 18 on
// 1 March of a common year: the stricter reading, which never admits anyone early.
func eighteenthBirthday(birth time.Time) time.Time {
	return birth.AddDate(minApplicantAge, 0, 0)
}

// isBlankRow reports whether every cell of a row is empty after trimming.
func isBlankRow(cells []string) bool {
	for _, c := range cells {
		if trimCell(c) != "" {
			return false
		}
	}
	return true
}
