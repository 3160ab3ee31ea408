package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"vanguard/internal/app/apptest"
	"vanguard/internal/auth"
)

func evalClient(t *testing.T, env *apptest.Env, user, lang string) *apptest.Client {
	t.Helper()
	c := env.Client(t)
	c.Header.Set("Accept-Language", lang)
	c.Login(user, auth.DemoPassword)
	return c
}

// The evaluation pages in both languages, with their refusals: a score above an item's
// maximum names the item and stores nothing, a subject cannot score itself nor read
// another branch's sheet, a closed round takes no scores, and the export holds a row
// per subject.
func TestEvaluationPagesAndRefusals(t *testing.T) {
	env := evalTown(t)
	for _, lang := range []string{"en", "zh-CN"} {
		t.Run(lang, func(t *testing.T) {
			organizer := evalClient(t, env, "organizer", lang)
			secretary := evalClient(t, env, "secretary", lang)
			page := organizer.Get("/evaluations")
			if page.Status != http.StatusOK || !strings.Contains(page.Body, `name="template_id"`) {
				t.Fatalf("the list: %d\n%s", page.Status, page.Body)
			}
			tid := regexp.MustCompile(`<option value="(\d+)"[^>]*>[^<]*(Branch standardization|党支部标准化)`).FindStringSubmatch(page.Body)
			org := regexp.MustCompile(`name="org_id"><option value="(\d+)"`).FindStringSubmatch(page.Body)
			if tid == nil || org == nil {
				t.Fatalf("no template or organization offered:\n%s", page.Body)
			}
			r := organizer.PostForm("/evaluations", url.Values{"template_id": {tid[1]}, "org_id": {org[1]}, "title": {"考评 " + lang},
				"year": {"2025"}, "deadline": {time.Now().AddDate(0, 1, 0).Format(time.DateOnly)}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("start a round: %d\n%s", r.Status, r.Body)
			}
			roundPath := strings.Split(r.Location(), "?")[0]
			dash := organizer.Get(roundPath)
			wantText := map[string]string{"en": "Distribution of levels", "zh-CN": "等次分布"}[lang]
			if dash.Status != http.StatusOK || !strings.Contains(dash.Body, wantText) || !strings.Contains(dash.Body, `id="eval-chart-data"`) {
				t.Fatalf("the dashboard: %d\n%s", dash.Status, dash.Body)
			}
			sheets := regexp.MustCompile(`href="(/assessments/\d+)">([^<]+)</a>`).FindAllStringSubmatch(dash.Body, -1)
			var renfu, hongzhou string
			for _, s := range sheets {
				switch {
				case strings.Contains(s[2], "Renfu") || strings.Contains(s[2], "仁福"):
					renfu = s[1]
				case strings.Contains(s[2], "Hongzhou") || strings.Contains(s[2], "红洲"):
					hongzhou = s[1]
				}
			}
			if renfu == "" || hongzhou == "" {
				t.Fatalf("the dashboard's sheets: %v", sheets)
			}
			form := organizer.Get(renfu)
			item := regexp.MustCompile(`name="value_(\d+)"`).FindAllStringSubmatch(form.Body, -1)
			if form.Status != http.StatusOK || len(item) != 9 {
				t.Fatalf("the scoring form: %d with %d items", form.Status, len(item))
			}
			// The history across years lists this round, and in the second pass the first too.
			history := regexp.MustCompile(`(?s)id="history".*?</section>`).FindString(form.Body)
			if want := map[string]int{"en": 1, "zh-CN": 2}[lang]; strings.Count(history, "<tr><td>2025</td>") != want {
				t.Errorf("the history shows %d rounds, want %d:\n%s", strings.Count(history, "<tr><td>2025</td>"), want, history)
			}
			// A score above the maximum names the item's row and stores nothing.
			r = organizer.PostForm(renfu+"/scores", url.Values{"role": {"assessor"}, "value_" + item[0][1]: {"10"}, "value_" + item[2][1]: {"99"}})
			wantErr := map[string]string{"en": "above this item", "zh-CN": "超过了本项满分"}[lang]
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, wantErr) {
				t.Fatalf("a score of 99: %d\n%s", r.Status, r.Body)
			}
			if strings.Contains(organizer.Get(roundPath).Body, "stage-in_progress") {
				t.Error("a refused form stored a score")
			}
			// The secretary follows the round's link to the branch's sheet, may not score
			// it as the assessor, and does not reach the other branch's.
			if r := secretary.Get(roundPath); r.Status != http.StatusSeeOther || r.Location() != renfu {
				t.Errorf("the secretary at the round: %d → %q, want the sheet %s", r.Status, r.Location(), renfu)
			}
			if r := secretary.PostForm(renfu+"/scores", url.Values{"role": {"assessor"}, "value_" + item[0][1]: {"10"}}); r.Status != http.StatusForbidden {
				t.Errorf("the secretary scored as the assessor: %d", r.Status)
			}
			if r := secretary.Get(hongzhou); r.Status != http.StatusNotFound {
				t.Errorf("the secretary read another branch's sheet: %d", r.Status)
			}
			if r := organizer.PostForm(renfu+"/scores", url.Values{"role": {"assessor"}, "value_" + item[0][1]: {"10"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("a good score: %d\n%s", r.Status, r.Body)
			}
			// The export: a results sheet with a row per subject.
			x := organizer.Get(roundPath + "/export.xlsx")
			book, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
			if x.Status != http.StatusOK || err != nil {
				t.Fatalf("the export: %d %v", x.Status, err)
			}
			rows, err := book.GetRows(book.GetSheetList()[0])
			if err != nil || len(rows) != 3 {
				t.Errorf("the results sheet has %d rows, want a header and 2 subjects (%v)", len(rows), err)
			}
			// Closed: no more scores.
			if r := organizer.PostForm(roundPath+"/close", url.Values{}); r.Status != http.StatusSeeOther {
				t.Fatalf("close: %d", r.Status)
			}
			r = organizer.PostForm(renfu+"/scores", url.Values{"role": {"assessor"}, "value_" + item[1][1]: {"5"}})
			wantClosed := map[string]string{"en": "closed", "zh-CN": "已结束"}[lang]
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, wantClosed) {
				t.Errorf("scoring a closed round: %d", r.Status)
			}
		})
	}
}
