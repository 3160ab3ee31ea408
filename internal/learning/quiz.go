package learning

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/points"
	"vanguard/internal/store"
)

// QuizKind is when a quiz may be taken and how often it earns.
type QuizKind string

const (
	LessonQuiz  QuizKind = "lesson"  // a step of a course; earns once
	DailyQuiz   QuizKind = "daily"   // any day; earns once a day (Beijing date)
	SpecialQuiz QuizKind = "special" // only inside its window; earns once
)

// Valid tells whether k is known.
func (k QuizKind) Valid() bool { return k == LessonQuiz || k == DailyQuiz || k == SpecialQuiz }

// Quiz draws questions from the bank.
type Quiz struct {
	ID               int64      `json:"id"`
	OrgID            int64      `json:"org_id"`
	Title            string     `json:"title"`
	TitleEn          string     `json:"title_en,omitempty"`
	Kind             QuizKind   `json:"kind"`
	Tags             []string   `json:"tags"`
	QuestionCount    int        `json:"question_count"`
	TimeLimitSeconds int        `json:"time_limit_seconds"`
	PassPercent      int        `json:"pass_percent"`
	OpensAt          *time.Time `json:"opens_at,omitempty"`
	ClosesAt         *time.Time `json:"closes_at,omitempty"`
}

// TimeLimitMinutes is the time limit in minutes, rounded up.
func (q Quiz) TimeLimitMinutes() int { return (q.TimeLimitSeconds + 59) / 60 }

// DisplayTitle is the title in the reader's language.
func (q Quiz) DisplayTitle(lang string) string { return pick(lang, q.Title, q.TitleEn) }

// beijing is the zone of the daily quiz's day: members' days start at midnight there.
var beijing = time.FixedZone("CST", 8*3600)

// CreateQuiz adds a quiz. The handler checks Manage on its organization.
func (s *Service) CreateQuiz(ctx context.Context, q Quiz) (Quiz, error) {
	var errs i18n.Errors
	if strings.TrimSpace(q.Title) == "" {
		errs = append(errs, i18n.Invalid("title", "error.required"))
	}
	if !q.Kind.Valid() {
		errs = append(errs, i18n.Invalid("kind", "learning.error.quiz_kind"))
	}
	if q.QuestionCount <= 0 {
		errs = append(errs, i18n.Invalid("question_count", "learning.error.positive"))
	}
	if q.TimeLimitSeconds <= 0 {
		errs = append(errs, i18n.Invalid("time_limit_seconds", "learning.error.positive"))
	}
	if q.PassPercent < 0 || q.PassPercent > 100 {
		errs = append(errs, i18n.Invalid("pass_percent", "learning.error.percent"))
	}
	if q.Kind == SpecialQuiz && (q.OpensAt == nil || q.ClosesAt == nil || !q.ClosesAt.After(*q.OpensAt)) {
		errs = append(errs, i18n.Invalid("closes_at", "learning.error.window_order"))
	}
	if err := errs.Err(); err != nil {
		return Quiz{}, err
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO quizzes (org_id, title, title_en, kind, tags, question_count, time_limit_seconds,
			pass_percent, opens_at, closes_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			q.OrgID, q.Title, q.TitleEn, q.Kind, tagsText(q.Tags), q.QuestionCount, q.TimeLimitSeconds, q.PassPercent,
			q.OpensAt, q.ClosesAt, s.now()).Scan(&q.ID)
	})
	return q, wrap("create quiz", err)
}

