package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// A held meeting becomes a report draft in one step, with its record, attendance and
// photos, without typing anything twice; asking again opens the same draft.
func TestReportFromRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		act := f.plan(t, "主题党日：学习冬训精神", time.Now().Add(-3*time.Hour))
		mgr := f.client(t, "manager", "zh-CN")
		page := path("/activities/%d", act.ID)
		if r := mgr.PostForm(page+"/report", url.Values{"x": {"1"}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a report of a planned meeting = %d", r.Status)
		}
		mgr.PostForm(page+"/record", url.Values{"minutes": {"会议传达了冬训精神。"}, "resolutions": {"抓好学习"}})
		if r := mgr.PostForm(page+"/status", url.Values{"status": {"held"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("mark held = %d", r.Status)
		}
		// Photos are optional, and a viewer may not add them.
		if r := uploadWith(t, f.client(t, "viewer", "zh-CN"), page+"/media", "p.png", pngOf(t, 40, 30), nil); r.Status != http.StatusForbidden {
			t.Fatalf("a viewer's photo = %d", r.Status)
		}
		if r := uploadWith(t, mgr, page+"/media", "现场.png", pngOf(t, 40, 30), url.Values{"caption": {"会议现场"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("photo = %d %s", r.Status, r.Body)
		}
		if r := mgr.Get(page + "/media"); !strings.Contains(r.Body, "会议现场") || !strings.Contains(r.Body, `<img src="/media/`) {
			t.Fatalf("the photo is not listed:\n%s", r.Body)
		}
		if r := mgr.Get(page); !strings.Contains(r.Body, `id="write-report"`) {
			t.Fatal("the held meeting offers no report")
		}
		r := mgr.PostForm(page+"/report", url.Values{"x": {"1"}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/articles/") {
			t.Fatalf("write the report = %d %s", r.Status, r.Location())
		}
		edit := strings.Split(r.Location(), "?")[0]
		body := mgr.Get(edit).Body
		for _, want := range []string{"主题党日：学习冬训精神", "第一党支部", "会议传达了冬训精神。", "抓好学习", "实到", `&lt;img src=&#34;/media/`} {
			if !strings.Contains(body, want) {
				t.Errorf("the draft lacks %q", want)
			}
		}
		if again := mgr.PostForm(page+"/report", url.Values{"x": {"1"}}); strings.Split(again.Location(), "?")[0] != edit {
			t.Errorf("a second report: %s, want %s", again.Location(), edit)
		}
		// The API makes the same draft, not a second one.
		var got struct{ ID int64 }
		ar := mgr.JSON("POST", path("/api/v1/activities/%d/report", act.ID), nil)
		ar.Decode(t, &got)
		if ar.Status != http.StatusOK || edit != fmt.Sprintf("/articles/%d", got.ID) {
			t.Errorf("API report = %d, article %d", ar.Status, got.ID)
		}
	})
}

// Comments wait for a moderator; a link, repeated text and a burst are held as spam.
func TestCommentModeration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		mgr := f.client(t, "manager", "en")
		r := mgr.PostForm(path("/orgs/%d/articles", f.branch.ID), url.Values{"title": {"评论测试"}, "body": {"正文"}, "format": {"text"}})
		edit := strings.Split(r.Location(), "?")[0]
		mgr.PostForm(edit, url.Values{"title": {"评论测试"}, "body": {"<p>正文</p>"}, "category": {"news"}, "comments": {"on"}})
		mgr.PostForm(edit+"/status", url.Values{"status": {"published"}})
		var id int64
		fmt.Sscanf(edit, "/articles/%d", &id)
		public := path("/portal/%d/articles/%d", f.branch.ID, id)
		anon := f.env.Client(t)
		send := func(name, text string) int {
			return anon.PostForm(public+"/comments", url.Values{"name": {name}, "body": {text}}).Status
		}
		if s := send("", "好"); s != http.StatusUnprocessableEntity {
			t.Fatalf("a nameless comment = %d", s)
		}
		if s := send("读者", "写得好，<script>alert(1)</script>向支部学习"); s != http.StatusSeeOther {
			t.Fatalf("comment = %d", s)
		}
		send("广告", "便宜 http://spam.example")
		send("复读", "哈哈哈哈哈哈哈哈哈哈哈哈哈哈")
		send("刷屏", "第三条")
		send("刷屏", "第四条")
		if body := anon.Get(public).Body; strings.Contains(body, "向支部学习") {
			t.Fatal("a comment shown before moderation")
		}
		rows, err := db.QueryContext(t.Context(), `SELECT id, name, body, status, reason FROM article_comments ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		type c struct {
			id                         int64
			name, body, status, reason string
		}
		var list []c
		for rows.Next() {
			var x c
			rows.Scan(&x.id, &x.name, &x.body, &x.status, &x.reason)
			list = append(list, x)
		}
		rows.Close()
		want := []string{"pending/", "spam/link", "spam/repeated", "spam/rate", "spam/rate"}
		for i, x := range list {
			if i < len(want) && x.status+"/"+x.reason != want[i] {
				t.Errorf("comment %q: %s/%s, want %s", x.name, x.status, x.reason, want[i])
			}
		}
		if len(list) != 5 || strings.Contains(list[0].body, "script") {
			t.Fatalf("comments = %+v", list)
		}
		if r := f.client(t, "outsider", "en").PostForm(path("%s/comments/%d", edit, list[0].id), url.Values{"status": {"approved"}}); r.Status != http.StatusNotFound {
			t.Fatalf("an outsider moderates: %d", r.Status)
		}
		if r := mgr.PostForm(path("%s/comments/%d", edit, list[0].id), url.Values{"status": {"approved"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("approve = %d", r.Status)
		}
		if body := anon.Get(public).Body; !strings.Contains(body, "向支部学习") || strings.Contains(body, "便宜") {
			t.Fatal("moderation did not show the approved comment alone")
		}
	})
}
