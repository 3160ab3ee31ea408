package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// Objection is a member's challenge of an entry and a manager's answer.
type Objection struct {
	ID         int64
	EntryID    int64
	PersonID   int64
	Reason     string
	RaisedAt   time.Time
	Answer     string
	Upheld     *bool
	AnsweredBy int64
	AnsweredAt *time.Time
}

// Open tells whether the objection still waits for an answer.
func (o Objection) Open() bool { return o.AnsweredAt == nil }

const objectionColumns = `id, entry_id, person_id, reason, raised_at, answer, upheld, COALESCE(answered_by, 0), answered_at`

func scanObjection(row interface{ Scan(...any) error }) (Objection, error) {
	var o Objection
	var upheld sql.NullBool
	var at sql.NullTime
	if err := row.Scan(&o.ID, &o.EntryID, &o.PersonID, &o.Reason, &o.RaisedAt, &o.Answer, &upheld, &o.AnsweredBy, &at); err != nil {
		return Objection{}, err
	}
	if upheld.Valid {
		o.Upheld = &upheld.Bool
	}
	if at.Valid {
		o.AnsweredAt = &at.Time
	}
	return o, nil
}

func (s *Service) objectionsOf(ctx context.Context, personID int64) (map[int64]Objection, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+objectionColumns+` FROM point_objections WHERE person_id = $1`, personID)
	if err != nil {
		return nil, fmt.Errorf("points: objections of %d: %w", personID, err)
	}
	defer rows.Close()
	out := map[int64]Objection{}
	for rows.Next() {
		o, err := scanObjection(rows)
		if err != nil {
			return nil, err
		}
		out[o.EntryID] = o
	}
	return out, rows.Err()
}

// Object raises a person's objection to one of their own entries, within the window their
// organization sets (15 days by default).
func (s *Service) Object(ctx context.Context, personID, entryID int64, reason string) (Objection, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return Objection{}, i18n.Invalid("reason", "error.required")
	case utf8.RuneCountInString(reason) > 500:
		return Objection{}, i18n.Invalid("reason", "points.error.note_long")
	}
	e, err := s.GetEntry(ctx, entryID)
	if err != nil {
		return Objection{}, err
	}
	if e.PersonID != personID {
		return Objection{}, store.ErrNotFound
	}
	if e.Status == Reversal {
		return Objection{}, i18n.Invalid("entry", "points.error.object_reversal")
	}
	settings, err := s.Settings(ctx, e.OrgID)
	if err != nil {
		return Objection{}, err
	}
	if time.Since(e.RecordedAt) > time.Duration(settings.ObjectionDays)*24*time.Hour {
		return Objection{}, i18n.Invalid("entry", "points.error.object_late", "days", settings.ObjectionDays)
	}
	var o Objection
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO point_objections (entry_id, person_id, reason, raised_at)
			VALUES ($1, $2, $3, $4) RETURNING id`, entryID, personID, reason, time.Now()).Scan(&id)
		if store.IsUniqueViolation(err) {
			return i18n.Invalid("entry", "points.error.object_twice")
		}
		if err != nil {
			return fmt.Errorf("points: object to %d: %w", entryID, err)
		}
		o, err = scanObjection(tx.QueryRowContext(ctx, `SELECT `+objectionColumns+` FROM point_objections WHERE id = $1`, id))
		return err
	})
	return o, err
}

// GetObjection reads one objection.
func (s *Service) GetObjection(ctx context.Context, id int64) (Objection, error) {
	o, err := scanObjection(s.db.QueryRowContext(ctx, `SELECT `+objectionColumns+` FROM point_objections WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Objection{}, store.ErrNotFound
	}
	return o, err
}

