package app_test

// The authorization walk's cases for the oversight dashboard: View on the organization,
// the page and the API alike; outside the View scope it does not exist.

var oversightRouteCases = []routeCase{
	{pattern: "GET /orgs/{id}/dashboard", need: needView, path: "/orgs/{org}/dashboard"},
	{pattern: "GET /api/v1/orgs/{id}/dashboard", need: needView, path: "/api/v1/orgs/{org}/dashboard?period=2025-Q4"},
}
