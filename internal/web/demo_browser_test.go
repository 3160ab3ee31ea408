package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"vanguard/internal/app/apptest"
	"vanguard/internal/auth"
	"vanguard/internal/browsertest"
	"vanguard/internal/store/storetest"
)

// Each demo account, tried as a new user would on a 390-px phone in both languages,
// sees what it may and nothing more: the town secretary the town, the branch secretary
// the branch, the member and the resident their own record.
func TestBrowserDemoAccountsSeeTheirOwnScope(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{DemoData: true})
	type visit struct {
		path          string
		sees, notSees []string // text on the page, in either language
	}
	accounts := []struct {
		username string
		visits   []visit
	}{
		{"town", []visit{
			{"/orgs", []string{"盛泽镇委员会", "仁复村", "黄家溪村", "恒力"}, []string{"明龙", "新瑞丰", "东风小康", "编办"}},
			{"/alliances", []string{"村企联建"}, []string{"开发区"}},
		}},
		{"branch", []visit{
			{"/orgs", []string{"仁复村", "第一党小组"}, []string{"黄家溪村", "明龙", "沈家村"}},
			{"/transfers", []string{"龙泉嘴村"}, nil},
		}},
		{"member", []visit{
			{"/me", []string{"正式党员"}, nil},
			{"/orgs", nil, []string{"仁复村支部", "盛泽镇委员会"}},
		}},
		{"resident", []visit{
			{"/me", []string{"群众"}, nil},
			{"/orgs", nil, []string{"仁复村支部", "盛泽镇委员会"}},
		}},
	}
	for _, acct := range accounts {
		t.Run(acct.username, func(t *testing.T) {
			ctx := browsertest.New(t, browsertest.Phone, browsertest.PhoneHeight)
			err := chromedp.Do(ctx,
				chromedp.Navigate(env.URL+"/login"),
				chromedp.WaitVisible(chromedp.ID("username")),
				chromedp.SendKeys(chromedp.ID("username"), acct.username),
				chromedp.SendKeys(chromedp.ID("password"), auth.DemoPassword),
				chromedp.Submit(chromedp.ID("password")),
				chromedp.WaitVisible(chromedp.CSS(".hero h1")),
			)
			if err != nil {
				t.Fatalf("sign in: %v", err)
			}
			for _, lang := range []string{"zh", "en"} {
				if lang == "en" {
					if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".lang-switch button")),
						chromedp.WaitVisible(chromedp.CSS(`html[lang="en"]`))); err != nil {
						t.Fatalf("switch to English: %v", err)
					}
				}
				for _, v := range acct.visits {
					if err := chromedp.Do(ctx, chromedp.Navigate(env.URL+v.path), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
						t.Fatalf("open %s: %v", v.path, err)
					}
					text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
					if err != nil {
						t.Fatal(err)
					}
					for _, want := range v.sees {
						if !strings.Contains(text, want) && lang == "zh" {
							t.Errorf("%s on %s (%s) does not show %q", acct.username, v.path, lang, want)
						}
					}
					for _, hidden := range v.notSees {
						if strings.Contains(text, hidden) {
							t.Errorf("%s on %s (%s) shows %q, outside its scope", acct.username, v.path, lang, hidden)
						}
					}
					if strings.Contains(text, "[pages.") || strings.Contains(text, "[org.") || strings.Contains(text, "[member.") {
						t.Errorf("%s on %s (%s) shows an untranslated key", acct.username, v.path, lang)
					}
					width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
					if err != nil || width > browsertest.Phone {
						t.Errorf("%s on %s (%s) is %d px wide on a %d-px phone", acct.username, v.path, lang, width, browsertest.Phone)
					}
					browsertest.Screenshot(t, ctx, "demo-"+acct.username+"-"+strings.Trim(strings.ReplaceAll(v.path, "/", "-"), "-")+"-"+lang)
				}
			}
		})
	}
}