// OpenObjections lists the unanswered objections to entries recorded in the account's
// Manage scope, oldest first: a manager's queue.
func (s *Service) OpenObjections(ctx context.Context, a auth.Account) ([]Objection, error) {
	cond, args := org.ScopeOf(a, org.Manage).Condition("e.org_id", 1)
	rows, err := s.db.QueryContext(ctx, `SELECT o.id, o.entry_id, o.person_id, o.reason, o.raised_at, o.answer, o.upheld,
		COALESCE(o.answered_by, 0), o.answered_at FROM point_objections o JOIN point_entries e ON e.id = o.entry_id
		WHERE o.answered_at IS NULL AND `+cond+` ORDER BY o.raised_at`, args...)
	if err != nil {
		return nil, fmt.Errorf("points: open objections: %w", err)
	}
	defer rows.Close()
	var out []Objection
	for rows.Next() {
		o, err := scanObjection(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Answer closes an objection. The caller must manage the entry's organization; an upheld
// objection reverses the entry in the same transaction (the manager may then record the
// right amount as a new entry).
func (s *Service) Answer(ctx context.Context, a auth.Account, objectionID int64, upheld bool, answer string) error {
	answer = strings.TrimSpace(answer)
	switch {
	case answer == "":
		return i18n.Invalid("answer", "error.required")
	case utf8.RuneCountInString(answer) > 500:
		return i18n.Invalid("answer", "points.error.note_long")
	}
	o, err := s.GetObjection(ctx, objectionID)
	if err != nil {
		return err
	}
	if !o.Open() {
		return i18n.Invalid("answer", "points.error.answered")
	}
	e, err := s.GetEntry(ctx, o.EntryID)
	if err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE point_objections SET answer = $1, upheld = $2, answered_by = $3, answered_at = $4
			WHERE id = $5 AND answered_at IS NULL`, answer, upheld, nullInt64(a.ID), time.Now(), objectionID)
		if err != nil {
			return fmt.Errorf("points: answer objection %d: %w", objectionID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return i18n.Invalid("answer", "points.error.answered")
		}
		if upheld && e.ReversedBy == 0 && e.Points != 0 {
			if err := s.reverseIn(ctx, tx, a, e, answer); err != nil {
				return err
			}
		}
		tx.AfterCommit(s.index.wake)
		return audit.Record(ctx, tx, "answer", "point_objection", objectionID, nil, map[string]any{"upheld": upheld})
	})
	return err
}

// Reverse cancels an entry with a reversing entry of the opposite points: the ledger is
// never edited. The caller must manage the entry's organization (the handler checks).
func (s *Service) Reverse(ctx context.Context, a auth.Account, entryID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return i18n.Invalid("reason", "error.required")
	}
	e, err := s.GetEntry(ctx, entryID)
	if err != nil {
		return err
	}
	switch {
	case e.Status == Reversal:
		return i18n.Invalid("entry", "points.error.reverse_reversal")
	case e.ReversedBy != 0:
		return i18n.Invalid("entry", "points.error.reversed")
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := s.reverseIn(ctx, tx, a, e, reason); err != nil {
			return err
		}
		tx.AfterCommit(s.index.wake)
		return audit.Record(ctx, tx, "reverse", "point_entry", e.ID, nil, map[string]any{"reason": reason})
	})
	return err
}

func (s *Service) reverseIn(ctx context.Context, tx store.Querier, a auth.Account, e Entry, reason string) error {
	var id int64
	if err := tx.QueryRowContext(ctx, `UPDATE point_head SET seq = seq + 1 WHERE id = 1 RETURNING seq`).Scan(&id); err != nil {
		return fmt.Errorf("points: take the ledger head: %w", err)
	}
	key := fmt.Sprintf("reverse:%d", e.ID)
	_, err := tx.ExecContext(ctx, `INSERT INTO point_entries (id, idem_hash, idem_key, person_id, org_id, rule_code,
		points, asked, status, reason, occurred_at, day, source, source_ref, note, recorded_by, recorded_at, reverses)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', $10, $11, 'reversal', $12, $13, $14, $15, $16)`,
		id, keyHash(key), key, e.PersonID, e.OrgID, e.Rule, -e.Points, -e.Points, Reversal, e.OccurredAt, int(e.Day),
		fmt.Sprintf("entry:%d", e.ID), reason, nullInt64(a.ID), time.Now(), e.ID)
	if store.IsUniqueViolation(err) {
		return i18n.Invalid("entry", "points.error.reversed")
	}
	if err != nil {
		return fmt.Errorf("points: reverse %d: %w", e.ID, err)
	}
	// The reversed points no longer fill the caps they counted against.
	_, err = tx.ExecContext(ctx, `UPDATE point_counters SET used = used - $1
		WHERE person_id = $2 AND rule_code = $3 AND bucket IN ($4, $5, $6, $7)`,
		abs(e.Points), e.PersonID, e.Rule, capBucket("day", e.Day), capBucket("month", e.Day), capBucket("quarter", e.Day), capBucket("year", e.Day))
	if err != nil {
		return fmt.Errorf("points: release caps of %d: %w", e.ID, err)
	}
	return nil
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
