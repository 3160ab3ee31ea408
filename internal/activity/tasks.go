package activity

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// Follow-up tasks of an activity, and their progress until they are closed.

// Task is a follow-up task: turning what a meeting decided into work with an owner and a
// date (seed 001: a study meeting turns a conference's spirit into tasks).
type Task struct {
	ID         int64      `json:"id"`
	ActivityID int64      `json:"activity_id"`
	Title      string     `json:"title"`
	OwnerID    int64      `json:"owner_id"`
	OwnerName  string     `json:"owner_name"`
	DueOn      time.Time  `json:"due_on"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	Notes      []TaskNote `json:"notes,omitempty"`
}

// Overdue tells whether an open task is past its due date on the given day.
func (t Task) Overdue(now time.Time) bool { return t.ClosedAt == nil && day(now).After(t.DueOn) }

// TaskNote is a line of progress on a task.
type TaskNote struct {
	ID        int64     `json:"id"`
	Note      string    `json:"note"`
	At        time.Time `json:"at"`
	AccountID int64     `json:"account_id,omitempty"` // a manager wrote it
	PersonID  int64     `json:"person_id,omitempty"`  // or the owner
}

// NewTask is what AddTask and EditTask need.
type NewTask struct {
	Title   string
	OwnerID int64
	DueOn   time.Time
	Reason  string // required once the record is locked: the change is then an amendment
}

func (n *NewTask) normalize() {
	n.Title, n.Reason = strings.TrimSpace(n.Title), strings.TrimSpace(n.Reason)
	if !n.DueOn.IsZero() {
		n.DueOn = day(n.DueOn)
	}
}

func (n NewTask) validate() i18n.Errors {
	var errs i18n.Errors
	switch {
	case n.Title == "":
		errs = append(errs, i18n.Invalid(fieldTitle, "error.required"))
	case len([]rune(n.Title)) > maxTitle:
		errs = append(errs, i18n.Invalid(fieldTitle, "activity.error.too_long", "max", maxTitle))
	}
	if n.OwnerID == 0 {
		errs = append(errs, i18n.Invalid(fieldOwner, "error.required"))
	}
	if n.DueOn.IsZero() {
		errs = append(errs, i18n.Invalid(fieldDueOn, "error.required"))
	}
	return errs
}

const (
	fieldOwner = "owner_id"
	fieldDueOn = "due_on"
	fieldNote  = "note"
)

// taskChange checks a task's activity and owner and, when the record is locked, demands
// a reason.
func (s *Service) taskChange(ctx context.Context, q store.Querier, a Activity, n NewTask) (locked bool, err error) {
	if a.Status == Cancelled {
		return false, i18n.Invalid(fieldStatus, "activity.error.cancelled")
	}
	var exists int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM people WHERE id = $1`, n.OwnerID).Scan(&exists); err != nil {
		return false, fmt.Errorf("activity: task owner: %w", err)
	}
	if exists == 0 {
		return false, i18n.Invalid(fieldOwner, "activity.error.person_missing", "id", n.OwnerID)
	}
	locked = s.locked(a)
	if locked && n.Reason == "" {
		return true, i18n.Invalid(fieldReason, "activity.error.amend_reason", "locked_at", formatTime(*a.LocksAt))
	}
	return locked, nil
}

type taskFields struct {
	Title   string `json:"title"`
	OwnerID int64  `json:"owner_id"`
	DueOn   string `json:"due_on"`
}

func fieldsOf(title string, owner int64, due time.Time) taskFields {
	return taskFields{Title: title, OwnerID: owner, DueOn: due.Format(time.DateOnly)}
}