func getQuiz(ctx context.Context, q store.Querier, id int64) (Quiz, error) {
	var z Quiz
	var tags string
	var opens, closes sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT id, org_id, title, title_en, kind, tags, question_count, time_limit_seconds, pass_percent,
		opens_at, closes_at FROM quizzes WHERE id = $1`, id).Scan(&z.ID, &z.OrgID, &z.Title, &z.TitleEn, &z.Kind, &tags,
		&z.QuestionCount, &z.TimeLimitSeconds, &z.PassPercent, &opens, &closes)
	if errors.Is(err, sql.ErrNoRows) {
		return z, store.ErrNotFound
	}
	if err != nil {
		return z, wrap(fmt.Sprintf("quiz %d", id), err)
	}
	z.Tags = tagsOf(tags)
	if opens.Valid {
		z.OpensAt = &opens.Time
	}
	if closes.Valid {
		z.ClosesAt = &closes.Time
	}
	return z, nil
}

// Quiz reads a quiz the caller may take or oversee: one of their organization's line
// (its own, or an ancestor's), one that is a step of a course they see, or one of an
// organization in their View scope. Otherwise store.ErrNotFound.
func (s *Service) Quiz(ctx context.Context, c Caller, id int64) (Quiz, error) {
	z, err := getQuiz(ctx, s.db, id)
	if err != nil {
		return z, err
	}
	ok, err := s.orgs.Can(ctx, c.Account, org.View, z.OrgID)
	if err != nil || ok {
		return z, err
	}
	if c.Person != nil && c.Person.OrgID != 0 {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_tree WHERE ancestor_id = $1 AND org_id = $2`, z.OrgID, c.Person.OrgID).Scan(&n); err != nil {
			return z, wrap("quiz visibility", err)
		}
		if n > 0 {
			return z, nil
		}
	}
	cond, args := sees(c, 2)
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM lessons l JOIN courses c ON c.id = l.course_id
		WHERE l.quiz_id = $1 AND `+cond, append([]any{id}, args...)...).Scan(&n); err != nil {
		return z, wrap("quiz visibility", err)
	}
	if n == 0 {
		return z, store.ErrNotFound
	}
	return z, nil
}

// Quizzes lists the daily and special quizzes of the caller's organization's line.
func (s *Service) Quizzes(ctx context.Context, c Caller) ([]Quiz, error) {
	if c.Person == nil || c.Person.OrgID == 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT z.id FROM quizzes z JOIN org_tree x ON x.ancestor_id = z.org_id
		WHERE x.org_id = $1 AND z.kind IN ('daily', 'special') ORDER BY z.id`, c.Person.OrgID)
	if err != nil {
		return nil, wrap("quizzes", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, wrap("scan quiz", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	var list []Quiz
	for _, id := range ids {
		z, err := getQuiz(ctx, s.db, id)
		if err != nil {
			return nil, err
		}
		list = append(list, z)
	}
	return list, nil
}

// ShownQuestion is a question as the browser gets it: options in the attempt's order,
// never the answer.
type ShownQuestion struct {
	Position int          `json:"position"`
	Kind     QuestionKind `json:"kind"`
	Stem     string       `json:"stem"`
	Options  []string     `json:"options"`
}

// Attempt is a started attempt at a quiz.
type Attempt struct {
	ID         int64           `json:"id"`
	QuizID     int64           `json:"quiz_id"`
	StartedAt  time.Time       `json:"started_at"`
	DeadlineAt time.Time       `json:"deadline_at"`
	Questions  []ShownQuestion `json:"questions"`
}

// Start draws a quiz's questions for the caller, shuffles the options of each and
// starts the clock. A special quiz starts only inside its window, and its deadline is
// never after the window closes.
func (s *Service) Start(ctx context.Context, c Caller, quizID int64) (Attempt, error) {
	z, err := s.Quiz(ctx, c, quizID)
	if err != nil {
		return Attempt{}, err
	}
	if c.Person == nil {
		return Attempt{}, ErrNoPerson
	}
	now := s.now()
	deadline := now.Add(time.Duration(z.TimeLimitSeconds) * time.Second)
	if z.Kind == SpecialQuiz {
		if now.Before(*z.OpensAt) || !now.Before(*z.ClosesAt) {
			return Attempt{}, i18n.Invalid("quiz", "learning.error.window", "opens", z.OpensAt.In(beijing).Format("2006-01-02 15:04"),
				"closes", z.ClosesAt.In(beijing).Format("2006-01-02 15:04"))
		}
		if z.ClosesAt.Before(deadline) {
			deadline = *z.ClosesAt
		}
	}
	var a Attempt
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		drawn, err := draw(ctx, tx, z)
		if err != nil {
			return err
		}
		a = Attempt{QuizID: z.ID, StartedAt: now, DeadlineAt: deadline}
		if err := tx.QueryRowContext(ctx, `INSERT INTO quiz_attempts (quiz_id, person_id, day, started_at, deadline_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, z.ID, c.Person.ID, now.In(beijing).Format(time.DateOnly), now, deadline).Scan(&a.ID); err != nil {
			return wrap("start attempt", err)
		}
		for i, q := range drawn {
			order := rand.Perm(len(q.Options))
			if q.Kind == TrueFalse {
				order = []int{0, 1} // 对 before 错, as on paper
			}
			shown := ShownQuestion{Position: i + 1, Kind: q.Kind, Stem: q.Stem, Options: []string{}}
			for _, o := range order {
				shown.Options = append(shown.Options, q.Options[o])
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO quiz_attempt_questions (attempt_id, position, question_id, option_order)
				VALUES ($1, $2, $3, $4)`, a.ID, i+1, q.ID, joinInts(order)); err != nil {
				return wrap("draw question", err)
			}
			a.Questions = append(a.Questions, shown)
		}
		return nil
	})
	return a, err
}

