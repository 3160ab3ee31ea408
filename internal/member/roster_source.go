package member

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"vanguard/internal/i18n"
)

// Magic numbers at the start of the files we are sent.
const (
	zipMagic = "PK\x03\x04"
	// oleMagic opens an Office 97-2003 .xls and also an encrypted .xlsx, which
	// Office wraps in the same compound-document container.
	oleMagic = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"
	utf8BOM  = "\xEF\xBB\xBF"
)

// xlsxUnzipLimit bounds what an .xlsx may expand to, against zip bombs: a
// 100,000-row roster's sheet XML is a few tens of megabytes.
const xlsxUnzipLimit = 512 << 20

// openRosterSource reads the upload and picks the reader by file extension.
func openRosterSource(r io.Reader, filename string) (rosterSource, error) {
	ext := rosterExt(filename)
	if ext != ".xlsx" && ext != ".csv" {
		return nil, i18n.Invalid(fileField, "roster.format", "ext", ext)
	}
	data, err := io.ReadAll(io.LimitReader(r, maxRosterBytes+1))
	if err != nil {
		return nil, errRosterRead(err)
	}
	if len(data) > maxRosterBytes {
		return nil, i18n.Invalid(fileField, "roster.too_large", "max_mb", maxRosterBytes>>20)
	}
	if len(data) == 0 {
		return nil, i18n.Invalid(fileField, "roster.empty")
	}
	if ext == ".xlsx" {
		return openXLSXSource(data)
	}
	return openCSVSource(data)
}

