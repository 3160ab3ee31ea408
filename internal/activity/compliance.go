package activity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// Frequency is how often a rule asks for an activity.
type Frequency string

const (
	Monthly   Frequency = "monthly"
	Quarterly Frequency = "quarterly"
	Yearly    Frequency = "yearly"
	Never     Frequency = "none" // an override that lifts a built-in rule
)

// Frequencies lists the frequencies, the most often first.
func Frequencies() []Frequency { return []Frequency{Monthly, Quarterly, Yearly, Never} }

// Valid tells whether f is a known frequency.
func (f Frequency) Valid() bool { return slices.Contains(Frequencies(), f) }

// Key is the catalog key of the frequency's name.
func (f Frequency) Key() string { return "activity.frequency." + string(f) }

// Periods is how many periods of this frequency a year has.
func (f Frequency) Periods() int {
	switch f {
	case Monthly:
		return 12
	case Quarterly:
		return 4
	case Yearly:
		return 1
	}
	return 0
}

// PeriodBounds returns the start and the end (exclusive) of period i of a year, in
// Beijing time: a meeting on the evening of 31 March in Beijing is a March meeting.
func PeriodBounds(f Frequency, year, i int) (start, end time.Time) {
	months := 12 / max(f.Periods(), 1)
	start = time.Date(year, time.Month(1+i*months), 1, 0, 0, 0, 0, beijing)
	return start, start.AddDate(0, months, 0)
}

// Rule says that organizations of a kind are due activities of a kind at a frequency.
type Rule struct {
	OrgKind   org.Kind  `json:"org_kind"`
	Kind      Kind      `json:"kind"`
	Frequency Frequency `json:"frequency"`
	// SetOn is the organization whose administrator set this rule for its subtree; 0 for
	// a built-in rule.
	SetOn int64 `json:"set_on,omitempty"`
}

// builtinRules are the rules of the branch work regulation (中国共产党支部工作条例（试行）,
// 2018, art. 19–21): the branch general meeting at least quarterly, the branch committee
// meeting and the party group meeting monthly, a theme party day monthly, the
// organizational life meeting and the democratic appraisal of members yearly, and a party
// lecture by the secretary and a heart-to-heart talk between each pair of committee
// members at least yearly. Local rules ask for more (party lectures quarterly or
// monthly), which an administrator sets as overrides for their subtree. The talk rule
// counts pairs of people rather than activities (see talkPairs), and the lecture rule
// only the lectures the host's secretary gave.
var builtinRules = [...]Rule{
	{OrgKind: org.Branch, Kind: GeneralMeeting, Frequency: Quarterly},
	{OrgKind: org.Branch, Kind: CommitteeMeeting, Frequency: Monthly},
	{OrgKind: org.Branch, Kind: ThemeDay, Frequency: Monthly},
	{OrgKind: org.Branch, Kind: PartyLecture, Frequency: Yearly},
	{OrgKind: org.Branch, Kind: LifeMeeting, Frequency: Yearly},
	{OrgKind: org.Branch, Kind: DemocraticAppraisal, Frequency: Yearly},
	{OrgKind: org.Branch, Kind: HeartTalk, Frequency: Yearly},
	{OrgKind: org.Group, Kind: GroupMeeting, Frequency: Monthly},
}

// BuiltinRules lists the built-in rules.
func BuiltinRules() []Rule { return builtinRules[:] }

// SetRule overrides a rule for the subtree of an organization the caller administers:
// from it down, organizations of r.OrgKind are due activities of r.Kind at r.Frequency
// (Never lifts a rule). The override nearest above an organization wins.
func (s *Service) SetRule(ctx context.Context, sc org.Scope, orgID int64, r Rule) error {
	var errs i18n.Errors
	if !r.OrgKind.Valid() {
		errs = append(errs, i18n.Invalid("org_kind", "activity.error.org_kind"))
	}
	if !r.Kind.Valid() {
		errs = append(errs, i18n.Invalid(fieldKind, "activity.error.kind"))
	}
	if !r.Frequency.Valid() {
		errs = append(errs, i18n.Invalid("frequency", "activity.error.frequency"))
	}
	if len(errs) > 0 {
		return asError(errs)
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := requireAdmin(ctx, tx, sc, orgID); err != nil {
			return err
		}
		var before string
		err := tx.QueryRowContext(ctx, `SELECT frequency FROM compliance_rules WHERE org_id = $1 AND org_kind = $2 AND kind = $3`,
			orgID, r.OrgKind, r.Kind).Scan(&before)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("activity: read rule: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO compliance_rules (org_id, org_kind, kind, frequency, set_at, set_by)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (org_id, org_kind, kind) DO UPDATE SET frequency = excluded.frequency, set_at = excluded.set_at, set_by = excluded.set_by`,
			orgID, r.OrgKind, r.Kind, r.Frequency, s.now(), nullID(audit.ActorFrom(ctx).AccountID)); err != nil {
			return fmt.Errorf("activity: set rule: %w", err)
		}
		return audit.Record(ctx, tx, "set_rule", "org", orgID,
			map[string]any{"org_kind": r.OrgKind, "kind": r.Kind, "frequency": before},
			map[string]any{"org_kind": r.OrgKind, "kind": r.Kind, "frequency": r.Frequency})
	})
}

