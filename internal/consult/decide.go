package consult

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/notify"
	"vanguard/internal/store"
)

// Status is a topic's recorded status. Whether an open topic is taking votes yet, or
// no longer, follows from its window (see Phase).
type Status string

const (
	Open    Status = "open"    // put to deliberation
	Decided Status = "decided" // the decision is recorded; follow-up updates are published
	Done    Status = "done"    // the follow-up is complete: the record is closed
)

// Key is the catalog key of the status's name.
func (s Status) Key() string { return "consult.status." + string(s) }

// transitions is the table of allowed moves, after CiviCRM's participant statuses: a
// move not in it is refused by move, the one place a status changes.
var transitions = map[Status][]Status{
	"":      {Open},
	Open:    {Decided},
	Decided: {Done},
}

// CanMove tells whether the table allows a move.
func CanMove(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// move changes a topic's status after the table, with a history row and an audit line.
// The UPDATE names the old status, so two moves racing from it cannot both succeed.
func (s *Service) move(ctx context.Context, tx *store.Tx, t Topic, to Status, note string) error {
	if !CanMove(t.Status, to) {
		return i18n.Invalid("status", "consult.error.transition", "from", i18n.Msg(t.Status.Key()), "to", i18n.Msg(to.Key()))
	}
	res, err := tx.ExecContext(ctx, `UPDATE topics SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4`, to, s.now(), t.ID, t.Status)
	if err != nil {
		return fmt.Errorf("consult: move topic %d to %s: %w", t.ID, to, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return i18n.Invalid("status", "consult.error.transition", "from", i18n.Msg(t.Status.Key()), "to", i18n.Msg(to.Key()))
	}
	if err := s.history(ctx, tx, t.ID, t.Status, to, note); err != nil {
		return err
	}
	return audit.Record(ctx, tx, "move", "topic", t.ID, map[string]any{"status": t.Status}, map[string]any{"status": to, "note": note})
}

func (s *Service) history(ctx context.Context, tx *store.Tx, topicID int64, from, to Status, note string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO topic_status_history (topic_id, from_status, to_status, at, account_id, note)
		VALUES ($1, $2, $3, $4, $5, $6)`, topicID, from, to, s.now(), nullID(audit.ActorFrom(ctx).AccountID), note)
	if err != nil {
		return fmt.Errorf("consult: history of %d: %w", topicID, err)
	}
	return nil
}

// Move is one recorded change of status.
type Move struct {
	From Status
	To   Status
	At   time.Time
	By   string
	Note string
}

// History lists a topic's moves, oldest first.
func (s *Service) History(ctx context.Context, topicID int64) ([]Move, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT h.from_status, h.to_status, h.at, COALESCE(NULLIF(a.display_name, ''), a.username, ''), h.note
		FROM topic_status_history h LEFT JOIN accounts a ON a.id = h.account_id WHERE h.topic_id = $1 ORDER BY h.id`, topicID)
	if err != nil {
		return nil, fmt.Errorf("consult: history of %d: %w", topicID, err)
	}
	defer rows.Close()
	var list []Move
	for rows.Next() {
		var m Move
		if err := rows.Scan(&m.From, &m.To, &m.At, &m.By, &m.Note); err != nil {
			return nil, err
		}
		list = append(list, m)
	}
	return list, rows.Err()
}

// NewDecision is what Decide needs.
type NewDecision struct {
	Text       string
	Reasons    string
	Conditions []string // principles the decision holds to, one each
	OptionID   int64    // the option adopted, if the decision follows one
}

// Decide records the decision on an open topic, closing its vote now if it is still
// running, and tells the audience. The caller has checked Manage; the acting account
// is the one who decided.
func (s *Service) Decide(ctx context.Context, topicID int64, d NewDecision) (Topic, error) {
	d.Text, d.Reasons = clean(d.Text), clean(d.Reasons)
	var conditions []string
	for _, c := range d.Conditions {
		if c = clean(c); c != "" {
			conditions = append(conditions, c)
		}
	}
	var errs i18n.Errors
	if d.Text == "" {
		errs = append(errs, i18n.Invalid("decision", "error.required"))
	}
	for _, e := range []*i18n.Error{tooLong("decision", d.Text, maxDecision), tooLong("reasons", d.Reasons, maxDecision)} {
		if e != nil {
			errs = append(errs, e)
		}
	}
	if len(conditions) > maxConditions {
		errs = append(errs, i18n.Invalid("conditions", "consult.error.too_many", "max", maxConditions))
	}
	for _, c := range conditions {
		if e := tooLong("conditions", c, maxCondition); e != nil {
			errs = append(errs, e)
			break
		}
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		t, err := s.get(ctx, tx, topicID)
		if err != nil {
			return err
		}
		if _, ok := t.Option(d.OptionID); d.OptionID != 0 && !ok {
			errs = append(errs, i18n.Invalid("option_id", "consult.error.option"))
		}
		if len(errs) > 0 {
			return errs
		}
		now := s.now()
		note := ""
		if t.Status == Open && now.Before(t.ClosesAt) {
			// Closing early: the window ends now, and nobody votes after the decision.
			if _, err := tx.ExecContext(ctx, `UPDATE topics SET closes_at = $1 WHERE id = $2`, now, topicID); err != nil {
				return fmt.Errorf("consult: close topic %d: %w", topicID, err)
			}
			note = "closed_early"
		}
		if err := s.move(ctx, tx, t, Decided, note); err != nil {
			return err
		}
		actor := audit.ActorFrom(ctx)
		if _, err := tx.ExecContext(ctx, `UPDATE topics SET decision = $1, decision_reasons = $2, decided_option_id = $3,
			decided_by = $4, decided_at = $5 WHERE id = $6`, d.Text, d.Reasons, nullID(d.OptionID), nullID(actor.AccountID), now, topicID); err != nil {
			return fmt.Errorf("consult: decide %d: %w", topicID, err)
		}
		for i, c := range conditions {
			if _, err := tx.ExecContext(ctx, `INSERT INTO topic_conditions (topic_id, position, body) VALUES ($1, $2, $3)`, topicID, i+1, c); err != nil {
				return fmt.Errorf("consult: condition of %d: %w", topicID, err)
			}
		}
		if err := audit.Record(ctx, tx, "decide", "topic", topicID, nil, map[string]any{"decision": d.Text,
			"reasons": d.Reasons, "conditions": conditions, "option_id": d.OptionID}); err != nil {
			return err
		}
		accounts, err := audienceAccounts(ctx, tx, topicID)
		if err != nil {
			return err
		}
		return s.notices.Send(ctx, tx, without(accounts, actor.AccountID), notify.Notice{Key: "notify.topic_decided",
			Params: map[string]any{"title": t.Title}, Link: topicLink(topicID)})
	})
	if err != nil {
		return Topic{}, err
	}
	return s.Get(ctx, topicID)
}

