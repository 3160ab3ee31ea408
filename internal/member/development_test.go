package member

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"vanguard/internal/i18n"
)

// dvDate parses a YYYY-MM-DD test date as midnight UTC.
func dvDate(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// dvWith returns a copy of d changed by f, so cases can vary a base dossier.
func dvWith(d Dossier, f func(*Dossier)) Dossier {
	f(&d)
	return d
}

// Base dossiers, one per stage, each meeting every condition of its next move.
func dvResident() Dossier {
	return Dossier{BirthDate: dvDate("2000-05-20"), Stage: StageResident}
}

func dvApplicant() Dossier {
	return Dossier{
		BirthDate: dvDate("2000-05-20"), Stage: StageApplicant, StageSince: dvDate("2025-01-10"),
		AppliedAt: dvDate("2025-01-10"), TalkedAt: dvDate("2025-01-20"),
	}
}

func dvActivist() Dossier {
	d := dvApplicant()
	d.Stage, d.StageSince, d.ActivistSince, d.ContactMembers = StageActivist, dvDate("2025-03-31"), dvDate("2025-03-31"), 2
	return d
}

func dvCandidate() Dossier {
	d := dvActivist()
	d.Stage, d.StageSince, d.CandidateSince = StageCandidate, dvDate("2026-04-01"), dvDate("2026-04-01")
	d.PoliticalReviewDone, d.TrainingHours, d.Introducers = true, 24, 2
	return d
}

func dvProbationary() Dossier {
	d := dvCandidate()
	d.Stage, d.StageSince, d.AdmittedAt, d.ApprovedAt = StageProbationary, dvDate("2025-08-31"), dvDate("2025-08-31"), dvDate("2025-10-15")
	return d
}

func dvFull() Dossier {
	d := dvProbationary()
	d.Stage, d.StageSince = StageFull, dvDate("2026-08-31")
	return d
}

func dvAdvance(to Stage, on string) Transition {
	return Transition{Kind: KindAdvance, To: to, On: dvDate(on)}
}

type dvCheckCase struct {
	name  string
	d     Dossier
	t     Transition
	today string
	want  []*i18n.Error // nil: allowed
}

// dvCheckCases is every Check case; the catalog test runs them too, to collect
// the keys Check returns.
func dvCheckCases() []dvCheckCase {
	e := i18n.Invalid
	noContacts := dvWith(dvActivist(), func(d *Dossier) { d.ContactMembers = 0 })
	leapActivist := dvWith(dvActivist(), func(d *Dossier) {
		d.StageSince, d.ActivistSince = dvDate("2024-02-29"), dvDate("2024-02-29")
	})
	notApproved := dvWith(dvProbationary(), func(d *Dossier) { d.ApprovedAt = time.Time{} })
	extended := dvWith(dvProbationary(), func(d *Dossier) { d.ExtensionMonths = 6 })
	return []dvCheckCase{
		// The shape of the move.
		{name: "unknown dossier stage", d: dvWith(dvResident(), func(d *Dossier) { d.Stage = "member" }),
			t: dvAdvance(StageApplicant, "2026-01-01"), today: "2026-06-15",
			want: []*i18n.Error{e("stage", "development.rule.stage", "stage", "member")}},
		{name: "unknown kind", d: dvResident(), t: Transition{Kind: "promote", On: dvDate("2026-01-01")}, today: "2026-06-15",
			want: []*i18n.Error{e("kind", "development.rule.kind", "kind", "promote")}},
		{name: "unknown target stage", d: dvResident(), t: dvAdvance("leader", "2026-01-01"), today: "2026-06-15",
			want: []*i18n.Error{e("to", "development.rule.stage", "stage", "leader")}},
		{name: "no stage after full", d: dvFull(), t: dvAdvance(StageFull, "2026-09-01"), today: "2026-09-30",
			want: []*i18n.Error{e("to", "development.rule.final")}},
		{name: "skip applicant", d: dvResident(), t: dvAdvance(StageActivist, "2026-01-01"), today: "2026-06-15",
			want: []*i18n.Error{e("to", "development.rule.skip", "from", "resident", "to", "activist", "next", "applicant")}},
		{name: "skip candidate", d: dvActivist(), t: dvAdvance(StageProbationary, "2026-04-01"), today: "2026-06-15",
			want: []*i18n.Error{e("to", "development.rule.skip", "from", "activist", "to", "probationary", "next", "candidate")}},
		{name: "back a stage", d: dvActivist(), t: dvAdvance(StageApplicant, "2026-04-01"), today: "2026-06-15",
			want: []*i18n.Error{e("to", "development.rule.backwards", "from", "activist", "to", "applicant", "next", "candidate")}},
		{name: "same stage", d: dvApplicant(), t: dvAdvance(StageApplicant, "2025-02-01"), today: "2026-06-15",
			want: []*i18n.Error{e("to", "development.rule.backwards", "from", "applicant", "to", "applicant", "next", "activist")}},
		{name: "probationary to resident only by cancel", d: dvProbationary(), t: dvAdvance(StageResident, "2026-01-01"), today: "2026-06-15",
			want: []*i18n.Error{e("to", "development.rule.backwards", "from", "probationary", "to", "resident", "next", "full")}},
		{name: "date required", d: dvResident(), t: Transition{Kind: KindAdvance, To: StageApplicant}, today: "2026-06-15",
			want: []*i18n.Error{e("on", "development.rule.date_required")}},

		// Dates: not after today, not before the stage began.
		{name: "dated today", d: dvResident(), t: dvAdvance(StageApplicant, "2026-06-15"), today: "2026-06-15"},
		{name: "dated tomorrow", d: dvResident(), t: dvAdvance(StageApplicant, "2026-06-16"), today: "2026-06-15",
			want: []*i18n.Error{e("on", "development.rule.future", "date", "2026-06-16", "today", "2026-06-15")}},
		{name: "late evening in Beijing is still today", d: dvResident(),
			t:     Transition{Kind: KindAdvance, To: StageApplicant, On: time.Date(2026, 6, 15, 23, 30, 0, 0, time.FixedZone("CST", 8*3600))},
			today: "2026-06-15"},
		{name: "talk already recorded", d: dvApplicant(), t: Transition{Kind: KindTalk, On: dvDate("2025-01-10")}, today: "2026-06-15",
			want: []*i18n.Error{e("talked_at", "development.rule.talk_done", "date", "2025-01-20")}},
		{name: "talk on the day of application", d: dvWith(dvApplicant(), func(d *Dossier) { d.TalkedAt = time.Time{} }),
			t: Transition{Kind: KindTalk, On: dvDate("2025-01-10")}, today: "2026-06-15"},
		{name: "talk before the application", d: dvWith(dvApplicant(), func(d *Dossier) { d.TalkedAt = time.Time{} }),
			t: Transition{Kind: KindTalk, On: dvDate("2025-01-09")}, today: "2026-06-15",
			want: []*i18n.Error{e("on", "development.rule.before_stage", "date", "2025-01-09", "since", "2025-01-10")}},
		{name: "talk after the one-month window is still recorded", d: dvWith(dvApplicant(), func(d *Dossier) { d.TalkedAt = time.Time{} }),
			t: Transition{Kind: KindTalk, On: dvDate("2025-04-01")}, today: "2026-06-15"},
		{name: "future and under age together", d: Dossier{BirthDate: dvDate("2010-01-01"), Stage: StageResident},
			t: dvAdvance(StageApplicant, "2026-07-01"), today: "2026-06-15",
			want: []*i18n.Error{
				e("on", "development.rule.future", "date", "2026-07-01", "today", "2026-06-15"),
				e("on", "development.rule.age", "date", "2028-01-01", "age", 18),
			}},

		// Art. 5: 年满十八岁.
		{name: "day before 18th birthday", d: Dossier{BirthDate: dvDate("2008-06-15"), Stage: StageResident},
			t: dvAdvance(StageApplicant, "2026-06-14"), today: "2026-06-15",
			want: []*i18n.Error{e("on", "development.rule.age", "date", "2026-06-15", "age", 18)}},
		{name: "on 18th birthday", d: Dossier{BirthDate: dvDate("2008-06-15"), Stage: StageResident},
			t: dvAdvance(StageApplicant, "2026-06-15"), today: "2026-06-15"},
		{name: "29 Feb birthday, 28 Feb of a common year", d: Dossier{BirthDate: dvDate("2008-02-29"), Stage: StageResident},
			t: dvAdvance(StageApplicant, "2026-02-28"), today: "2026-06-15",
			want: []*i18n.Error{e("on", "development.rule.age", "date", "2026-03-01", "age", 18)}},
		{name: "29 Feb birthday, 1 Mar of a common year", d: Dossier{BirthDate: dvDate("2008-02-29"), Stage: StageResident},
			t: dvAdvance(StageApplicant, "2026-03-01"), today: "2026-06-15"},
		{name: "birth date missing", d: Dossier{Stage: StageResident},
			t: dvAdvance(StageApplicant, "2026-02-28"), today: "2026-06-15",
			want: []*i18n.Error{e("birth_date", "development.rule.missing")}},

		// Art. 7: the talk before an applicant becomes an activist.
		{name: "activist after the talk", d: dvApplicant(), t: dvAdvance(StageActivist, "2025-03-01"), today: "2026-06-15"},
		{name: "activist on the day of the talk", d: dvApplicant(), t: dvAdvance(StageActivist, "2025-01-20"), today: "2026-06-15"},
		{name: "activist before the talk", d: dvApplicant(), t: dvAdvance(StageActivist, "2025-01-19"), today: "2026-06-15",
			want: []*i18n.Error{e("on", "development.rule.talk_after", "date", "2025-01-20")}},
		{name: "activist without a talk", d: dvWith(dvApplicant(), func(d *Dossier) { d.TalkedAt = time.Time{} }),
			t: dvAdvance(StageActivist, "2025-03-01"), today: "2026-06-15",
			want: []*i18n.Error{e("talked_at", "development.rule.talk")}},
		{name: "talk for a non-applicant", d: dvActivist(), t: Transition{Kind: KindTalk, On: dvDate("2025-04-01")}, today: "2026-06-15",
			want: []*i18n.Error{e("kind", "development.rule.talk_stage", "stage", "activist")}},

		// Art. 13 and 9: a year as an activist, with contact members.
		{name: "day before a year as activist", d: dvActivist(), t: dvAdvance(StageCandidate, "2026-03-30"), today: "2026-06-15",
			want: []*i18n.Error{e("on", "development.rule.activist_year", "date", "2026-03-31", "since", "2025-03-31", "months", 12)}},
		{name: "one year as activist", d: dvActivist(), t: dvAdvance(StageCandidate, "2026-03-31"), today: "2026-06-15"},
		{name: "activist since 29 Feb, 27 Feb next year", d: leapActivist, t: dvAdvance(StageCandidate, "2025-02-27"), today: "2026-06-15",
			want: []*i18n.Error{e("on", "development.rule.activist_year", "date", "2025-02-28", "since", "2024-02-29", "months", 12)}},
		{name: "activist since 29 Feb, 28 Feb next year", d: leapActivist, t: dvAdvance(StageCandidate, "2025-02-28"), today: "2026-06-15"},
		{name: "activist date falls back to stage start", d: dvWith(dvActivist(), func(d *Dossier) { d.ActivistSince = time.Time{} }),
			t: dvAdvance(StageCandidate, "2026-03-31"), today: "2026-06-15"},
		{name: "activist date missing", d: dvWith(dvActivist(), func(d *Dossier) { d.ActivistSince, d.StageSince = time.Time{}, time.Time{} }),
			t: dvAdvance(StageCandidate, "2026-03-31"), today: "2026-06-15",
			want: []*i18n.Error{e("activist_since", "development.rule.missing")}},
		{name: "one contact member", d: dvWith(dvActivist(), func(d *Dossier) { d.ContactMembers = 1 }),
			t: dvAdvance(StageCandidate, "2026-03-31"), today: "2026-06-15"},
		{name: "no contact members", d: noContacts, t: dvAdvance(StageCandidate, "2026-03-31"), today: "2026-06-15",
			want: []*i18n.Error{e("contact_members", "development.rule.contacts", "count", 0, "min", 1, "max", 2)}},
		{name: "three contact members", d: dvWith(dvActivist(), func(d *Dossier) { d.ContactMembers = 3 }),
			t: dvAdvance(StageCandidate, "2026-03-31"), today: "2026-06-15",
			want: []*i18n.Error{e("contact_members", "development.rule.contacts", "count", 3, "min", 1, "max", 2)}},
		{name: "too early and no contacts", d: noContacts, t: dvAdvance(StageCandidate, "2025-12-01"), today: "2026-06-15",
			want: []*i18n.Error{
				e("on", "development.rule.activist_year", "date", "2026-03-31", "since", "2025-03-31", "months", 12),
				e("contact_members", "development.rule.contacts", "count", 0, "min", 1, "max", 2),
			}},

		// Art. 14, 16, 17: admission at the branch general meeting.
		{name: "admission with every condition met", d: dvCandidate(), t: dvAdvance(StageProbationary, "2026-05-20"), today: "2026-06-15"},
		{name: "admission without political review", d: dvWith(dvCandidate(), func(d *Dossier) { d.PoliticalReviewDone = false }),
			t: dvAdvance(StageProbationary, "2026-05-20"), today: "2026-06-15",
			want: []*i18n.Error{e("political_review", "development.rule.political_review")}},
		{name: "admission with 23 hours of training", d: dvWith(dvCandidate(), func(d *Dossier) { d.TrainingHours = 23 }),
			t: dvAdvance(StageProbationary, "2026-05-20"), today: "2026-06-15",
			want: []*i18n.Error{e("training_hours", "development.rule.training", "hours", 23, "required", 24)}},
		{name: "admission with one introducer", d: dvWith(dvCandidate(), func(d *Dossier) { d.Introducers = 1 }),
			t: dvAdvance(StageProbationary, "2026-05-20"), today: "2026-06-15",
			want: []*i18n.Error{e("introducers", "development.rule.introducers", "count", 1, "required", 2)}},
		{name: "admission with three introducers", d: dvWith(dvCandidate(), func(d *Dossier) { d.Introducers = 3 }),
			t: dvAdvance(StageProbationary, "2026-05-20"), today: "2026-06-15",
			want: []*i18n.Error{e("introducers", "development.rule.introducers", "count", 3, "required", 2)}},
		{name: "admission with nothing done reports everything",
			d: dvWith(dvCandidate(), func(d *Dossier) { d.PoliticalReviewDone, d.TrainingHours, d.Introducers = false, 0, 0 }),
			t: dvAdvance(StageProbationary, "2026-05-20"), today: "2026-06-15",
			want: []*i18n.Error{
				e("introducers", "development.rule.introducers", "count", 0, "required", 2),
				e("political_review", "development.rule.political_review"),
				e("training_hours", "development.rule.training", "hours", 0, "required", 24),
			}},

		// The higher committee's approval.
		{name: "approval on the day of admission", d: notApproved, t: Transition{Kind: KindApprove, On: dvDate("2025-08-31")}, today: "2026-06-15"},
		{name: "approval after the three-month window", d: notApproved, t: Transition{Kind: KindApprove, On: dvDate("2026-01-15")}, today: "2026-06-15"},
		{name: "approval before admission", d: notApproved, t: Transition{Kind: KindApprove, On: dvDate("2025-08-30")}, today: "2026-06-15",
			want: []*i18n.Error{e("on", "development.rule.before_stage", "date", "2025-08-30", "since", "2025-08-31")}},
		{name: "approval twice", d: dvProbationary(), t: Transition{Kind: KindApprove, On: dvDate("2025-11-01")}, today: "2026-06-15",
			want: []*i18n.Error{e("approved_at", "development.rule.approve_done", "date", "2025-10-15")}},
		{name: "approval of a candidate", d: dvCandidate(), t: Transition{Kind: KindApprove, On: dvDate("2026-05-01")}, today: "2026-06-15",
			want: []*i18n.Error{e("kind", "development.rule.approve_stage", "stage", "candidate")}},

		// Art. 32: a year's probation, confirmation after it.
		{name: "full member the day before probation ends", d: dvProbationary(), t: dvAdvance(StageFull, "2026-08-30"), today: "2026-09-30",
			want: []*i18n.Error{e("on", "development.rule.probation", "date", "2026-08-31", "months", 12)}},
		{name: "full member the day probation ends", d: dvProbationary(), t: dvAdvance(StageFull, "2026-08-31"), today: "2026-09-30"},
		{name: "extended probation, day before its end (clamped)", d: extended, t: dvAdvance(StageFull, "2027-02-27"), today: "2027-03-31",
			want: []*i18n.Error{e("on", "development.rule.probation", "date", "2027-02-28", "months", 18)}},
		{name: "extended probation, its end (clamped)", d: extended, t: dvAdvance(StageFull, "2027-02-28"), today: "2027-03-31"},
		{name: "admission date falls back to stage start", d: dvWith(dvProbationary(), func(d *Dossier) { d.AdmittedAt = time.Time{} }),
			t: dvAdvance(StageFull, "2026-08-31"), today: "2026-09-30"},
		{name: "admission date missing", d: dvWith(dvProbationary(), func(d *Dossier) { d.AdmittedAt, d.StageSince = time.Time{}, time.Time{} }),
			t: dvAdvance(StageFull, "2026-08-31"), today: "2026-09-30",
			want: []*i18n.Error{e("admitted_at", "development.rule.missing")}},
		{name: "full member without approval", d: notApproved, t: dvAdvance(StageFull, "2026-08-31"), today: "2026-09-30",
			want: []*i18n.Error{e("approved_at", "development.rule.approval")}},
		{name: "full member before the approval date", d: dvWith(dvProbationary(), func(d *Dossier) { d.ApprovedAt = dvDate("2026-09-10") }),
			t: dvAdvance(StageFull, "2026-09-01"), today: "2026-09-30",
			want: []*i18n.Error{e("on", "development.rule.approval_after", "date", "2026-09-10")}},
		{name: "full member on the approval date", d: dvWith(dvProbationary(), func(d *Dossier) { d.ApprovedAt = dvDate("2026-09-10") }),
			t: dvAdvance(StageFull, "2026-09-10"), today: "2026-09-30"},
		{name: "full member unapproved and early", d: notApproved, t: dvAdvance(StageFull, "2026-06-01"), today: "2026-09-30",
			want: []*i18n.Error{
				e("approved_at", "development.rule.approval"),
				e("on", "development.rule.probation", "date", "2026-08-31", "months", 12),
			}},

		// Art. 32: extension once, six to twelve months, during the probation.
		{name: "extend by 6 months", d: dvProbationary(), t: Transition{Kind: KindExtend, Months: 6, On: dvDate("2026-08-30")}, today: "2026-09-30"},
		{name: "extend by 12 months", d: dvProbationary(), t: Transition{Kind: KindExtend, Months: 12, On: dvDate("2026-08-30")}, today: "2026-09-30"},
		{name: "extend by 5 months", d: dvProbationary(), t: Transition{Kind: KindExtend, Months: 5, On: dvDate("2026-08-30")}, today: "2026-09-30",
			want: []*i18n.Error{e("months", "development.rule.extend_months", "months", 5, "min", 6, "max", 12)}},
		{name: "extend by 13 months", d: dvProbationary(), t: Transition{Kind: KindExtend, Months: 13, On: dvDate("2026-08-30")}, today: "2026-09-30",
			want: []*i18n.Error{e("months", "development.rule.extend_months", "months", 13, "min", 6, "max", 12)}},
		{name: "extend on the day probation ends", d: dvProbationary(), t: Transition{Kind: KindExtend, Months: 6, On: dvDate("2026-08-31")}, today: "2026-09-30",
			want: []*i18n.Error{e("on", "development.rule.extend_ended", "date", "2026-08-31")}},
		{name: "extend too long and too late", d: dvProbationary(), t: Transition{Kind: KindExtend, Months: 24, On: dvDate("2026-09-01")}, today: "2026-09-30",
			want: []*i18n.Error{
				e("months", "development.rule.extend_months", "months", 24, "min", 6, "max", 12),
				e("on", "development.rule.extend_ended", "date", "2026-08-31"),
			}},
		{name: "extend twice", d: extended, t: Transition{Kind: KindExtend, Months: 6, On: dvDate("2026-08-01")}, today: "2026-09-30",
			want: []*i18n.Error{e("months", "development.rule.extend_once", "months", 6)}},
		{name: "extend without admission date", d: dvWith(dvProbationary(), func(d *Dossier) { d.AdmittedAt, d.StageSince = time.Time{}, time.Time{} }),
			t: Transition{Kind: KindExtend, Months: 6, On: dvDate("2026-08-01")}, today: "2026-09-30",
			want: []*i18n.Error{e("admitted_at", "development.rule.missing")}},
		{name: "extend a full member", d: dvFull(), t: Transition{Kind: KindExtend, Months: 6, On: dvDate("2026-09-01")}, today: "2026-09-30",
			want: []*i18n.Error{e("kind", "development.rule.extend_stage", "stage", "full")}},

		// Cancelling a probationary qualification.
		{name: "cancel a probationary member", d: dvProbationary(), t: Transition{Kind: KindCancel, On: dvDate("2026-08-31")}, today: "2026-09-30"},
		{name: "cancel an activist", d: dvActivist(), t: Transition{Kind: KindCancel, On: dvDate("2026-01-01")}, today: "2026-06-15",
			want: []*i18n.Error{e("kind", "development.rule.cancel_stage", "stage", "activist")}},
		{name: "cancel a full member", d: dvFull(), t: Transition{Kind: KindCancel, On: dvDate("2026-09-01")}, today: "2026-09-30",
			want: []*i18n.Error{e("kind", "development.rule.cancel_stage", "stage", "full")}},
	}
}

// dvFlatten turns Check's result into its list of errors, failing on any other error type.
func dvFlatten(t *testing.T, err error) []*i18n.Error {
	t.Helper()
	if err == nil {
		return nil
	}
	var list i18n.Errors
	if errors.As(err, &list) {
		return list
	}
	var one *i18n.Error
	if errors.As(err, &one) {
		return []*i18n.Error{one}
	}
	t.Fatalf("Check returned %T %v, want *i18n.Error or i18n.Errors", err, err)
	return nil
}

func TestDevelopmentCheck(t *testing.T) {
	for _, c := range dvCheckCases() {
		t.Run(c.name, func(t *testing.T) {
			err := Check(c.d, c.t, dvDate(c.today))
			got := dvFlatten(t, err)
			if len(got) != len(c.want) {
				t.Fatalf("Check = %v, want %d errors %v", err, len(c.want), i18n.Errors(c.want))
			}
			for i := range got {
				if !reflect.DeepEqual(*got[i], *c.want[i]) {
					t.Errorf("error %d = %v, want %v", i, got[i], c.want[i])
				}
			}
			// One broken rule is a plain *i18n.Error; several are a list.
			switch _, isList := err.(i18n.Errors); {
			case len(c.want) == 1 && isList:
				t.Errorf("one error returned as i18n.Errors")
			case len(c.want) > 1 && !isList:
				t.Errorf("%d errors not returned as i18n.Errors", len(c.want))
			}
		})
	}
}

func TestDevelopmentApply(t *testing.T) {
	stale := dvWith(dvResident(), func(d *Dossier) {
		// Left over from an earlier, cancelled application.
		d.TalkedAt, d.ContactMembers, d.TrainingHours, d.Introducers = dvDate("2020-01-01"), 2, 30, 2
	})
	cases := []struct {
		name string
		d    Dossier
		t    Transition
		want Dossier
	}{
		{name: "apply starts a fresh dossier", d: stale, t: dvAdvance(StageApplicant, "2025-01-10"),
			want: Dossier{BirthDate: dvDate("2000-05-20"), Stage: StageApplicant, StageSince: dvDate("2025-01-10"), AppliedAt: dvDate("2025-01-10")}},
		{name: "talk, time of day dropped", d: dvWith(dvApplicant(), func(d *Dossier) { d.TalkedAt = time.Time{} }),
			t:    Transition{Kind: KindTalk, On: time.Date(2025, 1, 20, 15, 4, 5, 6, time.FixedZone("CST", 8*3600))},
			want: dvApplicant()},
		{name: "to activist", d: dvApplicant(), t: dvAdvance(StageActivist, "2025-03-31"),
			want: dvWith(dvApplicant(), func(d *Dossier) {
				d.Stage, d.StageSince, d.ActivistSince = StageActivist, dvDate("2025-03-31"), dvDate("2025-03-31")
			})},
		{name: "to candidate", d: dvActivist(), t: dvAdvance(StageCandidate, "2026-04-01"),
			want: dvWith(dvActivist(), func(d *Dossier) {
				d.Stage, d.StageSince, d.CandidateSince = StageCandidate, dvDate("2026-04-01"), dvDate("2026-04-01")
			})},
		{name: "to probationary clears approval and extension", d: dvWith(dvCandidate(), func(d *Dossier) {
			d.ApprovedAt, d.ExtensionMonths = dvDate("2020-01-01"), 6
		}), t: dvAdvance(StageProbationary, "2026-05-20"),
			want: dvWith(dvCandidate(), func(d *Dossier) {
				d.Stage, d.StageSince, d.AdmittedAt = StageProbationary, dvDate("2026-05-20"), dvDate("2026-05-20")
			})},
		{name: "approve", d: dvWith(dvProbationary(), func(d *Dossier) { d.ApprovedAt = time.Time{} }),
			t: Transition{Kind: KindApprove, On: dvDate("2025-10-15")}, want: dvProbationary()},
		{name: "extend keeps the stage", d: dvProbationary(), t: Transition{Kind: KindExtend, Months: 6, On: dvDate("2026-08-01")},
			want: dvWith(dvProbationary(), func(d *Dossier) { d.ExtensionMonths = 6 })},
		{name: "to full", d: dvProbationary(), t: dvAdvance(StageFull, "2026-08-31"), want: dvFull()},
		{name: "cancel keeps only the birth date", d: dvProbationary(), t: Transition{Kind: KindCancel, On: dvDate("2026-08-31")},
			want: Dossier{BirthDate: dvDate("2000-05-20"), Stage: StageResident, StageSince: dvDate("2026-08-31")}},
		{name: "unknown kind changes nothing", d: dvActivist(), t: Transition{Kind: "promote", On: dvDate("2026-01-01")}, want: dvActivist()},
		{name: "unknown stage changes nothing", d: dvActivist(), t: dvAdvance("leader", "2026-01-01"), want: dvActivist()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Apply(c.d, c.t); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Apply =\n %+v\nwant\n %+v", got, c.want)
			}
		})
	}
}

