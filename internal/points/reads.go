package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vanguard/internal/store"
)

// Run keeps the ranking index caught up until ctx ends: every quarter second, and at once
// after this node writes. The server starts it.
func (s *Service) Run(ctx context.Context, logErr func(error)) {
	s.index.run(ctx, 250*time.Millisecond, logErr)
}

// CatchUp brings the ranking index up to the ledger's last entry now.
func (s *Service) CatchUp(ctx context.Context) error { return s.index.catchUp(ctx) }

// Rank is a person's standing in an organization for a ranked period; false when the
// person has no entry there in the period.
func (s *Service) Rank(ctx context.Context, orgID int64, p Period, personID int64) (Standing, bool, error) {
	if !p.Ranked() {
		return Standing{}, false, fmt.Errorf("points: a %s is not ranked", p.Kind)
	}
	return s.index.rank(ctx, orgID, p, personID)
}

// Ranking lists an organization's standings for a ranked period from offset, and how many
// people are ranked in all.
func (s *Service) Ranking(ctx context.Context, orgID int64, p Period, offset, limit int) ([]Standing, int, error) {
	if !p.Ranked() {
		return nil, 0, fmt.Errorf("points: a %s is not ranked", p.Kind)
	}
	if offset < 0 {
		offset = 0
	}
	if limit <= 0 || limit > 1000 {
		limit = 20
	}
	return s.index.top(ctx, orgID, p, offset, limit)
}

// Total is a person's points in a period, read from the ledger.
func (s *Service) Total(ctx context.Context, personID int64, period string) (int, error) {
	p, err := ParsePeriod(period, time.Now())
	if err != nil {
		return 0, err
	}
	return s.TotalIn(ctx, personID, p)
}

// TotalIn is a person's points in a period.
func (s *Service) TotalIn(ctx context.Context, personID int64, p Period) (int, error) {
	var total int
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(points), 0) FROM point_entries
		WHERE person_id = $1 AND day BETWEEN $2 AND $3`, personID, int(p.From), int(p.To)).Scan(&total)
	if err != nil {
		return 0, fmt.Errorf("points: total of %d: %w", personID, err)
	}
	return total, nil
}

// Entry is a ledger row as a person or manager reads it.
type Entry struct {
	ID         int64
	PersonID   int64
	OrgID      int64
	Rule       string
	RuleNameZh string
	RuleNameEn string
	Points     int
	Asked      int
	Status     string
	Reason     string
	OccurredAt time.Time
	Day        Day
	Source     string
	SourceRef  string
	Note       string
	RecordedBy int64
	RecordedAt time.Time
	Reverses   int64
	ReversedBy int64
	Objection  *Objection
}

// RuleName is the entry's rule name in a language.
func (e Entry) RuleName(lang string) string {
	if lang == "en" && e.RuleNameEn != "" {
		return e.RuleNameEn
	}
	if e.RuleNameZh != "" {
		return e.RuleNameZh
	}
	return e.Rule
}

// An entry's rule name is the one in force where it was recorded: the nearest
// organization's own definition of the code, else the built-in one.
const entryColumns = `e.id, e.person_id, e.org_id, e.rule_code,
	COALESCE((SELECT r.name_zh FROM point_rules r JOIN org_tree t ON t.ancestor_id = r.org_id
	          WHERE t.org_id = e.org_id AND r.code = e.rule_code ORDER BY t.distance LIMIT 1),
	         (SELECT r.name_zh FROM point_rules r WHERE r.code = e.rule_code AND r.org_id IS NULL), e.rule_code),
	COALESCE((SELECT r.name_en FROM point_rules r JOIN org_tree t ON t.ancestor_id = r.org_id
	          WHERE t.org_id = e.org_id AND r.code = e.rule_code ORDER BY t.distance LIMIT 1),
	         (SELECT r.name_en FROM point_rules r WHERE r.code = e.rule_code AND r.org_id IS NULL), e.rule_code),
	e.points, e.asked, e.status, e.reason, e.occurred_at, e.day, e.source, e.source_ref, e.note,
	COALESCE(e.recorded_by, 0), e.recorded_at, COALESCE(e.reverses, 0),
	COALESCE((SELECT v.id FROM point_entries v WHERE v.reverses = e.id), 0)`

func scanEntry(row interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var day int
	err := row.Scan(&e.ID, &e.PersonID, &e.OrgID, &e.Rule, &e.RuleNameZh, &e.RuleNameEn, &e.Points, &e.Asked,
		&e.Status, &e.Reason, &e.OccurredAt, &day, &e.Source, &e.SourceRef, &e.Note, &e.RecordedBy, &e.RecordedAt,
		&e.Reverses, &e.ReversedBy)
	e.Day = Day(day)
	return e, err
}

// Entries lists a person's ledger in a period, newest first, with any objection.
func (s *Service) Entries(ctx context.Context, personID int64, p Period) ([]Entry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+entryColumns+` FROM point_entries e
		WHERE e.person_id = $1 AND e.day BETWEEN $2 AND $3 ORDER BY e.occurred_at DESC, e.id DESC`, personID, int(p.From), int(p.To))
	if err != nil {
		return nil, fmt.Errorf("points: entries of %d: %w", personID, err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	objections, err := s.objectionsOf(ctx, personID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if o, ok := objections[out[i].ID]; ok {
			out[i].Objection = &o
		}
	}
	return out, nil
}

// GetEntry reads one entry.
func (s *Service) GetEntry(ctx context.Context, id int64) (Entry, error) {
	e, err := scanEntry(s.db.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM point_entries e WHERE e.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, store.ErrNotFound
	}
	return e, err
}

// Trend is a person's points per month over the twelve months to a day, oldest first.
func (s *Service) Trend(ctx context.Context, personID int64, to Day) ([]MonthTotal, error) {
	end := MonthOf(to)
	start := MonthOf(DayOf(end.From.time().AddDate(0, -11, 0)))
	rows, err := s.db.QueryContext(ctx, `SELECT day / 100, SUM(points) FROM point_entries
		WHERE person_id = $1 AND day BETWEEN $2 AND $3 GROUP BY day / 100`, personID, int(start.From), int(end.To))
	if err != nil {
		return nil, fmt.Errorf("points: trend of %d: %w", personID, err)
	}
	defer rows.Close()
	sums := map[int]int{}
	for rows.Next() {
		var ym, sum int
		if err := rows.Scan(&ym, &sum); err != nil {
			return nil, err
		}
		sums[ym] = sum
	}
	var out []MonthTotal
	for m := start.From.time(); !m.After(end.From.time()); m = m.AddDate(0, 1, 0) {
		ym := DayOf(m).yearMonth()
		out = append(out, MonthTotal{Month: m.Format("2006-01"), Points: sums[ym]})
	}
	return out, rows.Err()
}

// MonthTotal is one point of a trend.
type MonthTotal struct {
	Month  string
	Points int
}
