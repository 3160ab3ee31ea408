package app_test

// The authorization walk's cases for points and stars. An entry or an objection a route
// names belongs to the relation's person, recorded in that person's organization, so
// Manage on that organization decides. Objecting is for the entry's own person only; the
// walk posts no entry, so every signed-in caller reaches the form and is refused by it
// (internal/web's tests show that another's entry cannot be objected to).

import (
	"fmt"
	"testing"
	"time"

	"vanguard/internal/points"
)

var pointsRouteCases = []routeCase{
	{pattern: "GET /me/points", need: needSignedIn, path: "/me/points"},
	{pattern: "POST /me/points/objections", need: needSignedIn, path: "/me/points/objections", form: "entry_id="},
	{pattern: "GET /orgs/{id}/points", need: needView, path: "/orgs/{org}/points"},
	{pattern: "GET /orgs/{id}/points/prizes.xlsx", need: needView, path: "/orgs/{org}/points/prizes.xlsx"},
	{pattern: "POST /orgs/{id}/points/entries", need: needManage, path: "/orgs/{org}/points/entries", form: "kind=award&points=&person_id="},
	{pattern: "POST /orgs/{id}/points/settings", need: needAdminister, path: "/orgs/{org}/points/settings", form: "objection_days=0"},
	{pattern: "POST /orgs/{id}/points/stars", need: needAdminister, path: "/orgs/{org}/points/stars", form: "period_kind=week"},
	{pattern: "POST /points/entries/{id}/reverse", need: needManage, path: "/points/entries/{entry}/reverse", form: "reason=", extra: pointEntryFor},
	{pattern: "POST /points/objections/{id}/answer", need: needManage, path: "/points/objections/{objection}/answer", form: "answer=", extra: pointObjectionFor},
	{pattern: "GET /orgs/{id}/point-rules", need: needView, path: "/orgs/{org}/point-rules"},
	{pattern: "POST /orgs/{id}/point-rules", need: needAdminister, path: "/orgs/{org}/point-rules", form: "code="},
	{pattern: "GET /points/import", need: needManageAny, path: "/points/import"},
	{pattern: "POST /points/import", need: needManageAny, path: "/points/import", form: "nothing=here"},
	{pattern: "POST /points/import/confirm", need: needManageAny, path: "/points/import/confirm", form: "content="},
}

// pointEntry records a fresh entry for the relation's person.
func pointEntry(t *testing.T, f *fixture, rel string) int64 {
	t.Helper()
	one := 1
	res, err := f.env.App.Points.RecordSystem(f.ctx, f.env.DB, []points.Event{{Key: fmt.Sprintf("authz:%s:%d", rel, time.Now().UnixNano()),
		PersonID: f.people[rel].ID, Rule: "learning-platform", Points: &one, OccurredAt: time.Now(), Source: "import"}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("record an entry for %s: %v %v", rel, err, res)
	}
	return res[0].Entry
}

func pointEntryFor(t *testing.T, f *fixture, rel string) map[string]string {
	return map[string]string{"{entry}": fmt.Sprint(pointEntry(t, f, rel))}
}

func pointObjectionFor(t *testing.T, f *fixture, rel string) map[string]string {
	o, err := f.env.App.Points.Object(f.ctx, f.people[rel].ID, pointEntry(t, f, rel), "Not mine")
	if err != nil {
		t.Fatalf("object for %s: %v", rel, err)
	}
	return map[string]string{"{objection}": fmt.Sprint(o.ID)}
}
