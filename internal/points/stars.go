package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"vanguard/internal/i18n"
	"vanguard/internal/store"
)

// Settings are an organization's choices about points.
type Settings struct {
	OrgID         int64
	Rankings      bool // individual rankings shown; off unless switched on
	ObjectionDays int
	FirstPrizes   int
	SecondPrizes  int
	ThirdPrizes   int
	ClosedThrough Day // no entry may be dated on or before this day (0: none)
}

var defaultSettings = Settings{ObjectionDays: 15, FirstPrizes: 1, SecondPrizes: 2, ThirdPrizes: 3}

// Settings reads an organization's choices, the defaults where it made none.
func (s *Service) Settings(ctx context.Context, orgID int64) (Settings, error) {
	out := defaultSettings
	out.OrgID = orgID
	var closed int
	err := s.db.QueryRowContext(ctx, `SELECT rankings, objection_days, first_prizes, second_prizes, third_prizes, closed_through
		FROM point_org_settings WHERE org_id = $1`, orgID).Scan(&out.Rankings, &out.ObjectionDays, &out.FirstPrizes,
		&out.SecondPrizes, &out.ThirdPrizes, &closed)
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("points: settings of %d: %w", orgID, err)
	}
	out.ClosedThrough = Day(closed)
	return out, nil
}

// SaveSettings stores an organization's choices (the handler checks Administer).
func (s *Service) SaveSettings(ctx context.Context, in Settings) error {
	var errs i18n.Errors
	if in.ObjectionDays < 1 || in.ObjectionDays > 365 {
		errs = append(errs, i18n.Invalid("objection_days", "points.error.objection_days"))
	}
	for field, n := range map[string]int{"first_prizes": in.FirstPrizes, "second_prizes": in.SecondPrizes, "third_prizes": in.ThirdPrizes} {
		if n < 0 || n > 1000 {
			errs = append(errs, i18n.Invalid(field, "points.error.prizes"))
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO point_org_settings (org_id, rankings, objection_days, first_prizes, second_prizes, third_prizes, closed_through)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id) DO UPDATE SET rankings = excluded.rankings,
			objection_days = excluded.objection_days, first_prizes = excluded.first_prizes, second_prizes = excluded.second_prizes,
			third_prizes = excluded.third_prizes, closed_through = excluded.closed_through`,
			in.OrgID, in.Rankings, in.ObjectionDays, in.FirstPrizes, in.SecondPrizes, in.ThirdPrizes, int(in.ClosedThrough))
		if err != nil {
			return fmt.Errorf("points: save settings of %d: %w", in.OrgID, err)
		}
		return nil
	})
}

// Threshold is the least total of a period that earns a number of stars.
type Threshold struct {
	Stars  int
	Points int
}

// Thresholds reads the star thresholds in force at an organization for a period kind:
// its own, or those of its nearest ancestor that set any.
func (s *Service) Thresholds(ctx context.Context, orgID int64, kind PeriodKind) ([]Threshold, int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT s.org_id, s.stars, s.points FROM point_stars s
		JOIN org_tree t ON t.ancestor_id = s.org_id WHERE t.org_id = $1 AND s.period_kind = $2
		ORDER BY t.distance, s.stars`, orgID, string(kind))
	if err != nil {
		return nil, 0, fmt.Errorf("points: star thresholds of %d: %w", orgID, err)
	}
	defer rows.Close()
	var out []Threshold
	var from int64
	for rows.Next() {
		var o int64
		var th Threshold
		if err := rows.Scan(&o, &th.Stars, &th.Points); err != nil {
			return nil, 0, err
		}
		if from != 0 && o != from {
			break
		}
		from = o
		out = append(out, th)
	}
	return out, from, rows.Err()
}

