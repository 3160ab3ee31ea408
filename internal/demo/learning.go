package demo

// Learning: the Shengze winter training of seed 004 as a campaign of this winter — the
// "Learning in the Silk City" (学在绸都) cloud micro-classroom with courses written for the
// demo on the report's themes, a question bank, a daily quiz and a special quiz, two
// town-wide sessions — and the progress of the town's members, recorded through the
// same rules as a page's reports, so that the dashboard shows villages ahead and behind.
// The demo accounts take no course, so that they start as a new user would.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/auth"
	"vanguard/internal/learning"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/points"
)

// WinterCampaignTitle names the demo's campaign, for tests that look for it.
const WinterCampaignTitle = "2026—2027年度盛泽镇党员冬训"

type learningLoader struct {
	*loader
	rnd   *rand.Rand
	at    time.Time
	svc   *learning.Service
	bank  map[string]learning.Question
	quiz  learning.Quiz
	orgID int64
}

func (l *loader) learning(ctx context.Context) error {
	d := &learningLoader{loader: l, rnd: rand.New(rand.NewPCG(2026, 6004)), at: time.Now(), bank: map[string]learning.Question{},
		orgID: l.orgIDs["shengze"]}
	d.svc = learning.New(l.db, l.orgs, l.people, points.New(l.db)).WithClock(func() time.Time { return d.at })
	courses, err := d.catalogue(ctx)
	if err != nil {
		return fmt.Errorf("winter-training courses: %w", err)
	}
	sessions, err := d.sessions(ctx)
	if err != nil {
		return fmt.Errorf("winter-training sessions: %w", err)
	}
	start := time.Date(2026, time.November, 1, 0, 0, 0, 0, beijing)
	if _, err := d.svc.CreateCampaign(ctx, learning.Campaign{OrgID: d.orgID, Title: WinterCampaignTitle,
		TitleEn: "Shengze party members' winter training 2026–27", StartsAt: start, EndsAt: time.Date(2027, time.March, 1, 0, 0, 0, 0, beijing),
		TargetCourses: 3, TargetActivities: 2, OrgIDs: []int64{d.orgID},
		CourseIDs: []int64{courses[0].ID, courses[1].ID, courses[2].ID}, ActivityIDs: sessions}); err != nil {
		return fmt.Errorf("winter-training campaign: %w", err)
	}
	if err := d.progress(ctx, courses[:3]); err != nil {
		return fmt.Errorf("winter-training progress: %w", err)
	}
	return nil
}

