package evaluation

import (
	"context"
	"fmt"
	"strconv"

	"vanguard/internal/points"
	"vanguard/internal/store"
)

// pointsEvidence measures the points source for a subject in a year, against the yardstick
// of the star system (积分争星): the points of a year that earn one star at the subject's
// organization, as its administrators set them (or the nearest organization above that did).
//
//   - A person: their total of the year (reversals and deductions included) of that mark.
//   - An organization: how many of its members, full and probationary, in its subtree,
//     reached the mark, of how many there are — "members earn learning points".
//
// How many points a year are enough is each organization's own choice; where none set a
// yearly star threshold the platform does not invent one, so there is no suggestion (0 of
// 0) and the assessor scores by hand. A member or a branch with no entries gets a
// suggestion of 0: the yardstick exists and nothing reached it.
func (s *Service) pointsEvidence(ctx context.Context, year int, a Assessment) (int, int, error) {
	if s.ledger == nil {
		return 0, 0, nil
	}
	p, err := points.ParsePeriod(strconv.Itoa(year), s.now())
	if err != nil {
		return 0, 0, fmt.Errorf("evaluation: points period %d: %w", year, err)
	}
	orgID := a.SubjectOrgID
	if orgID == 0 {
		orgID = a.SubjectOrgOf
	}
	mark, err := s.oneStar(ctx, orgID)
	if err != nil || mark == 0 {
		return 0, 0, err
	}
	if a.SubjectOrgID == 0 {
		total, err := s.ledger.TotalIn(ctx, a.SubjectPersonID, p)
		return total, mark, err
	}
	members, err := s.membersOf(ctx, a.SubjectOrgID)
	if err != nil {
		return 0, 0, err
	}
	reached := 0
	// One read per member: a branch has tens of members and an assessment is scored by
	// hand, so this stays far below what a page costs.
	for _, id := range members {
		total, err := s.ledger.TotalIn(ctx, id, p)
		if err != nil {
			return 0, 0, err
		}
		if total >= mark {
			reached++
		}
	}
	return reached, len(members), nil
}

// oneStar is the least yearly total that earns a star at an organization, 0 when none is set.
func (s *Service) oneStar(ctx context.Context, orgID int64) (int, error) {
	ths, _, err := s.ledger.Thresholds(ctx, orgID, points.YearPeriod)
	if err != nil {
		return 0, fmt.Errorf("evaluation: star thresholds of %d: %w", orgID, err)
	}
	for _, th := range ths {
		if th.Stars == 1 {
			return th.Points, nil
		}
	}
	if len(ths) > 0 {
		return ths[0].Points, nil // the lowest level set, when it is not one star
	}
	return 0, nil
}

// membersOf lists the full and probationary members in an organization's subtree, the
// people a round of a person template would take.
func (s *Service) membersOf(ctx context.Context, orgID int64) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.id FROM people p JOIN org_tree t ON t.org_id = p.org_id
		WHERE t.ancestor_id = $1 AND p.stage IN ('full', 'probationary') ORDER BY p.id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("evaluation: members of %d: %w", orgID, err)
	}
	return store.IDs(rows)
}
