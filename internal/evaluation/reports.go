package evaluation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// Secretaries' work reports (述职评议, seed 002): a branch secretary reports a year's work —
// what was done, the problems, next year's plan — and the higher committee's members and
// the branch's members rate it and comment. A joint meeting reviews several at once: the
// reports of a year in a subtree.

// WorkReport is a secretary's report of a year.
type WorkReport struct {
	ID          int64           `json:"id"`
	OrgID       int64           `json:"org_id"`
	OrgName     string          `json:"org_name"`
	PersonID    int64           `json:"person_id"`
	PersonName  string          `json:"person_name"`
	Year        int             `json:"year"`
	WorkDone    string          `json:"work_done"`
	Problems    string          `json:"problems"`
	Plans       string          `json:"plans"`
	SubmittedAt time.Time       `json:"submitted_at"`
	Tally       map[Grade]int   `json:"tally"`
	Comments    []ReportComment `json:"comments"`
}

// ReportComment is a rater's comment; the grade each rater gave is counted in the tally.
type ReportComment struct {
	RaterName string    `json:"rater_name"`
	Role      string    `json:"role"` // committee or member
	Comment   string    `json:"comment"`
	At        time.Time `json:"at"`
}

// NewReport is what SubmitReport needs.
type NewReport struct {
	OrgID    int64
	Year     int
	WorkDone string
	Problems string
	Plans    string
}

// SubmitReport files the caller's report for their branch: they need Manage on it and a
// person record. A report can be rewritten until its first rating.
func (s *Service) SubmitReport(ctx context.Context, c Caller, n NewReport) (WorkReport, error) {
	var errs i18n.Errors
	n.WorkDone, n.Problems, n.Plans = clean(n.WorkDone), clean(n.Problems), clean(n.Plans)
	for _, f := range []struct{ name, v string }{{"work_done", n.WorkDone}, {"problems", n.Problems}, {"plans", n.Plans}} {
		if f.v == "" {
			errs = append(errs, i18n.Invalid(f.name, "error.required"))
		} else if len([]rune(f.v)) > maxText {
			errs = append(errs, i18n.Invalid(f.name, "evaluation.error.too_long", "max", maxText))
		}
	}
	if n.Year < 2000 || n.Year > 2999 {
		errs = append(errs, i18n.Invalid("year", "evaluation.error.year"))
	}
	if len(errs) > 0 {
		return WorkReport{}, errs
	}
	if ok, err := s.orgs.Can(ctx, c.Account, org.Manage, n.OrgID); err != nil {
		return WorkReport{}, err
	} else if !ok || c.Person == nil {
		return WorkReport{}, i18n.Invalid("org_id", "evaluation.error.org_scope")
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var rated int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM work_report_ratings x JOIN work_reports w ON w.id = x.report_id
			WHERE w.org_id = $1 AND w.year = $2`, n.OrgID, n.Year).Scan(&rated); err != nil {
			return err
		}
		if rated > 0 {
			return i18n.Invalid("year", "evaluation.error.report_rated")
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO work_reports (org_id, person_id, year, work_done, problems, plans, submitted_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (org_id, year) DO UPDATE SET person_id = excluded.person_id, work_done = excluded.work_done,
			  problems = excluded.problems, plans = excluded.plans, submitted_at = excluded.submitted_at RETURNING id`,
			n.OrgID, c.PersonID(), n.Year, n.WorkDone, n.Problems, n.Plans, s.now().UTC()).Scan(&id)
		if err != nil {
			return fmt.Errorf("evaluation: submit report: %w", err)
		}
		return audit.Record(ctx, tx, "submit", "work_report", id, nil, map[string]any{"org": n.OrgID, "year": n.Year})
	})
	if err != nil {
		return WorkReport{}, err
	}
	return s.Report(ctx, id, "")
}

const reportColumns = `w.id, w.org_id, o.name, o.name_en, w.person_id, p.name, w.year, w.work_done, w.problems, w.plans, w.submitted_at`

func scanReport(row interface{ Scan(...any) error }, lang string) (WorkReport, error) {
	var w WorkReport
	var nameEn string
	err := row.Scan(&w.ID, &w.OrgID, &w.OrgName, &nameEn, &w.PersonID, &w.PersonName, &w.Year, &w.WorkDone, &w.Problems, &w.Plans, &w.SubmittedAt)
	if lang == "en" && nameEn != "" {
		w.OrgName = nameEn
	}
	w.Tally = map[Grade]int{}
	return w, err
}