// Update is a follow-up update on a decision.
type Update struct {
	ID       int64
	Body     string
	Done     bool
	PostedBy string
	PostedAt time.Time
}

// AddUpdate publishes a follow-up update on a decided topic; done marks the follow-up
// complete, after which the record takes no more updates. The caller has checked Manage.
func (s *Service) AddUpdate(ctx context.Context, topicID int64, body string, done bool) error {
	body = clean(body)
	if body == "" {
		return i18n.Invalid("body", "error.required")
	}
	if e := tooLong("body", body, maxUpdate); e != nil {
		return e
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		t, err := s.get(ctx, tx, topicID)
		if err != nil {
			return err
		}
		if t.Status != Decided {
			return i18n.Invalid("", "consult.error.updates", "status", i18n.Msg(t.Status.Key()))
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO topic_updates (topic_id, body, done, posted_by, posted_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, topicID, body, done, nullID(audit.ActorFrom(ctx).AccountID), s.now()).Scan(&id); err != nil {
			return fmt.Errorf("consult: update of %d: %w", topicID, err)
		}
		if err := audit.Record(ctx, tx, "create", "topic_update", id, nil, map[string]any{"topic_id": topicID, "body": body, "done": done}); err != nil {
			return err
		}
		if done {
			return s.move(ctx, tx, t, Done, "")
		}
		return nil
	})
}

