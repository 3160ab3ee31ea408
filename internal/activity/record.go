package activity

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// RecordLockDays is how many days after an activity is marked held its record — minutes,
// resolutions, tasks, attendance — stays open to plain changes. After that a change is
// an amendment kept beside the original, with a reason, in the audit log: the record
// of a meeting is evidence, and evidence is not rewritten silently.
const RecordLockDays = 7

// Parts of a record an amendment changes.
const (
	PartMinutes     = "minutes"
	PartResolutions = "resolutions"
	PartTask        = "task"
)

// Record is what was said and decided at an activity and what follows from it.
type Record struct {
	ActivityID  int64       `json:"activity_id"`
	Minutes     string      `json:"minutes"`     // as first recorded, before any amendment
	Resolutions []string    `json:"resolutions"` // likewise
	LocksAt     *time.Time  `json:"locks_at,omitempty"`
	Locked      bool        `json:"locked"`
	Amendments  []Amendment `json:"amendments"`
	Tasks       []Task      `json:"tasks"`
}

// CurrentMinutes is the minutes with the amendments applied.
func (r Record) CurrentMinutes() string {
	m := r.Minutes
	for _, a := range r.Amendments {
		if a.Part == PartMinutes {
			m = a.After
		}
	}
	return m
}

// CurrentResolutions is the resolutions with the amendments applied.
func (r Record) CurrentResolutions() []string {
	res := r.Resolutions
	for _, a := range r.Amendments {
		if a.Part == PartResolutions {
			var list []string
			if json.Unmarshal([]byte(a.After), &list) == nil {
				res = list
			}
		}
	}
	return res
}

// Amendment is a change to a locked record, kept beside the original.
type Amendment struct {
	ID        int64     `json:"id"`
	Part      string    `json:"part"`
	Before    string    `json:"before"` // text, or JSON for resolutions and tasks
	After     string    `json:"after"`
	Reason    string    `json:"reason"`
	At        time.Time `json:"at"`
	AccountID int64     `json:"account_id,omitempty"`
}

// Record returns an activity's record with its amendments and tasks. It does not check
// access: handlers ask InScope.
func (s *Service) Record(ctx context.Context, id int64) (Record, error) {
	return s.record(ctx, s.db, id)
}

func (s *Service) record(ctx context.Context, q store.Querier, id int64) (Record, error) {
	a, err := s.get(ctx, q, id)
	if err != nil {
		return Record{}, err
	}
	r := Record{ActivityID: id, LocksAt: a.LocksAt, Locked: s.locked(a), Resolutions: []string{}, Amendments: []Amendment{}, Tasks: []Task{}}
	if err := q.QueryRowContext(ctx, `SELECT minutes FROM activities WHERE id = $1`, id).Scan(&r.Minutes); err != nil {
		return r, fmt.Errorf("activity: minutes of %d: %w", id, err)
	}
	if r.Resolutions, err = resolutions(ctx, q, id); err != nil {
		return r, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, part, before_text, after_text, reason, at, COALESCE(account_id, 0)
		FROM activity_amendments WHERE activity_id = $1 ORDER BY id`, id)
	if err != nil {
		return r, fmt.Errorf("activity: amendments of %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var m Amendment
		if err := rows.Scan(&m.ID, &m.Part, &m.Before, &m.After, &m.Reason, &m.At, &m.AccountID); err != nil {
			return r, fmt.Errorf("activity: scan amendment: %w", err)
		}
		r.Amendments = append(r.Amendments, m)
	}
	if err := rows.Err(); err != nil {
		return r, err
	}
	rows.Close()
	tasks, err := s.tasks(ctx, q, `t.activity_id = $1`, []any{id}, true)
	if err != nil {
		return r, err
	}
	if tasks != nil {
		r.Tasks = tasks
	}
	return r, nil
}

func resolutions(ctx context.Context, q store.Querier, id int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT text FROM activity_resolutions WHERE activity_id = $1 ORDER BY position`, id)
	if err != nil {
		return nil, fmt.Errorf("activity: resolutions of %d: %w", id, err)
	}
	defer rows.Close()
	list := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("activity: scan resolution: %w", err)
		}
		list = append(list, s)
	}
	return list, rows.Err()
}

