package web_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"vanguard/internal/activity"
	"vanguard/internal/audit"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// plan plans an activity of the first branch as the manager, starting at starts.
func (f *fixture) plan(t *testing.T, title string, starts time.Time) activity.Activity {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{AccountID: f.accounts["manager"].ID, Name: "manager"})
	a, err := f.env.App.Activities.Create(ctx, org.ScopeOf(f.accounts["manager"], org.Manage), activity.Input{
		Kind: activity.ThemeDay, HostIDs: []int64{f.branch.ID}, Title: title, StartsAt: starts, EndsAt: starts.Add(2 * time.Hour), Place: "党员活动室",
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) token(t *testing.T, id int64) string {
	t.Helper()
	tok, err := f.env.App.Activities.CheckinToken(context.Background(), org.ScopeOf(f.accounts["manager"], org.Manage), id)
	if err != nil {
		t.Fatal(err)
	}
	return tok.Value
}

// A secretary plans from the organization's list; bad input is refused with its reason
// and saves nothing.
func TestActivityCreatePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.client(t, "manager", "zh-CN")
		list := path("/orgs/%d/activities", f.branch.ID)
		if r := c.Get(list); r.Status != 200 || !strings.Contains(r.Body, "安排活动") || !strings.Contains(r.Body, "主题党日") {
			t.Fatalf("the list = %d:\n%s", r.Status, r.Body)
		}
		// The organization page alerts its managers to members without organizational life.
		if body := c.Get(path("/orgs/%d", f.branch.ID)).Body; !strings.Contains(body, "名党员已连续六个月未参加组织生活") || !strings.Contains(body, "王建国") {
			t.Errorf("the branch page has no alert of members without organizational life:\n%s", body)
		}
		if body := f.client(t, "viewer", "zh-CN").Get(path("/orgs/%d", f.branch.ID)).Body; strings.Contains(body, "未参加组织生活") {
			t.Error("a viewer is shown the alert")
		}
		form := url.Values{"kind": {"theme_day"}, "title": {"七月主题党日"}, "starts_at": {"2030-07-01T09:00"}, "ends_at": {"2030-07-01T08:00"}, "place": {"会议室"}}
		r := c.PostForm(list, form)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "七月主题党日") {
			t.Fatalf("end before start = %d", r.Status)
		}
		form.Set("ends_at", "2030-07-01T11:00")
		form.Set("more_hosts", "B1")
		if r := c.PostForm(list, form); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a host the manager cannot manage = %d", r.Status)
		}
		form.Set("more_hosts", path("%d", f.otherB.ID))
		if r := c.PostForm(list, form); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a host id the manager cannot manage = %d", r.Status)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM activities`); n != 0 {
			t.Fatalf("%d activities saved by bad input", n)
		}
		form.Set("more_hosts", "A2")
		r = c.PostForm(list, form)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/activities/") {
			t.Fatalf("plan = %d: %s", r.Status, r.Body)
		}
		actPath, _, _ := strings.Cut(r.Location(), "?")
		page := c.Get(r.Location())
		if page.Status != 200 || !strings.Contains(page.Body, "七月主题党日") || !strings.Contains(page.Body, "第二党支部") || !strings.Contains(page.Body, "王建国") {
			t.Fatalf("the activity page = %d:\n%s", page.Status, page.Body)
		}
		// Outside the scope the activity does not exist; a viewer reads it but may not write.
		if r := f.client(t, "outsider", "en").Get(actPath); r.Status != http.StatusNotFound {
			t.Errorf("the outsider's GET = %d", r.Status)
		}
		if r := f.client(t, "viewer", "en").PostForm(actPath+"/status", url.Values{"status": {"cancelled"}}); r.Status != http.StatusForbidden {
			t.Errorf("the viewer's cancel = %d", r.Status)
		}
		if r := f.client(t, "outsider", "en").PostForm(list, form); r.Status != http.StatusNotFound {
			t.Errorf("the outsider's plan = %d", r.Status)
		}
	})
}

