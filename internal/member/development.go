package member

// The rules of party membership development: how a person moves from resident to
// full member, what each move requires, and what is due next. They follow the
// Rules on Recruiting Party Members (中国共产党发展党员工作细则, 2014; "Art." below)
// and the Party Constitution (党章). Everything here is pure: no database, no clock;
// the caller passes "today".
//
// Dates are civil dates, held as time.Time at 00:00 UTC (see day).

import (
	"time"

	"vanguard/internal/i18n"
)

// Numbers the regulation fixes. Each is cited where it comes from.
const (
	// Art. 5 (and Party Constitution Art. 1): 年满十八岁 may apply.
	minApplicantAge = 18
	// Art. 7: the organization talks with the applicant 在一个月内 of receiving the letter.
	talkWithinMonths = 1
	// Art. 9: 指定一至两名正式党员作入党积极分子的培养联系人.
	minContactMembers = 1
	maxContactMembers = 2
	// Art. 13: 经过一年以上培养教育和考察 before an activist becomes a development target.
	activistMonths = 12
	// Art. 14 (and Party Constitution Art. 5): 两名正式党员作入党介绍人.
	requiredIntroducers = 2
	// Art. 17: 集中培训 一般不少于三天（或不少于二十四个学时）.
	minTrainingHours = 24
	// Chapter 4 (接收预备党员): the committee approves the branch's resolution
	// 在三个月内 (exceptionally up to six). Late approval stays valid; it is only
	// flagged overdue.
	approvalWithinMonths = 3
	// Art. 32 (and Party Constitution Art. 7): 预备期为一年, counted from the day the
	// branch general meeting admitted the person.
	probationMonths = 12
	// Art. 32: the probation 可以延长一次, 延长时间不能少于半年，最长不超过一年.
	minExtensionMonths = 6
	maxExtensionMonths = 12
)

// Stage is where a person stands in membership development.
type Stage string

// The stages, in order.
const (
	StageResident     Stage = "resident"     // 群众: a resident or employee, not a member
	StageApplicant    Stage = "applicant"    // 入党申请人
	StageActivist     Stage = "activist"     // 入党积极分子
	StageCandidate    Stage = "candidate"    // 发展对象 (development target)
	StageProbationary Stage = "probationary" // 预备党员
	StageFull         Stage = "full"         // 正式党员
)

// Stages returns every stage in order, from resident to full member. It returns a
// new slice each time so no caller can reorder another's.
func Stages() []Stage {
	return []Stage{StageResident, StageApplicant, StageActivist, StageCandidate, StageProbationary, StageFull}
}

// index is the stage's position in Stages, or -1 for an unknown stage.
func (s Stage) index() int {
	for i, st := range Stages() {
		if st == s {
			return i
		}
	}
	return -1
}

// Valid reports whether s is one of the stages.
func (s Stage) Valid() bool { return s.index() >= 0 }

// IsMember reports whether s is a party member: probationary or full (Party
// Constitution Art. 7: a probationary member has a member's duties and, but for
// voting and election, a member's rights).
func (s Stage) IsMember() bool { return s == StageProbationary || s == StageFull }

// Next returns the stage that follows s; false for a full member or an unknown stage.
func (s Stage) Next() (Stage, bool) {
	i := s.index()
	all := Stages()
	if i < 0 || i+1 >= len(all) {
		return "", false
	}
	return all[i+1], true
}

// Key is the catalog key of the stage's name, e.g. "development.stage.activist".
func (s Stage) Key() string { return "development.stage." + string(s) }

// Dossier is what the rules need to know of one person's development so far.
// Dates are civil dates; a zero date means "not yet".
type Dossier struct {
	BirthDate           time.Time
	Stage               Stage
	StageSince          time.Time // date the current stage began
	AppliedAt           time.Time // application letter received
	TalkedAt            time.Time // the organization's talk with the applicant (zero = not yet)
	ActivistSince       time.Time
	ContactMembers      int // 培养联系人 assigned to an activist
	CandidateSince      time.Time
	PoliticalReviewDone bool      // 政治审查
	TrainingHours       int       // 集中培训 class hours of a development target
	Introducers         int       // full members acting as 入党介绍人
	AdmittedAt          time.Time // date the branch general meeting admitted them (probation starts here)
	ApprovedAt          time.Time // higher committee's approval (zero = pending)
	ExtensionMonths     int       // probation extension already granted (0 = none)
}

