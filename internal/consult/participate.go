package consult

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/notify"
	"vanguard/internal/store"
)

// Stances an opinion takes. StanceOption goes with the option it argues for.
const (
	StanceFor     = "for"
	StanceAgainst = "against"
	StanceNeutral = "neutral"
	StanceOption  = "option"
)

// Stances lists the stances that need no option.
func Stances() []string { return []string{StanceFor, StanceAgainst, StanceNeutral} }

// Opinion is an opinion or a reply, as a reader sees it: a hidden one carries the
// moderator's reason and, for anyone but a moderator, no text.
type Opinion struct {
	ID           int64
	TopicID      int64
	PersonID     int64
	PersonName   string
	AccountID    int64 // of the author's person, to tell the caller's own
	ParentID     int64
	ReplyToName  string // the author of the opinion replied to
	Stance       string
	OptionID     int64
	Body         string
	CreatedAt    time.Time
	EditedAt     *time.Time
	Hidden       bool
	HiddenReason string
	HiddenAt     *time.Time
}

// StanceKey is the catalog key of the stance, "" for a reply without one.
func (o Opinion) StanceKey() string {
	if o.Stance == "" || o.Stance == StanceOption {
		return ""
	}
	return "consult.stance." + o.Stance
}

// NewOpinion is what Give needs.
type NewOpinion struct {
	Stance   string // for, against, neutral or option; a reply may have none
	OptionID int64  // with StanceOption
	Body     string
	ReplyTo  int64 // the opinion replied to, 0 for a new opinion
}

// window checks that a topic takes opinions and votes now.
func (s *Service) window(t Topic, now time.Time) error {
	switch t.PhaseAt(now) {
	case PhaseUpcoming:
		return i18n.Invalid("", "consult.error.not_open", "date", t.OpensAt.In(chinaZone).Format("2006-01-02 15:04"))
	case PhaseOpen:
		return nil
	}
	return i18n.Invalid("", "consult.error.closed")
}

// chinaZone is China Standard Time, in which every reader of a date lives.
var chinaZone = time.FixedZone("CST", 8*3600)

// participant checks that the caller may take part in a topic now.
func (s *Service) participant(ctx context.Context, q store.Querier, c Caller, t Topic) error {
	if c.Person == nil {
		return i18n.Invalid("", "consult.error.no_person")
	}
	ok, err := eligible(ctx, q, t.ID, c.Person.ID)
	if err != nil {
		return err
	}
	if !ok {
		return i18n.Invalid("", "consult.error.not_eligible", "audience", i18n.Msg(t.Eligibility.Key()))
	}
	return s.window(t, s.now())
}

// checkStance validates a stance against the topic's options.
func checkStance(t Topic, stance string, optionID int64, reply bool) (string, int64, *i18n.Error) {
	switch stance {
	case StanceFor, StanceAgainst, StanceNeutral:
		return stance, 0, nil
	case StanceOption:
		if _, ok := t.Option(optionID); !ok || !t.OwnOptions() {
			return "", 0, i18n.Invalid("option_id", "consult.error.option")
		}
		return stance, optionID, nil
	case "":
		if reply {
			return "", 0, nil
		}
		return "", 0, i18n.Invalid("stance", "error.required")
	}
	return "", 0, i18n.Invalid("stance", "consult.error.stance")
}

