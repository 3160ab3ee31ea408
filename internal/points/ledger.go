package points

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// MaxBatch is the most events one call records: one API request, one transaction.
const MaxBatch = 1000

// Event is a contribution to record.
type Event struct {
	Key        string // idempotency key: a retried event with the same key never counts twice
	PersonID   int64
	Rule       string // rule code
	Points     *int   // only for rules whose points the recorder chooses
	OccurredAt time.Time
	Source     string // learning, activity, idea, manual, import, api
	SourceRef  string // e.g. "lesson:12"
	Note       string // the reason, required for manual awards and deductions
}

// The status of a recorded event.
const (
	Recorded  = "recorded"  // counted
	Capped    = "capped"    // kept in the ledger with 0 points: a cap was reached
	Duplicate = "duplicate" // the key was recorded before; nothing changed
	Reversal  = "reversal"  // an entry that cancels an earlier one
)

// Result is what became of one event.
type Result struct {
	Status string
	Points int
	Entry  int64 // the ledger entry (for a duplicate: the one recorded first)
	Reason string
	Err    error // an *i18n.Error naming the field, when the event was refused
}

// by is who records a batch: an account acting within its Manage scope, or the platform.
type by struct {
	account  auth.Account
	system   bool
	scoped   bool
	recorder int64
}

// RecordSystem records events the platform raises itself — attendance, completed lessons,
// adopted ideas — inside q's transaction when q is a *store.Tx, so the points commit with
// whatever earned them.
func (s *Service) RecordSystem(ctx context.Context, q store.Querier, events []Event) ([]Result, error) {
	return s.record(ctx, q, by{system: true}, events)
}

// Record records events for an account, which must manage each person's organization.
// Each event is answered for; a refused event changes nothing and the rest still count.
func (s *Service) Record(ctx context.Context, a auth.Account, events []Event) ([]Result, error) {
	return s.record(ctx, s.db, by{account: a, scoped: !a.IsAdmin, recorder: a.ID}, events)
}

