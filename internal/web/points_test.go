package web_test

import (
	"bytes"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

var awardKey = regexp.MustCompile(`name="key" value="([^"]+)"`)

// The story of the pages: a manager awards and deducts with reasons (a double submit
// counts once), the member reads both with their reasons and objects, the manager
// answers, and rankings appear only once the organization's administrator switches them on.
func TestPointsPagesStory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		manager, member, admin := f.client(t, "manager", "en"), f.client(t, "member", "en"), f.client(t, "admin", "en")
		page := manager.Get(path("/orgs/%d/points", f.committee.ID))
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "never logging in or time online") {
			t.Fatalf("the organization's points page: %d, says what points are for: %v", page.Status, strings.Contains(page.Body, "never logging in"))
		}
		if !strings.Contains(page.Body, "Individual rankings are off here") {
			t.Error("the ranking is shown although nobody switched it on")
		}
		key := awardKey.FindStringSubmatch(page.Body)
		if key == nil {
			t.Fatal("the award form carries no key")
		}
		award := url.Values{"key": {key[1]}, "person_id": {path("%d", f.self.ID)}, "kind": {"award"}, "points": {"8"}, "reason": {"Organized the flood-relief volunteers"}}
		for i := 0; i < 2; i++ { // a double submit
			if r := manager.PostForm(path("/orgs/%d/points/entries", f.committee.ID), award); r.Status != http.StatusSeeOther {
				t.Fatalf("award %d: status %d", i, r.Status)
			}
		}
		noReason := url.Values{"key": {"k-2"}, "person_id": {path("%d", f.self.ID)}, "kind": {"deduction"}, "points": {"3"}, "reason": {""}}
		if r := manager.PostForm(path("/orgs/%d/points/entries", f.committee.ID), noReason); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "needs a reason") {
			t.Errorf("a deduction without a reason: status %d", r.Status)
		}
		noReason.Set("reason", "Missed the branch meeting without leave")
		if r := manager.PostForm(path("/orgs/%d/points/entries", f.committee.ID), noReason); r.Status != http.StatusSeeOther {
			t.Fatalf("deduction: status %d", r.Status)
		}
		outside := url.Values{"key": {"k-3"}, "person_id": {path("%d", f.outPerson.ID)}, "kind": {"award"}, "points": {"3"}, "reason": {"x"}}
		if r := manager.PostForm(path("/orgs/%d/points/entries", f.committee.ID), outside); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("an award to a person outside the manager's organizations: status %d", r.Status)
		}

		mine := member.Get("/me/points")
		for _, want := range []string{"+8", "Organized the flood-relief volunteers", "-3", "Missed the branch meeting without leave", "5 points in 2 entries", "Rankings are off here"} {
			if !strings.Contains(mine.Body, want) {
				t.Errorf("my points do not show %q", want)
			}
		}
		var deduction int64
		if err := db.QueryRowContext(t.Context(), `SELECT id FROM point_entries WHERE rule_code = 'manual-deduction'`).Scan(&deduction); err != nil {
			t.Fatal(err)
		}
		object := url.Values{"entry_id": {path("%d", deduction)}, "reason": {"I had leave from the secretary"}}
		if r := member.PostForm("/me/points/objections", object); r.Status != http.StatusSeeOther {
			t.Fatalf("object: status %d", r.Status)
		}
		if r := f.client(t, "viewer", "en").PostForm("/me/points/objections", object); r.Status == http.StatusSeeOther {
			t.Error("someone else objected to the member's entry")
		}

		page = manager.Get(path("/orgs/%d/points", f.committee.ID))
		if !strings.Contains(page.Body, "I had leave from the secretary") {
			t.Fatal("the objection is not in the manager's queue")
		}
		var objection int64
		if err := db.QueryRowContext(t.Context(), `SELECT id FROM point_objections`).Scan(&objection); err != nil {
			t.Fatal(err)
		}
		answer := url.Values{"upheld": {"yes"}, "answer": {"Leave confirmed; the deduction is reversed.", ""}, "from": {path("%d", f.committee.ID)}}
		if r := f.client(t, "outsider", "en").PostForm(path("/points/objections/%d/answer", objection), answer); r.Status != http.StatusNotFound {
			t.Errorf("a manager of another tree answered: status %d", r.Status)
		}
		if r := manager.PostForm(path("/points/objections/%d/answer", objection), answer); r.Status != http.StatusSeeOther {
			t.Fatalf("answer: status %d", r.Status)
		}
		mine = member.Get("/me/points")
		for _, want := range []string{"Objection upheld", "Leave confirmed; the deduction is reversed.", "8 points in 3 entries"} {
			if !strings.Contains(mine.Body, want) {
				t.Errorf("after the answer, my points do not show %q", want)
			}
		}

		if r := manager.PostForm(path("/orgs/%d/points/settings", f.committee.ID), url.Values{"rankings": {"on"}, "objection_days": {"15"},
			"first_prizes": {"1"}, "second_prizes": {"1"}, "third_prizes": {"1"}}); r.Status != http.StatusForbidden {
			t.Errorf("a manager changed the settings: status %d", r.Status)
		}
		if r := admin.PostForm(path("/orgs/%d/points/settings", f.committee.ID), url.Values{"rankings": {"on"}, "objection_days": {"15"},
			"first_prizes": {"1"}, "second_prizes": {"1"}, "third_prizes": {"1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("switch rankings on: status %d", r.Status)
		}
		if err := f.env.App.Points.CatchUp(t.Context()); err != nil {
			t.Fatal(err)
		}
		if mine = member.Get("/me/points"); !strings.Contains(mine.Body, "No. 1 of 1") {
			t.Error("with rankings on, the member's rank in the committee is not shown")
		}
		if page = manager.Get(path("/orgs/%d/points", f.committee.ID)); strings.Contains(page.Body, "Individual rankings are off here") {
			t.Error("the committee's ranking is still off")
		}
		prizes := manager.Get(path("/orgs/%d/points/prizes.xlsx", f.committee.ID))
		book, err := excelize.OpenReader(strings.NewReader(prizes.Body))
		if err != nil {
			t.Fatalf("prize list: %v", err)
		}
		rows, _ := book.GetRows(book.GetSheetName(0))
		if len(rows) != 3 || rows[2][2] != f.self.Name || rows[2][0] != "First prize" {
			t.Errorf("prize list rows: %v", rows)
		}
		if r := f.client(t, "outsider", "en").Get(path("/orgs/%d/points", f.committee.ID)); r.Status != http.StatusNotFound {
			t.Errorf("a manager of another tree reads the committee's points: status %d", r.Status)
		}
	})
}

