package evaluation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// The democratic appraisal of members (民主评议党员): once a year a branch's members each
// write a self-assessment, rate one another by secret ballot, the committee proposes a
// grade for each and the general meeting decides it.

// Appraisal is a branch's appraisal of a year.
type Appraisal struct {
	ID       int64              `json:"id"`
	OrgID    int64              `json:"org_id"`
	Year     int                `json:"year"`
	Open     bool               `json:"open"`
	Subjects []AppraisalSubject `json:"subjects"`
}

// AppraisalSubject is one member appraised: the tallies of the ballots, never who cast them.
type AppraisalSubject struct {
	ID             int64         `json:"id"`
	PersonID       int64         `json:"person_id"`
	Name           string        `json:"name"`
	SelfAssessment string        `json:"self_assessment,omitempty"`
	Tally          map[Grade]int `json:"tally"`
	Voters         int           `json:"voters"` // how many rated this member
	ProposedGrade  Grade         `json:"proposed_grade,omitempty"`
	FinalGrade     Grade         `json:"final_grade,omitempty"`
}

// StartAppraisal opens a branch's appraisal of a year, with every member of the branch
// and of its party groups as a subject. The caller needs Manage on the branch.
func (s *Service) StartAppraisal(ctx context.Context, c Caller, orgID int64, year int) (Appraisal, error) {
	if year < 2000 || year > 2999 {
		return Appraisal{}, i18n.Invalid("year", "evaluation.error.year")
	}
	if ok, err := s.orgs.Can(ctx, c.Account, org.Manage, orgID); err != nil {
		return Appraisal{}, err
	} else if !ok {
		return Appraisal{}, i18n.Invalid("org_id", "evaluation.error.org_scope")
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO appraisals (org_id, year, status, created_by, created_at)
			VALUES ($1, $2, 'open', $3, $4) ON CONFLICT (org_id, year) DO NOTHING RETURNING id`,
			orgID, year, nullID(c.Account.ID), s.now().UTC()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return i18n.Invalid("year", "evaluation.error.appraisal_exists")
		}
		if err != nil {
			return fmt.Errorf("evaluation: start appraisal: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO appraisal_subjects (appraisal_id, person_id)
			SELECT $1, p.id FROM people p JOIN orgs o ON o.id = p.org_id
			WHERE (o.id = $2 OR (o.parent_id = $2 AND o.kind = 'group')) AND p.stage IN ('full', 'probationary') ORDER BY p.id`, id, orgID); err != nil {
			return fmt.Errorf("evaluation: appraisal subjects: %w", err)
		}
		return audit.Record(ctx, tx, "start", "appraisal", id, nil, map[string]any{"org": orgID, "year": year})
	})
	if err != nil {
		return Appraisal{}, err
	}
	return s.Appraisal(ctx, id)
}

