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

// A secretary's report rated by the town (the higher committee), once; the secretary may
// not rate it. A democratic appraisal: a ballot counted in the tally, shown to its caster
// as cast (not how), refused a second time. Both pages read in English too.
func TestWorkReportAndAppraisalPages(t *testing.T) {
	env := evalTown(t)
	organizer := evalClient(t, env, "organizer", "zh-CN")
	secretary := evalClient(t, env, "secretary", "zh-CN")
	list := secretary.Get("/evaluations")
	branch := regexp.MustCompile(`id="report-org" name="org_id"><option value="(\d+)"`).FindStringSubmatch(list.Body)
	if branch == nil {
		t.Fatalf("no report form for the secretary:\n%s", list.Body)
	}
	r := secretary.PostForm("/work-reports", url.Values{"org_id": {branch[1]}, "year": {"2025"}, "work_done": {"开展主题党日12次"}, "problems": {""}, "plans": {"建设党员活动阵地"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "存在问题") {
		t.Fatalf("a report without its problems: %d", r.Status)
	}
	r = secretary.PostForm("/work-reports", url.Values{"org_id": {branch[1]}, "year": {"2025"}, "work_done": {"开展主题党日12次"}, "problems": {"台账不规范"}, "plans": {"建设党员活动阵地"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("file a report: %d\n%s", r.Status, r.Body)
	}
	report := strings.Split(r.Location(), "?")[0]
	if r := organizer.PostForm(report+"/ratings", url.Values{"grade": {"good"}, "comment": {"问题找得准"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("the town rates: %d\n%s", r.Status, r.Body)
	}
	if r := organizer.PostForm(report+"/ratings", url.Values{"grade": {"poor"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "不能重复评价") {
		t.Errorf("the town rates twice: %d", r.Status)
	}
	if r := secretary.PostForm(report+"/ratings", url.Values{"grade": {"good"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("the author rates their own report: %d", r.Status)
	}
	page := evalClient(t, env, "organizer", "en").Get(report)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Next year&#39;s plan") || !strings.Contains(page.Body, "问题找得准") {
		t.Errorf("the report in English: %d\n%s", page.Status, page.Body)
	}

	r = secretary.PostForm("/appraisals", url.Values{"org_id": {branch[1]}, "year": {"2025"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("start an appraisal: %d\n%s", r.Status, r.Body)
	}
	appraisal := strings.Split(r.Location(), "?")[0]
	page = secretary.Get(appraisal)
	qian := regexp.MustCompile(`id="member-(\d+)">\s*<p><strong>钱党员`).FindStringSubmatch(page.Body)
	if qian == nil || strings.Count(page.Body, `class="card" id="member-`) != 3 {
		t.Fatalf("the appraisal's members:\n%s", page.Body)
	}
	if r := secretary.PostForm(appraisal+"/ratings", url.Values{"person_id": {qian[1]}, "grade": {"excellent"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("a ballot: %d\n%s", r.Status, r.Body)
	}
	page = secretary.Get(appraisal)
	card := regexp.MustCompile(`(?s)id="member-` + qian[1] + `">.*?</li>`).FindString(page.Body)
	if !strings.Contains(card, "已有 1 人评议") || !strings.Contains(card, "优秀 1") || !strings.Contains(card, "您已评议") {
		t.Errorf("after the ballot:\n%s", card)
	}
	if r := secretary.PostForm(appraisal+"/ratings", url.Values{"person_id": {qian[1]}, "grade": {"unqualified"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a second ballot: %d", r.Status)
	}
	if r := organizer.PostForm(appraisal+"/ratings", url.Values{"person_id": {qian[1]}, "grade": {"unqualified"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("the town, not appraised here, cast a ballot: %d", r.Status)
	}
	if en := evalClient(t, env, "secretary", "en").Get(appraisal); en.Status != http.StatusOK || !strings.Contains(en.Body, "Ballots are secret") {
		t.Errorf("the appraisal in English: %d", en.Status)
	}
}