// ClearRule removes an override, so that the rule above (or the built-in one) applies.
func (s *Service) ClearRule(ctx context.Context, sc org.Scope, orgID int64, orgKind org.Kind, kind Kind) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := requireAdmin(ctx, tx, sc, orgID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM compliance_rules WHERE org_id = $1 AND org_kind = $2 AND kind = $3`, orgID, orgKind, kind)
		if err != nil {
			return fmt.Errorf("activity: clear rule: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return audit.Record(ctx, tx, "clear_rule", "org", orgID, map[string]any{"org_kind": orgKind, "kind": kind}, nil)
	})
}

// requireAdmin checks that an organization exists and lies in the scope, which for
// rules is the Administer right.
func requireAdmin(ctx context.Context, q store.Querier, sc org.Scope, orgID int64) error {
	cond, args := sc.Condition("o.id", 2)
	var exists, inScope int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN `+cond+` THEN 1 ELSE 0 END), 0) FROM orgs o WHERE o.id = $1`,
		append([]any{orgID}, args...)...).Scan(&exists, &inScope)
	switch {
	case err != nil:
		return fmt.Errorf("activity: access to org %d: %w", orgID, err)
	case exists == 0:
		return store.ErrNotFound
	case inScope == 0:
		return ErrForbidden
	}
	return nil
}

// Overrides lists the overrides set on an organization itself.
func (s *Service) Overrides(ctx context.Context, orgID int64) ([]Rule, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT org_kind, kind, frequency, org_id FROM compliance_rules WHERE org_id = $1
		ORDER BY org_kind, kind`, orgID)
	if err != nil {
		return nil, fmt.Errorf("activity: overrides of %d: %w", orgID, err)
	}
	defer rows.Close()
	var list []Rule
	for rows.Next() {
		var r Rule
		if err := rows.Scan(&r.OrgKind, &r.Kind, &r.Frequency, &r.SetOn); err != nil {
			return nil, fmt.Errorf("activity: scan override: %w", err)
		}
		list = append(list, r)
	}
	return list, rows.Err()
}

// Rules lists the rules in force for an organization: the built-in ones of its kind,
// changed by the nearest override above it; lifted rules are left out.
func (s *Service) Rules(ctx context.Context, orgID int64) ([]Rule, error) {
	var kind org.Kind
	err := s.db.QueryRowContext(ctx, `SELECT kind FROM orgs WHERE id = $1`, orgID).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("activity: rules of %d: %w", orgID, err)
	}
	overrides, err := s.effectiveOverrides(ctx, `SELECT CAST($1 AS BIGINT)`, orgID)
	if err != nil {
		return nil, err
	}
	return rulesFor(kind, overrides[orgID]), nil
}

// effectiveOverrides finds, for every organization the subquery names, the nearest
// override above it (itself included) of each activity kind that matches its own kind —
// one query for the whole subtree, whatever its size.
func (s *Service) effectiveOverrides(ctx context.Context, orgs string, args ...any) (map[int64][]Rule, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT org_id, org_kind, kind, frequency, set_on FROM (
		SELECT o.id AS org_id, r.org_kind, r.kind, r.frequency, r.org_id AS set_on,
		       ROW_NUMBER() OVER (PARTITION BY o.id, r.kind ORDER BY t.distance) AS rn
		FROM orgs o
		JOIN org_tree t ON t.org_id = o.id
		JOIN compliance_rules r ON r.org_id = t.ancestor_id AND r.org_kind = o.kind
		WHERE o.id IN (`+orgs+`)) x
		WHERE rn = 1`, args...)
	if err != nil {
		return nil, fmt.Errorf("activity: effective rules: %w", err)
	}
	defer rows.Close()
	out := map[int64][]Rule{}
	for rows.Next() {
		var id int64
		var r Rule
		if err := rows.Scan(&id, &r.OrgKind, &r.Kind, &r.Frequency, &r.SetOn); err != nil {
			return nil, fmt.Errorf("activity: scan rule: %w", err)
		}
		out[id] = append(out[id], r)
	}
	return out, rows.Err()
}

