package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// consultOpenAPICases drives the deliberation and idea operations through the checker
// of TestOpenAPIMatchesTheServer, with their success and error answers, and checks on
// the way that the API keeps a secret ballot secret and an opinion's script as text.
func consultOpenAPICases(t *testing.T, f *fixture, ck *checker) {
	t.Helper()
	anon := f.anonymous
	now := time.Now()
	window := func(topic map[string]any) map[string]any {
		topic["opens_at"] = now.Add(-time.Hour).Format(time.RFC3339)
		topic["closes_at"] = now.Add(7 * 24 * time.Hour).Format(time.RFC3339)
		return topic
	}
	proposal := window(map[string]any{"org_id": f.branch.ID, "title": "有线管家", "background": "每户安装监控", "vote_kind": "proposal",
		"eligibility": "members_residents", "results": "live"})

	// Topics.
	r := ck.json(f.manager, "POST", "/api/v1/topics", proposal, 201)
	var topic struct {
		ID      int64 `json:"id"`
		Options []struct {
			ID  int64  `json:"id"`
			Key string `json:"key"`
		} `json:"options"`
	}
	r.Decode(t, &topic)
	if len(topic.Options) != 3 || topic.Options[0].Key != "agree" {
		t.Fatalf("a proposal's options = %+v", topic.Options)
	}
	secret := window(map[string]any{"org_id": f.branch.ID, "title": "无记名表决", "vote_kind": "choice", "options": []string{"方案一", "方案二"},
		"eligibility": "members", "results": "after_close", "secret": true})
	r = ck.json(f.manager, "POST", "/api/v1/topics", secret, 201)
	var ballot struct {
		ID      int64 `json:"id"`
		Options []struct {
			ID int64 `json:"id"`
		} `json:"options"`
	}
	r.Decode(t, &ballot)
	ck.json(f.viewer, "POST", "/api/v1/topics", proposal, 403)
	ck.json(f.outsider, "POST", "/api/v1/topics", proposal, 422) // the branch reads as missing
	ck.json(f.manager, "POST", "/api/v1/topics", map[string]any{"org_id": f.branch.ID, "title": "x", "vote_kind": "proposal",
		"eligibility": "representatives", "representatives": []int64{f.stranger.ID}, "results": "live",
		"opens_at": now.Format(time.RFC3339), "closes_at": now.Add(-time.Hour).Format(time.RFC3339)}, 422)
	ck.json(anon, "POST", "/api/v1/topics", proposal, 401)
	ck.get(f.manager, "/api/v1/topics", 200)
	ck.get(f.self, path("/api/v1/topics?org=%d&status=open&limit=10", f.committee.ID), 200)
	ck.get(f.manager, "/api/v1/topics?status=finished", 422)
	ck.get(anon, "/api/v1/topics", 401)
	if body := ck.get(f.outsider, "/api/v1/topics", 200).Body; strings.Contains(body, "有线管家") {
		t.Error("an outsider lists the branch's topic")
	}
	topicPath := path("/api/v1/topics/%d", topic.ID)
	ck.get(f.self, topicPath, 200)
	ck.get(f.viewer, topicPath, 200)
	ck.get(f.outsider, topicPath, 404)
	ck.get(anon, topicPath, 401)

	// Opinions: a script is kept as text, JSON-escaped, never markup.
	r = ck.json(f.self, "POST", topicPath+"/opinions", map[string]any{"stance": "for", "body": `<script>alert(1)</script>装了安心`}, 201)
	if strings.Contains(r.Body, "<script>") || !strings.Contains(r.Body, `\u003cscript\u003e`) {
		t.Errorf("an opinion's script in JSON: %s", r.Body)
	}
	var op struct{ ID int64 }
	r.Decode(t, &op)
	ck.json(f.self, "POST", topicPath+"/opinions", map[string]any{"body": "补充一句", "reply_to": op.ID}, 201)
	ck.json(f.viewer, "POST", topicPath+"/opinions", map[string]any{"stance": "for", "body": "我没有人员档案"}, 422)
	ck.json(f.self, "POST", topicPath+"/opinions", map[string]any{"stance": "maybe", "body": "x"}, 422)
	ck.json(f.outsider, "POST", topicPath+"/opinions", map[string]any{"stance": "for", "body": "x"}, 404)
	ck.json(anon, "POST", topicPath+"/opinions", map[string]any{"stance": "for", "body": "x"}, 401)

	// Votes: once per person, changed not added.
	ck.json(f.self, "PUT", topicPath+"/vote", map[string]any{"option_id": topic.Options[0].ID}, 200)
	r = ck.json(f.self, "PUT", topicPath+"/vote", map[string]any{"option_id": topic.Options[1].ID}, 200)
	var v struct{ Changes int }
	r.Decode(t, &v)
	if v.Changes != 1 {
		t.Errorf("a changed vote reports %d changes", v.Changes)
	}
	ck.json(f.viewer, "PUT", topicPath+"/vote", map[string]any{"option_id": topic.Options[0].ID}, 422)
	ck.json(f.self, "PUT", topicPath+"/vote", map[string]any{"option_id": ballot.Options[0].ID}, 422)
	ck.json(f.outsider, "PUT", topicPath+"/vote", map[string]any{"option_id": topic.Options[0].ID}, 404)
	ck.json(anon, "PUT", topicPath+"/vote", map[string]any{"option_id": topic.Options[0].ID}, 401)
	var detail struct {
		Voters []map[string]any `json:"voters"`
		Tally  *struct{ Total int }
	}
	ck.get(f.manager, topicPath, 200).Decode(t, &detail)
	if detail.Tally == nil || detail.Tally.Total != 1 || len(detail.Voters) != 1 || detail.Voters[0]["option_id"] == nil {
		t.Errorf("an open ballot with live results: %+v", detail)
	}

	// A secret ballot: the voter's own vote comes back to the voter; nobody else, a
	// manager included, reads how anyone voted, before or after the close.
	ballotPath := path("/api/v1/topics/%d", ballot.ID)
	ck.json(f.self, "PUT", ballotPath+"/vote", map[string]any{"option_id": ballot.Options[1].ID}, 200)
	for _, c := range []struct {
		who  string
		body string
	}{{"manager", ck.get(f.manager, ballotPath, 200).Body}, {"chief", ck.get(f.chief, ballotPath, 200).Body}} {
		var b struct {
			Voters []map[string]any `json:"voters"`
			Tally  any              `json:"tally"`
			MyVote any              `json:"my_vote"`
		}
		if err := json.Unmarshal([]byte(c.body), &b); err != nil {
			t.Fatal(err)
		}
		if len(b.Voters) != 1 || b.Voters[0]["option_id"] != nil || b.Tally != nil || b.MyVote != nil {
			t.Errorf("%s reads the secret ballot as %s", c.who, c.body)
		}
	}
	if body := ck.get(f.self, ballotPath, 200).Body; !strings.Contains(body, `"my_vote"`) {
		t.Errorf("the voter does not see their own vote: %s", body)
	}

	// The decision.
	decision := map[string]any{"decision": "建设“有线管家”", "reasons": "多数赞成", "conditions": []string{"坚持村民自愿原则"}, "option_id": topic.Options[0].ID}
	ck.json(f.viewer, "POST", topicPath+"/decision", decision, 403)
	ck.json(f.outsider, "POST", topicPath+"/decision", decision, 404)
	ck.json(f.manager, "POST", topicPath+"/decision", map[string]any{"reasons": "没写决定"}, 422)
	ck.json(anon, "POST", topicPath+"/decision", decision, 401)
	r = ck.json(f.manager, "POST", topicPath+"/decision", decision, 200)
	if !strings.Contains(r.Body, "坚持村民自愿原则") || !strings.Contains(r.Body, `"status":"decided"`) {
		t.Errorf("the decided topic: %s", r.Body)
	}
	ck.json(f.self, "PUT", topicPath+"/vote", map[string]any{"option_id": topic.Options[0].ID}, 422) // closed now
	r = ck.json(f.manager, "POST", ballotPath+"/decision", map[string]any{"decision": "采用方案二"}, 200)
	if strings.Contains(r.Body, `"option_id":`+id(ballot.Options[1].ID)+`}`) || !strings.Contains(r.Body, `"tally"`) {
		t.Errorf("after the close a secret ballot shows its count and no single vote: %s", r.Body)
	}

	// Ideas.
	r = ck.json(f.self, "POST", "/api/v1/ideas", map[string]any{"title": "党员活动室错峰开放", "problem": "白天上班来不了", "proposal": "周末和晚上开放",
		"benefit": "更多人参加", "category": "service", "attachments": []map[string]string{{"filename": "说明.txt", "content_base64": "5rWL6K+V"}}}, 201)
	var submitted struct {
		ID          int64
		Attachments []struct{ Filename string }
	}
	r.Decode(t, &submitted)
	if len(submitted.Attachments) != 1 || submitted.Attachments[0].Filename != "说明.txt" {
		t.Errorf("the idea's attachments: %s", r.Body)
	}
	ck.json(f.manager, "POST", "/api/v1/ideas", map[string]any{"title": "x", "proposal": "y", "category": "other"}, 422) // no person
	ck.json(f.self, "POST", "/api/v1/ideas", map[string]any{"org_id": f.otherBranch.ID, "title": "x", "proposal": "y", "category": "other"}, 422)
	ck.json(anon, "POST", "/api/v1/ideas", map[string]any{"title": "x"}, 401)
	ck.get(f.self, "/api/v1/ideas", 200)
	ck.get(f.manager, path("/api/v1/ideas?org=%d&status=submitted&category=service&year=%d", f.committee.ID, now.Year()), 200)
	ck.get(f.manager, "/api/v1/ideas?category=weather", 422)
	ck.get(anon, "/api/v1/ideas", 401)
	review := path("/api/v1/ideas/%d/review", submitted.ID)
	ck.json(f.viewer, "POST", review, map[string]any{"status": "under_review"}, 403)
	ck.json(f.outsider, "POST", review, map[string]any{"status": "under_review"}, 404)
	ck.json(f.manager, "POST", review, map[string]any{"status": "adopted"}, 422) // not before review
	ck.json(anon, "POST", review, map[string]any{"status": "under_review"}, 401)
	ck.json(f.manager, "POST", review, map[string]any{"status": "under_review"}, 200)
	r = ck.json(f.manager, "POST", review, map[string]any{"status": "adopted", "reason": "下月试行"}, 200)
	if !strings.Contains(r.Body, `"adopted_at"`) || !strings.Contains(r.Body, `"reviewer_name":"manager"`) {
		t.Errorf("the adopted idea: %s", r.Body)
	}
}
