package activity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/org"
	"vanguard/internal/store"
)

// Reading activities: one, a page of them, a person's invitations.
const activityColumns = `a.id, a.kind, a.title, a.theme, a.starts_at, a.ends_at, a.place, a.online_link,
	COALESCE(sp.name, a.speaker_name), COALESCE(a.speaker_id, 0), a.agenda, a.include_development, a.include_non_members,
	a.status, a.held_at, a.locks_at, a.quorum_voting, a.quorum_present, a.created_at, a.updated_at`

const activityFrom = ` FROM activities a LEFT JOIN people sp ON sp.id = a.speaker_id `

// scanActivity scans activityColumns and then any extra columns into extra.
func scanActivity(row interface{ Scan(...any) error }, extra ...any) (Activity, error) {
	var a Activity
	var held, locks sql.NullTime
	var voting, present sql.NullInt64
	err := row.Scan(append([]any{&a.ID, &a.Kind, &a.Title, &a.Theme, &a.StartsAt, &a.EndsAt, &a.Place, &a.OnlineLink,
		&a.SpeakerName, &a.SpeakerID, &a.Agenda, &a.IncludeDevelopment, &a.IncludeNonMembers,
		&a.Status, &held, &locks, &voting, &present, &a.CreatedAt, &a.UpdatedAt}, extra...)...)
	if err != nil {
		return a, err
	}
	if held.Valid {
		a.HeldAt = &held.Time
	}
	if locks.Valid {
		a.LocksAt = &locks.Time
	}
	if voting.Valid {
		a.Quorum = &Quorum{Voting: int(voting.Int64), Present: int(present.Int64)}
		a.Quorum.Met = 2*a.Quorum.Present > a.Quorum.Voting
	}
	return a, nil
}

// Get returns an activity with its hosts. It does not check access: handlers ask InScope.
func (s *Service) Get(ctx context.Context, id int64) (Activity, error) { return s.get(ctx, s.db, id) }