func (s *Service) record(ctx context.Context, q store.Querier, who by, events []Event) ([]Result, error) {
	if len(events) > MaxBatch {
		return nil, i18n.Invalid("events", "points.error.batch", "max", MaxBatch)
	}
	var results []Result
	err := store.WriteIn(ctx, q, func(q store.Querier) error {
		var err error
		results, err = s.recordIn(ctx, q, who, events)
		s.wakeAfter(q)
		return err
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// person is what a batch needs to know of someone it credits.
type person struct {
	org   int64
	stage string
}

// batch carries one transaction's work.
type batch struct {
	s       *Service
	q       store.Querier
	who     by
	now     time.Time
	events  []Event
	results []Result
	people  map[int64]person
	rules   catalogue
	closed  map[int64]Day // organization → last closed day
	seen    map[string]int64
	entries []entry
	counter map[counterKey]int
	touched map[counterKey]bool
}

type counterKey struct {
	person int64
	rule   string
	bucket string
}

// entry is a ledger row about to be written.
type entry struct {
	id        int64
	key       string
	person    int64
	org       int64
	rule      string
	points    int
	asked     int
	status    string
	reason    string
	at        time.Time
	day       Day
	source    string
	sourceRef string
	note      string
	reverses  int64
}

func (s *Service) recordIn(ctx context.Context, q store.Querier, who by, events []Event) ([]Result, error) {
	if len(events) == 0 {
		return []Result{}, nil // nothing to decide; and "IN ()" is an error on PostgreSQL
	}
	b := &batch{s: s, q: q, who: who, now: time.Now(), events: events, results: make([]Result, len(events)),
		counter: map[counterKey]int{}, touched: map[counterKey]bool{}}
	// The head row first: from here to commit this transaction owns the next ids.
	var last int64
	if err := q.QueryRowContext(ctx, `UPDATE point_head SET seq = seq + $1 WHERE id = 1 RETURNING seq`, len(events)).Scan(&last); err != nil {
		return nil, fmt.Errorf("points: take the ledger head: %w", err)
	}
	next := last - int64(len(events)) + 1
	if err := b.load(ctx); err != nil {
		return nil, err
	}
	for i := range events {
		b.decide(ctx, i, &next)
	}
	if err := b.write(ctx); err != nil {
		return nil, err
	}
	return b.results, nil
}

// load reads, in a handful of queries for the whole batch, the people, rules, closed
// periods, earlier keys and cap counters the events need.
func (b *batch) load(ctx context.Context) error {
	rules, err := allRules(ctx, b.q)
	if err != nil {
		return err
	}
	b.rules = newCatalogue(rules)
	if b.people, err = b.loadPeople(ctx); err != nil {
		return err
	}
	orgs := make([]int64, 0, len(b.people))
	for _, p := range b.people {
		orgs = append(orgs, p.org)
	}
	if err := b.s.tree.load(ctx, b.q, orgs); err != nil {
		return err
	}
	if b.closed, err = closures(ctx, b.q); err != nil {
		return err
	}
	if b.seen, err = b.loadKeys(ctx); err != nil {
		return err
	}
	return b.loadCounters(ctx)
}

func (b *batch) loadPeople(ctx context.Context) (map[int64]person, error) {
	ids := make([]any, 0, len(b.events))
	dedupe := map[int64]bool{}
	for _, e := range b.events {
		if e.PersonID > 0 && !dedupe[e.PersonID] {
			dedupe[e.PersonID] = true
			ids = append(ids, e.PersonID)
		}
	}
	out := make(map[int64]person, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	where, args := "TRUE", []any(nil)
	if b.who.scoped {
		where, args = org.ScopeOf(b.who.account, org.Manage).Condition("org_id", len(ids)+1)
	}
	rows, err := b.q.QueryContext(ctx, `SELECT id, org_id, stage FROM people WHERE id IN (`+store.Params(1, len(ids))+`)
		AND org_id IS NOT NULL AND `+where, append(ids, args...)...)
	if err != nil {
		return nil, fmt.Errorf("points: people of a batch: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p person
		if err := rows.Scan(&id, &p.org, &p.stage); err != nil {
			return nil, err
		}
		out[id] = p
	}
	return out, rows.Err()
}

func (b *batch) loadKeys(ctx context.Context) (map[string]int64, error) {
	hashes := make([]any, 0, len(b.events))
	for _, e := range b.events {
		hashes = append(hashes, keyHash(e.Key))
	}
	rows, err := b.q.QueryContext(ctx, `SELECT idem_key, id FROM point_entries WHERE idem_hash IN (`+store.Params(1, len(hashes))+`)`, hashes...)
	if err != nil {
		return nil, fmt.Errorf("points: earlier keys: %w", err)
	}
	defer rows.Close()
	seen := map[string]int64{}
	for rows.Next() {
		var key string
		var id int64
		if err := rows.Scan(&key, &id); err != nil {
			return nil, err
		}
		seen[key] = id
	}
	return seen, rows.Err()
}

// loadCounters reads what the batch's people have already earned by capped rules in the
// days and periods the batch touches: each counter by its whole key, so every row read is
// one the batch needs.
func (b *batch) loadCounters(ctx context.Context) error {
	want := map[counterKey]bool{}
	for _, e := range b.events {
		p, ok := b.people[e.PersonID]
		if !ok || e.OccurredAt.IsZero() {
			continue
		}
		r, ok := b.rules.effective(e.Rule, b.s.tree.chain(p.org))
		if !ok {
			continue
		}
		d := DayOf(e.OccurredAt)
		if r.DayCap > 0 {
			want[counterKey{e.PersonID, r.Code, capBucket("day", d)}] = true
		}
		if r.PeriodCap > 0 {
			want[counterKey{e.PersonID, r.Code, capBucket(r.CapPeriod, d)}] = true
		}
	}
	keys := make([]counterKey, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	const perQuery = 300
	for start := 0; start < len(keys); start += perQuery {
		part := keys[start:min(start+perQuery, len(keys))]
		args := make([]any, 0, len(part)*3)
		for _, k := range part {
			args = append(args, k.person, k.rule, k.bucket)
		}
		rows, err := b.q.QueryContext(ctx, `WITH k (person_id, rule_code, bucket) AS (VALUES `+typedRows(len(part))+`)
			SELECT c.person_id, c.rule_code, c.bucket, c.used FROM point_counters c
			JOIN k ON c.person_id = k.person_id AND c.rule_code = k.rule_code AND c.bucket = k.bucket`, args...)
		if err != nil {
			return fmt.Errorf("points: cap counters: %w", err)
		}
		for rows.Next() {
			var k counterKey
			var used int
			if err := rows.Scan(&k.person, &k.rule, &k.bucket, &used); err != nil {
				rows.Close()
				return err
			}
			b.counter[k] = used
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// decide answers one event: refused with the field at fault, a duplicate, capped or
// recorded.
func (b *batch) decide(ctx context.Context, i int, next *int64) {
	e := b.events[i]
	field := func(name string) string { return "events[" + strconv.Itoa(i) + "]." + name }
	refuse := func(name, key string, kv ...any) { b.results[i] = Result{Err: i18n.Invalid(field(name), key, kv...)} }
	key := strings.TrimSpace(e.Key)
	switch {
	case key == "":
		refuse("idempotency_key", "error.required")
		return
	case len(key) > 200:
		refuse("idempotency_key", "points.error.key_long")
		return
	}
	if id, ok := b.seen[key]; ok {
		b.results[i] = Result{Status: Duplicate, Entry: id}
		return
	}
	p, ok := b.people[e.PersonID]
	if !ok {
		refuse("person_id", "points.error.person")
		return
	}
	chain := b.s.tree.chain(p.org)
	r, ok := b.rules.effective(e.Rule, chain)
	if !ok {
		refuse("rule", "points.error.rule", "rule", e.Rule)
		return
	}
	asked, errKey := b.points(r, e)
	if errKey != "" {
		refuse("points", errKey)
		return
	}
	if e.OccurredAt.IsZero() {
		refuse("occurred_at", "error.required")
		return
	}
	d := DayOf(e.OccurredAt)
	switch {
	case e.OccurredAt.After(b.now.Add(5 * time.Minute)):
		refuse("occurred_at", "points.error.future")
		return
	case b.closedFor(chain) >= d:
		refuse("occurred_at", "points.error.closed", "through", b.closedFor(chain).String())
		return
	case !r.validOn(d):
		refuse("occurred_at", "points.error.rule_invalid", "rule", r.Code)
		return
	case !r.AppliesTo(p.stage):
		refuse("person_id", "points.error.stage", "rule", r.Code)
		return
	}
	note := strings.TrimSpace(e.Note)
	if utf8.RuneCountInString(note) > 500 {
		refuse("note", "points.error.note_long")
		return
	}
	if (r.EarnedBy == "award" || r.EarnedBy == "deduction") && (note == "" || b.who.system) {
		refuse("note", "points.error.reason")
		return
	}
	status, reason, pts := Recorded, "", asked
	if over := b.overCap(e.PersonID, r, d, asked); over != "" {
		status, reason, pts = Capped, over, 0
	}
	id := *next
	*next++
	b.seen[key] = id
	source := e.Source
	if source == "" {
		source = "api"
	}
	b.entries = append(b.entries, entry{id: id, key: key, person: e.PersonID, org: p.org, rule: r.Code, points: pts,
		asked: asked, status: status, reason: reason, at: e.OccurredAt, day: d, source: source, sourceRef: e.SourceRef, note: note})
	b.results[i] = Result{Status: status, Points: pts, Entry: id, Reason: reason}
}

// points is what an event is worth under its rule, or the catalog key of the error.
func (b *batch) points(r Rule, e Event) (int, string) {
	switch {
	case r.Chosen == "" && e.Points != nil && *e.Points != r.Points:
		return 0, "points.error.fixed"
	case r.Chosen == "":
		return r.Points, ""
	case e.Points == nil:
		return 0, "error.required"
	case *e.Points == 0 || *e.Points > 1000 || *e.Points < -1000:
		return 0, "points.error.points_range"
	case r.Chosen == "positive" && *e.Points < 0, r.Chosen == "negative" && *e.Points > 0:
		return 0, "points.error.sign"
	}
	return *e.Points, ""
}

// overCap counts the event against the rule's caps and names the cap it would break.
func (b *batch) overCap(personID int64, r Rule, d Day, pts int) string {
	abs := pts
	if abs < 0 {
		abs = -abs
	}
	type limit struct {
		kind string
		cap  int
	}
	var limits []limit
	if r.DayCap > 0 {
		limits = append(limits, limit{"day", r.DayCap})
	}
	if r.PeriodCap > 0 {
		limits = append(limits, limit{r.CapPeriod, r.PeriodCap})
	}
	for _, l := range limits {
		k := counterKey{personID, r.Code, capBucket(l.kind, d)}
		if b.counter[k]+abs > l.cap {
			return "cap:" + l.kind
		}
	}
	for _, l := range limits {
		k := counterKey{personID, r.Code, capBucket(l.kind, d)}
		b.counter[k] += abs
		b.touched[k] = true
	}
	return ""
}

func (b *batch) closedFor(chain []int64) Day {
	var through Day
	for _, o := range chain {
		if d := b.closed[o]; d > through {
			through = d
		}
	}
	return through
}

// write inserts the batch's entries and counters, a few hundred rows a statement.
func (b *batch) write(ctx context.Context) error {
	const perStatement = 400
	recorder := nullInt64(b.who.recorder)
	for start := 0; start < len(b.entries); start += perStatement {
		chunk := b.entries[start:min(start+perStatement, len(b.entries))]
		args := make([]any, 0, len(chunk)*17)
		for _, e := range chunk {
			args = append(args, e.id, keyHash(e.key), e.key, e.person, e.org, e.rule, e.points, e.asked, e.status,
				e.reason, e.at, int(e.day), e.source, e.sourceRef, e.note, recorder, b.now)
		}
		if _, err := b.q.ExecContext(ctx, `INSERT INTO point_entries (id, idem_hash, idem_key, person_id, org_id, rule_code,
			points, asked, status, reason, occurred_at, day, source, source_ref, note, recorded_by, recorded_at)
			VALUES `+store.Tuples(len(chunk), 17), args...); err != nil {
			return fmt.Errorf("points: write entries: %w", err)
		}
	}
	return b.writeCounters(ctx)
}

func (b *batch) writeCounters(ctx context.Context) error {
	keys := make([]counterKey, 0, len(b.touched))
	for k := range b.touched {
		keys = append(keys, k)
	}
	const perStatement = 500
	for start := 0; start < len(keys); start += perStatement {
		chunk := keys[start:min(start+perStatement, len(keys))]
		args := make([]any, 0, len(chunk)*4)
		for _, k := range chunk {
			args = append(args, k.person, k.rule, k.bucket, b.counter[k])
		}
		if _, err := b.q.ExecContext(ctx, `INSERT INTO point_counters (person_id, rule_code, bucket, used) VALUES `+
			store.Tuples(len(chunk), 4)+` ON CONFLICT (person_id, rule_code, bucket) DO UPDATE SET used = excluded.used`, args...); err != nil {
			return fmt.Errorf("points: write cap counters: %w", err)
		}
	}
	return nil
}

// closures reads the days through which organizations have closed their ledgers.
func closures(ctx context.Context, q store.Querier) (map[int64]Day, error) {
	rows, err := q.QueryContext(ctx, `SELECT org_id, closed_through FROM point_org_settings WHERE closed_through > 0`)
	if err != nil {
		return nil, fmt.Errorf("points: closed periods: %w", err)
	}
	defer rows.Close()
	out := map[int64]Day{}
	for rows.Next() {
		var id int64
		var d int
		if err := rows.Scan(&id, &d); err != nil {
			return nil, err
		}
		out[id] = Day(d)
	}
	return out, rows.Err()
}

// keyHash is the indexed stand-in for an idempotency key: eight bytes instead of up to
// two hundred keep the index small enough to stay in memory at tens of millions of
// entries. Equal hashes are told apart by the key itself.
func keyHash(key string) int64 {
	h := fnv.New64a()
	h.Write([]byte(strings.TrimSpace(key)))
	return int64(h.Sum64())
}

// typedRows writes n (person, rule, bucket) tuples for a VALUES list, typed so that
// PostgreSQL need not guess what the parameters are.
func typedRows(n int) string {
	var b strings.Builder
	for r := 0; r < n; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(CAST($%d AS BIGINT), CAST($%d AS TEXT), CAST($%d AS TEXT))", r*3+1, r*3+2, r*3+3)
	}
	return b.String()
}

// wakeAfter tells this node's index of a write once q's transaction commits.
func (s *Service) wakeAfter(q store.Querier) {
	if tx, ok := q.(*store.Tx); ok {
		tx.AfterCommit(s.index.wake)
		return
	}
	s.index.wake()
}
