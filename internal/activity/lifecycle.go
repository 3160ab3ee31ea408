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
	// The party lecture rule asks for the secretary's own lecture: whether the speaker
	// held the secretary post of each host on the day is settled now, from the posts on
	// record, and the calendar counts only those lectures.
	if a.Kind == PartyLecture && a.SpeakerID != 0 {
		if _, err := q.ExecContext(ctx, `UPDATE activity_hosts SET by_secretary = EXISTS (SELECT 1 FROM posts p
			WHERE p.org_id = activity_hosts.org_id AND p.person_id = $2 AND p.kind = $3
			  AND p.started_on <= $4 AND (p.ended_on IS NULL OR p.ended_on >= $4))
			WHERE activity_id = $1`, id, a.SpeakerID, org.Secretary, day(a.StartsAt)); err != nil {
			return fmt.Errorf("activity: speaker of %d: %w", id, err)
		}
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
	// A heart-to-heart talk is between two people: the pair is whoever attended, when
	// exactly two did.
	_, err = q.ExecContext(ctx, `UPDATE activity_hosts SET
		talk_a = (SELECT CASE WHEN COUNT(*) = 2 THEN MIN(person_id) END FROM attendance WHERE activity_id = $1 AND status IN ('present', 'late')),
		talk_b = (SELECT CASE WHEN COUNT(*) = 2 THEN MAX(person_id) END FROM attendance WHERE activity_id = $1 AND status IN ('present', 'late'))
		WHERE activity_id = $1 AND kind = $2 AND held_year IS NOT NULL`, id, HeartTalk)
	if err != nil {
		return fmt.Errorf("activity: pair of talk %d: %w", id, err)
	}
	return s.summarize(ctx, q, id)
}

// summaryOf is the recount of activity_org_years (its migration says what the columns hold) from the hosts
// table; where narrows it to some organizations and years.
func summaryOf(where string) string {
	return `SELECT org_id, held_year, COALESCE(string_agg(kind || '=' || months, ';'), ''), COALESCE(string_agg(talks, ';'), ''),
		SUM(present), SUM(late), SUM(on_leave), SUM(absent)
	FROM (SELECT h.org_id, h.held_year, h.kind,
	             string_agg(CASE WHEN h.kind <> 'party_lecture' OR h.by_secretary THEN CAST(h.held_month AS TEXT) END, ',') AS months,
	             string_agg(CASE WHEN h.talk_a IS NOT NULL THEN CAST(h.talk_a AS TEXT) || '-' || CAST(h.talk_b AS TEXT) || '-' || CAST(h.held_month AS TEXT) END, ';') AS talks,
	             SUM(h.present) AS present, SUM(h.late) AS late, SUM(h.on_leave) AS on_leave, SUM(h.absent) AS absent
	      FROM activity_hosts h
	      WHERE h.held_year IS NOT NULL AND ` + where + `
	      GROUP BY h.org_id, h.held_year, h.kind) k
	GROUP BY org_id, held_year`
}

// summarize rewrites the calendar's summary rows of the hosts of a held activity for its
// year, by recounting that organization-year from the hosts table, in the transaction of
// the change. The first statement takes the rows' locks, so that on PostgreSQL two
// changes to the same organization's year queue rather than each recount missing the
// other's activity.
func (s *Service) summarize(ctx context.Context, q store.Querier, id int64) error {
	hosts := `SELECT org_id FROM activity_hosts WHERE activity_id = $1 AND held_year IS NOT NULL`
	year := `SELECT MAX(held_year) FROM activity_hosts WHERE activity_id = $1`
	for _, stmt := range []string{
		`INSERT INTO activity_org_years (org_id, year) SELECT org_id, held_year FROM activity_hosts WHERE activity_id = $1 AND held_year IS NOT NULL
			ON CONFLICT (org_id, year) DO UPDATE SET held = activity_org_years.held`,
		`DELETE FROM activity_org_years WHERE year = (` + year + `) AND org_id IN (` + hosts + `)`,
		`INSERT INTO activity_org_years (org_id, year, held, talks, present, late, on_leave, absent) ` +
			summaryOf(`h.held_year = (`+year+`) AND h.org_id IN (`+hosts+`)`),
	} {
		if _, err := q.ExecContext(ctx, stmt, id); err != nil {
			return fmt.Errorf("activity: calendar summary of %d: %w", id, err)
		}
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
