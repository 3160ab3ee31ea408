package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/store"
)

// Alliance is a party-building alliance (党建联盟) joining organizations of different
// host units.
type Alliance struct {
	ID        int64              `json:"id"`
	Name      string             `json:"name"`
	NameEn    string             `json:"name_en,omitempty"`
	Agreement string             `json:"agreement"`
	FoundedOn *time.Time         `json:"founded_on,omitempty"`
	Members   []AllianceMember   `json:"members"`
	Resources []AllianceResource `json:"resources"`
	Pairs     []AlliancePair     `json:"pairs"`
}

// DisplayName is the name in the reader's language.
func (a Alliance) DisplayName(lang string) string {
	if lang == "en" && a.NameEn != "" {
		return a.NameEn
	}
	return a.Name
}

// AllianceMember is an organization in an alliance.
type AllianceMember struct {
	OrgID    int64     `json:"org_id"`
	OrgName  string    `json:"org_name"`
	UnitName string    `json:"unit_name"`
	JoinedOn time.Time `json:"joined_on"`
}

// AllianceResource is a venue, lecturer or course one member offers the others.
type AllianceResource struct {
	ID      int64  `json:"id"`
	OrgID   int64  `json:"org_id"`
	OrgName string `json:"org_name"`
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Detail  string `json:"detail,omitempty"`
}

// ResourceKinds are the kinds of shared resource.
func ResourceKinds() []string { return []string{"venue", "lecturer", "course"} }

// AlliancePair is paired assistance between a strong and a weak organization.
type AlliancePair struct {
	ID         int64     `json:"id"`
	StrongID   int64     `json:"strong_org_id"`
	StrongName string    `json:"strong_org_name"`
	WeakID     int64     `json:"weak_org_id"`
	WeakName   string    `json:"weak_org_name"`
	StartedOn  time.Time `json:"started_on"`
	Goal       string    `json:"goal,omitempty"`
}

// NewAlliance is what CreateAlliance needs: at least two organizations of different
// host units.
type NewAlliance struct {
	Name, NameEn, Agreement string
	FoundedOn               time.Time
	OrgIDs                  []int64
}

// CreateAlliance founds an alliance.
func (s *Service) CreateAlliance(ctx context.Context, q store.Querier, n NewAlliance) (int64, error) {
	var id int64
	err := store.WriteIn(ctx, q, func(q store.Querier) error {
		var err error
		id, err = s.createAlliance(ctx, q, n)
		return err
	})
	return id, err
}

func (s *Service) createAlliance(ctx context.Context, q store.Querier, n NewAlliance) (int64, error) {
	n.Name = strings.TrimSpace(n.Name)
	var errs i18n.Errors
	if n.Name == "" {
		errs = append(errs, i18n.Invalid("name", "error.required"))
	}
	// An organization named twice is one member: the second mention changes nothing.
	seen := map[int64]bool{}
	orgIDs := make([]int64, 0, len(n.OrgIDs))
	for _, id := range n.OrgIDs {
		if !seen[id] {
			seen[id] = true
			orgIDs = append(orgIDs, id)
		}
	}
	n.OrgIDs = orgIDs
	units := map[int64]bool{}
	for _, id := range n.OrgIDs {
		o, err := s.get(ctx, q, id)
		if errors.Is(err, store.ErrNotFound) {
			errs = append(errs, i18n.Invalid("org_ids", "org.error.parent_missing"))
			continue
		}
		if err != nil {
			return 0, err
		}
		units[o.UnitID] = true
	}
	if len(n.OrgIDs) < 2 || len(units) < 2 {
		errs = append(errs, i18n.Invalid("org_ids", "org.error.alliance_units"))
	}
	if len(errs) > 0 {
		return 0, errs
	}
	founded := n.FoundedOn
	if founded.IsZero() {
		founded = s.now()
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO alliances (name, name_en, agreement, founded_on, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		n.Name, n.NameEn, n.Agreement, founded, s.now()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("org: create alliance %s: %w", n.Name, err)
	}
	for _, org := range n.OrgIDs {
		if _, err := q.ExecContext(ctx, `INSERT INTO alliance_members (alliance_id, org_id, joined_on) VALUES ($1, $2, $3)`, id, org, founded); err != nil {
			return 0, fmt.Errorf("org: alliance %d member %d: %w", id, org, err)
		}
	}
	return id, audit.Record(ctx, q, "create", "alliance", id, nil, n)
}

// AddResource records a resource a member organization shares.
func (s *Service) AddResource(ctx context.Context, q store.Querier, allianceID int64, r AllianceResource) error {
	return store.WriteIn(ctx, q, func(q store.Querier) error { return s.addResource(ctx, q, allianceID, r) })
}

func (s *Service) addResource(ctx context.Context, q store.Querier, allianceID int64, r AllianceResource) error {
	if err := s.requireAllianceMember(ctx, q, allianceID, r.OrgID); err != nil {
		return err
	}
	valid := false
	for _, k := range ResourceKinds() {
		valid = valid || k == r.Kind
	}
	if !valid || strings.TrimSpace(r.Name) == "" {
		return i18n.Invalid("kind", "org.error.resource")
	}
	err := q.QueryRowContext(ctx, `INSERT INTO alliance_resources (alliance_id, org_id, kind, name, detail) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		allianceID, r.OrgID, r.Kind, strings.TrimSpace(r.Name), r.Detail).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("org: alliance %d resource: %w", allianceID, err)
	}
	return audit.Record(ctx, q, "create", "alliance_resource", r.ID, nil, r)
}

// AddPair records paired assistance between two members.
func (s *Service) AddPair(ctx context.Context, q store.Querier, allianceID int64, p AlliancePair) error {
	return store.WriteIn(ctx, q, func(q store.Querier) error { return s.addPair(ctx, q, allianceID, p) })
}

func (s *Service) addPair(ctx context.Context, q store.Querier, allianceID int64, p AlliancePair) error {
	if p.StrongID == p.WeakID {
		return i18n.Invalid("weak_org_id", "org.error.pair_same")
	}
	for _, org := range []int64{p.StrongID, p.WeakID} {
		if err := s.requireAllianceMember(ctx, q, allianceID, org); err != nil {
			return err
		}
	}
	if p.StartedOn.IsZero() {
		p.StartedOn = s.now()
	}
	err := q.QueryRowContext(ctx, `INSERT INTO alliance_pairs (alliance_id, strong_org_id, weak_org_id, started_on, goal) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		allianceID, p.StrongID, p.WeakID, p.StartedOn, p.Goal).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("org: alliance %d pair: %w", allianceID, err)
	}
	return audit.Record(ctx, q, "create", "alliance_pair", p.ID, nil, p)
}

