package member

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// importHeaders are the columns of the rosters the tests upload, as a worker names them.
var importHeaders = []string{"姓名", "身份证号", "手机", "组织代码", "所在党组织", "人员类别", "入党日期"}

// importTree is a committee managed by the uploading worker, with coded and uncoded
// branches, two branches of one name and a dissolved one, and a second committee the
// worker has no role on.
type importTree struct {
	committee, coded, uncoded, twinA, twinB, gone, other, otherBranch org.Org
	worker, colleague, viewer                                         auth.Account
}

func newImportTree(e *dbEnv) importTree {
	var it importTree
	it.committee = e.org(0, org.Committee, "机关党委", "K-01")
	it.coded = e.org(it.committee.ID, org.Branch, "第一支部", "B-01")
	it.uncoded = e.org(it.committee.ID, org.Branch, "第二支部", "")
	it.twinA = e.org(it.committee.ID, org.Branch, "同名支部", "")
	gb := e.org(it.committee.ID, org.GeneralBranch, "总支", "")
	it.twinB = e.org(gb.ID, org.Branch, "同名支部", "")
	it.gone = e.org(it.committee.ID, org.Branch, "撤销支部", "B-09")
	if err := e.orgs.Dissolve(e.ctx, it.gone.ID, civil(2024, 1, 1)); err != nil {
		e.t.Fatal(err)
	}
	it.other = e.org(0, org.Committee, "外单位党委", "K-02")
	it.otherBranch = e.org(it.other.ID, org.Branch, "外单位支部", "B-03")
	it.worker = e.account("worker", false)
	e.grant(it.worker, it.committee.ID, org.RoleManager)
	it.colleague = e.account("colleague", false)
	e.grant(it.colleague, it.committee.ID, org.RoleManager)
	it.viewer = e.account("viewer", false)
	e.grant(it.viewer, it.committee.ID, org.RoleViewer)
	return it
}

