package org

import (
	"context"
	"fmt"
)

// Read-only questions the pages ask about the tree, kept apart from the writes.

// HoldsAnyRole tells whether an account holds a role on any organization, for a page to
// decide whether to offer the tree at all. It reads one index entry at most.
func (s *Service) HoldsAnyRole(ctx context.Context, accountID int64) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM role_grants WHERE account_id = $1 LIMIT 1) g`, accountID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("org: roles of %d: %w", accountID, err)
	}
	return n > 0, nil
}

// AlliancesOf lists the alliances an organization itself is a member of, without their
// members, resources and pairs (Alliance reads those for one alliance).
func (s *Service) AlliancesOf(ctx context.Context, orgID int64) ([]Alliance, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, a.name, a.name_en, a.agreement, a.founded_on FROM alliances a
		JOIN alliance_members m ON m.alliance_id = a.id WHERE m.org_id = $1 ORDER BY a.id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("org: alliances of %d: %w", orgID, err)
	}
	defer rows.Close()
	var list []Alliance
	for rows.Next() {
		a, err := scanAlliance(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, a)
	}
	return list, rows.Err()
}