// Updates lists a topic's follow-up updates, oldest first.
func (s *Service) Updates(ctx context.Context, topicID int64) ([]Update, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT u.id, u.body, u.done, COALESCE(NULLIF(a.display_name, ''), a.username, ''), u.posted_at
		FROM topic_updates u LEFT JOIN accounts a ON a.id = u.posted_by WHERE u.topic_id = $1 ORDER BY u.posted_at, u.id`, topicID)
	if err != nil {
		return nil, fmt.Errorf("consult: updates of %d: %w", topicID, err)
	}
	defer rows.Close()
	var list []Update
	for rows.Next() {
		var u Update
		if err := rows.Scan(&u.ID, &u.Body, &u.Done, &u.PostedBy, &u.PostedAt); err != nil {
			return nil, err
		}
		list = append(list, u)
	}
	return list, rows.Err()
}

// Meeting is a meeting held on a topic, with its minutes or a link to them. Until the
// activities of the platform can be linked, it is a record of its own.
type Meeting struct {
	ID      int64
	Title   string
	HeldOn  time.Time
	Minutes string
	URL     string
}

// NewMeeting is what AddMeeting needs.
type NewMeeting struct {
	Title   string
	HeldOn  time.Time
	Minutes string
	URL     string
}

// AddMeeting links a meeting to a topic, so the record of the fireside talk sits beside
// the opinions given online. The caller has checked Manage.
func (s *Service) AddMeeting(ctx context.Context, topicID int64, m NewMeeting) error {
	m.Title, m.Minutes, m.URL = clean(m.Title), clean(m.Minutes), clean(m.URL)
	var errs i18n.Errors
	if m.Title == "" {
		errs = append(errs, i18n.Invalid("title", "error.required"))
	}
	if m.HeldOn.IsZero() {
		errs = append(errs, i18n.Invalid("held_on", "error.required"))
	}
	if m.Minutes == "" && m.URL == "" {
		errs = append(errs, i18n.Invalid("minutes", "consult.error.minutes"))
	}
	if m.URL != "" {
		// Only web links: a javascript: or data: URL in a link is a script waiting to run.
		u, err := url.Parse(m.URL)
		if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			errs = append(errs, i18n.Invalid("url", "consult.error.url"))
		}
	}
	for _, e := range []*i18n.Error{tooLong("title", m.Title, maxTitle), tooLong("minutes", m.Minutes, maxMinutes), tooLong("url", m.URL, maxURL)} {
		if e != nil {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.get(ctx, tx, topicID); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO topic_meetings (topic_id, title, held_on, minutes, url, added_by, added_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, topicID, m.Title, m.HeldOn, m.Minutes, m.URL,
			nullID(audit.ActorFrom(ctx).AccountID), s.now()).Scan(&id); err != nil {
			return fmt.Errorf("consult: meeting of %d: %w", topicID, err)
		}
		return audit.Record(ctx, tx, "create", "topic_meeting", id, nil, map[string]any{"topic_id": topicID, "title": m.Title,
			"held_on": m.HeldOn.Format(time.DateOnly), "url": m.URL})
	})
}

// Meetings lists a topic's meetings by date.
func (s *Service) Meetings(ctx context.Context, topicID int64) ([]Meeting, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, title, held_on, minutes, url FROM topic_meetings WHERE topic_id = $1 ORDER BY held_on, id`, topicID)
	if err != nil {
		return nil, fmt.Errorf("consult: meetings of %d: %w", topicID, err)
	}
	defer rows.Close()
	var list []Meeting
	for rows.Next() {
		var m Meeting
		if err := rows.Scan(&m.ID, &m.Title, &m.HeldOn, &m.Minutes, &m.URL); err != nil {
			return nil, err
		}
		list = append(list, m)
	}
	return list, rows.Err()
}

// SplitLines turns a text area into its non-empty lines: options, conditions.
func SplitLines(s string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}
