package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vanguard/internal/activity"
	"vanguard/internal/app/apptest"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/browsertest"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/store/storetest"
)

// evalTown is a town committee with two branches and last year's records of the first:
// a general meeting held with two of its three members present, and a follow-up task
// still open. The town's organizer (account "organizer") manages the committee; the first
// branch's secretary (account "secretary") manages the branch.
func evalTown(t *testing.T) *apptest.Env {
	t.Helper()
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{Demo: true})
	a, ctx := env.App, audit.WithActor(context.Background(), audit.Actor{Name: "fixture"})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mk := func(parent int64, kind org.Kind, name, nameEn string) org.Org {
		o, err := a.Orgs.Create(ctx, org.NewOrg{ParentID: parent, Kind: kind, Name: name, NameEn: nameEn})
		must(err)
		return o
	}
	town := mk(0, org.Committee, "盛泽镇党委", "Shengze Town Committee")
	branch := mk(town.ID, org.Branch, "仁福村党支部", "Renfu Village Branch")
	mk(town.ID, org.Branch, "红洲村党支部", "Hongzhou Village Branch")
	var people []member.Person
	for _, name := range []string{"沈书记", "钱党员", "孙党员"} {
		p, err := a.People.Create(ctx, member.NewPerson{Name: name, OrgID: branch.ID, Stage: member.StageFull, JoinedAt: time.Date(2008, 7, 1, 0, 0, 0, 0, time.UTC)})
		must(err)
		people = append(people, p)
	}
	for _, acc := range []struct {
		name  string
		orgID int64
		link  int64
	}{{"organizer", town.ID, 0}, {"secretary", branch.ID, people[0].ID}} {
		created, err := a.Auth.CreateAccount(ctx, auth.NewAccount{Username: acc.name, DisplayName: acc.name, Password: auth.DemoPassword})
		must(err)
		must(a.Orgs.GrantRole(ctx, env.DB, created.ID, acc.orgID, org.RoleManager))
		if acc.link != 0 {
			must(a.People.LinkAccount(ctx, env.DB, acc.link, created.ID))
		}
	}
	admin := org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage)
	year := time.Now().Year() - 1
	act, err := a.Activities.Create(ctx, admin, activity.Input{Kind: activity.GeneralMeeting, HostIDs: []int64{branch.ID}, Title: "一季度党员大会",
		StartsAt: time.Date(year, 3, 5, 1, 0, 0, 0, time.UTC), EndsAt: time.Date(year, 3, 5, 3, 0, 0, 0, time.UTC)})
	must(err)
	_, err = a.Activities.Move(ctx, admin, act.ID, activity.Held, "")
	must(err)
	_, err = a.Activities.RecordRollCall(ctx, admin, act.ID, activity.RollCall{Marks: []activity.Mark{
		{PersonID: people[0].ID, Presence: activity.Present}, {PersonID: people[1].ID, Presence: activity.Present},
		{PersonID: people[2].ID, Presence: activity.Absent}}})
	must(err)
	_, err = a.Activities.AddTask(ctx, admin, act.ID, activity.NewTask{Title: "补齐台账", OwnerID: people[1].ID, DueOn: time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC)})
	must(err)
	return env
}

