package oversight_test

import (
	"slices"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/article"
	"vanguard/internal/auth"
	"vanguard/internal/evaluation"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/oversight"
	"vanguard/internal/points"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// year2023 is the first branch's 2023 as the test built it, with records of 2024, of
// 2022 and of the second branch beside it that the yearly record must leave out.
type year2023 struct {
	people   []oversight.YearPerson // in the order the record lists them
	points   map[int64]int          // the 2023 total of each member with an entry
	stars    map[int64]int
	round    evaluation.HistoryRow
	rect     oversight.YearRectification
	articles []string // titles, in release order
}

// buildYear records the first branch's year beside the winter of meetings.
func buildYear(t *testing.T, w *world, ledger *points.Service, evals *evaluation.Service) year2023 {
	t.Helper()
	var y year2023
	accounts := auth.New(w.db, auth.Options{Hash: auth.TestHashParams})
	acc, err := accounts.CreateAccount(w.ctx, auth.NewAccount{Username: "town", DisplayName: "town", Password: "a long passphrase", IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	zhang := w.members[w.a.ID]

	// People: a secretary and an organization member appointed before the year, an
	// applicant who applied in December, and a post of 2024 that must not show.
	for _, p := range []org.NewPost{
		{OrgID: w.a.ID, PersonID: zhang[0].ID, Kind: org.Secretary, StartedOn: time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)},
		{OrgID: w.a.ID, PersonID: zhang[1].ID, Kind: org.OrganizationMember, StartedOn: time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)},
		{OrgID: w.a.ID, PersonID: zhang[2].ID, Kind: org.PropagandaMember, StartedOn: time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)},
	} {
		if _, err := w.orgs.Appoint(w.ctx, w.db, p); err != nil {
			t.Fatalf("appoint %s: %v", p.Kind, err)
		}
	}
	applicant, err := w.people.Create(w.ctx, member.NewPerson{Name: "王申请", OrgID: w.a.ID, BirthDate: time.Date(1995, 5, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.people.Record(w.ctx, applicant.ID, member.Move{Transition: member.Transition{Kind: member.KindAdvance, To: member.StageApplicant,
		On: time.Date(2023, 12, 10, 0, 0, 0, 0, time.UTC)}}); err != nil {
		t.Fatal(err)
	}
	y.people = []oversight.YearPerson{
		{ID: zhang[0].ID, Name: zhang[0].Name, Stage: member.StageFull, Posts: []org.PostKind{org.Secretary}},
		{ID: zhang[1].ID, Name: zhang[1].Name, Stage: member.StageFull, Posts: []org.PostKind{org.OrganizationMember}},
		{ID: zhang[2].ID, Name: zhang[2].Name, Stage: member.StageFull},
		{ID: applicant.ID, Name: applicant.Name, Stage: member.StageApplicant},
	}

	// Points: stars at 5 and 10 points a year, set by the town for its subtree.
	ths := []points.Threshold{{Stars: 1, Points: 5}, {Stars: 2, Points: 10}}
	if err := ledger.SetThresholds(w.ctx, w.town.ID, points.YearPeriod, ths); err != nil {
		t.Fatal(err)
	}
	pts := func(n int) *int { return &n }
	events := []points.Event{
		{Key: "y1", PersonID: zhang[0].ID, Points: pts(6), OccurredAt: time.Date(2023, 3, 1, 10, 0, 0, 0, beijing)},
		{Key: "y2", PersonID: zhang[0].ID, Points: pts(5), OccurredAt: time.Date(2023, 12, 31, 23, 0, 0, 0, beijing)},
		{Key: "y3", PersonID: zhang[1].ID, Points: pts(7), OccurredAt: time.Date(2023, 6, 1, 10, 0, 0, 0, beijing)},
		// 2024 in Beijing, though still 2023 in UTC: not the year's.
		{Key: "y4", PersonID: zhang[1].ID, Points: pts(9), OccurredAt: time.Date(2024, 1, 1, 0, 30, 0, 0, beijing)},
		{Key: "y5", PersonID: zhang[2].ID, Points: pts(2), OccurredAt: time.Date(2023, 8, 1, 10, 0, 0, 0, beijing)},
		// The second branch's member is not the first branch's.
		{Key: "y6", PersonID: w.members[w.b.ID][0].ID, Points: pts(20), OccurredAt: time.Date(2023, 8, 1, 10, 0, 0, 0, beijing)},
	}
	y.points, y.stars = map[int64]int{}, map[int64]int{}
	for i := range events {
		events[i].Rule, events[i].Source, events[i].Note = "manual-award", "manual", "支部工作"
		at := events[i].OccurredAt.In(beijing)
		if at.Year() != 2023 || !slices.ContainsFunc(zhang, func(p member.Person) bool { return p.ID == events[i].PersonID }) {
			continue
		}
		y.points[events[i].PersonID] += *events[i].Points
	}
	for id, total := range y.points {
		y.stars[id] = points.StarsFor(total, ths)
	}
	res, err := ledger.Record(w.ctx, acc, events)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != points.Recorded {
			t.Fatalf("point event: %+v", r)
		}
	}

	// Evaluations: the town's 2023 standardization round, scored and with a
	// rectification on an item the branch lost points on; a 2022 round beside it.
	caller := evaluation.Caller{Account: acc}
	tmpl, err := evals.BuiltinID(w.ctx, "standardization")
	if err != nil {
		t.Fatal(err)
	}
	var round evaluation.Round
	for _, year := range []int{2022, 2023} {
		r, err := evals.CreateRound(w.ctx, caller, evaluation.NewRound{TemplateID: tmpl, OrgID: w.town.ID,
			Title: "支部标准化考评", Year: year, Deadline: time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatalf("round %d: %v", year, err)
		}
		round = r
	}
	list, err := evals.Assessments(w.ctx, round.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(list, func(a evaluation.Assessment) bool { return a.SubjectOrgID == w.a.ID })
	if i < 0 {
		t.Fatal("the round did not take the first branch")
	}
	asm := list[i]
	var total float64
	var lostItem int64
	for _, it := range round.Template.Items {
		in := evaluation.ScoreInput{Value: it.Max}
		switch it.Method {
		case evaluation.Deduction, evaluation.YesNo:
			in.Value = 1
		case evaluation.Graded, evaluation.Bonus:
			in.Value = 0
		}
		got, err := evals.ScoreItem(w.ctx, caller, asm.ID, it.ID, evaluation.RoleAssessor, in)
		if err != nil {
			t.Fatalf("score %s: %v", it.Title, err)
		}
		s := got.Assessor[it.ID].Score
		total += s
		if lostItem == 0 && s < it.Max {
			lostItem = it.ID
		}
	}
	if lostItem == 0 {
		t.Fatal("no item lost points")
	}
	y.round = evaluation.HistoryRow{RoundID: round.ID, Year: 2023, Title: round.Title, Total: total,
		Level: round.Template.LevelOf(total), Stage: evaluation.Complete}
	due := time.Date(2024, 4, 30, 0, 0, 0, 0, time.UTC)
	if _, err := evals.OpenRectification(w.ctx, caller, asm.ID, evaluation.NewRectification{ItemID: lostItem, Title: "补齐三会一课台账",
		OwnerID: zhang[0].ID, DueOn: due}); err != nil {
		t.Fatal(err)
	}
	y.rect = oversight.YearRectification{Title: "补齐三会一课台账", Status: evaluation.RectOpen, DueOn: due}

	// Reports published: two of the branch in its year (the second late on New Year's
	// Eve in Beijing), one released on New Year's Day in Beijing, a draft, and one of the
	// second branch.
	news := article.New(w.db, w.orgs)
	scope := org.ScopeOf(acc, org.Manage)
	for _, a := range []struct {
		org      int64
		title    string
		released time.Time
		publish  bool
	}{
		{w.a.ID, "第一支部开展主题党日", time.Date(2023, 5, 4, 9, 0, 0, 0, beijing), true},
		{w.a.ID, "第一支部召开党员大会", time.Date(2023, 12, 31, 23, 50, 0, 0, beijing), true},
		{w.a.ID, "新年第一课", time.Date(2024, 1, 1, 0, 10, 0, 0, beijing), true},
		{w.a.ID, "未发布的草稿", time.Date(2023, 7, 1, 9, 0, 0, 0, beijing), false},
		{w.b.ID, "第二支部的报道", time.Date(2023, 7, 1, 9, 0, 0, 0, beijing), true},
	} {
		got, err := news.Create(w.ctx, scope, article.Input{OrgID: a.org, Title: a.title, Body: "<p>正文</p>", ReleasedAt: a.released})
		if err != nil {
			t.Fatalf("article %s: %v", a.title, err)
		}
		if !a.publish {
			continue
		}
		if _, err := news.Move(w.ctx, scope, got.ID, article.Published, ""); err != nil {
			t.Fatalf("publish %s: %v", a.title, err)
		}
		if a.org == w.a.ID && a.released.In(beijing).Year() == 2023 {
			y.articles = append(y.articles, a.title)
		}
	}
	return y
}

// TestYearlyRecordMatchesTheRecords builds the first branch's 2023 and compares its
// yearly record with what was built, part by part.
func TestYearlyRecordMatchesTheRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		clock := func() time.Time { return w.now }
		ledger := points.New(db)
		evals := evaluation.New(db, w.orgs, w.people, w.acts, ledger)
		evals.SetClock(clock)
		if err := evals.InstallBuiltins(w.ctx); err != nil {
			t.Fatal(err)
		}
		w.winter()
		// A meeting of 2022 in the branch, which is not 2023's.
		w.hold(w.a.ID, activity.ThemeDay, time.Date(2022, 12, 20, 9, 0, 0, 0, beijing), 0, 0)
		want := buildYear(t, w, ledger, evals)
		reports := oversight.NewReports(db, w.acts, ledger, evals, clock)

		rec, err := reports.YearlyRecord(w.ctx, w.a.ID, 2023)
		if err != nil {
			t.Fatal(err)
		}
		if rec.OrgName != w.a.Name || rec.Year != 2023 || !rec.TakenAt.Equal(w.now) {
			t.Errorf("heading %s %d taken %v", rec.OrgName, rec.Year, rec.TakenAt)
		}

		var meetings []oversight.YearMeeting
		for _, m := range w.meetings {
			if m.org != w.a.ID || m.starts.In(beijing).Year() != 2023 {
				continue
			}
			meetings = append(meetings, oversight.YearMeeting{StartsAt: m.starts, Kind: m.kind, Title: string(m.kind),
				Tally: activity.Tally{Present: m.present, Late: m.late, Absent: m.absent}})
		}
		if len(rec.Meetings) != len(meetings) {
			t.Fatalf("meetings %+v, want %+v", rec.Meetings, meetings)
		}
		for i, m := range meetings {
			got := rec.Meetings[i]
			if !got.StartsAt.Equal(m.StartsAt) || got.Kind != m.Kind || got.Title != m.Title || got.Tally != m.Tally {
				t.Errorf("meeting %d: %+v, want %+v", i, got, m)
			}
		}

		if len(rec.People) != len(want.people) {
			t.Fatalf("people %+v, want %+v", rec.People, want.people)
		}
		for i, p := range want.people {
			got := rec.People[i]
			if got.ID != p.ID || got.Name != p.Name || got.Stage != p.Stage || !slices.Equal(got.Posts, p.Posts) {
				t.Errorf("person %d: %+v, want %+v", i, got, p)
			}
		}

		if rec.Ranked || len(rec.Points) != len(want.points) {
			t.Fatalf("points %+v ranked %v, want %v unranked", rec.Points, rec.Ranked, want.points)
		}
		starCounts := map[int]int{}
		for i, p := range rec.Points {
			if p.Total != want.points[p.PersonID] || p.Stars != want.stars[p.PersonID] || p.Rank != 0 {
				t.Errorf("points of %s: %+v, want %d points, %d stars, no rank", p.Name, p, want.points[p.PersonID], want.stars[p.PersonID])
			}
			if i > 0 && rec.Points[i-1].Name > p.Name {
				t.Errorf("points not by name without rankings: %+v", rec.Points)
			}
		}
		for _, n := range want.stars {
			if n > 0 {
				starCounts[n]++
			}
		}
		if len(rec.Stars) != len(starCounts) {
			t.Errorf("stars %+v, want %v", rec.Stars, starCounts)
		}
		for _, s := range rec.Stars {
			if starCounts[s.Stars] != s.Members {
				t.Errorf("%d stars: %d members, want %d", s.Stars, s.Members, starCounts[s.Stars])
			}
		}

		if len(rec.Rounds) != 1 || rec.Rounds[0].RoundID != want.round.RoundID || rec.Rounds[0].Total != want.round.Total ||
			rec.Rounds[0].Level != want.round.Level || rec.Rounds[0].Stage != evaluation.Complete {
			t.Errorf("evaluations %+v, want only %+v", rec.Rounds, want.round)
		}
		if len(rec.Rects) != 1 || rec.Rects[0].Title != want.rect.Title || rec.Rects[0].Status != want.rect.Status ||
			!rec.Rects[0].DueOn.Equal(want.rect.DueOn) {
			t.Errorf("rectifications %+v, want only %+v", rec.Rects, want.rect)
		}

		var titles []string
		for _, a := range rec.Articles {
			titles = append(titles, a.Title)
		}
		if !slices.Equal(titles, want.articles) {
			t.Errorf("articles %v, want %v", titles, want.articles)
		}
	})
}
