package learning

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"vanguard/internal/i18n"
	"vanguard/internal/points"
	"vanguard/internal/store"
)

// The rules by which a page's reports are believed.
const (
	// Clocks and networks jitter: a report may claim this much more than the server
	// saw pass, but is credited no more than what passed.
	slack = 3 * time.Second
	// A page's clock may run this far ahead of the server's before its report is
	// refused as coming from the future.
	futureSkew = 30 * time.Second
	// Videos may be played at up to double speed.
	maxPlaybackRate = 2
	// A slice of a video, the unit of "watched".
	sliceSeconds = 5
	// Shares of an article scrolled and of a video watched that complete them.
	scrollToComplete  = 90
	watchedToComplete = 90
)

// Report is what a lesson page tells the server every few seconds while it is open.
type Report struct {
	// Seconds the page was visible and in use since its previous report (0 when it opens).
	Seconds int `json:"seconds"`
	// The furthest an article was scrolled, in percent.
	Scroll int `json:"scroll"`
	// Where to resume: a video's second or an article's scroll percent.
	Position int `json:"position"`
	// Stretches of a video played (not skipped over) since the previous report, in seconds.
	Watched [][2]int `json:"watched"`
	// The page's clock when it sent the report.
	At time.Time `json:"at"`
}

// Progress is a member's progress in a lesson.
type Progress struct {
	LessonID       int64      `json:"lesson_id"`
	Seconds        int        `json:"seconds"`
	Scroll         int        `json:"scroll"`
	WatchedPercent int        `json:"watched_percent"`
	Position       int        `json:"position"`
	Completed      bool       `json:"completed"`
	CompletedAt    *time.Time `json:"completed_at,omitempty"`
	// Credited is how many of the report's seconds counted.
	Credited int `json:"credited"`
	// CourseCompleted tells whether the course is now complete.
	CourseCompleted bool `json:"course_completed"`
	watched         string
	lastReport      time.Time
	version         int
}

// ErrNoPerson refuses progress or a quiz from an account that is no person's (a worker's
// login, a system administrator): they oversee learning but have none of their own.
var ErrNoPerson = i18n.Invalid("account", "learning.error.no_person")

// Report records a page's report on a lesson the caller may see. A report from the
// future, one claiming more time than has passed since the previous accepted report
// (from any tab or device), or one naming stretches of video longer than that time
// could play, is refused with the field named, and nothing of it counts.
func (s *Service) Report(ctx context.Context, c Caller, lessonID int64, r Report) (Progress, error) {
	course, lesson, err := s.LessonOf(ctx, c, lessonID)
	if err != nil {
		return Progress{}, err
	}
	if c.Person == nil {
		return Progress{}, ErrNoPerson
	}
	if err := r.check(lesson); err != nil {
		return Progress{}, err
	}
	var p Progress
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		p, err = s.report(ctx, tx, course, lesson, c.Person.ID, r)
		return err
	})
	return p, err
}

func (r Report) check(l Lesson) error {
	var errs i18n.Errors
	if r.Seconds < 0 {
		errs = append(errs, i18n.Invalid("seconds", "learning.error.negative"))
	}
	if r.Scroll < 0 || r.Scroll > 100 {
		errs = append(errs, i18n.Invalid("scroll", "learning.error.percent"))
	}
	if r.Position < 0 {
		errs = append(errs, i18n.Invalid("position", "learning.error.negative"))
	}
	for _, w := range r.Watched {
		if w[0] < 0 || w[1] < w[0] || l.Kind != Video || w[1] > l.DurationSeconds+sliceSeconds {
			errs = append(errs, i18n.Invalid("watched", "learning.error.watched", "from", w[0], "to", w[1]))
			break
		}
	}
	return errs.Err()
}