// Appraisal reads an appraisal with its tallies. It does not check access: see
// AppraisalAccess.
func (s *Service) Appraisal(ctx context.Context, id int64) (Appraisal, error) {
	var ap Appraisal
	var status string
	err := s.db.QueryRowContext(ctx, `SELECT id, org_id, year, status FROM appraisals WHERE id = $1`, id).Scan(&ap.ID, &ap.OrgID, &ap.Year, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return ap, store.ErrNotFound
	}
	if err != nil {
		return ap, fmt.Errorf("evaluation: appraisal %d: %w", id, err)
	}
	ap.Open = status == "open"
	rows, err := s.db.QueryContext(ctx, `SELECT s.id, s.person_id, p.name, s.self_assessment, s.proposed_grade, s.final_grade,
		(SELECT COUNT(*) FROM appraisal_ballots b WHERE b.subject_id = s.id)
		FROM appraisal_subjects s JOIN people p ON p.id = s.person_id WHERE s.appraisal_id = $1 ORDER BY s.id`, id)
	if err != nil {
		return ap, fmt.Errorf("evaluation: appraisal subjects %d: %w", id, err)
	}
	index := map[int64]int{}
	for rows.Next() {
		var sub AppraisalSubject
		if err := rows.Scan(&sub.ID, &sub.PersonID, &sub.Name, &sub.SelfAssessment, &sub.ProposedGrade, &sub.FinalGrade, &sub.Voters); err != nil {
			rows.Close()
			return ap, err
		}
		sub.Tally = map[Grade]int{}
		index[sub.ID] = len(ap.Subjects)
		ap.Subjects = append(ap.Subjects, sub)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ap, err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT t.subject_id, t.grade, t.votes FROM appraisal_tallies t
		JOIN appraisal_subjects s ON s.id = t.subject_id WHERE s.appraisal_id = $1`, id)
	if err != nil {
		return ap, fmt.Errorf("evaluation: appraisal tallies %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var sid int64
		var g Grade
		var n int
		if err := rows.Scan(&sid, &g, &n); err != nil {
			return ap, err
		}
		ap.Subjects[index[sid]].Tally[g] = n
	}
	return ap, rows.Err()
}

// AppraisalAccess is what a caller may do with an appraisal.
type AppraisalAccess struct {
	View   bool // read the subjects and the tallies: View on the branch, or a subject
	Rate   bool // cast ballots: a subject (a member of the branch)
	Manage bool // propose and decide grades, close the ballot
}

// AccessToAppraisal answers what a caller may do with an appraisal.
func (s *Service) AccessToAppraisal(ctx context.Context, c Caller, ap Appraisal) (AppraisalAccess, error) {
	var acc AppraisalAccess
	var err error
	if acc.View, err = s.orgs.Can(ctx, c.Account, org.View, ap.OrgID); err != nil {
		return acc, err
	}
	if acc.Manage, err = s.orgs.Can(ctx, c.Account, org.Manage, ap.OrgID); err != nil {
		return acc, err
	}
	for _, sub := range ap.Subjects {
		if c.PersonID() != 0 && sub.PersonID == c.PersonID() {
			acc.Rate, acc.View = true, true
		}
	}
	return acc, nil
}

func (s *Service) appraisalFor(ctx context.Context, c Caller, id int64) (Appraisal, AppraisalAccess, error) {
	ap, err := s.Appraisal(ctx, id)
	if err != nil {
		return ap, AppraisalAccess{}, err
	}
	acc, err := s.AccessToAppraisal(ctx, c, ap)
	if err == nil && !acc.View {
		err = store.ErrNotFound
	}
	return ap, acc, err
}

func (ap Appraisal) subject(personID int64) (AppraisalSubject, bool) {
	for _, sub := range ap.Subjects {
		if sub.PersonID == personID {
			return sub, true
		}
	}
	return AppraisalSubject{}, false
}

// WriteSelfAssessment records a member's own self-assessment.
func (s *Service) WriteSelfAssessment(ctx context.Context, c Caller, id int64, text string) error {
	ap, acc, err := s.appraisalFor(ctx, c, id)
	if err != nil {
		return err
	}
	if !acc.Rate {
		return i18n.Invalid("self_assessment", "evaluation.error.not_appraised")
	}
	if !ap.Open {
		return i18n.Invalid("appraisal", "evaluation.error.closed")
	}
	text = clean(text)
	if text == "" {
		return i18n.Invalid("self_assessment", "error.required")
	}
	if len([]rune(text)) > maxText {
		return i18n.Invalid("self_assessment", "evaluation.error.too_long", "max", maxText)
	}
	sub, _ := ap.subject(c.PersonID())
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE appraisal_subjects SET self_assessment = $1 WHERE id = $2`, text, sub.ID); err != nil {
			return fmt.Errorf("evaluation: self-assessment %d: %w", sub.ID, err)
		}
		return audit.Record(ctx, tx, "self_assess", "appraisal_subject", sub.ID, nil, nil)
	})
}

