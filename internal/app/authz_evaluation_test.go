package app_test

// The authorization walk's cases for evaluations. Every request that names a round gets
// a fresh one of the relation's organization whose only subject is that organization,
// so that a round is reached through its organization and nothing else.
//
// Scoring with a negative value is refused with 422 (a rule of the domain) by a caller
// who may score, which the walk counts as reaching the route.

import (
	"fmt"
	"testing"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/evaluation"
)

var evaluationRouteCases = []routeCase{
	// Pages.
	{pattern: "GET /evaluations", need: needSignedIn, path: "/evaluations", leaks: true, extra: roundFor},
	{pattern: "POST /evaluations", need: needManage, path: "/evaluations", form: "org_id={org}&template_id=&title=&year=2025&deadline=2026-01-31"},
	{pattern: "GET /evaluations/{id}", need: needView, path: "/evaluations/{round}", extra: roundFor},
	{pattern: "POST /evaluations/{id}/close", need: needManage, path: "/evaluations/{round}/close", extra: roundFor},
	{pattern: "GET /evaluations/{id}/export.xlsx", need: needView, path: "/evaluations/{round}/export.xlsx", extra: roundFor},
	{pattern: "GET /assessments/{id}", need: needView, path: "/assessments/{assessment}", extra: roundFor},
	{pattern: "POST /assessments/{id}/scores", need: needManage, path: "/assessments/{assessment}/scores", form: "role=assessor&value_{item}=-1", extra: roundFor},
	{pattern: "POST /assessments/{id}/self", need: needManage, path: "/assessments/{assessment}/self", form: "note=WALK", extra: roundFor},
	{pattern: "POST /assessments/{id}/rectifications", need: needManage, path: "/assessments/{assessment}/rectifications", form: "item_id={item}", extra: roundFor},
	{pattern: "POST /rectifications/{id}/move", need: needManage, selfOK: true, path: "/rectifications/{rect}/move", form: "to=fixed&note=", extra: rectFor},

	// Work reports and appraisals. Rating and balloting by a reader who may not rate is
	// refused with 422 and its reason, a rule of the domain; self is a member of the own
	// organization and rates there.
	{pattern: "POST /work-reports", need: needManage, path: "/work-reports", form: "org_id={org}&year=2025&work_done="},
	{pattern: "GET /work-reports/{id}", need: needView, selfOK: true, path: "/work-reports/{report}", extra: reportFor},
	{pattern: "POST /work-reports/{id}/ratings", need: needView, selfOK: true, path: "/work-reports/{report}/ratings", form: "grade=splendid", extra: reportFor},
	{pattern: "POST /appraisals", need: needManage, path: "/appraisals", form: "org_id={org}&year=1999"},
	{pattern: "GET /appraisals/{id}", need: needView, selfOK: true, path: "/appraisals/{appraisal}", extra: appraisalFor},
	{pattern: "POST /appraisals/{id}/self", need: needView, selfOK: true, path: "/appraisals/{appraisal}/self", form: "self_assessment=", extra: appraisalFor},
	{pattern: "POST /appraisals/{id}/ratings", need: needView, selfOK: true, path: "/appraisals/{appraisal}/ratings", form: "person_id=0&grade=excellent", extra: appraisalFor},
	{pattern: "POST /appraisals/{id}/grades", need: needManage, path: "/appraisals/{appraisal}/grades", form: "person_id=0&grade=", extra: appraisalFor},
	{pattern: "POST /appraisals/{id}/close", need: needManage, path: "/appraisals/{appraisal}/close", extra: appraisalFor},

	// API.
	{pattern: "GET /api/v1/evaluation-rounds", need: needSignedIn, path: "/api/v1/evaluation-rounds", leaks: true, extra: roundFor},
	{pattern: "GET /api/v1/evaluation-templates", need: needSignedIn, path: "/api/v1/evaluation-templates", leaks: true},
	{pattern: "POST /api/v1/evaluation-templates", need: needAdminister, path: "/api/v1/evaluation-templates",
		form: `{"org_id":{org},"key":"walk","subject":"org","name":"","bands":[],"items":[]}`, deniedField: "org_id"},
	{pattern: "POST /api/v1/evaluation-rounds", need: needManage, path: "/api/v1/evaluation-rounds",
		form: `{"template_id":0,"org_id":{org},"title":"","year":2025,"deadline":"2026-01-31"}`, deniedField: "org_id"},
	{pattern: "GET /api/v1/evaluation-rounds/{id}/results", need: needView, path: "/api/v1/evaluation-rounds/{round}/results", extra: roundFor},
	{pattern: "PUT /api/v1/assessments/{id}/items/{item}", need: needManage, path: "/api/v1/assessments/{assessment}/items/{item}",
		form: `{"value":-1}`, extra: roundFor},
}

