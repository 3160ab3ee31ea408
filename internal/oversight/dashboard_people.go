package oversight

import (
	"context"
	"database/sql"
	"slices"
	"sort"

	"vanguard/internal/member"
)

// pipelineStages are the stages between application and full membership.
var pipelineStages = []member.Stage{member.StageApplicant, member.StageActivist, member.StageCandidate, member.StageProbationary}

// membership counts the people of the subtree by stage and child in one pass over the
// (organization, stage) index: members are probationary and full, the pipeline the
// stages before.
func (s *Service) membership(ctx context.Context, f *figures) error {
	// Counted per organization first, in the order of the index, and only then put under
	// the children: no sort of the subtree's people.
	rows, err := s.db.QueryContext(ctx, `SELECT COALESCE(c.ancestor_id, 0), g.stage, g.n FROM (
			SELECT t.org_id, t.distance, p.stage, COUNT(*) AS n FROM org_tree t JOIN people p ON p.org_id = t.org_id
			WHERE t.ancestor_id = $1 GROUP BY t.org_id, t.distance, p.stage) g
		LEFT JOIN org_tree c ON c.org_id = g.org_id AND c.distance = g.distance - 1`, f.d.OrgID)
	if err != nil {
		return wrap("stages", err)
	}
	defer rows.Close()
	stages := map[member.Stage]int{}
	for rows.Next() {
		var id int64
		var st member.Stage
		var n int
		if err := rows.Scan(&id, &st, &n); err != nil {
			return wrap("scan stages", err)
		}
		stages[st] += n
		ch := f.child(id)
		if st.IsMember() {
			f.d.Members += n
			if ch != nil {
				ch.Members += n
			}
		}
		// A probationary member is a member and still in development until confirmed.
		if slices.Contains(pipelineStages, st) && ch != nil {
			ch.Pipeline += n
		}
	}
	if err := rows.Err(); err != nil {
		return wrap("stages", err)
	}
	pl := &f.d.Pipeline
	for _, st := range pipelineStages {
		pl.Stages = append(pl.Stages, StageCount{Stage: st, Count: stages[st]})
		pl.Total += stages[st]
	}
	return nil
}

// pipeline finds the development steps past their deadline. Only two stages have
// deadlines (the talk within a month of the application; the approval within three
// months of admission and the confirmation at the end of probation), so only their
// people are read, and the rules themselves (member.NextStep) decide.
func (s *Service) pipeline(ctx context.Context, f *figures) error {
	rows, err := s.db.QueryContext(ctx, `SELECT COALESCE(c.ancestor_id, 0), p.id, p.stage, p.stage_since, p.applied_at, p.talked_at,
		p.admitted_at, p.approved_at, p.extension_months
		FROM org_tree t`+byChild+`JOIN people p ON p.org_id = t.org_id
		WHERE t.ancestor_id = $1 AND p.stage IN ('applicant', 'probationary')`, f.d.OrgID)
	if err != nil {
		return wrap("development steps", err)
	}
	defer rows.Close()
	today := s.now().In(beijing)
	steps := map[string]int{}
	for rows.Next() {
		var id, personID int64
		var d member.Dossier
		var since, applied, talked, admitted, approved sql.NullTime
		if err := rows.Scan(&id, &personID, &d.Stage, &since, &applied, &talked, &admitted, &approved, &d.ExtensionMonths); err != nil {
			return wrap("scan development step", err)
		}
		d.StageSince, d.AppliedAt, d.TalkedAt, d.AdmittedAt, d.ApprovedAt = since.Time, applied.Time, talked.Time, admitted.Time, approved.Time
		step, ok := member.NextStep(d, today)
		if !ok || !step.Overdue {
			continue
		}
		steps[step.Key]++
		f.d.Pipeline.Overdue++
		if ch := f.child(id); ch != nil {
			ch.OverdueSteps++
		}
		if p := f.person[personID]; p != nil {
			p.OverdueStep = step.Key
		}
	}
	if err := rows.Err(); err != nil {
		return wrap("development steps", err)
	}
	keys := make([]string, 0, len(steps))
	for k := range steps {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	f.d.Pipeline.OverdueSteps = []StatusCount{}
	for _, k := range keys {
		f.d.Pipeline.OverdueSteps = append(f.d.Pipeline.OverdueSteps, StatusCount{Status: k, Count: steps[k]})
	}
	return nil
}

// people lists the people of a branch or group (residents aside), by id, with their
// attendance and points in the period; their campaigns and overdue steps are added by the
// steps that read those for the whole subtree.
func (s *Service) people(ctx context.Context, f *figures) error {
	f.person = map[int64]*Person{}
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.name, p.stage FROM people p
		WHERE p.org_id = $1 AND p.stage <> 'resident' ORDER BY p.id`, f.d.OrgID)
	if err != nil {
		return wrap("people", err)
	}
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.PersonID, &p.Name, &p.Stage); err != nil {
			rows.Close()
			return wrap("scan person", err)
		}
		f.d.People = append(f.d.People, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return wrap("people", err)
	}
	for i := range f.d.People {
		f.person[f.d.People[i].PersonID] = &f.d.People[i]
	}
	if err := s.personAttendance(ctx, f); err != nil {
		return err
	}
	return s.personPoints(ctx, f)
}

// personAttendance counts each person's attendance at the activities held in the period,
// whoever hosted them.
func (s *Service) personAttendance(ctx context.Context, f *figures) error {
	rows, err := s.db.QueryContext(ctx, `SELECT x.person_id,
		COALESCE(SUM(CASE WHEN x.status IN ('present', 'late') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN x.status IN ('present', 'late', 'leave', 'absent') THEN 1 ELSE 0 END), 0)
		FROM people p JOIN attendance x ON x.person_id = p.id JOIN activities a ON a.id = x.activity_id
		WHERE p.org_id = $1 AND a.status = 'held' AND a.starts_at >= $2 AND a.starts_at < $3
		GROUP BY x.person_id`, f.d.OrgID, f.from, f.to)
	if err != nil {
		return wrap("people's attendance", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var attended, expected int
		if err := rows.Scan(&id, &attended, &expected); err != nil {
			return wrap("scan attendance", err)
		}
		if p := f.person[id]; p != nil {
			p.Attended, p.Expected = attended, expected
			if expected > 0 {
				p.AttendanceRate = float64(attended) / float64(expected)
			}
		}
	}
	return rows.Err()
}

// personPoints sums each person's ledger entries dated in the period.
func (s *Service) personPoints(ctx context.Context, f *figures) error {
	rows, err := s.db.QueryContext(ctx, `SELECT e.person_id, COALESCE(SUM(e.points), 0)
		FROM people p JOIN point_entries e ON e.person_id = p.id
		WHERE p.org_id = $1 AND e.day BETWEEN $2 AND $3 GROUP BY e.person_id`, f.d.OrgID, int(f.p.From), int(f.p.To))
	if err != nil {
		return wrap("people's points", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var total int
		if err := rows.Scan(&id, &total); err != nil {
			return wrap("scan points", err)
		}
		if p := f.person[id]; p != nil {
			p.Points = total
		}
	}
	return rows.Err()
}
