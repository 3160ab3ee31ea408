package evaluation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// RoundStatus is where a round stands: open for self-assessment and scoring, or closed.
type RoundStatus string

const (
	RoundOpen   RoundStatus = "open"
	RoundClosed RoundStatus = "closed"
)

// Key is the catalog key of the status's name.
func (st RoundStatus) Key() string { return "evaluation.round_status." + string(st) }

// Round applies a template to the subjects of an organization's subtree for a year.
type Round struct {
	ID         int64       `json:"id"`
	TemplateID int64       `json:"template_id"`
	Template   Template    `json:"-"`
	OrgID      int64       `json:"org_id"`
	OrgName    string      `json:"org_name"`
	Title      string      `json:"title"`
	Year       int         `json:"year"`
	Deadline   time.Time   `json:"deadline"`
	Status     RoundStatus `json:"status"`
	CreatedAt  time.Time   `json:"created_at"`
	Subjects   int         `json:"subjects"`
	Scored     int         `json:"scored"` // subjects with every item scored by an assessor
}

// Overdue tells whether the round is past its deadline with subjects left unscored.
func (r Round) Overdue(now time.Time) bool {
	return r.Status == RoundOpen && day(now).After(r.Deadline) && r.Scored < r.Subjects
}

// NewRound is what CreateRound needs. With no subjects named, the round takes every
// branch of the organization's subtree (an organization template) or every member of it
// (a person template).
type NewRound struct {
	TemplateID int64
	OrgID      int64
	Title      string
	Year       int
	Deadline   time.Time
	OrgIDs     []int64
	PersonIDs  []int64
}

func (n *NewRound) validate() i18n.Errors {
	var errs i18n.Errors
	n.Title = clean(n.Title)
	if n.Title == "" {
		errs = append(errs, i18n.Invalid("title", "error.required"))
	} else if len([]rune(n.Title)) > maxTitle {
		errs = append(errs, i18n.Invalid("title", "evaluation.error.too_long", "max", maxTitle))
	}
	if n.Year < 2000 || n.Year > 2999 {
		errs = append(errs, i18n.Invalid("year", "evaluation.error.year"))
	}
	if n.Deadline.IsZero() {
		errs = append(errs, i18n.Invalid("deadline", "error.required"))
	}
	if n.TemplateID == 0 {
		errs = append(errs, i18n.Invalid("template_id", "error.required"))
	}
	if n.OrgID == 0 {
		errs = append(errs, i18n.Invalid("org_id", "error.required"))
	}
	return errs
}

