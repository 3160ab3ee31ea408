package app_test

// The authorization walk's cases for the ready-made reports and the yearly record: all
// of them read an organization's subtree and need View on it.

var oversightReportRouteCases = []routeCase{
	{pattern: "GET /orgs/{id}/reports", need: needView, path: "/orgs/{org}/reports"},
	{pattern: "GET /orgs/{id}/reports/{kind}", need: needView, path: "/orgs/{org}/reports/organizational-life?period=2023-12"},
	{pattern: "GET /orgs/{id}/reports/{kind}", need: needView, path: "/orgs/{org}/reports/development.xlsx?period=2023-Q4"},
	{pattern: "GET /orgs/{id}/yearly", need: needView, path: "/orgs/{org}/yearly?year=2023"},
	{pattern: "GET /api/v1/orgs/{id}/reports/{kind}", need: needView, path: "/api/v1/orgs/{org}/reports/learning?period=2023"},
	{pattern: "GET /api/v1/orgs/{id}/reports/{kind}", need: needView, path: "/api/v1/orgs/{org}/reports/learning?period=2023&format=xlsx"},
}
