package web_test

import (
	"fmt"
	"strings"
	"testing"

	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// TestReportPages opens the picker, a print page, its workbook and the yearly record in
// both languages as the committee's manager, and a bad period and an unknown report.
func TestReportPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for lang, words := range map[string][]string{"en": {"Organizational life summary", "Total", "Figures taken", "Meetings held"},
			"zh-CN": {"组织生活情况统计表", "合计", "数据取于", "开展活动数"}} {
			c := f.client(t, "manager", lang)
			base := fmt.Sprintf("/orgs/%d/reports", f.committee.ID)
			if r := c.Get(base); r.Status != 200 || !strings.Contains(r.Body, "organizational-life.xlsx?period=") {
				t.Errorf("%s picker: %d", lang, r.Status)
			}
			r := c.Get(base + "/organizational-life?period=2023-12")
			if r.Status != 200 {
				t.Fatalf("%s print page: %d", lang, r.Status)
			}
			for _, w := range words {
				if !strings.Contains(r.Body, w) {
					t.Errorf("%s print page lacks %q", lang, w)
				}
			}
			if !strings.Contains(r.Body, "oversight_print") || !strings.Contains(r.Body, f.branch.DisplayName(lang)) {
				t.Errorf("%s print page: no print stylesheet or no branch row", lang)
			}
			if r := c.Get(base + "/development.xlsx?period=2023-Q4"); r.Status != 200 || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
				t.Errorf("%s workbook: %d %s", lang, r.Status, r.Header.Get("Content-Type"))
			}
			if r := c.Get(base + "/learning?period=2023-13"); r.Status != 422 || !strings.Contains(r.Body, "2023-13") {
				t.Errorf("%s bad period: %d", lang, r.Status)
			}
			if r := c.Get(base + "/budget?period=2023"); r.Status != 404 {
				t.Errorf("%s unknown report: %d", lang, r.Status)
			}
			if r := c.Get(fmt.Sprintf("/orgs/%d/yearly?year=2023", f.branch.ID)); r.Status != 200 || !strings.Contains(r.Body, "2023") {
				t.Errorf("%s yearly record: %d", lang, r.Status)
			}
		}
		if r := f.client(t, "outsider", "en").Get(fmt.Sprintf("/orgs/%d/yearly", f.branch.ID)); r.Status != 404 {
			t.Errorf("outsider's yearly record: %d, want 404", r.Status)
		}
	})
}

// TestOrgPageLinksToReports: the organization page leads a viewer of a branch to its
// reports and yearly record, which then open for them.
func TestOrgPageLinksToReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.client(t, "viewer", "en")
		r := c.Get(fmt.Sprintf("/orgs/%d", f.branch.ID))
		if r.Status != 200 {
			t.Fatalf("org page: %d", r.Status)
		}
		for _, link := range []string{fmt.Sprintf("/orgs/%d/reports", f.branch.ID), fmt.Sprintf("/orgs/%d/yearly", f.branch.ID)} {
			if !strings.Contains(r.Body, `href="`+link+`"`) {
				t.Errorf("the org page has no link to %s", link)
				continue
			}
			if got := c.Get(link); got.Status != 200 {
				t.Errorf("%s: %d", link, got.Status)
			}
		}
	})
}
