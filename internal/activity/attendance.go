package activity

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
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// audienceWhere is the audience of activity $1 as a condition on people p joined with
// activities a (a.id = $1): the people invited by name, and the people of the hosts'
// subtrees — members always, the development stages and non-members when asked for.
const audienceWhere = `(
	p.id IN (SELECT c.person_id FROM activity_people c WHERE c.activity_id = $1)
	OR (p.org_id IN (SELECT t.org_id FROM org_tree t JOIN activity_hosts h ON h.org_id = t.ancestor_id WHERE h.activity_id = $1)
	    AND (p.stage IN ('probationary', 'full')
	         OR (a.include_development AND p.stage IN ('applicant', 'activist', 'candidate'))
	         OR (a.include_non_members AND p.stage = 'resident'))))`

// inAudienceWhere also admits whoever already has an attendance row: an invitation once
// given stands even if the person has since moved.
const inAudienceWhere = `(EXISTS (SELECT 1 FROM attendance x WHERE x.activity_id = $1 AND x.person_id = p.id) OR ` + audienceWhere + `)`

// invite materializes the audience as attendance rows, leaving rows that exist alone.
func (s *Service) invite(ctx context.Context, q store.Querier, id int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO attendance (activity_id, person_id, status, updated_at)
		SELECT a.id, p.id, $2, $3 FROM people p JOIN activities a ON a.id = $1 WHERE `+audienceWhere+`
		ON CONFLICT (activity_id, person_id) DO NOTHING`, id, Invited, s.now())
	if err != nil {
		return fmt.Errorf("activity: invite the audience of %d: %w", id, err)
	}
	return nil
}

// Attendee is one person's attendance at an activity.
type Attendee struct {
	PersonID    int64      `json:"person_id"`
	Name        string     `json:"name"`
	OrgID       int64      `json:"org_id,omitempty"`
	OrgName     string     `json:"org_name,omitempty"`
	Stage       string     `json:"stage"`
	Presence    Presence   `json:"presence"`
	Method      string     `json:"method,omitempty"`
	SignedInAt  *time.Time `json:"signed_in_at,omitempty"`
	LeaveState  string     `json:"leave_state,omitempty"`
	LeaveReason string     `json:"leave_reason,omitempty"`
}

const attendeeColumns = `x.person_id, p.name, COALESCE(p.org_id, 0), COALESCE(o.name, ''), p.stage, x.status, x.method,
	x.signed_in_at, x.leave_state, x.leave_reason`

const attendeeFrom = ` FROM attendance x JOIN people p ON p.id = x.person_id LEFT JOIN orgs o ON o.id = p.org_id `

func scanAttendee(row interface{ Scan(...any) error }) (Attendee, error) {
	var at Attendee
	var signed sql.NullTime
	err := row.Scan(&at.PersonID, &at.Name, &at.OrgID, &at.OrgName, &at.Stage, &at.Presence, &at.Method,
		&signed, &at.LeaveState, &at.LeaveReason)
	if signed.Valid {
		at.SignedInAt = &signed.Time
	}
	return at, err
}

// Attendees lists the audience of an activity with their attendance, by organization and
// name. It does not check access: handlers ask InScope.
func (s *Service) Attendees(ctx context.Context, id int64) ([]Attendee, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+attendeeColumns+attendeeFrom+`WHERE x.activity_id = $1
		ORDER BY p.org_id, p.name, p.id`, id)
	if err != nil {
		return nil, fmt.Errorf("activity: attendees of %d: %w", id, err)
	}
	defer rows.Close()
	var list []Attendee
	for rows.Next() {
		at, err := scanAttendee(rows)
		if err != nil {
			return nil, fmt.Errorf("activity: scan attendee: %w", err)
		}
		list = append(list, at)
	}
	return list, rows.Err()
}

// Attendance returns one person's attendance at an activity, or store.ErrNotFound when
// they are not invited.
func (s *Service) Attendance(ctx context.Context, id, personID int64) (Attendee, error) {
	return s.attendance(ctx, s.db, id, personID)
}

func (s *Service) attendance(ctx context.Context, q store.Querier, id, personID int64) (Attendee, error) {
	at, err := scanAttendee(q.QueryRowContext(ctx, `SELECT `+attendeeColumns+attendeeFrom+`WHERE x.activity_id = $1 AND x.person_id = $2`, id, personID))
	if errors.Is(err, sql.ErrNoRows) {
		return at, store.ErrNotFound
	}
	if err != nil {
		return at, fmt.Errorf("activity: attendance of %d at %d: %w", personID, id, err)
	}
	return at, nil
}

// Tally counts attendance.
type Tally struct {
	Invited int `json:"invited"` // not signed in yet (none once an activity is held)
	Present int `json:"present"`
	Late    int `json:"late"`
	Leave   int `json:"leave"`
	Absent  int `json:"absent"`
}

// Attended counts those who were there.
func (t Tally) Attended() int { return t.Present + t.Late }

// Expected counts everyone in the audience (应到).
func (t Tally) Expected() int { return t.Invited + t.Present + t.Late + t.Leave + t.Absent }

// Rate is the share of the audience who attended (实到/应到), 0 for no audience. People on
// leave are part of the audience and count as not attending: the rate says how many were
// there, and the leave count beside it says why the others were not.
func (t Tally) Rate() float64 {
	if t.Expected() == 0 {
		return 0
	}
	return float64(t.Attended()) / float64(t.Expected())
}

func (t *Tally) add(p Presence, n int) {
	switch p {
	case Invited:
		t.Invited += n
	case Present:
		t.Present += n
	case Late:
		t.Late += n
	case OnLeave:
		t.Leave += n
	case Absent:
		t.Absent += n
	}
}

// tallyColumns sums the statuses of attendance rows x.
const tallyColumns = `COALESCE(SUM(CASE WHEN x.status = 'invited' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN x.status = 'present' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN x.status = 'late' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN x.status = 'leave' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN x.status = 'absent' THEN 1 ELSE 0 END), 0)`

func scanTally(row interface{ Scan(...any) error }, extra ...any) (Tally, error) {
	var t Tally
	err := row.Scan(append(extra, &t.Invited, &t.Present, &t.Late, &t.Leave, &t.Absent)...)
	return t, err
}

// Tally counts the attendance of one activity.
func (s *Service) Tally(ctx context.Context, id int64) (Tally, error) {
	t, err := scanTally(s.db.QueryRowContext(ctx, `SELECT `+tallyColumns+` FROM attendance x WHERE x.activity_id = $1`, id))
	if err != nil {
		return t, fmt.Errorf("activity: tally of %d: %w", id, err)
	}
	return t, nil
}

// PersonAttendance counts a person's attendance at the held activities that started in
// [from, to).
func (s *Service) PersonAttendance(ctx context.Context, personID int64, from, to time.Time) (Tally, error) {
	t, err := scanTally(s.db.QueryRowContext(ctx, `SELECT `+tallyColumns+` FROM attendance x JOIN activities a ON a.id = x.activity_id
		WHERE x.person_id = $1 AND a.status = 'held' AND a.starts_at >= $2 AND a.starts_at < $3`, personID, from, to))
	if err != nil {
		return t, fmt.Errorf("activity: attendance of person %d: %w", personID, err)
	}
	return t, nil
}

// OrgAttendance counts the attendance at the held activities that started in [from, to)
// and were hosted by the organization or any below it; a joint activity counts once.
func (s *Service) OrgAttendance(ctx context.Context, orgID int64, from, to time.Time) (Tally, error) {
	t, err := scanTally(s.db.QueryRowContext(ctx, `SELECT `+tallyColumns+` FROM attendance x JOIN activities a ON a.id = x.activity_id
		WHERE a.status = 'held' AND a.starts_at >= $2 AND a.starts_at < $3
		  AND a.id IN (SELECT h.activity_id FROM activity_hosts h JOIN org_tree t ON t.org_id = h.org_id WHERE t.ancestor_id = $1)`,
		orgID, from, to))
	if err != nil {
		return t, fmt.Errorf("activity: attendance in org %d: %w", orgID, err)
	}
	return t, nil
}

// Mark is one line of a roll call.
type Mark struct {
	PersonID int64    `json:"person_id"`
	Presence Presence `json:"presence"`
}

// RollCall is the host's record of who attended, in one go.
type RollCall struct {
	Marks []Mark `json:"marks"`
	// Others, when set, marks everyone else still only invited — "all the rest were
	// present" — except those whose leave request awaits a decision.
	Others Presence `json:"others,omitempty"`
}

// RecordRollCall records a roll call: a manager of a host marks people present, late, on leave or
// absent (or, before it is held, back to invited). Everyone marked must be in the
// audience. The whole call is saved or none of it.
func (s *Service) RecordRollCall(ctx context.Context, sc org.Scope, id int64, rc RollCall) (Tally, error) {
	var t Tally
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		a, err := s.requireManager(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if err := s.checkRecordOpen(a, true); err != nil {
			return err
		}
		var errs i18n.Errors
		for i, m := range rc.Marks {
			if !m.Presence.Valid() || m.Presence == Invited && a.Status == Held {
				errs = append(errs, i18n.InRow(i+1, fieldPresence, "activity.error.presence"))
			}
		}
		if rc.Others != "" && (!rc.Others.Valid() || rc.Others == Invited) {
			errs = append(errs, i18n.Invalid(fieldPresence, "activity.error.presence"))
		}
		if len(errs) > 0 {
			return asError(errs)
		}
		now, by := s.now(), nullID(audit.ActorFrom(ctx).AccountID)
		if rc.Others != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE attendance SET status = $1, method = $2, signed_in_at = $3, marked_by = $4, updated_at = $5
				WHERE activity_id = $6 AND status = $7 AND leave_state <> $8`,
				rc.Others, MethodRollCall, signedAt(rc.Others, now), by, now, id, Invited, LeaveRequested); err != nil {
				return fmt.Errorf("activity: roll call of %d: %w", id, err)
			}
		}
		for i, m := range rc.Marks {
			// Upsert: someone who joined a host after the invitations went out is in the
			// audience without a row yet.
			res, err := tx.ExecContext(ctx, `INSERT INTO attendance (activity_id, person_id, status, method, signed_in_at, marked_by, updated_at)
				SELECT a.id, p.id, $3, $4, $5, $6, $7 FROM people p JOIN activities a ON a.id = $1 WHERE p.id = $2 AND `+inAudienceWhere+`
				ON CONFLICT (activity_id, person_id) DO UPDATE SET status = excluded.status, method = excluded.method,
					signed_in_at = CASE WHEN excluded.status IN ('present', 'late')
					                    THEN COALESCE(attendance.signed_in_at, excluded.signed_in_at) END,
					marked_by = excluded.marked_by, updated_at = excluded.updated_at`,
				id, m.PersonID, m.Presence, MethodRollCall, signedAt(m.Presence, now), by, now)
			if err != nil {
				return fmt.Errorf("activity: mark %d at %d: %w", m.PersonID, id, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("activity: mark %d at %d: %w", m.PersonID, id, err)
			} else if n == 0 {
				errs = append(errs, i18n.InRow(i+1, fieldPerson, "activity.error.not_in_audience", "id", m.PersonID))
			}
		}
		if len(errs) > 0 {
			return asError(errs)
		}
		if err := s.refreshHeld(ctx, tx, id); err != nil {
			return err
		}
		if err := s.attendanceChanged(ctx, tx, id, markedPeople(rc)); err != nil {
			return err
		}
		if t, err = scanTally(tx.QueryRowContext(ctx, `SELECT `+tallyColumns+` FROM attendance x WHERE x.activity_id = $1`, id)); err != nil {
			return fmt.Errorf("activity: tally of %d: %w", id, err)
		}
		return audit.Record(ctx, tx, "roll_call", "activity", id, nil, rc)
	})
	return t, err
}

