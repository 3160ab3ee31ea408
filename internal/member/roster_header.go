package member

import (
	"strings"
	"unicode"

	"vanguard/internal/i18n"
)

// rosterField is a column the roster importer understands.
type rosterField int

const (
	colNone rosterField = iota - 1
	colName
	colIDNumber
	colGender
	colPhone
	colOrgCode
	colOrgName
	colStage
	colJoinedAt
	colBirthDate
	colNote
	colCount // number of fields; keep last
)

// rosterFieldFor maps a header cell to its field. Headers are matched after
// normalizeHeader, so "身份证号码*", "ID Number", "id_number" and "公民身份号码
// （必填）" all match. Besides the names every worker uses, it accepts the column
// names of the national member-management system's exports (公民身份号码, 所在党支部,
// 人员类别) and the 政治面貌 column of hand-made sheets.
func rosterFieldFor(header string) rosterField {
	switch normalizeHeader(header) {
	case "姓名", "name", "fullname":
		return colName
	case "身份证号", "身份证号码", "公民身份号码", "公民身份证号", "公民身份证号码", "身份证",
		"idnumber", "idno", "idcard", "idcardnumber":
		return colIDNumber
	case "性别", "gender", "sex":
		return colGender
	case "手机", "手机号", "手机号码", "联系电话", "电话", "联系方式",
		"phone", "mobile", "phonenumber", "tel":
		return colPhone
	case "组织代码", "党组织代码", "orgcode", "organizationcode":
		return colOrgCode
	case "所在组织", "所在党组织", "所属组织", "所属党组织", "组织", "党组织",
		"所在党支部", "所在支部", "所属支部", "所属党支部", "党支部",
		"organization", "organisation", "org", "orgname", "organizationname", "branch":
		return colOrgName
	case "人员类别", "类别", "政治面貌", "stage", "category":
		return colStage
	case "入党时间", "入党日期", "joinedat", "joindate", "joined":
		return colJoinedAt
	case "出生日期", "出生年月日", "birthdate", "dateofbirth", "birthday":
		return colBirthDate
	case "备注", "说明", "note", "notes", "remark", "remarks":
		return colNote
	}
	return colNone
}

// normalizeHeader folds a header to the form rosterFieldFor matches: full-width
// letters and brackets to ASCII, lower case, without a trailing explanation in
// brackets ("入党时间（yyyy-mm-dd）"), without the asterisks templates use to mark
// required columns, and without spaces, underscores, hyphens, dots and colons.
func normalizeHeader(s string) string {
	s = strings.ToLower(foldWidth(trimCell(s)))
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndexByte(s, '('); i > 0 {
			s = s[:i]
		}
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || strings.ContainsRune("*_-.:", r) {
			return -1
		}
		return r
	}, s)
}

// headerSearchRows is how many non-blank rows may precede the header. Exports and
// hand-made sheets often open with a title ("2024年党员花名册") or a note line
// above the header; anything deeper is not a roster.
const headerSearchRows = 10

// findHeader decides whether sr is the header row: the first row, among the first
// few non-blank ones, in which at least two columns are recognised.
func (p *rosterParser) findHeader(sr sourceRow, candidates *[]sourceRow) bool {
	*candidates = append(*candidates, sr)
	known := 0
	for _, h := range sr.cells {
		if rosterFieldFor(h) != colNone {
			known++
		}
	}
	if known >= 2 {
		p.useHeader(sr)
		return true
	}
	if len(*candidates) >= headerSearchRows {
		p.useHeader((*candidates)[0])
		return true
	}
	return false
}

// useHeader maps the columns of the header row sr and records header problems.
func (p *rosterParser) useHeader(sr sourceRow) {
	cols, errs := mapRosterColumns(sr)
	p.cols = cols
	p.errs = append(p.errs, errs...)
}

// rosterColumns maps the known fields to the columns of one file.
type rosterColumns struct {
	index  [colCount]int    // 0-based column, -1 when absent
	header [colCount]string // the header text as written in the file, trimmed
}

// value returns the trimmed cell of field f, "" when the column is absent.
func (c *rosterColumns) value(cells []string, f rosterField) string {
	i := c.index[f]
	if i < 0 || i >= len(cells) {
		return ""
	}
	return trimCell(cells[i])
}

// mapRosterColumns reads a header row. Unknown columns are ignored; a column that
// appears twice (by the same or another accepted name) is an error, since there is
// no telling which of the two the worker meant.
func mapRosterColumns(sr sourceRow) (*rosterColumns, i18n.Errors) {
	c := &rosterColumns{}
	for f := range c.index {
		c.index[f] = -1
	}
	var errs i18n.Errors
	for i, cell := range sr.cells {
		f := rosterFieldFor(cell)
		if f == colNone {
			continue
		}
		h := trimCell(cell)
		if c.index[f] >= 0 {
			errs = append(errs, i18n.InRow(sr.row, h, "roster.duplicate_column", "other", c.header[f]))
			continue
		}
		c.index[f] = i
		c.header[f] = h
	}
	// Missing columns are named by their own keys, so each message can list the
	// header names that are accepted for it.
	if c.index[colName] < 0 {
		errs = append(errs, i18n.InRow(sr.row, "", "roster.missing_column_name"))
	}
	if c.index[colIDNumber] < 0 {
		errs = append(errs, i18n.InRow(sr.row, "", "roster.missing_column_id_number"))
	}
	if c.index[colOrgCode] < 0 && c.index[colOrgName] < 0 {
		errs = append(errs, i18n.InRow(sr.row, "", "roster.missing_column_org"))
	}
	return c, errs
}
