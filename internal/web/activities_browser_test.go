package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vanguard/internal/activity"
	"vanguard/internal/app/apptest"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/browsertest"
	"vanguard/internal/org"
	"vanguard/internal/store/storetest"
)

// On the demo, at 390 px: the Renfu secretary opens a theme party day under way and
// shows the sign-in code; the demo member, in a browser of their own, opens the link the
// code carries and is signed in; the secretary's live count shows 1 without a reload.
func TestBrowserQRCheckinOnPhone(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{DemoData: true})
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
	renfu, err := env.App.Orgs.ByCode(ctx, env.DB, "SZ-RF")
	if err != nil {
		t.Fatal(err)
	}
	admin := org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage)
	act, err := env.App.Activities.Create(ctx, admin, activity.Input{Kind: activity.ThemeDay, HostIDs: []int64{renfu.ID},
		Title: "主题党日：重温入党誓词", StartsAt: time.Now().Add(-5 * time.Minute), EndsAt: time.Now().Add(2 * time.Hour), Place: "仁复村党群服务中心"})
	if err != nil {
		t.Fatal(err)
	}
	signIn := func(ctx context.Context, username string) {
		t.Helper()
		err := chromedp.Do(ctx,
			chromedp.Navigate(env.URL+"/login"),
			chromedp.WaitVisible(chromedp.ID("username")),
			chromedp.SendKeys(chromedp.ID("username"), username),
			chromedp.SendKeys(chromedp.ID("password"), auth.DemoPassword),
			chromedp.Submit(chromedp.ID("password")),
			chromedp.WaitVisible(chromedp.CSS(".hero h1")),
		)
		if err != nil {
			t.Fatalf("sign in as %s: %v", username, err)
		}
	}

	secretary := browsertest.New(t, browsertest.Phone, browsertest.PhoneHeight)
	signIn(secretary, "branch")
	err = chromedp.Do(secretary,
		chromedp.Navigate(fmt.Sprintf("%s/activities/%d", env.URL, act.ID)),
		chromedp.WaitVisible(chromedp.ID("qr-show")),
		chromedp.Click(chromedp.ID("qr-show")),
		chromedp.WaitVisible(chromedp.ID("qr-image")),
	)
	if err != nil {
		t.Fatalf("show the code: %v", err)
	}
	loaded, err := chromedp.Run(secretary, chromedp.Evaluate[bool](`(() => { const i = document.getElementById("qr-image"); return i.complete && i.naturalWidth > 100; })()`))
	if err != nil || !loaded {
		t.Fatalf("the QR image did not load (%v)", err)
	}
	browsertest.Screenshot(t, secretary, "activity-qr-390-zh")

	tok, err := env.App.Activities.CheckinToken(ctx, admin, act.ID)
	if err != nil {
		t.Fatal(err)
	}
	member := browsertest.New(t, browsertest.Phone, browsertest.PhoneHeight)
	signIn(member, "member")
	err = chromedp.Do(member,
		chromedp.Navigate(fmt.Sprintf("%s/activities/%d/checkin?token=%s", env.URL, act.ID, url.QueryEscape(tok.Value))),
		chromedp.WaitVisible(chromedp.CSS(".checkin-result")),
	)
	if err != nil {
		t.Fatalf("open the check-in link: %v", err)
	}
	text, err := chromedp.Run(member, chromedp.Text(chromedp.CSS(".checkin-result")))
	if err != nil || !strings.Contains(text, "签到成功") {
		t.Fatalf("the member's phone says %q (%v)", text, err)
	}
	browsertest.Screenshot(t, member, "activity-checkin-390-zh")

	var count string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if count, err = chromedp.Run(secretary, chromedp.Text(chromedp.ID("live-count"))); err == nil && strings.TrimSpace(count) == "1" {
			break
		}
	}
	if strings.TrimSpace(count) != "1" {
		t.Fatalf("the live count shows %q (%v)", count, err)
	}
	browsertest.Screenshot(t, secretary, "activity-qr-count-390-zh")
	fits := func(page string) {
		t.Helper()
		width, err := chromedp.Run(secretary, chromedp.Evaluate[int](
			`document.querySelectorAll("details").forEach(d => d.open = true); document.documentElement.scrollWidth`))
		if err != nil || width > browsertest.Phone {
			t.Errorf("%s is %d px wide on a %d-px phone (%v)", page, width, browsertest.Phone, err)
		}
	}
	fits("the activity page")
	// The secretary's other pages of organizational life, on the same phone.
	for _, pg := range []struct{ name, path string }{
		{"list", fmt.Sprintf("/orgs/%d/activities", renfu.ID)},
		{"compliance", fmt.Sprintf("/orgs/%d/compliance", renfu.ID)},
		{"edit", fmt.Sprintf("/activities/%d/edit", act.ID)},
	} {
		if err := chromedp.Do(secretary, chromedp.Navigate(env.URL+pg.path), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
			t.Fatalf("open %s: %v", pg.name, err)
		}
		fits(pg.name)
		browsertest.Screenshot(t, secretary, "activity-"+pg.name+"-390-zh")
	}
}

// At 390 px, in English: the secretary opens the edit form from the activity's page,
// changes the title and saves; a wrong time is named, not lost.
func TestBrowserEditActivityOnPhone(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db)
	act := f.plan(t, "Theme day", time.Now().Add(48*time.Hour))
	b := browsertest.New(t, browsertest.Phone, browsertest.PhoneHeight)
	err := chromedp.Do(b,
		chromedp.Navigate(f.env.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "manager"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
		chromedp.Navigate(fmt.Sprintf("%s/activities/%d", f.env.URL, act.ID)),
		chromedp.WaitVisible(chromedp.CSS(".lang-switch")),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if lang, _ := chromedp.Run(b, chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "en" {
		if err := chromedp.Do(b, chromedp.Click(chromedp.CSS(`.lang-switch button[value="en"]`)), chromedp.WaitVisible(chromedp.CSS(`.lang-switch button[value="zh-CN"]`))); err != nil {
			t.Fatalf("switch to English: %v", err)
		}
	}
	err = chromedp.Do(b,
		chromedp.Click(chromedp.ID("activity-edit-link")),
		chromedp.WaitVisible(chromedp.ID("activity-edit")),
		chromedp.SetValue(chromedp.ID("act-ends"), "2000-01-01T00:00"),
		chromedp.Submit(chromedp.ID("act-title")),
		chromedp.WaitVisible(chromedp.CSS(".errors")),
	)
	if err != nil {
		t.Fatalf("submit a wrong end: %v", err)
	}
	msg, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(".errors")))
	if err != nil || !strings.Contains(msg, "Ends") {
		t.Errorf("the error says %q (%v)", msg, err)
	}
	width, err := chromedp.Run(b, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil || width > browsertest.Phone {
		t.Errorf("the edit form is %d px wide on a %d-px phone (%v)", width, browsertest.Phone, err)
	}
	browsertest.Screenshot(t, b, "activity-edit-390-en")
	ends := act.EndsAt.Add(time.Hour).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")
	err = chromedp.Do(b,
		chromedp.SetValue(chromedp.ID("act-ends"), ends),
		chromedp.SetValue(chromedp.ID("act-title"), "Theme day, longer"),
		chromedp.Submit(chromedp.ID("act-title")),
		chromedp.WaitVisible(chromedp.ID("activity-status")),
	)
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	if title, _ := chromedp.Run(b, chromedp.Text(chromedp.CSS("main h1"))); title != "Theme day, longer" {
		t.Errorf("the page's title after saving is %q", title)
	}
}