func (s *Service) requireAllianceMember(ctx context.Context, q store.Querier, allianceID, orgID int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM alliance_members WHERE alliance_id = $1 AND org_id = $2`, allianceID, orgID).Scan(&n); err != nil {
		return fmt.Errorf("org: alliance membership: %w", err)
	}
	if n == 0 {
		return i18n.Invalid("org_id", "org.error.not_alliance_member")
	}
	return nil
}

// Alliances lists the alliances in which any organization of the scope takes part.
func (s *Service) Alliances(ctx context.Context, sc Scope) ([]Alliance, error) {
	cond, args := sc.Condition("m.org_id", 1)
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, a.name, a.name_en, a.agreement, a.founded_on FROM alliances a
		WHERE a.id IN (SELECT m.alliance_id FROM alliance_members m WHERE `+cond+`) ORDER BY a.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("org: list alliances: %w", err)
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

func scanAlliance(row interface{ Scan(...any) error }) (Alliance, error) {
	var a Alliance
	var founded sql.NullTime
	if err := row.Scan(&a.ID, &a.Name, &a.NameEn, &a.Agreement, &founded); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return a, store.ErrNotFound
		}
		return a, fmt.Errorf("org: scan alliance: %w", err)
	}
	if founded.Valid {
		a.FoundedOn = &founded.Time
	}
	return a, nil
}

// AllianceVisible tells whether an alliance has a member in the scope: seeing one
// member's alliance shows the alliance, not the other members' people.
func (s *Service) AllianceVisible(ctx context.Context, sc Scope, id int64) (bool, error) {
	cond, args := sc.Condition("m.org_id", 2)
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM alliance_members m WHERE m.alliance_id = $1 AND `+cond, append([]any{id}, args...)...).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("org: alliance %d visibility: %w", id, err)
	}
	return n > 0, nil
}

// Alliance returns an alliance with its members, resources and pairs.
func (s *Service) Alliance(ctx context.Context, id int64) (Alliance, error) {
	a, err := scanAlliance(s.db.QueryRowContext(ctx, `SELECT id, name, name_en, agreement, founded_on FROM alliances WHERE id = $1`, id))
	if err != nil {
		return a, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT m.org_id, o.name, COALESCE(u.name, ''), m.joined_on FROM alliance_members m
		JOIN orgs o ON o.id = m.org_id LEFT JOIN units u ON u.id = o.unit_id WHERE m.alliance_id = $1 ORDER BY m.org_id`, id)
	if err != nil {
		return a, fmt.Errorf("org: alliance %d members: %w", id, err)
	}
	for rows.Next() {
		var m AllianceMember
		if err := rows.Scan(&m.OrgID, &m.OrgName, &m.UnitName, &m.JoinedOn); err != nil {
			rows.Close()
			return a, fmt.Errorf("org: scan alliance member: %w", err)
		}
		a.Members = append(a.Members, m)
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT r.id, r.org_id, o.name, r.kind, r.name, r.detail FROM alliance_resources r
		JOIN orgs o ON o.id = r.org_id WHERE r.alliance_id = $1 ORDER BY r.kind, r.id`, id)
	if err != nil {
		return a, fmt.Errorf("org: alliance %d resources: %w", id, err)
	}
	for rows.Next() {
		var r AllianceResource
		if err := rows.Scan(&r.ID, &r.OrgID, &r.OrgName, &r.Kind, &r.Name, &r.Detail); err != nil {
			rows.Close()
			return a, fmt.Errorf("org: scan alliance resource: %w", err)
		}
		a.Resources = append(a.Resources, r)
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT p.id, p.strong_org_id, so.name, p.weak_org_id, wo.name, p.started_on, p.goal FROM alliance_pairs p
		JOIN orgs so ON so.id = p.strong_org_id JOIN orgs wo ON wo.id = p.weak_org_id WHERE p.alliance_id = $1 ORDER BY p.id`, id)
	if err != nil {
		return a, fmt.Errorf("org: alliance %d pairs: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p AlliancePair
		if err := rows.Scan(&p.ID, &p.StrongID, &p.StrongName, &p.WeakID, &p.WeakName, &p.StartedOn, &p.Goal); err != nil {
			return a, fmt.Errorf("org: scan alliance pair: %w", err)
		}
		a.Pairs = append(a.Pairs, p)
	}
	return a, rows.Err()
}
