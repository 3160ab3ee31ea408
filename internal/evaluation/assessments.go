package evaluation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vanguard/internal/org"
	"vanguard/internal/store"
)

// Role is who scored an item: the subject assessing themselves, or the assessor.
type Role string

const (
	RoleSelf     Role = "self"
	RoleAssessor Role = "assessor"
)

// Score is one scored item.
type Score struct {
	ItemID    int64     `json:"item_id"`
	Value     float64   `json:"value"`
	Score     float64   `json:"score"`
	Suggested *float64  `json:"suggested,omitempty"`
	Comment   string    `json:"comment,omitempty"`
	At        time.Time `json:"scored_at"`
}

// Assessment is one subject of a round, with its scores.
type Assessment struct {
	ID              int64           `json:"id"`
	RoundID         int64           `json:"round_id"`
	SubjectOrgID    int64           `json:"subject_org_id,omitempty"`
	SubjectPersonID int64           `json:"subject_person_id,omitempty"`
	SubjectName     string          `json:"subject_name"`
	SubjectOrgOf    int64           `json:"-"` // the organization of a subject person
	SelfNote        string          `json:"self_note,omitempty"`
	SelfSubmittedAt *time.Time      `json:"self_submitted_at,omitempty"`
	Scored          int             `json:"scored"`
	Total           float64         `json:"total"`
	Self            map[int64]Score `json:"-"`
	Assessor        map[int64]Score `json:"-"`
	Rectifications  []Rectification `json:"-"`
}

// Stage is where an assessment stands.
type Stage string

const (
	Pending      Stage = "pending"       // nothing yet
	SelfAssessed Stage = "self_assessed" // the subject has submitted their self-assessment
	InProgress   Stage = "in_progress"   // some items scored by the assessor
	Complete     Stage = "complete"      // every item scored by the assessor
)

// Key is the catalog key of the stage's name.
func (st Stage) Key() string { return "evaluation.stage." + string(st) }

// StageIn is where the assessment stands in a template of n items.
func (a Assessment) StageIn(t Template) Stage {
	switch {
	case a.Scored >= len(t.Items):
		return Complete
	case a.Scored > 0:
		return InProgress
	case a.SelfSubmittedAt != nil:
		return SelfAssessed
	}
	return Pending
}

// LostItem is an item scored below its maximum.
type LostItem struct {
	Item  Item    `json:"item"`
	Score float64 `json:"score"`
	Lost  float64 `json:"lost"`
}

// Lost lists the items that lost points in the assessor's scores, in the template's order.
func (a Assessment) Lost(t Template) []LostItem {
	var list []LostItem
	for _, it := range t.Items {
		sc, ok := a.Assessor[it.ID]
		if !ok || !it.Counts() || sc.Score >= it.Max {
			continue
		}
		list = append(list, LostItem{Item: it, Score: sc.Score, Lost: round1(it.Max - sc.Score)})
	}
	return list
}

const assessmentColumns = `a.id, a.round_id, COALESCE(a.subject_org_id, 0), COALESCE(a.subject_person_id, 0),
	COALESCE(o.name, p.name, ''), COALESCE(o.name_en, ''), COALESCE(p.org_id, 0), a.self_note, a.self_submitted_at, a.scored, a.total`

const assessmentFrom = ` FROM assessments a LEFT JOIN orgs o ON o.id = a.subject_org_id LEFT JOIN people p ON p.id = a.subject_person_id `

func scanAssessment(row interface{ Scan(...any) error }, lang string) (Assessment, error) {
	var a Assessment
	var nameEn string
	var self sql.NullTime
	err := row.Scan(&a.ID, &a.RoundID, &a.SubjectOrgID, &a.SubjectPersonID, &a.SubjectName, &nameEn, &a.SubjectOrgOf,
		&a.SelfNote, &self, &a.Scored, &a.Total)
	if self.Valid {
		a.SelfSubmittedAt = &self.Time
	}
	if lang == "en" && nameEn != "" {
		a.SubjectName = nameEn
	}
	a.Self, a.Assessor = map[int64]Score{}, map[int64]Score{}
	return a, err
}

