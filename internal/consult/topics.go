package consult

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/notify"
	"vanguard/internal/store"
)

// Limits of what people write, in characters.
const (
	maxTitle      = 200
	maxBackground = 20000
	maxOption     = 200
	maxOpinion    = 2000
	maxReason     = 500
	maxDecision   = 10000
	maxCondition  = 500
	maxConditions = 20
	maxUpdate     = 5000
	maxMinutes    = 20000
	maxURL        = 2000
	maxPeople     = 500 // named representatives of one topic
)

// clean trims text and removes what neither engine stores: NUL bytes and invalid
// UTF-8, which PostgreSQL refuses in a TEXT column.
func clean(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", ""))
}

func tooLong(field, s string, max int) *i18n.Error {
	if utf8.RuneCountInString(s) > max {
		return i18n.Invalid(field, "consult.error.too_long", "max", max)
	}
	return nil
}

// NewTopic is what Create needs.
type NewTopic struct {
	OrgID           int64
	Title           string
	Background      string
	VoteKind        string
	Options         []string // for a kind whose options the organizer writes
	Eligibility     Eligibility
	Representatives []int64 // person ids, for Representatives
	Secret          bool
	Results         Results
	OpensAt         time.Time
	ClosesAt        time.Time
}

// Create puts a topic to deliberation and tells its audience. The caller has checked
// Manage on the organization; the acting account (audit.ActorFrom) is its creator.
func (s *Service) Create(ctx context.Context, n NewTopic) (Topic, error) {
	var id int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = s.create(ctx, tx, n)
		return err
	})
	if err != nil {
		return Topic{}, err
	}
	return s.Get(ctx, id)
}

