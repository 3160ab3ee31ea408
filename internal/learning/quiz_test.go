package learning_test

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"vanguard/internal/learning"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// bank adds to the town's bank one question of each kind, tagged 冬训, and six single
// choice questions tagged 党史; it returns the right answer of each stem.
func (f *fixture) bank(t *testing.T) map[string]learning.Question {
	t.Helper()
	qs := []learning.Question{
		{Kind: learning.Single, Stem: "盛泽镇的支柱产业是", Options: []string{"纺织", "钢铁", "渔业"}, Answer: []string{"0"}, Explanation: "丝绸之都", Tags: []string{"冬训"}},
		{Kind: learning.Multiple, Stem: "冬训的形式有", Options: []string{"云微课", "围炉议事", "打卡签到"}, Answer: []string{"0", "1"}, Explanation: "不搞打卡", Tags: []string{"冬训"}},
		{Kind: learning.TrueFalse, Stem: "学习积分按在线时长计", Answer: []string{"1"}, Explanation: "只计完成的课程与测验", Tags: []string{"冬训"}},
		{Kind: learning.FillIn, Stem: "“有事好商量”的议事形式叫围炉____", Answer: []string{"议事"}, Explanation: "围炉议事", Tags: []string{"冬训"}},
	}
	for i := range 6 {
		qs = append(qs, learning.Question{Kind: learning.Single, Stem: "党史题" + strconv.Itoa(i), Options: []string{"甲", "乙"}, Answer: []string{"1"}, Tags: []string{"党史"}})
	}
	if _, err := f.svc.AddQuestions(f.ctx, f.town.ID, qs); err != nil {
		t.Fatal(err)
	}
	m := map[string]learning.Question{}
	for _, q := range qs {
		m[q.Stem] = q
	}
	return m
}

// right answers a shown question correctly by finding its options' texts.
func right(q learning.Question, shown learning.ShownQuestion) learning.Answer {
	a := learning.Answer{Position: shown.Position}
	if q.Kind == learning.FillIn {
		a.Text = " " + q.Answer[0] + " "
		return a
	}
	options := q.Options
	if q.Kind == learning.TrueFalse {
		options = []string{"true", "false"}
	}
	for _, ans := range q.Answer {
		i, _ := strconv.Atoi(ans)
		for pos, text := range shown.Options {
			if text == options[i] {
				a.Choices = append(a.Choices, pos)
			}
		}
	}
	return a
}

func TestQuizScoredOnTheServer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		bank := f.bank(t)
		z, err := f.svc.CreateQuiz(f.ctx, learning.Quiz{OrgID: f.town.ID, Title: "冬训测验", Kind: learning.LessonQuiz,
			Tags: []string{"冬训"}, QuestionCount: 4, TimeLimitSeconds: 300, PassPercent: 75})
		if err != nil {
			t.Fatal(err)
		}
		c := f.course(t, func(n *learning.NewCourse) {
			n.Lessons = append(n.Lessons, learning.NewLesson{Kind: learning.QuizStep, Title: "测验", QuizID: z.ID})
		})
		alice := f.caller("alice")
		a, err := f.svc.Start(f.ctx, alice, z.ID)
		if err != nil {
			t.Fatal(err)
		}
		// What reaches the browser: questions with their options, never an answer or an explanation.
		shown, _ := json.Marshal(a)
		for _, secret := range []string{"丝绸之都", "不搞打卡", "answer", "explanation"} {
			if strings.Contains(string(shown), secret) {
				t.Fatalf("the started attempt carries %q: %s", secret, shown)
			}
		}
		if len(a.Questions) != 4 {
			t.Fatalf("drew %d questions, want 4 tagged 冬训", len(a.Questions))
		}
		var answers []learning.Answer
		for i, sq := range a.Questions {
			ans := right(bank[sq.Stem], sq)
			if i == 0 {
				ans.Choices, ans.Text = []int{}, "错的" // one wrong
			}
			answers = append(answers, ans)
		}
		// Named under another quiz, the attempt is not found, and nothing is scored.
		if _, err := f.svc.Submit(f.ctx, alice, a.QuizID+100, a.ID, answers); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the attempt under another quiz: %v", err)
		}
		res, err := f.svc.Submit(f.ctx, alice, a.QuizID, a.ID, answers)
		if err != nil {
			t.Fatal(err)
		}
		if res.Score != 3 || res.Total != 4 || !res.Passed {
			t.Fatalf("3 of 4 right with 75%% to pass: %+v", res)
		}
		for _, q := range res.Questions {
			if q.Explanation == "" && bank[q.Stem].Explanation != "" {
				t.Fatalf("no explanation after submission for %q", q.Stem)
			}
		}
		// Submitting again counts nothing.
		if _, err := f.svc.Submit(f.ctx, alice, a.QuizID, a.ID, answers); !errors.Is(err, learning.ErrSubmitted) {
			t.Fatalf("second submission: %v", err)
		}
		// Passing the quiz completes its lesson.
		cp, err := f.svc.ProgressIn(f.ctx, alice, c)
		if err != nil {
			t.Fatal(err)
		}
		if !cp.Lessons[c.Lessons[2].ID].Completed {
			t.Fatal("passing the quiz did not complete its lesson")
		}
		// Another member cannot submit alice's attempt.
		if _, err := f.svc.Submit(f.ctx, f.caller("bob"), a.QuizID, a.ID, answers); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("bob submits alice's attempt: %v", err)
		}
	})
}

func TestQuizTimeLimitAndWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.bank(t)
		daily, err := f.svc.CreateQuiz(f.ctx, learning.Quiz{OrgID: f.town.ID, Title: "每日一练", Kind: learning.DailyQuiz,
			Tags: []string{"党史"}, QuestionCount: 5, TimeLimitSeconds: 60, PassPercent: 60})
		if err != nil {
			t.Fatal(err)
		}
		a, err := f.svc.Start(f.ctx, f.caller("carol"), daily.ID)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.advance(2 * time.Minute)
		_, err = f.svc.Submit(f.ctx, f.caller("carol"), a.QuizID, a.ID, []learning.Answer{{Position: 1, Choices: []int{0}}})
		wantField(t, err, "answers", "learning.error.time_up")
		if n := f.count(t, `SELECT COUNT(*) FROM quiz_attempts WHERE id = $1 AND submitted_at IS NULL`, a.ID); n != 1 {
			t.Fatal("a late submission was recorded")
		}
		// Options are shuffled: over many draws of a two-option question, both orders appear.
		orders := map[string]bool{}
		for range 12 {
			a, err := f.svc.Start(f.ctx, f.caller("carol"), daily.ID)
			if err != nil {
				t.Fatal(err)
			}
			orders[strings.Join(a.Questions[0].Options, "")] = true
		}
		if len(orders) < 2 {
			t.Fatalf("options always in one order: %v", orders)
		}
		// A bank too small for the quiz says so.
		big, err := f.svc.CreateQuiz(f.ctx, learning.Quiz{OrgID: f.town.ID, Title: "大测验", Kind: learning.DailyQuiz,
			Tags: []string{"党史"}, QuestionCount: 50, TimeLimitSeconds: 60, PassPercent: 60})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Start(f.ctx, f.caller("carol"), big.ID)
		wantField(t, err, "quiz", "learning.error.bank_short")
		// A special quiz outside its window does not start; dave, outside the village, does not see the village's quiz.
		opens, closes := f.clock.now().Add(time.Hour), f.clock.now().Add(2*time.Hour)
		special, err := f.svc.CreateQuiz(f.ctx, learning.Quiz{OrgID: f.renfu.ID, Title: "专项答题", Kind: learning.SpecialQuiz,
			Tags: []string{"党史"}, QuestionCount: 2, TimeLimitSeconds: 3600, PassPercent: 60, OpensAt: &opens, ClosesAt: &closes})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Start(f.ctx, f.caller("carol"), special.ID)
		wantField(t, err, "quiz", "learning.error.window")
		if _, err := f.svc.Start(f.ctx, f.caller("dave"), special.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("dave starts the village's quiz: %v", err)
		}
		f.clock.advance(90 * time.Minute)
		a, err = f.svc.Start(f.ctx, f.caller("carol"), special.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !a.DeadlineAt.Equal(closes) {
			t.Fatalf("deadline %v, want the window's close %v", a.DeadlineAt, closes)
		}
	})
}

func TestQuestionValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, err := f.svc.AddQuestions(f.ctx, f.town.ID, []learning.Question{
			{Kind: learning.Single, Stem: "好题", Options: []string{"甲", "乙"}, Answer: []string{"0"}},
			{Kind: learning.Single, Stem: "坏题", Options: []string{"甲", "乙"}, Answer: []string{"5"}},
		})
		wantField(t, err, "answer", "learning.error.answer")
		if n := f.count(t, `SELECT COUNT(*) FROM questions`); n != 0 {
			t.Fatalf("%d questions kept from a refused batch", n)
		}
	})
}