// Transition kinds. Kind stays a plain string so a form or API value can be used as is.
const (
	KindAdvance = "advance" // to the next stage; To names it
	KindExtend  = "extend"  // extend the probation by Months
	KindCancel  = "cancel"  // cancel the probationary qualification: back to resident
	KindTalk    = "talk"    // record the organization's talk with the applicant
	KindApprove = "approve" // record the higher committee's approval of the admission
)

// Transition is one move in a person's development.
type Transition struct {
	Kind   string    // one of the Kind constants
	To     Stage     // for KindAdvance
	On     time.Time // the date it happens
	Months int       // for KindExtend
}

// Step is what is due next for a person. Key is a catalog key such as
// "development.step.talk". Due is the step's deadline where the regulation sets
// one (the talk, the approval, the end of probation); elsewhere it is the date the
// step became, or becomes, possible. Overdue is set only for a deadline that has
// passed.
type Step struct {
	Key     string
	Due     time.Time
	Overdue bool
}

// Field names errors carry: the transition's own fields and the dossier's, in
// snake case as forms and the API name them.
const (
	fieldKind            = "kind"
	fieldTo              = "to"
	fieldOn              = "on"
	fieldMonths          = "months"
	fieldStage           = "stage"
	fieldBirthDate       = "birth_date"
	fieldTalkedAt        = "talked_at"
	fieldActivistSince   = "activist_since"
	fieldContactMembers  = "contact_members"
	fieldPoliticalReview = "political_review"
	fieldTrainingHours   = "training_hours"
	fieldIntroducers     = "introducers"
	fieldAdmittedAt      = "admitted_at"
	fieldApprovedAt      = "approved_at"
)

// Check reports whether t may happen to the person d describes, judged on today
// (the caller's current civil date). It returns nil when allowed, one *i18n.Error
// for one broken rule, and i18n.Errors when several conditions are unmet, so a
// worker sees everything missing at once. Each error's key is
// "development.rule.<name>"; where a waiting period is not yet over, its "date"
// parameter is the first date the move becomes possible.
func Check(d Dossier, t Transition, today time.Time) error {
	if !d.Stage.Valid() {
		return i18n.Invalid(fieldStage, "development.rule.stage", "stage", string(d.Stage))
	}
	// Structural problems first: when the move itself is impossible, the dates
	// and conditions are beside the point.
	if err := checkShape(d, t); err != nil {
		return err
	}
	if t.On.IsZero() {
		return i18n.Invalid(fieldOn, "development.rule.date_required")
	}
	on, since := day(t.On), day(d.StageSince)
	var errs i18n.Errors
	// A record describes what has happened, so a move cannot be dated after today.
	if on.After(day(today)) {
		errs = append(errs, i18n.Invalid(fieldOn, "development.rule.future",
			"date", isoDate(on), "today", isoDate(day(today))))
	}
	if !since.IsZero() && on.Before(since) {
		errs = append(errs, i18n.Invalid(fieldOn, "development.rule.before_stage",
			"date", isoDate(on), "since", isoDate(since)))
	}
	switch t.Kind {
	case KindAdvance:
		errs = append(errs, checkAdvance(d, t.To, on)...)
	case KindExtend:
		errs = append(errs, checkExtend(d, t.Months, on)...)
	case KindApprove, KindTalk, KindCancel:
		// Fully decided by checkShape and the date checks above.
	}
	return asError(errs)
}

