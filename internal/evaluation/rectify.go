package evaluation

import (
	"context"
	"database/sql"

	"fmt"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/store"
)

// RectStatus is where a rectification (整改) stands: check, fix, re-check.
type RectStatus string

const (
	RectOpen   RectStatus = "open"   // to be fixed by its owner
	RectFixed  RectStatus = "fixed"  // the owner says it is fixed; awaiting the re-check
	RectClosed RectStatus = "closed" // the re-check found it fixed
)

// Key is the catalog key of the status's name.
func (st RectStatus) Key() string { return "evaluation.rect_status." + string(st) }

// rectMoves is the table of allowed moves; a failed re-check sends a fix back to open.
var rectMoves = map[RectStatus][]RectStatus{
	RectOpen:  {RectFixed},
	RectFixed: {RectClosed, RectOpen},
}

func canMove(from, to RectStatus) bool {
	for _, s := range rectMoves[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Rectification is an item that lost points, to be fixed by an owner by a date.
type Rectification struct {
	ID           int64      `json:"id"`
	AssessmentID int64      `json:"assessment_id"`
	ItemID       int64      `json:"item_id"`
	Title        string     `json:"title"`
	OwnerID      int64      `json:"owner_id"`
	OwnerName    string     `json:"owner_name"`
	DueOn        time.Time  `json:"due_on"`
	Status       RectStatus `json:"status"`
	FixNote      string     `json:"fix_note,omitempty"`
	CheckNote    string     `json:"check_note,omitempty"`
	FixedAt      *time.Time `json:"fixed_at,omitempty"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
}

// Overdue tells whether a rectification not yet closed is past its due date.
func (r Rectification) Overdue(now time.Time) bool {
	return r.Status != RectClosed && day(now).After(r.DueOn)
}

// NewRectification is what OpenRectification needs.
type NewRectification struct {
	ItemID  int64
	Title   string
	OwnerID int64
	DueOn   time.Time
}

// OpenRectification turns an item that lost points into a rectification task. The caller
// is the round's organizer; the owner is a person of the round's subtree. A closed round
// still takes rectifications: they are what follows its results.
func (s *Service) OpenRectification(ctx context.Context, c Caller, assessmentID int64, n NewRectification) (Rectification, error) {
	a, err := s.Assessment(ctx, assessmentID, "")
	if err != nil {
		return Rectification{}, err
	}
	r, err := s.Round(ctx, a.RoundID)
	if err != nil {
		return Rectification{}, err
	}
	if acc, err := s.AccessTo(ctx, c, r, a); err != nil {
		return Rectification{}, err
	} else if !acc.View {
		return Rectification{}, store.ErrNotFound
	} else if !acc.Assess {
		return Rectification{}, ErrForbidden
	}
	var errs i18n.Errors
	it, ok := r.Template.Item(n.ItemID)
	lost := false
	for _, l := range a.Lost(r.Template) {
		lost = lost || l.Item.ID == n.ItemID
	}
	switch {
	case !ok:
		errs = append(errs, i18n.Invalid("item_id", "evaluation.error.item"))
	case !lost:
		errs = append(errs, i18n.Invalid("item_id", "evaluation.error.not_lost"))
	}
	if n.Title = clean(n.Title); n.Title == "" {
		n.Title = it.Title
	}
	if n.DueOn.IsZero() {
		errs = append(errs, i18n.Invalid("due_on", "error.required"))
	}
	var inside int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM people p JOIN org_tree t ON t.org_id = p.org_id
		WHERE t.ancestor_id = $1 AND p.id = $2`, r.OrgID, n.OwnerID).Scan(&inside); err != nil {
		return Rectification{}, fmt.Errorf("evaluation: owner %d: %w", n.OwnerID, err)
	}
	if inside == 0 {
		errs = append(errs, i18n.Invalid("owner_id", "evaluation.error.owner"))
	}
	if len(errs) > 0 {
		return Rectification{}, errs
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO rectifications (assessment_id, item_id, title, owner_id, due_on, status, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, assessmentID, n.ItemID, n.Title, n.OwnerID, day(n.DueOn), RectOpen,
			nullID(c.Account.ID), s.now().UTC()).Scan(&id); err != nil {
			return fmt.Errorf("evaluation: open rectification: %w", err)
		}
		return audit.Record(ctx, tx, "open", "rectification", id, nil, map[string]any{"assessment": assessmentID, "item": n.ItemID, "owner": n.OwnerID})
	})
	if err != nil {
		return Rectification{}, err
	}
	return s.Rectification(ctx, id)
}

