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

// On the demo, on two 390-px phones: the member sees their points, stars and rank in
// Renfu; the Renfu secretary awards and deducts with reasons; the member objects to the
// deduction; the secretary answers, and the member reads the answer.
func TestBrowserPointsStoryOnPhone(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{DemoData: true})
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
	renfu, err := env.App.Orgs.ByCode(ctx, env.DB, "SZ-RF")
	if err != nil {
		t.Fatal(err)
	}
	var memberID int64
	if err := env.DB.QueryRowContext(ctx, `SELECT p.id FROM people p JOIN accounts a ON a.id = p.account_id WHERE a.username = 'member'`).Scan(&memberID); err != nil {
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
	text := func(ctx context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}
	fits := func(ctx context.Context, page string) {
		t.Helper()
		width, err := chromedp.Run(ctx, chromedp.Evaluate[int](
			`document.querySelectorAll("details").forEach(d => d.open = true); document.documentElement.scrollWidth`))
		if err != nil || width > browsertest.Phone {
			t.Errorf("%s is %d px wide on a %d-px phone (%v)", page, width, browsertest.Phone, err)
		}
	}

	member := browsertest.New(t, browsertest.Phone, browsertest.PhoneHeight)
	signIn(member, "member")
	if err := chromedp.Do(member, chromedp.Navigate(env.URL+"/me/points"), chromedp.WaitVisible(chromedp.CSS(".ledger"))); err != nil {
		t.Fatalf("open my points: %v", err)
	}
	if s := text(member, ".purpose"); !strings.Contains(s, "从不因登录") {
		t.Errorf("my points do not say what points are for: %q", s)
	}
	if s := text(member, ".total-quarter .stars"); !strings.Contains(s, "★") {
		t.Errorf("no stars this quarter: %q", s)
	}
	if s := text(member, ".ranks"); !strings.Contains(s, "第") || !strings.Contains(s, "未开启排名") {
		t.Errorf("the ranks show no place in Renfu, or no notice for the town: %q", s)
	}
	if s := text(member, ".ledger"); !strings.Contains(s, demoAwardReason) {
		t.Errorf("the ledger does not show the secretary's reason: %q", s)
	}
	drawn, err := chromedp.Run(member, chromedp.Evaluate[bool](`(() => { const el = document.getElementById("points-trend"); return el.dataset.drawn === "true" && el.querySelector("svg") !== null; })()`))
	if err != nil || !drawn {
		t.Errorf("the trend chart was not drawn (%v)", err)
	}
	browsertest.Screenshot(t, member, "points-me-390-zh")
	fits(member, "my points")

	secretary := browsertest.New(t, browsertest.Phone, browsertest.PhoneHeight)
	signIn(secretary, "branch")
	orgPage := fmt.Sprintf("%s/orgs/%d/points", env.URL, renfu.ID)
	record := func(kind, pts, reason string) {
		t.Helper()
		err := chromedp.Do(secretary,
			chromedp.Navigate(orgPage),
			chromedp.WaitVisible(chromedp.ID("award-form")),
			chromedp.SetValue(chromedp.ID("award-person"), fmt.Sprint(memberID)),
			chromedp.SetValue(chromedp.ID("award-kind"), kind),
			chromedp.SendKeys(chromedp.ID("award-points"), pts),
			chromedp.SendKeys(chromedp.ID("award-reason"), reason),
			chromedp.Click(chromedp.CSS("#award-form button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".flash")),
		)
		if err != nil {
			t.Fatalf("record a %s: %v", kind, err)
		}
		if s := text(secretary, ".flash"); !strings.Contains(s, "已记录") {
			t.Errorf("after the %s the page says %q", kind, s)
		}
	}
	record("award", "6", "牵头组织重阳节敬老志愿服务")
	record("deduction", "3", "未按要求参加十一月主题党日")
	if s := text(secretary, "#ranking-title"); s == "" {
		t.Error("Renfu's ranking has no heading")
	}
	if s := text(secretary, ".ranking"); !strings.Contains(s, "1") {
		t.Errorf("Renfu's ranking is empty: %q", s)
	}
	browsertest.Screenshot(t, secretary, "points-org-390-zh")
	fits(secretary, "the organization's points")

	var deduction int64
	if err := env.DB.QueryRowContext(ctx, `SELECT id FROM point_entries WHERE note = $1`, "未按要求参加十一月主题党日").Scan(&deduction); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(member,
		chromedp.Navigate(env.URL+"/me/points"),
		chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("entry-%d", deduction))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#entry-%d details summary", deduction))),
		chromedp.SendKeys(chromedp.ID(fmt.Sprintf("reason-%d", deduction)), "当天我在村里值守防汛，已向书记请假"),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#entry-%d button[type=submit]", deduction))),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if err != nil {
		t.Fatalf("object: %v", err)
	}
	if s := text(member, fmt.Sprintf("#entry-%d", deduction)); !strings.Contains(s, "异议待答复") {
		t.Errorf("the entry does not show the objection waiting: %q", s)
	}

	var objection int64
	if err := env.DB.QueryRowContext(ctx, `SELECT id FROM point_objections WHERE entry_id = $1`, deduction).Scan(&objection); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(secretary,
		chromedp.Navigate(orgPage),
		chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("objection-%d", objection))),
		chromedp.SendKeys(chromedp.ID(fmt.Sprintf("answer-%d", objection)), "经核实确已请假，撤销扣分。"),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#objection-%d input[value=yes]", objection))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#objection-%d button[type=submit]", objection))),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if err != nil {
		t.Fatalf("answer: %v", err)
	}
	if s := text(secretary, ".flash"); !strings.Contains(s, "异议已答复") {
		t.Errorf("after the answer the page says %q", s)
	}
	err = chromedp.Do(member, chromedp.Navigate(env.URL+"/me/points"), chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("entry-%d", deduction))))
	if err != nil {
		t.Fatal(err)
	}
	if s := text(member, fmt.Sprintf("#entry-%d", deduction)); !strings.Contains(s, "异议成立") || !strings.Contains(s, "经核实确已请假") {
		t.Errorf("the member does not read the answer: %q", s)
	}
	browsertest.Screenshot(t, member, "points-me-answered-390-zh")

	// The same pages in English, on the same phones.
	for _, c := range []struct {
		ctx  context.Context
		path string
		name string
	}{{member, "/me/points", "points-me-390-en"}, {secretary, fmt.Sprintf("/orgs/%d/points", renfu.ID), "points-org-390-en"},
		{secretary, fmt.Sprintf("/orgs/%d/point-rules", renfu.ID), "points-rules-390-en"}} {
		err := chromedp.Do(c.ctx, chromedp.Navigate(env.URL+c.path), chromedp.WaitVisible(chromedp.CSS(".lang-switch button")),
			chromedp.Click(chromedp.CSS(".lang-switch button")), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] .purpose`)))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if s := text(c.ctx, ".purpose"); !strings.Contains(s, "never logging in") {
			t.Errorf("%s does not say in English what points are for: %q", c.name, s)
		}
		fits(c.ctx, c.name)
		browsertest.Screenshot(t, c.ctx, c.name)
		if err := chromedp.Do(c.ctx, chromedp.Click(chromedp.CSS(".lang-switch button")), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-CN"] .purpose`))); err != nil {
			t.Fatalf("back to Chinese: %v", err)
		}
	}
}

// demoAwardReason is the reason of the award the demo gives the member.
const demoAwardReason = "组织村民参与河道清淤志愿服务"
