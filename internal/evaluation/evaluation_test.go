package evaluation_test

import (
	"errors"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/auth"
	"vanguard/internal/evaluation"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

func TestScoreOfFollowsTheMethod(t *testing.T) {
	cases := []struct {
		it      evaluation.Item
		value   float64
		want    float64
		wantErr string
	}{
		{evaluation.Item{Method: evaluation.Points, Max: 10}, 7.5, 7.5, ""},
		{evaluation.Item{Method: evaluation.Points, Max: 10}, 10.5, 0, "evaluation.error.above_max"},
		{evaluation.Item{Method: evaluation.Points, Max: 10}, -1, 0, "evaluation.error.negative"},
		{evaluation.Item{Method: evaluation.Deduction, Max: 15, PerOccurrence: 3}, 2, 9, ""},
		{evaluation.Item{Method: evaluation.Deduction, Max: 15, PerOccurrence: 3}, 9, 0, ""},
		{evaluation.Item{Method: evaluation.Deduction, Max: 15, PerOccurrence: 3}, 1.5, 0, "evaluation.error.occurrences"},
		{evaluation.Item{Method: evaluation.YesNo, Max: 10}, 1, 10, ""},
		{evaluation.Item{Method: evaluation.YesNo, Max: 10}, 2, 0, "evaluation.error.yesno"},
		{evaluation.Item{Method: evaluation.Graded, Max: 15}, 1, 12, ""},
		{evaluation.Item{Method: evaluation.Graded, Max: 15}, 4, 0, "evaluation.error.grade"},
		{evaluation.Item{Method: evaluation.Bonus, Max: 5}, 5, 5, ""},
	}
	for _, c := range cases {
		got, err := c.it.ScoreOf(c.value)
		if c.wantErr != "" {
			wantField(t, err, "value", c.wantErr)
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %v: got %v, %v; want %v", c.it.Method, c.value, got, err, c.want)
		}
	}
}

func TestBuiltinsAreInstalledOnceAndComplete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		if err := f.svc.InstallBuiltins(f.ctx); err != nil { // a second start installs nothing
			t.Fatal(err)
		}
		if n := f.count(`SELECT COUNT(*) FROM eval_templates`); n != len(evaluation.Builtins()) {
			t.Fatalf("%d templates after two installs, want %d", n, len(evaluation.Builtins()))
		}
		id, _ := f.svc.BuiltinID(f.ctx, "standardization")
		tp, err := f.svc.Template(f.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if tp.Base() != 100 {
			t.Fatalf("standardization is out of %v, want 100", tp.Base())
		}
		star, _ := f.svc.BuiltinID(f.ctx, "star_branch")
		st, _ := f.svc.Template(f.ctx, star)
		if st.Base() != 100 || st.LevelOf(115) != "star5" || st.LevelOf(95) != "star3" {
			t.Fatalf("star-rated branch: base %v, levels %s %s", st.Base(), st.LevelOf(115), st.LevelOf(95))
		}
	})
}

func TestTemplateVersionsLeaveRoundsAsTheyWere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.round("standardization")
		admin := evaluation.Caller{Account: auth.Account{ID: f.accounts["town"].ID}}
		if err := f.orgs.GrantRole(f.ctx, db, f.accounts["town"].ID, f.town.ID, org.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		edited := r.Template
		edited.OrgID = f.town.ID
		edited.Items = append([]evaluation.Item(nil), edited.Items...)
		edited.Items[2].Max = 2000 // row 3 is bad
		_, err := f.svc.SaveTemplate(f.as("town"), admin, edited)
		var e interface{ Error() string }
		if e = err; e == nil {
			t.Fatal("a maximum of 2000 was accepted")
		}
		wantRow(t, err, 3, "max")
		if n := f.count(`SELECT COUNT(*) FROM eval_templates WHERE key = 'standardization'`); n != 1 {
			t.Fatalf("a refused template left %d versions", n)
		}
		edited.Items[2].Max = 20
		v2, err := f.svc.SaveTemplate(f.as("town"), admin, edited)
		if err != nil {
			t.Fatal(err)
		}
		if v2.Version != 2 || v2.Items[2].Max != 20 {
			t.Fatalf("saved version %d with item 3 max %v", v2.Version, v2.Items[2].Max)
		}
		again, _ := f.svc.Round(f.ctx, r.ID)
		if again.Template.ID != r.Template.ID || again.Template.Items[2].Max != 15 {
			t.Fatalf("the round now uses template %d with item 3 max %v", again.Template.ID, again.Template.Items[2].Max)
		}
		// Elsewhere the built-in stays the latest; in the town both are offered.
		other := evaluation.Caller{Account: f.accounts["secb"]}
		list, _ := f.svc.Templates(f.ctx, other)
		for _, tp := range list {
			if tp.Key == "standardization" && tp.Version != 1 {
				t.Fatalf("the town's version is offered to a branch manager who only sees their branch... got v%d", tp.Version)
			}
		}
	})
}