func (s *Service) report(ctx context.Context, tx *store.Tx, course Course, l Lesson, personID int64, r Report) (Progress, error) {
	now := s.now()
	if !r.At.IsZero() && r.At.After(now.Add(futureSkew)) {
		return Progress{}, i18n.Invalid("at", "learning.error.future")
	}
	p, found, err := readProgress(ctx, tx, l.ID, personID)
	if err != nil {
		return p, err
	}
	// Time passed since the last accepted report from any page; none before the first.
	var elapsed time.Duration
	if found {
		elapsed = now.Sub(p.lastReport)
	}
	claimed := time.Duration(r.Seconds) * time.Second
	if claimed > elapsed+slack {
		return Progress{}, i18n.Invalid("seconds", "learning.error.too_much_time",
			"claimed", r.Seconds, "elapsed", int(elapsed.Seconds()))
	}
	credit := min(r.Seconds, int(elapsed.Seconds()))
	played := 0
	for _, w := range r.Watched {
		played += w[1] - w[0]
	}
	if played > maxPlaybackRate*r.Seconds+sliceSeconds {
		return Progress{}, i18n.Invalid("watched", "learning.error.watched_too_long", "played", played, "seconds", r.Seconds)
	}
	wasComplete := p.Completed
	p.LessonID = l.ID
	p.Seconds += credit
	p.Scroll = max(p.Scroll, r.Scroll)
	p.Position = r.Position
	p.watched = markWatched(p.watched, l.DurationSeconds, r.Watched)
	p.WatchedPercent = watchedPercent(p.watched)
	p.Credited = credit
	if !wasComplete && completes(l, p) {
		p.Completed = true
		p.CompletedAt = &now
	}
	if err := writeProgress(ctx, tx, p, personID, now, found); err != nil {
		return p, err
	}
	if p.Completed && !wasComplete {
		if p.CourseCompleted, err = s.completed(ctx, tx, course, l, personID, now); err != nil {
			return p, err
		}
	}
	return p, nil
}

// completes tells whether a lesson's progress meets its kind's rule. A quiz lesson is
// completed by passing its quiz, never by a report.
func completes(l Lesson, p Progress) bool {
	switch l.Kind {
	case Article:
		return p.Seconds >= l.MinSeconds && p.Scroll >= scrollToComplete
	case Document:
		return p.Seconds >= l.MinSeconds
	case Video:
		return p.WatchedPercent >= watchedToComplete
	}
	return false
}

// markWatched sets the slices of a video that a report's stretches cover. A slice
// counts once it is more than half played, so that a stretch ending a second into it
// does not count it.
func markWatched(bits string, duration int, stretches [][2]int) string {
	n := (duration + sliceSeconds - 1) / sliceSeconds
	b := []byte(bits)
	for len(b) < n {
		b = append(b, '0')
	}
	for _, w := range stretches {
		for i := 0; i < n; i++ {
			lo, hi := i*sliceSeconds, min((i+1)*sliceSeconds, duration)
			covered := min(hi, w[1]) - max(lo, w[0])
			if covered*2 >= hi-lo && covered > 0 {
				b[i] = '1'
			}
		}
	}
	return string(b)
}

func watchedPercent(bits string) int {
	if bits == "" {
		return 0
	}
	return strings.Count(bits, "1") * 100 / len(bits)
}

