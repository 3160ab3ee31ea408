package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"vanguard/internal/browsertest"
	"vanguard/internal/store/storetest"
)

// A branch's manager on a 390-px phone opens the branch, its roster and an applicant's
// page, and records the talk with the applicant through the form. No page is wider
// than the phone, with every folded form unfolded.
func TestBrowserManagerRecordsTalkOnPhone(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	ctx := browsertest.New(t, browsertest.Phone, browsertest.PhoneHeight)
	err := chromedp.Do(ctx,
		chromedp.Navigate(f.env.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "manager"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS(".hero h1")),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	fits := func(page string) {
		t.Helper()
		// Unfold every <details>, so that the forms inside are measured too.
		width, err := chromedp.Run(ctx, chromedp.Evaluate[int](
			`document.querySelectorAll("details").forEach(d => d.open = true); document.documentElement.scrollWidth`))
		if err != nil || width > browsertest.Phone {
			t.Errorf("%s is %d px wide on a %d-px phone (%v)", page, width, browsertest.Phone, err)
		}
	}
	steps := []struct{ name, path, wait string }{
		{"org", fmt.Sprintf("/orgs/%d", f.branch.ID), ".stats"},
		{"roster", fmt.Sprintf("/orgs/%d/people", f.branch.ID), ".table-wrap table"},
		{"person", fmt.Sprintf("/people/%d", f.applicant.ID), "h1"},
	}
	for _, s := range steps {
		if err := chromedp.Do(ctx, chromedp.Navigate(f.env.URL+s.path), chromedp.WaitVisible(chromedp.CSS(s.wait))); err != nil {
			t.Fatalf("open %s: %v", s.name, err)
		}
		browsertest.Screenshot(t, ctx, "orgs-"+s.name+"-390-zh")
		fits(s.name)
	}
	// The person page is open; the forms are unfolded. Record the talk (the first kind,
	// dated today by default) with a note.
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("tr-kind"), "talk"),
		chromedp.SendKeys(chromedp.ID("tr-note"), "支部书记谈话"),
		chromedp.Click(chromedp.CSS(`form[action$="/transitions"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if err != nil {
		t.Fatalf("record the talk: %v", err)
	}
	flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".flash")))
	if err != nil || !strings.Contains(flash, "发展环节已登记") {
		t.Fatalf("after recording the page says %q (%v)", flash, err)
	}
	history, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil || !strings.Contains(history, "支部书记谈话") || !strings.Contains(history, "讨论确定入党积极分子") {
		t.Errorf("the history or next step does not show the talk (%v)", err)
	}
	browsertest.Screenshot(t, ctx, "orgs-person-talk-390-zh")
	fits("person after the talk")
}
