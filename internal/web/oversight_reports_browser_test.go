package web_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vanguard/internal/app/apptest"
	"vanguard/internal/auth"
	"vanguard/internal/browsertest"
	"vanguard/internal/store/storetest"
)

// The demo town secretary, as a new user would, opens the report picker, follows it to
// the organizational life report of last month and opens a branch's yearly record, on
// a 390-px phone and a 1280-px desktop. On the phone nothing may stick out sideways
// (a wide table scrolls inside its own wrapper); on the desktop the report is printed
// to an A4 PDF, as a committee files it.
func TestBrowserReportsOnPhoneAndDesktop(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{DemoData: true})
	town, err := env.App.Orgs.ByCode(t.Context(), env.DB, "SZ")
	if err != nil {
		t.Fatal(err)
	}
	renfu, err := env.App.Orgs.ByCode(t.Context(), env.DB, "SZ-RF")
	if err != nil {
		t.Fatal(err)
	}
	// The demo holds a year of meetings up to today: last month's year has some.
	year := time.Now().AddDate(0, -1, 0).Year()
	for _, size := range []struct {
		name          string
		width, height int
	}{{"phone", browsertest.Phone, browsertest.PhoneHeight}, {"desktop", 1280, 900}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := browsertest.New(t, size.width, size.height)
			err := chromedp.Do(ctx,
				chromedp.Navigate(env.URL+"/login"),
				chromedp.WaitVisible(chromedp.ID("username")),
				chromedp.SendKeys(chromedp.ID("username"), "town"),
				chromedp.SendKeys(chromedp.ID("password"), auth.DemoPassword),
				chromedp.Submit(chromedp.ID("password")),
				chromedp.WaitVisible(chromedp.CSS(".hero h1")),
			)
			if err != nil {
				t.Fatalf("sign in: %v", err)
			}
			fits := func(page string) {
				t.Helper()
				if size.width != browsertest.Phone {
					return
				}
				width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
				if err != nil || width > browsertest.Phone {
					t.Errorf("%s is %d px wide on a %d-px phone (%v)", page, width, browsertest.Phone, err)
				}
			}

			// The organization page leads to the picker, the picker to the report.
			err = chromedp.Do(ctx,
				chromedp.Navigate(fmt.Sprintf("%s/orgs/%d", env.URL, town.ID)),
				chromedp.Click(chromedp.CSS(fmt.Sprintf(`.oversight-links a[href="/orgs/%d/reports"]`, town.ID))),
				chromedp.WaitVisible(chromedp.CSS(".report-picker")),
			)
			if err != nil {
				t.Fatalf("open the picker from the organization page: %v", err)
			}
			fits("the picker")
			browsertest.Screenshot(t, ctx, "reports-picker-"+size.name)

			err = chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(fmt.Sprintf(`.report-links a[href^="/orgs/%d/reports/organizational-life?period="]`, town.ID))),
				chromedp.WaitVisible(chromedp.CSS(".report-sheet table.report tfoot")),
			)
			if err != nil {
				t.Fatalf("open the organizational life report: %v", err)
			}
			text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".report-sheet")))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"组织生活情况统计表", "合计", "数据取于", renfu.Name} {
				if !strings.Contains(text, want) {
					t.Errorf("the report does not show %q", want)
				}
			}
			fits("the organizational life report")
			browsertest.Screenshot(t, ctx, "reports-organizational-life-"+size.name)
			if size.width != browsertest.Phone {
				printA4(t, ctx, "reports-organizational-life")
			}

			err = chromedp.Do(ctx,
				chromedp.Navigate(fmt.Sprintf("%s/orgs/%d/yearly?year=%d", env.URL, renfu.ID, year)),
				chromedp.WaitVisible(chromedp.CSS(".yearly-sheet h1")),
			)
			if err != nil {
				t.Fatalf("open the yearly record: %v", err)
			}
			held, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".yearly-meetings tbody tr").length`))
			if err != nil || held == 0 {
				t.Errorf("the yearly record of %s in %d lists %d meetings (%v)", renfu.Name, year, held, err)
			}
			fits("the yearly record")
			browsertest.Screenshot(t, ctx, "reports-yearly-"+size.name)
		})
	}
}

// pdfPage is a page object of a PDF ("/Type /Page", not "/Type /Pages"); mediaBox is a
// page's size in points.
var (
	pdfPage  = regexp.MustCompile(`/Type\s*/Page[^s]`)
	mediaBox = regexp.MustCompile(`/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)\s*\]`)
)

// printA4 prints the page as the browser's print dialog would on A4 paper, checks that
// the PDF has a page and saves it beside the screenshots.
func printA4(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPreferCSSPageSize()))
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("the print is not a PDF: %q", pdf[:min(len(pdf), 16)])
	}
	if n := len(pdfPage.FindAll(pdf, -1)); n == 0 {
		t.Errorf("the printed report has no page")
	}
	// A4 is 595 × 842 points; the stylesheet may turn a wide report to landscape.
	boxes := mediaBox.FindAllSubmatch(pdf, -1)
	if len(boxes) == 0 {
		t.Errorf("the printed report has no page size")
	}
	for _, m := range boxes {
		w, _ := strconv.ParseFloat(string(m[1]), 64)
		h, _ := strconv.ParseFloat(string(m[2]), 64)
		short, long := min(w, h), max(w, h)
		if math.Abs(short-595.3) > 2 || math.Abs(long-841.9) > 2 {
			t.Errorf("a printed page is %.1f × %.1f points, not A4", w, h)
		}
	}
	path := filepath.Join(browsertest.ArtifactsDir(t), name+".pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatalf("save the PDF: %v", err)
	}
	t.Logf("pdf: %s", path)
}
