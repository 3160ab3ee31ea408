package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"vanguard/internal/app/apptest"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/consult"
	"vanguard/internal/member"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// villager gives the fixture a resident of the first branch with an account, and returns
// the person.
func (f *fixture) villager(t *testing.T, username, name string, orgID int64) member.Person {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "fixture"})
	p, err := f.env.App.People.Create(ctx, member.NewPerson{Name: name, OrgID: orgID, Stage: member.StageResident})
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.env.App.Auth.CreateAccount(ctx, auth.NewAccount{Username: username, DisplayName: name, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.env.App.People.LinkAccount(ctx, f.env.DB, p.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	f.accounts[username] = a
	return p
}

// topic puts a topic to the first branch as the manager.
func (f *fixture) topic(t *testing.T, change func(*consult.NewTopic)) consult.Topic {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{AccountID: f.accounts["manager"].ID, Name: "manager"})
	n := consult.NewTopic{OrgID: f.branch.ID, Title: "有线管家", Background: "每户安装监控", VoteKind: "proposal",
		Eligibility: consult.MembersAndResidents, Results: consult.ResultsLive, OpensAt: time.Now().Add(-time.Hour), ClosesAt: time.Now().Add(24 * time.Hour)}
	if change != nil {
		change(&n)
	}
	tp, err := f.env.App.Consult.Create(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

// A resident takes part through the pages: opinion (a script stays text), vote, a
// changed vote that is still one vote; a reader outside the audience is told why.
func TestTopicPageParticipation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.villager(t, "villager", "钱大妈", f.branch.ID)
		tp := f.topic(t, nil)
		c := f.client(t, "villager", "zh-CN")
		page := path("/topics/%d", tp.ID)
		r := c.Get(page)
		if r.Status != 200 || !strings.Contains(r.Body, `action="/topics/`) || !strings.Contains(r.Body, "赞成") {
			t.Fatalf("the villager's topic page = %d, no vote form:\n%s", r.Status, r.Body)
		}
		r = c.PostForm(page+"/opinions", url.Values{"stance": {"for"}, "body": {`<script>alert("x")</script>装了安心`}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), page+"?done=opinion_given#opinion-") {
			t.Fatalf("give an opinion = %d to %q: %s", r.Status, r.Location(), r.Body)
		}
		body := c.Get(page).Body
		if strings.Contains(body, `<script>alert`) || !strings.Contains(body, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;装了安心`) {
			t.Error("the script in an opinion is not shown as text")
		}
		agree, disagree := tp.Options[0].ID, tp.Options[1].ID
		if r := c.PostForm(page+"/vote", url.Values{"option_id": {path("%d", agree)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("vote = %d: %s", r.Status, r.Body)
		}
		if r := c.PostForm(page+"/vote", url.Values{"option_id": {path("%d", disagree)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("vote again = %d", r.Status)
		}
		body = c.Get(page + "?done=voted").Body
		if !strings.Contains(body, "您已投：反对") || !strings.Contains(body, "投票成功") || !strings.Contains(body, "改投") {
			t.Error("the page does not show the changed vote")
		}
		if n := count(t, db, `SELECT COUNT(*) FROM votes WHERE topic_id = $1`, tp.ID); n != 1 {
			t.Fatalf("%d votes after voting twice", n)
		}
		// A viewer reads the topic but has no person to vote with: 422, with the reason.
		viewer := f.client(t, "viewer", "en")
		if r := viewer.Get(page); r.Status != 200 || strings.Contains(r.Body, `name="option_id"`) {
			t.Errorf("the viewer's page = %d, offering a vote", r.Status)
		}
		r = viewer.PostForm(page+"/vote", url.Values{"option_id": {path("%d", agree)}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "no person record") {
			t.Errorf("the viewer's vote = %d", r.Status)
		}
		// Outside the scope and the audience, the topic does not exist.
		f.villager(t, "stranger", "孙外人", f.otherB.ID)
		stranger := f.client(t, "stranger", "zh-CN")
		for _, p := range []string{page, "/topics/999999", "/topics/abc"} {
			if r := stranger.Get(p); r.Status != http.StatusNotFound {
				t.Errorf("a stranger GET %s = %d", p, r.Status)
			}
		}
		if r := stranger.PostForm(page+"/vote", url.Values{"option_id": {path("%d", agree)}}); r.Status != http.StatusNotFound {
			t.Errorf("a stranger's vote = %d", r.Status)
		}
		if r := stranger.Get("/topics"); strings.Contains(r.Body, "有线管家") {
			t.Error("a stranger lists the topic")
		}
		// Members only: a resident reads nothing of it.
		members := f.topic(t, func(n *consult.NewTopic) { n.Title, n.Eligibility = "党员议题", consult.Members })
		if r := c.Get(path("/topics/%d", members.ID)); r.Status != http.StatusNotFound {
			t.Errorf("a resident opens a members-only topic: %d", r.Status)
		}
		if r := f.client(t, "member", "zh-CN").Get(path("/topics/%d", members.ID)); r.Status != 200 {
			t.Errorf("a member opens a members-only topic: %d", r.Status)
		}
		// The topic was announced to the resident, who sees the count in the menu.
		home := c.Get("/").Body
		if !regexp.MustCompile(`href="/notifications" class="notices-link">通知 <span class="count"[^>]*>1</span>`).MatchString(home) {
			t.Errorf("the menu shows no unread notice:\n%s", home)
		}
		n := c.Get("/notifications").Body
		if !strings.Contains(n, "新议题请您参与：有线管家") || !strings.Contains(n, path(`href="/topics/%d"`, tp.ID)) {
			t.Errorf("the notices page:\n%s", n)
		}
		if home := c.Get("/").Body; strings.Contains(home, `class="count"`) {
			t.Error("the notices stay unread after the page was seen")
		}
	})
}

// Another person's opinion cannot be edited; a moderator hides one with a reason that
// stays visible; a secret ballot shows who voted and never how.
func TestOpinionsModerationAndSecretBallotOnPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.villager(t, "villager", "钱大妈", f.branch.ID)
		tp := f.topic(t, func(n *consult.NewTopic) { n.Secret, n.Results = true, consult.ResultsAfterClose })
		page := path("/topics/%d", tp.ID)
		villager, member, manager := f.client(t, "villager", "zh-CN"), f.client(t, "member", "zh-CN"), f.client(t, "manager", "zh-CN")
		villager.PostForm(page+"/opinions", url.Values{"stance": {"against"}, "body": {"不同意，号码13812345678可以联系我"}})
		op := regexp.MustCompile(`id="opinion-(\d+)"`).FindStringSubmatch(villager.Get(page).Body)
		if op == nil {
			t.Fatal("the opinion is not on the page")
		}
		edit := path("/topics/%d/opinions/%s/edit", tp.ID, op[1])
		for who, c := range map[string]*apptest.Client{"member": member, "manager": manager} {
			if r := c.PostForm(edit, url.Values{"stance": {"for"}, "body": {"被改了"}}); r.Status != http.StatusForbidden {
				t.Errorf("%s edits the villager's opinion: %d", who, r.Status)
			}
		}
		if r := villager.PostForm(edit, url.Values{"stance": {"against"}, "body": {"不同意"}}); r.Status != http.StatusSeeOther {
			t.Errorf("the author's edit = %d: %s", r.Status, r.Body)
		}
		if r := member.PostForm(path("/topics/%d/opinions/%s/hide", tp.ID, op[1]), url.Values{"reason": {"x"}}); r.Status != http.StatusForbidden {
			t.Errorf("a member hides an opinion: %d", r.Status)
		}
		if r := manager.PostForm(path("/topics/%d/opinions/%s/hide", tp.ID, op[1]), url.Values{"reason": {""}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("hiding without a reason = %d", r.Status)
		}
		if r := manager.PostForm(path("/topics/%d/opinions/%s/hide", tp.ID, op[1]), url.Values{"reason": {"含有个人电话号码"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("hide = %d", r.Status)
		}
		body := member.Get(page).Body
		if !strings.Contains(body, "已被管理员隐藏，理由：含有个人电话号码") || strings.Contains(body, "不同意") {
			t.Error("a participant sees the hidden text, or not the reason")
		}
		if body := manager.Get(page).Body; !strings.Contains(body, "不同意") {
			t.Error("the moderator does not see the hidden text")
		}
		// The secret ballot.
		for _, c := range []*apptest.Client{villager, member} {
			if r := c.PostForm(page+"/vote", url.Values{"option_id": {path("%d", tp.Options[1].ID)}}); r.Status != http.StatusSeeOther {
				t.Fatalf("vote = %d", r.Status)
			}
		}
		body = manager.Get(page).Body
		voters := regexp.MustCompile(`(?s)<details class="voters">.*?</details>`).FindString(body)
		if !strings.Contains(voters, "钱大妈") || !strings.Contains(voters, "王建国") || strings.Contains(voters, "反对") ||
			!strings.Contains(body, "表决结果将在截止后公布") {
			t.Errorf("the manager's view of the secret ballot:\n%s", voters)
		}
		// The decision closes it; the count appears, the single votes never.
		r := manager.PostForm(page+"/decision", url.Values{"decision": {"暂缓建设"}, "conditions": {"坚持村民自愿原则\n再议"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("decide = %d: %s", r.Status, r.Body)
		}
		body = villager.Get(page).Body
		voters = regexp.MustCompile(`(?s)<details class="voters">.*?</details>`).FindString(body)
		if !strings.Contains(body, "坚持村民自愿原则") || !strings.Contains(body, `<meter min="0" max="100" value="100">`) || strings.Contains(voters, "反对") {
			t.Errorf("after the decision:\n%s", body)
		}
		if r := villager.PostForm(page+"/vote", url.Values{"option_id": {path("%d", tp.Options[0].ID)}}); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "议题已截止") {
			t.Errorf("a vote after the decision = %d", r.Status)
		}
		// Follow-up until done, and meetings.
		if r := manager.PostForm(page+"/meetings", url.Values{"title": {"围炉议事"}, "held_on": {"2026-01-05"}, "url": {"javascript:alert(1)"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a javascript: link = %d", r.Status)
		}
		if r := manager.PostForm(page+"/meetings", url.Values{"title": {"围炉议事"}, "held_on": {"2026-01-05"}, "minutes": {"围炉煮茶"}}); r.Status != http.StatusSeeOther {
			t.Errorf("link a meeting = %d: %s", r.Status, r.Body)
		}
		if r := manager.PostForm(page+"/updates", url.Values{"body": {"已向村民解释"}, "done": {"1"}}); r.Status != http.StatusSeeOther {
			t.Errorf("a follow-up = %d", r.Status)
		}
		if body := member.Get(page).Body; !strings.Contains(body, "已向村民解释") || !strings.Contains(body, "围炉煮茶") || !strings.Contains(body, "已办结") {
			t.Error("the follow-up or the meeting is not on the page")
		}
	})
}

// The organizer's dashboard and the topic form: Manage to create, View to read.
func TestTopicDashboard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		manager := f.client(t, "manager", "zh-CN")
		dash := path("/orgs/%d/topics", f.committee.ID)
		form := url.Values{"title": {"村民健身广场选址"}, "background": {"三处备选"}, "vote_kind": {"choice"}, "options": {"晒谷场\n村委会旁\n河滨绿地"},
			"eligibility": {"representatives"}, "representatives": {path("%d, %d", f.self.ID, f.outPerson.ID)}, "results": {"live"},
			"opens_at": {"2026-01-01T09:00"}, "closes_at": {"2026-01-08T18:00"}}
		r := manager.PostForm(dash, form)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, path("没有编号为 %d 的人员", f.outPerson.ID)) {
			t.Fatalf("a representative outside the scope = %d", r.Status)
		}
		form.Set("representatives", path("%d", f.self.ID))
		r = manager.PostForm(dash, form)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/topics/") {
			t.Fatalf("create = %d: %s", r.Status, r.Body)
		}
		body := manager.Get(dash).Body
		if !strings.Contains(body, "村民健身广场选址") || !strings.Contains(body, "0 / 1") {
			t.Errorf("the dashboard:\n%s", body)
		}
		topic := manager.Get(r.Location()).Body
		if !strings.Contains(topic, "指定代表：王建国") || !strings.Contains(topic, "河滨绿地") || !strings.Contains(topic, "2026-01-01 09:00") {
			t.Errorf("the created topic:\n%s", topic)
		}
		if r := f.client(t, "viewer", "zh-CN").PostForm(path("/orgs/%d/topics", f.branch.ID), form); r.Status != http.StatusForbidden {
			t.Errorf("a viewer creates a topic: %d", r.Status)
		}
		if r := f.client(t, "outsider", "zh-CN").Get(dash); r.Status != http.StatusNotFound {
			t.Errorf("an outsider's dashboard = %d", r.Status)
		}
	})
}

// An idea through the pages: submitted with an attachment, supported once by a
// colleague, reviewed by the manager, the submitter told; the board's figures and the
// spreadsheet.
func TestIdeaPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.villager(t, "worker", "赵师傅", f.branch.ID)
		worker, member, manager := f.client(t, "worker", "zh-CN"), f.client(t, "member", "zh-CN"), f.client(t, "manager", "zh-CN")
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range map[string]string{"title": "推行6S看板", "problem": "物料乱放", "proposal": "<b>划线定位</b>", "benefit": "省时",
			"category": "production", "org_id": path("%d", f.committee.ID)} {
			mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("files", "现场.html")
		fw.Write([]byte("<script>alert(1)</script>"))
		mw.Close()
		r := worker.Do("POST", "/ideas", &buf, http.Header{"Content-Type": {mw.FormDataContentType()}, "Origin": {worker.BaseURL()}, "Sec-Fetch-Site": {"same-origin"}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/ideas/") {
			t.Fatalf("submit = %d: %s", r.Status, r.Body)
		}
		page := strings.TrimSuffix(r.Location(), "?done=idea_submitted")
		body := worker.Get(page).Body
		if !strings.Contains(body, "&lt;b&gt;划线定位&lt;/b&gt;") || !strings.Contains(body, "待审核") {
			t.Errorf("the idea page:\n%s", body)
		}
		file := regexp.MustCompile(`href="(/ideas/\d+/attachments/\d+)"`).FindStringSubmatch(body)
		if file == nil {
			t.Fatal("no attachment link")
		}
		a := worker.Get(file[1])
		if !strings.HasPrefix(a.Header.Get("Content-Disposition"), "attachment;") || !strings.Contains(a.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("an attachment is served as %q %q", a.Header.Get("Content-Disposition"), a.Header.Get("Content-Security-Policy"))
		}
		// A colleague does not see it before it is taken up.
		if r := member.Get(page); r.Status != http.StatusNotFound {
			t.Errorf("a colleague reads a fresh idea: %d", r.Status)
		}
		if r := member.PostForm(page+"/review", url.Values{"status": {"under_review"}}); r.Status != http.StatusNotFound {
			t.Errorf("a colleague reviews: %d", r.Status)
		}
		if r := f.client(t, "viewer", "zh-CN").PostForm(page+"/review", url.Values{"status": {"under_review"}}); r.Status != http.StatusNotFound {
			t.Errorf("a viewer of the branch reviews a committee's idea: %d", r.Status)
		}
		if r := manager.PostForm(page+"/review", url.Values{"status": {"adopted"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("adopting before review = %d", r.Status)
		}
		if r := manager.PostForm(page+"/review", url.Values{"status": {"under_review"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("review = %d: %s", r.Status, r.Body)
		}
		if r := member.PostForm(page+"/support", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("support = %d: %s", r.Status, r.Body)
		}
		if r := member.PostForm(page+"/support", nil); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "每人只能支持一次") {
			t.Errorf("support twice = %d", r.Status)
		}
		if r := worker.PostForm(page+"/support", nil); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("supporting one's own = %d", r.Status)
		}
		if r := manager.PostForm(page+"/review", url.Values{"status": {"adopted"}, "reason": {"试点推广"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("adopt = %d", r.Status)
		}
		body = worker.Get(page).Body
		if !strings.Contains(body, "已采纳") || !strings.Contains(body, `<dd id="supports">1</dd>`) || !strings.Contains(body, "采纳得 5 分") {
			t.Errorf("the adopted idea:\n%s", body)
		}
		notes := worker.Get("/notifications").Body
		if !strings.Contains(notes, "您的金点子“推行6S看板”已被采纳") || !strings.Contains(notes, "已受理审核") {
			t.Errorf("the worker's notices:\n%s", notes)
		}
		board := manager.Get(path("/orgs/%d/ideas", f.committee.ID)).Body
		if !strings.Contains(board, "推行6S看板") || !strings.Contains(board, "年度统计") || !strings.Contains(board, "100%") {
			t.Errorf("the board:\n%s", board)
		}
		x := manager.Get(path("/orgs/%d/ideas.xlsx?status=adopted", f.committee.ID))
		if x.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("export = %d %s", x.Status, x.Header.Get("Content-Type"))
		}
		book, err := excelize.OpenReader(strings.NewReader(x.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := book.GetRows("金点子")
		if len(rows) != 2 || rows[1][1] != "推行6S看板" || rows[1][5] != "已采纳" || rows[1][7] != "manager" {
			t.Errorf("the exported ideas: %v", rows)
		}
		if r := f.client(t, "outsider", "zh-CN").Get(path("/orgs/%d/ideas.xlsx", f.committee.ID)); r.Status != http.StatusNotFound {
			t.Errorf("an outsider's export = %d", r.Status)
		}
		// An account without a person cannot submit; the board says why.
		r = manager.PostForm("/ideas", url.Values{"title": {"x"}, "proposal": {"y"}, "category": {"other"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "没有关联人员档案") {
			t.Errorf("an idea without a person = %d", r.Status)
		}
	})
}

// Every page of deliberation and ideas reads in both languages, with no untranslated key.
func TestConsultPagesAreTranslated(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{DemoData: true})
	var renfu, minglong, idea int64
	env.DB.QueryRowContext(t.Context(), `SELECT id FROM orgs WHERE code = 'SZ-RF'`).Scan(&renfu)
	env.DB.QueryRowContext(t.Context(), `SELECT id FROM orgs WHERE code = 'TX-ML'`).Scan(&minglong)
	env.DB.QueryRowContext(t.Context(), `SELECT MIN(id) FROM ideas WHERE status = 'declined'`).Scan(&idea)
	bracketed := regexp.MustCompile(`\[[a-z_]+\.[a-z_.]+\]`)
	for _, lang := range []string{"zh-CN", "en"} {
		for user, pages := range map[string][]string{
			"branch":   {"/", "/topics", "/topics/1", "/topics/2", path("/orgs/%d/topics", renfu), "/ideas", "/notifications"},
			"resident": {"/topics/1", "/topics/2", "/ideas", "/notifications"},
			"admin":    {"/ideas", path("/ideas/%d", idea), path("/orgs/%d/ideas", minglong), path("/orgs/%d/topics", minglong)},
		} {
			c := env.Client(t)
			c.Header.Set("Accept-Language", lang)
			c.Login(user, auth.DemoPassword)
			for _, p := range pages {
				r := c.Get(p)
				if r.Status != http.StatusOK {
					t.Errorf("%s %s %s = %d", lang, user, p, r.Status)
				}
				if m := bracketed.FindString(r.Body); m != "" {
					t.Errorf("%s %s %s shows untranslated %s", lang, user, p, m)
				}
			}
		}
	}
}
