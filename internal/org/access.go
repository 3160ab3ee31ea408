package org

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/store"
)

// Role is what an account may do on an organization and everything below it.
type Role string

const (
	RoleAdmin   Role = "admin"   // manages the organization and grants roles in it
	RoleManager Role = "manager" // party-affairs work: rosters, meetings, development, transfers
	RoleViewer  Role = "viewer"  // reads everything in the subtree, personal data masked
)

// Roles lists the roles, strongest first.
func Roles() []Role { return []Role{RoleAdmin, RoleManager, RoleViewer} }

// Valid tells whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleManager || r == RoleViewer }

// Right is one thing a caller may want to do.
type Right int

const (
	View       Right = iota // read the organization, its people (masked) and records
	Manage                  // change people, posts, records; see personal data on request
	Administer              // change the organization itself and grant roles
)

// rolesWith lists the roles that carry a right. They are constants, never user input,
// so they are written into the SQL.
func rolesWith(r Right) string {
	switch r {
	case Administer:
		return `'admin'`
	case Manage:
		return `'admin', 'manager'`
	}
	return `'admin', 'manager', 'viewer'`
}

// Can answers, for every handler, whether an account may exercise a right on an
// organization: a system administrator may do anything, anyone else needs a role
// carrying the right on the organization or one of its ancestors.
func (s *Service) Can(ctx context.Context, a auth.Account, r Right, orgID int64) (bool, error) {
	if a.IsAdmin {
		return true, nil
	}
	if a.ID == 0 {
		return false, nil
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM role_grants g
		JOIN org_tree t ON t.ancestor_id = g.org_id
		WHERE g.account_id = $1 AND t.org_id = $2 AND g.role IN (`+rolesWith(r)+`)`, a.ID, orgID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("org: access of %d to %d: %w", a.ID, orgID, err)
	}
	return n > 0, nil
}

// Scope is the set of organizations an account may exercise a right on, as a condition
// to push into SQL: lists filter in the database, never afterwards in Go.
type Scope struct {
	all       bool
	accountID int64
	right     Right
}

// ScopeOf returns the scope of an account for a right.
func ScopeOf(a auth.Account, r Right) Scope {
	return Scope{all: a.IsAdmin, accountID: a.ID, right: r}
}

// All tells whether the scope is every organization.
func (sc Scope) All() bool { return sc.all }

// Condition returns a SQL condition restricting column (an organization id) to the
// scope, using parameter number next for the account; args are to be appended.
func (sc Scope) Condition(column string, next int) (string, []any) {
	if sc.all {
		return "TRUE", nil
	}
	return column + ` IN (SELECT t.org_id FROM org_tree t JOIN role_grants g ON g.org_id = t.ancestor_id
		WHERE g.account_id = $` + strconv.Itoa(next) + ` AND g.role IN (` + rolesWith(sc.right) + `))`, []any{sc.accountID}
}

// Roots lists the highest organizations of an account's scope: where its tree begins.
func (s *Service) Roots(ctx context.Context, a auth.Account) ([]Org, error) {
	if a.IsAdmin {
		return scanOrgs(s.db.QueryContext(ctx, `SELECT `+orgColumns+orgFrom+`WHERE o.parent_id IS NULL ORDER BY o.id`))
	}
	// Granted organizations that have no granted ancestor of their own.
	return scanOrgs(s.db.QueryContext(ctx, `SELECT `+orgColumns+orgFrom+`
		WHERE o.id IN (SELECT org_id FROM role_grants WHERE account_id = $1)
		  AND NOT EXISTS (SELECT 1 FROM org_tree t JOIN role_grants g ON g.org_id = t.ancestor_id
		                  WHERE t.org_id = o.id AND t.distance > 0 AND g.account_id = $1)
		ORDER BY o.id`, a.ID))
}

// Grant is a role held by an account on an organization.
type Grant struct {
	ID        int64     `json:"id"`
	AccountID int64     `json:"account_id"`
	Username  string    `json:"username"`
	OrgID     int64     `json:"org_id"`
	OrgName   string    `json:"org_name"`
	Role      Role      `json:"role"`
	GrantedAt time.Time `json:"granted_at"`
}

// GrantRole gives an account a role on an organization.
func (s *Service) GrantRole(ctx context.Context, q store.Querier, accountID, orgID int64, role Role) error {
	return store.WriteIn(ctx, q, func(q store.Querier) error { return s.grantRole(ctx, q, accountID, orgID, role) })
}

func (s *Service) grantRole(ctx context.Context, q store.Querier, accountID, orgID int64, role Role) error {
	if !role.Valid() {
		return i18n.Invalid("role", "org.error.role")
	}
	// ON CONFLICT rather than catching the unique violation: on PostgreSQL a failed
	// statement aborts the caller's whole transaction.
	res, err := q.ExecContext(ctx, `INSERT INTO role_grants (account_id, org_id, role, granted_at, granted_by)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, org_id, role) DO NOTHING`,
		accountID, orgID, role, s.now(), nullID(audit.ActorFrom(ctx).AccountID))
	if err != nil {
		return fmt.Errorf("org: grant %s on %d to %d: %w", role, orgID, accountID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("org: grant %s on %d to %d: %w", role, orgID, accountID, err)
	} else if n == 0 {
		return nil // already held: granting twice changes nothing
	}
	return audit.Record(ctx, q, "grant", "role", fmt.Sprintf("%d:%d", accountID, orgID), nil, map[string]any{"role": role})
}

// RevokeRole takes a role away.
func (s *Service) RevokeRole(ctx context.Context, grantID int64) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		var g Grant
		err := tx.QueryRowContext(ctx, `SELECT account_id, org_id, role FROM role_grants WHERE id = $1`, grantID).Scan(&g.AccountID, &g.OrgID, &g.Role)
		if err != nil {
			return store.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM role_grants WHERE id = $1`, grantID); err != nil {
			return fmt.Errorf("org: revoke grant %d: %w", grantID, err)
		}
		return audit.Record(ctx, tx, "revoke", "role", fmt.Sprintf("%d:%d", g.AccountID, g.OrgID), map[string]any{"role": g.Role}, nil)
	})
}

