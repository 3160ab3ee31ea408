package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/learning"
)

// learningOpenAPICases drives the learning operations: the catalogue, a course, progress
// reports (accepted, too much time, from the future, out of sight), a quiz attempt
// (started, submitted, submitted again) and a campaign's completion.
func learningOpenAPICases(t *testing.T, f *fixture, ck *checker) {
	t.Helper()
	anon := f.anonymous
	svc := f.env.App.Learning
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "fixture"})
	if _, err := svc.AddQuestions(ctx, f.committee.ID, []learning.Question{
		{Kind: learning.Single, Stem: "冬训在哪个季节", Options: []string{"冬季", "夏季"}, Answer: []string{"0"}, Explanation: "冬训即冬季培训", Tags: []string{"冬训"}},
		{Kind: learning.FillIn, Stem: "丝绸之都是____镇", Answer: []string{"盛泽"}, Tags: []string{"冬训"}},
	}); err != nil {
		t.Fatal(err)
	}
	quiz, err := svc.CreateQuiz(ctx, learning.Quiz{OrgID: f.committee.ID, Title: "冬训测验", Kind: learning.LessonQuiz, Tags: []string{"冬训"},
		QuestionCount: 2, TimeLimitSeconds: 600, PassPercent: 50})
	if err != nil {
		t.Fatal(err)
	}
	course, err := svc.CreateCourse(ctx, learning.NewCourse{OrgID: f.branch.ID, Title: "冬训微课堂", TitleEn: "Winter training micro-class",
		Tags: []string{"冬训"}, Visibility: learning.Subtree, Lessons: []learning.NewLesson{
			{Kind: learning.Article, Title: "第一课", Body: "<p>正文</p>", MinSeconds: 1},
			{Kind: learning.QuizStep, Title: "测验", QuizID: quiz.ID},
		}})
	if err != nil {
		t.Fatal(err)
	}
	campaign, err := svc.CreateCampaign(ctx, learning.Campaign{OrgID: f.committee.ID, Title: "冬训", StartsAt: time.Now().Add(-time.Hour),
		EndsAt: time.Now().Add(30 * 24 * time.Hour), TargetCourses: 1, OrgIDs: []int64{f.committee.ID}, CourseIDs: []int64{course.ID}})
	if err != nil {
		t.Fatal(err)
	}

	ck.get(f.self, "/api/v1/courses?q=winter", 200)
	ck.get(f.self, "/api/v1/courses?limit=0", 422)
	ck.get(anon, "/api/v1/courses", 401)
	ck.get(f.self, path("/api/v1/courses/%d", course.ID), 200)
	ck.get(f.outsider, path("/api/v1/courses/%d", course.ID), 404)
	ck.get(anon, path("/api/v1/courses/%d", course.ID), 401)

	lesson := path("/api/v1/lessons/%d/progress", course.Lessons[0].ID)
	ck.json(f.self, "POST", lesson, map[string]any{"seconds": 0, "scroll": 10}, 200)
	ck.json(f.self, "POST", lesson, map[string]any{"seconds": 3600, "scroll": 100}, 422)
	ck.json(f.self, "POST", lesson, map[string]any{"seconds": 0, "at": time.Now().Add(time.Hour).Format(time.RFC3339)}, 422)
	ck.json(f.outsider, "POST", lesson, map[string]any{"seconds": 0}, 404)
	ck.json(anon, "POST", lesson, map[string]any{"seconds": 0}, 401)

	attempts := path("/api/v1/quizzes/%d/attempts", quiz.ID)
	r := ck.json(f.self, "POST", attempts, nil, 201)
	if strings.Contains(r.Body, "冬训即冬季培训") || strings.Contains(r.Body, "盛泽") {
		t.Fatalf("a started attempt carries an answer: %s", r.Body)
	}
	var a learning.Attempt
	r.Decode(t, &a)
	ck.json(f.manager, "POST", attempts, nil, 422) // a worker's login is no member
	ck.json(f.outsider, "POST", attempts, nil, 404)
	ck.json(anon, "POST", attempts, nil, 401)
	answers := map[string]any{"answers": []map[string]any{{"position": 1, "choices": []int{0}}, {"position": 2, "text": "盛泽"}}}
	submit := path("/api/v1/quizzes/%d/attempts/%d", quiz.ID, a.ID)
	r = ck.json(f.self, "POST", submit, answers, 200)
	if !strings.Contains(r.Body, "冬训即冬季培训") {
		t.Fatalf("no explanation after submission: %s", r.Body)
	}
	ck.json(f.self, "POST", submit, answers, 422)
	ck.json(f.outsider, "POST", submit, answers, 404)
	ck.json(anon, "POST", submit, answers, 401)

	completion := path("/api/v1/campaigns/%d/completion", campaign.ID)
	ck.get(f.manager, completion, 200)
	ck.get(f.manager, completion+path("?org=%d", f.branch.ID), 200)
	ck.get(f.manager, completion+"?org=x", 422)
	ck.get(f.outsider, completion, 404)
	ck.get(anon, completion, 401)
}