// Assessment reads one assessment with its scores and rectifications. It does not check
// access: see AccessTo.
func (s *Service) Assessment(ctx context.Context, id int64, lang string) (Assessment, error) {
	return s.assessment(ctx, s.db, id, lang)
}

func (s *Service) assessment(ctx context.Context, q store.Querier, id int64, lang string) (Assessment, error) {
	a, err := scanAssessment(q.QueryRowContext(ctx, `SELECT `+assessmentColumns+assessmentFrom+`WHERE a.id = $1`, id), lang)
	if errors.Is(err, sql.ErrNoRows) {
		return a, store.ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("evaluation: assessment %d: %w", id, err)
	}
	list := []Assessment{a}
	if err := s.fillScores(ctx, q, `a.id = $1`, id, list); err != nil {
		return a, err
	}
	a = list[0]
	a.Rectifications, err = s.rectifications(ctx, q, `r.assessment_id = $1`, id)
	return a, err
}

// Assessments lists a round's assessments with their scores, by subject.
func (s *Service) Assessments(ctx context.Context, roundID int64, lang string) ([]Assessment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+assessmentColumns+assessmentFrom+`WHERE a.round_id = $1 ORDER BY a.id`, roundID)
	if err != nil {
		return nil, fmt.Errorf("evaluation: assessments of round %d: %w", roundID, err)
	}
	var list []Assessment
	for rows.Next() {
		a, err := scanAssessment(rows, lang)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("evaluation: scan assessment: %w", err)
		}
		list = append(list, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, s.fillScores(ctx, s.db, `a.round_id = $1`, roundID, list)
}

// fillScores loads the scores of the listed assessments in one query.
func (s *Service) fillScores(ctx context.Context, q store.Querier, where string, arg int64, list []Assessment) error {
	index := map[int64]int{}
	for i, a := range list {
		index[a.ID] = i
	}
	rows, err := q.QueryContext(ctx, `SELECT x.assessment_id, x.item_id, x.role, x.value, x.score, x.suggested, x.comment, x.scored_at
		FROM assessment_scores x JOIN assessments a ON a.id = x.assessment_id WHERE `+where, arg)
	if err != nil {
		return fmt.Errorf("evaluation: scores: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var role Role
		var sc Score
		var suggested sql.NullFloat64
		if err := rows.Scan(&id, &sc.ItemID, &role, &sc.Value, &sc.Score, &suggested, &sc.Comment, &sc.At); err != nil {
			return fmt.Errorf("evaluation: scan score: %w", err)
		}
		if suggested.Valid {
			sc.Suggested = &suggested.Float64
		}
		i, ok := index[id]
		if !ok {
			continue
		}
		if role == RoleSelf {
			list[i].Self[sc.ItemID] = sc
		} else {
			list[i].Assessor[sc.ItemID] = sc
		}
	}
	return rows.Err()
}

// Access is what a caller may do with an assessment.
type Access struct {
	View   bool // read it
	Self   bool // fill in the self-assessment: Manage on the subject organization, or the subject person
	Assess bool // score it: Manage on the round's organization
}

// AccessTo answers what a caller may do with an assessment of a round; an open round is
// not required here (the write refuses a closed one with its own message).
func (s *Service) AccessTo(ctx context.Context, c Caller, r Round, a Assessment) (Access, error) {
	var acc Access
	ra, err := s.AccessToRound(ctx, c, r)
	if err != nil {
		return acc, err
	}
	acc.View, acc.Assess = ra.View, ra.Organize
	if a.SubjectOrgID != 0 {
		if acc.Self, err = s.orgs.Can(ctx, c.Account, org.Manage, a.SubjectOrgID); err != nil {
			return acc, err
		}
		if !acc.View {
			if acc.View, err = s.orgs.Can(ctx, c.Account, org.View, a.SubjectOrgID); err != nil {
				return acc, err
			}
		}
	} else {
		acc.Self = c.PersonID() != 0 && c.PersonID() == a.SubjectPersonID
	}
	// The owner of one of its rectifications reads the assessment whose item they fix.
	for _, rc := range a.Rectifications {
		acc.View = acc.View || c.PersonID() != 0 && rc.OwnerID == c.PersonID()
	}
	acc.View = acc.View || acc.Self
	return acc, nil
}
