package member

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"vanguard/internal/i18n"
)

// Three people used across the tests.
const (
	zhangID = "33040219850315123" // completed in rosterFixture; male, born 1985-03-15
	liID    = "11010519491231002x"
	wangID  = "44030419950520004" // completed in rosterFixture; female, born 1995-05-20
)

// rosterFixture is a small roster in the shape a worker types: Chinese headers,
// an ideographic space around a name, a phone with spaces, a note with a comma,
// dates in three styles, and a blank line.
func rosterFixture(t testing.TB) (csv string, want []RosterRow) {
	t.Helper()
	zhang, wang := idWithCheck(t, zhangID), idWithCheck(t, wangID)
	csv = "姓名,身份证号,性别,手机号码,组织代码,所在党组织,人员类别,入党时间,出生日期,备注\r\n" +
		"张三," + zhang + ",男,138 1234 5678,ORG001,第一党支部,正式党员,2010-07-01,1985/3/15,\r\n" +
		"\u3000李四\u3000," + liID + ",,0571-88888888,ORG001,第一党支部,入党积极分子,,,\"备注, 含逗号\"\r\n" +
		"\r\n" +
		"王五," + wang + ",女,,,第二党支部,预备党员,2024年7月1日,,\r\n"
	want = []RosterRow{
		{Row: 2, Name: "张三", IDNumber: zhang, Gender: "male", Phone: "13812345678", OrgCode: "ORG001",
			OrgName: "第一党支部", Stage: "full", JoinedAt: ymd(2010, 7, 1), BirthDate: ymd(1985, 3, 15)},
		{Row: 3, Name: "李四", IDNumber: "11010519491231002X", Gender: "female", Phone: "0571-88888888",
			OrgCode: "ORG001", OrgName: "第一党支部", Stage: "activist", BirthDate: ymd(1949, 12, 31), Note: "备注, 含逗号"},
		{Row: 5, Name: "王五", IDNumber: wang, Gender: "female", OrgName: "第二党支部", Stage: "probationary",
			JoinedAt: ymd(2024, 7, 1), BirthDate: ymd(1995, 5, 20)},
	}
	return csv, want
}

