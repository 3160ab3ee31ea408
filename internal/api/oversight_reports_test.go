package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"vanguard/internal/activity"
	"vanguard/internal/auth"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// reportOpenAPICases drives the ready-made reports with their answers.
func reportOpenAPICases(t *testing.T, f *fixture, ck *checker) {
	t.Helper()
	base := path("/api/v1/orgs/%d/reports/", f.committee.ID)
	ck.get(f.manager, base+"organizational-life?period=2023-12", 200)
	ck.get(f.viewer, path("/api/v1/orgs/%d/reports/development?period=2023-Q4", f.branch.ID), 200)
	ck.get(f.manager, base+"learning?period=2023&format=xlsx", 200)
	ck.get(f.manager, base+"no-such-report?period=2023", 404)
	ck.get(f.outsider, base+"development?period=2023", 404)
	if r := ck.get(f.manager, base+"development?period=2023-11-05", 422); !strings.Contains(r.Body, `"field":"period"`) {
		t.Errorf("a day as the period: %s", r.Body)
	}
	if r := ck.get(f.manager, base+"development?period=2023&format=pdf", 422); !strings.Contains(r.Body, `"field":"format"`) {
		t.Errorf("a pdf: %s", r.Body)
	}
	ck.get(f.anonymous, base+"development?period=2023", 401)
}

// holdNewYearsEve holds a general meeting of the first branch at 23:30 on 31 December
// 2023, Beijing time: the member present, the probationer late.
func holdNewYearsEve(t *testing.T, f *fixture) {
	t.Helper()
	svc := f.env.App.Activities
	ctx := context.Background()
	sc := org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage)
	starts := time.Date(2023, 12, 31, 23, 30, 0, 0, time.FixedZone("CST", 8*3600))
	a, err := svc.Create(ctx, sc, activity.Input{Kind: activity.GeneralMeeting, HostIDs: []int64{f.branch.ID}, Title: "年末党员大会",
		StartsAt: starts, EndsAt: starts.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Move(ctx, sc, a.ID, activity.Held, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RecordRollCall(ctx, sc, a.ID, activity.RollCall{Marks: []activity.Mark{
		{PersonID: f.member.ID, Presence: activity.Present}, {PersonID: f.probationer.ID, Presence: activity.Late}}}); err != nil {
		t.Fatal(err)
	}
}

// TestMonthlyReportDownloadsAsAWorkbook downloads December's organizational life report
// as the town committee's manager and reads the figures back from the workbook, with
// excelize and, where it is installed, with LibreOffice.
func TestMonthlyReportDownloadsAsAWorkbook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		holdNewYearsEve(t, f)
		r := f.manager.Get(path("/api/v1/orgs/%d/reports/organizational-life?period=2023-12&format=xlsx", f.committee.ID))
		if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("download: %d %s", r.Status, r.Header.Get("Content-Type"))
		}
		wb, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
		if err != nil {
			t.Fatalf("the download is not a workbook: %v", err)
		}
		rows, err := wb.GetRows(wb.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		checkReportRows(t, "excelize", rows, f)

		office := ""
		for _, name := range []string{"libreoffice", "soffice"} {
			if p, err := exec.LookPath(name); err == nil {
				office = p
				break
			}
		}
		if office == "" {
			if os.Getenv("CI") == "true" {
				t.Fatal("LibreOffice is not installed: scripts/test installs libreoffice-calc-nogui")
			}
			t.Skip("LibreOffice is not installed")
		}
		dir := t.TempDir()
		file := filepath.Join(dir, "report.xlsx")
		if err := os.WriteFile(file, []byte(r.Body), 0o600); err != nil {
			t.Fatal(err)
		}
		// A profile of its own, so that a LibreOffice already open elsewhere does not
		// take the conversion over (or refuse it).
		cmd := exec.Command(office, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless",
			"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", dir, file)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("LibreOffice: %v\n%s", err, out)
		}
		data, err := os.ReadFile(filepath.Join(dir, "report.csv"))
		if err != nil {
			t.Fatalf("LibreOffice wrote no csv: %v", err)
		}
		lines, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatalf("csv: %v\n%s", err, data)
		}
		checkReportRows(t, "LibreOffice", lines, f)
	})
}

// checkReportRows checks a workbook's cells: the title, the taken-at line, the headings,
// the first branch's general meeting and attendance, and the total row.
func checkReportRows(t *testing.T, reader string, rows [][]string, f *fixture) {
	t.Helper()
	if len(rows) < 5 {
		t.Fatalf("%s: %d rows: %v", reader, len(rows), rows)
	}
	if !strings.Contains(rows[0][0], "2023-12") || !strings.Contains(rows[1][0], "taken") {
		t.Errorf("%s: title %q, taken-at %q", reader, rows[0][0], rows[1][0])
	}
	col := map[string]int{}
	for i, h := range rows[2] {
		col[h] = i
	}
	gm, present, late, rate := col["General meetings"], col["Present"], col["Late"], col["Attendance rate (%)"]
	if gm == 0 || present == 0 || late == 0 || rate == 0 {
		t.Fatalf("%s: headings %v", reader, rows[2])
	}
	var branch, total []string
	for _, row := range rows[3:] {
		switch strings.TrimSpace(row[0]) {
		case "First Branch":
			branch = row
		case "Total":
			total = row
		}
	}
	if branch == nil || total == nil {
		t.Fatalf("%s: no branch or total row in %v", reader, rows)
	}
	for _, c := range []struct {
		row  []string
		col  int
		want string
	}{{branch, gm, "1"}, {branch, present, "1"}, {branch, late, "1"}, {branch, rate, "100"}, {total, gm, "1"}, {total, rate, "100"}} {
		if c.col >= len(c.row) || c.row[c.col] != c.want {
			t.Errorf("%s: %v column %d = %v, want %s", reader, c.row[0], c.col, c.row, c.want)
		}
	}
}