func xlsxOf(t *testing.T, headers []string, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteRosterXLSX(&buf, headers, rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// csvGB18030 writes a CSV as Excel on a Chinese Windows saves it.
func csvGB18030(t *testing.T, headers []string, rows [][]string) []byte {
	t.Helper()
	var b strings.Builder
	b.WriteString(strings.Join(headers, ",") + "\r\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r, ",") + "\r\n")
	}
	out, err := simplifiedchinese.GB18030.NewEncoder().String(b.String())
	if err != nil {
		t.Fatal(err)
	}
	return []byte(out)
}

// rowErrors returns the row errors of an import, failing unless err is one.
func rowErrors(t *testing.T, err error) i18n.Errors {
	t.Helper()
	var list i18n.Errors
	if !errors.As(err, &list) {
		t.Fatalf("error %v (%T) is not a list of row errors", err, err)
	}
	return list
}

func TestUploadThenImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDBEnv(t, db)
		it := newImportTree(e)
		today := e.svc.Today()
		ids := []string{testID(civil(1980, 5, 6), 11), testID(civil(1992, 11, 30), 22), testID(civil(2001, 1, 2), 33), testID(civil(1975, 8, 9), 44)}
		file := xlsxOf(t, importHeaders, [][]string{
			{"张三", ids[0], "13800000001", "B-01", "", "正式党员", "2010-07-01"},
			{"李四", ids[1], "", "", "第二支部", "入党积极分子", ""},
			{"王五", ids[2], "", "b-01", "", "", ""},
			{"赵六", ids[3], "", "", "第一支部", "预备党员", isoDate(addMonths(today, -2))},
		})
		before := e.count("people")

		preview, err := e.svc.Upload(e.ctx, it.worker, "roster.xlsx", bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		if preview.UploadID == 0 || preview.Rows != 4 || preview.Filename != "roster.xlsx" || len(preview.Sample) != 4 {
			t.Errorf("preview = %+v", preview)
		}
		if want := map[string]int{"第一支部": 3, "第二支部": 1}; fmt.Sprint(preview.ByOrg) != fmt.Sprint(want) {
			t.Errorf("ByOrg = %v, want %v", preview.ByOrg, want)
		}
		if want := map[Stage]int{StageFull: 1, StageActivist: 1, StageResident: 1, StageProbationary: 1}; fmt.Sprint(preview.ByStage) != fmt.Sprint(want) {
			t.Errorf("ByStage = %v, want %v", preview.ByStage, want)
		}
		if n := e.count("people"); n != before {
			t.Fatalf("the upload alone added %d people", n-before)
		}

		if _, err := e.svc.Import(e.ctx, it.colleague, preview.UploadID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another worker importing the upload = %v, want ErrNotFound", err)
		}
		if _, err := e.svc.Import(e.ctx, it.worker, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("importing a missing upload = %v, want ErrNotFound", err)
		}
		ctx := audit.WithActor(e.ctx, audit.Actor{AccountID: it.worker.ID, Name: "worker"})
		res, err := e.svc.Import(ctx, it.worker, preview.UploadID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Imported != 4 || e.count("people") != before+4 {
			t.Fatalf("imported %d, people %d → %d", res.Imported, before, e.count("people"))
		}
		if _, err := e.svc.Import(ctx, it.worker, preview.UploadID); !slices.Equal(errKeys(err), []string{"member.error.already_imported"}) {
			t.Errorf("importing the same upload twice = %v", err)
		}
		if n := e.count("people"); n != before+4 {
			t.Errorf("the second import changed the people: %d", n-before)
		}

		list, _, err := e.svc.List(e.ctx, org.ScopeOf(it.worker, org.View), Filter{OrgID: it.committee.ID, Subtree: true})
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]Person{}
		for _, p := range list {
			byName[p.Name] = p
		}
		for _, c := range []struct {
			name   string
			org    int64
			stage  Stage
			joined string
			phone  string
		}{
			{"张三", it.coded.ID, StageFull, "2010-07-01", "13800000001"},
			{"李四", it.uncoded.ID, StageActivist, "", ""},
			{"王五", it.coded.ID, StageResident, "", ""},
			{"赵六", it.coded.ID, StageProbationary, isoDate(addMonths(today, -2)), ""},
		} {
			p, ok := byName[c.name]
			switch {
			case !ok:
				t.Errorf("%s was not imported", c.name)
			case p.OrgID != c.org || p.Stage != c.stage || p.Phone != c.phone || dateCell(p.JoinedAt) != c.joined:
				t.Errorf("%s imported as %+v", c.name, p)
			}
			if ms, _ := e.svc.Memberships(e.ctx, p.ID); len(ms) != 1 || ms[0].Via != "import" {
				t.Errorf("%s's membership = %+v, want one via import", c.name, ms)
			}
		}
		if entries, _ := audit.For(e.ctx, e.db, "roster", "roster.xlsx", 5); len(entries) == 0 || entries[0].Action != "import" || entries[0].AccountID != it.worker.ID {
			t.Errorf("audit of the import = %+v", entries)
		}

		// A viewer may not import: none of the organizations is one it manages.
		_, err = e.svc.Upload(e.ctx, it.viewer, "roster.xlsx", bytes.NewReader(xlsxOf(t, importHeaders, [][]string{
			{"钱七", testID(civil(1990, 1, 1), 55), "", "B-01", "", "", ""},
		})))
		if list := rowErrors(t, err); len(list) != 1 || list[0].Key != "member.error.org_unknown" || list[0].Row != 2 {
			t.Errorf("a viewer's upload = %v", err)
		}
	})
}