// rulesFor merges the built-in rules of an organization kind with its overrides, in the
// order of the kinds table.
func rulesFor(kind org.Kind, overrides []Rule) []Rule {
	var list []Rule
	for _, k := range kinds {
		var rule *Rule
		for i := range builtinRules {
			if builtinRules[i].OrgKind == kind && builtinRules[i].Kind == k.Kind {
				rule = &builtinRules[i]
			}
		}
		for i := range overrides {
			if overrides[i].Kind == k.Kind {
				rule = &overrides[i]
			}
		}
		if rule != nil && rule.Frequency != Never {
			list = append(list, *rule)
		}
	}
	return list
}

// FirstYear is the earliest year a calendar is drawn for: the year the Party was founded.
const FirstYear = 1921

// Calendar is what was due, held and overdue in a year for an organization and every
// organization in its subtree.
type Calendar struct {
	OrgID int64          `json:"org_id"`
	Year  int            `json:"year"`
	AsOf  time.Time      `json:"as_of"`
	Orgs  []OrgCalendar  `json:"orgs"` // the tree, parents before children
	Total CalendarTotals `json:"total"`
}

// CalendarTotals counts periods: those begun (due), those with the activity held, those
// ended without it (overdue).
type CalendarTotals struct {
	Due     int `json:"due"`
	Held    int `json:"held"`
	Overdue int `json:"overdue"`
}

// OrgCalendar is one organization's year.
type OrgCalendar struct {
	OrgID    int64          `json:"org_id"`
	ParentID int64          `json:"parent_id,omitempty"`
	Name     string         `json:"name"`
	Kind     org.Kind       `json:"kind"`
	Depth    int            `json:"depth"`
	Rules    []RuleCalendar `json:"rules"`
	Totals   CalendarTotals `json:"totals"`
	// Attendance at the held activities it hosted in the year.
	Attendance Tally `json:"attendance"`
}

// RuleCalendar is one rule's periods.
type RuleCalendar struct {
	Rule
	Periods []Period `json:"periods"` // 12, 4 or 1; PeriodBounds gives their dates
	// Pairs lists, for the heart-to-heart talk rule, every pair of the committee and the
	// periods they talked in.
	Pairs []TalkPair `json:"pairs,omitempty"`
}

// Current is the index of the latest period that is due, or 0 when none is: the one a
// page shows the pairs of.
func (r RuleCalendar) Current() int {
	for i := len(r.Periods) - 1; i > 0; i-- {
		if r.Periods[i].Due {
			return i
		}
	}
	return 0
}

// Period is one month, quarter or year of a rule.
type Period struct {
	// Held counts the activities of the kind held in it that count for the rule — for
	// the party lecture, those the secretary gave; for heart-to-heart talks, the pairs
	// of committee members that talked.
	Held    int  `json:"held"`
	Missing int  `json:"missing,omitempty"` // heart-to-heart talks: pairs that have not talked yet
	Due     bool `json:"due"`               // it has begun, so one is expected
	Overdue bool `json:"overdue"`           // it has ended without one (or with a pair missing)
}

// Done tells whether what the period asks for was held: an activity, or for
// heart-to-heart talks a talk of every pair.
func (p Period) Done() bool { return p.Held > 0 && p.Missing == 0 }

// Calendar builds the compliance calendar of an organization's subtree for a year, as of
// now. It does not check access: handlers ask org.Can(View). It runs the same few queries
// whatever the size of the tree — the organizations, their year's summary rows (what was
// held, by kind and month, the talks and the attendance), the overrides set in the
// subtree and above it, and the committees' members — and does the rest in memory, so
// that a province's tree takes no more round trips than a branch's. Heart-to-heart talks
// are due between the committee members on record at the end of the year (or today, for
// the current year). Dissolved organizations appear for the year they were dissolved in,
// with nothing due after their dissolution.
func (s *Service) Calendar(ctx context.Context, orgID int64, year int) (Calendar, error) {
	if year < FirstYear || year > 9999 {
		return Calendar{}, i18n.Invalid("year", "activity.error.year", "first", FirstYear)
	}
	now := s.now()
	yearStart, yearEnd := PeriodBounds(Yearly, year, 0)
	cal := Calendar{OrgID: orgID, Year: year, AsOf: now}

	t, err := s.readCalendarTree(ctx, orgID, yearStart)
	if err != nil {
		return cal, err
	}
	if len(t.nodes) == 0 {
		return cal, store.ErrNotFound
	}
	if err := s.readSummaries(ctx, t, orgID, year); err != nil {
		return cal, err
	}
	envs, err := s.ruleEnvs(ctx, t, orgID)
	if err != nil {
		return cal, err
	}
	ref := now
	if !ref.Before(yearEnd) {
		ref = yearEnd.Add(-time.Second)
	}
	committees, err := s.committees(ctx, orgID, day(ref), t)
	if err != nil {
		return cal, err
	}

	l := newLayout(now, year, t)
	cal.Orgs = make([]OrgCalendar, len(t.order))
	for k, i := range t.order {
		oc := &cal.Orgs[k]
		l.lay(oc, &t.nodes[i], envs[i].rulesOf(t.nodes[i].kind), committees[i])
		cal.Total.Due += oc.Totals.Due
		cal.Total.Held += oc.Totals.Held
		cal.Total.Overdue += oc.Totals.Overdue
	}
	return cal, nil
}