// checkShape rejects a transition that cannot apply to the person's stage at all,
// whatever its date: an unknown kind, a skipped or backward stage, a step taken at
// the wrong stage, or one already taken.
func checkShape(d Dossier, t Transition) *i18n.Error {
	switch t.Kind {
	case KindAdvance:
		if !t.To.Valid() {
			return i18n.Invalid(fieldTo, "development.rule.stage", "stage", string(t.To))
		}
		next, ok := d.Stage.Next()
		if !ok {
			return i18n.Invalid(fieldTo, "development.rule.final")
		}
		if t.To == next {
			return nil
		}
		// One stage at a time: each stage is chosen from the one before it (Art. 8:
		// activists 在入党申请人中; Art. 13: development targets from activists;
		// Chapter 4: admission of development targets). The only way back is
		// cancel, and only from probation.
		key := "development.rule.skip"
		if t.To.index() <= d.Stage.index() {
			key = "development.rule.backwards"
		}
		return i18n.Invalid(fieldTo, key, "from", string(d.Stage), "to", string(t.To), "next", string(next))
	case KindTalk:
		if d.Stage != StageApplicant {
			return i18n.Invalid(fieldKind, "development.rule.talk_stage", "stage", string(d.Stage))
		}
		if !d.TalkedAt.IsZero() {
			return i18n.Invalid(fieldTalkedAt, "development.rule.talk_done", "date", isoDate(day(d.TalkedAt)))
		}
	case KindApprove:
		if d.Stage != StageProbationary {
			return i18n.Invalid(fieldKind, "development.rule.approve_stage", "stage", string(d.Stage))
		}
		if !d.ApprovedAt.IsZero() {
			return i18n.Invalid(fieldApprovedAt, "development.rule.approve_done", "date", isoDate(day(d.ApprovedAt)))
		}
	case KindExtend:
		if d.Stage != StageProbationary {
			return i18n.Invalid(fieldKind, "development.rule.extend_stage", "stage", string(d.Stage))
		}
		// Art. 32: 可以延长一次预备期.
		if d.ExtensionMonths > 0 {
			return i18n.Invalid(fieldMonths, "development.rule.extend_once", "months", d.ExtensionMonths)
		}
	case KindCancel:
		// Art. 32 and Party Constitution Art. 7: only a probationary member's
		// qualification can be cancelled; a full member leaves by other procedures.
		if d.Stage != StageProbationary {
			return i18n.Invalid(fieldKind, "development.rule.cancel_stage", "stage", string(d.Stage))
		}
	default:
		return i18n.Invalid(fieldKind, "development.rule.kind", "kind", t.Kind)
	}
	return nil
}

// checkAdvance checks the conditions of entering stage to on the date on; the
// stage is already known to be the next one.
func checkAdvance(d Dossier, to Stage, on time.Time) i18n.Errors {
	var errs i18n.Errors
	switch to {
	case StageApplicant:
		if d.BirthDate.IsZero() {
			return append(errs, i18n.Invalid(fieldBirthDate, "development.rule.missing"))
		}
		// Art. 5: 年满十八岁; the 18th birthday itself counts.
		adult := eighteenthBirthday(day(d.BirthDate))
		if on.Before(adult) {
			errs = append(errs, i18n.Invalid(fieldOn, "development.rule.age",
				"date", isoDate(adult), "age", minApplicantAge))
		}
	case StageActivist:
		// Art. 7-8: the activist is chosen from applicants the organization has
		// talked with; a talk recorded after the date had not happened by then.
		switch talked := day(d.TalkedAt); {
		case talked.IsZero():
			errs = append(errs, i18n.Invalid(fieldTalkedAt, "development.rule.talk"))
		case on.Before(talked):
			errs = append(errs, i18n.Invalid(fieldOn, "development.rule.talk_after", "date", isoDate(talked)))
		}
	case StageCandidate:
		since := firstSet(d.ActivistSince, d.StageSince)
		if since.IsZero() {
			return append(errs, i18n.Invalid(fieldActivistSince, "development.rule.missing"))
		}
		// Art. 13: 一年以上. Counted like a birthday: the anniversary itself counts.
		if ready := addMonths(since, activistMonths); on.Before(ready) {
			errs = append(errs, i18n.Invalid(fieldOn, "development.rule.activist_year",
				"date", isoDate(ready), "since", isoDate(since), "months", activistMonths))
		}
		if e := checkContacts(d.ContactMembers); e != nil {
			errs = append(errs, e)
		}
	case StageProbationary:
		// Admission at the branch general meeting. Art. 14, 16 and 17 each say the
		// person cannot be admitted without it; all are reported together.
		if d.Introducers != requiredIntroducers {
			errs = append(errs, i18n.Invalid(fieldIntroducers, "development.rule.introducers",
				"count", d.Introducers, "required", requiredIntroducers))
		}
		if !d.PoliticalReviewDone {
			errs = append(errs, i18n.Invalid(fieldPoliticalReview, "development.rule.political_review"))
		}
		if d.TrainingHours < minTrainingHours {
			errs = append(errs, i18n.Invalid(fieldTrainingHours, "development.rule.training",
				"hours", d.TrainingHours, "required", minTrainingHours))
		}
	case StageFull:
		admitted := firstSet(d.AdmittedAt, d.StageSince)
		if admitted.IsZero() {
			return append(errs, i18n.Invalid(fieldAdmittedAt, "development.rule.missing"))
		}
		// Party Constitution Art. 5: a member is admitted only with the higher
		// organization's approval, so an unapproved probationer cannot be confirmed.
		switch approved := day(d.ApprovedAt); {
		case approved.IsZero():
			errs = append(errs, i18n.Invalid(fieldApprovedAt, "development.rule.approval"))
		case on.Before(approved):
			errs = append(errs, i18n.Invalid(fieldOn, "development.rule.approval_after", "date", isoDate(approved)))
		}
		// Art. 32: confirmation at the end of the probation, extended or not.
		if end := probationEnd(admitted, d.ExtensionMonths); on.Before(end) {
			errs = append(errs, i18n.Invalid(fieldOn, "development.rule.probation",
				"date", isoDate(end), "months", probationMonths+d.ExtensionMonths))
		}
	}
	return errs
}