// TestImportRowErrors: each kind of problem the database finds is named with its row
// and column, and nothing is written.
func TestImportRowErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDBEnv(t, db)
		it := newImportTree(e)
		onFile := testID(civil(1970, 3, 3), 66)
		e.create(NewPerson{Name: "老党员", IDNumber: onFile, OrgID: it.coded.ID, Stage: StageFull, JoinedAt: civil(1995, 7, 1)})
		good := []string{"好人", testID(civil(1991, 2, 3), 77), "", "B-01", "", "", ""}

		cases := []struct {
			name   string
			bad    []string
			column string
			key    string
			value  string
		}{
			{"an unknown code", []string{"甲", testID(civil(1990, 1, 1), 1), "", "ZZ-99", "", "", ""}, "组织代码", "member.error.org_unknown", "ZZ-99"},
			{"an unknown name", []string{"乙", testID(civil(1990, 1, 1), 2), "", "", "不存在的支部", "", ""}, "所在党组织", "member.error.org_unknown", "不存在的支部"},
			{"a code outside the worker's scope", []string{"丙", testID(civil(1990, 1, 1), 3), "", "B-03", "", "", ""}, "组织代码", "member.error.org_unknown", "B-03"},
			{"a name outside the worker's scope", []string{"丁", testID(civil(1990, 1, 1), 4), "", "", "外单位支部", "", ""}, "所在党组织", "member.error.org_unknown", "外单位支部"},
			{"another committee", []string{"戊", testID(civil(1990, 1, 1), 5), "", "K-02", "", "", ""}, "组织代码", "member.error.org_unknown", "K-02"},
			{"a dissolved branch", []string{"己", testID(civil(1990, 1, 1), 6), "", "B-09", "", "", ""}, "组织代码", "member.error.org_unknown", "B-09"},
			{"a name two branches share", []string{"庚", testID(civil(1990, 1, 1), 7), "", "", "同名支部", "", ""}, "所在党组织", "member.error.org_ambiguous", "同名支部"},
			{"an ID number already on file", []string{"辛", onFile, "", "B-01", "", "", ""}, "身份证号", "member.error.id_number_taken", MaskIDNumber(onFile)},
		}
		for _, c := range cases {
			for _, format := range []string{"xlsx", "csv"} {
				t.Run(c.name+" in "+format, func(t *testing.T) {
					rows := [][]string{good, c.bad}
					var file []byte
					if format == "xlsx" {
						file = xlsxOf(t, importHeaders, rows)
					} else {
						file = csvGB18030(t, importHeaders, rows)
					}
					before, uploads := e.count("people"), e.count("roster_imports")
					_, err := e.svc.ImportFile(e.ctx, it.worker, "roster."+format, bytes.NewReader(file))
					list := rowErrors(t, err)
					if len(list) != 1 {
						t.Fatalf("ImportFile = %v, want one error", err)
					}
					got := list[0]
					if got.Row != 3 || got.Field != c.column || got.Key != c.key || got.Params["value"] != c.value {
						t.Errorf("error = %+v, want row 3, column %s, %s naming %q", got, c.column, c.key, c.value)
					}
					_, err = e.svc.Upload(e.ctx, it.worker, "roster."+format, bytes.NewReader(file))
					if list := rowErrors(t, err); len(list) != 1 || list[0].Row != 3 || list[0].Key != c.key {
						t.Errorf("Upload = %v", err)
					}
					if n := e.count("people"); n != before {
						t.Errorf("a refused roster added %d people", n-before)
					}
					if n := e.count("roster_imports"); n != uploads {
						t.Errorf("a refused upload was kept")
					}
				})
			}
		}

		// Several bad rows are all listed, in row order.
		_, err := e.svc.ImportFile(e.ctx, it.worker, "roster.csv", bytes.NewReader(csvGB18030(t, importHeaders, [][]string{
			cases[0].bad, good, cases[7].bad, cases[2].bad,
		})))
		var rowsNamed []int
		for _, x := range rowErrors(t, err) {
			rowsNamed = append(rowsNamed, x.Row)
		}
		if !slices.Equal(rowsNamed, []int{2, 4, 5}) {
			t.Errorf("rows named = %v, want 2, 4, 5", rowsNamed)
		}

		// The good rows alone go in, from a GB18030 CSV.
		res, err := e.svc.ImportFile(e.ctx, it.worker, "roster.csv", bytes.NewReader(csvGB18030(t, importHeaders, [][]string{
			good, {"王小丫", testID(civil(1999, 9, 9), 88), "139 1234 5678", "", "第二支部", "群众", ""},
		})))
		if err != nil || res.Imported != 2 {
			t.Fatalf("ImportFile of good rows = %+v, %v", res, err)
		}
		list, _, _ := e.svc.List(e.ctx, org.ScopeOf(it.worker, org.View), Filter{OrgID: it.uncoded.ID, Query: "王小丫"})
		if len(list) != 1 || list[0].Phone != "13912345678" || list[0].Stage != StageResident {
			t.Errorf("the CSV's person = %+v", list)
		}
	})
}