// Report reads a report with its tally and comments. It does not check access: see
// AccessToReport.
func (s *Service) Report(ctx context.Context, id int64, lang string) (WorkReport, error) {
	w, err := scanReport(s.db.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM work_reports w JOIN orgs o ON o.id = w.org_id
		JOIN people p ON p.id = w.person_id WHERE w.id = $1`, id), lang)
	if errors.Is(err, sql.ErrNoRows) {
		return w, store.ErrNotFound
	}
	if err != nil {
		return w, fmt.Errorf("evaluation: report %d: %w", id, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT rater_name, role, grade, comment, rated_at FROM work_report_ratings WHERE report_id = $1 ORDER BY rated_at, rater_id`, id)
	if err != nil {
		return w, fmt.Errorf("evaluation: ratings of %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var rc ReportComment
		var g Grade
		if err := rows.Scan(&rc.RaterName, &rc.Role, &g, &rc.Comment, &rc.At); err != nil {
			return w, err
		}
		w.Tally[g]++
		if rc.Comment != "" {
			w.Comments = append(w.Comments, rc)
		}
	}
	return w, rows.Err()
}

// memberOf tells whether a person of personOrg belongs to the branch orgID: in it, or in
// one of its party groups. A committee's members are those of its own organization, not
// every member of the branches below it.
func (s *Service) memberOf(ctx context.Context, orgID, personOrg int64) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs WHERE id = $1 AND (id = $2 OR (parent_id = $2 AND kind = 'group'))`,
		personOrg, orgID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("evaluation: membership of %d in %d: %w", personOrg, orgID, err)
	}
	return n > 0, nil
}

// ReportAccess is what a caller may do with a report.
type ReportAccess struct {
	View bool   // View on the branch, or a member of it
	Rate string // "committee", "member", or "" when the caller may not rate it
}

// AccessToReport answers what a caller may do with a report: a manager of an organization
// above the branch rates it as the higher committee; a member of the branch (not its
// author) as a member.
func (s *Service) AccessToReport(ctx context.Context, c Caller, w WorkReport) (ReportAccess, error) {
	var acc ReportAccess
	var err error
	if acc.View, err = s.orgs.Can(ctx, c.Account, org.View, w.OrgID); err != nil {
		return acc, err
	}
	var parent sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT parent_id FROM orgs WHERE id = $1`, w.OrgID).Scan(&parent); err != nil {
		return acc, fmt.Errorf("evaluation: parent of %d: %w", w.OrgID, err)
	}
	if parent.Valid {
		ok, err := s.orgs.Can(ctx, c.Account, org.Manage, parent.Int64)
		if err != nil {
			return acc, err
		}
		if ok {
			acc.Rate = "committee"
		}
	}
	if acc.Rate == "" && c.Person != nil && c.Person.Stage.IsMember() && c.PersonID() != w.PersonID {
		in, err := s.memberOf(ctx, w.OrgID, c.PersonOrgID())
		if err != nil {
			return acc, err
		}
		if in {
			acc.Rate, acc.View = "member", true
		}
	}
	acc.View = acc.View || acc.Rate != ""
	return acc, nil
}

// RateReport records the caller's rating of a report with a comment; rating twice is refused.
func (s *Service) RateReport(ctx context.Context, c Caller, id int64, g Grade, comment string) (WorkReport, error) {
	w, err := s.Report(ctx, id, "")
	if err != nil {
		return w, err
	}
	acc, err := s.AccessToReport(ctx, c, w)
	if err != nil {
		return w, err
	}
	if !acc.View {
		return w, store.ErrNotFound
	}
	if acc.Rate == "" {
		// A reader who is neither above the branch nor a member of it (its author, say):
		// a rule of who rates, said with its reason.
		return w, i18n.Invalid("grade", "evaluation.error.cannot_rate")
	}
	if !gradeIn(g, ReportGrades()) {
		return w, i18n.Invalid("grade", "evaluation.error.grade_choice")
	}
	comment = clean(comment)
	if len([]rune(comment)) > maxText {
		return w, i18n.Invalid("comment", "evaluation.error.too_long", "max", maxText)
	}
	name := c.Account.DisplayName
	if name == "" {
		name = c.Account.Username
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO work_report_ratings (report_id, rater_id, rater_name, role, grade, comment, rated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`, id, c.Account.ID, name, acc.Rate, g, comment, s.now().UTC())
		if err != nil {
			return fmt.Errorf("evaluation: rate report %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return i18n.Invalid("grade", "evaluation.error.rated_twice")
		}
		return audit.Record(ctx, tx, "rate", "work_report", id, nil, map[string]any{"role": acc.Rate})
	})
	if err != nil {
		return w, err
	}
	return s.Report(ctx, id, "")
}

// Reports lists the reports of a year for the branches of an organization's subtree, for a
// joint meeting that reviews several at once. It does not check access.
func (s *Service) Reports(ctx context.Context, orgID int64, year int, lang string) ([]WorkReport, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT w.id FROM work_reports w JOIN org_tree t ON t.org_id = w.org_id
		WHERE t.ancestor_id = $1 AND w.year = $2 ORDER BY w.org_id`, orgID, year)
	if err != nil {
		return nil, fmt.Errorf("evaluation: reports of %d: %w", orgID, err)
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
	var list []WorkReport
	for _, id := range ids {
		w, err := s.Report(ctx, id, lang)
		if err != nil {
			return nil, err
		}
		list = append(list, w)
	}
	return list, rows.Err()
}

// VisibleReports lists the reports a caller may read, newest year first: those of
// organizations in their View scope and those of their own branch (or one above their
// group), which they may rate as a member.
func (s *Service) VisibleReports(ctx context.Context, c Caller, lang string) ([]WorkReport, error) {
	cond, args := org.ScopeOf(c.Account, org.View).Condition("w.org_id", 1)
	args = append(args, c.PersonOrgID())
	rows, err := s.db.QueryContext(ctx, `SELECT `+reportColumns+` FROM work_reports w JOIN orgs o ON o.id = w.org_id
		JOIN people p ON p.id = w.person_id
		WHERE `+cond+` OR w.org_id IN (SELECT ancestor_id FROM org_tree WHERE org_id = $`+fmt.Sprint(len(args))+`)
		ORDER BY w.year DESC, w.org_id LIMIT 200`, args...)
	if err != nil {
		return nil, fmt.Errorf("evaluation: visible reports: %w", err)
	}
	defer rows.Close()
	var list []WorkReport
	for rows.Next() {
		w, err := scanReport(rows, lang)
		if err != nil {
			return nil, fmt.Errorf("evaluation: scan report: %w", err)
		}
		list = append(list, w)
	}
	return list, rows.Err()
}