// Rate casts the caller's secret ballot on a fellow member. The ballot is kept as two
// facts that share no key — that the caller rated this member, and one more rating of
// the grade — so nobody, the administrator included, can tell afterwards who gave which
// grade. Rating the same member twice, or oneself, is refused.
func (s *Service) Rate(ctx context.Context, c Caller, id, personID int64, g Grade) error {
	ap, acc, err := s.appraisalFor(ctx, c, id)
	if err != nil {
		return err
	}
	if !acc.Rate {
		// A reader who is not appraised here (a committee member without a vote, say).
		return i18n.Invalid("person_id", "evaluation.error.not_appraised")
	}
	if !ap.Open {
		return i18n.Invalid("appraisal", "evaluation.error.closed")
	}
	if !gradeIn(g, AppraisalGrades()) {
		return i18n.Invalid("grade", "evaluation.error.grade_choice")
	}
	sub, ok := ap.subject(personID)
	if !ok {
		return i18n.Invalid("person_id", "evaluation.error.not_subject")
	}
	if personID == c.PersonID() {
		return i18n.Invalid("person_id", "evaluation.error.rate_self")
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO appraisal_ballots (subject_id, voter_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			sub.ID, c.PersonID())
		if err != nil {
			return fmt.Errorf("evaluation: ballot on %d: %w", sub.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return i18n.Invalid("person_id", "evaluation.error.rated_twice")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO appraisal_tallies (subject_id, grade, votes) VALUES ($1, $2, 1)
			ON CONFLICT (subject_id, grade) DO UPDATE SET votes = appraisal_tallies.votes + 1`, sub.ID, g); err != nil {
			return fmt.Errorf("evaluation: tally of %d: %w", sub.ID, err)
		}
		// The audit line says that a ballot was cast, not its grade.
		return audit.Record(ctx, tx, "rate", "appraisal_subject", sub.ID, nil, nil)
	})
}

// SetGrade records the committee's proposed grade (final false) or the general meeting's
// decision (final true) for a member. The caller needs Manage on the branch; a decision
// closes nothing else, and the ballot closes with CloseAppraisal.
func (s *Service) SetGrade(ctx context.Context, c Caller, id, personID int64, g Grade, final bool) error {
	ap, acc, err := s.appraisalFor(ctx, c, id)
	if err != nil {
		return err
	}
	if !acc.Manage {
		return ErrForbidden
	}
	if !gradeIn(g, AppraisalGrades()) {
		return i18n.Invalid("grade", "evaluation.error.grade_choice")
	}
	sub, ok := ap.subject(personID)
	if !ok {
		return i18n.Invalid("person_id", "evaluation.error.not_subject")
	}
	column := "proposed_grade"
	if final {
		column = "final_grade"
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE appraisal_subjects SET `+column+` = $1 WHERE id = $2`, g, sub.ID); err != nil {
			return fmt.Errorf("evaluation: grade of %d: %w", sub.ID, err)
		}
		return audit.Record(ctx, tx, "grade", "appraisal_subject", sub.ID, nil, map[string]any{column: g})
	})
}

// CloseAppraisal ends the ballot.
func (s *Service) CloseAppraisal(ctx context.Context, c Caller, id int64) error {
	_, acc, err := s.appraisalFor(ctx, c, id)
	if err != nil {
		return err
	}
	if !acc.Manage {
		return ErrForbidden
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE appraisals SET status = 'closed' WHERE id = $1`, id); err != nil {
			return fmt.Errorf("evaluation: close appraisal %d: %w", id, err)
		}
		return audit.Record(ctx, tx, "close", "appraisal", id, nil, nil)
	})
}

// AppraisalRef names an appraisal in a list.
type AppraisalRef struct {
	ID      int64
	OrgID   int64
	OrgName string
	Year    int
	Open    bool
}

// Appraisals lists the appraisals a caller may read: of organizations in their View
// scope, and those they are appraised in.
func (s *Service) Appraisals(ctx context.Context, c Caller, lang string) ([]AppraisalRef, error) {
	cond, args := org.ScopeOf(c.Account, org.View).Condition("x.org_id", 1)
	args = append(args, c.PersonID())
	rows, err := s.db.QueryContext(ctx, `SELECT x.id, x.org_id, o.name, o.name_en, x.year, x.status FROM appraisals x JOIN orgs o ON o.id = x.org_id
		WHERE `+cond+` OR x.id IN (SELECT appraisal_id FROM appraisal_subjects WHERE person_id = $`+fmt.Sprint(len(args))+`)
		ORDER BY x.year DESC, x.id DESC LIMIT 200`, args...)
	if err != nil {
		return nil, fmt.Errorf("evaluation: list appraisals: %w", err)
	}
	defer rows.Close()
	var list []AppraisalRef
	for rows.Next() {
		var a AppraisalRef
		var nameEn, status string
		if err := rows.Scan(&a.ID, &a.OrgID, &a.OrgName, &nameEn, &a.Year, &status); err != nil {
			return nil, err
		}
		if lang == "en" && nameEn != "" {
			a.OrgName = nameEn
		}
		a.Open = status == "open"
		list = append(list, a)
	}
	return list, rows.Err()
}

// RatedBy lists the members a person has rated in an appraisal — what they did, which
// they may see, never how.
func (s *Service) RatedBy(ctx context.Context, appraisalID, voterID int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if voterID == 0 {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT s.person_id FROM appraisal_ballots b JOIN appraisal_subjects s ON s.id = b.subject_id
		WHERE s.appraisal_id = $1 AND b.voter_id = $2`, appraisalID, voterID)
	if err != nil {
		return nil, fmt.Errorf("evaluation: ballots of %d: %w", voterID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