// Grants lists the roles held on an organization itself (not inherited ones).
func (s *Service) Grants(ctx context.Context, orgID int64) ([]Grant, error) {
	return s.grants(ctx, `WHERE g.org_id = $1`, orgID)
}

// GrantsOf lists the roles an account holds.
func (s *Service) GrantsOf(ctx context.Context, accountID int64) ([]Grant, error) {
	return s.grants(ctx, `WHERE g.account_id = $1`, accountID)
}

func (s *Service) grants(ctx context.Context, where string, arg int64) ([]Grant, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT g.id, g.account_id, a.username, g.org_id, o.name, g.role, g.granted_at
		FROM role_grants g JOIN accounts a ON a.id = g.account_id JOIN orgs o ON o.id = g.org_id `+where+` ORDER BY g.id`, arg)
	if err != nil {
		return nil, fmt.Errorf("org: list grants: %w", err)
	}
	defer rows.Close()
	var list []Grant
	for rows.Next() {
		var g Grant
		if err := rows.Scan(&g.ID, &g.AccountID, &g.Username, &g.OrgID, &g.OrgName, &g.Role, &g.GrantedAt); err != nil {
			return nil, fmt.Errorf("org: scan grant: %w", err)
		}
		list = append(list, g)
	}
	return list, rows.Err()
}

// Search finds organizations by name inside a scope, for pickers.
func (s *Service) Search(ctx context.Context, sc Scope, query string, limit int) ([]Org, error) {
	cond, args := sc.Condition("o.id", 2)
	like := "%" + strings.NewReplacer("%", "", "_", "").Replace(strings.TrimSpace(query)) + "%"
	return scanOrgs(s.db.QueryContext(ctx, `SELECT `+orgColumns+orgFrom+`
		WHERE (LOWER(o.name) LIKE LOWER($1) OR LOWER(o.name_en) LIKE LOWER($1)) AND o.dissolved_at IS NULL AND `+cond+`
		ORDER BY o.depth, o.id LIMIT `+strconv.Itoa(limit), append([]any{like}, args...)...))
}
