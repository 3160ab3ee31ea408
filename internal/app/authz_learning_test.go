package app_test

// The authorization walk's cases for learning. A course, a quiz and a campaign are made
// for each relation, hosted by its organization. A course or quiz of an organization
// reaches the members of its subtree, so the own organization's person ("self") uses
// those of the own organization and of its ancestor (selfLine). Accounts without a
// person reach a progress or quiz route and are refused with 422 (no learning of their
// own), which the walk counts as reaching it. An attempt is its person's alone.

import (
	"strconv"
	"testing"
	"time"

	"vanguard/internal/learning"
)

var learningRouteCases = []routeCase{
	{pattern: "GET /api/v1/courses", need: needSignedIn, path: "/api/v1/courses", leaks: true, extra: courseFor},
	{pattern: "GET /api/v1/courses/{id}", need: needView, selfLine: true, path: "/api/v1/courses/{course}", extra: courseFor},
	{pattern: "POST /api/v1/lessons/{id}/progress", need: needView, selfLine: true, path: "/api/v1/lessons/{lesson}/progress", form: `{"seconds":0}`, extra: courseFor},
	{pattern: "POST /api/v1/quizzes/{id}/attempts", need: needView, selfLine: true, path: "/api/v1/quizzes/{quiz}/attempts", form: `{}`, extra: quizFor},
	{pattern: "POST /api/v1/quizzes/{id}/attempts/{attempt}", need: needUploader, selfOnly: true, path: "/api/v1/quizzes/{quiz}/attempts/{attempt}", form: `{"answers":[]}`, extra: attemptFor},
	{pattern: "GET /api/v1/campaigns/{id}/completion", need: needView, path: "/api/v1/campaigns/{campaign}/completion?org={org}", extra: campaignFor},

	{pattern: "GET /learning", need: needSignedIn, path: "/learning", leaks: true, extra: courseFor},
	{pattern: "GET /courses/{id}", need: needView, selfLine: true, path: "/courses/{course}", extra: courseFor},
	{pattern: "GET /lessons/{id}", need: needView, selfLine: true, path: "/lessons/{lesson}", extra: courseFor},
	{pattern: "GET /lessons/{id}/file", need: needView, selfLine: true, path: "/lessons/{document}/file", extra: courseFor},
	{pattern: "GET /quizzes/{id}", need: needView, selfLine: true, path: "/quizzes/{quiz}", extra: quizFor},
	{pattern: "POST /quizzes/{id}/attempts", need: needView, selfLine: true, path: "/quizzes/{quiz}/attempts", form: "go=1", extra: quizFor},
	{pattern: "POST /quizzes/{id}/attempts/{attempt}", need: needUploader, selfOnly: true, path: "/quizzes/{quiz}/attempts/{attempt}", form: "q1=0", extra: attemptFor},
	{pattern: "GET /campaigns/{id}", need: needView, path: "/campaigns/{campaign}?org={org}", extra: campaignFor},
	{pattern: "GET /campaigns/{id}/completion.xlsx", need: needView, path: "/campaigns/{campaign}/completion.xlsx?org={org}", extra: campaignFor},
	{pattern: "GET /orgs/{id}/questions", need: needManage, path: "/orgs/{org}/questions"},
	{pattern: "POST /orgs/{id}/questions/import", need: needManage, path: "/orgs/{org}/questions/import", form: "nothing=here"},
}

func courseFor(t *testing.T, f *fixture, rel string) map[string]string {
	t.Helper()
	svc := f.env.App.Learning
	file, err := svc.SaveFile(f.ctx, "doc.pdf", "application/pdf", []byte("%PDF-1.4\n%%EOF\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.CreateCourse(f.ctx, learning.NewCourse{OrgID: f.orgs[rel].ID, Title: "COURSE-" + rel, Visibility: learning.Subtree,
		Lessons: []learning.NewLesson{{Kind: learning.Article, Title: "LESSON", Body: "<p>text</p>", MinSeconds: 10},
			{Kind: learning.Document, Title: "DOCUMENT", FileID: file, MinSeconds: 10}}})
	if err != nil {
		t.Fatalf("course of %s: %v", rel, err)
	}
	return map[string]string{"{course}": strconv.FormatInt(c.ID, 10), "{lesson}": strconv.FormatInt(c.Lessons[0].ID, 10),
		"{document}": strconv.FormatInt(c.Lessons[1].ID, 10)}
}

func newQuiz(t *testing.T, f *fixture, rel string) learning.Quiz {
	t.Helper()
	svc := f.env.App.Learning
	if _, err := svc.AddQuestions(f.ctx, f.orgs[rel].ID, []learning.Question{
		{Kind: learning.TrueFalse, Stem: "QUESTION-" + rel, Answer: []string{"0"}, Tags: []string{"walk"}},
	}); err != nil {
		t.Fatal(err)
	}
	z, err := svc.CreateQuiz(f.ctx, learning.Quiz{OrgID: f.orgs[rel].ID, Title: "QUIZ-" + rel, Kind: learning.DailyQuiz, Tags: []string{"walk"},
		QuestionCount: 1, TimeLimitSeconds: 600, PassPercent: 100})
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func quizFor(t *testing.T, f *fixture, rel string) map[string]string {
	return map[string]string{"{quiz}": strconv.FormatInt(newQuiz(t, f, rel).ID, 10)}
}

// attemptFor starts an attempt of the relation's person at a quiz of its organization.
func attemptFor(t *testing.T, f *fixture, rel string) map[string]string {
	t.Helper()
	z := newQuiz(t, f, rel)
	p := f.people[rel]
	a, err := f.env.App.Learning.Start(f.ctx, learning.Caller{Person: &p}, z.ID)
	if err != nil {
		t.Fatalf("attempt of %s: %v", rel, err)
	}
	return map[string]string{"{quiz}": strconv.FormatInt(z.ID, 10), "{attempt}": strconv.FormatInt(a.ID, 10)}
}

func campaignFor(t *testing.T, f *fixture, rel string) map[string]string {
	t.Helper()
	m, err := f.env.App.Learning.CreateCampaign(f.ctx, learning.Campaign{OrgID: f.orgs[rel].ID, Title: "CAMPAIGN-" + rel,
		StartsAt: time.Now().Add(-time.Hour), EndsAt: time.Now().Add(time.Hour), OrgIDs: []int64{f.orgs[rel].ID}})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"{campaign}": strconv.FormatInt(m.ID, 10)}
}