// MoveRectification moves a rectification along: its owner (or anyone who may
// self-assess the subject) reports it fixed; the organizer's re-check closes it or sends
// it back to open. The note says what was done, or what the re-check found.
func (s *Service) MoveRectification(ctx context.Context, c Caller, id int64, to RectStatus, note string) (Rectification, error) {
	rc, err := s.Rectification(ctx, id)
	if err != nil {
		return rc, err
	}
	a, err := s.Assessment(ctx, rc.AssessmentID, "")
	if err != nil {
		return rc, err
	}
	r, err := s.Round(ctx, a.RoundID)
	if err != nil {
		return rc, err
	}
	acc, err := s.AccessTo(ctx, c, r, a)
	if err != nil {
		return rc, err
	}
	owner := c.PersonID() != 0 && c.PersonID() == rc.OwnerID
	if !acc.View && !owner {
		return rc, store.ErrNotFound
	}
	if to == RectFixed && !(owner || acc.Self || acc.Assess) || to != RectFixed && !acc.Assess {
		return rc, ErrForbidden
	}
	if !canMove(rc.Status, to) {
		return rc, i18n.Invalid("status", "evaluation.error.rect_move", "from", i18n.Msg(rc.Status.Key()), "to", i18n.Msg(to.Key()))
	}
	note = clean(note)
	if note == "" {
		return rc, i18n.Invalid("note", "error.required")
	}
	if len([]rune(note)) > maxText {
		return rc, i18n.Invalid("note", "evaluation.error.too_long", "max", maxText)
	}
	// A failed re-check clears fixed_at: the item is open again until the next fix.
	set, at := `fix_note = $1, fixed_at = $2`, any(s.now().UTC())
	switch to {
	case RectClosed:
		set = `check_note = $1, closed_at = $2`
	case RectOpen:
		set, at = `check_note = $1, fixed_at = $2`, nil
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE rectifications SET `+set+`, status = $4 WHERE id = $3 AND status = $5`,
			note, at, id, to, rc.Status)
		if err != nil {
			return fmt.Errorf("evaluation: move rectification %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return i18n.Invalid("status", "evaluation.error.rect_move", "from", i18n.Msg(rc.Status.Key()), "to", i18n.Msg(to.Key()))
		}
		return audit.Record(ctx, tx, "move", "rectification", id, map[string]any{"status": rc.Status}, map[string]any{"status": to, "note": note})
	})
	if err != nil {
		return rc, err
	}
	return s.Rectification(ctx, id)
}

const rectColumns = `r.id, r.assessment_id, r.item_id, r.title, r.owner_id, p.name, r.due_on, r.status, r.fix_note, r.check_note, r.fixed_at, r.closed_at`

// Rectification reads one rectification.
func (s *Service) Rectification(ctx context.Context, id int64) (Rectification, error) {
	list, err := s.rectifications(ctx, s.db, `r.id = $1`, id)
	if err != nil {
		return Rectification{}, err
	}
	if len(list) == 0 {
		return Rectification{}, store.ErrNotFound
	}
	return list[0], nil
}

func (s *Service) rectifications(ctx context.Context, q store.Querier, where string, arg int64) ([]Rectification, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+rectColumns+` FROM rectifications r JOIN people p ON p.id = r.owner_id WHERE `+where+` ORDER BY r.id`, arg)
	if err != nil {
		return nil, fmt.Errorf("evaluation: rectifications: %w", err)
	}
	defer rows.Close()
	var list []Rectification
	for rows.Next() {
		var rc Rectification
		var fixed, closed sql.NullTime
		if err := rows.Scan(&rc.ID, &rc.AssessmentID, &rc.ItemID, &rc.Title, &rc.OwnerID, &rc.OwnerName, &rc.DueOn, &rc.Status,
			&rc.FixNote, &rc.CheckNote, &fixed, &closed); err != nil {
			return nil, fmt.Errorf("evaluation: scan rectification: %w", err)
		}
		if fixed.Valid {
			rc.FixedAt = &fixed.Time
		}
		if closed.Valid {
			rc.ClosedAt = &closed.Time
		}
		list = append(list, rc)
	}
	return list, rows.Err()
}

// RoundRectifications lists the rectifications of a round's assessments.
func (s *Service) RoundRectifications(ctx context.Context, roundID int64) ([]Rectification, error) {
	return s.rectifications(ctx, s.db, `r.assessment_id IN (SELECT id FROM assessments WHERE round_id = $1)`, roundID)
}

// Owner is a person a rectification may be given to.
type Owner struct {
	ID   int64
	Name string
}

// Owners lists who may own a rectification of an assessment: the subject person, or the
// members of the subject organization.
func (s *Service) Owners(ctx context.Context, a Assessment) ([]Owner, error) {
	query, arg := `SELECT id, name FROM people WHERE id = $1`, a.SubjectPersonID
	if a.SubjectOrgID != 0 {
		query, arg = `SELECT p.id, p.name FROM people p JOIN org_tree t ON t.org_id = p.org_id
			WHERE t.ancestor_id = $1 AND p.stage IN ('full', 'probationary') ORDER BY p.id LIMIT 500`, a.SubjectOrgID
	}
	rows, err := s.db.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, fmt.Errorf("evaluation: owners of %d: %w", a.ID, err)
	}
	defer rows.Close()
	var list []Owner
	for rows.Next() {
		var o Owner
		if err := rows.Scan(&o.ID, &o.Name); err != nil {
			return nil, err
		}
		list = append(list, o)
	}
	return list, rows.Err()
}