// The roll call in one submit; the QR image and the member's sign-in by its link, once,
// with clear refusals that change nothing.
func TestActivityRollCallAndCheckin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		now := f.plan(t, "本周主题党日", time.Now().Add(-10*time.Minute))
		later := f.plan(t, "下月主题党日", time.Now().Add(30*24*time.Hour))
		mgr := f.client(t, "manager", "en")
		page := path("/activities/%d", now.ID)

		r := mgr.Get(page + "/qr.png")
		if r.Status != 200 || r.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("qr.png = %d %s", r.Status, r.Header.Get("Content-Type"))
		}
		if _, err := png.Decode(bytes.NewReader([]byte(r.Body))); err != nil {
			t.Fatalf("qr.png is no PNG: %v", err)
		}
		if r := mgr.Get(path("/activities/%d/qr.png", later.ID)); r.Status != http.StatusConflict {
			t.Errorf("the QR of a meeting a month away = %d", r.Status)
		}
		if r := f.client(t, "member", "en").Get(page + "/qr.png"); r.Status != http.StatusNotFound {
			t.Errorf("a member's qr.png = %d", r.Status)
		}

		member := f.client(t, "member", "en")
		if home := member.Get("/").Body; !strings.Contains(home, "本周主题党日 — you are invited") || strings.Contains(home, "下月主题党日") {
			t.Errorf("the member's home does not show what is due:\n%s", home)
		}
		if home := mgr.Get("/").Body; !strings.Contains(home, "have had no organizational life for six months") {
			t.Errorf("the secretary's home does not show the members without organizational life:\n%s", home)
		}
		if r := member.Get(page + "/checkin?token=1.forged"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "not valid") {
			t.Errorf("a forged token = %d:\n%s", r.Status, r.Body)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM attendance WHERE activity_id = $1 AND status IN ('present', 'late')`, now.ID); n != 0 {
			t.Fatalf("a forged token signed in %d", n)
		}
		tok := f.token(t, now.ID)
		r = member.Get(page + "/checkin?token=" + url.QueryEscape(tok))
		if r.Status != 200 || !strings.Contains(r.Body, "You are signed in") {
			t.Fatalf("sign in = %d:\n%s", r.Status, r.Body)
		}
		if r := member.Get(page + "/checkin?token=" + url.QueryEscape(tok)); !strings.Contains(r.Body, "already signed in") {
			t.Errorf("twice:\n%s", r.Body)
		}
		var live struct{ Attended int }
		mgr.Get(page+"/count.json").Decode(t, &live)
		if live.Attended != 1 {
			t.Errorf("live count = %d", live.Attended)
		}
		if r := member.Get(path("/activities/%d/checkin?token=%s", later.ID, url.QueryEscape(tok))); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Sign-in opens at") {
			t.Errorf("outside the window = %d:\n%s", r.Status, r.Body)
		}
		// The outsider's activity: the member is not in its audience.
		ctx := audit.WithActor(context.Background(), audit.Actor{AccountID: f.accounts["outsider"].ID, Name: "outsider"})
		theirs, err := f.env.App.Activities.Create(ctx, org.ScopeOf(f.accounts["outsider"], org.Manage), activity.Input{
			Kind: activity.ThemeDay, HostIDs: []int64{f.otherB.ID}, Title: "乙方党日", StartsAt: time.Now(), EndsAt: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		tok2, err := f.env.App.Activities.CheckinToken(ctx, org.ScopeOf(f.accounts["outsider"], org.Manage), theirs.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r := member.Get(path("/activities/%d/checkin?token=%s", theirs.ID, url.QueryEscape(tok2.Value))); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "not among those invited") {
			t.Errorf("outside the audience = %d:\n%s", r.Status, r.Body)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM attendance WHERE activity_id = $1`, theirs.ID); n != 1 {
			t.Errorf("attendance rows of their activity = %d", n)
		}

		// The roll call: everyone else present, the sibling's member late, in one submit.
		r = mgr.PostForm(page+"/attendance", url.Values{"others": {"present"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("roll call = %d: %s", r.Status, r.Body)
		}
		body := mgr.Get(page).Body
		if !strings.Contains(body, "1 of 1 attended") {
			t.Errorf("the tally after the roll call:\n%s", body)
		}
		if r := mgr.PostForm(page+"/attendance", url.Values{path("p%d", f.outPerson.ID): {"present"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("marking someone outside the audience = %d", r.Status)
		}
		if r := mgr.PostForm(page+"/status", url.Values{"status": {"held"}}); r.Status != http.StatusSeeOther {
			t.Errorf("mark held = %d: %s", r.Status, r.Body)
		}
		if body := mgr.Get(page).Body; !strings.Contains(body, "Held") {
			t.Error("the page does not show held")
		}
	})
}

// The record, tasks, the compliance calendar with a rule override, the attendance export
// and the calendar feeds, through the pages.
func TestActivityRecordComplianceAndFeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		act := f.plan(t, "支部党员大会", time.Now().Add(-3*time.Hour))
		mgr := f.client(t, "manager", "zh-CN")
		page := path("/activities/%d", act.ID)

		if r := mgr.PostForm(page+"/record", url.Values{"minutes": {"会议传达了上级精神。"}, "resolutions": {"一、抓好学习\n\n二、落实任务\n"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("save the record = %d: %s", r.Status, r.Body)
		}
		if r := mgr.PostForm(page+"/tasks", url.Values{"title": {"报送学习体会"}, "owner_id": {path("%d", f.self.ID)}, "due_on": {"2030-02-30"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a task due on 30 February = %d", r.Status)
		}
		if r := mgr.PostForm(page+"/tasks", url.Values{"title": {"报送学习体会"}, "owner_id": {path("%d", f.self.ID)}, "due_on": {"2030-02-28"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("add a task = %d: %s", r.Status, r.Body)
		}
		body := mgr.Get(page).Body
		for _, want := range []string{"会议传达了上级精神。", "<li>一、抓好学习</li>", "<li>二、落实任务</li>", "报送学习体会", "王建国"} {
			if !strings.Contains(body, want) {
				t.Errorf("the activity page lacks %q", want)
			}
		}
		var taskID int64
		if err := db.QueryRowContext(t.Context(), `SELECT id FROM activity_tasks WHERE activity_id = $1`, act.ID).Scan(&taskID); err != nil {
			t.Fatal(err)
		}
		// The owner reports progress; a viewer may not; an outsider finds nothing.
		if r := f.client(t, "member", "zh-CN").PostForm(path("/tasks/%d/progress", taskID), url.Values{"note": {"已报送"}, "close": {"1"}}); r.Status != http.StatusSeeOther {
			t.Errorf("the owner's progress = %d: %s", r.Status, r.Body)
		}
		if r := f.client(t, "viewer", "zh-CN").PostForm(path("/tasks/%d/progress", taskID), url.Values{"note": {"x"}}); r.Status != http.StatusForbidden {
			t.Errorf("the viewer's progress = %d", r.Status)
		}
		if r := f.client(t, "outsider", "zh-CN").PostForm(path("/tasks/%d/progress", taskID), url.Values{"note": {"x"}}); r.Status != http.StatusNotFound {
			t.Errorf("the outsider's progress = %d", r.Status)
		}
		if !strings.Contains(mgr.Get(page).Body, "已报送") {
			t.Error("the progress is not on the page")
		}

		// Held, the compliance calendar counts it.
		if r := mgr.PostForm(page+"/status", url.Values{"status": {"held"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("mark held = %d", r.Status)
		}
		r := mgr.Get(path("/orgs/%d/compliance", f.committee.ID))
		if r.Status != 200 || !strings.Contains(r.Body, "第一党支部") || !strings.Contains(r.Body, `class="held"`) || !strings.Contains(r.Body, "支部党员大会") {
			t.Fatalf("the compliance page = %d:\n%s", r.Status, r.Body)
		}
		if r := f.client(t, "outsider", "en").Get(path("/orgs/%d/compliance", f.committee.ID)); r.Status != http.StatusNotFound {
			t.Errorf("the outsider's compliance = %d", r.Status)
		}
		// Rules: the administrator asks for party lectures monthly; a manager may not.
		rule := url.Values{"org_kind": {"branch"}, "kind": {"party_lecture"}, "frequency": {"monthly"}}
		if r := mgr.PostForm(path("/orgs/%d/compliance/rules", f.committee.ID), rule); r.Status != http.StatusForbidden {
			t.Errorf("the manager's rule = %d", r.Status)
		}
		admin := f.client(t, "admin", "en")
		if r := admin.PostForm(path("/orgs/%d/compliance/rules", f.committee.ID), url.Values{"org_kind": {"branch"}, "kind": {"picnic"}, "frequency": {"monthly"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a rule for no kind = %d", r.Status)
		}
		if r := admin.PostForm(path("/orgs/%d/compliance/rules", f.committee.ID), rule); r.Status != http.StatusSeeOther {
			t.Fatalf("the administrator's rule = %d: %s", r.Status, r.Body)
		}
		if body := admin.Get(path("/orgs/%d/compliance", f.committee.ID)).Body; !strings.Contains(body, "Party lecture / micro party class: Monthly") {
			t.Errorf("the override is not listed:\n%s", body)
		}

		// The attendance export.
		x := mgr.Get(page + "/attendance.xlsx")
		if x.Status != 200 || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("attendance.xlsx = %d %s", x.Status, x.Header.Get("Content-Type"))
		}
		book, err := excelize.OpenReader(strings.NewReader(x.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := book.GetRows("Sheet1")
		if len(rows) != 2 || rows[1][0] != "王建国" || rows[1][2] != "缺席" {
			t.Errorf("the export's rows: %v", rows)
		}
		if r := f.client(t, "member", "en").Get(page + "/attendance.xlsx"); r.Status != http.StatusNotFound {
			t.Errorf("a member's export = %d", r.Status)
		}

		// Feeds: the organization's planned activities; the member's private address.
		f.plan(t, "下周主题党日", time.Now().Add(7*24*time.Hour))
		ics := mgr.Get(path("/orgs/%d/calendar.ics", f.branch.ID))
		if ics.Status != 200 || !strings.HasPrefix(ics.Body, "BEGIN:VCALENDAR\r\n") || !strings.Contains(ics.Body, "SUMMARY:下周主题党日") || strings.Contains(ics.Body, "支部党员大会") {
			t.Errorf("the organization's feed = %d:\n%s", ics.Status, ics.Body)
		}
		member := f.client(t, "member", "en")
		r = member.PostForm("/me/calendar", url.Values{})
		m := regexp.MustCompile(`/calendar/([A-Za-z0-9_-]+)\.ics`).FindStringSubmatch(r.Body)
		if r.Status != 200 || m == nil {
			t.Fatalf("issue a feed = %d:\n%s", r.Status, r.Body)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM settings WHERE value = $1`, m[1]); n != 0 {
			t.Error("the feed token is stored in the clear")
		}
		anon := f.env.Client(t)
		feed := anon.Get("/calendar/" + m[1] + ".ics")
		if feed.Status != 200 || !strings.Contains(feed.Body, "SUMMARY:下周主题党日") || !strings.Contains(feed.Body, "SUMMARY:支部党员大会") {
			t.Errorf("the private feed = %d:\n%s", feed.Status, feed.Body)
		}
		if r := anon.Get("/calendar/" + m[1] + "x.ics"); r.Status != http.StatusNotFound {
			t.Errorf("a forged feed = %d", r.Status)
		}
		member.PostForm("/me/calendar", url.Values{})
		if r := anon.Get("/calendar/" + m[1] + ".ics"); r.Status != http.StatusNotFound {
			t.Errorf("the old feed after a new one = %d", r.Status)
		}
		if r := member.Get(path("/people/%d", f.self.ID)); !strings.Contains(r.Body, `href="/me/calendar"`) {
			t.Error("the person's own page does not link the calendar")
		}
	})
}