// A rule for logging in is refused on its field, in both languages; a good one is saved
// and listed as the organization's own beside the inherited built-in rules.
func TestPointRulesRefuseRewardsForPresence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for lang, want := range map[string]string{"en": "never logging in", "zh-CN": "从不因登录"} {
			admin := f.client(t, "admin", lang)
			r := admin.PostForm(path("/orgs/%d/point-rules", f.committee.ID), url.Values{"code": {"daily-login"}, "name_zh": {"每日登录"},
				"name_en": {"Daily login"}, "points": {"1"}, "earned_by": {"learning"}, "stages": {"full"}})
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: a login rule: status %d", lang, r.Status)
			}
			field := regexp.MustCompile(`(?s)id="rule-code".*?<p class="field-error">([^<]*)</p>`).FindStringSubmatch(r.Body)
			if field == nil || !strings.Contains(field[1], "(\"login\")") && !strings.Contains(field[1], "（\"login\"）") && !strings.Contains(field[1], "login") {
				t.Errorf("%s: the refusal is not on the code field: %v", lang, field)
			}
			if !strings.Contains(r.Body, want) {
				t.Errorf("%s: the page does not say what points are for", lang)
			}
		}
		admin := f.client(t, "admin", "en")
		r := admin.PostForm(path("/orgs/%d/point-rules", f.committee.ID), url.Values{"code": {"river-patrol"}, "name_zh": {"巡河护河"},
			"name_en": {"River patrol"}, "points": {"2"}, "day_cap": {"2"}, "earned_by": {"volunteer"}, "stages": {"full", "probationary"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("a good rule: status %d", r.Status)
		}
		list := f.client(t, "viewer", "en").Get(path("/orgs/%d/point-rules", f.branch.ID))
		if !strings.Contains(list.Body, "River patrol") || !strings.Contains(list.Body, "inherited") || strings.Contains(list.Body, `id="rule-form"`) {
			t.Error("a viewer of the branch does not see the committee's rule as inherited, or sees the editor")
		}
		if r := f.client(t, "manager", "en").PostForm(path("/orgs/%d/point-rules", f.committee.ID), url.Values{"code": {"x"}}); r.Status != http.StatusForbidden {
			t.Errorf("a manager defined a rule: status %d", r.Status)
		}
	})
}

// The learning-score import: a preview that records nothing, a confirmation that records
// everything, and a second confirmation that adds nothing.
func TestPointsImportPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		book := excelize.NewFile()
		rows := [][]any{{"姓名", "身份证号", "周期", "积分"}, {"王建国", f.selfID, "2025-Q4", 20}}
		for i, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			book.SetSheetRow("Sheet1", cell, &row)
		}
		var buf bytes.Buffer
		book.Write(&buf)
		manager := f.client(t, "manager", "en")
		preview := upload(t, manager, "/points/import", "scores.xlsx", buf.Bytes())
		if preview.Status != http.StatusOK || !strings.Contains(preview.Body, "1 rows will be recorded (20 points)") {
			t.Fatalf("preview: %d", preview.Status)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM point_entries`); n != 0 {
			t.Fatalf("the preview recorded %d entries", n)
		}
		content := regexp.MustCompile(`name="content" value="([^"]+)"`).FindStringSubmatch(preview.Body)
		if content == nil {
			t.Fatal("the preview carries no file")
		}
		for i, want := range []string{"1 rows imported (20 points); 0 were", "0 rows imported (0 points); 1 were"} {
			r := manager.PostForm("/points/import/confirm", url.Values{"content": {html.UnescapeString(content[1])}, "name": {"scores.xlsx"}})
			if r.Status != http.StatusOK || !strings.Contains(r.Body, want) {
				t.Errorf("confirmation %d: status %d, want %q", i+1, r.Status, want)
			}
		}
		if n := count(t, db, `SELECT COALESCE(SUM(points), 0) FROM point_entries WHERE person_id = $1`, f.self.ID); n != 20 {
			t.Errorf("the member has %d imported points, want 20", n)
		}
		if r := upload(t, f.client(t, "outsider", "en"), "/points/import", "scores.xlsx", buf.Bytes()); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "Row 2") {
			t.Errorf("a manager of another tree imported the member's scores: %d", r.Status)
		}
	})
}