func (s *Service) get(ctx context.Context, q store.Querier, id int64) (Activity, error) {
	a, err := scanActivity(q.QueryRowContext(ctx, `SELECT `+activityColumns+activityFrom+`WHERE a.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, store.ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("activity: get %d: %w", id, err)
	}
	list := []Activity{a}
	if err := s.fill(ctx, q, list); err != nil {
		return a, err
	}
	return list[0], nil
}

// fill loads the hosts and named people of a page of activities in two queries.
func (s *Service) fill(ctx context.Context, q store.Querier, list []Activity) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	at := map[int64]int{}
	for i, a := range list {
		ids[i], at[a.ID] = a.ID, i
	}
	marks, args := placeholders(ids, 1)
	rows, err := q.QueryContext(ctx, `SELECT h.activity_id, h.org_id, o.name FROM activity_hosts h JOIN orgs o ON o.id = h.org_id
		WHERE h.activity_id IN (`+marks+`) ORDER BY h.activity_id, o.depth, o.id`, args...)
	if err != nil {
		return fmt.Errorf("activity: hosts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var h Host
		if err := rows.Scan(&id, &h.OrgID, &h.Name); err != nil {
			return fmt.Errorf("activity: scan host: %w", err)
		}
		list[at[id]].Hosts = append(list[at[id]].Hosts, h)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("activity: hosts: %w", err)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT activity_id, person_id FROM activity_people WHERE activity_id IN (`+marks+`)
		ORDER BY activity_id, person_id`, args...)
	if err != nil {
		return fmt.Errorf("activity: invited people: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, p int64
		if err := rows.Scan(&id, &p); err != nil {
			return fmt.Errorf("activity: scan invited: %w", err)
		}
		list[at[id]].PersonIDs = append(list[at[id]].PersonIDs, p)
	}
	return rows.Err()
}

// InScope tells whether an activity has a host in the scope: for a View scope, whether
// the caller may see it; for a Manage scope, whether it may run it.
func (s *Service) InScope(ctx context.Context, sc org.Scope, id int64) (bool, error) {
	return s.inScope(ctx, s.db, sc, id)
}

func (s *Service) inScope(ctx context.Context, q store.Querier, sc org.Scope, id int64) (bool, error) {
	cond, args := sc.Condition("h.org_id", 2)
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM activity_hosts h WHERE h.activity_id = $1 AND `+cond,
		append([]any{id}, args...)...).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("activity: scope of %d: %w", id, err)
	}
	return n > 0, nil
}

// requireManager loads an activity the caller may run.
func (s *Service) requireManager(ctx context.Context, q store.Querier, sc org.Scope, id int64) (Activity, error) {
	a, err := s.get(ctx, q, id)
	if err != nil {
		return a, err
	}
	ok, err := s.inScope(ctx, q, sc, id)
	if err != nil {
		return a, err
	}
	if !ok {
		return a, ErrForbidden
	}
	return a, nil
}

// Filter narrows a list of activities.
type Filter struct {
	OrgID   int64 // activities hosted by this organization (0: everything in scope)
	Subtree bool  // or by any organization below it
	From    time.Time
	To      time.Time // starts before To (zero: no bound)
	Kind    Kind
	Status  Status
	Limit   int
	Offset  int
}

// MaxPage bounds a page of a list.
const MaxPage = 500

// List returns activities with a host inside the scope, by start time.
func (s *Service) List(ctx context.Context, sc org.Scope, f Filter) ([]Activity, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	hostCond := "TRUE"
	switch {
	case f.OrgID != 0 && f.Subtree:
		hostCond = `h.org_id IN (SELECT org_id FROM org_tree WHERE ancestor_id = ` + arg(f.OrgID) + `)`
	case f.OrgID != 0:
		hostCond = `h.org_id = ` + arg(f.OrgID)
	}
	cond, scopeArgs := sc.Condition("h.org_id", len(args)+1)
	args = append(args, scopeArgs...)
	where = append(where, `a.id IN (SELECT h.activity_id FROM activity_hosts h WHERE `+hostCond+` AND `+cond+`)`)
	if !f.From.IsZero() {
		where = append(where, `a.starts_at >= `+arg(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, `a.starts_at < `+arg(f.To))
	}
	if f.Kind != "" {
		where = append(where, `a.kind = `+arg(string(f.Kind)))
	}
	if f.Status != "" {
		where = append(where, `a.status = `+arg(string(f.Status)))
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxPage {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+activityColumns+activityFrom+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY a.starts_at, a.id LIMIT `+strconv.Itoa(limit)+` OFFSET `+strconv.Itoa(max(f.Offset, 0)), args...)
	if err != nil {
		return nil, fmt.Errorf("activity: list: %w", err)
	}
	list, err := scanActivities(rows)
	if err != nil {
		return nil, err
	}
	return list, s.fill(ctx, s.db, list)
}

func scanActivities(rows *sql.Rows) ([]Activity, error) {
	defer rows.Close()
	var list []Activity
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			return nil, fmt.Errorf("activity: scan: %w", err)
		}
		list = append(list, a)
	}
	return list, rows.Err()
}

// Invitation is an activity as one person in its audience sees it.
type Invitation struct {
	Activity
	Presence   Presence `json:"presence"`
	LeaveState string   `json:"leave_state,omitempty"`
}

// ForPerson lists the activities a person is invited to that start in [from, to), for
// their "what's due" and their calendar.
func (s *Service) ForPerson(ctx context.Context, personID int64, from, to time.Time) ([]Invitation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+activityColumns+`, x.status, x.leave_state`+activityFrom+`
		JOIN attendance x ON x.activity_id = a.id
		WHERE x.person_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3 ORDER BY a.starts_at, a.id LIMIT 1000`, personID, from, to)
	if err != nil {
		return nil, fmt.Errorf("activity: invitations of %d: %w", personID, err)
	}
	defer rows.Close()
	var list []Invitation
	var acts []Activity
	for rows.Next() {
		var inv Invitation
		a, err := scanActivity(rows, &inv.Presence, &inv.LeaveState)
		if err != nil {
			return nil, fmt.Errorf("activity: scan invitation: %w", err)
		}
		inv.Activity = a
		list = append(list, inv)
		acts = append(acts, inv.Activity)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if err := s.fill(ctx, s.db, acts); err != nil {
		return nil, err
	}
	for i := range list {
		list[i].Activity = acts[i]
	}
	return list, nil
}
