package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vanguard/internal/app/apptest"
	"vanguard/internal/browsertest"
	"vanguard/internal/demo"
	"vanguard/internal/learning"
	"vanguard/internal/store/storetest"
)

// The "done when" of learning, tried as a new user would on a 390-px phone: the Renfu
// member finds the winter training's first course by searching, reads its lesson (the
// page reports the reading, and the lesson completes once the time and the scroll are
// there), takes the quiz scored on the server, and sees the campaign's count of their
// courses move. Then the town secretary opens the campaign dashboard of all villages,
// with its chart, the villages ahead and behind, and who is behind.
func TestBrowserMemberLearnsAndTownSeesTheCampaign(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{DemoData: true})
	ctx := context.Background()
	var campaignID, townID int64
	if err := env.DB.QueryRowContext(ctx, `SELECT id, org_id FROM campaigns WHERE title = $1`, demo.WinterCampaignTitle).Scan(&campaignID, &townID); err != nil {
		t.Fatalf("the demo's campaign: %v", err)
	}
	campaign := fmt.Sprintf("%s/campaigns/%d", env.URL, campaignID)

	m := signIn(t, env, "member")
	err := chromedp.Do(m,
		chromedp.Navigate(campaign),
		chromedp.WaitVisible(chromedp.ID("my-campaign")),
	)
	if err != nil {
		t.Fatalf("open the campaign: %v", err)
	}
	if got := text(t, m, "#my-courses"); got != "0" {
		t.Fatalf("a newcomer's courses in the campaign = %q, want 0", got)
	}

	// From the menu to the course, by a search in English.
	err = chromedp.Do(m,
		chromedp.Click(chromedp.CSS(`nav.nav a[href="/learning"]`)),
		chromedp.WaitVisible(chromedp.ID("course-q")),
	)
	if err != nil {
		t.Fatalf("open learning: %v", err)
	}
	before := pointsOn(t, m)
	err = chromedp.Do(m,
		chromedp.SendKeys(chromedp.ID("course-q"), "silk city"),
		chromedp.Submit(chromedp.ID("course-q")),
		chromedp.WaitVisible(chromedp.ID("courses")),
	)
	if err != nil {
		t.Fatalf("search the catalogue: %v", err)
	}
	if found := text(t, m, "#courses"); !strings.Contains(found, "学在绸都") || strings.Contains(found, "围炉议事") {
		t.Fatalf("searching 'silk city' finds:\n%s", found)
	}
	fitsPhone(t, m, "the catalogue")
	err = chromedp.Do(m,
		chromedp.Click(chromedp.Search(`//a[contains(., "学在绸都")]`)),
		chromedp.WaitVisible(chromedp.ID("resume")),
		chromedp.Click(chromedp.ID("resume")),
		chromedp.WaitVisible(chromedp.CSS(".article-body")),
		js(`window.scrollTo(0, document.body.scrollHeight); true`),
	)
	if err != nil {
		t.Fatalf("open the lesson: %v", err)
	}
	fitsPhone(t, m, "the lesson player")
	// The page reports every 15 seconds; the lesson needs 10 seconds of reading.
	waitCtx, cancel := context.WithTimeout(m, 40*time.Second)
	err = chromedp.Do(waitCtx, chromedp.WaitVisible(chromedp.CSS("#lesson-status .badge")))
	cancel()
	if err != nil {
		t.Fatalf("the lesson never showed as completed: %v", err)
	}
	browsertest.Screenshot(t, m, "learning-member-lesson-390-zh")

	// Resume: the course now leads on to the quiz.
	err = chromedp.Do(m,
		chromedp.Click(chromedp.Search(`//a[contains(., "导学小测验")]`)),
		chromedp.WaitVisible(chromedp.Search(`//a[contains(@href, "/quizzes/")]`)),
		chromedp.Click(chromedp.Search(`//a[contains(@href, "/quizzes/")]`)),
		chromedp.WaitVisible(chromedp.ID("quiz-start")),
		chromedp.Click(chromedp.ID("quiz-start")),
		chromedp.WaitVisible(chromedp.ID("quiz-form")),
	)
	if err != nil {
		t.Fatalf("start the quiz: %v", err)
	}
	page, err := chromedp.Run(m, chromedp.OuterHTML(chromedp.ID("quiz-form")))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"丝绸之都是", "“绸都”之称", "解析"} {
		if strings.Contains(page, secret) {
			t.Fatalf("the quiz page carries %q before submission", secret)
		}
	}
	answerQuiz(t, env, m, townID)
	fitsPhone(t, m, "the quiz")
	err = chromedp.Do(m,
		chromedp.Click(chromedp.CSS(`#quiz-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("quiz-result")),
	)
	if err != nil {
		t.Fatalf("hand in the quiz: %v", err)
	}
	if res := text(t, m, "#quiz-result"); !strings.Contains(res, "通过") || !strings.Contains(res, "解析") {
		t.Fatalf("the result reads:\n%s", res)
	}
	browsertest.Screenshot(t, m, "learning-member-quiz-390-zh")

	// The points moved: a lesson, the quiz lesson and the quiz itself.
	err = chromedp.Do(m, chromedp.Navigate(env.URL+"/learning"), chromedp.WaitVisible(chromedp.ID("my-points")))
	if err != nil {
		t.Fatal(err)
	}
	if after := pointsOn(t, m); after <= before {
		t.Fatalf("points before %d, after a lesson and a quiz %d", before, after)
	}

	// The campaign moved.
	err = chromedp.Do(m, chromedp.Navigate(campaign), chromedp.WaitVisible(chromedp.ID("my-campaign")))
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, m, "#my-courses"); got != "1" {
		t.Fatalf("the member's courses in the campaign = %q, want 1", got)
	}
	browsertest.Screenshot(t, m, "learning-member-campaign-390-zh")

	// The town secretary's dashboard of all villages.
	town := signIn(t, env, "town")
	err = chromedp.Do(town,
		chromedp.Navigate(campaign),
		chromedp.WaitVisible(chromedp.ID("dashboard")),
		chromedp.WaitVisible(chromedp.CSS("#campaign-chart svg")),
	)
	if err != nil {
		t.Fatalf("open the dashboard: %v", err)
	}
	board := text(t, town, "#dashboard")
	for _, village := range []string{"仁复村", "黄家溪村", "龙泉嘴村", "沈家村"} {
		if !strings.Contains(board, village) {
			t.Errorf("the dashboard does not show %s:\n%s", village, board)
		}
	}
	behind, err := chromedp.Run(town, chromedp.Evaluate[int](`document.querySelectorAll("#behind tbody tr").length`))
	if err != nil || behind == 0 {
		t.Errorf("nobody is shown behind (%v)", err)
	}
	browsertest.Screenshot(t, town, "learning-town-dashboard-390-zh")
	fitsPhone(t, town, "the campaign dashboard")
}

// answerQuiz ticks the right answers of the started attempt, found in the bank by stem,
// as a member who did the reading would.
func answerQuiz(t *testing.T, env *apptest.Env, ctx context.Context, bankOrg int64) {
	t.Helper()
	qs, err := env.App.Learning.Questions(context.Background(), bankOrg)
	if err != nil {
		t.Fatal(err)
	}
	byStem := map[string]learning.Question{}
	for _, q := range qs {
		byStem[q.Stem] = q
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify([...document.querySelectorAll("#quiz-form fieldset")].map(f => ({
		stem: f.querySelector("legend strong").textContent.replace(/^\d+\.\s*/, ""),
		options: [...f.querySelectorAll("label.choice")].map(l => l.textContent.trim())})))`))
	if err != nil {
		t.Fatal(err)
	}
	var shown []struct {
		Stem    string   `json:"stem"`
		Options []string `json:"options"`
	}
	if err := json.Unmarshal([]byte(raw), &shown); err != nil {
		t.Fatal(err)
	}
	for i, s := range shown {
		q, ok := byStem[s.Stem]
		if !ok {
			t.Fatalf("question %q is not in the bank", s.Stem)
		}
		pos := strconv.Itoa(i + 1)
		if q.Kind == learning.FillIn {
			if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("q"+pos+"-text"), q.Answer[0])); err != nil {
				t.Fatal(err)
			}
			continue
		}
		labels := map[string]string{"true": "对", "false": "错"}
		for _, a := range q.Answer {
			idx, _ := strconv.Atoi(a)
			want := q.Options[idx]
			if l, ok := labels[want]; ok {
				want = l
			}
			for j, o := range s.Options {
				if o == want {
					sel := fmt.Sprintf(`#quiz-form input[name="q%s"][value="%d"]`, pos, j)
					if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
}

// pointsOn reads the year's points the learning page shows.
func pointsOn(t *testing.T, ctx context.Context) int {
	t.Helper()
	s := text(t, ctx, "#my-points")
	i := strings.LastIndexAny(s, "：: ")
	n, err := strconv.Atoi(strings.TrimSpace(s[i+len(string([]rune(s[i:])[0])):]))
	if err != nil {
		t.Fatalf("points on the page: %q", s)
	}
	return n
}