type dvStepCase struct {
	name  string
	d     Dossier
	today string
	want  Step
	ok    bool
}

// dvStepCases is every NextStep case; the catalog test runs them too.
func dvStepCases() []dvStepCase {
	noTalk := dvWith(dvApplicant(), func(d *Dossier) {
		d.StageSince, d.AppliedAt, d.TalkedAt = dvDate("2025-01-31"), dvDate("2025-01-31"), time.Time{}
	})
	pending := dvWith(dvProbationary(), func(d *Dossier) {
		d.StageSince, d.AdmittedAt, d.ApprovedAt = dvDate("2025-11-30"), dvDate("2025-11-30"), time.Time{}
	})
	approved := dvWith(pending, func(d *Dossier) { d.ApprovedAt = dvDate("2026-01-10") })
	step := func(key, due string, overdue bool) Step { return Step{Key: key, Due: dvDate(due), Overdue: overdue} }
	return []dvStepCase{
		{name: "resident", d: dvResident(), today: "2026-06-15"},
		{name: "full member", d: dvFull(), today: "2026-06-15"},
		{name: "unknown stage", d: Dossier{Stage: "member", StageSince: dvDate("2026-01-01")}, today: "2026-06-15"},

		// Art. 7: a month from 31 January ends on 28 February.
		{name: "talk due, last day", d: noTalk, today: "2025-02-28", ok: true, want: step("development.step.talk", "2025-02-28", false)},
		{name: "talk overdue", d: noTalk, today: "2025-03-01", ok: true, want: step("development.step.talk", "2025-02-28", true)},
		{name: "applicant without dates", d: Dossier{Stage: StageApplicant}, today: "2025-03-01"},
		{name: "talked: name an activist", d: dvApplicant(), today: "2026-06-15", ok: true, want: step("development.step.activist", "2025-01-20", false)},

		{name: "activist without contacts", d: dvWith(dvActivist(), func(d *Dossier) { d.ContactMembers = 0 }), today: "2026-06-15",
			ok: true, want: step("development.step.contacts", "2025-03-31", false)},
		{name: "activist with three contacts", d: dvWith(dvActivist(), func(d *Dossier) { d.ContactMembers = 3 }), today: "2026-06-15",
			ok: true, want: step("development.step.contacts", "2025-03-31", false)},
		{name: "activist: candidate after a year, never overdue", d: dvActivist(), today: "2027-06-15",
			ok: true, want: step("development.step.candidate", "2026-03-31", false)},
		{name: "activist without dates", d: Dossier{Stage: StageActivist, ContactMembers: 1}, today: "2026-06-15"},

		{name: "candidate: introducers first", d: dvWith(dvCandidate(), func(d *Dossier) {
			d.Introducers, d.PoliticalReviewDone, d.TrainingHours = 1, false, 0
		}), today: "2026-06-15", ok: true, want: step("development.step.introducers", "2026-04-01", false)},
		{name: "candidate: then the political review", d: dvWith(dvCandidate(), func(d *Dossier) {
			d.PoliticalReviewDone, d.TrainingHours = false, 0
		}), today: "2026-06-15", ok: true, want: step("development.step.political_review", "2026-04-01", false)},
		{name: "candidate: then training", d: dvWith(dvCandidate(), func(d *Dossier) { d.TrainingHours = 23 }),
			today: "2026-06-15", ok: true, want: step("development.step.training", "2026-04-01", false)},
		{name: "candidate: then the admission meeting", d: dvCandidate(), today: "2026-06-15",
			ok: true, want: step("development.step.admission", "2026-04-01", false)},
		{name: "candidate without dates", d: Dossier{Stage: StageCandidate}, today: "2026-06-15"},

		// Three months from 30 November end on 28 February.
		{name: "approval due, last day", d: pending, today: "2026-02-28", ok: true, want: step("development.step.approval", "2026-02-28", false)},
		{name: "approval overdue", d: pending, today: "2026-03-01", ok: true, want: step("development.step.approval", "2026-02-28", true)},
		{name: "approval still first after probation ends", d: pending, today: "2027-01-01", ok: true, want: step("development.step.approval", "2026-02-28", true)},
		{name: "confirm due at end of probation", d: approved, today: "2026-11-30", ok: true, want: step("development.step.confirm", "2026-11-30", false)},
		{name: "confirm overdue", d: approved, today: "2026-12-01", ok: true, want: step("development.step.confirm", "2026-11-30", true)},
		{name: "confirm after a 6-month extension", d: dvWith(approved, func(d *Dossier) { d.ExtensionMonths = 6 }), today: "2026-12-01",
			ok: true, want: step("development.step.confirm", "2027-05-30", false)},
		{name: "probationary without dates", d: Dossier{Stage: StageProbationary}, today: "2026-06-15"},
	}
}