// signInAs opens a phone-width browser signed in as an account with the demo password.
func signInAs(t *testing.T, env *apptest.Env, username string) context.Context {
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

// Tried as a new user would on a 390-px phone: the town's organizer starts a
// standardization round from the menu; the Renfu branch's secretary follows it to the
// branch's own sheet and self-assesses; the organizer scores the branch with the scores
// suggested from last year's records already filled in, opens a rectification for an
// item that lost points; the secretary reports it fixed and the organizer's re-check
// closes it.
func TestBrowserEvaluationRoundFromStartToRectification(t *testing.T) {
	env := evalTown(t)
	organizer := signInAs(t, env, "organizer")
	step, cancel := context.WithTimeout(organizer, 20*time.Second)
	defer cancel()
	err := chromedp.Do(step,
		chromedp.Click(chromedp.CSS(`nav.nav a[href="/evaluations"]`)),
		chromedp.WaitVisible(chromedp.ID("round-title")),
		chromedp.SendKeys(chromedp.ID("round-title"), "年度支部标准化考评"),
		chromedp.Click(chromedp.CSS(`form[action="/evaluations"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".eval-results")),
	)
	if err != nil {
		loc, _ := chromedp.Run(organizer, chromedp.Location())
		body, _ := chromedp.Run(organizer, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("start a round: %v at %s:\n%s", err, loc, body)
	}
	if flash := text(t, organizer, ".flash"); !strings.Contains(flash, "考评已发起") {
		t.Errorf("after starting the page says %q", flash)
	}
	if table := text(t, organizer, ".eval-results"); !strings.Contains(table, "仁福村党支部") || !strings.Contains(table, "红洲村党支部") {
		t.Fatalf("the round's subjects:\n%s", table)
	}
	roundURL, err := chromedp.Run(organizer, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	roundURL = strings.Split(roundURL, "?")[0]

	// The secretary self-assesses: the round's link leads to the branch's own sheet.
	secretary := signInAs(t, env, "secretary")
	err = chromedp.Do(secretary,
		chromedp.Click(chromedp.CSS(`nav.nav a[href="/evaluations"]`)),
		chromedp.Click(chromedp.Search(`//a[contains(., "年度支部标准化考评")]`)),
		chromedp.WaitVisible(chromedp.CSS(".eval-form")),
		chromedp.SetValue(chromedp.CSS(`.eval-item:nth-of-type(1) input[type="number"]`), "10"),
		chromedp.SendKeys(chromedp.CSS(`.eval-item:nth-of-type(1) input[name^="comment_"]`), "按期换届"),
		chromedp.Click(chromedp.CSS(`.eval-save`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
		chromedp.SendKeys(chromedp.ID("self-note"), "支部按期换结，台账基本齐全，党员教育方式有待丰富。"),
		chromedp.Click(chromedp.CSS(`form[action$="/self"] button[type="submit"]`)),
		// The submitted summary is shown above the form once the page has come back.
		chromedp.WaitVisible(chromedp.CSS("section.panel > p.pre")),
	)
	if err != nil {
		t.Fatalf("self-assess: %v", err)
	}
	if h := text(t, secretary, "h1"); h != "仁福村党支部" {
		t.Fatalf("the secretary landed on %q", h)
	}
	if meta := text(t, secretary, ".meta"); !strings.Contains(meta, "已自评") {
		t.Errorf("after the self-assessment the sheet says %q", meta)
	}
	browsertest.Screenshot(t, secretary, "evaluation-self-390-zh")
	fitsPhone(t, secretary, "the self-assessment")

	// The organizer scores with the suggestions already in the fields.
	err = chromedp.Do(organizer,
		chromedp.Navigate(roundURL),
		chromedp.Click(chromedp.Search(`//table[contains(@class,"eval-results")]//a[contains(., "仁福村党支部")]`)),
		chromedp.WaitVisible(chromedp.CSS(".eval-suggestion")),
	)
	if err != nil {
		t.Fatalf("open the branch's sheet: %v", err)
	}
	form := text(t, organizer, ".eval-form")
	if !strings.Contains(form, "出勤：2/3") || !strings.Contains(form, "任务办结：0/1") || !strings.Contains(form, "自评: 10") && !strings.Contains(form, "自评：10") {
		t.Errorf("the scoring form does not show the records and the self-assessment:\n%s", form)
	}
	prefilled, err := chromedp.Run(organizer, chromedp.Evaluate[string](
		`[...document.querySelectorAll(".eval-item")].filter(f => f.querySelector(".eval-suggestion")).map(f => f.querySelector("input,select").value).join(",")`))
	if err != nil || !strings.Contains(prefilled, "10") {
		t.Errorf("the suggested values in the fields: %q (%v)", prefilled, err)
	}
	browsertest.Screenshot(t, organizer, "evaluation-scoring-390-zh")
	fitsPhone(t, organizer, "the scoring form")
	// The items the records say nothing about, as the organizer judges them.
	err = chromedp.Do(organizer,
		js(`(() => { document.querySelectorAll(".eval-item").forEach(f => {
			const el = f.querySelector("input[type=number], select"); if (!el || el.value !== "") return;
			if (el.tagName === "SELECT") { el.value = el.options[1].value } else {
				el.value = el.max ? String(Math.floor(el.max * 0.8)) : "1" } }); return true })()`),
		chromedp.Click(chromedp.CSS(`.eval-save`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if err != nil {
		t.Fatalf("score: %v", err)
	}
	if meta := text(t, organizer, ".meta"); !strings.Contains(meta, "已评分") {
		t.Fatalf("after scoring every item the sheet says %q", meta)
	}
	err = chromedp.Do(organizer,
		js(`(() => { document.querySelector("#rectifications details").open = true; return true })()`),
		chromedp.SetValue(chromedp.ID("rect-title"), "补齐会议记录和任务台账"),
		chromedp.Click(chromedp.CSS(`form[action$="/rectifications"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".eval-rect")),
	)
	if err != nil {
		t.Fatalf("open a rectification: %v", err)
	}
	if rect := text(t, organizer, ".eval-rect"); !strings.Contains(rect, "补齐会议记录和任务台账") || !strings.Contains(rect, "待整改") {
		t.Fatalf("the rectification: %q", rect)
	}
	sheetURL, _ := chromedp.Run(organizer, chromedp.Location())
	sheetURL = strings.Split(sheetURL, "?")[0]

	// Fix, then re-check.
	err = chromedp.Do(secretary,
		chromedp.Navigate(sheetURL),
		chromedp.WaitVisible(chromedp.CSS(".eval-rect input[name=note]")),
		chromedp.SendKeys(chromedp.CSS(".eval-rect input[name=note]"), "已补齐全年会议记录，任务已办结"),
		chromedp.Click(chromedp.CSS(`.eval-rect button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".rect-fixed")),
	)
	if err != nil {
		t.Fatalf("report the fix: %v", err)
	}
	err = chromedp.Do(organizer,
		chromedp.Navigate(sheetURL),
		chromedp.WaitVisible(chromedp.CSS(".eval-rect input[name=note]")),
		chromedp.SendKeys(chromedp.CSS(".eval-rect input[name=note]"), "复查属实"),
		chromedp.Click(chromedp.CSS(`.eval-rect button[value="closed"]`)),
		chromedp.WaitVisible(chromedp.CSS(".rect-closed")),
	)
	if err != nil {
		t.Fatalf("re-check: %v", err)
	}
	if rect := text(t, organizer, ".eval-rect"); !strings.Contains(rect, "已销号") || !strings.Contains(rect, "复查属实") {
		t.Errorf("after the re-check: %q", rect)
	}
	browsertest.Screenshot(t, organizer, "evaluation-rectified-390-zh")

	// The dashboard: one subject scored, the chart drawn.
	err = chromedp.Do(organizer,
		chromedp.Navigate(roundURL),
		chromedp.WaitVisible(chromedp.CSS(`#eval-chart[data-drawn="true"]`)),
	)
	if err != nil {
		t.Fatalf("the dashboard's chart: %v", err)
	}
	if stats := text(t, organizer, ".eval-stages"); !strings.Contains(stats, "1已自评") && !strings.Contains(stats, "1\n已自评") {
		t.Errorf("the dashboard's figures: %q", stats)
	}
	browsertest.Screenshot(t, organizer, "evaluation-dashboard-390-zh")
	fitsPhone(t, organizer, "the round's dashboard")
}
