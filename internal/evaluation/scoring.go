package evaluation

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// ScoreInput is what is entered for an item: a value whose meaning follows the item's
// method (a score, a count of occurrences, 1 or 0, a grade's index 0-3) and a comment.
type ScoreInput struct {
	Value   float64
	Comment string
}

// open loads an assessment and its round for a write by role, refusing what the caller
// may not do: an assessment they may not read is not found; one they may read but not
// score in that role is forbidden; a closed round is refused with a message.
func (s *Service) open(ctx context.Context, c Caller, id int64, role Role) (Round, Assessment, error) {
	a, err := s.Assessment(ctx, id, "")
	if err != nil {
		return Round{}, a, err
	}
	r, err := s.Round(ctx, a.RoundID)
	if err != nil {
		return r, a, err
	}
	acc, err := s.AccessTo(ctx, c, r, a)
	if err != nil {
		return r, a, err
	}
	if !acc.View {
		return r, a, store.ErrNotFound
	}
	if (role == RoleSelf && !acc.Self) || (role == RoleAssessor && !acc.Assess) {
		return r, a, ErrForbidden
	}
	if r.Status != RoundOpen {
		return r, a, i18n.Invalid("round", "evaluation.error.closed")
	}
	return r, a, nil
}

// ScoreItem records the caller's score of one item, as the subject (RoleSelf) or the
// assessor. An assessor's score keeps the suggestion made from the records beside it, and
// updates the assessment's total in the same transaction.
func (s *Service) ScoreItem(ctx context.Context, c Caller, id, itemID int64, role Role, in ScoreInput) (Assessment, error) {
	return s.ScoreItems(ctx, c, id, role, map[int64]ScoreInput{itemID: in})
}