// checkContacts applies Art. 9: one or two contact members.
func checkContacts(n int) *i18n.Error {
	if n < minContactMembers || n > maxContactMembers {
		return i18n.Invalid(fieldContactMembers, "development.rule.contacts",
			"count", n, "min", minContactMembers, "max", maxContactMembers)
	}
	return nil
}

// checkExtend applies Art. 32 to an extension of months decided on the date on.
func checkExtend(d Dossier, months int, on time.Time) i18n.Errors {
	var errs i18n.Errors
	if months < minExtensionMonths || months > maxExtensionMonths {
		errs = append(errs, i18n.Invalid(fieldMonths, "development.rule.extend_months",
			"months", months, "min", minExtensionMonths, "max", maxExtensionMonths))
	}
	admitted := firstSet(d.AdmittedAt, d.StageSince)
	if admitted.IsZero() {
		return append(errs, i18n.Invalid(fieldAdmittedAt, "development.rule.missing"))
	}
	// Only a running probation can be extended; on its end date it has ended and
	// the person is due to be confirmed (or their qualification cancelled).
	if end := probationEnd(admitted, 0); !on.Before(end) {
		errs = append(errs, i18n.Invalid(fieldOn, "development.rule.extend_ended", "date", isoDate(end)))
	}
	return errs
}

// Apply returns the dossier after t. It does not check t; call Check first. An
// unknown kind returns d unchanged.
//
// Entering the applicant stage and cancelling both start a fresh dossier that
// keeps only the birth date: what a former application or probation recorded (a
// talk, contact members, training) must not count toward a new one. The history
// of moves is kept by the caller, not here.
func Apply(d Dossier, t Transition) Dossier {
	on := day(t.On)
	switch t.Kind {
	case KindAdvance:
		switch t.To {
		case StageApplicant:
			d = Dossier{BirthDate: d.BirthDate, AppliedAt: on}
		case StageActivist:
			d.ActivistSince = on
		case StageCandidate:
			d.CandidateSince = on
		case StageProbationary:
			d.AdmittedAt = on
			d.ApprovedAt = time.Time{}
			d.ExtensionMonths = 0
		case StageFull:
		default:
			return d
		}
		d.Stage, d.StageSince = t.To, on
	case KindExtend:
		d.ExtensionMonths = t.Months
	case KindCancel:
		d = Dossier{BirthDate: d.BirthDate, Stage: StageResident, StageSince: on}
	case KindTalk:
		d.TalkedAt = on
	case KindApprove:
		d.ApprovedAt = on
	}
	return d
}