// draw picks a quiz's questions at random among those with any of its tags in the banks
// of its organization and its ancestors.
func draw(ctx context.Context, q store.Querier, z Quiz) ([]Question, error) {
	where := `q.org_id IN (SELECT ancestor_id FROM org_tree WHERE org_id = $1)`
	args := []any{z.OrgID}
	var tagConds []string
	for _, t := range z.Tags {
		args = append(args, "%,"+likeEscape(t)+",%")
		tagConds = append(tagConds, `q.tags LIKE $`+strconv.Itoa(len(args)))
	}
	if len(tagConds) > 0 {
		where += ` AND (` + strings.Join(tagConds, " OR ") + `)`
	}
	rows, err := q.QueryContext(ctx, `SELECT `+questionColumns+` FROM questions q WHERE `+where+` ORDER BY q.id`, args...)
	if err != nil {
		return nil, wrap("draw questions", err)
	}
	defer rows.Close()
	var all []Question
	for rows.Next() {
		question, err := scanQuestion(rows)
		if err != nil {
			return nil, wrap("scan question", err)
		}
		all = append(all, question)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("draw questions", err)
	}
	if len(all) < z.QuestionCount {
		return nil, i18n.Invalid("quiz", "learning.error.bank_short", "have", len(all), "need", z.QuestionCount)
	}
	rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	return all[:z.QuestionCount], nil
}

// Answer is a member's answer to one question: the positions (0-based, as shown) of the
// options chosen, or the text typed.
type Answer struct {
	Position int    `json:"position"`
	Choices  []int  `json:"choices,omitempty"`
	Text     string `json:"text,omitempty"`
}

// ScoredQuestion is a question after submission, with what was given, the answer and the
// explanation, options in the order they were shown.
type ScoredQuestion struct {
	ShownQuestion
	Given       Answer   `json:"given"`
	Correct     bool     `json:"correct"`
	Right       []int    `json:"right,omitempty"`       // positions of the right options, as shown
	RightTexts  []string `json:"right_texts,omitempty"` // accepted texts of a fill-in
	Explanation string   `json:"explanation"`
}

// Result is a submitted attempt.
type Result struct {
	AttemptID int64            `json:"attempt_id"`
	QuizID    int64            `json:"quiz_id"`
	Score     int              `json:"score"`
	Total     int              `json:"total"`
	Passed    bool             `json:"passed"`
	Questions []ScoredQuestion `json:"questions"`
}

// Grace covers the network between the last click and the server: an answer arriving
// this long after the deadline is still taken.
const grace = 5 * time.Second

// ErrSubmitted refuses a second submission of the same attempt.
var ErrSubmitted = i18n.Invalid("attempt", "learning.error.submitted")

