package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"vanguard/internal/member"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// A file with one bad row is refused with that row and column named and nothing saved;
// a good one is previewed, then imported once.
func TestImportRefusesBadFileThenImportsGoodOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.client(t, "manager", "zh-CN")
		if r := c.Get("/people/import"); r.Status != 200 || !strings.Contains(r.Body, `enctype="multipart/form-data"`) {
			t.Fatalf("import form = %d", r.Status)
		}
		good1, good2 := idNumber("32010219880808011"), idNumber("32010219920909022")
		bad := good2[:17] + map[bool]string{true: "0", false: "1"}[good2[17] != '0']
		people := count(t, db, `SELECT COUNT(*) FROM people`)
		header := "姓名,身份证号,组织代码,人员类别,入党日期\n"
		r := upload(t, c, "/people/import", "花名册.csv", []byte(header+"周一,"+good1+",A1,正式党员,2010-07-01\n吴二,"+bad+",A2,入党积极分子,\n"))
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "第 3 行「身份证号」列") || !strings.Contains(r.Body, "校验位不符") {
			t.Fatalf("bad file = %d; want row 3's ID number named:\n%s", r.Status, r.Body)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM people`); n != people {
			t.Fatalf("a refused file saved %d people", n-people)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM roster_imports`); n != 0 {
			t.Fatalf("a refused file was kept (%d uploads)", n)
		}
		// The same in English names the row and the column too.
		en := f.client(t, "manager", "en")
		r = upload(t, en, "/people/import", "roster.csv", []byte("name,id_number,org_code\n周一,"+bad+",A1\n"))
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Row 2, column ID number: The check digit") {
			t.Errorf("English bad file = %d", r.Status)
		}
		// An organization the manager does not manage reads as unknown.
		r = upload(t, c, "/people/import", "x.csv", []byte("姓名,身份证号,组织代码\n周一,"+good1+",B1\n"))
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "您管理的组织中没有“B1”") {
			t.Errorf("a row into another tree = %d", r.Status)
		}
		if r := upload(t, c, "/people/import", "x.pdf", []byte("%PDF")); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, ".pdf") {
			t.Errorf("a PDF = %d", r.Status)
		}
		file := header + "周一," + good1 + ",A1,正式党员,2010-07-01\n吴二," + good2 + ",A2,入党积极分子,\n"
		r = upload(t, c, "/people/import", "花名册.csv", []byte(file))
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "导入 2 人") || !strings.Contains(r.Body, "第二党支部") || !strings.Contains(r.Body, "入党积极分子") {
			t.Fatalf("preview = %d:\n%s", r.Status, r.Body)
		}
		if strings.Contains(r.Body, good1) || !strings.Contains(r.Body, member.MaskIDNumber(good1)) {
			t.Error("the preview shows ID numbers in full")
		}
		if n := count(t, db, `SELECT COUNT(*) FROM people`); n != people {
			t.Fatal("the preview saved people")
		}
		confirm := regexp.MustCompile(`/people/import/\d+/confirm`).FindString(r.Body)
		if confirm == "" {
			t.Fatal("no confirm button")
		}
		if r := f.client(t, "admin", "zh-CN").PostForm(confirm, nil); r.Status != http.StatusNotFound {
			t.Errorf("another account confirms the upload = %d, want 404", r.Status)
		}
		r = c.PostForm(confirm, nil)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "已导入 2 人") {
			t.Fatalf("confirm = %d: %s", r.Status, r.Body)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM people`); n != people+2 {
			t.Fatalf("%d people imported, want 2", n-people)
		}
		if r := c.PostForm(confirm, nil); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "已经导入") {
			t.Errorf("confirming twice = %d", r.Status)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM people`); n != people+2 {
			t.Fatal("confirming twice imported again")
		}
		// A viewer manages nothing and may not import.
		if r := f.client(t, "viewer", "zh-CN").Get("/people/import"); r.Status != http.StatusForbidden {
			t.Errorf("viewer import form = %d, want 403", r.Status)
		}
	})
}

// The roster's export is a valid workbook of the filter: masked for a viewer, in full
// (and audited) for a manager, under a UTF-8 file name.
func TestExportRoster(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		viewer := f.client(t, "viewer", "zh-CN")
		r := viewer.Get(path("/orgs/%d/people.xlsx", f.branch.ID))
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("export = %d %q", r.Status, r.Header.Get("Content-Type"))
		}
		cd := r.Header.Get("Content-Disposition")
		if !strings.HasPrefix(cd, `attachment; filename="roster-`) || !strings.Contains(cd, "filename*=UTF-8''"+strings.ToUpper(url.PathEscape("第一党支部"))) {
			t.Errorf("Content-Disposition = %q", cd)
		}
		rows := sheetRows(t, r.Body)
		if len(rows) != 4 || rows[0][0] != "姓名" {
			t.Fatalf("viewer export has %d rows: %v", len(rows), rows)
		}
		all := flatten(rows)
		if strings.Contains(all, f.selfID) || !strings.Contains(all, member.MaskIDNumber(f.selfID)) || !strings.Contains(all, f.activist.Name) {
			t.Errorf("viewer export must be masked and cover the subtree: %v", rows)
		}
		manager := f.client(t, "manager", "en")
		r = manager.Get(path("/orgs/%d/people.xlsx?f=1&subtree=1&stage=full", f.branch.ID))
		rows = sheetRows(t, r.Body)
		if len(rows) != 2 || rows[1][1] != f.selfID {
			t.Fatalf("manager export of full members = %v", rows)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND account_id = $1`, f.accounts["manager"].ID); n != 1 {
			t.Errorf("%d export lines in the audit log, want 1", n)
		}
		if !strings.Contains(r.Header.Get("Content-Disposition"), "First%20Branch%20roster") {
			t.Errorf("English file name = %q", r.Header.Get("Content-Disposition"))
		}
	})
}

func sheetRows(t *testing.T, body string) [][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatalf("the export is not a workbook: %v", err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func flatten(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, "\t"))
		b.WriteByte('\n')
	}
	return b.String()
}