// NextStep returns what is due next for the person on today, and false when
// nothing is: a resident has not applied, a full member has finished, and a
// dossier missing the date a step counts from has no step to date.
func NextStep(d Dossier, today time.Time) (Step, bool) {
	today = day(today)
	deadline := func(key string, due time.Time) (Step, bool) {
		return Step{Key: key, Due: due, Overdue: today.After(due)}, true
	}
	possible := func(key string, from time.Time) (Step, bool) {
		return Step{Key: key, Due: from}, true
	}
	switch d.Stage {
	case StageApplicant:
		applied := firstSet(d.AppliedAt, d.StageSince)
		if applied.IsZero() {
			return Step{}, false
		}
		if d.TalkedAt.IsZero() {
			// Art. 7: the talk within one month of receiving the application.
			return deadline("development.step.talk", addMonths(applied, talkWithinMonths))
		}
		return possible("development.step.activist", day(d.TalkedAt))
	case StageActivist:
		since := firstSet(d.ActivistSince, d.StageSince)
		if since.IsZero() {
			return Step{}, false
		}
		if checkContacts(d.ContactMembers) != nil {
			// Art. 9 sets no deadline, but the contacts are how the activist is
			// taught and observed, so they are needed from the first day.
			return possible("development.step.contacts", since)
		}
		return possible("development.step.candidate", addMonths(since, activistMonths))
	case StageCandidate:
		since := firstSet(d.CandidateSince, d.StageSince)
		if since.IsZero() {
			return Step{}, false
		}
		// The admission's conditions in the regulation's order (Art. 14, 16, 17).
		switch {
		case d.Introducers != requiredIntroducers:
			return possible("development.step.introducers", since)
		case !d.PoliticalReviewDone:
			return possible("development.step.political_review", since)
		case d.TrainingHours < minTrainingHours:
			return possible("development.step.training", since)
		}
		return possible("development.step.admission", since)
	case StageProbationary:
		admitted := firstSet(d.AdmittedAt, d.StageSince)
		if admitted.IsZero() {
			return Step{}, false
		}
		if d.ApprovedAt.IsZero() {
			return deadline("development.step.approval", addMonths(admitted, approvalWithinMonths))
		}
		// Art. 32: 预备期满，党支部应当及时讨论 — due on the day the probation ends.
		return deadline("development.step.confirm", probationEnd(admitted, d.ExtensionMonths))
	}
	return Step{}, false
}

// probationEnd is the first day after the probation: one year from admission plus
// any extension (Art. 32). It adds the months in one step from the admission date,
// so clamping at a month's end cannot drift (31 Aug + 18 months is 28 Feb, not the
// 28th of a later month).
func probationEnd(admitted time.Time, extension int) time.Time {
	return addMonths(admitted, probationMonths+extension)
}

// day normalises t to its civil date, as midnight UTC, taking the date on t's own
// calendar. Zero stays zero.
func day(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// addMonths adds n months to the civil date of t, clamping to the last day of the
// target month: 31 January + 1 month is 28 (or 29) February, not 3 March as
// time.AddDate would give. Periods in the regulation are counted this way (a
// month from 31 January ends with February), and it makes a 29 February birthday
// reach an age on 28 February of a common year.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	if last := first.AddDate(0, 1, -1).Day(); d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, 0, 0, 0, 0, time.UTC)
}

// firstSet returns the civil date of the first non-zero time, or zero. It lets a
// stage's own date fall back to StageSince, which for the current stage is the
// same event.
func firstSet(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return day(t)
		}
	}
	return time.Time{}
}

// isoDate formats a civil date as YYYY-MM-DD, the form dates take in error
// parameters.
func isoDate(t time.Time) string { return t.Format(time.DateOnly) }

// asError returns nil, the single error, or the list, so callers can test
// errors.As against *i18n.Error when only one rule is broken.
func asError(errs i18n.Errors) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errs
}