func signedAt(p Presence, now time.Time) any {
	if p.Attended() {
		return now
	}
	return nil
}

// checkRecordOpen refuses changes to a cancelled activity, and to the record of a held
// one once it has locked; attendance counts as part of the record.
func (s *Service) checkRecordOpen(a Activity, attendance bool) error {
	if a.Status == Cancelled {
		return i18n.Invalid(fieldStatus, "activity.error.cancelled")
	}
	if a.LocksAt != nil && !s.now().Before(*a.LocksAt) {
		key := "activity.error.record_locked"
		if attendance {
			key = "activity.error.attendance_locked"
		}
		return i18n.Invalid("", key, "locked_at", formatTime(*a.LocksAt))
	}
	return nil
}

// RequestLeave asks for leave from a planned activity, with a reason. The person must be
// in its audience and not signed in. Asking again replaces the reason of a request not
// yet decided, or asks anew after a refusal.
func (s *Service) RequestLeave(ctx context.Context, id, personID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return i18n.Invalid(fieldReason, "error.required")
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		a, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if a.Status != Planned {
			return i18n.Invalid(fieldStatus, "activity.error.not_planned", "status", i18n.Msg(a.Status.Key()))
		}
		before, err := s.attendance(ctx, tx, id, personID)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		case before.Presence.Attended():
			return i18n.Invalid("", "activity.error.already_signed_in")
		case before.LeaveState == LeaveApproved || before.Presence == OnLeave:
			return i18n.Invalid("", "activity.error.leave_approved")
		}
		now := s.now()
		res, err := tx.ExecContext(ctx, `INSERT INTO attendance (activity_id, person_id, status, leave_state, leave_reason, leave_requested_at, updated_at)
			SELECT a.id, p.id, $3, $4, $5, $6, $6 FROM people p JOIN activities a ON a.id = $1 WHERE p.id = $2 AND `+inAudienceWhere+`
			ON CONFLICT (activity_id, person_id) DO UPDATE SET leave_state = excluded.leave_state, leave_reason = excluded.leave_reason,
				leave_requested_at = excluded.leave_requested_at, leave_decided_at = NULL, leave_decided_by = NULL, updated_at = excluded.updated_at
			WHERE attendance.status IN ('invited', 'absent') AND attendance.leave_state <> 'approved'`,
			id, personID, Invited, LeaveRequested, reason, now)
		if err != nil {
			return fmt.Errorf("activity: leave of %d from %d: %w", personID, id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("activity: leave of %d from %d: %w", personID, id, err)
		} else if n == 0 {
			return i18n.Invalid(fieldPerson, "activity.error.not_in_audience", "id", personID)
		}
		return audit.Record(ctx, tx, "leave_request", "attendance", fmt.Sprintf("%d:%d", id, personID), nil, map[string]string{"reason": reason})
	})
}

// DecideLeave approves or declines a leave request; a manager of a host decides. An
// approved leave makes the person's status leave, also after the activity is held
// (leave granted afterwards for an absence with good reason), until the record locks.
func (s *Service) DecideLeave(ctx context.Context, sc org.Scope, id, personID int64, approve bool) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		a, err := s.requireManager(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if err := s.checkRecordOpen(a, true); err != nil {
			return err
		}
		before, err := s.attendance(ctx, tx, id, personID)
		if errors.Is(err, store.ErrNotFound) || err == nil && before.LeaveState != LeaveRequested {
			return i18n.Invalid(fieldPerson, "activity.error.no_leave_request")
		}
		if err != nil {
			return err
		}
		now, by := s.now(), nullID(audit.ActorFrom(ctx).AccountID)
		state, status, method := LeaveDeclined, before.Presence, before.Method
		if approve {
			state, status, method = LeaveApproved, OnLeave, MethodLeave
			if before.Presence.Attended() {
				// They came after all: the leave is granted on paper, the attendance stands.
				status, method = before.Presence, before.Method
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE attendance SET leave_state = $1, status = $2, method = $3, leave_decided_at = $4,
			leave_decided_by = $5, updated_at = $4 WHERE activity_id = $6 AND person_id = $7`,
			state, status, method, now, by, id, personID); err != nil {
			return fmt.Errorf("activity: decide leave of %d at %d: %w", personID, id, err)
		}
		if err := s.refreshHeld(ctx, tx, id); err != nil {
			return err
		}
		if err := s.attendanceChanged(ctx, tx, id, []int64{personID}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "leave_decide", "attendance", fmt.Sprintf("%d:%d", id, personID),
			map[string]any{"leave_state": before.LeaveState, "presence": before.Presence},
			map[string]any{"leave_state": state, "presence": status})
	})
}

// Inactive is a member who has not taken part in organizational life for a while.
type Inactive struct {
	PersonID     int64      `json:"person_id"`
	Name         string     `json:"name"`
	OrgID        int64      `json:"org_id"`
	OrgName      string     `json:"org_name"`
	Stage        string     `json:"stage"`
	JoinedAt     *time.Time `json:"joined_at,omitempty"`
	LastAttended *time.Time `json:"last_attended,omitempty"` // start of the last org-life activity attended; nil for never
}

// InactiveMembers lists the probationary and full members in the organization's subtree,
// inside the scope, who attended (present or late) no held activity of organizational
// life that started on or after since, with the last one they did attend. The Party
// Constitution (Art. 9) treats six months without organizational life as grounds for
// removal, so the usual since is six months ago. Members who joined the party after
// since are left out: they have not been members for the whole period.
func (s *Service) InactiveMembers(ctx context.Context, sc org.Scope, orgID int64, since time.Time) ([]Inactive, error) {
	lifeKinds := orgLifeKinds()
	// since is passed twice: PostgreSQL types a parameter by its first use, and the first
	// compares with a date.
	args := []any{orgID, since, since}
	marks := make([]string, len(lifeKinds))
	for i, k := range lifeKinds {
		args = append(args, k)
		marks[i] = fmt.Sprintf("$%d", len(args))
	}
	cond, scopeArgs := sc.Condition("p.org_id", len(args)+1)
	args = append(args, scopeArgs...)
	rows, err := s.db.QueryContext(ctx, `SELECT q.id, q.name, q.org_id, q.org_name, q.stage, q.joined_at, q.last_at FROM (
		SELECT p.id, p.name, p.org_id, o.name AS org_name, p.stage, p.joined_at, o.depth,
			(SELECT MAX(a.starts_at) FROM attendance x JOIN activities a ON a.id = x.activity_id
			 WHERE x.person_id = p.id AND x.status IN ('present', 'late') AND a.status = 'held'
			   AND a.kind IN (`+strings.Join(marks, ", ")+`)) AS last_at
		FROM people p JOIN orgs o ON o.id = p.org_id
		WHERE p.stage IN ('probationary', 'full')
		  AND p.org_id IN (SELECT org_id FROM org_tree WHERE ancestor_id = $1)
		  AND (p.joined_at IS NULL OR p.joined_at <= $2)
		  AND `+cond+`) q
		WHERE q.last_at IS NULL OR q.last_at < $3
		ORDER BY q.depth, q.org_id, q.last_at IS NOT NULL, q.last_at, q.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("activity: inactive members of %d: %w", orgID, err)
	}
	defer rows.Close()
	var list []Inactive
	for rows.Next() {
		var m Inactive
		var joined sql.NullTime
		var last dbTime
		if err := rows.Scan(&m.PersonID, &m.Name, &m.OrgID, &m.OrgName, &m.Stage, &joined, &last); err != nil {
			return nil, fmt.Errorf("activity: scan inactive member: %w", err)
		}
		if joined.Valid {
			m.JoinedAt = &joined.Time
		}
		if last.Valid {
			t := last.Time
			m.LastAttended = &t
		}
		list = append(list, m)
	}
	return list, rows.Err()
}

// markedPeople are the people a roll call may have changed: those it names, or everyone
// when it marks "all the rest" too (nil).
func markedPeople(rc RollCall) []int64 {
	if rc.Others != "" {
		return nil
	}
	ids := make([]int64, len(rc.Marks))
	for i, m := range rc.Marks {
		ids[i] = m.PersonID
	}
	return ids
}

// attendanceChanged tells the hook, if any, the attendance of people (nil: everyone) of a
// held activity.
func (s *Service) attendanceChanged(ctx context.Context, q store.Querier, id int64, people []int64) error {
	if s.onAttend == nil {
		return nil
	}
	c := AttendanceChange{ActivityID: id}
	var status Status
	if err := q.QueryRowContext(ctx, `SELECT status, starts_at FROM activities WHERE id = $1`, id).Scan(&status, &c.StartsAt); err != nil {
		return fmt.Errorf("activity: attendance of %d: %w", id, err)
	}
	if status != Held {
		return nil
	}
	c.Held = true
	where, args := "", []any{id}
	if people != nil {
		if len(people) == 0 {
			return nil
		}
		where = " AND person_id IN ("
		for i, p := range people {
			if i > 0 {
				where += ", "
			}
			args = append(args, p)
			where += "$" + strconv.Itoa(len(args))
		}
		where += ")"
	}
	rows, err := q.QueryContext(ctx, `SELECT person_id, status FROM attendance WHERE activity_id = $1`+where, args...)
	if err != nil {
		return fmt.Errorf("activity: attendance of %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var person int64
		var presence Presence
		if err := rows.Scan(&person, &presence); err != nil {
			return err
		}
		if presence.Attended() {
			c.Attended = append(c.Attended, person)
		} else {
			c.NotAttended = append(c.NotAttended, person)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return s.onAttend(ctx, q, c)
}
