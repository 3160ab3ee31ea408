package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"vanguard/internal/app/apptest"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/browsertest"
	"vanguard/internal/store/storetest"
)

// On the demo, the town secretary opens the town's dashboard on a desktop and on a
// 390-px phone, drills down to the organs branch and from its people to a person's page,
// with the charts drawn and nothing wider than the screen. Screenshots go to
// .ci/artifacts/.
func TestBrowserDashboardDrillsDownToAPerson(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{DemoData: true})
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
	town, err := env.App.Orgs.ByCode(ctx, env.DB, "SZ")
	if err != nil {
		t.Fatal(err)
	}
	organs, err := env.App.Orgs.ByCode(ctx, env.DB, "SZ-JG")
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []struct {
		name          string
		width, height int
	}{{"1280", 1280, 900}, {"390", browsertest.Phone, browsertest.PhoneHeight}} {
		t.Run(size.name, func(t *testing.T) {
			b := browsertest.New(t, size.width, size.height)
			err := chromedp.Do(b,
				chromedp.Navigate(env.URL+"/login"),
				chromedp.WaitVisible(chromedp.ID("username")),
				chromedp.SendKeys(chromedp.ID("username"), "town"),
				chromedp.SendKeys(chromedp.ID("password"), auth.DemoPassword),
				chromedp.Submit(chromedp.ID("password")),
				chromedp.WaitVisible(chromedp.CSS(".hero h1")),
				chromedp.Navigate(fmt.Sprintf("%s/orgs/%d", env.URL, town.ID)),
				chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/orgs/%d/dashboard"]`, town.ID))),
				chromedp.WaitVisible(chromedp.ID("children")),
				chromedp.WaitVisible(chromedp.CSS("#chart-meetings svg")),
			)
			if err != nil {
				t.Fatalf("open the town's dashboard: %v", err)
			}
			checkWidth(t, b, size.width)
			browsertest.Screenshot(t, b, "dashboard-town-"+size.name+"-zh")

			err = chromedp.Do(b,
				chromedp.Click(chromedp.CSS(fmt.Sprintf(`#children a[href^="/orgs/%d/dashboard"]`, organs.ID))),
				chromedp.WaitVisible(chromedp.ID("people")),
			)
			if err != nil {
				t.Fatalf("drill down to the organs branch: %v", err)
			}
			text, err := chromedp.Run(b, chromedp.Text(chromedp.CSS("h1")))
			if err != nil || !strings.Contains(text, organs.Name) {
				t.Errorf("the branch's dashboard is titled %q (%v)", text, err)
			}
			checkWidth(t, b, size.width)
			browsertest.Screenshot(t, b, "dashboard-branch-"+size.name+"-zh")

			name, err := chromedp.Run(b, chromedp.Text(chromedp.CSS("#people tbody tr a")))
			if err != nil {
				t.Fatal(err)
			}
			err = chromedp.Do(b,
				chromedp.Click(chromedp.CSS(`#people tbody tr a[href^="/people/"]`)),
				chromedp.WaitVisible(chromedp.CSS("main h1")),
			)
			if err != nil {
				t.Fatalf("drill down to a person: %v", err)
			}
			if text, _ := chromedp.Run(b, chromedp.Text(chromedp.CSS("main h1"))); !strings.Contains(text, strings.TrimSpace(name)) {
				t.Errorf("the person's page is titled %q, want %q", text, name)
			}
			browsertest.Screenshot(t, b, "dashboard-person-"+size.name+"-zh")
		})
	}
}

// checkWidth fails when the page scrolls sideways: charts fit, wide tables scroll in
// their own box.
func checkWidth(t *testing.T, b context.Context, width int) {
	t.Helper()
	got, err := chromedp.Run(b, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if got > width {
		t.Errorf("the page is %d px wide on a %d-px screen", got, width)
	}
}