// roundFor starts a standardization round of the relation's organization, with that
// organization as its one subject.
func roundFor(t *testing.T, f *fixture, rel string) map[string]string {
	t.Helper()
	svc := f.env.App.Evaluation
	tid, err := svc.BuiltinID(f.ctx, "standardization")
	if err != nil {
		t.Fatal(err)
	}
	sys := evaluation.Caller{Account: auth.Account{ID: f.accounts["sysadmin"].ID, IsAdmin: true}}
	r, err := svc.CreateRound(f.ctx, sys, evaluation.NewRound{TemplateID: tid, OrgID: f.orgs[rel].ID, Title: "ROUND",
		Year: 2025, Deadline: time.Now().AddDate(0, 1, 0), OrgIDs: []int64{f.orgs[rel].ID}})
	if err != nil {
		t.Fatalf("round of %s: %v", rel, err)
	}
	list, err := svc.Assessments(f.ctx, r.ID, "")
	if err != nil || len(list) != 1 {
		t.Fatalf("assessments of round %d: %v", r.ID, err)
	}
	return map[string]string{"{round}": fmt.Sprint(r.ID), "{assessment}": fmt.Sprint(list[0].ID),
		"{item}": fmt.Sprint(r.Template.Items[0].ID)}
}

// rectFor is roundFor with the first item scored below its maximum and a rectification of
// it owned by the relation's person.
func rectFor(t *testing.T, f *fixture, rel string) map[string]string {
	t.Helper()
	m := roundFor(t, f, rel)
	svc := f.env.App.Evaluation
	var aid, item int64
	fmt.Sscan(m["{assessment}"], &aid)
	fmt.Sscan(m["{item}"], &item)
	sys := evaluation.Caller{Account: auth.Account{ID: f.accounts["sysadmin"].ID, IsAdmin: true}}
	if _, err := svc.ScoreItem(f.ctx, sys, aid, item, evaluation.RoleAssessor, evaluation.ScoreInput{Value: 1}); err != nil {
		t.Fatal(err)
	}
	rc, err := svc.OpenRectification(f.ctx, sys, aid, evaluation.NewRectification{ItemID: item, OwnerID: f.people[rel].ID, DueOn: time.Now().AddDate(0, 1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	m["{rect}"] = fmt.Sprint(rc.ID)
	return m
}

// reportFor files a work report of the relation's organization, by a member of it made
// for the purpose (so that self, a member of the own organization, is not its author).
func reportFor(t *testing.T, f *fixture, rel string) map[string]string {
	t.Helper()
	author := f.member(t, f.orgs[rel].ID, "REPORT-author")
	sys := evaluation.Caller{Account: auth.Account{ID: f.accounts["sysadmin"].ID, IsAdmin: true}, Person: &author}
	w, err := f.env.App.Evaluation.SubmitReport(f.ctx, sys, evaluation.NewReport{OrgID: f.orgs[rel].ID, Year: f.nextYear(t, "work_reports"),
		WorkDone: "WORK", Problems: "PROBLEMS", Plans: "PLANS"})
	if err != nil {
		t.Fatalf("report of %s: %v", rel, err)
	}
	return map[string]string{"{report}": fmt.Sprint(w.ID)}
}

// appraisalFor starts an appraisal of the relation's organization, for a year of its own.
func appraisalFor(t *testing.T, f *fixture, rel string) map[string]string {
	t.Helper()
	sys := evaluation.Caller{Account: auth.Account{ID: f.accounts["sysadmin"].ID, IsAdmin: true}}
	ap, err := f.env.App.Evaluation.StartAppraisal(f.ctx, sys, f.orgs[rel].ID, f.nextYear(t, "appraisals"))
	if err != nil {
		t.Fatalf("appraisal of %s: %v", rel, err)
	}
	return map[string]string{"{appraisal}": fmt.Sprint(ap.ID)}
}

// nextYear is a year no row of table has yet, so that each request gets an object of
// its own where the table keeps one per organization and year.
func (f *fixture) nextYear(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := f.env.DB.QueryRowContext(f.ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return 2000 + n
}
