package learning

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/i18n"
	"vanguard/internal/store"
)

// QuestionKind is the form of a question.
type QuestionKind string

const (
	Single    QuestionKind = "single"    // one right option
	Multiple  QuestionKind = "multiple"  // every right option and no wrong one
	TrueFalse QuestionKind = "truefalse" // 对/错
	FillIn    QuestionKind = "fill"      // a typed answer, any of the accepted texts
)

// Valid tells whether k is known.
func (k QuestionKind) Valid() bool {
	return k == Single || k == Multiple || k == TrueFalse || k == FillIn
}

// Key is the catalog key of the kind's name.
func (k QuestionKind) Key() string { return "learning.question_kind." + string(k) }

// trueFalseOptions are a true/false question's options, labelled by the catalog.
var trueFalseOptions = []string{"true", "false"}

// Question is one item of an organization's bank.
type Question struct {
	ID      int64        `json:"id"`
	OrgID   int64        `json:"org_id"`
	Kind    QuestionKind `json:"kind"`
	Stem    string       `json:"stem"`
	Options []string     `json:"options"`
	// Answer is the indexes of the right options, or the accepted texts of a fill-in.
	Answer      []string `json:"answer"`
	Explanation string   `json:"explanation"`
	Tags        []string `json:"tags"`
}

// check validates a question; row is its row in an imported file, or 0.
func (q *Question) check(row int) i18n.Errors {
	var errs i18n.Errors
	bad := func(field, key string, kv ...any) {
		e := i18n.Invalid(field, key, kv...)
		e.Row = row
		errs = append(errs, e)
	}
	q.Stem = strings.TrimSpace(q.Stem)
	if q.Stem == "" {
		bad("stem", "error.required")
	}
	if !q.Kind.Valid() {
		bad("kind", "learning.error.question_kind")
		return errs
	}
	var options []string
	for _, o := range q.Options {
		if o = strings.TrimSpace(o); o != "" {
			options = append(options, o)
		}
	}
	q.Options = options
	var answer []string
	for _, a := range q.Answer {
		if a = strings.TrimSpace(a); a != "" {
			answer = append(answer, a)
		}
	}
	q.Answer = answer
	switch q.Kind {
	case TrueFalse:
		q.Options = trueFalseOptions
	case FillIn:
		q.Options = nil
	default:
		if len(q.Options) < 2 {
			bad("options", "learning.error.options")
		}
	}
	if len(q.Answer) == 0 {
		bad("answer", "error.required")
		return errs
	}
	if q.Kind == FillIn {
		return errs
	}
	if q.Kind != Multiple && len(q.Answer) != 1 {
		bad("answer", "learning.error.one_answer")
	}
	for _, a := range q.Answer {
		i, err := strconv.Atoi(a)
		if err != nil || i < 0 || i >= len(q.Options) {
			shown := a
			if err == nil && i >= 0 && i < 26 {
				shown = string(rune('A' + i)) // as a question file names its options
			}
			bad("answer", "learning.error.answer", "answer", shown)
			break
		}
	}
	return errs
}

// AddQuestions adds questions to an organization's bank, all or none.
func (s *Service) AddQuestions(ctx context.Context, orgID int64, qs []Question) ([]int64, error) {
	var errs i18n.Errors
	for i := range qs {
		errs = append(errs, qs[i].check(0)...)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var ids []int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		ids, err = insertQuestions(ctx, tx, orgID, qs, s.now())
		return err
	})
	return ids, err
}

func insertQuestions(ctx context.Context, q store.Querier, orgID int64, qs []Question, now time.Time) ([]int64, error) {
	ids := make([]int64, 0, len(qs))
	for _, question := range qs {
		options, _ := json.Marshal(nonNil(question.Options))
		answer, _ := json.Marshal(question.Answer)
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO questions (org_id, kind, stem, options, answer, explanation, tags, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			orgID, question.Kind, question.Stem, string(options), string(answer), question.Explanation, tagsText(question.Tags), now).Scan(&id)
		if err != nil {
			return nil, wrap("add question", err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const questionColumns = `q.id, q.org_id, q.kind, q.stem, q.options, q.answer, q.explanation, q.tags`

func scanQuestion(row interface{ Scan(...any) error }) (Question, error) {
	var q Question
	var options, answer, tags string
	if err := row.Scan(&q.ID, &q.OrgID, &q.Kind, &q.Stem, &options, &answer, &q.Explanation, &tags); err != nil {
		return q, err
	}
	return q, decodeQuestion(&q, options, answer, tags)
}

// decodeQuestion fills the JSON and tag columns of a question.
func decodeQuestion(q *Question, options, answer, tags string) error {
	if err := json.Unmarshal([]byte(options), &q.Options); err != nil {
		return wrap("question options", err)
	}
	if err := json.Unmarshal([]byte(answer), &q.Answer); err != nil {
		return wrap("question answer", err)
	}
	q.Tags = tagsOf(tags)
	return nil
}

// Questions lists an organization's own bank.
func (s *Service) Questions(ctx context.Context, orgID int64) ([]Question, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+questionColumns+` FROM questions q WHERE q.org_id = $1 ORDER BY q.id`, orgID)
	if err != nil {
		return nil, wrap("questions", err)
	}
	defer rows.Close()
	var list []Question
	for rows.Next() {
		q, err := scanQuestion(rows)
		if err != nil {
			return nil, wrap("scan question", err)
		}
		list = append(list, q)
	}
	return list, rows.Err()
}