// layout lays out organizations' years: the periods' bounds and how they stand as of now
// are computed once, and the periods and rules of every organization are carved from
// large blocks — a province has millions of periods.
type layout struct {
	now    time.Time
	t      *calendarTree
	bounds [4][12][2]time.Time // by frequencySlot, then period: start and end
	begun  [4][12]bool         // the period has begun as of now
	ended  [4][12]bool         // the period has ended as of now
	counts [len(kinds)][12]int // the organization's held activities by kind and month
	pool   []Period
	rules  []RuleCalendar
}

// frequencySlot numbers the frequencies that have periods, for the layout's arrays.
func frequencySlot(f Frequency) int {
	switch f {
	case Monthly:
		return 0
	case Quarterly:
		return 1
	}
	return 2
}

func newLayout(now time.Time, year int, t *calendarTree) *layout {
	l := &layout{now: now, t: t}
	for _, f := range []Frequency{Monthly, Quarterly, Yearly} {
		slot := frequencySlot(f)
		for p := range f.Periods() {
			start, end := PeriodBounds(f, year, p)
			l.bounds[slot][p] = [2]time.Time{start, end}
			l.begun[slot][p] = !now.Before(start)
			l.ended[slot][p] = !now.Before(end)
		}
	}
	return l
}

// lay fills in one organization's calendar from its node, the rules in force for it and
// its committee.
func (l *layout) lay(oc *OrgCalendar, n *calNode, rules *ruleSet, committee []PairPerson) {
	oc.OrgID, oc.ParentID, oc.Name, oc.Kind, oc.Depth, oc.Attendance = n.id, n.parent, n.name, n.kind, n.depth, n.attendance
	if len(rules.rules) == 0 {
		return
	}
	held := l.t.held[n.held[0]:n.held[1]]
	for _, e := range held {
		l.counts[e>>4][e&15-1]++
	}
	oc.Rules = l.takeRules(len(rules.rules))
	for j, r := range rules.rules {
		oc.Rules = append(oc.Rules, l.rule(oc, n, r, rules.kinds[j], committee))
	}
	for _, e := range held {
		l.counts[e>>4][e&15-1] = 0
	}
}

// rule lays out one rule's periods for an organization and adds them to its totals.
func (l *layout) rule(oc *OrgCalendar, n *calNode, r Rule, kind int, committee []PairPerson) RuleCalendar {
	need := r.Frequency.Periods()
	months := 12 / need
	slot := frequencySlot(r.Frequency)
	rc := RuleCalendar{Rule: r, Periods: l.takePeriods(need)}
	talks := r.Kind == HeartTalk
	if talks {
		rc.Pairs = talkPairs(committee, n.talks, months, need)
	}
	counts := &l.counts[kind]
	for p := range rc.Periods {
		per := &rc.Periods[p]
		if talks {
			// Due pairs, not activities: the period is done when every pair of the
			// committee has talked in it.
			for _, pair := range rc.Pairs {
				if pair.Talked[p] {
					per.Held++
				} else {
					per.Missing++
				}
			}
		} else {
			for m := p * months; m < (p+1)*months; m++ {
				per.Held += counts[m]
			}
		}
		per.Due = l.begun[slot][p] && (n.dissolved == nil || n.dissolved.After(l.bounds[slot][p][0]))
		if talks && len(rc.Pairs) == 0 {
			per.Due = false // fewer than two committee members on record: no pair is due
		}
		done := per.Held > 0 && per.Missing == 0
		per.Overdue = per.Due && l.ended[slot][p] && !done
		if per.Due {
			oc.Totals.Due++
		}
		if done {
			oc.Totals.Held++
		}
		if per.Overdue {
			oc.Totals.Overdue++
		}
	}
	return rc
}

// takePeriods carves n zeroed periods from the block, capped so that appending to them
// cannot run into the next organization's.
func (l *layout) takePeriods(n int) []Period {
	if cap(l.pool)-len(l.pool) < n {
		l.pool = make([]Period, 0, 1<<14)
	}
	l.pool = l.pool[:len(l.pool)+n]
	return l.pool[len(l.pool)-n : len(l.pool) : len(l.pool)]
}

// takeRules carves room for n rules from the block, empty and capped at n.
func (l *layout) takeRules(n int) []RuleCalendar {
	if cap(l.rules)-len(l.rules) < n {
		l.rules = make([]RuleCalendar, 0, max(n, 1<<12))
	}
	l.rules = l.rules[:len(l.rules)+n]
	return l.rules[len(l.rules)-n : len(l.rules)-n : len(l.rules)]
}