// ScoreItems records several items at once, as a scoring form sends them: all of them or,
// when any is refused, none — each refusal naming the item's row on the checklist.
func (s *Service) ScoreItems(ctx context.Context, c Caller, id int64, role Role, scores map[int64]ScoreInput) (Assessment, error) {
	if role != RoleSelf && role != RoleAssessor {
		return Assessment{}, i18n.Invalid("role", "evaluation.error.role")
	}
	r, a, err := s.open(ctx, c, id, role)
	if err != nil {
		return a, err
	}
	type row struct {
		it      Item
		in      ScoreInput
		score   float64
		comment string
	}
	var rows []row
	var errs i18n.Errors
	for itemID, in := range scores {
		it, ok := r.Template.Item(itemID)
		if !ok {
			return a, i18n.Invalid("item", "evaluation.error.item")
		}
		score, err := it.ScoreOf(in.Value)
		if err != nil {
			var e *i18n.Error
			if errors.As(err, &e) {
				e.Row = it.Position
				errs = append(errs, e)
				continue
			}
			return a, err
		}
		comment := clean(in.Comment)
		if len([]rune(comment)) > maxText {
			errs = append(errs, i18n.InRow(it.Position, "comment", "evaluation.error.too_long", "max", maxText))
			continue
		}
		rows = append(rows, row{it, in, score, comment})
	}
	if len(errs) > 0 {
		if len(scores) == 1 {
			errs[0].Row = 0 // one item: the field alone says it
		}
		return a, errs
	}
	var sug map[int64]Suggestion
	if role == RoleAssessor {
		if sug, err = s.Suggest(ctx, r, a); err != nil {
			return a, err
		}
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		now := s.now().UTC()
		// The round's status is read again under the write: a close that committed after
		// open() looked must win.
		var status RoundStatus
		if err := tx.QueryRowContext(ctx, `SELECT status FROM eval_rounds WHERE id = $1`, r.ID).Scan(&status); err != nil {
			return err
		}
		if status != RoundOpen {
			return i18n.Invalid("round", "evaluation.error.closed")
		}
		for _, x := range rows {
			var suggested any
			if sg, ok := sug[x.it.ID]; ok {
				suggested = sg.Score
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO assessment_scores (assessment_id, item_id, role, value, score, suggested, comment, scored_by, scored_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
				ON CONFLICT (assessment_id, item_id, role) DO UPDATE SET value = excluded.value, score = excluded.score,
				  suggested = excluded.suggested, comment = excluded.comment, scored_by = excluded.scored_by, scored_at = excluded.scored_at`,
				id, x.it.ID, role, x.in.Value, x.score, suggested, x.comment, nullID(c.Account.ID), now); err != nil {
				return fmt.Errorf("evaluation: score item %d of %d: %w", x.it.ID, id, err)
			}
			if err := audit.Record(ctx, tx, "score", "assessment", id, nil,
				map[string]any{"item": x.it.ID, "role": role, "value": x.in.Value, "score": x.score}); err != nil {
				return err
			}
		}
		if role != RoleAssessor {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE assessments SET
			scored = (SELECT COUNT(*) FROM assessment_scores x WHERE x.assessment_id = $1 AND x.role = 'assessor'),
			total = (SELECT COALESCE(SUM(x.score), 0) FROM assessment_scores x WHERE x.assessment_id = $1 AND x.role = 'assessor'),
			updated_at = $2 WHERE id = $1`, id, now); err != nil {
			return fmt.Errorf("evaluation: total of %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return a, err
	}
	return s.Assessment(ctx, id, "")
}

// SubmitSelf hands in the subject's self-assessment with a summary note.
func (s *Service) SubmitSelf(ctx context.Context, c Caller, id int64, note string) (Assessment, error) {
	_, a, err := s.open(ctx, c, id, RoleSelf)
	if err != nil {
		return a, err
	}
	note = clean(note)
	if len([]rune(note)) > maxText {
		return a, i18n.Invalid("note", "evaluation.error.too_long", "max", maxText)
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE assessments SET self_note = $1, self_submitted_at = $2, updated_at = $2 WHERE id = $3`,
			note, now, id); err != nil {
			return fmt.Errorf("evaluation: self-assessment of %d: %w", id, err)
		}
		return audit.Record(ctx, tx, "self_assess", "assessment", id, nil, map[string]any{"note": note})
	})
	if err != nil {
		return a, err
	}
	return s.Assessment(ctx, id, "")
}

// Suggestion is a score computed from the records for an item: the value to enter, what it
// is worth, and the figures it was computed from (Done of Of).
type Suggestion struct {
	ItemID int64   `json:"item_id"`
	Source Source  `json:"source"`
	Value  float64 `json:"value"`
	Score  float64 `json:"score"`
	Done   int     `json:"done"`
	Of     int     `json:"of"`
}

// Suggest computes suggested scores for the items of an assessment that name a source,
// from the year's records: for an organization, the periods of organizational life held
// of those due, the attendance at its activities and the follow-up tasks due in the year
// that were closed and the members who reached a star's points; for a person, their
// attendance, their own tasks and their points (see pointsEvidence). An item whose
// records are empty (nothing was due) gets no suggestion.
func (s *Service) Suggest(ctx context.Context, r Round, a Assessment) (map[int64]Suggestion, error) {
	out := map[int64]Suggestion{}
	counts := map[Source][2]int{}
	for _, it := range r.Template.Items {
		if it.Source == "" {
			continue
		}
		done, of, ok := 0, 0, false
		if c, seen := counts[it.Source]; seen {
			done, of, ok = c[0], c[1], true
		} else {
			var err error
			done, of, err = s.evidence(ctx, r.Year, a, it.Source)
			if err != nil {
				return nil, err
			}
			counts[it.Source], ok = [2]int{done, of}, true
		}
		if !ok || of == 0 {
			continue
		}
		value := suggestedValue(it, done, of)
		score, err := it.ScoreOf(value)
		if err != nil {
			continue
		}
		out[it.ID] = Suggestion{ItemID: it.ID, Source: it.Source, Value: value, Score: score, Done: done, Of: of}
	}
	return out, nil
}

// suggestedValue turns a count of done of of into what the item's method takes.
func suggestedValue(it Item, done, of int) float64 {
	// A year's points may fall below zero through deductions; that is none of the mark.
	ratio := math.Max(0, math.Min(1, float64(done)/float64(of)))
	switch it.Method {
	case Deduction:
		return float64(min(of, max(0, of-done)))
	case YesNo:
		if ratio >= 1 {
			return 1
		}
		return 0
	case Graded:
		switch {
		case ratio >= 0.9:
			return 0
		case ratio >= 0.75:
			return 1
		case ratio >= 0.6:
			return 2
		}
		return 3
	}
	return round1(it.Max * ratio)
}

// evidence counts what a source measures for the subject in a year: done of of.
func (s *Service) evidence(ctx context.Context, year int, a Assessment, src Source) (int, int, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(1, 0, 0)
	switch src {
	case FromMeetings:
		if a.SubjectOrgID == 0 {
			return 0, 0, nil
		}
		cal, err := s.activities.Calendar(ctx, a.SubjectOrgID, year)
		if err != nil {
			return 0, 0, err
		}
		return cal.Total.Held, cal.Total.Due, nil
	case FromAttendance:
		var t activity.Tally
		var err error
		if a.SubjectOrgID != 0 {
			t, err = s.activities.OrgAttendance(ctx, a.SubjectOrgID, from, to)
		} else {
			t, err = s.activities.PersonAttendance(ctx, a.SubjectPersonID, from, to)
		}
		return t.Attended(), t.Expected(), err
	case FromPoints:
		return s.pointsEvidence(ctx, year, a)
	case FromTasks:
		// Every task of the subject: the caller's access was checked on the assessment.
		f := activity.TaskFilter{OrgID: a.SubjectOrgID, OwnerID: a.SubjectPersonID, DueBy: to.AddDate(0, 0, -1)}
		tasks, err := s.activities.Tasks(ctx, org.ScopeOf(auth.Account{IsAdmin: true}, org.View), f)
		if err != nil {
			return 0, 0, err
		}
		done, of := 0, 0
		for _, t := range tasks {
			if t.DueOn.Before(from) {
				continue
			}
			of++
			if t.ClosedAt != nil {
				done++
			}
		}
		return done, of, nil
	}
	return 0, 0, errors.New("evaluation: unknown source " + string(src))
}
