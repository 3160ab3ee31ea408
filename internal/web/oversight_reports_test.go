package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/article"
	"vanguard/internal/auth"
	"vanguard/internal/org"
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

// TestYearlyPageShowsTheYear holds meetings and publishes reports in and around the
// branch's 2023 and checks that its yearly page lists exactly the year's own, with
// dates in Beijing time.
func TestYearlyPageShowsTheYear(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx, app := t.Context(), f.env.App
		cst := time.FixedZone("CST", 8*3600)
		admin := org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage)
		meetings := []struct {
			org   int64
			title string
			at    time.Time
			in    bool
		}{
			{f.branch.ID, "一季度党员大会", time.Date(2023, 3, 8, 9, 0, 0, 0, cst), true},
			{f.branch.ID, "除夕夜的支委会", time.Date(2023, 12, 31, 23, 30, 0, 0, cst), true},
			{f.branch.ID, "去年的主题党日", time.Date(2022, 12, 20, 9, 0, 0, 0, cst), false},
			{f.branch.ID, "元旦的主题党日", time.Date(2024, 1, 1, 0, 30, 0, 0, cst), false},
			{f.sibling.ID, "第二支部的支委会", time.Date(2023, 6, 1, 9, 0, 0, 0, cst), false},
		}
		var in, out []string
		for _, m := range meetings {
			a, err := app.Activities.Create(ctx, admin, activity.Input{Kind: activity.CommitteeMeeting, HostIDs: []int64{m.org}, Title: m.title,
				StartsAt: m.at, EndsAt: m.at.Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := app.Activities.Move(ctx, admin, a.ID, activity.Held, ""); err != nil {
				t.Fatal(err)
			}
			if m.in {
				in = append(in, m.title, m.at.Format("2006-01-02"))
			} else {
				out = append(out, m.title)
			}
		}
		articles := []struct {
			title   string
			at      time.Time
			publish bool
		}{
			{"年度述职报道", time.Date(2023, 7, 1, 9, 0, 0, 0, cst), true},
			{"尚未发布的草稿", time.Date(2023, 7, 2, 9, 0, 0, 0, cst), false},
			{"新年报道", time.Date(2024, 1, 1, 0, 10, 0, 0, cst), true},
		}
		for _, a := range articles {
			got, err := app.Articles.Create(ctx, admin, article.Input{OrgID: f.branch.ID, Title: a.title, Body: "<p>正文</p>", ReleasedAt: a.at})
			if err != nil {
				t.Fatal(err)
			}
			if a.publish {
				if _, err := app.Articles.Move(ctx, admin, got.ID, article.Published, ""); err != nil {
					t.Fatal(err)
				}
			}
			if a.publish && a.at.Year() == 2023 {
				in = append(in, a.title)
			} else {
				out = append(out, a.title)
			}
		}
		for _, lang := range []string{"zh-CN", "en"} {
			r := f.client(t, "viewer", lang).Get(fmt.Sprintf("/orgs/%d/yearly?year=2023", f.branch.ID))
			if r.Status != 200 {
				t.Fatalf("%s yearly page: %d", lang, r.Status)
			}
			for _, s := range in {
				if !strings.Contains(r.Body, s) {
					t.Errorf("%s yearly page lacks %q", lang, s)
				}
			}
			for _, s := range out {
				if strings.Contains(r.Body, s) {
					t.Errorf("%s yearly page shows %q, not the branch's 2023", lang, s)
				}
			}
		}
	})
}
