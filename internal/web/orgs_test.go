package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"vanguard/internal/app/apptest"
	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// A viewer on a branch sees its roster with the group below it, nothing of the sibling
// branch or another tree, and ID numbers masked; whatever lies outside answers 404.
func TestRosterIsScopedAndMasked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.client(t, "viewer", "zh-CN")
		r := c.Get(path("/orgs/%d/people", f.branch.ID))
		if r.Status != http.StatusOK {
			t.Fatalf("viewer roster = %d", r.Status)
		}
		for _, want := range []string{f.self.Name, f.activist.Name, f.applicant.Name, member.MaskIDNumber(f.selfID), member.MaskPhone(f.selfPhone)} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("roster lacks %q", want)
			}
		}
		for _, leak := range []string{f.sibPerson.Name, f.outPerson.Name, f.selfID, f.selfPhone} {
			if strings.Contains(r.Body, leak) {
				t.Errorf("roster shows %q", leak)
			}
		}
		// Without the subtree, the group's activist is not on the branch's own roster.
		r = c.Get(path("/orgs/%d/people?f=1", f.branch.ID))
		if strings.Contains(r.Body, f.activist.Name) || !strings.Contains(r.Body, f.self.Name) {
			t.Error("unticking sub-organizations did not narrow the roster")
		}
		// Filters: by stage and by name.
		r = c.Get(path("/orgs/%d/people?f=1&subtree=1&stage=activist", f.branch.ID))
		if !strings.Contains(r.Body, f.activist.Name) || strings.Contains(r.Body, f.self.Name) {
			t.Error("the stage filter did not filter")
		}
		r = c.Get(path("/orgs/%d/people?f=1&subtree=1&q=", f.branch.ID) + url.QueryEscape("建国"))
		if !strings.Contains(r.Body, f.self.Name) || strings.Contains(r.Body, f.applicant.Name) {
			t.Error("the name search did not filter")
		}
		for _, p := range []string{
			path("/orgs/%d", f.committee.ID), path("/orgs/%d/people", f.sibling.ID), path("/orgs/%d", f.other.ID),
			path("/orgs/%d/development", f.otherB.ID), path("/orgs/%d/people.xlsx", f.sibling.ID),
			path("/people/%d", f.sibPerson.ID), path("/people/%d", f.outPerson.ID), "/orgs/999999", "/people/999999", "/orgs/abc",
		} {
			if r := c.Get(p); r.Status != http.StatusNotFound || !strings.Contains(r.Body, "页面不存在") {
				t.Errorf("viewer GET %s = %d, want the not-found page", p, r.Status)
			}
		}
		// The person page masks too, and offers no reveal to a viewer.
		r = c.Get(path("/people/%d", f.self.ID))
		if r.Status != 200 || strings.Contains(r.Body, f.selfID) || !strings.Contains(r.Body, member.MaskIDNumber(f.selfID)) {
			t.Fatalf("viewer person page = %d, must show the ID number masked", r.Status)
		}
		if strings.Contains(r.Body, "/reveal") {
			t.Error("a viewer is offered the reveal button")
		}
		// Writes: inside View scope, 403; outside, 404.
		if r := c.PostForm(path("/people/%d/reveal", f.self.ID), nil); r.Status != http.StatusForbidden {
			t.Errorf("viewer reveal = %d, want 403", r.Status)
		}
		move := url.Values{"kind": {"talk"}, "on": {"2024-01-01"}}
		if r := c.PostForm(path("/people/%d/transitions", f.applicant.ID), move); r.Status != http.StatusForbidden {
			t.Errorf("viewer transition = %d, want 403", r.Status)
		}
		if r := c.PostForm(path("/orgs/%d/rename", f.branch.ID), url.Values{"name": {"x"}}); r.Status != http.StatusForbidden {
			t.Errorf("viewer rename = %d, want 403", r.Status)
		}
		if r := c.PostForm(path("/people/%d/transitions", f.sibPerson.ID), move); r.Status != http.StatusNotFound {
			t.Errorf("viewer transition out of scope = %d, want 404", r.Status)
		}
		outsider := f.client(t, "outsider", "zh-CN")
		if r := outsider.PostForm(path("/people/%d/transitions", f.applicant.ID), move); r.Status != http.StatusNotFound {
			t.Errorf("outsider transition = %d, want 404", r.Status)
		}
		if r := outsider.PostForm(path("/orgs/%d/children", f.committee.ID), url.Values{"kind": {"branch"}, "name": {"x"}}); r.Status != http.StatusNotFound {
			t.Errorf("outsider create child = %d, want 404", r.Status)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM stage_events WHERE kind = 'talk'`); n != 0 {
			t.Fatalf("refused requests recorded %d talks", n)
		}
	})
}

// A manager presses reveal: the full ID number and phone are on that response, and the
// look is in the audit log.
func TestRevealShowsFullNumberAndIsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.client(t, "manager", "en")
		r := c.Get(path("/people/%d", f.self.ID))
		if strings.Contains(r.Body, f.selfID) || !strings.Contains(r.Body, "/reveal") {
			t.Fatal("a manager must see the ID number masked, with a reveal button")
		}
		r = c.PostForm(path("/people/%d/reveal", f.self.ID), nil)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, f.selfID) || !strings.Contains(r.Body, f.selfPhone) {
			t.Fatalf("reveal = %d, want the full ID number and phone", r.Status)
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Error("a revealed page may be cached")
		}
		n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'reveal' AND entity = 'person' AND entity_id = $1 AND account_id = $2`,
			path("%d", f.self.ID), f.accounts["manager"].ID)
		if n != 1 {
			t.Fatalf("%d reveal lines in the audit log, want 1", n)
		}
		// The next plain view is masked again.
		if r := c.Get(path("/people/%d", f.self.ID)); strings.Contains(r.Body, f.selfID) {
			t.Error("the ID number stays revealed after the reveal")
		}
	})
}