// Give records an opinion, or a reply to one, from a person in the topic's audience
// while it is open. The author of the opinion replied to is told.
func (s *Service) Give(ctx context.Context, c Caller, topicID int64, n NewOpinion) (Opinion, error) {
	var id int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		t, err := s.get(ctx, tx, topicID)
		if err != nil {
			return err
		}
		n.Body = clean(n.Body)
		var errs i18n.Errors
		if n.Body == "" {
			errs = append(errs, i18n.Invalid("body", "error.required"))
		} else if e := tooLong("body", n.Body, maxOpinion); e != nil {
			errs = append(errs, e)
		}
		stance, option, e := checkStance(t, n.Stance, n.OptionID, n.ReplyTo != 0)
		if e != nil {
			errs = append(errs, e)
		}
		var parentAccount int64
		if n.ReplyTo != 0 {
			var parentTopic int64
			err := tx.QueryRowContext(ctx, `SELECT x.topic_id, COALESCE(p.account_id, 0) FROM opinions x JOIN people p ON p.id = x.person_id
				WHERE x.id = $1`, n.ReplyTo).Scan(&parentTopic, &parentAccount)
			if errors.Is(err, sql.ErrNoRows) || err == nil && parentTopic != topicID {
				errs = append(errs, i18n.Invalid("reply_to", "consult.error.reply_to"))
			} else if err != nil {
				return fmt.Errorf("consult: opinion replied to: %w", err)
			}
		}
		if len(errs) > 0 {
			return errs
		}
		if err := s.participant(ctx, tx, c, t); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO opinions (topic_id, person_id, parent_id, stance, option_id, body, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			topicID, c.Person.ID, nullID(n.ReplyTo), stance, nullID(option), n.Body, s.now()).Scan(&id)
		if err != nil {
			return fmt.Errorf("consult: give opinion on %d: %w", topicID, err)
		}
		if err := audit.Record(ctx, tx, "create", "opinion", id, nil, map[string]any{"topic_id": topicID,
			"person_id": c.Person.ID, "reply_to": n.ReplyTo, "stance": stance, "body": n.Body}); err != nil {
			return err
		}
		if n.ReplyTo != 0 && parentAccount != 0 && parentAccount != c.Account.ID {
			return s.notices.Send(ctx, tx, []int64{parentAccount}, notify.Notice{Key: "notify.opinion_reply",
				Params: map[string]any{"name": c.Person.Name, "title": t.Title}, Link: topicLink(topicID)})
		}
		return nil
	})
	if err != nil {
		return Opinion{}, err
	}
	return s.opinion(ctx, s.db, id)
}

// Edit changes the text (and stance) of the caller's own opinion while the topic is
// open. Another person's opinion is refused with ErrNotYours; a hidden one stays as the
// moderator left it.
func (s *Service) Edit(ctx context.Context, c Caller, topicID, opinionID int64, n NewOpinion) (Opinion, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.opinion(ctx, tx, opinionID)
		if err != nil {
			return err
		}
		if before.TopicID != topicID {
			return store.ErrNotFound
		}
		if c.Person == nil || before.PersonID != c.Person.ID {
			return ErrNotYours
		}
		if before.Hidden {
			return i18n.Invalid("", "consult.error.hidden")
		}
		t, err := s.get(ctx, tx, topicID)
		if err != nil {
			return err
		}
		n.Body = clean(n.Body)
		var errs i18n.Errors
		if n.Body == "" {
			errs = append(errs, i18n.Invalid("body", "error.required"))
		} else if e := tooLong("body", n.Body, maxOpinion); e != nil {
			errs = append(errs, e)
		}
		stance, option := before.Stance, before.OptionID
		if n.Stance != "" || before.ParentID == 0 {
			var e *i18n.Error
			if stance, option, e = checkStance(t, n.Stance, n.OptionID, before.ParentID != 0); e != nil {
				errs = append(errs, e)
			}
		}
		if len(errs) > 0 {
			return errs
		}
		if err := s.participant(ctx, tx, c, t); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE opinions SET body = $1, stance = $2, option_id = $3, edited_at = $4 WHERE id = $5`,
			n.Body, stance, nullID(option), s.now(), opinionID); err != nil {
			return fmt.Errorf("consult: edit opinion %d: %w", opinionID, err)
		}
		return audit.Record(ctx, tx, "update", "opinion", opinionID, map[string]any{"stance": before.Stance, "body": before.Body},
			map[string]any{"stance": stance, "body": n.Body})
	})
	if err != nil {
		return Opinion{}, err
	}
	return s.opinion(ctx, s.db, opinionID)
}

// Hide takes an opinion out of view with a reason that stays visible in its place. The
// caller has checked Manage on the topic's organization; the text is kept for the record.
func (s *Service) Hide(ctx context.Context, topicID, opinionID int64, reason string) error {
	reason = clean(reason)
	if reason == "" {
		return i18n.Invalid("reason", "error.required")
	}
	if e := tooLong("reason", reason, maxReason); e != nil {
		return e
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.opinion(ctx, tx, opinionID)
		if err != nil {
			return err
		}
		if before.TopicID != topicID {
			return store.ErrNotFound
		}
		if before.Hidden {
			return i18n.Invalid("", "consult.error.hidden")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE opinions SET hidden_at = $1, hidden_by = $2, hidden_reason = $3 WHERE id = $4`,
			s.now(), nullID(audit.ActorFrom(ctx).AccountID), reason, opinionID); err != nil {
			return fmt.Errorf("consult: hide opinion %d: %w", opinionID, err)
		}
		return audit.Record(ctx, tx, "hide", "opinion", opinionID, nil, map[string]any{"reason": reason})
	})
}

