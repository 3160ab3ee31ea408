package oversight

import (
	"context"
	"fmt"
)

// learning fills the learning summary: per organization, the campaigns its members take
// part in that ran during the period; its members times those campaigns (a member in two
// campaigns is required twice) and how many of them met the campaign's targets by the
// end of the campaign or of the period, whichever came first; the courses its members
// completed, the quizzes they passed, and the hours of the lessons they completed in the
// period (the time a lesson's page recorded). People count for the organization they
// belong to now.
func (s *Reports) learning(ctx context.Context, orgID int64, p Period, index map[int64]int, rows []Row) ([]Column, error) {
	cols := []Column{{Key: "campaigns"}, {Key: "required"}, {Key: "completed"},
		{Key: "completion_rate", Rate: true, num: []int{2}, den: []int{1}},
		{Key: "courses_completed"}, {Key: "quiz_passes"}, {Key: "learning_hours", Decimals: 1}}
	ensure(rows, len(cols))
	from, to := Bounds(p)

	// A campaign reaches an organization when the organization or one above it takes
	// part; it ran in the period when it started before the period's end and ended after
	// its start.
	rs, err := s.db.QueryContext(ctx, `SELECT t.org_id, COUNT(DISTINCT c.id)
		FROM org_tree t JOIN org_tree up ON up.org_id = t.org_id
		JOIN campaign_orgs co ON co.org_id = up.ancestor_id JOIN campaigns c ON c.id = co.campaign_id
		WHERE t.ancestor_id = $1 AND c.starts_at < $3 AND c.ends_at > $2
		GROUP BY t.org_id`, orgID, from, to)
	if err != nil {
		return nil, fmt.Errorf("oversight: campaigns of %d in %s: %w", orgID, p.Name, err)
	}
	if err := scanInto(rs, index, rows, len(cols), 0); err != nil {
		return nil, fmt.Errorf("oversight: campaigns of %d in %s: %w", orgID, p.Name, err)
	}

	// Each member and campaign once, with whether the targets were met by the cut-off:
	// the courses completed before it and the campaign's activities attended that started
	// before it.
	rs, err = s.db.QueryContext(ctx, `SELECT x.org_id, COUNT(*), SUM(CASE WHEN x.courses >= x.target_courses AND x.activities >= x.target_activities THEN 1 ELSE 0 END)
		FROM (SELECT p.org_id, c.target_courses, c.target_activities,
		        (SELECT COUNT(*) FROM course_completions cc JOIN campaign_courses k ON k.course_id = cc.course_id
		         WHERE k.campaign_id = c.id AND cc.person_id = p.id AND cc.completed_at <= c.ends_at AND cc.completed_at < $3) AS courses,
		        (SELECT COUNT(*) FROM attendance a JOIN campaign_activities ka ON ka.activity_id = a.activity_id JOIN activities v ON v.id = a.activity_id
		         WHERE ka.campaign_id = c.id AND a.person_id = p.id AND a.status IN ('present', 'late') AND v.starts_at < $3) AS activities
		      FROM org_tree t JOIN people p ON p.org_id = t.org_id
		      JOIN campaigns c ON c.starts_at < $3 AND c.ends_at > $2
		      WHERE t.ancestor_id = $1 AND p.stage IN ('probationary', 'full')
		        AND EXISTS (SELECT 1 FROM org_tree up JOIN campaign_orgs co ON co.org_id = up.ancestor_id
		                    WHERE up.org_id = p.org_id AND co.campaign_id = c.id)) x
		GROUP BY x.org_id`, orgID, from, to)
	if err != nil {
		return nil, fmt.Errorf("oversight: campaign completion of %d in %s: %w", orgID, p.Name, err)
	}
	if err := scanInto(rs, index, rows, len(cols), 1, 2); err != nil {
		return nil, fmt.Errorf("oversight: campaign completion of %d in %s: %w", orgID, p.Name, err)
	}

	rs, err = s.db.QueryContext(ctx, `SELECT p.org_id, COUNT(*)
		FROM org_tree t JOIN people p ON p.org_id = t.org_id JOIN course_completions cc ON cc.person_id = p.id
		WHERE t.ancestor_id = $1 AND cc.completed_at >= $2 AND cc.completed_at < $3
		GROUP BY p.org_id`, orgID, from, to)
	if err != nil {
		return nil, fmt.Errorf("oversight: courses of %d in %s: %w", orgID, p.Name, err)
	}
	if err := scanInto(rs, index, rows, len(cols), 4); err != nil {
		return nil, fmt.Errorf("oversight: courses of %d in %s: %w", orgID, p.Name, err)
	}

	rs, err = s.db.QueryContext(ctx, `SELECT p.org_id, COUNT(*)
		FROM org_tree t JOIN people p ON p.org_id = t.org_id JOIN quiz_attempts q ON q.person_id = p.id
		WHERE t.ancestor_id = $1 AND q.passed AND q.submitted_at >= $2 AND q.submitted_at < $3
		GROUP BY p.org_id`, orgID, from, to)
	if err != nil {
		return nil, fmt.Errorf("oversight: quizzes of %d in %s: %w", orgID, p.Name, err)
	}
	if err := scanInto(rs, index, rows, len(cols), 5); err != nil {
		return nil, fmt.Errorf("oversight: quizzes of %d in %s: %w", orgID, p.Name, err)
	}

	rs, err = s.db.QueryContext(ctx, `SELECT p.org_id, SUM(lp.seconds)
		FROM org_tree t JOIN people p ON p.org_id = t.org_id JOIN lesson_progress lp ON lp.person_id = p.id
		WHERE t.ancestor_id = $1 AND lp.completed_at >= $2 AND lp.completed_at < $3
		GROUP BY p.org_id`, orgID, from, to)
	if err != nil {
		return nil, fmt.Errorf("oversight: learning time of %d in %s: %w", orgID, p.Name, err)
	}
	if err := scanInto(rs, index, rows, len(cols), 6); err != nil {
		return nil, fmt.Errorf("oversight: learning time of %d in %s: %w", orgID, p.Name, err)
	}
	for i := range rows {
		rows[i].Values[6] = float64(int(rows[i].Values[6]/360+0.5)) / 10 // seconds to hours, one decimal
	}
	return cols, nil
}