// A refused step shows the rule, with the date it will be met, in the reader's language
// and changes nothing; an accepted one appears in the history.
func TestTransitionRefusedThenAccepted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		today := f.env.App.People.Today()
		ready := today.AddDate(1, 0, 0).Format("2006-01-02")
		advance := url.Values{"kind": {"advance"}, "to": {"candidate"}, "on": {today.Format("2006-01-02")}, "documents": {"支部委员会会议记录"}}
		for lang, want := range map[string]string{
			"zh-CN": "须经过一年以上的培养教育和考察",
			"en":    "trained and observed for at least one year",
		} {
			c := f.client(t, "manager", lang)
			r := c.PostForm(path("/people/%d/transitions", f.activist.ID), advance)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, want) || !strings.Contains(r.Body, ready) {
				t.Fatalf("%s refused advance = %d; want the rule %q with the date %s", lang, r.Status, want, ready)
			}
			if !strings.Contains(r.Body, "支部委员会会议记录") {
				t.Errorf("%s: the refused form lost what was typed", lang)
			}
		}
		if p, _ := f.env.App.People.Get(t.Context(), f.activist.ID); p.Stage != member.StageActivist {
			t.Fatalf("a refused move changed the stage to %s", p.Stage)
		}
		c := f.client(t, "manager", "zh-CN")
		talk := url.Values{"kind": {"talk"}, "on": {today.Format("2006-01-02")}, "note": {"由支部书记谈话"}}
		r := c.PostForm(path("/people/%d/transitions", f.applicant.ID), talk)
		if r.Status != http.StatusSeeOther || r.Location() != path("/people/%d?done=transition", f.applicant.ID) {
			t.Fatalf("talk = %d to %q: %s", r.Status, r.Location(), r.Body)
		}
		r = c.Get(r.Location())
		for _, want := range []string{"发展环节已登记", "已谈话", "由支部书记谈话", "讨论确定入党积极分子"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("after the talk the page lacks %q", want)
			}
		}
	})
}

