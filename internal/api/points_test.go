package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"vanguard/internal/points"
)

type eventsAnswer struct {
	Results []struct {
		Index   int
		Status  string
		Points  int
		EntryID int64 `json:"entry_id"`
		Reason  string
		Error   *struct {
			Field string
			Error string
		}
	}
	Recorded, Capped, Duplicate, Failed int
}

// pointsOpenAPICases records a batch in which every kind of event is answered for on its
// own, then reads the ledger, the rank, the ranking and the star roll.
func pointsOpenAPICases(t *testing.T, f *fixture, ck *checker) {
	t.Helper()
	anon := f.anonymous
	now := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	ev := func(key string, person int64, rule string, extra map[string]any) map[string]any {
		e := map[string]any{"idempotency_key": key, "person_id": person, "rule": rule, "occurred_at": now}
		for k, v := range extra {
			e[k] = v
		}
		return e
	}
	batch := []any{
		ev("v1", f.member.ID, "volunteer-service", map[string]any{"note": "清扫楼道"}),                        // 0 recorded, 3
		ev("v1", f.member.ID, "volunteer-service", map[string]any{"note": "清扫楼道"}),                        // 1 duplicate
		ev("v2", f.member.ID, "volunteer-service", nil),                                                   // 2 recorded, 3 (day cap 6 reached)
		ev("v3", f.member.ID, "volunteer-service", nil),                                                   // 3 capped
		ev("x1", f.member.ID, "daily-login", nil),                                                         // 4 unknown rule
		ev("x2", f.stranger.ID, "volunteer-service", nil),                                                 // 5 outside scope
		ev("x3", f.member.ID, "volunteer-service", map[string]any{"points": 50}),                          // 6 points on a fixed rule
		ev("x4", f.member.ID, "volunteer-service", map[string]any{"occurred_at": "1921-07-01T00:00:00Z"}), // 7 rule not yet valid? no: stage ok, date fine
		ev("x5", f.member.ID, "manual-award", map[string]any{"points": 5}),                                // 8 an award without a reason
		ev("a1", f.member.ID, "manual-award", map[string]any{"points": 5, "note": "抗洪抢险"}),                // 9 recorded, 5
		ev("d1", f.member.ID, "manual-deduction", map[string]any{"points": -2, "note": "迟到"}),             // 10 recorded, -2
		ev("a2", f.probationer.ID, "manual-award", map[string]any{"points": 8, "note": "带头"}),             // 11 recorded, 8
		map[string]any{"idempotency_key": "x6", "person_id": f.member.ID, "rule": "volunteer-service",
			"occurred_at": now.AddDate(0, 0, 2)}, // 12 the future
	}
	month := path("/api/v1/people/%d/points?period=%s", f.member.ID, now.In(time.FixedZone("CST", 8*3600)).Format("2006-01"))
	var before struct {
		Total   int
		Entries []struct{ Points int }
	}
	ck.get(f.self, month, 200).Decode(t, &before) // what earlier cases earned (an adopted idea)
	r := ck.json(f.manager, "POST", "/api/v1/points/events", map[string]any{"events": batch}, 200)
	var ans eventsAnswer
	r.Decode(t, &ans)
	want := []string{"recorded", "duplicate", "recorded", "capped", "events[4].rule", "events[5].person_id", "events[6].points",
		"recorded", "events[8].note", "recorded", "recorded", "recorded", "events[12].occurred_at"}
	for i, w := range want {
		got := ans.Results[i].Status
		if e := ans.Results[i].Error; e != nil {
			got = e.Field
		}
		if got != w || ans.Results[i].Index != i {
			t.Errorf("event %d answered %q, want %q (%+v)", i, got, w, ans.Results[i])
		}
	}
	if ans.Recorded != 6 || ans.Capped != 1 || ans.Duplicate != 1 || ans.Failed != 5 {
		t.Errorf("counts %+v", ans)
	}
	// An event that is not even of the documented shape is refused alone, by its index.
	mixed := `{"events": [{"idempotency_key": "m1", "person_id": "张三"}, ` +
		`{"idempotency_key": "m2", "person_id": ` + id(f.probationer.ID) + `, "rule": "manual-award", "points": 1, "note": "好", "occurred_at": "` + now.Format(time.RFC3339) + `"}]}`
	resp := f.manager.Do("POST", "/api/v1/points/events", strings.NewReader(mixed), jsonHeader())
	var mixedAns eventsAnswer
	resp.Decode(t, &mixedAns)
	if resp.Status != 200 || mixedAns.Results[0].Error == nil || mixedAns.Results[0].Error.Field != "events[0]" || mixedAns.Results[1].Status != "recorded" {
		t.Errorf("a batch with one malformed event: %d %s", resp.Status, resp.Body)
	}
	// The retry of the whole batch counts nothing again.
	r = ck.json(f.manager, "POST", "/api/v1/points/events", map[string]any{"events": batch[:4]}, 200)
	r.Decode(t, &ans)
	if ans.Duplicate != 4 {
		t.Errorf("a retried batch: %+v", ans)
	}
	over := make([]any, points.MaxBatch+1)
	for i := range over {
		over[i] = ev(fmt.Sprintf("o%d", i), f.member.ID, "volunteer-service", nil)
	}
	ck.json(f.manager, "POST", "/api/v1/points/events", map[string]any{"events": over}, 422)
	ck.do(f.manager, "POST", "/api/v1/points/events", []byte(`{"events": [`), jsonHeader(), 422)
	ck.json(f.manager, "POST", "/api/v1/points/events", map[string]any{}, 422)
	// An empty batch is nothing to do, on either engine (PostgreSQL refuses "IN ()").
	var empty eventsAnswer
	ck.json(f.manager, "POST", "/api/v1/points/events", map[string]any{"events": []any{}}, 200).Decode(t, &empty)
	if len(empty.Results) != 0 || empty.Recorded+empty.Failed != 0 {
		t.Errorf("an empty batch: %+v", empty)
	}
	ck.json(f.viewer, "POST", "/api/v1/points/events", map[string]any{"events": batch[:1]}, 200) // answered per event: no right
	ck.json(anon, "POST", "/api/v1/points/events", map[string]any{"events": batch[:1]}, 401)

	// The member's ledger this month: 3 + 3 + 0 + 5 - 2 (the 1921 entry is another period).
	var ledger struct {
		Total   int
		Entries []struct{ Points int }
	}
	ck.get(f.self, month, 200).Decode(t, &ledger)
	if ledger.Total-before.Total != 9 || len(ledger.Entries)-len(before.Entries) != 5 {
		t.Errorf("ledger %+v, want 9 points in 5 entries", ledger)
	}
	ck.get(f.manager, path("/api/v1/people/%d/points", f.member.ID), 200)
	ck.get(f.outsider, path("/api/v1/people/%d/points", f.member.ID), 404)
	ck.get(f.self, path("/api/v1/people/%d/points?period=2026-13", f.member.ID), 422)
	ck.get(anon, path("/api/v1/people/%d/points", f.member.ID), 401)

	// Rankings are off until the branch switches them on.
	ck.get(f.self, path("/api/v1/people/%d/rank", f.member.ID), 403)
	ck.get(f.manager, path("/api/v1/orgs/%d/ranking", f.branch.ID), 403)
	if err := f.env.App.Points.SaveSettings(context.Background(), points.Settings{OrgID: f.branch.ID, Rankings: true,
		ObjectionDays: 15, FirstPrizes: 1}); err != nil {
		t.Fatal(err)
	}
	var rank struct {
		Ranked   bool
		Rank, Of int
		Total    int
	}
	ck.get(f.self, path("/api/v1/people/%d/rank?org=%d", f.member.ID, f.branch.ID), 200).Decode(t, &rank)
	if !rank.Ranked || rank.Rank != 1 || rank.Total != ledger.Total || rank.Of != 2 {
		t.Errorf("rank %+v, want first of 2 with %d", rank, ledger.Total)
	}
	ck.get(f.self, path("/api/v1/people/%d/rank?period=2026-11-21", f.member.ID), 422)
	ck.get(f.outsider, path("/api/v1/people/%d/rank", f.member.ID), 404)
	ck.get(anon, path("/api/v1/people/%d/rank", f.member.ID), 401)

	var ranking struct {
		Ranked    int
		Standings []struct {
			Rank     int
			PersonID int64 `json:"person_id"`
			Name     string
			Total    int
		}
	}
	ck.get(f.viewer, path("/api/v1/orgs/%d/ranking?limit=10", f.branch.ID), 200).Decode(t, &ranking)
	if ranking.Ranked != 2 || len(ranking.Standings) != 2 || ranking.Standings[0].Name != "张三" || ranking.Standings[1].Total != 9 {
		t.Errorf("ranking %+v", ranking)
	}
	ck.get(f.viewer, path("/api/v1/orgs/%d/ranking?limit=0", f.branch.ID), 422)
	ck.get(f.outsider, path("/api/v1/orgs/%d/ranking", f.branch.ID), 404)
	ck.get(anon, path("/api/v1/orgs/%d/ranking", f.branch.ID), 401)

	// The star roll needs no rankings: the committee has them off.
	if err := f.env.App.Points.SetThresholds(context.Background(), f.committee.ID, points.YearPeriod,
		[]points.Threshold{{Stars: 1, Points: 5}, {Stars: 3, Points: 9}}); err != nil {
		t.Fatal(err)
	}
	r = ck.get(f.manager, path("/api/v1/orgs/%d/stars", f.committee.ID), 200)
	if !strings.Contains(r.Body, `"stars":3`) || strings.Count(r.Body, `"stars":3`) != 3 {
		t.Errorf("star roll: %s", r.Body)
	}
	ck.get(f.manager, path("/api/v1/orgs/%d/stars?period=soon", f.committee.ID), 422)
	ck.get(f.outsider, path("/api/v1/orgs/%d/stars", f.committee.ID), 404)
	ck.get(anon, path("/api/v1/orgs/%d/stars", f.committee.ID), 401)
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }
