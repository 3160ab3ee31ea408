package activity

import (
	"context"
	"fmt"
	"strings"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// The lifecycle of an activity: planned, then held or cancelled.

// Move takes an activity from one status to another — the one place the transition
// table is enforced — and keeps a history row of the move. Marking it held turns every
// invitation nobody acted on into an absence, records a general meeting's quorum, and
// starts the days until the record locks. It cannot be held before it starts.
func (s *Service) Move(ctx context.Context, sc org.Scope, id int64, to Status, note string) (Activity, error) {
	var a Activity
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.requireManager(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if !CanMove(before.Status, to) {
			return i18n.Invalid(fieldStatus, "activity.error.move",
				"from", i18n.Msg(before.Status.Key()), "to", i18n.Msg(to.Key()))
		}
		now := s.now()
		switch to {
		case Held:
			if now.Before(before.StartsAt) {
				return i18n.Invalid(fieldStatus, "activity.error.held_before_start", "starts_at", formatTime(before.StartsAt))
			}
			if err := s.markHeld(ctx, tx, before, now); err != nil {
				return err
			}
		default:
			if _, err := tx.ExecContext(ctx, `UPDATE activities SET status = $1, updated_at = $2 WHERE id = $3`, to, now, id); err != nil {
				return fmt.Errorf("activity: move %d to %s: %w", id, to, err)
			}
		}
		note = strings.TrimSpace(note)
		if err := s.recordMove(ctx, tx, id, before.Status, to, note); err != nil {
			return err
		}
		if a, err = s.get(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "move", "activity", id,
			map[string]any{"status": before.Status}, map[string]any{"status": to, "note": note})
	})
	return a, err
}

func (s *Service) markHeld(ctx context.Context, q store.Querier, a Activity, now time.Time) error {
	id := a.ID
	if _, err := q.ExecContext(ctx, `UPDATE activities SET status = $1, held_at = $2, locks_at = $3, updated_at = $2 WHERE id = $4`,
		Held, now, now.Add(RecordLockDays*24*time.Hour), id); err != nil {
		return fmt.Errorf("activity: hold %d: %w", id, err)
	}
	// Whoever belongs to the hosts by now is expected too, not only those on the roster
	// when the invitations went out.
	if err := s.invite(ctx, q, id); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `UPDATE attendance SET status = $1, method = $2, updated_at = $3
		WHERE activity_id = $4 AND status = $5`, Absent, MethodHeld, now, id, Invited); err != nil {
		return fmt.Errorf("activity: absences of %d: %w", id, err)
	}
	// The voting members are fixed now, so the quorum does not drift with later
	// changes to the roster.
	if _, err := q.ExecContext(ctx, `UPDATE attendance SET voting = (person_id IN (SELECT p.id FROM people p
		WHERE p.stage = 'full' AND p.org_id IN (SELECT t.org_id FROM org_tree t JOIN activity_hosts h ON h.org_id = t.ancestor_id
		                                        WHERE h.activity_id = $1)))
		WHERE activity_id = $1`, id); err != nil {
		return fmt.Errorf("activity: voting members of %d: %w", id, err)
	}
	// The calendar counts an activity in the month of its start in Beijing time.
	y, m, _ := a.StartsAt.In(beijing).Date()
	if _, err := q.ExecContext(ctx, `UPDATE activity_hosts SET held_year = $1, held_month = $2 WHERE activity_id = $3`, y, int(m), id); err != nil {
		return fmt.Errorf("activity: month of %d: %w", id, err)
	}
	if err := s.refreshHeld(ctx, q, id); err != nil {
		return err
	}
	return s.attendanceChanged(ctx, q, id, nil)
}

// refreshHeld brings up to date what is derived from a held activity's attendance: a
// general meeting's quorum (its voting members and how many of them attended), and the
// attendance copied to its hosts for the calendar. It runs in the transaction of every
// change to attendance, and does nothing for an activity not held, so that the sign-ins
// of a meeting in progress do not queue on one row.
func (s *Service) refreshHeld(ctx context.Context, q store.Querier, id int64) error {
	_, err := q.ExecContext(ctx, `UPDATE activities SET
		quorum_voting = (SELECT COUNT(*) FROM attendance WHERE activity_id = $1 AND voting),
		quorum_present = (SELECT COUNT(*) FROM attendance WHERE activity_id = $1 AND voting AND status IN ('present', 'late'))
		WHERE id = $1 AND kind = $2 AND status = $3`, id, GeneralMeeting, Held)
	if err != nil {
		return fmt.Errorf("activity: quorum of %d: %w", id, err)
	}
	_, err = q.ExecContext(ctx, `UPDATE activity_hosts SET
		present = (SELECT COUNT(*) FROM attendance WHERE activity_id = $1 AND status = 'present'),
		late = (SELECT COUNT(*) FROM attendance WHERE activity_id = $1 AND status = 'late'),
		on_leave = (SELECT COUNT(*) FROM attendance WHERE activity_id = $1 AND status = 'leave'),
		absent = (SELECT COUNT(*) FROM attendance WHERE activity_id = $1 AND status = 'absent')
		WHERE activity_id = $1 AND held_year IS NOT NULL`, id)
	if err != nil {
		return fmt.Errorf("activity: attendance of %d for the calendar: %w", id, err)
	}
	return nil
}

func (s *Service) recordMove(ctx context.Context, q store.Querier, id int64, from, to Status, note string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO activity_status_events (activity_id, from_status, to_status, at, account_id, note)
		VALUES ($1, $2, $3, $4, $5, $6)`, id, from, to, s.now(), nullID(audit.ActorFrom(ctx).AccountID), note)
	if err != nil {
		return fmt.Errorf("activity: history of %d: %w", id, err)
	}
	return nil
}

// StatusEvent is one move in an activity's history.
type StatusEvent struct {
	From      Status    `json:"from"`
	To        Status    `json:"to"`
	At        time.Time `json:"at"`
	AccountID int64     `json:"account_id,omitempty"`
	Note      string    `json:"note,omitempty"`
}

// History lists an activity's moves, the first first.
func (s *Service) History(ctx context.Context, id int64) ([]StatusEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT from_status, to_status, at, COALESCE(account_id, 0), note
		FROM activity_status_events WHERE activity_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("activity: history of %d: %w", id, err)
	}
	defer rows.Close()
	var list []StatusEvent
	for rows.Next() {
		var e StatusEvent
		if err := rows.Scan(&e.From, &e.To, &e.At, &e.AccountID, &e.Note); err != nil {
			return nil, fmt.Errorf("activity: scan history: %w", err)
		}
		list = append(list, e)
	}
	return list, rows.Err()
}
