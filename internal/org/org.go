// Package org keeps the tree of party organizations — committees, general branches,
// branches and groups — with their host units, posts and alliances, and answers the
// platform's first security question: may this account do this to that organization.
package org

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
	"vanguard/internal/store"
)

// Kind is the kind of a party organization.
type Kind string

const (
	Committee     Kind = "committee"      // 党委 (also 工委, 党工委)
	GeneralBranch Kind = "general_branch" // 党总支
	Branch        Kind = "branch"         // 党支部
	Group         Kind = "group"          // 党小组
)

// Kinds lists the kinds from the top of a tree down.
func Kinds() []Kind { return []Kind{Committee, GeneralBranch, Branch, Group} }

// Valid tells whether k is a known kind.
func (k Kind) Valid() bool {
	for _, v := range Kinds() {
		if k == v {
			return true
		}
	}
	return false
}

// Key is the catalog key of the kind's name.
func (k Kind) Key() string { return "org.kind." + string(k) }

// mayContain says which kinds may sit directly under which, after the party
// constitution's structure: committees over general branches and branches, general
// branches over branches, branches over groups.
func mayContain(parent, child Kind) bool {
	switch parent {
	case Committee:
		return child == Committee || child == GeneralBranch || child == Branch
	case GeneralBranch:
		return child == Branch
	case Branch:
		return child == Group
	}
	return false
}

// Org is a party organization.
type Org struct {
	ID          int64      `json:"id"`
	ParentID    int64      `json:"parent_id,omitempty"`
	Kind        Kind       `json:"kind"`
	Name        string     `json:"name"`
	NameEn      string     `json:"name_en,omitempty"`
	Code        string     `json:"code,omitempty"`
	UnitID      int64      `json:"unit_id,omitempty"`
	UnitName    string     `json:"unit_name,omitempty"`
	Depth       int        `json:"depth"`
	CreatedAt   time.Time  `json:"created_at"`
	DissolvedAt *time.Time `json:"dissolved_at,omitempty"`
}

// DisplayName is the name in the reader's language, falling back to the Chinese name.
func (o Org) DisplayName(lang string) string {
	if lang == "en" && o.NameEn != "" {
		return o.NameEn
	}
	return o.Name
}

// Service is the organization service.
type Service struct {
	db  *store.DB
	now func() time.Time
}

// New builds the service.
func New(db *store.DB) *Service { return &Service{db: db, now: time.Now} }

// DB returns the service's database, for packages that join against the tree.
func (s *Service) DB() *store.DB { return s.db }

// Unit is a host unit: the enterprise, village, office or school an organization is in.
type Unit struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	NameEn string `json:"name_en,omitempty"`
	Kind   string `json:"kind"`
}

// UnitKinds are the kinds of host unit.
func UnitKinds() []string {
	return []string{"enterprise", "village", "community", "government", "school", "other"}
}

// CreateUnit adds a host unit.
func (s *Service) CreateUnit(ctx context.Context, q store.Querier, u Unit) (Unit, error) {
	var out Unit
	err := store.WriteIn(ctx, q, func(q store.Querier) error {
		var err error
		out, err = s.createUnit(ctx, q, u)
		return err
	})
	return out, err
}

