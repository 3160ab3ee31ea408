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

// A member on a 390-px phone signs in through the real page, switches to English and
// signs out; nothing on the way is wider than the screen.
func TestBrowserLoginOnPhone(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{Demo: true})
	ctx := browsertest.New(t, browsertest.Phone, browsertest.PhoneHeight)
	err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "admin"),
		chromedp.SendKeys(chromedp.ID("password"), auth.DemoPassword),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS(".hero h1")),
	)
	if err != nil {
		t.Fatalf("sign in through the page: %v", err)
	}
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".hero h1")))
	if err != nil || !strings.Contains(heading, "您好") {
		t.Fatalf("after signing in the page says %q (%v), want the Chinese welcome", heading, err)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil || width > browsertest.Phone {
		t.Errorf("the home page is %d px wide on a %d-px phone (%v)", width, browsertest.Phone, err)
	}
	browsertest.Screenshot(t, ctx, "login-home-390-zh")
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(".lang-switch button")),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] .hero h1`)),
	)
	if err != nil {
		t.Fatalf("switch language: %v", err)
	}
	english, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".hero h1")))
	if err != nil || !strings.HasPrefix(english, "Welcome") {
		t.Fatalf("after switching the page says %q (%v)", english, err)
	}
	browsertest.Screenshot(t, ctx, "login-home-390-en")
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a.button[href="/login"]`)),
	)
	if err != nil {
		t.Fatalf("sign out: %v", err)
	}
	signIn, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`a.button[href="/login"]`)))
	if err != nil || signIn != "Sign in" {
		t.Fatalf("after signing out the page offers %q (%v)", signIn, err)
	}
}
