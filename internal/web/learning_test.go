package web_test

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"vanguard/internal/audit"
	"vanguard/internal/learning"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// learningWorld adds to the fixture a course of the committee (an article and a quiz),
// its question bank and a campaign of the committee requiring the course.
func learningWorld(t *testing.T, f *fixture) (learning.Course, learning.Quiz, learning.Campaign) {
	t.Helper()
	svc := f.env.App.Learning
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "fixture"})
	if _, err := svc.AddQuestions(ctx, f.committee.ID, []learning.Question{
		{Kind: learning.TrueFalse, Stem: "学习积分按在线时长计", Answer: []string{"1"}, Explanation: "只计完成的学习", Tags: []string{"t"}},
	}); err != nil {
		t.Fatal(err)
	}
	z, err := svc.CreateQuiz(ctx, learning.Quiz{OrgID: f.committee.ID, Title: "小测验", TitleEn: "A short quiz", Kind: learning.LessonQuiz,
		Tags: []string{"t"}, QuestionCount: 1, TimeLimitSeconds: 300, PassPercent: 100})
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.CreateCourse(ctx, learning.NewCourse{OrgID: f.committee.ID, Title: "冬训导学", TitleEn: "Winter training primer",
		Summary: "导学", SummaryEn: "A primer", Visibility: learning.Subtree, Required: true, Lessons: []learning.NewLesson{
			{Kind: learning.Article, Title: "第一课", TitleEn: "Lesson one", Body: "<p>正文<script>alert(1)</script></p>", MinSeconds: 30},
			{Kind: learning.QuizStep, Title: "测验", TitleEn: "Quiz", QuizID: z.ID},
		}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := svc.CreateCampaign(ctx, learning.Campaign{OrgID: f.committee.ID, Title: "冬训", TitleEn: "Winter training",
		StartsAt: time.Now().Add(-time.Hour), EndsAt: time.Now().Add(24 * time.Hour), TargetCourses: 1,
		OrgIDs: []int64{f.committee.ID}, CourseIDs: []int64{c.ID}})
	if err != nil {
		t.Fatal(err)
	}
	return c, z, m
}

func TestLearningPagesInBothLanguages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, z, m := learningWorld(t, f)
		for _, tc := range []struct{ lang, catalogue, lesson, campaign string }{
			{"zh-CN", "冬训导学", "约需阅读 1 分钟", "我的进度"},
			{"en", "Winter training primer", "about 1 min of reading", "Where I stand"},
		} {
			member := f.client(t, "member", tc.lang)
			for path, want := range map[string]string{
				"/learning":                          tc.catalogue,
				path("/courses/%d", c.ID):            tc.catalogue,
				path("/lessons/%d", c.Lessons[0].ID): tc.lesson,
				path("/campaigns/%d", m.ID):          tc.campaign,
				path("/quizzes/%d", z.ID):            z.DisplayTitle(tc.lang),
			} {
				r := member.Get(path)
				if r.Status != 200 || !strings.Contains(r.Body, want) {
					t.Errorf("%s %s = %d, want %q in it", tc.lang, path, r.Status, want)
				}
				if strings.Contains(r.Body, "<script>alert") {
					t.Errorf("%s carries the article's script", path)
				}
			}
		}
		// Someone of another company sees none of it.
		out := f.client(t, "outsider", "en")
		if r := out.Get(path("/courses/%d", c.ID)); r.Status != 404 {
			t.Errorf("an outsider reads the course: %d", r.Status)
		}
	})
}

func TestQuizByFormScoresOnTheServer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, z, _ := learningWorld(t, f)
		member := f.client(t, "member", "en")
		r := member.PostForm(path("/quizzes/%d/attempts", z.ID), url.Values{})
		if r.Status != 200 || !strings.Contains(r.Body, "quiz-form") || strings.Contains(r.Body, "只计完成的学习") {
			t.Fatalf("start: %d\n%s", r.Status, r.Body)
		}
		var attempt int64
		if err := db.QueryRowContext(context.Background(), `SELECT MAX(id) FROM quiz_attempts`).Scan(&attempt); err != nil {
			t.Fatal(err)
		}
		// True/false is shown true first: "false" (position 1) is right.
		r = member.PostForm(path("/quizzes/%d/attempts/%d", z.ID, attempt), url.Values{"q1": {"1"}})
		if r.Status != 200 || !strings.Contains(r.Body, "Passed") || !strings.Contains(r.Body, "只计完成的学习") {
			t.Fatalf("submit: %d\n%s", r.Status, r.Body)
		}
		r = member.PostForm(path("/quizzes/%d/attempts/%d", z.ID, attempt), url.Values{"q1": {"1"}})
		if r.Status != 422 || !strings.Contains(r.Body, "already been submitted") {
			t.Fatalf("a second submission: %d", r.Status)
		}
	})
}

func TestQuestionImportAndCompletionExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, _, m := learningWorld(t, f)
		manager := f.client(t, "manager", "en")
		file := func(rows [][]string) []byte {
			x := excelize.NewFile()
			defer x.Close()
			for i, row := range rows {
				for j, v := range row {
					cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
					x.SetCellStr("Sheet1", cell, v)
				}
			}
			var buf bytes.Buffer
			x.Write(&buf)
			return buf.Bytes()
		}
		header := []string{"题型", "题干", "选项A", "选项B", "答案"}
		before := count(t, db, `SELECT COUNT(*) FROM questions`)
		r := upload(t, manager, path("/orgs/%d/questions/import", f.committee.ID), "q.xlsx",
			file([][]string{header, {"单选", "好题", "甲", "乙", "A"}, {"单选", "坏题", "甲", "乙", "C"}}))
		if r.Status != 422 || !strings.Contains(r.Body, "Row 3, column 答案: The answer “C” is not one of the options.") {
			t.Fatalf("a bad file: %d\n%s", r.Status, r.Body)
		}
		if count(t, db, `SELECT COUNT(*) FROM questions`) != before {
			t.Fatal("a refused file added questions")
		}
		r = upload(t, manager, path("/orgs/%d/questions/import", f.committee.ID), "q.xlsx",
			file([][]string{header, {"单选", "好题", "甲", "乙", "A"}, {"判断", "对的题", "", "", "对"}}))
		if r.Status != 200 || !strings.Contains(r.Body, "2 questions imported") {
			t.Fatalf("a good file: %d\n%s", r.Status, r.Body)
		}
		r = manager.Get(path("/campaigns/%d/completion.xlsx?org=%d", m.ID, f.committee.ID))
		if r.Status != 200 {
			t.Fatalf("export: %d", r.Status)
		}
		x, err := excelize.OpenReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows(x.GetSheetName(0))
		// The header and every member of the committee's subtree: 王建国 and 孙二支.
		if len(rows) != 3 || rows[0][1] != "Name" {
			t.Fatalf("export rows: %v", rows)
		}
		if r := f.client(t, "viewer", "en").Get(path("/orgs/%d/questions", f.committee.ID)); r.Status != 404 {
			t.Errorf("a viewer of a branch reads the committee's bank: %d", r.Status)
		}
	})
}