func (s *Service) createUnit(ctx context.Context, q store.Querier, u Unit) (Unit, error) {
	u.Name = strings.TrimSpace(u.Name)
	if u.Name == "" {
		return u, i18n.Invalid("unit_name", "error.required")
	}
	if !validUnitKind(u.Kind) {
		return u, i18n.Invalid("unit_kind", "org.error.unit_kind")
	}
	err := q.QueryRowContext(ctx, `INSERT INTO units (name, name_en, kind, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		u.Name, u.NameEn, u.Kind, s.now()).Scan(&u.ID)
	if err != nil {
		return u, fmt.Errorf("org: create unit %s: %w", u.Name, err)
	}
	return u, audit.Record(ctx, q, "create", "unit", u.ID, nil, u)
}

func validUnitKind(k string) bool {
	for _, v := range UnitKinds() {
		if k == v {
			return true
		}
	}
	return false
}

// NewOrg is what Create needs.
type NewOrg struct {
	ParentID int64 // 0 for a root
	Kind     Kind
	Name     string
	NameEn   string
	Code     string
	UnitID   int64
}

// Create adds an organization under its parent, in its own transaction.
func (s *Service) Create(ctx context.Context, n NewOrg) (Org, error) {
	var o Org
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		o, err = s.createIn(ctx, tx, n)
		return err
	})
	return o, err
}

// CreateIn adds an organization inside the caller's transaction (imports, demo data).
func (s *Service) CreateIn(ctx context.Context, q store.Querier, n NewOrg) (Org, error) {
	var out Org
	err := store.WriteIn(ctx, q, func(q store.Querier) error {
		var err error
		out, err = s.createIn(ctx, q, n)
		return err
	})
	return out, err
}

func (s *Service) createIn(ctx context.Context, q store.Querier, n NewOrg) (Org, error) {
	n.Name, n.NameEn, n.Code = strings.TrimSpace(n.Name), strings.TrimSpace(n.NameEn), strings.TrimSpace(n.Code)
	var errs i18n.Errors
	if n.Name == "" {
		errs = append(errs, i18n.Invalid("name", "error.required"))
	}
	if !n.Kind.Valid() {
		errs = append(errs, i18n.Invalid("kind", "org.error.kind"))
	}
	depth := 0
	if n.ParentID != 0 {
		parent, err := s.get(ctx, q, n.ParentID)
		if errors.Is(err, store.ErrNotFound) {
			return Org{}, i18n.Invalid("parent_id", "org.error.parent_missing")
		}
		if err != nil {
			return Org{}, err
		}
		if parent.DissolvedAt != nil {
			errs = append(errs, i18n.Invalid("parent_id", "org.error.parent_dissolved"))
		}
		if n.Kind.Valid() && !mayContain(parent.Kind, n.Kind) {
			errs = append(errs, i18n.Invalid("kind", "org.error.kind_under",
				"kind", i18n.Msg(n.Kind.Key()), "parent", i18n.Msg(parent.Kind.Key())))
		}
		depth = parent.Depth + 1
	} else if n.Kind.Valid() && n.Kind != Committee {
		errs = append(errs, i18n.Invalid("kind", "org.error.root_kind"))
	}
	if len(errs) > 0 {
		return Org{}, errs
	}
	o := Org{ParentID: n.ParentID, Kind: n.Kind, Name: n.Name, NameEn: n.NameEn, Code: n.Code, UnitID: n.UnitID, Depth: depth, CreatedAt: s.now()}
	err := q.QueryRowContext(ctx, `INSERT INTO orgs (parent_id, kind, name, name_en, code, unit_id, depth, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		nullID(n.ParentID), n.Kind, n.Name, n.NameEn, nullString(n.Code), nullID(n.UnitID), depth, o.CreatedAt).Scan(&o.ID)
	if store.IsUniqueViolation(err) {
		return Org{}, i18n.Invalid("code", "org.error.code_taken", "code", n.Code)
	}
	if err != nil {
		return Org{}, fmt.Errorf("org: create %s: %w", n.Name, err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO org_tree (ancestor_id, org_id, distance)
		SELECT ancestor_id, CAST($1 AS BIGINT), distance + 1 FROM org_tree WHERE org_id = $2
		UNION ALL SELECT CAST($1 AS BIGINT), CAST($1 AS BIGINT), 0`, o.ID, n.ParentID)
	if err != nil {
		return Org{}, fmt.Errorf("org: link %d into the tree: %w", o.ID, err)
	}
	return o, audit.Record(ctx, q, "create", "org", o.ID, nil, o)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const orgColumns = `o.id, COALESCE(o.parent_id, 0), o.kind, o.name, o.name_en, COALESCE(o.code, ''),
	COALESCE(o.unit_id, 0), COALESCE(u.name, ''), o.depth, o.created_at, o.dissolved_at`

const orgFrom = ` FROM orgs o LEFT JOIN units u ON u.id = o.unit_id `

func scanOrg(row interface{ Scan(...any) error }) (Org, error) {
	var o Org
	var dissolved sql.NullTime
	err := row.Scan(&o.ID, &o.ParentID, &o.Kind, &o.Name, &o.NameEn, &o.Code, &o.UnitID, &o.UnitName, &o.Depth, &o.CreatedAt, &dissolved)
	if dissolved.Valid {
		o.DissolvedAt = &dissolved.Time
	}
	return o, err
}

func scanOrgs(rows *sql.Rows, err error) ([]Org, error) {
	if err != nil {
		return nil, fmt.Errorf("org: list: %w", err)
	}
	defer rows.Close()
	var list []Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, fmt.Errorf("org: scan: %w", err)
		}
		list = append(list, o)
	}
	return list, rows.Err()
}

// Get returns an organization by id. It does not check access: callers ask Can first.
func (s *Service) Get(ctx context.Context, id int64) (Org, error) { return s.get(ctx, s.db, id) }

func (s *Service) get(ctx context.Context, q store.Querier, id int64) (Org, error) {
	o, err := scanOrg(q.QueryRowContext(ctx, `SELECT `+orgColumns+orgFrom+`WHERE o.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Org{}, store.ErrNotFound
	}
	if err != nil {
		return Org{}, fmt.Errorf("org: get %d: %w", id, err)
	}
	return o, nil
}

// ByCode finds an organization by its roster code.
func (s *Service) ByCode(ctx context.Context, q store.Querier, code string) (Org, error) {
	o, err := scanOrg(q.QueryRowContext(ctx, `SELECT `+orgColumns+orgFrom+`WHERE o.code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Org{}, store.ErrNotFound
	}
	if err != nil {
		return Org{}, fmt.Errorf("org: by code %s: %w", code, err)
	}
	return o, nil
}

// Children lists the direct sub-organizations, the dissolved ones last.
func (s *Service) Children(ctx context.Context, id int64) ([]Org, error) {
	return scanOrgs(s.db.QueryContext(ctx, `SELECT `+orgColumns+orgFrom+`WHERE o.parent_id = $1
		ORDER BY o.dissolved_at IS NOT NULL, o.id`, id))
}

// Ancestors lists the organizations above id, the root first (for breadcrumbs).
func (s *Service) Ancestors(ctx context.Context, id int64) ([]Org, error) {
	return scanOrgs(s.db.QueryContext(ctx, `SELECT `+orgColumns+orgFrom+`
		JOIN org_tree t ON t.ancestor_id = o.id WHERE t.org_id = $1 AND t.distance > 0
		ORDER BY t.distance DESC`, id))
}

// InSubtree tells whether org lies in the subtree of root (root itself included).
func (s *Service) InSubtree(ctx context.Context, root, org int64) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_tree WHERE ancestor_id = $1 AND org_id = $2`, root, org).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("org: subtree test: %w", err)
	}
	return n > 0, nil
}

// SubtreeSize counts the living organizations under id, itself included.
func (s *Service) SubtreeSize(ctx context.Context, id int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_tree t JOIN orgs o ON o.id = t.org_id
		WHERE t.ancestor_id = $1 AND o.dissolved_at IS NULL`, id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("org: subtree size of %d: %w", id, err)
	}
	return n, nil
}

// Rename changes an organization's names.
func (s *Service) Rename(ctx context.Context, id int64, name, nameEn string) (Org, error) {
	name, nameEn = strings.TrimSpace(name), strings.TrimSpace(nameEn)
	if name == "" {
		return Org{}, i18n.Invalid("name", "error.required")
	}
	var after Org
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE orgs SET name = $1, name_en = $2 WHERE id = $3`, name, nameEn, id); err != nil {
			return fmt.Errorf("org: rename %d: %w", id, err)
		}
		after = before
		after.Name, after.NameEn = name, nameEn
		return audit.Record(ctx, tx, "rename", "org", id, before, after)
	})
	return after, err
}

