package demo

// Points and stars in Shengze: star thresholds set by the town committee, rankings
// switched on by the Renfu branch (and nowhere else, as the burden-reduction rules
// expect), four months of contributions by the Renfu members — volunteer service and
// learning-platform scores — with the branch secretary's awards and a deduction, each
// with its reason, and an objection the demo member has raised and the secretary has yet
// to answer. Attendance at meetings earns its points through the activities themselves,
// not here.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/points"
)

// pointsLoader records the demo's points.
type pointsLoader struct {
	*loader
	rnd *rand.Rand // of its own, so the steps before keep their draws
	svc *points.Service
	now time.Time
}

// The town's star thresholds: a point a week of contribution earns a star a quarter; five
// stars take real effort.
var demoThresholds = map[points.PeriodKind][]points.Threshold{
	points.MonthPeriod:   {{Stars: 1, Points: 4}, {Stars: 3, Points: 10}, {Stars: 5, Points: 30}},
	points.QuarterPeriod: {{Stars: 1, Points: 10}, {Stars: 3, Points: 30}, {Stars: 5, Points: 90}},
	points.YearPeriod:    {{Stars: 1, Points: 40}, {Stars: 3, Points: 120}, {Stars: 5, Points: 360}},
}

// Reasons a secretary writes, in the words of village work.
var (
	demoAwards = []string{"组织村民参与河道清淤志愿服务", "协助开展“有线管家”入户宣传", "在防汛值守中表现突出",
		"带领网格内党员走访独居老人", "为围炉议事收集村民意见二十余条"}
	demoDeduction = "无故缺席十月份支部党员大会，未请假"
)

// pointsStep loads the points of the demo.
func (l *loader) pointsStep(ctx context.Context) error {
	p := &pointsLoader{loader: l, rnd: rand.New(rand.NewPCG(2026, 5005)), svc: points.New(l.db), now: time.Now()}
	if err := p.settings(ctx); err != nil {
		return fmt.Errorf("points settings: %w", err)
	}
	if err := p.contributions(ctx); err != nil {
		return fmt.Errorf("points of Renfu: %w", err)
	}
	return nil
}

func (p *pointsLoader) settings(ctx context.Context) error {
	for kind, ths := range demoThresholds {
		if err := p.svc.SetThresholds(ctx, p.orgIDs["shengze"], kind, append([]points.Threshold(nil), ths...)); err != nil {
			return err
		}
	}
	s, err := p.svc.Settings(ctx, p.orgIDs["renfu"])
	if err != nil {
		return err
	}
	s.Rankings = true
	return p.svc.SaveSettings(ctx, s)
}

// renfuMember is a member of Renfu who can earn points.
type renfuMember struct {
	id int64
}

func (p *pointsLoader) renfuMembers(ctx context.Context) ([]renfuMember, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT id FROM people
		WHERE org_id IN (SELECT org_id FROM org_tree WHERE ancestor_id = $1) AND stage IN ('full', 'probationary') ORDER BY id`, p.orgIDs["renfu"])
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []renfuMember
	for rows.Next() {
		var m renfuMember
		if err := rows.Scan(&m.id); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// at is a moment days ago, in the working day.
func (p *pointsLoader) at(days int) time.Time {
	d := p.now.In(beijing).AddDate(0, 0, -days)
	return time.Date(d.Year(), d.Month(), d.Day(), 9+p.rnd.IntN(8), p.rnd.IntN(60), 0, 0, beijing)
}

func (p *pointsLoader) contributions(ctx context.Context) error {
	people, err := p.renfuMembers(ctx)
	if err != nil {
		return err
	}
	var memberID, secretary int64
	if err := p.db.QueryRowContext(ctx, `SELECT p.id FROM people p JOIN accounts a ON a.id = p.account_id WHERE a.username = 'member'`).Scan(&memberID); err != nil {
		return fmt.Errorf("the demo member: %w", err)
	}
	if err := p.db.QueryRowContext(ctx, `SELECT id FROM accounts WHERE username = 'branch'`).Scan(&secretary); err != nil {
		return fmt.Errorf("the Renfu secretary's account: %w", err)
	}
	// Volunteer service and learning-platform scores over four months, recorded as the
	// platform records them.
	var events []points.Event
	for _, m := range people {
		keen := 1 + p.rnd.IntN(4) // how often this member turns out
		if m.id == memberID {
			keen = 3
		}
		for days := 120; days >= 1; days -= 7 + p.rnd.IntN(10) {
			if p.rnd.IntN(4) < keen {
				events = append(events, points.Event{Key: fmt.Sprintf("demo:volunteer:%d:%d", m.id, days), PersonID: m.id,
					Rule: "volunteer-service", OccurredAt: p.at(days), Source: "volunteer", SourceRef: "demo"})
			}
		}
		for month := 3; month >= 1; month-- {
			end := points.MonthOf(points.DayOf(p.now.AddDate(0, -month, 0)))
			pts := 2 + p.rnd.IntN(4*keen)
			last, _ := time.ParseInLocation(time.DateOnly, end.To.String(), beijing)
			events = append(events, points.Event{Key: fmt.Sprintf("%s:%s:%d", points.LearningRule, end.Name, m.id), PersonID: m.id,
				Rule: points.LearningRule, Points: &pts, OccurredAt: last.Add(12 * time.Hour), Source: "import", SourceRef: "learning-platform:" + end.Name})
		}
	}
	for start := 0; start < len(events); start += points.MaxBatch {
		res, err := p.svc.RecordSystem(ctx, p.db, events[start:min(start+points.MaxBatch, len(events))])
		if err != nil {
			return err
		}
		for _, r := range res {
			if r.Err != nil {
				return r.Err
			}
		}
	}
	return p.manual(ctx, people, memberID, auth.Account{ID: secretary, Username: "branch"})
}

// manual records the secretary's awards, one to the demo member, and a deduction of the
// demo member that the member objects to.
func (p *pointsLoader) manual(ctx context.Context, people []renfuMember, memberID int64, secretary auth.Account) error {
	var events []points.Event
	award := func(person int64, days, pts int, reason string) {
		events = append(events, points.Event{Key: fmt.Sprintf("demo:award:%d:%d", person, days), PersonID: person, Rule: "manual-award",
			Points: &pts, OccurredAt: p.at(days), Source: "manual", Note: reason})
	}
	award(memberID, 20, 5, demoAwards[0])
	for i, m := range people {
		if m.id != memberID && i%4 == 1 {
			award(m.id, 5+p.rnd.IntN(80), 2+p.rnd.IntN(5), demoAwards[p.rnd.IntN(len(demoAwards))])
		}
	}
	minus := -2
	events = append(events, points.Event{Key: fmt.Sprintf("demo:deduction:%d", memberID), PersonID: memberID, Rule: "manual-deduction",
		Points: &minus, OccurredAt: p.at(8), Source: "manual", Note: demoDeduction})
	res, err := p.svc.Record(ctx, secretary, events)
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Err != nil {
			return r.Err
		}
	}
	deduction := res[len(res)-1].Entry
	_, err = p.svc.Object(ctx, memberID, deduction, "十月份支部党员大会当天我在镇里参加防汛值守，会前已向支部书记口头请假。")
	return err
}