func wantRow(t *testing.T, err error, row int, field string) {
	t.Helper()
	var es interface{ Error() string } = err
	if es == nil {
		t.Fatal("no error")
	}
	got := err.Error()
	want := "row " + itoa(row) + ": " + field + ":"
	if !contains(got, want) {
		t.Fatalf("want an error at %q, got %q", want, got)
	}
}

func TestRoundFromSelfAssessmentToRectification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		// The records of 2025 in branch 一: a general meeting held, two of three present,
		// and a follow-up task still open.
		admin := org.ScopeOf(auth.Account{IsAdmin: true}, org.Manage)
		act, err := f.activities.Create(f.ctx, admin, activity.Input{Kind: activity.GeneralMeeting, HostIDs: []int64{f.a.ID}, Title: "一季度党员大会",
			StartsAt: time.Date(2025, 3, 5, 1, 0, 0, 0, time.UTC), EndsAt: time.Date(2025, 3, 5, 3, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.activities.Move(f.ctx, admin, act.ID, activity.Held, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.activities.RecordRollCall(f.ctx, admin, act.ID, activity.RollCall{Marks: []activity.Mark{
			{PersonID: f.persons["sec"].ID, Presence: activity.Present}, {PersonID: f.persons["m1"].ID, Presence: activity.Present},
			{PersonID: f.persons["m2"].ID, Presence: activity.Absent}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.activities.AddTask(f.ctx, admin, act.ID, activity.NewTask{Title: "整理台账", OwnerID: f.persons["m1"].ID,
			DueOn: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}

		r := f.round("standardization")
		if r.Subjects != 2 {
			t.Fatalf("the round took %d subjects, want the town's 2 branches", r.Subjects)
		}
		a := f.assessmentOf(r, f.a.ID)
		first := r.Template.Items[0]

		// The branch self-assesses; it may not score itself as the assessor.
		if _, err := f.svc.ScoreItem(f.as("sec"), f.caller("sec"), a.ID, first.ID, evaluation.RoleSelf, evaluation.ScoreInput{Value: 10}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SubmitSelf(f.as("sec"), f.caller("sec"), a.ID, "按期换届，台账齐全"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ScoreItem(f.as("sec"), f.caller("sec"), a.ID, first.ID, evaluation.RoleAssessor, evaluation.ScoreInput{Value: 10}); !errors.Is(err, evaluation.ErrForbidden) {
			t.Fatalf("a branch scored itself as the assessor: %v", err)
		}
		// Another branch's secretary cannot even see it.
		if _, err := f.svc.ScoreItem(f.as("secb"), f.caller("secb"), a.ID, first.ID, evaluation.RoleSelf, evaluation.ScoreInput{Value: 10}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another branch's secretary reached the assessment: %v", err)
		}

		// Suggested scores from the records.
		sug, err := f.svc.Suggest(f.ctx, r, a)
		if err != nil {
			t.Fatal(err)
		}
		att := itemBySource(r, evaluation.FromAttendance)
		if s := sug[att.ID]; s.Done != 2 || s.Of != 3 || s.Score != 10 {
			t.Fatalf("attendance suggestion %+v, want 2 of 3 worth 10 of 15", s)
		}
		tasks := itemBySource(r, evaluation.FromTasks)
		if s := sug[tasks.ID]; s.Done != 0 || s.Of != 1 || s.Score != 0 {
			t.Fatalf("tasks suggestion %+v, want 0 of 1", s)
		}
		cal, _ := f.activities.Calendar(f.ctx, f.a.ID, 2025)
		meet := itemBySource(r, evaluation.FromMeetings)
		if s := sug[meet.ID]; s.Done != cal.Total.Held || s.Of != cal.Total.Due || s.Done == 0 {
			t.Fatalf("meetings suggestion %+v, calendar %+v", s, cal.Total)
		}

		// Bad input changes nothing.
		_, err = f.svc.ScoreItem(f.as("town"), f.caller("town"), a.ID, att.ID, evaluation.RoleAssessor, evaluation.ScoreInput{Value: 16})
		wantField(t, err, "value", "evaluation.error.above_max")
		if n := f.count(`SELECT COUNT(*) FROM assessment_scores WHERE assessment_id = $1 AND role = 'assessor'`, a.ID); n != 0 {
			t.Fatalf("a refused score left %d rows", n)
		}

		// The assessor takes the suggestions where there are some and scores the rest.
		var total float64
		for _, it := range r.Template.Items {
			in := evaluation.ScoreInput{Value: it.Max}
			switch {
			case it.Method == evaluation.Deduction:
				in.Value = 1
			case it.Method == evaluation.Graded:
				in.Value = 0
			case it.Method == evaluation.YesNo:
				in.Value = 1
			case it.Method == evaluation.Bonus:
				in.Value = 0
			}
			if s, ok := sug[it.ID]; ok {
				in.Value = s.Value
			}
			got, err := f.svc.ScoreItem(f.as("town"), f.caller("town"), a.ID, it.ID, evaluation.RoleAssessor, in)
			if err != nil {
				t.Fatalf("score %s: %v", it.Title, err)
			}
			total += got.Assessor[it.ID].Score
		}
		a, _ = f.svc.Assessment(f.ctx, a.ID, "")
		if a.Total != total || a.StageIn(r.Template) != evaluation.Complete {
			t.Fatalf("total %v stage %s, want %v complete", a.Total, a.StageIn(r.Template), total)
		}
		if s := a.Assessor[att.ID]; s.Suggested == nil || *s.Suggested != 10 {
			t.Fatalf("the attendance score kept suggestion %v", s.Suggested)
		}
		res, _ := f.svc.RoundResults(f.ctx, r.ID, "")
		var mine evaluation.Result
		for _, x := range res.Results {
			if x.Assessment.ID == a.ID {
				mine = x
			}
		}
		if mine.Level != r.Template.LevelOf(total) || len(mine.Lost) == 0 {
			t.Fatalf("result %+v", mine)
		}
		counted := 0
		for _, d := range res.Distribution {
			counted += d.Count
		}
		if counted != 1 {
			t.Fatalf("distribution counts %d complete assessments, want 1", counted)
		}

		// Rectification: an item that lost nothing cannot be rectified; a lost one can.
		_, err = f.svc.OpenRectification(f.as("town"), f.caller("town"), a.ID, evaluation.NewRectification{ItemID: first.ID,
			OwnerID: f.persons["sec"].ID, DueOn: now.AddDate(0, 1, 0)})
		wantField(t, err, "item_id", "evaluation.error.not_lost")
		lost := mine.Lost[0].Item
		_, err = f.svc.OpenRectification(f.as("sec"), f.caller("sec"), a.ID, evaluation.NewRectification{ItemID: lost.ID,
			OwnerID: f.persons["sec"].ID, DueOn: now.AddDate(0, 1, 0)})
		if !errors.Is(err, evaluation.ErrForbidden) {
			t.Fatalf("the subject opened its own rectification: %v", err)
		}
		rc, err := f.svc.OpenRectification(f.as("town"), f.caller("town"), a.ID, evaluation.NewRectification{ItemID: lost.ID,
			OwnerID: f.persons["sec"].ID, DueOn: now.AddDate(0, 1, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.MoveRectification(f.as("sec"), f.caller("sec"), rc.ID, evaluation.RectClosed, "自己销号"); !errors.Is(err, evaluation.ErrForbidden) {
			t.Fatalf("the owner closed their own rectification: %v", err)
		}
		steps := []struct {
			who  string
			to   evaluation.RectStatus
			note string
		}{
			{"sec", evaluation.RectFixed, "补齐了台账"},
			{"town", evaluation.RectOpen, "复查：仍缺两项"},
			{"sec", evaluation.RectFixed, "全部补齐"},
			{"town", evaluation.RectClosed, "复查通过"},
		}
		for _, st := range steps {
			if rc, err = f.svc.MoveRectification(f.as(st.who), f.caller(st.who), rc.ID, st.to, st.note); err != nil {
				t.Fatalf("%s moves to %s: %v", st.who, st.to, err)
			}
		}
		if rc.Status != evaluation.RectClosed || rc.ClosedAt == nil || rc.CheckNote != "复查通过" {
			t.Fatalf("rectification after re-check: %+v", rc)
		}
		_, err = f.svc.MoveRectification(f.as("town"), f.caller("town"), rc.ID, evaluation.RectOpen, "再开")
		wantField(t, err, "status", "evaluation.error.rect_move")

		// History across years shows the round.
		hist, err := f.svc.History(f.ctx, f.a.ID, 0)
		if err != nil || len(hist) != 1 || hist[0].Year != 2025 || hist[0].Total != total {
			t.Fatalf("history %+v, %v", hist, err)
		}
	})
}

func TestClosedRoundRefusesChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.round("six_competitions")
		a := f.assessmentOf(r, f.b.ID)
		if _, err := f.svc.CloseRound(f.as("secb"), f.caller("secb"), r.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a branch manager closed the town's round: %v", err)
		}
		if _, err := f.svc.CloseRound(f.as("town"), f.caller("town"), r.ID); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.ScoreItem(f.as("town"), f.caller("town"), a.ID, r.Template.Items[0].ID, evaluation.RoleAssessor, evaluation.ScoreInput{Value: 1})
		wantField(t, err, "round", "evaluation.error.closed")
		_, err = f.svc.SubmitSelf(f.as("secb"), f.caller("secb"), a.ID, "晚了")
		wantField(t, err, "round", "evaluation.error.closed")
		if n := f.count(`SELECT COUNT(*) FROM assessment_scores`); n != 0 {
			t.Fatalf("a closed round took %d scores", n)
		}
	})
}

func TestRoundSubjectsMustBeInsideTheSubtree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id, _ := f.svc.BuiltinID(f.ctx, "standardization")
		n := evaluation.NewRound{TemplateID: id, OrgID: f.a.ID, Title: "越权", Year: 2025, Deadline: now, OrgIDs: []int64{f.a.ID, f.b.ID}}
		_, err := f.svc.CreateRound(f.as("sec"), f.caller("sec"), n)
		wantRow(t, err, 2, "org_ids")
		n.OrgID = f.town.ID
		_, err = f.svc.CreateRound(f.as("sec"), f.caller("sec"), n)
		wantField(t, err, "org_id", "evaluation.error.org_scope")
		if c := f.count(`SELECT COUNT(*) FROM eval_rounds`); c != 0 {
			t.Fatalf("refused rounds left %d rows", c)
		}
		person, _ := f.svc.BuiltinID(f.ctx, "political_exam_member")
		r, err := f.svc.CreateRound(f.as("sec"), f.caller("sec"), evaluation.NewRound{TemplateID: person, OrgID: f.a.ID, Title: "党员政治体检",
			Year: 2025, Deadline: now})
		if err != nil || r.Subjects != 3 {
			t.Fatalf("a member examination of branch 一 took %d subjects: %v", r.Subjects, err)
		}
		// A member self-assesses themselves, and no one else.
		list, _ := f.svc.Assessments(f.ctx, r.ID, "")
		for _, a := range list {
			_, err := f.svc.ScoreItem(f.as("m1"), f.caller("m1"), a.ID, r.Template.Items[0].ID, evaluation.RoleSelf, evaluation.ScoreInput{Value: 0})
			if mine := a.SubjectPersonID == f.persons["m1"].ID; mine != (err == nil) {
				t.Fatalf("m1 self-assessing person %d: %v", a.SubjectPersonID, err)
			}
		}
	})
}

func TestScoringFormIsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.round("standardization")
		a := f.assessmentOf(r, f.a.ID)
		items := r.Template.Items
		_, err := f.svc.ScoreItems(f.as("town"), f.caller("town"), a.ID, evaluation.RoleAssessor, map[int64]evaluation.ScoreInput{
			items[0].ID: {Value: 10}, items[1].ID: {Value: 11}, items[2].ID: {Value: 15}})
		wantRow(t, err, 2, "value")
		if n := f.count(`SELECT COUNT(*) FROM assessment_scores`); n != 0 {
			t.Fatalf("a refused form stored %d scores", n)
		}
		got, err := f.svc.ScoreItems(f.as("town"), f.caller("town"), a.ID, evaluation.RoleAssessor, map[int64]evaluation.ScoreInput{
			items[0].ID: {Value: 10}, items[1].ID: {Value: 9}})
		if err != nil || got.Total != 19 || got.Scored != 2 {
			t.Fatalf("total %v of %d items: %v", got.Total, got.Scored, err)
		}
	})
}