// Move puts an organization, with its whole subtree, under a new parent.
func (s *Service) Move(ctx context.Context, id, newParent int64) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		o, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		parent, err := s.get(ctx, tx, newParent)
		if errors.Is(err, store.ErrNotFound) {
			return i18n.Invalid("parent_id", "org.error.parent_missing")
		}
		if err != nil {
			return err
		}
		var inside int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_tree WHERE ancestor_id = $1 AND org_id = $2`, id, newParent).Scan(&inside); err != nil {
			return fmt.Errorf("org: move %d: %w", id, err)
		}
		switch {
		case inside > 0:
			return i18n.Invalid("parent_id", "org.error.move_into_self")
		case parent.DissolvedAt != nil:
			return i18n.Invalid("parent_id", "org.error.parent_dissolved")
		case !mayContain(parent.Kind, o.Kind):
			return i18n.Invalid("parent_id", "org.error.kind_under", "kind", i18n.Msg(o.Kind.Key()), "parent", i18n.Msg(parent.Kind.Key()))
		}
		// Cut the subtree from its old ancestors, then hang it under every ancestor of the
		// new parent; the paths inside the subtree stay as they are.
		if _, err := tx.ExecContext(ctx, `DELETE FROM org_tree
			WHERE org_id IN (SELECT org_id FROM org_tree WHERE ancestor_id = $1)
			  AND ancestor_id NOT IN (SELECT org_id FROM org_tree WHERE ancestor_id = $1)`, id); err != nil {
			return fmt.Errorf("org: detach %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO org_tree (ancestor_id, org_id, distance)
			SELECT up.ancestor_id, down.org_id, up.distance + down.distance + 1
			FROM org_tree up, org_tree down WHERE up.org_id = $1 AND down.ancestor_id = $2`, newParent, id); err != nil {
			return fmt.Errorf("org: attach %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE orgs SET depth = depth + $1
			WHERE id IN (SELECT org_id FROM org_tree WHERE ancestor_id = $2)`, parent.Depth+1-o.Depth, id); err != nil {
			return fmt.Errorf("org: re-depth %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE orgs SET parent_id = $1 WHERE id = $2`, newParent, id); err != nil {
			return fmt.Errorf("org: move %d: %w", id, err)
		}
		// Caches of ancestor chains on every node (the points rankings) watch this row.
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('org.tree_version', $1)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strconv.FormatInt(time.Now().UnixNano(), 10)); err != nil {
			return fmt.Errorf("org: move %d: %w", id, err)
		}
		return audit.Record(ctx, tx, "move", "org", id, map[string]int64{"parent_id": o.ParentID}, map[string]int64{"parent_id": newParent})
	})
}

