package app_test

// The authorization walk's cases for organizational life.
//
// Every request gets a fresh activity hosted by the relation's organization, planned to
// be under way now (so that its sign-in code is issued). Its audience is the hosts'
// members, so self — a member of the own organization — is invited to the ancestor's
// meetings too, as a committee-wide party lecture would invite them (internal/web tests
// that). The walk's fixed expectations give self the own organization's objects only,
// so the activity's invitation of self — and of the walk's accounts that other domains'
// cases gave a person record in the own organization — is withdrawn for every other
// relation.
//
// Signing in by the QR link answers every signed-in caller with the reason it refuses
// (no token here): 422, which the walk counts as reaching the route.

import (
	"fmt"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/auth"
	"vanguard/internal/org"
)

var activityRouteCases = []routeCase{
	// The list first, with the leak check: each request adds an activity of its relation.
	{pattern: "GET /api/v1/activities", need: needSignedIn, path: "/api/v1/activities?limit=500", leaks: true, extra: activityFor},

	// Pages.
	{pattern: "GET /orgs/{id}/activities", need: needView, path: "/orgs/{org}/activities"},
	{pattern: "POST /orgs/{id}/activities", need: needManage, path: "/orgs/{org}/activities", form: "title="},
	{pattern: "GET /activities/{id}", need: needView, selfOK: true, path: "/activities/{activity}", extra: activityFor},
	{pattern: "POST /activities/{id}/attendance", need: needManage, path: "/activities/{activity}/attendance", form: "others=bogus", extra: activityFor},
	{pattern: "GET /activities/{id}/edit", need: needManage, path: "/activities/{activity}/edit", extra: activityFor},
	{pattern: "POST /activities/{id}/edit", need: needManage, path: "/activities/{activity}/edit", form: "title=", extra: activityFor},
	{pattern: "POST /activities/{id}/status", need: needManage, path: "/activities/{activity}/status", form: "status=", extra: activityFor},
	{pattern: "GET /activities/{id}/qr.png", need: needManage, path: "/activities/{activity}/qr.png", extra: activityFor},
	{pattern: "GET /activities/{id}/count.json", need: needManage, path: "/activities/{activity}/count.json", extra: activityFor},
	{pattern: "GET /activities/{id}/checkin", need: needSignedIn, path: "/activities/{activity}/checkin?token=", extra: activityFor},
	{pattern: "POST /activities/{id}/leave", need: needView, selfOK: true, path: "/activities/{activity}/leave", form: "reason=", extra: activityFor},
	{pattern: "POST /activities/{id}/leave/{person}", need: needManage, path: "/activities/{activity}/leave/{person}", form: "decision=approve", extra: activityFor},
	{pattern: "POST /activities/{id}/record", need: needManage, path: "/activities/{activity}/record", form: "minutes=", extra: activityFor},
	{pattern: "POST /activities/{id}/tasks", need: needManage, path: "/activities/{activity}/tasks", form: "title=", extra: activityFor},
	{pattern: "POST /tasks/{id}/progress", need: needManage, path: "/tasks/{task}/progress", form: "note=", extra: taskFor},
	{pattern: "GET /activities/{id}/attendance.xlsx", need: needView, path: "/activities/{activity}/attendance.xlsx", extra: activityFor},
	{pattern: "GET /orgs/{id}/compliance", need: needView, path: "/orgs/{org}/compliance"},
	{pattern: "POST /orgs/{id}/compliance/rules", need: needAdminister, path: "/orgs/{org}/compliance/rules", form: "org_kind="},
	{pattern: "GET /orgs/{id}/calendar.ics", need: needView, path: "/orgs/{org}/calendar.ics"},
	{pattern: "GET /calendar/{file}", need: needPublic, path: "/calendar/not-a-token.ics"},
	{pattern: "GET /me/calendar", need: needSignedIn, path: "/me/calendar"},
	{pattern: "POST /me/calendar", need: needSignedIn, path: "/me/calendar"},

	// API.
	{pattern: "POST /api/v1/activities", need: needManage, path: "/api/v1/activities",
		form: `{"kind":"theme_day","host_ids":[{org}],"title":"WALK","starts_at":"2030-01-01T09:00:00Z","ends_at":"2030-01-01T10:00:00Z"}`, deniedField: "host_ids"},
	{pattern: "GET /api/v1/activities/{id}", need: needView, selfOK: true, path: "/api/v1/activities/{activity}", extra: activityFor},
	{pattern: "PUT /api/v1/activities/{id}", need: needManage, path: "/api/v1/activities/{activity}", form: `{"kind":"theme_day","host_ids":[],"title":""}`, extra: activityFor},
	{pattern: "POST /api/v1/activities/{id}/checkin", need: needSignedIn, path: "/api/v1/activities/{activity}/checkin", form: `{"token":""}`, extra: activityFor},
	{pattern: "POST /api/v1/activities/{id}/attendance", need: needManage, path: "/api/v1/activities/{activity}/attendance", form: `{"marks":[]}`, extra: activityFor},
	{pattern: "GET /api/v1/orgs/{id}/compliance", need: needView, path: "/api/v1/orgs/{org}/compliance"},
}

// activityFor plans an activity hosted by the relation's organization, under way now.
func activityFor(t *testing.T, f *fixture, rel string) map[string]string {
	t.Helper()
	app := f.env.App
	a, err := app.Activities.Create(f.ctx, org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage), activity.Input{
		Kind: activity.ThemeDay, HostIDs: []int64{f.orgs[rel].ID}, Title: "ACTIVITY",
		StartsAt: time.Now().Add(-5 * time.Minute), EndsAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatalf("activity of %s: %v", rel, err)
	}
	if rel != "own" {
		if _, err := f.env.DB.ExecContext(f.ctx, `DELETE FROM attendance WHERE activity_id = $1
			AND person_id IN (SELECT id FROM people WHERE account_id IS NOT NULL)`, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	return map[string]string{"{activity}": fmt.Sprint(a.ID)}
}

// taskFor is activityFor with a follow-up task owned by a member of the relation's
// organization who has no account.
func taskFor(t *testing.T, f *fixture, rel string) map[string]string {
	t.Helper()
	m := activityFor(t, f, rel)
	var id int64
	fmt.Sscan(m["{activity}"], &id)
	owner := f.member(t, f.orgs[rel].ID, "TASK-owner")
	task, err := f.env.App.Activities.AddTask(f.ctx, org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage), id,
		activity.NewTask{Title: "TASK", OwnerID: owner.ID, DueOn: time.Now().AddDate(0, 1, 0)})
	if err != nil {
		t.Fatalf("task of %s: %v", rel, err)
	}
	m["{task}"] = fmt.Sprint(task.ID)
	return m
}
