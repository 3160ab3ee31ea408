package api_test

import (
	"strings"
	"testing"
)

// evaluationOpenAPICases drives the evaluation operations through the checker of
// TestOpenAPIMatchesTheServer, with their success and error answers.
func evaluationOpenAPICases(t *testing.T, f *fixture, ck *checker) {
	t.Helper()
	anon := f.anonymous
	var templates struct {
		Templates []struct {
			ID    int64  `json:"id"`
			Key   string `json:"key"`
			Items []struct {
				ID     int64   `json:"id"`
				Max    float64 `json:"max"`
				Method string  `json:"method"`
			} `json:"items"`
		} `json:"templates"`
	}
	ck.get(f.manager, "/api/v1/evaluation-templates", 200).Decode(t, &templates)
	ck.get(anon, "/api/v1/evaluation-templates", 401)
	ck.get(f.manager, "/api/v1/evaluation-templates?limit=501", 422)
	var std int64
	for _, tp := range templates.Templates {
		if tp.Key == "standardization" {
			std = tp.ID
		}
	}
	if std == 0 {
		t.Fatalf("no built-in standardization template among %+v", templates.Templates)
	}

	// A template of the committee's own, then one with a bad second item.
	mine := map[string]any{"key": "town_check", "org_id": f.committee.ID, "subject": "org", "name": "镇级检查",
		"bands": []map[string]any{{"min": 60, "level": "qualified"}, {"min": 0, "level": "unqualified"}},
		"items": []map[string]any{{"section": "组织", "title": "按期换届", "method": "yesno", "max": 40},
			{"section": "组织", "title": "台账", "method": "deduction", "max": 60, "per_occurrence": 5}}}
	ck.json(f.chief, "POST", "/api/v1/evaluation-templates", mine, 201)
	ck.json(f.manager, "POST", "/api/v1/evaluation-templates", mine, 403)
	ck.json(f.outsider, "POST", "/api/v1/evaluation-templates", mine, 422)
	mine["items"] = []map[string]any{{"section": "组织", "title": "按期换届", "method": "yesno", "max": 40},
		{"section": "组织", "title": "台账", "method": "deduction", "max": 60}}
	r := ck.json(f.chief, "POST", "/api/v1/evaluation-templates", mine, 422)
	var p apiProblem
	r.Decode(t, &p)
	if len(p.Details) != 1 || p.Details[0].Row != 2 || p.Details[0].Field != "per_occurrence" {
		t.Errorf("a deduction without per_occurrence: %+v", p.Details)
	}
	ck.json(anon, "POST", "/api/v1/evaluation-templates", mine, 401)

	// A round of the committee's branches.
	round := map[string]any{"template_id": std, "org_id": f.committee.ID, "title": "2025年度支部标准化考评", "year": 2025, "deadline": "2026-01-31"}
	var created struct {
		ID       int64 `json:"id"`
		Subjects int   `json:"subjects"`
	}
	ck.json(f.manager, "POST", "/api/v1/evaluation-rounds", round, 201).Decode(t, &created)
	if created.Subjects != 2 {
		t.Errorf("the round took %d subjects, want the committee's 2 branches", created.Subjects)
	}
	ck.json(f.viewer, "POST", "/api/v1/evaluation-rounds", map[string]any{"template_id": std, "org_id": f.branch.ID, "title": "x", "year": 2025, "deadline": "2026-01-31"}, 403)
	ck.json(f.outsider, "POST", "/api/v1/evaluation-rounds", round, 422)
	ck.json(f.manager, "POST", "/api/v1/evaluation-rounds", map[string]any{"template_id": std, "org_id": f.committee.ID, "title": "x", "year": 2025,
		"deadline": "2026-02-30"}, 422)
	ck.json(anon, "POST", "/api/v1/evaluation-rounds", round, 401)
	ck.get(f.manager, "/api/v1/evaluation-rounds?year=2025", 200)
	ck.get(f.manager, "/api/v1/evaluation-rounds?year=1999", 422)
	ck.get(anon, "/api/v1/evaluation-rounds", 401)
	if body := ck.get(f.outsider, "/api/v1/evaluation-rounds", 200).Body; strings.Contains(body, "支部标准化") {
		t.Error("an outsider lists the committee's round")
	}

	var results struct {
		Results []struct {
			AssessmentID int64 `json:"assessment_id"`
			SubjectOrgID int64 `json:"subject_org_id"`
		} `json:"results"`
	}
	ck.get(f.viewer, path("/api/v1/evaluation-rounds/%d/results", created.ID), 404) // a branch viewer does not see the committee's round
	ck.get(f.manager, path("/api/v1/evaluation-rounds/%d/results", created.ID), 200).Decode(t, &results)
	ck.get(f.outsider, path("/api/v1/evaluation-rounds/%d/results", created.ID), 404)
	ck.get(anon, path("/api/v1/evaluation-rounds/%d/results", created.ID), 401)
	var branchAssessment int64
	for _, x := range results.Results {
		if x.SubjectOrgID == f.branch.ID {
			branchAssessment = x.AssessmentID
		}
	}
	var items []struct {
		ID     int64   `json:"id"`
		Max    float64 `json:"max"`
		Method string  `json:"method"`
	}
	for _, tp := range templates.Templates {
		if tp.ID == std {
			items = tp.Items
		}
	}
	first := items[0]
	target := path("/api/v1/assessments/%d/items/%d", branchAssessment, first.ID)
	ck.json(f.manager, "PUT", target, map[string]any{"value": first.Max, "comment": "按期换届"}, 200)
	ck.json(f.manager, "PUT", target, map[string]any{"value": first.Max + 1}, 422)
	ck.json(f.manager, "PUT", target, map[string]any{}, 422)
	ck.json(f.self, "PUT", target, map[string]any{"value": 1}, 404)                   // a member of the branch without a role: not theirs to see
	ck.json(f.viewer, "PUT", target, map[string]any{"value": 1, "role": "self"}, 403) // sees the branch, may not self-assess it
	ck.json(f.outsider, "PUT", target, map[string]any{"value": 1}, 404)
	ck.json(f.manager, "PUT", path("/api/v1/assessments/%d/items/%d", branchAssessment, 999999), map[string]any{"value": 1}, 422)
	ck.json(anon, "PUT", target, map[string]any{"value": 1}, 401)
	if body := ck.get(f.manager, path("/api/v1/evaluation-rounds/%d/results", created.ID), 200).Body; !strings.Contains(body, `"stage":"in_progress"`) {
		t.Errorf("after one score the results say %s", body)
	}
}