func gb18030(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tabSeparated turns the fixture into tab-separated text, as Excel's "Unicode
// text" writes it: the note with a comma no longer needs quoting.
func tabSeparated(csv string) string {
	return strings.ReplaceAll(strings.ReplaceAll(csv, ",", "\t"), "\"备注\t 含逗号\"", "备注, 含逗号")
}

func utf16Tabs(t testing.TB, csv string) []byte {
	t.Helper()
	b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(tabSeparated(csv)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// buildXLSX writes rows into the first sheet of a new workbook. A cell value may be
// any type excelize accepts, so tests can store real dates and numbers.
func buildXLSX(t testing.TB, rows [][]any, prepare func(f *excelize.File, sheet string)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if prepare != nil {
		prepare(f, sheet)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseRosterReadsEveryEncodingAndFormatAlike(t *testing.T) {
	content, want := rosterFixture(t)
	zhang, wang := idWithCheck(t, zhangID), idWithCheck(t, wangID)
	joined := time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC)
	xlsx := buildXLSX(t, [][]any{
		{"姓名", "身份证号", "性别", "手机号码", "组织代码", "所在党组织", "人员类别", "入党时间", "出生日期", "备注"},
		{"张三", zhang, "男", 13812345678, "ORG001", "第一党支部", "正式党员", joined, "1985-03-15"},
		{"\u3000李\u3000四\u3000", liID, nil, "0571-88888888", "ORG001", "第一党支部", "入党积极分子", nil, nil, "备注, 含逗号"},
		{},
		{"王五", wang, "女", nil, nil, "第二党支部", "预备党员", "2024年7月1日"},
	}, func(f *excelize.File, sheet string) {
		// Store the birth date as a real date cell with the Chinese long format,
		// as a worker's sheet would; the raw serial must be read, not the display.
		style, err := f.NewStyle(&excelize.Style{NumFmt: 31}) // yyyy"年"m"月"d"日"
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellValue(sheet, "I2", ymd(1985, 3, 15)); err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellStyle(sheet, "I2", "I2", style); err != nil {
			t.Fatal(err)
		}
	})
	tests := []struct {
		name, filename string
		data           []byte
	}{
		{"UTF-8", "roster.csv", []byte(content)},
		{"UTF-8 with BOM", "花名册.CSV", append([]byte("\xEF\xBB\xBF"), content...)},
		{"GB18030 from Excel on Windows", "花名册.csv", gb18030(t, content)},
		{"LF line ends", "roster.csv", []byte(strings.ReplaceAll(content, "\r\n", "\n"))},
		{"tab separated", "roster.csv", []byte(tabSeparated(content))},
		{"UTF-16 Unicode text", "花名册.csv", utf16Tabs(t, content)},
		{"xlsx", `C:\fakepath\花名册.xlsx`, xlsx},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRoster(bytes.NewReader(tt.data), tt.filename, rosterNow())
			if err != nil {
				t.Fatalf("parseRoster: %v", err)
			}
			if got := withoutColumns(got); !reflect.DeepEqual(got, want) {
				t.Errorf("rows differ\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestParseRosterEnglishHeadersAnyOrder(t *testing.T) {
	zhang := idWithCheck(t, zhangID)
	content := "Note, Stage ,ID Number,extra column,NAME,org_code,Phone,Gender,Joined_At,Birth Date\n" +
		"hi,Full," + zhang + ",ignored,Zhang San,ORG9,+86 13812345678,Male,2006.01.02,19850315\n" +
		",applicant," + liID + ",,Li Si,ORG9,,female,,\n"
	got, err := parseRoster(strings.NewReader(content), "roster.csv", rosterNow())
	if err != nil {
		t.Fatal(err)
	}
	want := []RosterRow{
		{Row: 2, Name: "Zhang San", IDNumber: zhang, Gender: "male", Phone: "13812345678", OrgCode: "ORG9",
			Stage: "full", JoinedAt: ymd(2006, 1, 2), BirthDate: ymd(1985, 3, 15), Note: "hi"},
		{Row: 3, Name: "Li Si", IDNumber: "11010519491231002X", Gender: "female", OrgCode: "ORG9",
			Stage: "applicant", BirthDate: ymd(1949, 12, 31)},
	}
	if got := withoutColumns(got); !reflect.DeepEqual(got, want) {
		t.Errorf("rows differ\n got %+v\nwant %+v", got, want)
	}
}

// rosterErrors runs parseRoster and returns its i18n.Errors, failing the test on
// any other outcome.
func rosterErrors(t *testing.T, data []byte, filename string) i18n.Errors {
	t.Helper()
	rows, err := parseRoster(bytes.NewReader(data), filename, rosterNow())
	if rows != nil {
		t.Errorf("got %d rows along with errors, want none", len(rows))
	}
	var errs i18n.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error = %v (%T), want i18n.Errors", err, err)
	}
	return errs
}

// rosterErrAt is the part of an error a test compares.
type rosterErrAt struct {
	Row    int
	Column string
	Key    string
}

func summarizeRosterErrs(errs i18n.Errors) []rosterErrAt {
	out := make([]rosterErrAt, len(errs))
	for i, e := range errs {
		out[i] = rosterErrAt{e.Row, e.Field, e.Key}
	}
	return out
}

func TestParseRosterRowErrors(t *testing.T) {
	zhang, wang := idWithCheck(t, zhangID), idWithCheck(t, wangID)
	header := "姓名,公民身份号码,性别,联系电话,所在党组织,人员类别,入党日期,出生日期\n"
	tests := []struct {
		name string
		body string
		want []rosterErrAt
	}{
		{
			name: "one bad checksum among good rows",
			body: "张三," + zhang + ",男,,一支部,,,\n" +
				"李四," + liID + ",,,一支部,,,\n" +
				"赵六,11010519491231003X,,,一支部,,,\n" +
				"王五," + wang + ",,,一支部,,,\n",
			want: []rosterErrAt{{4, "公民身份号码", "idcard.checksum"}},
		},
		{
			name: "several bad rows, each problem listed left to right",
			body: "," + zhang + ",男,12345,一支部,,,\n" + // no name; phone too short
				"李四," + liID + ",男,,一支部,,,\n" + // the ID says female
				"王五," + wang + ",女,,一支部,党员,,1995-05-21\n" + // member without date; birth date differs
				"赵六,1101051949,,,,团员,2020-13-01,\n", // short ID, no organization, unknown stage, bad date
			want: []rosterErrAt{
				{2, "姓名", "roster.name_required"},
				{2, "联系电话", "roster.phone"},
				{3, "性别", "roster.gender_mismatch"},
				{4, "入党日期", "roster.joined_at_required"},
				{4, "出生日期", "roster.birth_date_mismatch"},
				{5, "公民身份号码", "idcard.length"},
				{5, "所在党组织", "roster.org_required"},
				{5, "人员类别", "roster.stage"},
				{5, "入党日期", "roster.date"},
			},
		},
		{
			name: "duplicate ID reported on the later row",
			body: "张三," + zhang + ",,,一支部,,,\n" +
				"李四," + liID + ",,,一支部,,,\n" +
				"张三," + strings.ToLower(zhang) + ",,,二支部,,,\n",
			want: []rosterErrAt{{4, "公民身份号码", "roster.duplicate_id"}},
		},
		{
			name: "dates: future, before 1900, before the 18th birthday, not a date",
			body: "张三," + zhang + ",,,一支部,正式党员,2026-01-01,\n" +
				"李四," + liID + ",,,一支部,正式党员,1899-12-31,\n" +
				"王五," + wang + ",,,一支部,预备党员,2013-05-19,\n" +
				"赵六," + idWithCheck(t, "11010519900102001") + ",,,一支部,正式党员,2008-01-01,\n" + // one day short of 18
				"钱八," + idWithCheck(t, "11010519900101001") + ",,,一支部,正式党员,2008-01-01,\n" + // 18 that day
				"孙七," + idWithCheck(t, "11010519900101003") + ",,,一支部,正式党员,1990,\n",
			want: []rosterErrAt{
				{2, "入党日期", "roster.date_future"},
				{3, "入党日期", "roster.date_too_early"},
				{4, "入党日期", "roster.joined_at_underage"},
				{5, "入党日期", "roster.joined_at_underage"},
				{7, "入党日期", "roster.date"},
			},
		},
		{
			name: "ID number Excel turned into a float",
			body: "张三,3.30402E+17,,,一支部,,,\n",
			want: []rosterErrAt{{2, "公民身份号码", "roster.id_number_scientific"}},
		},
		{
			name: "gender that is not one",
			body: "张三," + zhang + ",未知,,一支部,,,\n",
			want: []rosterErrAt{{2, "性别", "roster.gender"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := rosterErrors(t, []byte(header+tt.body), "r.csv")
			if got := summarizeRosterErrs(errs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors differ\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestParseRosterDuplicateNamesFirstRow(t *testing.T) {
	content := "姓名,身份证号,组织代码\n甲," + liID + ",A\n\n乙," + liID + ",A\n"
	errs := rosterErrors(t, []byte(content), "r.csv")
	if len(errs) != 1 || errs[0].Row != 4 || errs[0].Params["first_row"] != 2 {
		t.Errorf("errors = %v, want one on row 4 naming first_row=2", errs)
	}
}

func TestParseRosterJoinedAtRequiredWithoutColumn(t *testing.T) {
	content := "姓名,身份证号,组织代码,人员类别\n甲," + liID + ",A,正式党员\n"
	errs := rosterErrors(t, []byte(content), "r.csv")
	want := []rosterErrAt{{2, "人员类别", "roster.joined_at_required"}}
	if got := summarizeRosterErrs(errs); !reflect.DeepEqual(got, want) {
		t.Errorf("errors = %v, want %v", got, want)
	}
}

func TestParseRosterBlankRowsKeepSheetRowNumbers(t *testing.T) {
	zhang := idWithCheck(t, zhangID)
	content := "\n 2024年党员花名册 \n\n姓名,身份证号,组织代码,备注\n" + // title above the header
		",,,\n" + // blank cells
		"\u3000,\u3000, ,\n" + // only full-width spaces
		"张三," + zhang + ",A,\"两行\n备注\"\n" + // one cell on two lines: still one row
		"\n\n" +
		"李四," + liID + ",A,\n"
	got, err := parseRoster(strings.NewReader(content), "r.csv", rosterNow())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Row != 7 || got[1].Row != 10 || got[0].Note != "两行\n备注" {
		t.Errorf("rows = %+v, want 张三 on row 7 and 李四 on row 10", got)
	}
}

func TestParseRosterFileErrors(t *testing.T) {
	tests := []struct {
		name, filename string
		data           []byte
		wantKey        string
	}{
		{"xls", "roster.xls", []byte("whatever"), "roster.format"},
		{"no extension", "roster", []byte("a,b"), "roster.format"},
		{"text renamed to xlsx", "roster.xlsx", []byte("姓名,身份证号"), "roster.xlsx_invalid"},
		{"old xls renamed to xlsx", "roster.xlsx", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), "roster.xlsx_legacy"},
		{"zip that is no workbook", "roster.xlsx", []byte("PK\x03\x04garbage"), "roster.xlsx_invalid"},
		{"empty file", "roster.csv", nil, "roster.empty"},
		{"only blank lines", "roster.csv", []byte("\n,,\n\n"), "roster.empty"},
		{"header only", "roster.csv", []byte("姓名,身份证号,组织代码\n"), "roster.empty"},
		{"bad quoting", "roster.csv", []byte("姓名,身份证号,组织代码\n\"甲,1,2\n"), "roster.csv_syntax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := parseRoster(bytes.NewReader(tt.data), tt.filename, rosterNow())
			var ie *i18n.Error
			if !errors.As(err, &ie) || ie.Key != tt.wantKey {
				t.Fatalf("error = %v, want *i18n.Error %s", err, tt.wantKey)
			}
			if rows != nil {
				t.Errorf("rows = %v, want nil", rows)
			}
		})
	}
}

func TestParseRosterHeaderErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []rosterErrAt
	}{
		{"no ID column", "姓名,组织代码,手机\n甲,A,1\n", []rosterErrAt{{1, "", "roster.missing_column_id_number"}}},
		{"no organization column", "姓名,身份证号\n甲,1\n", []rosterErrAt{{1, "", "roster.missing_column_org"}}},
		{"not a roster", "a,b,c\n1,2,3\n", []rosterErrAt{
			{1, "", "roster.missing_column_name"},
			{1, "", "roster.missing_column_id_number"},
			{1, "", "roster.missing_column_org"},
		}},
		{"same column twice", "姓名,身份证号,组织代码,公民身份号码\n甲,1,A,1\n", []rosterErrAt{{1, "公民身份号码", "roster.duplicate_column"}}},
		{"header below a title", "花名册\n姓名 (必填),所在党组织\n甲,一支部\n", []rosterErrAt{{2, "", "roster.missing_column_id_number"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := rosterErrors(t, []byte(tt.content), "r.csv")
			if got := summarizeRosterErrs(errs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors differ\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestParseRosterXLSXCells(t *testing.T) {
	zhang, wang := idWithCheck(t, zhangID), idWithCheck(t, wangID)
	t.Run("merged organization cell and numeric phone", func(t *testing.T) {
		data := buildXLSX(t, [][]any{
			{"党员花名册"},
			{"序号", "姓名", "身份证号码", "所在党支部", "手机号码"},
			{1, "张三", zhang, "第一党支部", 13812345678},
			{2, "李四", liID, nil, nil},
			{3, "王五", wang, nil, nil},
			{},
		}, func(f *excelize.File, sheet string) {
			for _, r := range [][2]string{{"A1", "E1"}, {"D3", "D6"}} {
				if err := f.MergeCell(sheet, r[0], r[1]); err != nil {
					t.Fatal(err)
				}
			}
		})
		got, err := parseRoster(bytes.NewReader(data), "r.xlsx", rosterNow())
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("got %d rows, want 3 (the spare merged row 6 is blank): %+v", len(got), got)
		}
		for i, r := range got {
			if r.Row != i+3 || r.OrgName != "第一党支部" {
				t.Errorf("row %d: Row=%d OrgName=%q, want row %d in 第一党支部", i, r.Row, r.OrgName, i+3)
			}
		}
		if got[0].Phone != "13812345678" {
			t.Errorf("phone = %q", got[0].Phone)
		}
	})
	t.Run("ID stored as a number", func(t *testing.T) {
		data := buildXLSX(t, [][]any{
			{"姓名", "身份证号码", "组织"},
			{"张三", nil, "一支部"},
		}, func(f *excelize.File, sheet string) {
			// What Excel stores when 330402198503151239 is typed into a General cell.
			if err := f.SetCellDefault(sheet, "B2", "3.3040219850315098E+17"); err != nil {
				t.Fatal(err)
			}
		})
		errs := rosterErrors(t, data, "r.xlsx")
		want := []rosterErrAt{{2, "身份证号码", "roster.id_number_scientific"}}
		if got := summarizeRosterErrs(errs); !reflect.DeepEqual(got, want) {
			t.Errorf("errors = %v, want %v", got, want)
		}
	})
}

func TestWriteRosterXLSXRoundTrip(t *testing.T) {
	zhang, wang := idWithCheck(t, zhangID), idWithCheck(t, wangID)
	headers := []string{"姓名", "身份证号", "性别", "手机号码", "组织代码", "所在党组织", "人员类别", "入党时间", "出生日期", "备注"}
	rows := [][]string{
		{"张三", zhang, "男", "13812345678", "00123", "第一党支部", "正式党员", "2010-07-01", "1985-03-15", "=1+1"},
		{"李四", "11010519491231002X", "女", "", "00123", "第一党支部", "入党积极分子"},
		{"王五", wang, "女", "", "", "第二党支部", "预备党员", "2024-07-01", "", "很长的备注" + strings.Repeat("字", 80)},
	}
	var buf bytes.Buffer
	if err := WriteRosterXLSX(&buf, headers, rows); err != nil {
		t.Fatal(err)
	}
	got, err := parseRoster(bytes.NewReader(buf.Bytes()), "export.xlsx", rosterNow())
	if err != nil {
		t.Fatal(err)
	}
	want := []RosterRow{
		{Row: 2, Name: "张三", IDNumber: zhang, Gender: "male", Phone: "13812345678", OrgCode: "00123", OrgName: "第一党支部",
			Stage: "full", JoinedAt: ymd(2010, 7, 1), BirthDate: ymd(1985, 3, 15), Note: "=1+1"},
		{Row: 3, Name: "李四", IDNumber: "11010519491231002X", Gender: "female", OrgCode: "00123", OrgName: "第一党支部",
			Stage: "activist", BirthDate: ymd(1949, 12, 31)},
		{Row: 4, Name: "王五", IDNumber: wang, Gender: "female", OrgName: "第二党支部", Stage: "probationary",
			JoinedAt: ymd(2024, 7, 1), BirthDate: ymd(1995, 5, 20), Note: rows[2][9]},
	}
	if got := withoutColumns(got); !reflect.DeepEqual(got, want) {
		t.Errorf("round trip differs\n got %+v\nwant %+v", got, want)
	}

	// The sheet itself: text cells, a frozen bold header, sized columns.
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	if typ, _ := f.GetCellType(sheet, "B2"); typ != excelize.CellTypeInlineString {
		t.Errorf("ID cell type = %v, want an inline string", typ)
	}
	panes, err := f.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v, %v; want the first row frozen", panes, err)
	}
	styleID, _ := f.GetCellStyle(sheet, "A1")
	if style, err := f.GetStyle(styleID); err != nil || style.Font == nil || !style.Font.Bold {
		t.Errorf("header style = %+v, %v; want bold", style, err)
	}
	if w, _ := f.GetColWidth(sheet, "B"); w < 18 || w > 22 {
		t.Errorf("ID column width = %v, want about 20", w)
	}
	if w, _ := f.GetColWidth(sheet, "J"); w != maxColumnWidth {
		t.Errorf("note column width = %v, want the cap %d", w, maxColumnWidth)
	}
}

// bigRoster builds an n-person CSV of valid rows, with bad[i] replacing the ID
// number of the person on sheet row i.
func bigRoster(t testing.TB, n int, bad map[int]string) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("姓名,身份证号,性别,手机号码,组织代码,人员类别,入党时间\n")
	born := ymd(1950, 1, 1)
	for i := range n {
		row := i + 2
		birth := born.AddDate(0, 0, i)
		id := idWithCheck(t, "330402"+birth.Format("20060102")+"001")
		if v, ok := bad[row]; ok {
			id = v
		}
		fmt.Fprintf(&b, "党员%d,%s,男,138%08d,ORG%03d,正式党员,%s\n",
			i, id, i, i%100, birth.AddDate(20, 0, 0).Format("2006-01-02"))
	}
	return b.Bytes()
}

func TestParseRosterTenThousandRowsOneBad(t *testing.T) {
	data := bigRoster(t, 10_000, map[int]string{7_777: "330402197104160011"})
	errs := rosterErrors(t, data, "big.csv")
	want := []rosterErrAt{{7_777, "身份证号", "idcard.checksum"}}
	if got := summarizeRosterErrs(errs); !reflect.DeepEqual(got, want) {
		t.Errorf("errors = %v, want %v", got, want)
	}

	rows, err := parseRoster(bytes.NewReader(bigRoster(t, 10_000, nil)), "big.csv", rosterNow())
	if err != nil || len(rows) != 10_000 || rows[9_999].Row != 10_001 {
		t.Fatalf("clean file: %d rows, err %v", len(rows), err)
	}
}

func TestParseRosterLimits(t *testing.T) {
	if MaxRosterRows != 100_000 || maxRosterErrors != 1_000 {
		t.Fatalf("limits are %d rows and %d errors, want 100,000 and 1,000", MaxRosterRows, maxRosterErrors)
	}
	t.Run("too many rows", func(t *testing.T) {
		data := bigRoster(t, 11, nil)
		_, err := parseRosterWithLimits(bytes.NewReader(data), "r.csv", rosterNow(), rosterLimits{rows: 10, errors: 5})
		var ie *i18n.Error
		if !errors.As(err, &ie) || ie.Key != "roster.too_many_rows" || ie.Params["max"] != 10 {
			t.Errorf("error = %v, want roster.too_many_rows max=10", err)
		}
		if _, err := parseRosterWithLimits(bytes.NewReader(bigRoster(t, 10, nil)), "r.csv", rosterNow(), rosterLimits{rows: 10, errors: 5}); err != nil {
			t.Errorf("exactly at the limit: %v", err)
		}
	})
	t.Run("too many errors", func(t *testing.T) {
		bad := map[int]string{}
		for row := 2; row < 12; row++ {
			bad[row] = "x"
		}
		data := bigRoster(t, 10, bad)
		_, err := parseRosterWithLimits(bytes.NewReader(data), "r.csv", rosterNow(), rosterLimits{rows: 100, errors: 5})
		var errs i18n.Errors
		if !errors.As(err, &errs) || len(errs) != 6 {
			t.Fatalf("error = %v, want 5 errors and the cap", err)
		}
		if last := errs[5]; last.Key != "roster.too_many_errors" || last.Params["max"] != 5 {
			t.Errorf("last error = %v, want roster.too_many_errors", last)
		}
		if errs[4].Row != 6 {
			t.Errorf("fifth error on row %d, want 6", errs[4].Row)
		}
	})
}

func TestParseDateCell(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time // zero: rejected
	}{
		{"2006-01-02", ymd(2006, 1, 2)},
		{"2006/1/2", ymd(2006, 1, 2)},
		{"2006.01.02", ymd(2006, 1, 2)},
		{"2006.1.2", ymd(2006, 1, 2)},
		{"20060102", ymd(2006, 1, 2)},
		{"2006年1月2日", ymd(2006, 1, 2)},
		{"2006年01月02日", ymd(2006, 1, 2)},
		{"２００６－０１－０２", ymd(2006, 1, 2)},
		{"2006-01-02 00:00:00", ymd(2006, 1, 2)},
		{"2006-01-02T00:00:00Z", ymd(2006, 1, 2)},
		{"38719", ymd(2006, 1, 2)},   // Excel serial
		{"38719.5", ymd(2006, 1, 2)}, // with a time of day
		{"2006-02-30", time.Time{}},
		{"06-01-02", time.Time{}},
		{"2006-01", time.Time{}},
		{"2006", time.Time{}}, // a year, not serial 2006
		{"1/2/2006", time.Time{}},
		{"yesterday", time.Time{}},
		{"0", time.Time{}},
		{"", time.Time{}},
	}
	for _, tt := range tests {
		got, ok := parseDateCell(tt.in, false)
		if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
			t.Errorf("parseDateCell(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
	if got, ok := parseDateCell("37257", true); !ok || !got.Equal(ymd(2006, 1, 2)) {
		t.Errorf("1904 serial = %v, %v; want 2006-01-02", got, ok)
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"13812345678", "13812345678", true},
		{"138 1234 5678", "13812345678", true},
		{"+86 138-1234-5678", "13812345678", true},
		{"138-1234-567", "138-1234-567", false},
		{"+8613812345678", "13812345678", true},
		{"008613812345678", "13812345678", true},
		{"8613812345678", "13812345678", true},
		{"１３８１２３４５６７８", "13812345678", true},
		{"0571-88888888", "0571-88888888", true},
		{"0571-88888888-123", "0571-88888888-123", true},
		{"88888888", "88888888", true},
		{"1381234567", "1381234567", false},
		{"138123456789", "138123456789", false},
		{"12345", "12345", false},
		{"0571--8888888", "0571--8888888", false},
		{"-88888888", "-88888888", false},
		{"(0571)88888888", "(0571)88888888", false},
		{"phone", "phone", false},
	}
	for _, tt := range tests {
		got, ok := normalizePhone(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("normalizePhone(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRosterFieldFor(t *testing.T) {
	tests := []struct {
		header string
		want   rosterField
	}{
		{"姓名", colName},
		{" Name ", colName},
		{"*姓名", colName},
		{"姓名（必填）", colName},
		{"身份证号码", colIDNumber},
		{"公民身份号码", colIDNumber},
		{"ID_Number", colIDNumber},
		{"id number", colIDNumber},
		{"性别", colGender},
		{"手机号码", colPhone},
		{"联系电话", colPhone},
		{"组织代码", colOrgCode},
		{"ORG_CODE", colOrgCode},
		{"所在党组织", colOrgName},
		{"Organization", colOrgName},
		{"人员类别", colStage},
		{"入党时间(yyyy-mm-dd)", colJoinedAt},
		{"joined_at", colJoinedAt},
		{"出生日期", colBirthDate},
		{"birth_date", colBirthDate},
		{"备注", colNote},
		{"民族", colNone},
		{"", colNone},
	}
	for _, tt := range tests {
		if got := rosterFieldFor(tt.header); got != tt.want {
			t.Errorf("rosterFieldFor(%q) = %d, want %d", tt.header, got, tt.want)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"李　四", "李四"},
		{"李 \u3000 四", "李四"},
		{"欧阳 娜娜", "欧阳娜娜"},
		{"Zhang San", "Zhang San"},
		{"买买提·艾力", "买买提·艾力"},
		{"张三", "张三"},
	}
	for _, tt := range tests {
		if got := normalizeName(tt.in); got != tt.want {
			t.Errorf("normalizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestScanFirstSheetMerges(t *testing.T) {
	merged := buildXLSX(t, [][]any{{"a"}, {"b"}}, func(f *excelize.File, sheet string) {
		if _, err := f.NewSheet("第二页"); err != nil { // a later sheet's merges do not count
			t.Fatal(err)
		}
		for _, m := range [][3]string{{sheet, "A1", "C1"}, {sheet, "B3", "B9"}, {"第二页", "A1", "A2"}} {
			if err := f.MergeCell(m[0], m[1], m[2]); err != nil {
				t.Fatal(err)
			}
		}
	})
	plain := buildXLSX(t, [][]any{{"a"}}, nil)
	tests := []struct {
		name string
		data []byte
		want []string
	}{
		{"merged", merged, []string{"A1:C1", "B3:B9"}},
		{"none", plain, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanFirstSheetMerges(tt.data)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("scanFirstSheetMerges = %v, %v; want %v", got, err, tt.want)
			}
			// The excelize fallback must agree.
			f, err := excelize.OpenReader(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fast, err := firstSheetMerges(tt.data, f, f.GetSheetName(0))
			if err != nil {
				t.Fatal(err)
			}
			slow, err := firstSheetMerges(nil, f, f.GetSheetName(0))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fast.spans, slow.spans) {
				t.Errorf("quick reader %v, excelize %v", fast.spans, slow.spans)
			}
		})
	}
}

func TestParseStage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"群众", "resident"}, {"Resident", "resident"},
		{"入党申请人", "applicant"}, {"applicant", "applicant"},
		{"入党积极分子", "activist"}, {"积极分子", "activist"},
		{"发展对象", "candidate"}, {"CANDIDATE", "candidate"},
		{"预备党员", "probationary"}, {"中共预备党员", "probationary"},
		{"正式党员", "full"}, {"党员", "full"}, {"中共党员", "full"}, {"full", "full"},
		{"团员", ""}, {"member", ""},
	}
	for _, tt := range tests {
		got, ok := parseStage(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("parseStage(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

// Every message key this package can return must be in both catalogs, or a worker
// sees a bracketed key instead of a sentence.
func TestRosterKeysAreInTheCatalog(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	keyRE := regexp.MustCompile(`"((?:roster|idcard)\.[a-z0-9_]+)"`)
	files, err := filepath.Glob("roster*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "idcard.go")
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(src), -1) {
			if !cat.Has(m[1]) {
				t.Errorf("%s: key %q is missing from a catalog", file, m[1])
			}
		}
	}
}

func BenchmarkParseRoster10000(b *testing.B) {
	csvData := bigRoster(b, 10_000, nil)
	var xlsxData bytes.Buffer
	rows, err := parseRoster(bytes.NewReader(csvData), "r.csv", rosterNow())
	if err != nil {
		b.Fatal(err)
	}
	cells := make([][]string, len(rows))
	for i, r := range rows {
		cells[i] = []string{r.Name, r.IDNumber, r.Gender, r.Phone, r.OrgCode, r.Stage, r.JoinedAt.Format(time.DateOnly)}
	}
	if err := WriteRosterXLSX(&xlsxData, []string{"姓名", "身份证号", "性别", "手机号码", "组织代码", "人员类别", "入党时间"}, cells); err != nil {
		b.Fatal(err)
	}
	for _, bb := range []struct {
		name, filename string
		data           []byte
	}{{"csv", "r.csv", csvData}, {"xlsx", "r.xlsx", xlsxData.Bytes()}} {
		b.Run(bb.name, func(b *testing.B) {
			b.SetBytes(int64(len(bb.data)))
			b.ReportAllocs()
			for b.Loop() {
				rows, err := parseRoster(bytes.NewReader(bb.data), bb.filename, rosterNow())
				if err != nil || len(rows) != 10_000 {
					b.Fatalf("%d rows, err %v", len(rows), err)
				}
			}
		})
	}
}

// withoutColumns clears the header texts a row carries for later checks, so rows read
// from files with differently written headers compare equal.
func withoutColumns(rows []RosterRow) []RosterRow {
	out := make([]RosterRow, len(rows))
	for i, r := range rows {
		r.IDColumn, r.OrgColumn = "", ""
		out[i] = r
	}
	return out
}

func TestParseRosterRemembersTheColumnsToBlame(t *testing.T) {
	content := "姓名,公民身份号码,所在党支部\n李四,11010519491231002X,第一党支部\n"
	got, err := parseRoster(strings.NewReader(content), "roster.csv", rosterNow())
	if err != nil {
		t.Fatal(err)
	}
	if got[0].IDColumn != "公民身份号码" || got[0].OrgColumn != "所在党支部" {
		t.Fatalf("columns = %q, %q; want the headers as written", got[0].IDColumn, got[0].OrgColumn)
	}
}