func TestDevelopmentNextStep(t *testing.T) {
	for _, c := range dvStepCases() {
		t.Run(c.name, func(t *testing.T) {
			got, ok := NextStep(c.d, dvDate(c.today))
			if ok != c.ok || got != c.want {
				t.Errorf("NextStep = %+v, %v; want %+v, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

// TestDevelopmentJourney walks one person from resident to full member, checking
// each move is allowed and the step shown in between.
func TestDevelopmentJourney(t *testing.T) {
	d := Dossier{BirthDate: dvDate("2006-02-28"), Stage: StageResident}
	moves := []struct {
		t    Transition
		prep func(*Dossier) // what happens between moves outside these rules
		step string         // NextStep key after the move; "" for none
	}{
		{t: dvAdvance(StageApplicant, "2024-03-01"), step: "development.step.talk"},
		{t: Transition{Kind: KindTalk, On: dvDate("2024-03-20")}, step: "development.step.activist"},
		{t: dvAdvance(StageActivist, "2024-05-10"), step: "development.step.contacts"},
		{prep: func(d *Dossier) { d.ContactMembers = 2 }, t: dvAdvance(StageCandidate, "2025-05-10"), step: "development.step.introducers"},
		{prep: func(d *Dossier) { d.Introducers, d.PoliticalReviewDone, d.TrainingHours = 2, true, 24 },
			t: dvAdvance(StageProbationary, "2025-07-01"), step: "development.step.approval"},
		{t: Transition{Kind: KindApprove, On: dvDate("2025-08-15")}, step: "development.step.confirm"},
		{t: dvAdvance(StageFull, "2026-07-01")},
	}
	today := dvDate("2026-07-01")
	for _, m := range moves {
		if m.prep != nil {
			m.prep(&d)
		}
		if err := Check(d, m.t, today); err != nil {
			t.Fatalf("Check(%s %s %s) = %v", m.t.Kind, m.t.To, isoDate(m.t.On), err)
		}
		d = Apply(d, m.t)
		step, ok := NextStep(d, today)
		if ok != (m.step != "") || step.Key != m.step {
			t.Fatalf("after %s %s: NextStep = %+v, %v; want %q", m.t.Kind, m.t.To, step, ok, m.step)
		}
	}
	if d.Stage != StageFull || !d.Stage.IsMember() {
		t.Errorf("final stage %q", d.Stage)
	}
}

func TestDevelopmentStages(t *testing.T) {
	want := []Stage{StageResident, StageApplicant, StageActivist, StageCandidate, StageProbationary, StageFull}
	if got := Stages(); !slices.Equal(got, want) {
		t.Fatalf("Stages() = %v", got)
	}
	Stages()[0] = "changed" // a caller's slice is its own
	if Stages()[0] != StageResident {
		t.Fatal("Stages() shares its slice")
	}
	cases := []struct {
		s             Stage
		valid, member bool
		next          Stage
		hasNext       bool
	}{
		{StageResident, true, false, StageApplicant, true},
		{StageApplicant, true, false, StageActivist, true},
		{StageActivist, true, false, StageCandidate, true},
		{StageCandidate, true, false, StageProbationary, true},
		{StageProbationary, true, true, StageFull, true},
		{StageFull, true, true, "", false},
		{"", false, false, "", false},
		{"Full", false, false, "", false},
	}
	for _, c := range cases {
		next, ok := c.s.Next()
		if c.s.Valid() != c.valid || c.s.IsMember() != c.member || next != c.next || ok != c.hasNext {
			t.Errorf("%q: Valid %v IsMember %v Next %q %v", c.s, c.s.Valid(), c.s.IsMember(), next, ok)
		}
	}
	if k := StageCandidate.Key(); k != "development.stage.candidate" {
		t.Errorf("Key() = %q", k)
	}
}

func TestDevelopmentAddMonths(t *testing.T) {
	cases := []struct {
		from string
		n    int
		want string
	}{
		{"2024-01-31", 1, "2024-02-29"}, // leap year
		{"2023-01-31", 1, "2023-02-28"},
		{"2024-03-31", 1, "2024-04-30"},
		{"2024-03-31", -1, "2024-02-29"},
		{"2024-12-15", 1, "2025-01-15"},
		{"2024-05-20", 0, "2024-05-20"},
		{"2008-02-29", 12 * 18, "2026-02-28"}, // 18th birthday in a common year
		{"2008-02-29", 12 * 16, "2024-02-29"}, // ... and in a leap year
		{"2024-08-31", 18, "2026-02-28"},      // one step, no drift
		{"2024-08-31", 6, "2025-02-28"},
	}
	for _, c := range cases {
		if got := isoDate(addMonths(dvDate(c.from), c.n)); got != c.want {
			t.Errorf("addMonths(%s, %d) = %s, want %s", c.from, c.n, got, c.want)
		}
	}
}

func TestDevelopmentDay(t *testing.T) {
	beijing := time.FixedZone("CST", 8*3600)
	cases := []struct {
		in   time.Time
		want time.Time
	}{
		{time.Date(2026, 6, 15, 23, 59, 59, 999, beijing), dvDate("2026-06-15")},
		{time.Date(2026, 6, 15, 0, 0, 0, 1, time.UTC), dvDate("2026-06-15")},
		{dvDate("2026-06-15"), dvDate("2026-06-15")},
		{time.Time{}, time.Time{}},
	}
	for _, c := range cases {
		if got := day(c.in); !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("day(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// dvCatalog reads a flat key → message catalog.
func dvCatalog(t *testing.T, name string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "i18n", "locales", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

var dvPlaceholder = regexp.MustCompile(`\{(\w+)\}`)

func dvPlaceholders(msg string) []string {
	var names []string
	for _, m := range dvPlaceholder.FindAllStringSubmatch(msg, -1) {
		names = append(names, m[1])
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// TestDevelopmentCatalogs checks that every key Check and NextStep can return is in
// both catalogs, that the catalogs agree, and that every placeholder a message uses
// is among the error's parameters.
func TestDevelopmentCatalogs(t *testing.T) {
	catalogs := map[string]map[string]string{
		"en":    dvCatalog(t, "development.en.json"),
		"zh-CN": dvCatalog(t, "development.zh-CN.json"),
	}
	en, zh := catalogs["en"], catalogs["zh-CN"]
	for k, msg := range en {
		zmsg, ok := zh[k]
		if !ok {
			t.Errorf("%s: in en, not in zh-CN", k)
			continue
		}
		if msg == "" || zmsg == "" {
			t.Errorf("%s: empty message", k)
		}
		if a, b := dvPlaceholders(msg), dvPlaceholders(zmsg); !slices.Equal(a, b) {
			t.Errorf("%s: placeholders en %v, zh-CN %v", k, a, b)
		}
	}
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("%s: in zh-CN, not in en", k)
		}
	}

	// Every key the source can return, found by reading it, so a rule added
	// without a message fails here even before it has a test.
	src, err := os.ReadFile("development.go")
	if err != nil {
		t.Fatal(err)
	}
	inSource := map[string]bool{}
	for _, m := range regexp.MustCompile(`"(development\.(?:rule|step)\.[a-z_]+)"`).FindAllSubmatch(src, -1) {
		inSource[string(m[1])] = true
	}
	if len(inSource) == 0 {
		t.Fatal("no keys found in development.go")
	}
	known := map[string]bool{}
	for k := range inSource {
		known[k] = true
	}
	for _, s := range Stages() {
		known[s.Key()] = true
	}
	for k := range known {
		for lang, cat := range catalogs {
			if _, ok := cat[k]; !ok {
				t.Errorf("%s: missing from %s catalog", k, lang)
			}
		}
	}
	for k := range en {
		if !known[k] {
			t.Errorf("%s: in the catalogs but never used", k)
		}
	}

	// Every key the test tables produce, with its parameters against the messages.
	produced := map[string]bool{}
	for _, c := range dvCheckCases() {
		for _, e := range dvFlatten(t, Check(c.d, c.t, dvDate(c.today))) {
			produced[e.Key] = true
			for lang, cat := range catalogs {
				msg, ok := cat[e.Key]
				if !ok {
					t.Errorf("%s: %s missing from %s catalog", c.name, e.Key, lang)
				}
				for _, p := range dvPlaceholders(msg) {
					if _, ok := e.Params[p]; !ok {
						t.Errorf("%s: %s message in %s uses {%s}, not among params %v", c.name, e.Key, lang, p, e.Params)
					}
				}
			}
		}
	}
	for _, c := range dvStepCases() {
		if s, ok := NextStep(c.d, dvDate(c.today)); ok {
			produced[s.Key] = true
			for lang, cat := range catalogs {
				msg, ok := cat[s.Key]
				if !ok {
					t.Errorf("%s: %s missing from %s catalog", c.name, s.Key, lang)
				}
				if p := dvPlaceholders(msg); len(p) > 0 {
					t.Errorf("%s: step message in %s has placeholders %v; a step has no parameters", s.Key, lang, p)
				}
			}
		}
	}
	// The tables exercise every key in the source: no rule goes untested.
	for k := range inSource {
		if !produced[k] {
			t.Errorf("%s: no test case produces it", k)
		}
	}
}
