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
