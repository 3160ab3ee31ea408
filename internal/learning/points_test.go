package learning_test

import (
	"sync"
	"testing"
	"time"

	"vanguard/internal/learning"
	"vanguard/internal/points"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// Completing a lesson earns its points once, even when two tabs report the completing
// progress at the same moment and when it is reported again later.
func TestLessonPointsEarnedOnceUnderConcurrentReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.course(t, nil)
		article := c.Lessons[0]
		alice := f.caller("alice")
		if _, err := f.svc.Report(f.ctx, alice, article.ID, learning.Report{}); err != nil {
			t.Fatal(err)
		}
		f.clock.advance(70 * time.Second)
		var wg sync.WaitGroup
		completed := make([]bool, 6)
		for i := range completed {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := f.svc.Report(f.ctx, alice, article.ID, learning.Report{Seconds: 70, Scroll: 100})
				completed[i] = err == nil && p.Completed
			}()
		}
		wg.Wait()
		n := 0
		for _, ok := range completed {
			if ok {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d of the racing reports completed the lesson, want 1", n)
		}
		f.clock.advance(30 * time.Second)
		if _, err := f.svc.Report(f.ctx, alice, article.ID, learning.Report{Seconds: 30, Scroll: 100}); err != nil {
			t.Fatal(err)
		}
		if got := f.count(t, `SELECT COUNT(*) FROM point_entries WHERE person_id = $1 AND rule_code = 'lesson-completed'`, f.persons["alice"].ID); got != 1 {
			t.Fatalf("%d ledger entries for one completed lesson", got)
		}
		total, err := points.New(db).Total(f.ctx, f.persons["alice"].ID, "2026")
		if err != nil {
			t.Fatal(err)
		}
		if total <= 0 {
			t.Fatalf("a completed lesson earned %d points", total)
		}
		mine, err := f.svc.PointsThisYear(f.ctx, alice)
		if err != nil || mine == nil || *mine != total {
			t.Fatalf("the learner's page shows %v points (%v), the ledger %d", mine, err, total)
		}
	})
}

// A daily quiz earns once a day, however often it is passed; the next day it earns again.
func TestDailyQuizEarnsOnceADay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		bank := f.bank(t)
		z, err := f.svc.CreateQuiz(f.ctx, learning.Quiz{OrgID: f.town.ID, Title: "每日一练", Kind: learning.DailyQuiz,
			Tags: []string{"冬训"}, QuestionCount: 2, TimeLimitSeconds: 300, PassPercent: 50})
		if err != nil {
			t.Fatal(err)
		}
		pass := func() {
			t.Helper()
			a, err := f.svc.Start(f.ctx, f.caller("bob"), z.ID)
			if err != nil {
				t.Fatal(err)
			}
			var answers []learning.Answer
			for _, sq := range a.Questions {
				answers = append(answers, right(bank[sq.Stem], sq))
			}
			res, err := f.svc.Submit(f.ctx, f.caller("bob"), a.QuizID, a.ID, answers)
			if err != nil || !res.Passed {
				t.Fatalf("pass the quiz: %+v, %v", res, err)
			}
		}
		entries := func() int {
			return f.count(t, `SELECT COUNT(*) FROM point_entries WHERE person_id = $1 AND rule_code = 'quiz-completed' AND points > 0`, f.persons["bob"].ID)
		}
		pass()
		pass()
		if got := entries(); got != 1 {
			t.Fatalf("two passes on one day earned %d times", got)
		}
		f.clock.advance(24 * time.Hour)
		pass()
		if got := entries(); got != 2 {
			t.Fatalf("a pass the next day: %d entries, want 2", got)
		}
	})
}