// Submit scores the caller's answers to an attempt on the server. After the time limit
// the answers are refused and nothing is counted. A passed attempt completes the lessons
// that are this quiz and earns the quiz's points once (a daily quiz once a day).
// An attempt of another quiz than quizID, or of another person, is store.ErrNotFound.
func (s *Service) Submit(ctx context.Context, c Caller, quizID, attemptID int64, answers []Answer) (Result, error) {
	if c.Person == nil {
		return Result{}, store.ErrNotFound // an attempt is a person's; an account without one has none
	}
	var res Result
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		res, err = s.submit(ctx, tx, c, quizID, attemptID, answers)
		return err
	})
	return res, err
}

func (s *Service) submit(ctx context.Context, tx *store.Tx, c Caller, quizID, attemptID int64, answers []Answer) (Result, error) {
	now := s.now()
	var attemptQuiz, personID int64
	var day string
	var deadline time.Time
	var submitted sql.NullTime
	err := tx.QueryRowContext(ctx, `SELECT quiz_id, person_id, day, deadline_at, submitted_at FROM quiz_attempts WHERE id = $1`, attemptID).
		Scan(&attemptQuiz, &personID, &day, &deadline, &submitted)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (personID != c.Person.ID || attemptQuiz != quizID) {
		return Result{}, store.ErrNotFound // another's attempt is out of sight
	}
	if err != nil {
		return Result{}, wrap("read attempt", err)
	}
	if submitted.Valid {
		return Result{}, ErrSubmitted
	}
	if now.After(deadline.Add(grace)) {
		return Result{}, i18n.Invalid("answers", "learning.error.time_up", "deadline", deadline.In(beijing).Format("15:04:05"))
	}
	z, err := getQuiz(ctx, tx, quizID)
	if err != nil {
		return Result{}, err
	}
	res, err := score(ctx, tx, attemptID, answers)
	if err != nil {
		return Result{}, err
	}
	res.QuizID = quizID
	res.Passed = res.Total > 0 && res.Score*100 >= z.PassPercent*res.Total
	// Conditional on still being unsubmitted: of two submissions racing, one counts.
	r, err := tx.ExecContext(ctx, `UPDATE quiz_attempts SET submitted_at = $2, score = $3, total = $4, passed = $5
		WHERE id = $1 AND submitted_at IS NULL`, attemptID, now, res.Score, res.Total, res.Passed)
	if err != nil {
		return Result{}, wrap("submit attempt", err)
	}
	if n, err := r.RowsAffected(); err != nil || n == 0 {
		return Result{}, ErrSubmitted
	}
	if !res.Passed {
		return res, nil
	}
	if err := s.quizPassed(ctx, tx, c, z, day, attemptID, now); err != nil {
		return Result{}, err
	}
	return res, nil
}

