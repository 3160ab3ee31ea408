package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"vanguard/internal/app/apptest"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/browsertest"
	"vanguard/internal/store/storetest"
)

// signIn opens a phone-width browser signed in as a demo account.
func signIn(t *testing.T, env *apptest.Env, username string) context.Context {
	t.Helper()
	ctx := browsertest.New(t, browsertest.Phone, browsertest.PhoneHeight)
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
	return ctx
}

// fitsPhone fails when the page, with every folded form unfolded, is wider than the phone.
func fitsPhone(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		`document.querySelectorAll("details").forEach(d => d.open = true); document.documentElement.scrollWidth`))
	if err != nil || width > browsertest.Phone {
		t.Errorf("%s is %d px wide on a %d-px phone (%v)", page, width, browsertest.Phone, err)
	}
}

// js runs a script for its effect.
func js(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](expr)(ctx, t)
		return err
	})
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// A Renfu villager who is not a party member, tried as a new user on a 390-px phone:
// from the menu to the open Renfu topic, an opinion for a plan, a vote. Then the branch
// secretary closes the topic with a decision bound to voluntariness, and the villager
// finds it, told by a notice.
func TestBrowserResidentTakesPartAndSecretaryDecides(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{DemoData: true})
	resident := signIn(t, env, "resident")
	err := chromedp.Do(resident,
		chromedp.Click(chromedp.CSS(`nav.nav a[href="/topics"]`)),
		chromedp.WaitVisible(chromedp.CSS(".topic-cards")),
	)
	if err != nil {
		t.Fatalf("open the topics: %v", err)
	}
	list := text(t, resident, "main")
	if !strings.Contains(list, "村民健身广场选址") || !strings.Contains(list, "有线管家") {
		t.Fatalf("the villager's topics:\n%s", list)
	}
	browsertest.Screenshot(t, resident, "consult-resident-topics-390-zh")
	fitsPhone(t, resident, "the topic list")
	err = chromedp.Do(resident,
		chromedp.Click(chromedp.Search(`//a[contains(., "村民健身广场选址")]`)),
		chromedp.WaitVisible(chromedp.ID("opinion-body")),
		// The second plan: 村委会旁空地.
		js(`(() => { const s = document.querySelector("#opinion-stance");
			s.value = [...s.options].find(o => o.text.includes("村委会旁空地")).value; return true })()`),
		chromedp.SendKeys(chromedp.ID("opinion-body"), "村委会旁边离卫生室近，老人晚上锻炼也安全。<b>我赞成</b>"),
		chromedp.Click(chromedp.CSS(`form.opinion-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if err != nil {
		t.Fatalf("give an opinion: %v", err)
	}
	if flash := text(t, resident, ".flash"); !strings.Contains(flash, "意见已提交") {
		t.Errorf("after the opinion the page says %q", flash)
	}
	if body := text(t, resident, "#opinions"); !strings.Contains(body, "老人晚上锻炼也安全。<b>我赞成</b>") || !strings.Contains(body, "村委会旁空地") {
		t.Errorf("the opinion is not shown as written:\n%s", body)
	}
	err = chromedp.Do(resident,
		chromedp.Click(chromedp.CSS(`fieldset.choices > label.choice:nth-of-type(2)`)),
		chromedp.Click(chromedp.CSS(`form[action$="/vote"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".my-vote")),
	)
	if err != nil {
		t.Fatalf("vote: %v", err)
	}
	if mine := text(t, resident, ".my-vote"); !strings.Contains(mine, "村委会旁空地") {
		t.Errorf("after voting the page says %q", mine)
	}
	browsertest.Screenshot(t, resident, "consult-resident-voted-390-zh")
	fitsPhone(t, resident, "the topic page")
	topicURL, err := chromedp.Run(resident, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	topicURL = strings.Split(strings.Split(topicURL, "?")[0], "#")[0]

	// The branch secretary closes it with a decision.
	branch := signIn(t, env, "branch")
	err = chromedp.Do(branch,
		chromedp.Navigate(topicURL),
		chromedp.WaitVisible(chromedp.ID("decision-text")),
		chromedp.SendKeys(chromedp.ID("decision-text"), "健身广场建在村委会旁空地。"),
		js(`(() => { const s = document.querySelector("#decision-option");
			s.value = [...s.options].find(o => o.text.includes("村委会旁空地")).value; return true })()`),
		chromedp.SendKeys(chromedp.ID("decision-reasons"), "得票最多，交通方便，靠近卫生室。"),
		chromedp.SendKeys(chromedp.ID("decision-conditions"), "坚持村民自愿原则，占用的菜地按意愿置换\n施工期间保障通行"),
		chromedp.Click(chromedp.CSS(`form[action$="/decision"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#decision")),
	)
	if err != nil {
		t.Fatalf("record the decision: %v", err)
	}
	decision := text(t, branch, "#decision")
	if !strings.Contains(decision, "健身广场建在村委会旁空地") || !strings.Contains(decision, "坚持村民自愿原则") {
		t.Errorf("the decision reads:\n%s", decision)
	}
	browsertest.Screenshot(t, branch, "consult-branch-decided-390-zh")
	fitsPhone(t, branch, "the decided topic")

	// The villager is told, and finds the vote closed.
	err = chromedp.Do(resident,
		chromedp.Navigate(env.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(".notices-link .count")),
		chromedp.Click(chromedp.CSS(".notices-link")),
		chromedp.WaitVisible(chromedp.CSS(".notices")),
	)
	if err != nil {
		t.Fatalf("open the notices: %v", err)
	}
	if notes := text(t, resident, ".notices"); !strings.Contains(notes, "“村民健身广场选址”已作出决定") {
		t.Errorf("the villager's notices:\n%s", notes)
	}
	err = chromedp.Do(resident, chromedp.Click(chromedp.Search(`//a[contains(., "村民健身广场选址")]`)),
		chromedp.WaitVisible(chromedp.CSS("#decision")))
	if err != nil {
		t.Fatalf("open the decided topic: %v", err)
	}
	if vote := text(t, resident, "#vote"); !strings.Contains(vote, "表决已截止") {
		t.Errorf("the vote section after the decision:\n%s", vote)
	}
}

// A Minglong employee, on a phone, puts forward a golden idea; a reviewer takes it up and
// adopts it; the employee sees it adopted, with the note that its points come with the
// points ledger, and is told.
func TestBrowserEmployeeIdeaIsAdopted(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{DemoData: true})
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "test"})
	var personID int64
	err := env.DB.QueryRowContext(ctx, `SELECT p.id FROM people p JOIN orgs o ON o.id = p.org_id
		WHERE o.code = 'TX-ML-SC' AND p.stage = 'resident' AND p.account_id IS NULL ORDER BY p.id LIMIT 1`).Scan(&personID)
	if err != nil {
		t.Fatal(err)
	}
	a, err := env.App.Auth.CreateAccount(ctx, auth.NewAccount{Username: "employee", DisplayName: "一车间职工", Password: auth.DemoPassword})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.App.People.LinkAccount(ctx, env.DB, personID, a.ID); err != nil {
		t.Fatal(err)
	}
	employee := signIn(t, env, "employee")
	err = chromedp.Do(employee,
		chromedp.Click(chromedp.CSS(`nav.nav a[href="/ideas"]`)),
		chromedp.WaitVisible(chromedp.CSS(".idea-cards")),
	)
	if err != nil {
		t.Fatalf("open the board: %v", err)
	}
	board := text(t, employee, "main")
	if !strings.Contains(board, "推行车间6S目视化管理看板") || strings.Contains(board, "员工食堂错峰就餐") || strings.Contains(board, "开设“金点子”扫码提交入口") {
		t.Errorf("the employee's board shows a declined or unscreened idea, or not the public ones:\n%s", board)
	}
	browsertest.Screenshot(t, employee, "idea-employee-board-390-zh")
	fitsPhone(t, employee, "the idea board")
	err = chromedp.Do(employee,
		js(`document.querySelectorAll("details").forEach(d => d.open = true); true`),
		chromedp.SendKeys(chromedp.ID("idea-title"), "包装车间纸箱回收再利用"),
		chromedp.SetValue(chromedp.ID("idea-category"), "cost"),
		chromedp.SendKeys(chromedp.ID("idea-problem"), "拆包后的纸箱直接当废品处理。"),
		chromedp.SendKeys(chromedp.ID("idea-proposal"), "完好的纸箱分拣后用于内部周转。"),
		chromedp.SendKeys(chromedp.ID("idea-benefit"), "每月节约包材费用约两千元。"),
		chromedp.Click(chromedp.CSS(`form[action="/ideas"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if err != nil {
		t.Fatalf("submit the idea: %v", err)
	}
	ideaURL, err := chromedp.Run(employee, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	ideaURL = strings.Split(ideaURL, "?")[0]
	if meta := text(t, employee, ".meta"); !strings.Contains(meta, "待审核") {
		t.Errorf("the new idea: %q", meta)
	}

	reviewer := signIn(t, env, "admin")
	for _, step := range []struct{ status, reason, want string }{
		{"under_review", "", "审核中"},
		{"adopted", "试点一个月，效果好再推广。", "已采纳"},
	} {
		err := chromedp.Do(reviewer,
			chromedp.Navigate(ideaURL),
			chromedp.WaitVisible(chromedp.ID("review-status")),
			chromedp.SetValue(chromedp.ID("review-status"), step.status),
			chromedp.SendKeys(chromedp.ID("review-reason"), step.reason),
			chromedp.Click(chromedp.CSS(`form[action$="/review"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(".flash")),
		)
		if err != nil {
			t.Fatalf("review to %s: %v", step.status, err)
		}
		if meta := text(t, reviewer, ".meta"); !strings.Contains(meta, step.want) {
			t.Errorf("after %s the idea reads %q", step.status, meta)
		}
	}
	err = chromedp.Do(employee, chromedp.Navigate(ideaURL), chromedp.WaitVisible(chromedp.CSS(".points-note")))
	if err != nil {
		t.Fatalf("the employee's adopted idea: %v", err)
	}
	page := text(t, employee, "main")
	if !strings.Contains(page, "已采纳") || !strings.Contains(page, "采纳时间") || !strings.Contains(page, "Administrator") {
		t.Errorf("the adopted idea reads:\n%s", page)
	}
	if count := text(t, employee, ".notices-link .count"); count != "2" {
		t.Errorf("the employee has %q unread notices, want 2 (taken up, adopted)", count)
	}
	browsertest.Screenshot(t, employee, "idea-employee-adopted-390-zh")
	fitsPhone(t, employee, "the adopted idea")

	// The adoption earned the employee points, on their own points page.
	err = chromedp.Do(employee, chromedp.Navigate(env.URL+"/me/points"), chromedp.WaitVisible(chromedp.CSS(".ledger")))
	if err != nil {
		t.Fatalf("the employee's points: %v", err)
	}
	if ledger := text(t, employee, ".ledger"); !strings.Contains(ledger, "金点子被采纳") || !strings.Contains(ledger, "5") {
		t.Errorf("the employee's ledger after the adoption:\n%s", ledger)
	}
	browsertest.Screenshot(t, employee, "idea-employee-points-390-zh")
	fitsPhone(t, employee, "the employee's points")
}