const opinionColumns = `x.id, x.topic_id, x.person_id, p.name, COALESCE(p.account_id, 0), COALESCE(x.parent_id, 0),
	COALESCE(rp.name, ''), x.stance, COALESCE(x.option_id, 0), x.body, x.created_at, x.edited_at, x.hidden_at, x.hidden_reason`

const opinionFrom = ` FROM opinions x JOIN people p ON p.id = x.person_id
	LEFT JOIN opinions r ON r.id = x.parent_id LEFT JOIN people rp ON rp.id = r.person_id `

func scanOpinion(row interface{ Scan(...any) error }) (Opinion, error) {
	var o Opinion
	err := row.Scan(&o.ID, &o.TopicID, &o.PersonID, &o.PersonName, &o.AccountID, &o.ParentID, &o.ReplyToName,
		&o.Stance, &o.OptionID, &o.Body, &o.CreatedAt, &o.EditedAt, &o.HiddenAt, &o.HiddenReason)
	o.Hidden = o.HiddenAt != nil
	return o, err
}

// opinion reads one opinion as it is stored, hidden text included: for the service's
// own checks, never handed to a reader as is.
func (s *Service) opinion(ctx context.Context, q store.Querier, id int64) (Opinion, error) {
	o, err := scanOpinion(q.QueryRowContext(ctx, `SELECT `+opinionColumns+opinionFrom+`WHERE x.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, store.ErrNotFound
	}
	if err != nil {
		return o, fmt.Errorf("consult: get opinion %d: %w", id, err)
	}
	return o, nil
}

// Thread is an opinion with the replies under it, oldest first.
type Thread struct {
	Opinion
	Replies []Opinion
}

// Opinions lists a topic's opinions as threads. For anyone but a moderator, a hidden
// opinion has its text removed: only the reason remains.
func (s *Service) Opinions(ctx context.Context, topicID int64, moderator bool) ([]Thread, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+opinionColumns+opinionFrom+`WHERE x.topic_id = $1 ORDER BY x.id`, topicID)
	if err != nil {
		return nil, fmt.Errorf("consult: opinions of %d: %w", topicID, err)
	}
	defer rows.Close()
	var all []Opinion
	for rows.Next() {
		o, err := scanOpinion(rows)
		if err != nil {
			return nil, fmt.Errorf("consult: scan opinion: %w", err)
		}
		if o.Hidden && !moderator {
			o.Body = ""
		}
		all = append(all, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// A reply to a reply sits in the thread of the opinion the conversation began with.
	parent := map[int64]int64{}
	for _, o := range all {
		parent[o.ID] = o.ParentID
	}
	root := func(id int64) int64 {
		for i := 0; i < len(all) && parent[id] != 0; i++ {
			id = parent[id]
		}
		return id
	}
	var threads []Thread
	index := map[int64]int{}
	for _, o := range all {
		if o.ParentID == 0 {
			index[o.ID] = len(threads)
			threads = append(threads, Thread{Opinion: o})
		}
	}
	for _, o := range all {
		if o.ParentID != 0 {
			if i, ok := index[root(o.ID)]; ok {
				threads[i].Replies = append(threads[i].Replies, o)
			}
		}
	}
	return threads, nil
}

// Vote is a person's vote as they see it.
type Vote struct {
	TopicID   int64     `json:"topic_id"`
	OptionID  int64     `json:"option_id"`
	CastAt    time.Time `json:"cast_at"`
	ChangedAt time.Time `json:"changed_at"`
	Changes   int       `json:"changes"`
}

// Cast records a person's vote, or changes it: one row per person and topic, whatever
// the number of requests. A vote is taken only from the audience, only while the topic
// is open. On a secret ballot the audit line records that the person voted, not how.
func (s *Service) Cast(ctx context.Context, c Caller, topicID, optionID int64) (Vote, error) {
	var v Vote
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		t, err := s.get(ctx, tx, topicID)
		if err != nil {
			return err
		}
		if optionID == 0 {
			return i18n.Invalid("option_id", "error.required")
		}
		if _, ok := t.Option(optionID); !ok {
			return i18n.Invalid("option_id", "consult.error.option")
		}
		if err := s.participant(ctx, tx, c, t); err != nil {
			return err
		}
		now := s.now()
		// Touching the topic row under the same condition as the window takes its lock
		// on PostgreSQL: a vote and a close of the topic are ordered, and a vote that
		// comes second finds the topic closed.
		res, err := tx.ExecContext(ctx, `UPDATE topics SET last_vote_at = $1
			WHERE id = $2 AND status = $3 AND opens_at <= $1 AND closes_at > $1`, now, topicID, Open)
		if err != nil {
			return fmt.Errorf("consult: lock topic %d: %w", topicID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return i18n.Invalid("", "consult.error.closed")
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO votes (topic_id, person_id, option_id, cast_at, changed_at, changes)
			VALUES ($1, $2, $3, $4, $4, 0)
			ON CONFLICT (topic_id, person_id) DO UPDATE SET option_id = excluded.option_id, changed_at = excluded.changed_at,
				changes = votes.changes + CASE WHEN votes.option_id = excluded.option_id THEN 0 ELSE 1 END
			RETURNING topic_id, option_id, cast_at, changed_at, changes`,
			topicID, c.Person.ID, optionID, now).Scan(&v.TopicID, &v.OptionID, &v.CastAt, &v.ChangedAt, &v.Changes)
		if err != nil {
			return fmt.Errorf("consult: vote on %d: %w", topicID, err)
		}
		after := map[string]any{"person_id": c.Person.ID, "option_id": optionID}
		if t.Secret {
			after = map[string]any{"person_id": c.Person.ID}
		}
		return audit.Record(ctx, tx, "vote", "topic", topicID, nil, after)
	})
	return v, err
}

// MyVote returns the caller's own vote on a topic, and whether there is one. It is the
// only way a single vote is ever read, and it reads only the caller's.
func (s *Service) MyVote(ctx context.Context, c Caller, topicID int64) (Vote, bool, error) {
	v := Vote{TopicID: topicID}
	if c.Person == nil {
		return v, false, nil
	}
	err := s.db.QueryRowContext(ctx, `SELECT option_id, cast_at, changed_at, changes FROM votes WHERE topic_id = $1 AND person_id = $2`,
		topicID, c.Person.ID).Scan(&v.OptionID, &v.CastAt, &v.ChangedAt, &v.Changes)
	if errors.Is(err, sql.ErrNoRows) {
		return v, false, nil
	}
	if err != nil {
		return v, false, fmt.Errorf("consult: own vote on %d: %w", topicID, err)
	}
	return v, true, nil
}
