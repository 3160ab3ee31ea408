package app_test

// The authorization walk's cases for the points API. Rankings are off by default and the
// ranking routes answer 403 to everyone until an organization switches them on, so their
// cases switch them on for the relation's organization first: the walk then tells View
// scope apart, as for any other read.

import (
	"testing"

	"vanguard/internal/points"
)

var pointsAPIRouteCases = []routeCase{
	// Answered event by event: a caller without the right gets each event refused, 200.
	{pattern: "POST /api/v1/points/events", need: needSignedIn, path: "/api/v1/points/events", form: `{"events":[]}`},
	{pattern: "GET /api/v1/people/{id}/points", need: needView, selfOK: true, path: "/api/v1/people/{person}/points"},
	{pattern: "GET /api/v1/people/{id}/rank", need: needView, selfOK: true, path: "/api/v1/people/{person}/rank", extra: rankingsOn},
	{pattern: "GET /api/v1/orgs/{id}/ranking", need: needView, path: "/api/v1/orgs/{org}/ranking", extra: rankingsOn},
	{pattern: "GET /api/v1/orgs/{id}/stars", need: needView, path: "/api/v1/orgs/{org}/stars"},
}

func rankingsOn(t *testing.T, f *fixture, rel string) map[string]string {
	err := f.env.App.Points.SaveSettings(f.ctx, points.Settings{OrgID: f.orgs[rel].ID, Rankings: true, ObjectionDays: 15})
	if err != nil {
		t.Fatal(err)
	}
	return nil
}