// Dissolve closes an organization. It stays in history — its meetings, members' past
// membership and reports still point at it — but takes no new members or sub-organizations.
// People still in it must be transferred first, and its living sub-organizations
// dissolved or moved.
func (s *Service) Dissolve(ctx context.Context, id int64, on time.Time) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		o, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if o.DissolvedAt != nil {
			return i18n.Invalid("", "org.error.already_dissolved")
		}
		var children, people int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs WHERE parent_id = $1 AND dissolved_at IS NULL`, id).Scan(&children); err != nil {
			return fmt.Errorf("org: dissolve %d: %w", id, err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM people WHERE org_id = $1`, id).Scan(&people); err != nil {
			return fmt.Errorf("org: dissolve %d: %w", id, err)
		}
		var errs i18n.Errors
		if children > 0 {
			errs = append(errs, i18n.Invalid("", "org.error.dissolve_children", "count", children))
		}
		if people > 0 {
			errs = append(errs, i18n.Invalid("", "org.error.dissolve_people", "count", people))
		}
		if len(errs) > 0 {
			return errs
		}
		if _, err := tx.ExecContext(ctx, `UPDATE orgs SET dissolved_at = $1 WHERE id = $2`, on, id); err != nil {
			return fmt.Errorf("org: dissolve %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET ended_on = $1 WHERE org_id = $2 AND ended_on IS NULL`, on, id); err != nil {
			return fmt.Errorf("org: end posts of %d: %w", id, err)
		}
		return audit.Record(ctx, tx, "dissolve", "org", id, o, map[string]any{"dissolved_at": on})
	})
}

// GetIn returns an organization inside the caller's transaction.
func (s *Service) GetIn(ctx context.Context, q store.Querier, id int64) (Org, error) {
	return s.get(ctx, q, id)
}