// CreateRound starts a round. The caller needs Manage on its organization; the template
// must be a built-in or one made for the organization or above; every subject must be
// inside the organization's subtree.
func (s *Service) CreateRound(ctx context.Context, c Caller, n NewRound) (Round, error) {
	if errs := n.validate(); len(errs) > 0 {
		return Round{}, errs
	}
	ok, err := s.orgs.Can(ctx, c.Account, org.Manage, n.OrgID)
	if err != nil {
		return Round{}, err
	}
	if !ok {
		return Round{}, i18n.Invalid("org_id", "evaluation.error.org_scope")
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		t, err := s.template(ctx, tx, n.TemplateID)
		if errors.Is(err, store.ErrNotFound) {
			return i18n.Invalid("template_id", "evaluation.error.template")
		}
		if err != nil {
			return err
		}
		if ok, err := s.usable(ctx, tx, t, n.OrgID); err != nil {
			return err
		} else if !ok {
			return i18n.Invalid("template_id", "evaluation.error.template")
		}
		now := s.now().UTC()
		if err := tx.QueryRowContext(ctx, `INSERT INTO eval_rounds (template_id, org_id, title, year, deadline, status, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, t.ID, n.OrgID, n.Title, n.Year, day(n.Deadline), RoundOpen,
			nullID(c.Account.ID), now).Scan(&id); err != nil {
			return fmt.Errorf("evaluation: create round: %w", err)
		}
		if err := s.addSubjects(ctx, tx, id, t.Subject, n, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "create", "eval_round", id, nil, map[string]any{"title": n.Title, "template": t.Key, "version": t.Version})
	})
	if err != nil {
		return Round{}, err
	}
	return s.Round(ctx, id)
}

// addSubjects adds the round's subjects, checking that each lies in the subtree.
func (s *Service) addSubjects(ctx context.Context, tx *store.Tx, roundID int64, subject Subject, n NewRound, now time.Time) error {
	column, field, ids := "subject_org_id", "org_ids", n.OrgIDs
	inside := `SELECT COUNT(*) FROM org_tree t JOIN orgs o ON o.id = t.org_id WHERE t.ancestor_id = $1 AND o.id = $2 AND o.dissolved_at IS NULL`
	all := `SELECT o.id FROM org_tree t JOIN orgs o ON o.id = t.org_id WHERE t.ancestor_id = $1 AND o.kind = 'branch' AND o.dissolved_at IS NULL ORDER BY o.id`
	if subject == SubjectPerson {
		column, field, ids = "subject_person_id", "person_ids", n.PersonIDs
		inside = `SELECT COUNT(*) FROM people p JOIN org_tree t ON t.org_id = p.org_id WHERE t.ancestor_id = $1 AND p.id = $2`
		all = `SELECT p.id FROM people p JOIN org_tree t ON t.org_id = p.org_id WHERE t.ancestor_id = $1
			AND p.stage IN ('full', 'probationary') ORDER BY p.id`
	}
	if len(ids) == 0 {
		rows, err := tx.QueryContext(ctx, all, n.OrgID)
		if err != nil {
			return fmt.Errorf("evaluation: subjects of round %d: %w", roundID, err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	} else {
		for i, id := range ids {
			var k int
			if err := tx.QueryRowContext(ctx, inside, n.OrgID, id).Scan(&k); err != nil {
				return fmt.Errorf("evaluation: subject %d: %w", id, err)
			}
			if k == 0 {
				return i18n.InRow(i+1, field, "evaluation.error.subject_scope", "id", id)
			}
		}
	}
	if len(ids) == 0 {
		return i18n.Invalid(field, "evaluation.error.no_subjects")
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO assessments (round_id, `+column+`, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, roundID, id, now); err != nil {
			return fmt.Errorf("evaluation: subject %d of round %d: %w", id, roundID, err)
		}
	}
	return nil
}

const roundColumns = `r.id, r.template_id, r.org_id, o.name, o.name_en, r.title, r.year, r.deadline, r.status, r.created_at,
	(SELECT COUNT(*) FROM assessments a WHERE a.round_id = r.id),
	(SELECT COUNT(*) FROM assessments a WHERE a.round_id = r.id
	   AND a.scored = (SELECT COUNT(*) FROM eval_items i WHERE i.template_id = r.template_id))`

func scanRound(row interface{ Scan(...any) error }, lang string) (Round, error) {
	var r Round
	var nameEn string
	err := row.Scan(&r.ID, &r.TemplateID, &r.OrgID, &r.OrgName, &nameEn, &r.Title, &r.Year, &r.Deadline, &r.Status, &r.CreatedAt,
		&r.Subjects, &r.Scored)
	if lang == "en" && nameEn != "" {
		r.OrgName = nameEn
	}
	return r, err
}

// Round reads a round with its template. It does not check access: see Visible.
func (s *Service) Round(ctx context.Context, id int64) (Round, error) { return s.round(ctx, s.db, id) }

func (s *Service) round(ctx context.Context, q store.Querier, id int64) (Round, error) {
	r, err := scanRound(q.QueryRowContext(ctx, `SELECT `+roundColumns+` FROM eval_rounds r JOIN orgs o ON o.id = r.org_id WHERE r.id = $1`, id), "")
	if errors.Is(err, sql.ErrNoRows) {
		return r, store.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("evaluation: round %d: %w", id, err)
	}
	r.Template, err = s.template(ctx, q, r.TemplateID)
	return r, err
}

// RoundAccess is what a caller may do with a round.
type RoundAccess struct {
	View     bool // read the dashboard and every assessment
	Organize bool // score, close, open and re-check rectifications
}

// AccessToRound answers what a caller may do with a round.
func (s *Service) AccessToRound(ctx context.Context, c Caller, r Round) (RoundAccess, error) {
	var a RoundAccess
	var err error
	if a.View, err = s.orgs.Can(ctx, c.Account, org.View, r.OrgID); err != nil || !a.View {
		return a, err
	}
	a.Organize, err = s.orgs.Can(ctx, c.Account, org.Manage, r.OrgID)
	return a, err
}

// RoundFilter narrows a list of rounds.
type RoundFilter struct {
	OrgID int64 // rounds of this organization and those below it
	Year  int
}

// Rounds lists the rounds a caller may read, newest first: those of organizations in their
// View scope, and those in which they or an organization they manage are a subject.
func (s *Service) Rounds(ctx context.Context, c Caller, f RoundFilter, lang string) ([]Round, error) {
	view, args := org.ScopeOf(c.Account, org.View).Condition("r.org_id", 1)
	manage, margs := org.ScopeOf(c.Account, org.Manage).Condition("a.subject_org_id", len(args)+1)
	args = append(args, margs...)
	args = append(args, c.PersonID())
	where := []string{`(` + view + ` OR r.id IN (SELECT a.round_id FROM assessments a WHERE ` + manage +
		` OR a.subject_person_id = $` + strconv.Itoa(len(args)) + `))`}
	if f.OrgID != 0 {
		args = append(args, f.OrgID)
		where = append(where, `r.org_id IN (SELECT org_id FROM org_tree WHERE ancestor_id = $`+strconv.Itoa(len(args))+`)`)
	}
	if f.Year != 0 {
		args = append(args, f.Year)
		where = append(where, `r.year = $`+strconv.Itoa(len(args)))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+roundColumns+` FROM eval_rounds r JOIN orgs o ON o.id = r.org_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY r.year DESC, r.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("evaluation: list rounds: %w", err)
	}
	defer rows.Close()
	var list []Round
	for rows.Next() {
		r, err := scanRound(rows, lang)
		if err != nil {
			return nil, fmt.Errorf("evaluation: scan round: %w", err)
		}
		list = append(list, r)
	}
	return list, rows.Err()
}

// CloseRound closes a round: nothing in it can be changed afterwards, except its
// rectifications, which outlive it.
func (s *Service) CloseRound(ctx context.Context, c Caller, id int64) (Round, error) {
	r, err := s.Round(ctx, id)
	if err != nil {
		return r, err
	}
	if a, err := s.AccessToRound(ctx, c, r); err != nil {
		return r, err
	} else if !a.View {
		return r, store.ErrNotFound
	} else if !a.Organize {
		return r, ErrForbidden
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE eval_rounds SET status = $1, closed_at = $2 WHERE id = $3 AND status = $4`,
			RoundClosed, s.now().UTC(), id, RoundOpen)
		if err != nil {
			return fmt.Errorf("evaluation: close round %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return i18n.Invalid("status", "evaluation.error.closed")
		}
		return audit.Record(ctx, tx, "close", "eval_round", id, map[string]any{"status": RoundOpen}, map[string]any{"status": RoundClosed})
	})
	if err != nil {
		return r, err
	}
	return s.Round(ctx, id)
}

// OwnAssessment finds the caller's own assessment in a round — of an organization they
// manage, or of themselves — for a subject who follows a link to a round they cannot
// read as a whole. store.ErrNotFound when there is none.
func (s *Service) OwnAssessment(ctx context.Context, c Caller, roundID int64) (int64, error) {
	cond, args := org.ScopeOf(c.Account, org.Manage).Condition("a.subject_org_id", 3)
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT a.id FROM assessments a WHERE a.round_id = $1
		AND (a.subject_person_id = $2 OR `+cond+`) ORDER BY a.id LIMIT 1`, append([]any{roundID, c.PersonID()}, args...)...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, store.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("evaluation: own assessment in %d: %w", roundID, err)
	}
	return id, nil
}