// /me goes to one's own record, which is shown unmasked; an account without a record
// gets a kind page.
func TestMeRedirectsToOwnRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.client(t, "member", "zh-CN")
		r := c.Get("/me")
		if r.Status != http.StatusSeeOther || r.Location() != path("/people/%d", f.self.ID) {
			t.Fatalf("/me = %d to %q", r.Status, r.Location())
		}
		r = c.Get(r.Location())
		if r.Status != 200 || !strings.Contains(r.Body, f.selfID) || !strings.Contains(r.Body, "这是您本人的档案") {
			t.Fatalf("own record = %d, want it unmasked", r.Status)
		}
		if strings.Contains(r.Body, `action="/people/`+path("%d", f.self.ID)+`/transitions"`) {
			t.Error("a member without a role is offered to record their own development")
		}
		// A member sees no one else.
		if r := c.Get(path("/people/%d", f.applicant.ID)); r.Status != http.StatusNotFound {
			t.Errorf("member sees another person: %d", r.Status)
		}
		if r := c.Get("/orgs"); r.Status != 200 || !strings.Contains(r.Body, "您还没有组织权限") {
			t.Errorf("/orgs without roles = %d, want the empty state", r.Status)
		}
		if r := f.client(t, "nobody", "en").Get("/me"); r.Status != 200 || !strings.Contains(r.Body, "not linked to a person record") {
			t.Errorf("/me without a record = %d", r.Status)
		}
	})
}

