package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// A planned activity is edited from its page: the form comes filled in, bad input is
// refused naming the field and saves nothing, and a held activity cannot be edited.
func TestActivityEditPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := t.Context()
		if _, err := f.env.App.Orgs.Appoint(ctx, db, org.NewPost{OrgID: f.branch.ID, PersonID: f.self.ID, Kind: org.Secretary,
			StartedOn: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		act := f.plan(t, "下周主题党日", time.Now().Add(7*24*time.Hour))
		page, edit := path("/activities/%d", act.ID), path("/activities/%d/edit", act.ID)
		mgr := f.client(t, "manager", "zh-CN")
		if body := mgr.Get(page).Body; !strings.Contains(body, `href="`+edit+`"`) {
			t.Errorf("the activity page has no edit link:\n%s", body)
		}
		if body := f.client(t, "viewer", "zh-CN").Get(page).Body; strings.Contains(body, edit) {
			t.Error("a viewer is offered the edit link")
		}
		r := mgr.Get(edit)
		if r.Status != 200 || !strings.Contains(r.Body, `value="下周主题党日"`) || !strings.Contains(r.Body, "王建国 · 书记") {
			t.Fatalf("the edit form = %d:\n%s", r.Status, r.Body)
		}
		if r := f.client(t, "viewer", "en").Get(edit); r.Status != http.StatusForbidden {
			t.Errorf("a viewer's edit form = %d", r.Status)
		}
		if r := f.client(t, "outsider", "en").Get(edit); r.Status != http.StatusNotFound {
			t.Errorf("an outsider's edit form = %d", r.Status)
		}

		starts := act.StartsAt.Add(24 * time.Hour).In(time.FixedZone("CST", 8*3600)).Truncate(time.Minute)
		valid := url.Values{"kind": {"party_lecture"}, "title": {"书记讲党课"}, "starts_at": {starts.Format("2006-01-02T15:04")},
			"ends_at": {starts.Add(time.Hour).Format("2006-01-02T15:04")}, "place": {"二楼"}, "speaker_id": {strconv.FormatInt(f.self.ID, 10)}}
		bad := func(name, lang string, change url.Values, want ...string) {
			t.Helper()
			v := url.Values{}
			for k, vs := range valid {
				v[k] = vs
			}
			for k, vs := range change {
				v[k] = vs
			}
			r := f.client(t, "manager", lang).PostForm(edit, v)
			if r.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s = %d:\n%s", name, r.Status, r.Body)
			}
			for _, w := range want {
				if !strings.Contains(r.Body, w) {
					t.Errorf("%s: the page does not say %q:\n%s", name, w, r.Body)
				}
			}
		}
		bad("an end before the start", "en", url.Values{"ends_at": {starts.Add(-time.Hour).Format("2006-01-02T15:04")}}, "Ends:", `value="书记讲党课"`)
		bad("no title", "zh-CN", url.Values{"title": {" "}}, "标题")
		bad("a host code nobody knows", "en", url.Values{"more_hosts": {"NOPE"}}, "Other host organizations:", "NOPE")
		bad("a host code outside the manager's view", "en", url.Values{"more_hosts": {"B1"}}, "Other host organizations:", "B1")
		bad("a host the manager does not manage", "en", url.Values{"more_hosts": {strconv.FormatInt(f.otherB.ID, 10)}}, "Hosts:")
		bad("a speaker who does not exist", "en", url.Values{"speaker_id": {"999999"}}, "Speaker on record:")
		if got, _ := f.env.App.Activities.Get(ctx, act.ID); got.Title != "下周主题党日" || got.Kind != activity.ThemeDay {
			t.Fatalf("a refused edit changed the activity: %+v", got)
		}

		// The branch's new member is invited when the activity is saved.
		newcomer, err := f.env.App.People.Create(ctx, member.NewPerson{Name: "新党员", IDNumber: idNumber("11010119900101009"),
			OrgID: f.branch.ID, Stage: member.StageFull, JoinedAt: time.Date(2020, 7, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if r := mgr.PostForm(edit, valid); r.Status != http.StatusSeeOther {
			t.Fatalf("save = %d:\n%s", r.Status, r.Body)
		}
		got, err := f.env.App.Activities.Get(ctx, act.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "书记讲党课" || got.Kind != activity.PartyLecture || got.SpeakerID != f.self.ID || !got.StartsAt.Equal(starts) {
			t.Errorf("after the edit: %+v", got)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM attendance WHERE activity_id = $1 AND person_id = $2`, act.ID, newcomer.ID); n != 1 {
			t.Errorf("the newcomer has %d invitations", n)
		}
		if body := f.client(t, "manager", "en").Get(page).Body; !strings.Contains(body, "书记讲党课") {
			t.Errorf("the page after the edit:\n%s", body)
		}

		// Held: history, not a plan.
		past := f.plan(t, "已开的会", time.Now().Add(-time.Hour))
		if _, err := f.env.App.Activities.Move(ctx, org.ScopeOf(f.accounts["root"], org.Manage), past.ID, activity.Held, ""); err != nil {
			t.Fatal(err)
		}
		heldEdit := path("/activities/%d/edit", past.ID)
		for _, lang := range []string{"en", "zh-CN"} {
			r := f.client(t, "manager", lang).Get(heldEdit)
			if r.Status != http.StatusConflict || strings.Contains(r.Body, `id="activity-edit"`) || !strings.Contains(r.Body, map[string]string{"en": "Only a planned activity", "zh-CN": "只有计划中的活动"}[lang]) {
				t.Errorf("%s: the edit page of a held activity = %d:\n%s", lang, r.Status, r.Body)
			}
		}
		if r := mgr.PostForm(heldEdit, valid); r.Status != http.StatusConflict {
			t.Errorf("saving a held activity = %d", r.Status)
		}
		if got, _ := f.env.App.Activities.Get(ctx, past.ID); got.Title != "已开的会" {
			t.Errorf("a held activity was changed: %+v", got)
		}
	})
}

// The compliance page lists the committee's pairs due a heart-to-heart talk.
func TestCompliancePageShowsTalkPairs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := t.Context()
		deputy, err := f.env.App.People.Create(ctx, member.NewPerson{Name: "副书记甲", IDNumber: idNumber("11010119900101010"),
			OrgID: f.branch.ID, Stage: member.StageFull, JoinedAt: time.Date(2020, 7, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []org.NewPost{{OrgID: f.branch.ID, PersonID: f.self.ID, Kind: org.Secretary}, {OrgID: f.branch.ID, PersonID: deputy.ID, Kind: org.DeputySecretary}} {
			p.StartedOn = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
			if _, err := f.env.App.Orgs.Appoint(ctx, db, p); err != nil {
				t.Fatal(err)
			}
		}
		for lang, want := range map[string][]string{
			"en":    {"Heart-to-heart talk", "between each pair of committee members", "0 of 1 pairs have talked", "王建国 ↔ 副书记甲: <strong>not yet"},
			"zh-CN": {"谈心谈话", "支委之间两两谈心", "1 对中已谈 0 对", "王建国 ↔ 副书记甲: <strong>未谈", "由书记讲授"},
		} {
			body := f.client(t, "manager", lang).Get(path("/orgs/%d/compliance", f.committee.ID)).Body
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("%s: the compliance page does not say %q", lang, w)
				}
			}
		}
	})
}
