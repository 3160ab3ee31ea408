package evaluation_test

import (
	"errors"
	"testing"

	"vanguard/internal/evaluation"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

func TestAppraisalBallotsAreSecretAndCountOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ap, err := f.svc.StartAppraisal(f.as("sec"), f.caller("sec"), f.a.ID, 2025)
		if err != nil {
			t.Fatal(err)
		}
		if len(ap.Subjects) != 3 {
			t.Fatalf("%d subjects, want branch 一's 3 members", len(ap.Subjects))
		}
		_, err = f.svc.StartAppraisal(f.as("sec"), f.caller("sec"), f.a.ID, 2025)
		wantField(t, err, "year", "evaluation.error.appraisal_exists")
		m2 := f.persons["m2"].ID
		if err := f.svc.Rate(f.as("m1"), f.caller("m1"), ap.ID, m2, "excellent"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Rate(f.as("sec"), f.caller("sec"), ap.ID, m2, "qualified"); err != nil {
			t.Fatal(err)
		}
		wantField(t, f.svc.Rate(f.as("m1"), f.caller("m1"), ap.ID, m2, "unqualified"), "person_id", "evaluation.error.rated_twice")
		wantField(t, f.svc.Rate(f.as("m1"), f.caller("m1"), ap.ID, f.persons["m1"].ID, "excellent"), "person_id", "evaluation.error.rate_self")
		wantField(t, f.svc.Rate(f.as("m1"), f.caller("m1"), ap.ID, f.persons["sec"].ID, "splendid"), "grade", "evaluation.error.grade_choice")
		if err := f.svc.Rate(f.as("secb"), f.caller("secb"), ap.ID, m2, "excellent"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another branch's member rated: %v", err)
		}
		ap, _ = f.svc.Appraisal(f.ctx, ap.ID)
		for _, s := range ap.Subjects {
			if s.PersonID != m2 {
				continue
			}
			if s.Voters != 2 || s.Tally["excellent"] != 1 || s.Tally["qualified"] != 1 || s.Tally["unqualified"] != 0 {
				t.Fatalf("m2's tally %+v from %d voters", s.Tally, s.Voters)
			}
		}
		// Nothing stored ties a rater to a grade: the ballots table has no grade, the
		// tallies no rater, and the audit log no grade.
		if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE entity = 'appraisal_subject' AND after_json LIKE '%excellent%'`); n != 0 {
			t.Fatalf("the audit log holds %d grades", n)
		}
		rows, err := db.QueryContext(f.ctx, `SELECT * FROM appraisal_ballots`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		rows.Close()
		if len(cols) != 2 {
			t.Fatalf("ballots hold %v", cols)
		}
		// The committee proposes, the general meeting decides; a member may not.
		if err := f.svc.SetGrade(f.as("m1"), f.caller("m1"), ap.ID, m2, "excellent", true); !errors.Is(err, evaluation.ErrForbidden) {
			t.Fatalf("a member decided a grade: %v", err)
		}
		if err := f.svc.SetGrade(f.as("sec"), f.caller("sec"), ap.ID, m2, "qualified", true); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.CloseAppraisal(f.as("sec"), f.caller("sec"), ap.ID); err != nil {
			t.Fatal(err)
		}
		wantField(t, f.svc.Rate(f.as("m2"), f.caller("m2"), ap.ID, f.persons["m1"].ID, "excellent"), "appraisal", "evaluation.error.closed")
	})
}

func TestWorkReportRatedByCommitteeAndMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, err := f.svc.SubmitReport(f.as("sec"), f.caller("sec"), evaluation.NewReport{OrgID: f.a.ID, Year: 2025, WorkDone: "开展主题党日12次"})
		wantField(t, err, "problems", "error.required")
		w, err := f.svc.SubmitReport(f.as("sec"), f.caller("sec"), evaluation.NewReport{OrgID: f.a.ID, Year: 2025,
			WorkDone: "开展主题党日12次", Problems: "党员教育方式单一", Plans: "建设党员活动阵地"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.RateReport(f.as("sec"), f.caller("sec"), w.ID, "good", "自评")
		wantField(t, err, "grade", "evaluation.error.cannot_rate")
		if _, err := f.svc.RateReport(f.as("town"), f.caller("town"), w.ID, "good", "工作扎实"); err != nil {
			t.Fatal(err)
		}
		w, err = f.svc.RateReport(f.as("m1"), f.caller("m1"), w.ID, "fairly_good", "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.RateReport(f.as("m1"), f.caller("m1"), w.ID, "good", "")
		wantField(t, err, "grade", "evaluation.error.rated_twice")
		if _, err := f.svc.RateReport(f.as("secb"), f.caller("secb"), w.ID, "poor", ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another branch rated the report: %v", err)
		}
		if w.Tally["good"] != 1 || w.Tally["fairly_good"] != 1 || len(w.Comments) != 1 || w.Comments[0].Role != "committee" {
			t.Fatalf("report after ratings: %+v", w)
		}
		_, err = f.svc.SubmitReport(f.as("sec"), f.caller("sec"), evaluation.NewReport{OrgID: f.a.ID, Year: 2025, WorkDone: "改写", Problems: "无", Plans: "无"})
		wantField(t, err, "year", "evaluation.error.report_rated")
		list, err := f.svc.Reports(f.ctx, f.town.ID, 2025, "")
		if err != nil || len(list) != 1 {
			t.Fatalf("the town's reports of 2025: %d, %v", len(list), err)
		}
	})
}