// An organization's administrator sets up a sub-organization, renames it, grants a role
// and revokes it; a manager records a post but may not change the tree.
func TestOrgAdministration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.client(t, "admin", "zh-CN")
		r := admin.Get(path("/orgs/%d", f.committee.ID))
		for _, want := range []string{f.branch.Name, f.sibling.Name, "建立下级组织", "授予角色", "manager", "正式党员"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("the committee's page lacks %q", want)
			}
		}
		r = admin.PostForm(path("/orgs/%d/children", f.committee.ID), url.Values{"kind": {"branch"}, "name": {"第三党支部"}, "code": {"A3"}})
		id := regexp.MustCompile(`^/orgs/(\d+)\?done=created$`).FindStringSubmatch(r.Location())
		if r.Status != http.StatusSeeOther || id == nil {
			t.Fatalf("create child = %d to %q: %s", r.Status, r.Location(), r.Body)
		}
		// A group cannot sit under a committee: the rule is shown, the form kept.
		r = admin.PostForm(path("/orgs/%d/children", f.committee.ID), url.Values{"kind": {"group"}, "name": {"错位小组"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "错位小组") {
			t.Fatalf("a group under a committee = %d", r.Status)
		}
		if r := admin.PostForm("/orgs/"+id[1]+"/rename", url.Values{"name": {"第三党支部（新）"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("rename = %d", r.Status)
		}
		if r := admin.Get("/orgs/" + id[1]); !strings.Contains(r.Body, "第三党支部（新）") || !strings.Contains(r.Body, `href="/orgs/`+path("%d", f.committee.ID)) {
			t.Error("the renamed branch's page lacks its name or the breadcrumb to its committee")
		}
		// Move the group under the second branch, then try to move it into another tree.
		if r := admin.PostForm(path("/orgs/%d/move", f.group.ID), url.Values{"parent_id": {path("%d", f.sibling.ID)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("move = %d: %s", r.Status, r.Body)
		}
		if r := admin.PostForm(path("/orgs/%d/move", f.group.ID), url.Values{"parent_id": {path("%d", f.otherB.ID)}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "组织不存在") {
			t.Errorf("move into an unseen tree = %d", r.Status)
		}
		// Grant a role by username, then revoke it.
		nobody := f.client(t, "nobody", "zh-CN")
		if r := nobody.Get(path("/orgs/%d", f.sibling.ID)); r.Status != http.StatusNotFound {
			t.Fatalf("nobody sees the branch before the grant: %d", r.Status)
		}
		if r := admin.PostForm(path("/orgs/%d/grants", f.sibling.ID), url.Values{"username": {"Nobody"}, "role": {"viewer"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("grant = %d: %s", r.Status, r.Body)
		}
		if r := admin.PostForm(path("/orgs/%d/grants", f.sibling.ID), url.Values{"username": {"ghost"}, "role": {"viewer"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "ghost") {
			t.Errorf("grant to a missing account = %d", r.Status)
		}
		if r := nobody.Get(path("/orgs/%d", f.sibling.ID)); r.Status != 200 {
			t.Fatalf("nobody after the grant = %d", r.Status)
		}
		grant := regexp.MustCompile(`/orgs/\d+/grants/(\d+)/revoke`).FindStringSubmatch(admin.Get(path("/orgs/%d", f.sibling.ID)).Body)
		if grant == nil {
			t.Fatal("no revoke button")
		}
		if r := admin.PostForm(path("/orgs/%d/grants/%s/revoke", f.committee.ID, grant[1]), nil); r.Status != http.StatusNotFound {
			t.Errorf("revoking a grant through another organization = %d, want 404", r.Status)
		}
		if r := admin.PostForm(path("/orgs/%d/grants/%s/revoke", f.sibling.ID, grant[1]), nil); r.Status != http.StatusSeeOther {
			t.Fatalf("revoke = %d", r.Status)
		}
		if r := nobody.Get(path("/orgs/%d", f.sibling.ID)); r.Status != http.StatusNotFound {
			t.Errorf("nobody after the revoke = %d", r.Status)
		}
		// A manager records a post (Manage) but may not set up organizations (Administer).
		manager := f.client(t, "manager", "zh-CN")
		if r := manager.PostForm(path("/orgs/%d/children", f.committee.ID), url.Values{"kind": {"branch"}, "name": {"x"}}); r.Status != http.StatusForbidden {
			t.Errorf("manager create child = %d, want 403", r.Status)
		}
		post := url.Values{"kind": {"secretary"}, "person_id": {path("%d", f.self.ID)}, "started_on": {"2024-01-01"}}
		if r := manager.PostForm(path("/orgs/%d/posts", f.branch.ID), post); r.Status != http.StatusSeeOther {
			t.Fatalf("appoint = %d: %s", r.Status, r.Body)
		}
		r = manager.Get(path("/orgs/%d", f.branch.ID))
		if !strings.Contains(r.Body, "书记") || !strings.Contains(r.Body, path(`href="/people/%d"`, f.self.ID)) {
			t.Error("the branch page does not show its secretary")
		}
		post.Set("person_id", path("%d", f.outPerson.ID))
		if r := manager.PostForm(path("/orgs/%d/posts", f.branch.ID), post); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "该人员不存在") {
			t.Errorf("appointing someone out of scope = %d", r.Status)
		}
		end := regexp.MustCompile(`/orgs/\d+/posts/(\d+)/end`).FindStringSubmatch(r.Body)
		if end == nil {
			t.Fatal("no end-of-term form")
		}
		if r := manager.PostForm(path("/orgs/%d/posts/%s/end", f.sibling.ID, end[1]), url.Values{"on": {"2024-06-01"}}); r.Status != http.StatusNotFound {
			t.Errorf("ending a post through another organization = %d, want 404", r.Status)
		}
		if r := manager.PostForm(path("/orgs/%d/posts/%s/end", f.branch.ID, end[1]), url.Values{"on": {"2024-06-01"}}); r.Status != http.StatusSeeOther {
			t.Errorf("end post = %d", r.Status)
		}
	})
}

// Transfers: the sending side issues and may cancel, the receiving side receives, and
// neither may do the other's part.
func TestTransferIssueAndReceive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		manager := f.client(t, "manager", "zh-CN")
		r := manager.PostForm(path("/people/%d/transfers", f.self.ID), url.Values{"to_org": {"b1"}, "letter_no": {"甲组转〔2024〕1号"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("issue = %d: %s", r.Status, r.Body)
		}
		if r := manager.PostForm(path("/people/%d/transfers", f.applicant.ID), url.Values{"to_org": {"B1"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "只有党员才能办理组织关系转接") {
			t.Errorf("transferring an applicant = %d", r.Status)
		}
		r = manager.Get("/transfers")
		id := regexp.MustCompile(`/transfers/(\d+)/cancel`).FindStringSubmatch(r.Body)
		if id == nil || strings.Contains(r.Body, "/receive") || !strings.Contains(r.Body, "甲组转〔2024〕1号") {
			t.Fatal("the sender's list must offer cancel and not receive")
		}
		outsider := f.client(t, "outsider", "zh-CN")
		r = outsider.Get("/transfers")
		if !strings.Contains(r.Body, "/transfers/"+id[1]+"/receive") || strings.Contains(r.Body, "/cancel") {
			t.Fatal("the receiver's list must offer receive and not cancel")
		}
		if r := manager.PostForm("/transfers/"+id[1]+"/receive", nil); r.Status != http.StatusForbidden {
			t.Errorf("sender receives = %d, want 403", r.Status)
		}
		if r := f.client(t, "nobody", "zh-CN").PostForm("/transfers/"+id[1]+"/receive", nil); r.Status != http.StatusNotFound {
			t.Errorf("a stranger receives = %d, want 404", r.Status)
		}
		if r := outsider.PostForm("/transfers/"+id[1]+"/cancel", nil); r.Status != http.StatusForbidden {
			t.Errorf("receiver cancels = %d, want 403", r.Status)
		}
		if r := outsider.PostForm("/transfers/"+id[1]+"/receive", url.Values{"received_on": {f.env.App.People.Today().Format("2006-01-02")}}); r.Status != http.StatusSeeOther {
			t.Fatalf("receive = %d: %s", r.Status, r.Body)
		}
		if p, _ := f.env.App.People.Get(t.Context(), f.self.ID); p.OrgID != f.otherB.ID {
			t.Fatalf("after the receipt the member is in %d, want %d", p.OrgID, f.otherB.ID)
		}
		// The member moved out of the manager's scope; the outsider now sees the record.
		if r := manager.Get(path("/people/%d", f.self.ID)); r.Status != http.StatusNotFound {
			t.Errorf("the old branch still sees the member: %d", r.Status)
		}
		r = outsider.Get(path("/people/%d", f.self.ID))
		if r.Status != 200 || !strings.Contains(r.Body, "转入") || !strings.Contains(r.Body, "已接收") {
			t.Errorf("the receiver's view of the member = %d, want the transfer in the history", r.Status)
		}
		if r := outsider.PostForm("/transfers/"+id[1]+"/receive", nil); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("receiving twice = %d, want 422", r.Status)
		}
	})
}

// An alliance is shown to an account seeing one of its members, with its agreement's
// lines kept and escaped, and closed to others.
func TestAlliancePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := t.Context()
		id, err := f.env.App.Orgs.CreateAlliance(ctx, db, org.NewAlliance{
			Name: "甲乙党建联盟", NameEn: "A–B Alliance", Agreement: "第一条 共建共享\n第二条 <b>结对</b>帮扶", OrgIDs: []int64{f.committee.ID, f.other.ID},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.env.App.Orgs.AddResource(ctx, db, id, org.AllianceResource{OrgID: f.other.ID, Kind: "venue", Name: "乙公司党员活动室"}); err != nil {
			t.Fatal(err)
		}
		if err := f.env.App.Orgs.AddPair(ctx, db, id, org.AlliancePair{StrongID: f.other.ID, WeakID: f.committee.ID, Goal: "提升组织力"}); err != nil {
			t.Fatal(err)
		}
		c := f.client(t, "manager", "zh-CN")
		if r := c.Get("/alliances"); !strings.Contains(r.Body, "甲乙党建联盟") {
			t.Fatal("the alliance is not listed")
		}
		r := c.Get(path("/alliances/%d", id))
		for _, want := range []string{"第一条 共建共享\n第二条 &lt;b&gt;结对&lt;/b&gt;帮扶", "乙公司党员活动室", "阵地场所", "提升组织力", "乙公司", path(`href="/orgs/%d"`, f.committee.ID)} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("the alliance page lacks %q", want)
			}
		}
		if strings.Contains(r.Body, path(`href="/orgs/%d"`, f.other.ID)) {
			t.Error("the page links to a member organization the reader may not open")
		}
		if r := c.Get(path("/orgs/%d", f.committee.ID)); !strings.Contains(r.Body, path(`/alliances/%d`, id)) {
			t.Error("the committee's page does not list its alliance")
		}
		viewer := f.client(t, "viewer", "zh-CN")
		if r := viewer.Get(path("/alliances/%d", id)); r.Status != http.StatusNotFound {
			t.Errorf("viewer of a branch outside the alliance = %d, want 404", r.Status)
		}
		if r := viewer.Get("/alliances"); strings.Contains(r.Body, "甲乙党建联盟") {
			t.Error("the viewer's list shows the alliance")
		}
	})
}

// Every new page renders in both languages without an untranslated key.
func TestNewPagesAreTranslated(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db)
	id, err := f.env.App.Orgs.CreateAlliance(t.Context(), db, org.NewAlliance{Name: "联盟", Agreement: "协议", OrgIDs: []int64{f.committee.ID, f.other.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.env.App.Orgs.AddResource(t.Context(), db, id, org.AllianceResource{OrgID: f.other.ID, Kind: "lecturer", Name: "讲师"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.App.People.Issue(t.Context(), member.NewTransfer{PersonID: f.sibPerson.ID, ToOrgID: f.otherB.ID}); err != nil {
		t.Fatal(err)
	}
	bracketed := regexp.MustCompile(`\[[a-z_]+\.[a-z_.]+\]`)
	pages := map[string][]string{
		"root": {"/", "/orgs", "/orgs/search?q=" + url.QueryEscape("支部"), path("/orgs/%d", f.committee.ID), path("/orgs/%d", f.group.ID),
			path("/orgs/%d/people", f.committee.ID), path("/orgs/%d/development", f.committee.ID),
			path("/people/%d", f.self.ID), path("/people/%d?on=2020-01-01", f.self.ID), path("/people/%d", f.activist.ID),
			path("/people/%d", f.applicant.ID), path("/people/%d", f.sibPerson.ID), "/people/import", "/alliances", path("/alliances/%d", id), "/transfers"},
		"member": {"/", "/orgs", path("/people/%d", f.self.ID), "/alliances", "/transfers"},
		"nobody": {"/me"},
	}
	for i, lang := range i18n.Languages() {
		// The pages that answer a post: a reveal, an import's preview and its result.
		c := f.client(t, "root", lang)
		posted := []*apptest.Response{c.PostForm(path("/people/%d/reveal", f.activist.ID), nil)}
		file := "姓名,身份证号,组织代码\n新人," + idNumber(path("3201021990010100%d", i)) + ",A1\n"
		preview := upload(t, c, "/people/import", "roster.csv", []byte(file))
		posted = append(posted, preview, c.PostForm(regexp.MustCompile(`/people/import/\d+/confirm`).FindString(preview.Body), nil))
		for j, r := range posted {
			if r.Status != http.StatusOK {
				t.Errorf("%s post %d = %d", lang, j, r.Status)
			}
			if m := bracketed.FindString(r.Body); m != "" {
				t.Errorf("%s post %d shows untranslated %s", lang, j, m)
			}
		}
		for user, list := range pages {
			c := f.client(t, user, lang)
			for _, p := range list {
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