func score(ctx context.Context, tx *store.Tx, attemptID int64, answers []Answer) (Result, error) {
	rows, err := tx.QueryContext(ctx, `SELECT a.position, a.option_order, `+questionColumns+`
		FROM quiz_attempt_questions a JOIN questions q ON q.id = a.question_id WHERE a.attempt_id = $1 ORDER BY a.position`, attemptID)
	if err != nil {
		return Result{}, wrap("attempt questions", err)
	}
	type drawn struct {
		pos   int
		order []int
		q     Question
	}
	var list []drawn
	for rows.Next() {
		var d drawn
		var order string
		var q Question
		var options, answer, tags string
		if err := rows.Scan(&d.pos, &order, &q.ID, &q.OrgID, &q.Kind, &q.Stem, &options, &answer, &q.Explanation, &tags); err != nil {
			rows.Close()
			return Result{}, wrap("scan attempt question", err)
		}
		if err := decodeQuestion(&q, options, answer, tags); err != nil {
			rows.Close()
			return Result{}, err
		}
		d.order, d.q = splitInts(order), q
		list = append(list, d)
	}
	rows.Close()
	given := map[int]Answer{}
	for _, a := range answers {
		if a.Position < 1 || a.Position > len(list) {
			return Result{}, i18n.Invalid("answers", "learning.error.position", "position", a.Position)
		}
		given[a.Position] = a
	}
	res := Result{AttemptID: attemptID, Total: len(list)}
	for _, d := range list {
		sq := ScoredQuestion{ShownQuestion: ShownQuestion{Position: d.pos, Kind: d.q.Kind, Stem: d.q.Stem, Options: []string{}},
			Given: given[d.pos], Explanation: d.q.Explanation}
		for _, o := range d.order {
			sq.Options = append(sq.Options, d.q.Options[o])
		}
		if d.q.Kind == FillIn {
			sq.RightTexts = d.q.Answer
			sq.Correct = fillMatches(d.q.Answer, sq.Given.Text)
		} else {
			for shown, o := range d.order {
				if slices.Contains(d.q.Answer, strconv.Itoa(o)) {
					sq.Right = append(sq.Right, shown)
				}
			}
			chosen := slices.Clone(sq.Given.Choices)
			slices.Sort(chosen)
			chosen = slices.Compact(chosen)
			sq.Correct = slices.Equal(chosen, sq.Right)
		}
		if sq.Correct {
			res.Score++
		}
		if _, err := tx.ExecContext(ctx, `UPDATE quiz_attempt_questions SET given = $3, correct = $4 WHERE attempt_id = $1 AND position = $2`,
			attemptID, d.pos, givenText(sq.Given), sq.Correct); err != nil {
			return Result{}, wrap("record answer", err)
		}
		res.Questions = append(res.Questions, sq)
	}
	return res, nil
}

// fillMatches compares a typed answer with the accepted ones, ignoring spaces and case:
// "冬训" and " 冬 训 " are the same answer.
func fillMatches(accepted []string, text string) bool {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), "")) }
	t := norm(text)
	if t == "" {
		return false
	}
	for _, a := range accepted {
		if norm(a) == t {
			return true
		}
	}
	return false
}

func givenText(a Answer) string {
	if a.Text != "" {
		return a.Text
	}
	return joinInts(a.Choices)
}

func joinInts(v []int) string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

func splitInts(s string) []int {
	var out []int
	for _, p := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(p); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// quizPassed completes the lessons that are this quiz in courses the member sees, and
// records the quiz's points: once per quiz, or once a day for a daily quiz.
func (s *Service) quizPassed(ctx context.Context, tx *store.Tx, c Caller, z Quiz, day string, attemptID int64, now time.Time) error {
	key := fmt.Sprintf("quiz:%d:person:%d", z.ID, c.Person.ID)
	if z.Kind == DailyQuiz {
		key += ":" + day // a daily quiz earns once a day (Beijing date), however often it is retaken
	}
	if err := s.award(ctx, tx, points.Event{Key: key, PersonID: c.Person.ID, Rule: "quiz-completed", OccurredAt: now,
		SourceRef: fmt.Sprintf("quiz-attempt:%d", attemptID), Note: z.Title}); err != nil {
		return err
	}
	cond, args := sees(c, 2)
	ls, err := lessons(ctx, tx, `JOIN courses c ON c.id = l.course_id WHERE l.quiz_id = $1 AND `+cond, append([]any{z.ID}, args...)...)
	if err != nil {
		return err
	}
	for _, l := range ls {
		p, found, err := readProgress(ctx, tx, l.ID, c.Person.ID)
		if err != nil {
			return err
		}
		if p.Completed {
			continue
		}
		p.Completed, p.CompletedAt = true, &now
		if err := writeProgress(ctx, tx, p, c.Person.ID, now, found); err != nil {
			return err
		}
		course, err := s.getCourse(ctx, tx, l.CourseID)
		if err != nil {
			return err
		}
		if _, err := s.completed(ctx, tx, course, l, c.Person.ID, now); err != nil {
			return err
		}
	}
	return nil
}

// IsRight tells whether the option shown at position i is a right one.
func (q ScoredQuestion) IsRight(i int) bool { return slices.Contains(q.Right, i) }

// Chosen tells whether the member chose the option shown at position i.
func (q ScoredQuestion) Chosen(i int) bool { return slices.Contains(q.Given.Choices, i) }