func readProgress(ctx context.Context, q store.Querier, lessonID, personID int64) (Progress, bool, error) {
	var p Progress
	var completed sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT lesson_id, seconds, scroll, watched, position, last_report_at, completed_at, version
		FROM lesson_progress WHERE lesson_id = $1 AND person_id = $2`, lessonID, personID).
		Scan(&p.LessonID, &p.Seconds, &p.Scroll, &p.watched, &p.Position, &p.lastReport, &completed, &p.version)
	if errors.Is(err, sql.ErrNoRows) {
		return Progress{LessonID: lessonID}, false, nil
	}
	if err != nil {
		return p, false, wrap("read progress", err)
	}
	if completed.Valid {
		t := completed.Time
		p.CompletedAt, p.Completed = &t, true
	}
	p.WatchedPercent = watchedPercent(p.watched)
	return p, true, nil
}

// writeProgress stores a report's result. The write is conditional on the version read,
// so that of two reports racing from two tabs on PostgreSQL only one is counted; the
// other is refused and the page simply reports again later.
func writeProgress(ctx context.Context, q store.Querier, p Progress, personID int64, now time.Time, found bool) error {
	var res sql.Result
	var err error
	if !found {
		res, err = q.ExecContext(ctx, `INSERT INTO lesson_progress (lesson_id, person_id, seconds, scroll, watched, position,
			last_report_at, completed_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)
			ON CONFLICT (lesson_id, person_id) DO NOTHING`,
			p.LessonID, personID, p.Seconds, p.Scroll, p.watched, p.Position, now, p.CompletedAt)
	} else {
		res, err = q.ExecContext(ctx, `UPDATE lesson_progress SET seconds = $3, scroll = $4, watched = $5, position = $6,
			last_report_at = $7, completed_at = $8, version = version + 1
			WHERE lesson_id = $1 AND person_id = $2 AND version = $9`,
			p.LessonID, personID, p.Seconds, p.Scroll, p.watched, p.Position, now, p.CompletedAt, p.version)
	}
	if err != nil {
		return wrap(fmt.Sprintf("write progress of %d in %d", personID, p.LessonID), err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap("write progress", err)
	} else if n == 0 {
		return i18n.Invalid("seconds", "learning.error.concurrent")
	}
	return nil
}

// completed records what a lesson's completion earns and, when it was the course's last
// lesson to complete, the course's completion.
func (s *Service) completed(ctx context.Context, q store.Querier, course Course, l Lesson, personID int64, now time.Time) (bool, error) {
	// Completion earns once, ever: the key names the lesson and the person, not the day.
	if err := s.award(ctx, q, points.Event{Key: fmt.Sprintf("lesson:%d:person:%d", l.ID, personID), PersonID: personID,
		Rule: "lesson-completed", OccurredAt: now, SourceRef: fmt.Sprintf("lesson:%d", l.ID), Note: l.Title}); err != nil {
		return false, err
	}
	var done int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id
		WHERE l.course_id = $1 AND p.person_id = $2 AND p.completed_at IS NOT NULL`, course.ID, personID).Scan(&done); err != nil {
		return false, wrap("count completed lessons", err)
	}
	if done < len(course.Lessons) {
		return false, nil
	}
	_, err := q.ExecContext(ctx, `INSERT INTO course_completions (course_id, person_id, completed_at) VALUES ($1, $2, $3)
		ON CONFLICT (course_id, person_id) DO NOTHING`, course.ID, personID, now)
	return true, wrap("complete course", err)
}

// CourseProgress is a member's progress through one course.
type CourseProgress struct {
	Course    Course
	Lessons   map[int64]Progress
	Done      int
	Completed bool
}

// Percent is the share of lessons completed.
func (cp CourseProgress) Percent() int {
	if len(cp.Course.Lessons) == 0 {
		return 0
	}
	return cp.Done * 100 / len(cp.Course.Lessons)
}

// Next is the lesson to resume: the first not completed, or the first.
func (cp CourseProgress) Next() Lesson {
	for _, l := range cp.Course.Lessons {
		if !cp.Lessons[l.ID].Completed {
			return l
		}
	}
	if len(cp.Course.Lessons) == 0 {
		return Lesson{}
	}
	return cp.Course.Lessons[0]
}

// ProgressIn reads the caller's progress through a course, from any device.
func (s *Service) ProgressIn(ctx context.Context, c Caller, course Course) (CourseProgress, error) {
	cp := CourseProgress{Course: course, Lessons: map[int64]Progress{}}
	if c.Person == nil {
		return cp, nil
	}
	for _, l := range course.Lessons {
		p, _, err := readProgress(ctx, s.db, l.ID, c.Person.ID)
		if err != nil {
			return cp, err
		}
		cp.Lessons[l.ID] = p
		if p.Completed {
			cp.Done++
		}
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM course_completions WHERE course_id = $1 AND person_id = $2`,
		course.ID, c.Person.ID).Scan(&n); err != nil {
		return cp, wrap("course completion", err)
	}
	cp.Completed = n > 0
	return cp, nil
}

// MyLearning lists the courses the caller has begun, most recent first.
func (s *Service) MyLearning(ctx context.Context, c Caller) ([]CourseProgress, error) {
	if c.Person == nil {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT l.course_id, MAX(p.last_report_at) FROM lesson_progress p
		JOIN lessons l ON l.id = p.lesson_id WHERE p.person_id = $1 GROUP BY l.course_id ORDER BY 2 DESC LIMIT 50`, c.Person.ID)
	if err != nil {
		return nil, wrap("my learning", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		var at any
		if err := rows.Scan(&id, &at); err != nil {
			rows.Close()
			return nil, wrap("scan my learning", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	var list []CourseProgress
	for _, id := range ids {
		course, err := s.Course(ctx, c, id)
		if errors.Is(err, store.ErrNotFound) {
			continue // moved out of sight since
		}
		if err != nil {
			return nil, err
		}
		cp, err := s.ProgressIn(ctx, c, course)
		if err != nil {
			return nil, err
		}
		list = append(list, cp)
	}
	return list, nil
}