// TestImportTenThousandRowsAllOrNothing: one bad row in 10,000 stops the whole file and
// is named alone; the file fixed imports every row.
func TestImportTenThousandRowsAllOrNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 10,000 people on each engine")
	}
	const rows, badRow = 10_000, 7_532 // badRow as the sheet numbers it: the header is row 1
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDBEnv(t, db)
		it := newImportTree(e)
		data := make([][]string, rows)
		first := civil(1960, 1, 1)
		for i := range data {
			where := []string{"B-01", ""}
			if i%3 == 1 {
				where = []string{"", "第二支部"}
			}
			data[i] = []string{fmt.Sprintf("党员%05d", i), testID(first.AddDate(0, 0, i), i%1000), "", where[0], where[1], "正式党员", "2015-07-01"}
		}
		goodID := data[badRow-2][1]
		data[badRow-2][1] = badChecksum(goodID)
		bad := xlsxOf(t, importHeaders, data)
		before := e.count("people")

		for name, call := range map[string]func() error{
			"Upload": func() error {
				_, err := e.svc.Upload(e.ctx, it.worker, "big.xlsx", bytes.NewReader(bad))
				return err
			},
			"ImportFile": func() error {
				_, err := e.svc.ImportFile(e.ctx, it.worker, "big.xlsx", bytes.NewReader(bad))
				return err
			},
		} {
			list := rowErrors(t, call())
			if len(list) != 1 || list[0].Row != badRow || list[0].Key != "idcard.checksum" || list[0].Field != "身份证号" {
				t.Errorf("%s = %v, want exactly row %d's checksum", name, list, badRow)
			}
			if n := e.count("people"); n != before {
				t.Fatalf("%s of a bad file changed the people from %d to %d", name, before, n)
			}
		}
		if n := e.count("roster_imports"); n != 0 {
			t.Errorf("a refused upload was kept")
		}

		data[badRow-2][1] = goodID
		preview, err := e.svc.Upload(e.ctx, it.worker, "big.xlsx", bytes.NewReader(xlsxOf(t, importHeaders, data)))
		if err != nil {
			t.Fatal(err)
		}
		if preview.Rows != rows || preview.ByOrg["第一支部"]+preview.ByOrg["第二支部"] != rows || len(preview.Sample) != 20 {
			t.Errorf("preview: %d rows, by org %v, %d in the sample", preview.Rows, preview.ByOrg, len(preview.Sample))
		}
		start := time.Now()
		res, err := e.svc.Import(e.ctx, it.worker, preview.UploadID)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("imported %d people in %v", res.Imported, time.Since(start).Round(time.Millisecond))
		if res.Imported != rows || e.count("people") != before+rows {
			t.Errorf("imported %d, people %d → %d; want all %d", res.Imported, before, e.count("people"), rows)
		}
		var fixed int
		if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM people WHERE id_number = $1`, goodID).Scan(&fixed); err != nil || fixed != 1 {
			t.Errorf("the fixed row is on file %d times (%v)", fixed, err)
		}
	})
}

func TestExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDBEnv(t, db)
		it := newImportTree(e)
		people := []NewPerson{
			{Name: "张三", IDNumber: testID(civil(1980, 5, 6), 11), Phone: "13800000001", OrgID: it.coded.ID, Stage: StageFull, JoinedAt: civil(2010, 7, 1), Note: "老党员"},
			{Name: "李四", IDNumber: testID(civil(1992, 11, 30), 22), Phone: "0512-63001234", OrgID: it.uncoded.ID, Stage: StageActivist},
			{Name: "王五", IDNumber: testIDWithX(civil(2001, 1, 2)), OrgID: it.coded.ID},
		}
		for _, n := range people {
			e.create(n)
		}
		e.create(NewPerson{Name: "外人", IDNumber: testID(civil(1985, 1, 1), 99), OrgID: it.otherBranch.ID, Stage: StageFull, JoinedAt: civil(2012, 7, 1)})
		sc := org.ScopeOf(it.worker, org.Manage)
		f := Filter{OrgID: it.committee.ID, Subtree: true}
		exportAudits := func() int {
			entries, err := audit.For(e.ctx, e.db, "roster", it.committee.ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, en := range entries {
				if en.Action == "export" {
					n++
				}
			}
			return n
		}

		var masked bytes.Buffer
		if err := e.svc.Export(e.ctx, &masked, sc, f, false); err != nil {
			t.Fatal(err)
		}
		sheet, err := excelize.OpenReader(bytes.NewReader(masked.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		cells, err := sheet.GetRows(sheet.GetSheetName(0))
		sheet.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(cells) != 4 || !slices.Equal(cells[0], ExportColumns()) {
			t.Fatalf("masked export = %v", cells)
		}
		byName := map[string][]string{}
		for _, r := range cells[1:] {
			byName[r[0]] = r
		}
		for _, n := range people {
			r := byName[n.Name]
			if r == nil {
				t.Errorf("%s is missing from the export", n.Name)
				continue
			}
			if r[1] != MaskIDNumber(NormalizeIDNumber(n.IDNumber)) || r[1] == n.IDNumber || (n.Phone != "" && r[4] != MaskPhone(n.Phone)) {
				t.Errorf("%s exported as %v, want the ID number and phone masked", n.Name, r)
			}
		}
		if _, ok := byName["外人"]; ok {
			t.Error("the export includes a person outside the scope")
		}
		if n := exportAudits(); n != 0 {
			t.Errorf("a masked export wrote %d audit lines", n)
		}

		ctx := audit.WithActor(e.ctx, audit.Actor{AccountID: it.worker.ID, Name: "worker"})
		var full bytes.Buffer
		if err := e.svc.Export(ctx, &full, sc, f, true); err != nil {
			t.Fatal(err)
		}
		if n := exportAudits(); n != 1 {
			t.Errorf("a revealed export wrote %d audit lines, want 1", n)
		}
		back, err := ParseRoster(bytes.NewReader(full.Bytes()), "export.xlsx")
		if err != nil {
			t.Fatalf("the export does not read back: %v", err)
		}
		if len(back) != len(people) {
			t.Fatalf("read back %d people, want %d", len(back), len(people))
		}
		for _, n := range people {
			i := slices.IndexFunc(back, func(r RosterRow) bool { return r.Name == n.Name })
			if i < 0 {
				t.Errorf("%s did not come back", n.Name)
				continue
			}
			r := back[i]
			o, _ := e.orgs.Get(e.ctx, n.OrgID)
			stage := n.Stage
			if stage == "" {
				stage = StageResident
			}
			if r.IDNumber != NormalizeIDNumber(n.IDNumber) || r.Phone != n.Phone || r.OrgCode != o.Code || r.OrgName != o.Name ||
				Stage(r.Stage) != stage || !r.JoinedAt.Equal(n.JoinedAt) || r.Note != n.Note || r.Gender != GenderFromIDNumber(n.IDNumber) {
				t.Errorf("%s came back as %+v", n.Name, r)
			}
		}

		// Exported and imported again, every row is already on file.
		_, err = e.svc.ImportFile(e.ctx, it.worker, "export.xlsx", bytes.NewReader(full.Bytes()))
		list := rowErrors(t, err)
		if len(list) != len(people) {
			t.Errorf("re-importing the export: %v", err)
		}
		for _, x := range list {
			if x.Key != "member.error.id_number_taken" {
				t.Errorf("re-importing the export: %v", x)
			}
		}
	})
}
