package oversight

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"vanguard/internal/member"
)

// devStages are the stages the development report counts, in the order of the way.
var devStages = []member.Stage{member.StageApplicant, member.StageActivist, member.StageCandidate,
	member.StageProbationary, member.StageFull}

// development fills the membership development summary: per organization, the people
// at each stage on the last day of the period (where they stood by their dated steps,
// in the organization they belonged to that day), how many entered each stage during
// the period (entering probation is admission, entering full membership confirmation),
// and the next steps overdue by the period's end.
func (s *Reports) development(ctx context.Context, orgID int64, p Period, index map[int64]int, rows []Row) ([]Column, error) {
	var cols []Column
	for _, st := range devStages {
		cols = append(cols, Column{Key: "at_end." + string(st)})
	}
	for _, st := range devStages {
		key := "entered." + string(st)
		switch st {
		case member.StageProbationary:
			key = "admitted"
		case member.StageFull:
			key = "confirmed"
		}
		cols = append(cols, Column{Key: key})
	}
	overdue := len(cols)
	cols = append(cols, Column{Key: "steps_overdue"})
	ensure(rows, len(cols))
	stageCol := map[member.Stage]int{}
	for i, st := range devStages {
		stageCol[st] = i
	}
	from, to := Bounds(p)
	first, last := dateOnly(from), dateOnly(to.Add(-time.Second))

	// Where everyone stood on the last day: their latest step dated on or before it, in
	// the organization they belonged to that day.
	rs, err := s.db.QueryContext(ctx, `SELECT m.org_id, e.to_stage, COUNT(*)
		FROM org_tree t JOIN person_orgs m ON m.org_id = t.org_id
		JOIN stage_events e ON e.person_id = m.person_id
		WHERE t.ancestor_id = $1 AND m.started_on <= $2 AND (m.ended_on IS NULL OR m.ended_on > $2)
		  AND e.id = (SELECT x.id FROM stage_events x WHERE x.person_id = m.person_id AND x.on_date <= $2
		              ORDER BY x.on_date DESC, x.id DESC LIMIT 1)
		GROUP BY m.org_id, e.to_stage`, orgID, last)
	if err != nil {
		return nil, fmt.Errorf("oversight: stages of %d at %s: %w", orgID, p.Name, err)
	}
	if err := scanStages(rs, index, rows, func(st member.Stage) (int, bool) { c, ok := stageCol[st]; return c, ok }); err != nil {
		return nil, fmt.Errorf("oversight: stages of %d at %s: %w", orgID, p.Name, err)
	}

	// Steps into a stage dated in the period, counted for the organization the person
	// belonged to when the step was recorded. An extension or an approval keeps the stage
	// and is not an entry.
	rs, err = s.db.QueryContext(ctx, `SELECT e.org_id, e.to_stage, COUNT(*)
		FROM org_tree t JOIN stage_events e ON e.org_id = t.org_id
		WHERE t.ancestor_id = $1 AND e.on_date >= $2 AND e.on_date <= $3 AND e.to_stage <> e.from_stage
		GROUP BY e.org_id, e.to_stage`, orgID, first, last)
	if err != nil {
		return nil, fmt.Errorf("oversight: steps of %d in %s: %w", orgID, p.Name, err)
	}
	if err := scanStages(rs, index, rows, func(st member.Stage) (int, bool) {
		c, ok := stageCol[st]
		return c + len(devStages), ok
	}); err != nil {
		return nil, fmt.Errorf("oversight: steps of %d in %s: %w", orgID, p.Name, err)
	}

	// Overdue steps are judged on the people's dossiers as they stand, on the period's
	// last day or today, whichever comes first: a dossier keeps no history of itself, so
	// for a past period this is how far behind those still on the way were then.
	ref := last
	if today := dateOnly(s.now()); today.Before(ref) {
		ref = today
	}
	if err := s.overdueSteps(ctx, orgID, ref, index, rows, overdue); err != nil {
		return nil, err
	}
	return cols, nil
}

func scanStages(rs *sql.Rows, index map[int64]int, rows []Row, col func(member.Stage) (int, bool)) error {
	defer rs.Close()
	for rs.Next() {
		var id sql.NullInt64
		var st member.Stage
		var n int
		if err := rs.Scan(&id, &st, &n); err != nil {
			return err
		}
		i, ok := index[id.Int64]
		c, known := col(st)
		if !ok || !known {
			continue
		}
		rows[i].Values[c] += float64(n)
	}
	return rs.Err()
}

// overdueSteps counts, per organization, the people on the way to membership whose next
// step (member.NextStep, after the development regulation) is overdue on ref.
func (s *Reports) overdueSteps(ctx context.Context, orgID int64, ref time.Time, index map[int64]int, rows []Row, col int) error {
	rs, err := s.db.QueryContext(ctx, `SELECT p.org_id, p.stage, p.birth_date, p.stage_since, p.applied_at, p.talked_at,
		p.activist_since, p.candidate_since, p.political_review_done, p.training_hours, p.admitted_at, p.approved_at, p.extension_months,
		(SELECT COUNT(*) FROM person_links l WHERE l.person_id = p.id AND l.kind = 'contact'),
		(SELECT COUNT(*) FROM person_links l JOIN people i ON i.id = l.other_id WHERE l.person_id = p.id AND l.kind = 'introducer' AND i.stage = 'full')
		FROM org_tree t JOIN people p ON p.org_id = t.org_id
		WHERE t.ancestor_id = $1 AND p.stage IN ('applicant', 'activist', 'candidate', 'probationary')`, orgID)
	if err != nil {
		return fmt.Errorf("oversight: dossiers of %d: %w", orgID, err)
	}
	defer rs.Close()
	for rs.Next() {
		var id int64
		var d member.Dossier
		var birth, since, applied, talked, activist, candidate, admitted, approved sql.NullTime
		if err := rs.Scan(&id, &d.Stage, &birth, &since, &applied, &talked, &activist, &candidate,
			&d.PoliticalReviewDone, &d.TrainingHours, &admitted, &approved, &d.ExtensionMonths, &d.ContactMembers, &d.Introducers); err != nil {
			return fmt.Errorf("oversight: scan dossier: %w", err)
		}
		d.BirthDate, d.StageSince, d.AppliedAt, d.TalkedAt = birth.Time, since.Time, applied.Time, talked.Time
		d.ActivistSince, d.CandidateSince, d.AdmittedAt, d.ApprovedAt = activist.Time, candidate.Time, admitted.Time, approved.Time
		i, ok := index[id]
		if !ok {
			continue
		}
		if step, ok := member.NextStep(d, ref); ok && step.Overdue {
			rows[i].Values[col]++
		}
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("oversight: dossiers of %d: %w", orgID, err)
	}
	return nil
}