// catalogue writes the bank, the quizzes and the courses. The first three courses are
// the campaign's required ones; the first is short, for a newcomer to finish in minutes.
func (d *learningLoader) catalogue(ctx context.Context) ([]learning.Course, error) {
	qs := bankQuestions()
	if _, err := d.svc.AddQuestions(ctx, d.orgID, qs); err != nil {
		return nil, err
	}
	for _, q := range qs {
		d.bank[q.Stem] = q
	}
	var err error
	if d.quiz, err = d.svc.CreateQuiz(ctx, learning.Quiz{OrgID: d.orgID, Title: "冬训导学小测验", TitleEn: "Winter training: a short quiz",
		Kind: learning.LessonQuiz, Tags: []string{"绸都"}, QuestionCount: 3, TimeLimitSeconds: 300, PassPercent: 60}); err != nil {
		return nil, err
	}
	if _, err := d.svc.CreateQuiz(ctx, learning.Quiz{OrgID: d.orgID, Title: "每日一练：组织生活", TitleEn: "Daily practice: organizational life",
		Kind: learning.DailyQuiz, Tags: []string{"组织生活"}, QuestionCount: 5, TimeLimitSeconds: 300, PassPercent: 60}); err != nil {
		return nil, err
	}
	opens, closes := d.at.AddDate(0, 0, -2), d.at.AddDate(0, 0, 12)
	if _, err := d.svc.CreateQuiz(ctx, learning.Quiz{OrgID: d.orgID, Title: "冬训知识竞答", TitleEn: "Winter training quiz contest",
		Kind: learning.SpecialQuiz, Tags: []string{"冬训", "议事", "四敢"}, QuestionCount: 10, TimeLimitSeconds: 600, PassPercent: 60,
		OpensAt: &opens, ClosesAt: &closes}); err != nil {
		return nil, err
	}
	pdf, err := d.svc.SaveFile(ctx, "盛泽纺织产业集群.pdf", "application/pdf", textilePDF())
	if err != nil {
		return nil, err
	}
	var out []learning.Course
	for _, n := range []learning.NewCourse{
		{Title: "学在绸都：党员冬训导学", TitleEn: "Learning in the Silk City: an introduction to winter training", Required: true, Minutes: 5,
			Summary: "云微课堂怎么学：随时学，学完即止，不打卡、不比在线时长。", SummaryEn: "How the cloud micro-classroom works: learn when it suits you; no check-ins, no time-online contests.",
			Tags: []string{"冬训", "绸都"}, Lessons: []learning.NewLesson{
				{Kind: learning.Article, Title: "冬训为什么上“云端”", TitleEn: "Why winter training went online", MinSeconds: 10, Body: introArticle},
				{Kind: learning.QuizStep, Title: "导学小测验", TitleEn: "A short quiz", QuizID: d.quiz.ID},
			}},
		{Title: "围炉议事：有事好商量", TitleEn: "Fireside deliberation: everything is easy to discuss", Required: true, Minutes: 6,
			Summary: "仁复村“有线管家”议事的来龙去脉：议题、意见、表决与自愿原则。", SummaryEn: "The Renfu 'wired housekeeping' deliberation: the topic, the opinions, the vote and voluntariness.",
			Tags: []string{"冬训", "议事"}, Lessons: []learning.NewLesson{
				{Kind: learning.Article, Title: "一杯茶，一张桌，一个议题", TitleEn: "A cup of tea, a table, a topic", MinSeconds: 60, Body: firesideArticle},
				{Kind: learning.Article, Title: "把决定权交给群众", TitleEn: "Leaving the decision to the villagers", MinSeconds: 60, Body: decisionArticle},
			}},
		{Title: "织就世界级纺织产业集群", TitleEn: "Weaving a world-class textile cluster", Required: true, Minutes: 8,
			Summary: "“世界500强”车间课堂：冬训如何赋能产业转型升级。", SummaryEn: "The 'Fortune 500' workshop class: how winter training helps the industry upgrade.",
			Tags: []string{"冬训", "产业"}, Lessons: []learning.NewLesson{
				{Kind: learning.Article, Title: "车间里的课堂", TitleEn: "A classroom in the workshop", MinSeconds: 90, Body: workshopArticle},
				{Kind: learning.Document, Title: "盛泽纺织产业集群简介（PDF）", TitleEn: "The Shengze textile cluster (PDF)", MinSeconds: 30, FileID: pdf},
			}},
		{Title: "新时代文明实践站：温暖新就业群体", TitleEn: "Civilized practice stations for new employment groups", Minutes: 4,
			Summary: "快递员、外卖骑手的“歇脚点”和“加油站”。", SummaryEn: "A place to rest and recharge for couriers and riders.",
			Tags: []string{"文明实践"}, Visibility: learning.Public, Lessons: []learning.NewLesson{
				{Kind: learning.Article, Title: "暖心驿站", TitleEn: "Warm-hearted stations", MinSeconds: 45, Body: stationArticle},
			}},
	} {
		n.OrgID = d.orgID
		if n.Visibility == "" {
			n.Visibility = learning.Subtree
		}
		c, err := d.svc.CreateCourse(ctx, n)
		if err != nil {
			return nil, fmt.Errorf("course %s: %w", n.Title, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// sessions holds the winter training's two town-wide sessions of this month.
func (d *learningLoader) sessions(ctx context.Context) ([]int64, error) {
	a := &activityLoader{loader: d.loader, rnd: rand.New(rand.NewPCG(2026, 6404)), sc: org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage)}
	a.svc = activity.New(d.db, activity.Options{Now: func() time.Time { return a.at }})
	// The members the demo shows without organizational life stay away from these too,
	// or the sessions would take them off that list.
	inactive, err := a.svc.InactiveMembers(ctx, org.ScopeOf(auth.Account{IsAdmin: true}, org.View), d.orgID, time.Now().AddDate(0, -6, 0))
	if err != nil {
		return nil, err
	}
	away := map[int64]bool{}
	for _, p := range inactive {
		away[p.PersonID] = true
	}
	var ids []int64
	for i, s := range []struct {
		title, place string
		daysAgo      int
	}{
		{"党员冬训开班：学在绸都·云端微课堂", "盛泽镇党群服务中心", 15},
		{"冬训专题党课：发扬“四敢”精神，织就产业新篇", "盛泽镇党群服务中心", 6},
	} {
		day := d.at.In(beijing).AddDate(0, 0, -s.daysAgo)
		startAt := time.Date(day.Year(), day.Month(), day.Day(), 14, 0, 0, 0, beijing)
		act, err := a.held(ctx, activity.Input{Kind: activity.PartyLecture, HostIDs: []int64{d.orgID}, Title: s.title,
			Theme: "党员冬训", StartsAt: startAt, EndsAt: startAt.Add(90 * time.Minute), Place: s.place, SpeakerName: "镇党委书记"}, away)
		if err != nil {
			return nil, fmt.Errorf("session %d: %w", i+1, err)
		}
		ids = append(ids, act.ID)
	}
	return ids, nil
}

// eagerness is how far each branch's members are with the campaign: the dashboard's
// leaders and laggards.
var eagerness = []struct {
	org string
	p   float64
}{
	{"shengze-school", 0.9}, {"renfu", 0.85}, {"hengli-yarn", 0.75}, {"huangjiaxi", 0.65}, {"shengze-organs", 0.6},
	{"new-employment", 0.45}, {"longquanzui", 0.35}, {"shenjia", 0.2},
}

// progress takes the town's members (not the demo accounts) through the required
// courses in order, each stopping where their branch's eagerness runs out, at moments
// spread over the campaign's weeks so far.
func (d *learningLoader) progress(ctx context.Context, courses []learning.Course) error {
	for _, e := range eagerness {
		people, err := d.membersOf(ctx, e.org)
		if err != nil {
			return err
		}
		for _, person := range people {
			c := learning.Caller{Person: &person}
			for _, course := range courses {
				if d.rnd.Float64() > e.p {
					break
				}
				d.at = time.Now().Add(-time.Duration(1+d.rnd.IntN(19*24)) * time.Hour)
				if err := d.take(ctx, c, course); err != nil {
					return fmt.Errorf("%s takes %s: %w", person.Name, course.Title, err)
				}
			}
		}
	}
	d.at = time.Now()
	return nil
}

// take goes through a course's lessons as a page would report them.
func (d *learningLoader) take(ctx context.Context, c learning.Caller, course learning.Course) error {
	for _, l := range course.Lessons {
		if l.Kind == learning.QuizStep {
			if err := d.pass(ctx, c, l.QuizID); err != nil {
				return err
			}
			continue
		}
		if _, err := d.svc.Report(ctx, c, l.ID, learning.Report{}); err != nil {
			return err
		}
		spent := l.MinSeconds + 5 + d.rnd.IntN(60)
		d.at = d.at.Add(time.Duration(spent) * time.Second)
		if _, err := d.svc.Report(ctx, c, l.ID, learning.Report{Seconds: spent, Scroll: 100, Position: 100}); err != nil {
			return err
		}
		d.at = d.at.Add(time.Minute)
	}
	return nil
}

// pass answers a quiz right, as someone who did the reading.
func (d *learningLoader) pass(ctx context.Context, c learning.Caller, quizID int64) error {
	a, err := d.svc.Start(ctx, c, quizID)
	if err != nil {
		return err
	}
	var answers []learning.Answer
	for _, shown := range a.Questions {
		answers = append(answers, rightAnswer(d.bank[shown.Stem], shown))
	}
	d.at = d.at.Add(90 * time.Second)
	_, err = d.svc.Submit(ctx, c, quizID, a.ID, answers)
	return err
}

// rightAnswer finds the right options of a question among those shown, by their text.
func rightAnswer(q learning.Question, shown learning.ShownQuestion) learning.Answer {
	a := learning.Answer{Position: shown.Position}
	if q.Kind == learning.FillIn {
		a.Text = q.Answer[0]
		return a
	}
	options := q.Options
	if q.Kind == learning.TrueFalse {
		options = []string{"true", "false"}
	}
	for _, right := range q.Answer {
		i := int(right[0] - '0')
		for pos, text := range shown.Options {
			if text == options[i] {
				a.Choices = append(a.Choices, pos)
			}
		}
	}
	return a
}

// membersOf lists the members of an organization's subtree without a demo login.
func (d *learningLoader) membersOf(ctx context.Context, key string) ([]member.Person, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT p.id FROM people p WHERE p.org_id IN (SELECT org_id FROM org_tree WHERE ancestor_id = $1)
		AND p.account_id IS NULL AND p.stage IN ('probationary', 'full') ORDER BY p.id`, d.orgIDs[key])
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]member.Person, 0, len(ids))
	for _, id := range ids {
		p, err := d.people.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func split(s, sep string) []string {
	var out []string
	for _, part := range strings.Split(s, sep) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