// SetThresholds replaces an organization's star thresholds for a period kind. Each star
// level needs more points than the one below it.
func (s *Service) SetThresholds(ctx context.Context, orgID int64, kind PeriodKind, ths []Threshold) error {
	if kind != MonthPeriod && kind != QuarterPeriod && kind != YearPeriod {
		return i18n.Invalid("period_kind", "points.error.period_kind")
	}
	sort.Slice(ths, func(i, j int) bool { return ths[i].Stars < ths[j].Stars })
	for i, th := range ths {
		switch {
		case th.Stars < 1 || th.Stars > 5:
			return i18n.Invalid("stars", "points.error.stars")
		case th.Points <= 0:
			return i18n.Invalid("points", "points.error.threshold")
		case i > 0 && (th.Stars == ths[i-1].Stars || th.Points <= ths[i-1].Points):
			return i18n.Invalid("points", "points.error.thresholds_order")
		}
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM point_stars WHERE org_id = $1 AND period_kind = $2`, orgID, string(kind)); err != nil {
			return fmt.Errorf("points: clear thresholds: %w", err)
		}
		for _, th := range ths {
			if _, err := tx.ExecContext(ctx, `INSERT INTO point_stars (org_id, period_kind, stars, points) VALUES ($1, $2, $3, $4)`,
				orgID, string(kind), th.Stars, th.Points); err != nil {
				return fmt.Errorf("points: set threshold: %w", err)
			}
		}
		return nil
	})
}

// StarsFor is the number of stars a total earns under thresholds.
func StarsFor(total int, ths []Threshold) int {
	stars := 0
	for _, th := range ths {
		if total >= th.Points {
			stars = th.Stars
		}
	}
	return stars
}

// StarEntry is a line of a star roll or prize list.
type StarEntry struct {
	PersonID int64
	Total    int
	Stars    int
	Rank     int
	Prize    int // 1, 2, 3; 0: none
}

// StarRoll lists everyone with an entry in an organization's subtree in a period with
// their total and stars, most stars first. It does not need rankings switched on: it
// shows stars earned against thresholds, not places.
func (s *Service) StarRoll(ctx context.Context, orgID int64, p Period) ([]StarEntry, []Threshold, error) {
	ths, _, err := s.Thresholds(ctx, orgID, p.Kind)
	if err != nil {
		return nil, nil, err
	}
	standings, err := s.all(ctx, orgID, p)
	if err != nil {
		return nil, nil, err
	}
	out := make([]StarEntry, 0, len(standings))
	for _, st := range standings {
		out = append(out, StarEntry{PersonID: st.PersonID, Total: st.Total, Stars: StarsFor(st.Total, ths), Rank: st.Rank})
	}
	return out, ths, nil
}

// Prizes lists a year's first, second and third prizes of an organization by rank, with
// the counts it set. Ties share a rank, so a tie at a boundary takes the higher prize.
func (s *Service) Prizes(ctx context.Context, orgID int64, year Period) ([]StarEntry, error) {
	if year.Kind != YearPeriod {
		return nil, i18n.Invalid("period", "points.error.prize_year")
	}
	set, err := s.Settings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	limit := set.FirstPrizes + set.SecondPrizes + set.ThirdPrizes
	if limit == 0 {
		return nil, nil
	}
	standings, _, err := s.index.top(ctx, orgID, year, 0, limit)
	if err != nil {
		return nil, err
	}
	var out []StarEntry
	for _, st := range standings {
		prize := 3
		switch {
		case st.Rank <= set.FirstPrizes:
			prize = 1
		case st.Rank <= set.FirstPrizes+set.SecondPrizes:
			prize = 2
		case st.Rank > limit:
			continue
		}
		out = append(out, StarEntry{PersonID: st.PersonID, Total: st.Total, Rank: st.Rank, Prize: prize})
	}
	return out, nil
}

// all lists every standing of an organization's period.
func (s *Service) all(ctx context.Context, orgID int64, p Period) ([]Standing, error) {
	var out []Standing
	for offset := 0; ; offset += 1000 {
		page, total, err := s.index.top(ctx, orgID, p, offset, 1000)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if offset+len(page) >= total || len(page) == 0 {
			return out, nil
		}
	}
}