// AddTask adds a follow-up task to an activity. Once the record is locked the addition
// is an amendment and needs a reason.
func (s *Service) AddTask(ctx context.Context, sc org.Scope, activityID int64, n NewTask) (Task, error) {
	n.normalize()
	if errs := n.validate(); len(errs) > 0 {
		return Task{}, asError(errs)
	}
	var t Task
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		a, err := s.requireManager(ctx, tx, sc, activityID)
		if err != nil {
			return err
		}
		locked, err := s.taskChange(ctx, tx, a, n)
		if err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO activity_tasks (activity_id, title, owner_id, due_on, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, activityID, n.Title, n.OwnerID, n.DueOn, s.now(),
			nullID(audit.ActorFrom(ctx).AccountID)).Scan(&id); err != nil {
			return fmt.Errorf("activity: add task to %d: %w", activityID, err)
		}
		if locked {
			if err := s.amend(ctx, tx, activityID, PartTask, "", jsonText(fieldsOf(n.Title, n.OwnerID, n.DueOn)), n.Reason); err != nil {
				return err
			}
		}
		if t, err = s.task(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "create", "activity_task", id, nil, t)
	})
	return t, err
}

// EditTask changes a task's title, owner or due date; after the lock, as an amendment.
func (s *Service) EditTask(ctx context.Context, sc org.Scope, taskID int64, n NewTask) (Task, error) {
	n.normalize()
	if errs := n.validate(); len(errs) > 0 {
		return Task{}, asError(errs)
	}
	var t Task
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.task(ctx, tx, taskID)
		if err != nil {
			return err
		}
		a, err := s.requireManager(ctx, tx, sc, before.ActivityID)
		if err != nil {
			return err
		}
		locked, err := s.taskChange(ctx, tx, a, n)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE activity_tasks SET title = $1, owner_id = $2, due_on = $3 WHERE id = $4`,
			n.Title, n.OwnerID, n.DueOn, taskID); err != nil {
			return fmt.Errorf("activity: edit task %d: %w", taskID, err)
		}
		if locked {
			if err := s.amend(ctx, tx, a.ID, PartTask, jsonText(fieldsOf(before.Title, before.OwnerID, before.DueOn)),
				jsonText(fieldsOf(n.Title, n.OwnerID, n.DueOn)), n.Reason); err != nil {
				return err
			}
		}
		if t, err = s.task(ctx, tx, taskID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "update", "activity_task", taskID, before, t)
	})
	return t, err
}

// Progress adds a line of progress to a task, written by a manager of a host, and closes
// it when close is set. Tracking goes on after the record locks: it is what follows the
// meeting, not the record of it.
func (s *Service) Progress(ctx context.Context, sc org.Scope, taskID int64, note string, close bool) (Task, error) {
	return s.progress(ctx, taskID, note, close, func(q store.Querier, t Task) error {
		_, err := s.requireManager(ctx, q, sc, t.ActivityID)
		return err
	}, 0)
}

// OwnerProgress is Progress written by the task's owner.
func (s *Service) OwnerProgress(ctx context.Context, personID, taskID int64, note string, close bool) (Task, error) {
	return s.progress(ctx, taskID, note, close, func(q store.Querier, t Task) error {
		if t.OwnerID != personID {
			return ErrForbidden
		}
		return nil
	}, personID)
}

func (s *Service) progress(ctx context.Context, taskID int64, note string, close bool, allowed func(store.Querier, Task) error, personID int64) (Task, error) {
	note = strings.TrimSpace(note)
	if note == "" {
		return Task{}, i18n.Invalid(fieldNote, "error.required")
	}
	var t Task
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.task(ctx, tx, taskID)
		if err != nil {
			return err
		}
		if err := allowed(tx, before); err != nil {
			return err
		}
		if before.ClosedAt != nil {
			return i18n.Invalid("", "activity.error.task_closed")
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO activity_task_notes (task_id, note, at, account_id, person_id) VALUES ($1, $2, $3, $4, $5)`,
			taskID, note, now, nullID(audit.ActorFrom(ctx).AccountID), nullID(personID)); err != nil {
			return fmt.Errorf("activity: progress of task %d: %w", taskID, err)
		}
		if close {
			if _, err := tx.ExecContext(ctx, `UPDATE activity_tasks SET closed_at = $1 WHERE id = $2`, now, taskID); err != nil {
				return fmt.Errorf("activity: close task %d: %w", taskID, err)
			}
		}
		if t, err = s.task(ctx, tx, taskID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "progress", "activity_task", taskID, nil, map[string]any{"note": note, "closed": close})
	})
	return t, err
}

// Task returns a task with its progress notes.
func (s *Service) Task(ctx context.Context, id int64) (Task, error) { return s.task(ctx, s.db, id) }