// rosterExt returns the lower-case extension of an uploaded file's name. Some
// browsers on Windows send the whole path, with backslashes.
func rosterExt(filename string) string {
	base := filename[strings.LastIndexAny(filename, `/\`)+1:]
	i := strings.LastIndexByte(base, '.')
	if i < 0 {
		return ""
	}
	return strings.ToLower(trimCell(base[i:]))
}

// csvSource reads CSV records and keeps the row numbers a spreadsheet would
// show. encoding/csv skips blank lines and a quoted cell may span lines, so the
// row number is counted from the line positions the reader reports.
type csvSource struct {
	r       *csv.Reader
	row     int // row number of the last record returned
	endLine int // line on which the last record ended
}

func openCSVSource(data []byte) (rosterSource, error) {
	data = bytes.TrimPrefix(data, []byte(utf8BOM))
	switch {
	case bytes.HasPrefix(data, []byte("\xFF\xFE")), bytes.HasPrefix(data, []byte("\xFE\xFF")):
		// Excel's "Unicode text" (Unicode 文本): UTF-16 with a byte-order mark,
		// tab-separated.
		decoded, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return nil, i18n.Invalid(fileField, "roster.encoding")
		}
		data = decoded
	case !utf8.Valid(data):
		// Excel on a Chinese Windows saves "CSV (逗号分隔)" in the ANSI code page,
		// GBK, which GB18030 contains.
		decoded, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil {
			return nil, i18n.Invalid(fileField, "roster.encoding")
		}
		data = decoded
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // rows may be ragged; missing trailing cells are empty
	r.Comma = sniffDelimiter(data)
	return &csvSource{r: r}, nil
}

// sniffDelimiter picks tab when the first line has tabs and no commas, as in a
// sheet saved as Unicode text or pasted from Excel into a text file; comma
// otherwise.
func sniffDelimiter(data []byte) rune {
	first := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		first = data[:i]
	}
	if bytes.IndexByte(first, '\t') >= 0 && bytes.IndexByte(first, ',') < 0 {
		return '\t'
	}
	return ','
}

func (s *csvSource) next() (sourceRow, error) {
	rec, err := s.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return sourceRow{}, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return sourceRow{}, i18n.InRow(s.row+1+max(pe.StartLine-s.endLine-1, 0), "", "roster.csv_syntax")
		}
		return sourceRow{}, errRosterRead(err)
	}
	line, _ := s.r.FieldPos(0)
	s.row += 1 + max(line-s.endLine-1, 0) // blank lines in between are rows too
	last := len(rec) - 1
	lastLine, _ := s.r.FieldPos(last)
	s.endLine = lastLine + strings.Count(rec[last], "\n")
	return sourceRow{row: s.row, cells: rec}, nil
}

func (s *csvSource) date1904() bool { return false }
func (s *csvSource) close()         {}

// xlsxSource streams the rows of the first sheet of a workbook.
type xlsxSource struct {
	f      *excelize.File
	rows   *excelize.Rows
	row    int
	is1904 bool
	merges mergeFiller
}

func openXLSXSource(data []byte) (rosterSource, error) {
	switch {
	case bytes.HasPrefix(data, []byte(oleMagic)):
		return nil, i18n.Invalid(fileField, "roster.xlsx_legacy")
	case !bytes.HasPrefix(data, []byte(zipMagic)):
		return nil, i18n.Invalid(fileField, "roster.xlsx_invalid")
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: xlsxUnzipLimit})
	if err != nil {
		return nil, i18n.Invalid(fileField, "roster.xlsx_invalid")
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		_ = f.Close()
		return nil, i18n.Invalid(fileField, "roster.xlsx_invalid")
	}
	s := &xlsxSource{f: f}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		s.is1904 = *props.Date1904
	}
	if s.merges, err = firstSheetMerges(data, f, sheets[0]); err != nil {
		_ = f.Close()
		return nil, i18n.Invalid(fileField, "roster.xlsx_invalid")
	}
	if s.rows, err = f.Rows(sheets[0]); err != nil {
		_ = f.Close()
		return nil, i18n.Invalid(fileField, "roster.xlsx_invalid")
	}
	return s, nil
}

func (s *xlsxSource) next() (sourceRow, error) {
	for s.rows.Next() {
		s.row++ // Next visits every row number, including ones the file omits
		// Raw values: a date cell arrives as its serial number, which
		// parseDateCell reads whatever display format the sheet gave it.
		cells, err := s.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return sourceRow{}, i18n.InRow(s.row, "", "roster.xlsx_invalid")
		}
		blank := isBlankRow(cells)
		for i, c := range cells {
			cells[i] = expandNumber(c)
		}
		cells = s.merges.fill(s.row, cells)
		if blank {
			// Judged before merged values are filled in, so the spare rows a
			// template leaves under a merged organization cell stay blank.
			continue
		}
		return sourceRow{row: s.row, cells: cells}, nil
	}
	if err := s.rows.Error(); err != nil {
		return sourceRow{}, i18n.Invalid(fileField, "roster.xlsx_invalid")
	}
	return sourceRow{}, io.EOF
}

func (s *xlsxSource) date1904() bool { return s.is1904 }

func (s *xlsxSource) close() {
	_ = s.rows.Close()
	_ = s.f.Close() // removes excelize's temporary files
}

// expandNumber writes a raw number stored in scientific notation (a phone number
// typed into a General cell is stored as 1.3812341234E10) as its digits, when it
// is an integer that float64 holds exactly. Longer numbers, such as an ID number
// Excel took for a number, already lost digits and are left for the checks to
// report.
func expandNumber(s string) string {
	if !looksScientific(s) {
		return s
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != math.Trunc(v) || math.Abs(v) >= 1e15 {
		return s
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// sourceRow is one row of a sheet: its 1-based row number and raw cell texts.
type sourceRow struct {
	row   int
	cells []string
}

// rosterSource yields the rows of an uploaded file in order; next returns io.EOF
// after the last one.
type rosterSource interface {
	next() (sourceRow, error)
	date1904() bool // whether date serial numbers count from 1904 (old Mac workbooks)
	close()
}

// errRosterRead wraps I/O failures, which are not the worker's to fix.
func errRosterRead(err error) error {
	return fmt.Errorf("member: read roster: %w", err)
}