func (s *Service) create(ctx context.Context, tx *store.Tx, n NewTopic) (int64, error) {
	n.Title, n.Background = clean(n.Title), clean(n.Background)
	var errs i18n.Errors
	add := func(e *i18n.Error) {
		if e != nil {
			errs = append(errs, e)
		}
	}
	if n.Title == "" {
		add(i18n.Invalid("title", "error.required"))
	}
	add(tooLong("title", n.Title, maxTitle))
	add(tooLong("background", n.Background, maxBackground))
	if n.OrgID == 0 {
		add(i18n.Invalid("org_id", "error.required"))
	} else if o, err := s.orgs.GetIn(ctx, tx, n.OrgID); errors.Is(err, store.ErrNotFound) || err == nil && o.DissolvedAt != nil {
		add(i18n.Invalid("org_id", "consult.error.org"))
	} else if err != nil {
		return 0, err
	}
	kinds, err := voteKinds(ctx, tx)
	if err != nil {
		return 0, err
	}
	var kind *VoteKind
	for i := range kinds {
		if kinds[i].Key == n.VoteKind {
			kind = &kinds[i]
		}
	}
	var options []string
	for _, o := range n.Options {
		if o = clean(o); o != "" {
			options = append(options, o)
			add(tooLong("options", o, maxOption))
		}
	}
	switch {
	case kind == nil:
		add(i18n.Invalid("vote_kind", "consult.error.vote_kind"))
	case kind.OwnOptions && (len(options) < kind.MinOptions || len(options) > kind.MaxOptions):
		add(i18n.Invalid("options", "consult.error.options", "min", kind.MinOptions, "max", kind.MaxOptions))
	case !kind.OwnOptions:
		options = nil
	}
	if !n.Eligibility.Valid() {
		add(i18n.Invalid("eligibility", "consult.error.eligibility"))
	}
	reps := uniqueIDs(n.Representatives)
	if n.Eligibility == Representatives {
		if len(reps) == 0 {
			add(i18n.Invalid("representatives", "consult.error.representatives"))
		}
		if len(reps) > maxPeople {
			add(i18n.Invalid("representatives", "consult.error.too_many", "max", maxPeople))
		}
		for _, id := range reps {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM people WHERE id = $1`, id).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				add(i18n.Invalid("representatives", "consult.error.no_such_person", "id", id))
			} else if err != nil {
				return 0, fmt.Errorf("consult: find representative %d: %w", id, err)
			}
		}
	} else {
		reps = nil
	}
	if !n.Results.Valid() {
		add(i18n.Invalid("results", "consult.error.results"))
	}
	if n.OpensAt.IsZero() {
		add(i18n.Invalid("opens_at", "error.required"))
	}
	if n.ClosesAt.IsZero() {
		add(i18n.Invalid("closes_at", "error.required"))
	} else if !n.OpensAt.IsZero() && !n.ClosesAt.After(n.OpensAt) {
		add(i18n.Invalid("closes_at", "consult.error.window"))
	}
	if len(errs) > 0 {
		return 0, errs
	}
	actor := audit.ActorFrom(ctx)
	now := s.now()
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO topics (org_id, title, background, vote_kind, eligibility, secret, results,
		opens_at, closes_at, status, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
		n.OrgID, n.Title, n.Background, n.VoteKind, n.Eligibility, n.Secret, n.Results, n.OpensAt, n.ClosesAt, Open,
		nullID(actor.AccountID), now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("consult: create topic %s: %w", n.Title, err)
	}
	if kind.OwnOptions {
		for i, label := range options {
			if _, err := tx.ExecContext(ctx, `INSERT INTO topic_options (topic_id, label, position) VALUES ($1, $2, $3)`, id, label, i+1); err != nil {
				return 0, fmt.Errorf("consult: option of %d: %w", id, err)
			}
		}
	} else if _, err := tx.ExecContext(ctx, `INSERT INTO topic_options (topic_id, key, position)
		SELECT CAST($1 AS BIGINT), key, position FROM vote_kind_options WHERE kind = $2`, id, n.VoteKind); err != nil {
		return 0, fmt.Errorf("consult: options of %d: %w", id, err)
	}
	for _, p := range reps {
		if _, err := tx.ExecContext(ctx, `INSERT INTO topic_representatives (topic_id, person_id) VALUES ($1, $2)`, id, p); err != nil {
			return 0, fmt.Errorf("consult: representative of %d: %w", id, err)
		}
	}
	if err := s.history(ctx, tx, id, "", Open, ""); err != nil {
		return 0, err
	}
	if err := audit.Record(ctx, tx, "create", "topic", id, nil, map[string]any{"org_id": n.OrgID, "title": n.Title,
		"vote_kind": n.VoteKind, "eligibility": n.Eligibility, "secret": n.Secret, "results": n.Results,
		"opens_at": n.OpensAt, "closes_at": n.ClosesAt, "options": options, "representatives": reps}); err != nil {
		return 0, err
	}
	accounts, err := audienceAccounts(ctx, tx, id)
	if err != nil {
		return 0, err
	}
	accounts = without(accounts, actor.AccountID)
	return id, s.notices.Send(ctx, tx, accounts, notify.Notice{Key: "notify.topic_new",
		Params: map[string]any{"title": n.Title}, Link: topicLink(id)})
}

func topicLink(id int64) string { return "/topics/" + strconv.FormatInt(id, 10) }

func uniqueIDs(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func without(ids []int64, drop int64) []int64 {
	out := ids[:0]
	for _, id := range ids {
		if id != drop {
			out = append(out, id)
		}
	}
	return out
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const topicColumns = `t.id, t.org_id, o.name, o.name_en, t.title, t.background, t.vote_kind, t.eligibility, t.secret,
	t.results, t.opens_at, t.closes_at, t.status, t.decision, t.decision_reasons, COALESCE(t.decided_option_id, 0),
	COALESCE(NULLIF(d.display_name, ''), d.username, ''), t.decided_at, t.created_at`

const topicFrom = ` FROM topics t JOIN orgs o ON o.id = t.org_id LEFT JOIN accounts d ON d.id = t.decided_by `

func scanTopic(row interface{ Scan(...any) error }) (Topic, error) {
	var t Topic
	var dec Decision
	var decidedAt sql.NullTime
	err := row.Scan(&t.ID, &t.OrgID, &t.OrgName, &t.OrgNameEn, &t.Title, &t.Background, &t.VoteKind, &t.Eligibility, &t.Secret,
		&t.Results, &t.OpensAt, &t.ClosesAt, &t.Status, &dec.Text, &dec.Reasons, &dec.OptionID, &dec.DecidedBy, &decidedAt, &t.CreatedAt)
	if err != nil {
		return t, err
	}
	if decidedAt.Valid {
		dec.DecidedAt = decidedAt.Time
		t.Decision = &dec
	}
	return t, nil
}

// Get returns a topic with its options, representatives and decision. It does not check
// access: handlers ask AccessTo.
func (s *Service) Get(ctx context.Context, id int64) (Topic, error) { return s.get(ctx, s.db, id) }

func (s *Service) get(ctx context.Context, q store.Querier, id int64) (Topic, error) {
	t, err := scanTopic(q.QueryRowContext(ctx, `SELECT `+topicColumns+topicFrom+`WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, store.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("consult: get topic %d: %w", id, err)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, key, label FROM topic_options WHERE topic_id = $1 ORDER BY position, id`, id)
	if err != nil {
		return t, fmt.Errorf("consult: options of %d: %w", id, err)
	}
	for rows.Next() {
		var o Option
		if err := rows.Scan(&o.ID, &o.Key, &o.Label); err != nil {
			rows.Close()
			return t, fmt.Errorf("consult: scan option: %w", err)
		}
		t.Options = append(t.Options, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, err
	}
	if t.Eligibility == Representatives {
		rows, err := q.QueryContext(ctx, `SELECT p.id, p.name FROM topic_representatives r JOIN people p ON p.id = r.person_id
			WHERE r.topic_id = $1 ORDER BY p.name, p.id`, id)
		if err != nil {
			return t, fmt.Errorf("consult: representatives of %d: %w", id, err)
		}
		for rows.Next() {
			var p PersonRef
			if err := rows.Scan(&p.ID, &p.Name); err != nil {
				rows.Close()
				return t, err
			}
			t.Representatives = append(t.Representatives, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return t, err
		}
	}
	if t.Decision != nil {
		rows, err := q.QueryContext(ctx, `SELECT body FROM topic_conditions WHERE topic_id = $1 ORDER BY position, id`, id)
		if err != nil {
			return t, fmt.Errorf("consult: conditions of %d: %w", id, err)
		}
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return t, err
			}
			t.Decision.Conditions = append(t.Decision.Conditions, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return t, err
		}
	}
	return t, nil
}

// Filter narrows a list of topics.
type Filter struct {
	OrgID  int64  // topics of this organization and those below it; 0 for all the caller may read
	Status Status // only this status; "" for all
	Limit  int
	Offset int
}

// MaxPage bounds a page of topics.
const MaxPage = 500

// Summary is a topic in a list, with its figures.
type Summary struct {
	Topic
	Opinions int  // opinions and replies, hidden ones included
	Hidden   int  // hidden by a moderator
	Voters   int  // people who voted
	Updates  int  // follow-up updates published
	Voted    bool // the caller has voted
}

// List returns the topics a caller may read, newest first, and how many match.
func (s *Service) List(ctx context.Context, c Caller, f Filter) ([]Summary, int, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.OrgID != 0 {
		where = append(where, `t.org_id IN (SELECT org_id FROM org_tree WHERE ancestor_id = `+arg(f.OrgID)+`)`)
	}
	if f.Status != "" {
		where = append(where, `t.status = `+arg(string(f.Status)))
	}
	cond, scopeArgs := visibleWhere(c, len(args)+1)
	where = append(where, cond)
	args = append(args, scopeArgs...)
	clause := ` WHERE ` + strings.Join(where, " AND ")
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM topics t`+clause, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("consult: count topics: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxPage {
		limit = 50
	}
	person := arg(c.PersonID())
	rows, err := s.db.QueryContext(ctx, `SELECT `+topicColumns+`,
		(SELECT COUNT(*) FROM opinions x WHERE x.topic_id = t.id),
		(SELECT COUNT(*) FROM opinions x WHERE x.topic_id = t.id AND x.hidden_at IS NOT NULL),
		(SELECT COUNT(*) FROM votes v WHERE v.topic_id = t.id),
		(SELECT COUNT(*) FROM topic_updates u WHERE u.topic_id = t.id),
		(SELECT COUNT(*) FROM votes v WHERE v.topic_id = t.id AND v.person_id = `+person+`)`+
		topicFrom+clause+` ORDER BY t.opens_at DESC, t.id DESC LIMIT `+strconv.Itoa(limit)+` OFFSET `+strconv.Itoa(max(f.Offset, 0)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("consult: list topics: %w", err)
	}
	defer rows.Close()
	var list []Summary
	for rows.Next() {
		var sm Summary
		var dec Decision
		var decidedAt sql.NullTime
		var voted int
		t := &sm.Topic
		if err := rows.Scan(&t.ID, &t.OrgID, &t.OrgName, &t.OrgNameEn, &t.Title, &t.Background, &t.VoteKind, &t.Eligibility, &t.Secret,
			&t.Results, &t.OpensAt, &t.ClosesAt, &t.Status, &dec.Text, &dec.Reasons, &dec.OptionID, &dec.DecidedBy, &decidedAt, &t.CreatedAt,
			&sm.Opinions, &sm.Hidden, &sm.Voters, &sm.Updates, &voted); err != nil {
			return nil, 0, fmt.Errorf("consult: scan topic: %w", err)
		}
		if decidedAt.Valid {
			dec.DecidedAt = decidedAt.Time
			t.Decision = &dec
		}
		sm.Voted = voted > 0
		list = append(list, sm)
	}
	return list, total, rows.Err()
}
