package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/auth"
	"vanguard/internal/org"
)

// activityOpenAPICases drives the operations of organizational life with their success
// and error answers, validated against the document by ck.
func activityOpenAPICases(t *testing.T, f *fixture, ck *checker) {
	t.Helper()
	anon := f.anonymous
	now := time.Now().Truncate(time.Second)
	plan := map[string]any{"kind": "theme_day", "host_ids": []int64{f.branch.ID}, "title": "主题党日：重温入党誓词",
		"starts_at": now.Add(-5 * time.Minute), "ends_at": now.Add(2 * time.Hour), "place": "党员活动室", "speaker_name": "书记"}
	r := ck.json(f.manager, "POST", "/api/v1/activities", plan, 201)
	var created struct {
		ID int64
	}
	r.Decode(t, &created)
	act := id(created.ID)
	bad := map[string]any{"kind": "theme_day", "host_ids": []int64{f.branch.ID}, "title": "倒着的会",
		"starts_at": now.Add(2 * time.Hour), "ends_at": now}
	ck.json(f.manager, "POST", "/api/v1/activities", bad, 422)
	foreign := map[string]any{"kind": "joint_meeting", "host_ids": []int64{f.branch.ID, f.otherBranch.ID}, "title": "联席会议",
		"starts_at": now, "ends_at": now.Add(time.Hour)}
	ck.json(f.manager, "POST", "/api/v1/activities", foreign, 422)
	ck.json(anon, "POST", "/api/v1/activities", plan, 401)

	ck.get(f.manager, path("/api/v1/activities?org=%d&subtree=true&from=%s", f.committee.ID, now.AddDate(0, 0, -1).Format("2006-01-02")), 200)
	ck.get(f.viewer, "/api/v1/activities?kind=theme_day&limit=5", 200)
	ck.get(f.outsider, path("/api/v1/activities?org=%d", f.branch.ID), 404)
	ck.get(f.manager, "/api/v1/activities?kind=picnic", 422)
	ck.get(anon, "/api/v1/activities", 401)

	ck.get(f.manager, "/api/v1/activities/"+act, 200)
	ck.get(f.self, "/api/v1/activities/"+act, 200) // in the audience
	ck.get(f.outsider, "/api/v1/activities/"+act, 404)
	ck.get(anon, "/api/v1/activities/"+act, 401)

	tok, err := f.env.App.Activities.CheckinToken(context.Background(), org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	ck.json(f.self, "POST", "/api/v1/activities/"+act+"/checkin", map[string]string{"token": "1.forged"}, 422)
	r = ck.json(f.self, "POST", "/api/v1/activities/"+act+"/checkin", map[string]string{"token": tok.Value}, 200)
	var at activity.Attendee
	r.Decode(t, &at)
	if at.Presence != activity.Present || at.Method != activity.MethodQR {
		t.Errorf("signed in as %+v", at)
	}
	ck.json(f.self, "POST", "/api/v1/activities/"+act+"/checkin", map[string]string{"token": tok.Value}, 422) // twice
	ck.json(f.self, "POST", "/api/v1/activities/999999/checkin", map[string]string{"token": tok.Value}, 404)
	ck.json(anon, "POST", "/api/v1/activities/"+act+"/checkin", map[string]string{"token": tok.Value}, 401)
	if r := ck.json(f.outsider, "POST", "/api/v1/activities/"+act+"/checkin", map[string]string{"token": tok.Value}, 422); !strings.Contains(r.Body, "roster") {
		t.Errorf("an account without a person signs in: %s", r.Body)
	}
	// A meeting a week away: its sign-in is not open yet, and nothing changes.
	later := map[string]any{"kind": "committee_meeting", "host_ids": []int64{f.branch.ID}, "title": "下周支委会",
		"starts_at": now.AddDate(0, 0, 7), "ends_at": now.AddDate(0, 0, 7).Add(time.Hour)}
	r = ck.json(f.manager, "POST", "/api/v1/activities", later, 201)
	var next struct{ ID int64 }
	r.Decode(t, &next)
	if r := ck.json(f.self, "POST", "/api/v1/activities/"+id(next.ID)+"/checkin", map[string]string{"token": tok.Value}, 422); !strings.Contains(r.Body, "checkin_not_open") {
		t.Errorf("a sign-in a week early: %s", r.Body)
	}

	// Rescheduled by a day and renamed; the whole activity is sent again.
	later["title"], later["starts_at"], later["ends_at"] = "改期的支委会", now.AddDate(0, 0, 8), now.AddDate(0, 0, 8).Add(time.Hour)
	var changed activity.Activity
	ck.json(f.manager, "PUT", "/api/v1/activities/"+id(next.ID), later, 200).Decode(t, &changed)
	if changed.Title != "改期的支委会" || !changed.StartsAt.Equal(now.AddDate(0, 0, 8)) {
		t.Errorf("after PUT: %+v", changed)
	}
	backwards := map[string]any{"kind": "committee_meeting", "host_ids": []int64{f.branch.ID}, "title": "倒着的会",
		"starts_at": now.AddDate(0, 0, 8), "ends_at": now.AddDate(0, 0, 7)}
	if r := ck.json(f.manager, "PUT", "/api/v1/activities/"+id(next.ID), backwards, 422); !strings.Contains(r.Body, "ends_at") {
		t.Errorf("an end before the start: %s", r.Body)
	}
	ck.json(f.manager, "PUT", "/api/v1/activities/"+id(next.ID), foreign, 422)
	ck.json(f.viewer, "PUT", "/api/v1/activities/"+id(next.ID), later, 403)
	ck.json(f.outsider, "PUT", "/api/v1/activities/"+id(next.ID), later, 404)
	ck.json(anon, "PUT", "/api/v1/activities/"+id(next.ID), later, 401)
	if _, err := f.env.App.Activities.Move(context.Background(), org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage), next.ID, activity.Cancelled, ""); err != nil {
		t.Fatal(err)
	}
	if r := ck.json(f.manager, "PUT", "/api/v1/activities/"+id(next.ID), later, 422); !strings.Contains(r.Body, "activity.error.not_planned") {
		t.Errorf("a cancelled activity changed: %s", r.Body)
	}

	ck.json(f.manager, "POST", "/api/v1/activities/"+act+"/attendance", map[string]any{"marks": []any{}, "others": "absent"}, 200)
	ck.json(f.manager, "POST", "/api/v1/activities/"+act+"/attendance",
		map[string]any{"marks": []any{map[string]any{"person_id": f.stranger.ID, "presence": "present"}}}, 422)
	ck.json(f.viewer, "POST", "/api/v1/activities/"+act+"/attendance", map[string]any{"marks": []any{}}, 403)
	ck.json(f.outsider, "POST", "/api/v1/activities/"+act+"/attendance", map[string]any{"marks": []any{}}, 404)
	ck.json(anon, "POST", "/api/v1/activities/"+act+"/attendance", map[string]any{"marks": []any{}}, 401)

	ck.get(f.manager, path("/api/v1/orgs/%d/compliance?year=%d", f.committee.ID, now.Year()), 200)
	ck.get(f.outsider, path("/api/v1/orgs/%d/compliance", f.branch.ID), 404)
	ck.get(f.manager, path("/api/v1/orgs/%d/compliance?year=1800", f.branch.ID), 422)
	ck.get(anon, path("/api/v1/orgs/%d/compliance", f.branch.ID), 401)
}

// dashboardOpenAPICases answers the oversight dashboard: View on the organization, a bad
// period named.
func dashboardOpenAPICases(t *testing.T, f *fixture, ck *checker) {
	anon := f.anonymous
	if r := ck.get(f.manager, path("/api/v1/orgs/%d/dashboard?period=%d-Q1", f.committee.ID, time.Now().Year()), 200); !strings.Contains(r.Body, `"children"`) {
		t.Errorf("a committee's dashboard without its children: %s", r.Body)
	}
	ck.get(f.manager, path("/api/v1/orgs/%d/dashboard", f.branch.ID), 200)
	ck.get(f.outsider, path("/api/v1/orgs/%d/dashboard", f.branch.ID), 404)
	if r := ck.get(f.manager, path("/api/v1/orgs/%d/dashboard?period=2025-13-01", f.branch.ID), 422); !strings.Contains(r.Body, `"period"`) {
		t.Errorf("a bad period not named: %s", r.Body)
	}
	ck.get(anon, path("/api/v1/orgs/%d/dashboard", f.branch.ID), 401)
}
