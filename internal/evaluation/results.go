package evaluation

import (
	"context"
	"fmt"
)

// Result is a subject's result in a round: a total, a level once every item is scored,
// and the items that lost points.
type Result struct {
	Assessment Assessment `json:"-"`
	Stage      Stage      `json:"stage"`
	Total      float64    `json:"total"`
	Level      Level      `json:"level,omitempty"`
	Lost       []LostItem `json:"lost"`
}

// LevelCount is how many complete assessments reached a level.
type LevelCount struct {
	Level Level `json:"level"`
	Count int   `json:"count"`
}

// Results are a round's results, for the dashboard, the API and the export.
type Results struct {
	Round        Round        `json:"-"`
	Results      []Result     `json:"results"`
	Distribution []LevelCount `json:"distribution"` // every level of the template's bands, highest first
	Stages       map[Stage]int
	SelfAssessed int // subjects who have handed in their self-assessment, whatever came after
}

// ResultOf is one assessment's result in a round.
func ResultOf(r Round, a Assessment) Result {
	res := Result{Assessment: a, Stage: a.StageIn(r.Template), Total: round1(a.Total), Lost: a.Lost(r.Template)}
	if res.Stage == Complete {
		res.Level = r.Template.LevelOf(a.Total)
	}
	if res.Lost == nil {
		res.Lost = []LostItem{}
	}
	return res
}

// RoundResults computes a round's results. It does not check access.
func (s *Service) RoundResults(ctx context.Context, roundID int64, lang string) (Results, error) {
	r, err := s.Round(ctx, roundID)
	if err != nil {
		return Results{}, err
	}
	list, err := s.Assessments(ctx, roundID, lang)
	if err != nil {
		return Results{}, err
	}
	out := Results{Round: r, Stages: map[Stage]int{}}
	counts := map[Level]int{}
	for _, a := range list {
		res := ResultOf(r, a)
		out.Results = append(out.Results, res)
		out.Stages[res.Stage]++
		if a.SelfSubmittedAt != nil {
			out.SelfAssessed++
		}
		if res.Level != "" {
			counts[res.Level]++
		}
	}
	for _, b := range r.Template.Bands {
		out.Distribution = append(out.Distribution, LevelCount{Level: b.Level, Count: counts[b.Level]})
	}
	return out, nil
}

// HistoryRow is a subject's result in one round.
type HistoryRow struct {
	RoundID    int64   `json:"round_id"`
	Year       int     `json:"year"`
	Title      string  `json:"title"`
	Template   string  `json:"template"`
	TemplateEn string  `json:"-"`
	Total      float64 `json:"total"`
	Level      Level   `json:"level,omitempty"`
	Stage      Stage   `json:"stage"`
}

// History lists an organization's (or a person's, when orgID is 0) results across the
// years, newest first. It does not check access.
func (s *Service) History(ctx context.Context, orgID, personID int64) ([]HistoryRow, error) {
	column, id := "a.subject_org_id", orgID
	if orgID == 0 {
		column, id = "a.subject_person_id", personID
	}
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, r.id FROM assessments a JOIN eval_rounds r ON r.id = a.round_id
		WHERE `+column+` = $1 ORDER BY r.year DESC, r.id DESC LIMIT 100`, id)
	if err != nil {
		return nil, fmt.Errorf("evaluation: history: %w", err)
	}
	var pairs [][2]int64
	for rows.Next() {
		var p [2]int64
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			rows.Close()
			return nil, err
		}
		pairs = append(pairs, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var list []HistoryRow
	for _, p := range pairs {
		a, err := s.Assessment(ctx, p[0], "")
		if err != nil {
			return nil, err
		}
		r, err := s.Round(ctx, p[1])
		if err != nil {
			return nil, err
		}
		res := ResultOf(r, a)
		list = append(list, HistoryRow{RoundID: r.ID, Year: r.Year, Title: r.Title, Template: r.Template.Name,
			TemplateEn: r.Template.NameEn, Total: res.Total, Level: res.Level, Stage: res.Stage})
	}
	return list, nil
}

// InStage counts the assessments in a stage, for a page.
func (r Results) InStage(st string) int { return r.Stages[Stage(st)] }
