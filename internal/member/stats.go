package member

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Read-only counts for the pages. Each is one GROUP BY over the people of a subtree,
// found through the closure table, so its cost follows the number of people counted.

// StageCounts counts the people of an organization and everything below it by stage.
func (s *Service) StageCounts(ctx context.Context, orgID int64) (map[Stage]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.stage, COUNT(*) FROM people p
		WHERE p.org_id IN (SELECT org_id FROM org_tree WHERE ancestor_id = $1) GROUP BY p.stage`, orgID)
	if err != nil {
		return nil, fmt.Errorf("member: count stages under %d: %w", orgID, err)
	}
	defer rows.Close()
	counts := map[Stage]int{}
	for rows.Next() {
		var st Stage
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("member: scan stage count: %w", err)
		}
		counts[st] = n
	}
	return counts, rows.Err()
}

// MemberCounts counts the party members (probationary and full) of each organization
// with everything below it, for a list of organizations at once.
func (s *Service) MemberCounts(ctx context.Context, orgIDs []int64) (map[int64]int, error) {
	counts := map[int64]int{}
	if len(orgIDs) == 0 {
		return counts, nil
	}
	marks := make([]string, len(orgIDs))
	args := make([]any, len(orgIDs))
	for i, id := range orgIDs {
		marks[i] = "$" + strconv.Itoa(i+1)
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT t.ancestor_id, COUNT(*) FROM org_tree t JOIN people p ON p.org_id = t.org_id
		WHERE t.ancestor_id IN (`+strings.Join(marks, ", ")+`) AND p.stage IN ('probationary', 'full')
		GROUP BY t.ancestor_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("member: count members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("member: scan member count: %w", err)
		}
		counts[id] = n
	}
	return counts, rows.Err()
}