func (s *Service) task(ctx context.Context, q store.Querier, id int64) (Task, error) {
	list, err := s.tasks(ctx, q, `t.id = $1`, []any{id}, true)
	if err != nil {
		return Task{}, err
	}
	if len(list) == 0 {
		return Task{}, store.ErrNotFound
	}
	return list[0], nil
}

// TaskFilter narrows a list of tasks.
type TaskFilter struct {
	OrgID    int64 // tasks of activities hosted in this organization's subtree
	OwnerID  int64
	OpenOnly bool
	DueBy    time.Time // due on or before this day (zero: any)
}

// Tasks lists the tasks of activities with a host inside the scope, by due date, without
// their notes.
func (s *Service) Tasks(ctx context.Context, sc org.Scope, f TaskFilter) ([]Task, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	hosts := "TRUE"
	if f.OrgID != 0 {
		hosts = `h.org_id IN (SELECT org_id FROM org_tree WHERE ancestor_id = ` + arg(f.OrgID) + `)`
	}
	cond, scopeArgs := sc.Condition("h.org_id", len(args)+1)
	args = append(args, scopeArgs...)
	where = append(where, `t.activity_id IN (SELECT h.activity_id FROM activity_hosts h WHERE `+hosts+` AND `+cond+`)`)
	if f.OwnerID != 0 {
		where = append(where, `t.owner_id = `+arg(f.OwnerID))
	}
	if f.OpenOnly {
		where = append(where, `t.closed_at IS NULL`)
	}
	if !f.DueBy.IsZero() {
		where = append(where, `t.due_on <= `+arg(day(f.DueBy)))
	}
	return s.tasks(ctx, s.db, strings.Join(where, " AND "), args, false)
}

// TasksOf lists a person's tasks, open ones first, for their home page.
func (s *Service) TasksOf(ctx context.Context, personID int64) ([]Task, error) {
	return s.tasks(ctx, s.db, `t.owner_id = $1`, []any{personID}, false)
}

func (s *Service) tasks(ctx context.Context, q store.Querier, where string, args []any, notes bool) ([]Task, error) {
	rows, err := q.QueryContext(ctx, `SELECT t.id, t.activity_id, t.title, t.owner_id, p.name, t.due_on, t.closed_at
		FROM activity_tasks t JOIN people p ON p.id = t.owner_id WHERE `+where+`
		ORDER BY t.closed_at IS NOT NULL, t.due_on, t.id LIMIT 1000`, args...)
	if err != nil {
		return nil, fmt.Errorf("activity: tasks: %w", err)
	}
	defer rows.Close()
	var list []Task
	for rows.Next() {
		var t Task
		var closed sql.NullTime
		if err := rows.Scan(&t.ID, &t.ActivityID, &t.Title, &t.OwnerID, &t.OwnerName, &t.DueOn, &closed); err != nil {
			return nil, fmt.Errorf("activity: scan task: %w", err)
		}
		if closed.Valid {
			t.ClosedAt = &closed.Time
		}
		t.DueOn = t.DueOn.UTC()
		list = append(list, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if !notes || len(list) == 0 {
		return list, nil
	}
	ids := make([]int64, len(list))
	at := map[int64]int{}
	for i, t := range list {
		ids[i], at[t.ID] = t.ID, i
	}
	marks, idArgs := placeholders(ids, 1)
	nrows, err := q.QueryContext(ctx, `SELECT id, task_id, note, at, COALESCE(account_id, 0), COALESCE(person_id, 0)
		FROM activity_task_notes WHERE task_id IN (`+marks+`) ORDER BY id`, idArgs...)
	if err != nil {
		return nil, fmt.Errorf("activity: task notes: %w", err)
	}
	defer nrows.Close()
	for nrows.Next() {
		var n TaskNote
		var taskID int64
		if err := nrows.Scan(&n.ID, &taskID, &n.Note, &n.At, &n.AccountID, &n.PersonID); err != nil {
			return nil, fmt.Errorf("activity: scan task note: %w", err)
		}
		list[at[taskID]].Notes = append(list[at[taskID]].Notes, n)
	}
	return list, nrows.Err()
}