func (s *Service) locked(a Activity) bool { return a.LocksAt != nil && !s.now().Before(*a.LocksAt) }

// cleanLines trims each resolution and drops the empty ones.
func cleanLines(list []string) []string {
	out := []string{}
	for _, l := range list {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// SaveRecord writes the minutes and the resolutions of an activity, planned (a draft) or
// held, until its record locks; after that it refuses, and changes are amendments.
func (s *Service) SaveRecord(ctx context.Context, sc org.Scope, id int64, minutes string, resolutionList []string) (Record, error) {
	minutes = strings.TrimSpace(minutes)
	resolutionList = cleanLines(resolutionList)
	var r Record
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		a, err := s.requireManager(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if err := s.checkRecordOpen(a, false); err != nil {
			return err
		}
		before, err := s.record(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE activities SET minutes = $1, updated_at = $2 WHERE id = $3`, minutes, s.now(), id); err != nil {
			return fmt.Errorf("activity: minutes of %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM activity_resolutions WHERE activity_id = $1`, id); err != nil {
			return fmt.Errorf("activity: resolutions of %d: %w", id, err)
		}
		for i, text := range resolutionList {
			if _, err := tx.ExecContext(ctx, `INSERT INTO activity_resolutions (activity_id, position, text) VALUES ($1, $2, $3)`, id, i+1, text); err != nil {
				return fmt.Errorf("activity: resolution of %d: %w", id, err)
			}
		}
		if r, err = s.record(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "record", "activity", id,
			map[string]any{"minutes": before.Minutes, "resolutions": before.Resolutions},
			map[string]any{"minutes": r.Minutes, "resolutions": r.Resolutions})
	})
	return r, err
}

// Change is an amendment as asked for: the new minutes, the new resolutions, or both
// (nil for unchanged), and why.
type Change struct {
	Minutes     *string
	Resolutions []string // nil: unchanged; empty: none any more
	Reason      string
}

// Amend corrects a locked record. The original stays as it was; the amendment is kept
// beside it with its reason, and the audit log has it too. An open record is edited
// with SaveRecord instead.
func (s *Service) Amend(ctx context.Context, sc org.Scope, id int64, c Change) (Record, error) {
	c.Reason = strings.TrimSpace(c.Reason)
	if c.Reason == "" {
		return Record{}, i18n.Invalid(fieldReason, "error.required")
	}
	var r Record
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		a, err := s.requireManager(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if !s.locked(a) {
			return i18n.Invalid("", "activity.error.record_open")
		}
		cur, err := s.record(ctx, tx, id)
		if err != nil {
			return err
		}
		changed := false
		if c.Minutes != nil {
			if m := strings.TrimSpace(*c.Minutes); m != cur.CurrentMinutes() {
				if err := s.amend(ctx, tx, id, PartMinutes, cur.CurrentMinutes(), m, c.Reason); err != nil {
					return err
				}
				changed = true
			}
		}
		if c.Resolutions != nil {
			before, after := cur.CurrentResolutions(), cleanLines(c.Resolutions)
			if !slices.Equal(before, after) {
				if err := s.amend(ctx, tx, id, PartResolutions, jsonText(before), jsonText(after), c.Reason); err != nil {
					return err
				}
				changed = true
			}
		}
		if !changed {
			return i18n.Invalid("", "activity.error.amend_nothing")
		}
		r, err = s.record(ctx, tx, id)
		return err
	})
	return r, err
}

func (s *Service) amend(ctx context.Context, q store.Querier, id int64, part, before, after, reason string) error {
	var amendID int64
	err := q.QueryRowContext(ctx, `INSERT INTO activity_amendments (activity_id, part, before_text, after_text, reason, at, account_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, id, part, before, after, reason, s.now(), nullID(audit.ActorFrom(ctx).AccountID)).Scan(&amendID)
	if err != nil {
		return fmt.Errorf("activity: amend %s of %d: %w", part, id, err)
	}
	return audit.Record(ctx, q, "amend", "activity", id,
		map[string]any{"part": part, "value": before}, map[string]any{"part": part, "value": after, "reason": reason, "amendment": amendID})
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
