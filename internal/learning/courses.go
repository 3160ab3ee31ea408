package learning

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/microcosm-cc/bluemonday"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/store"
)

// NewLesson is a lesson as its author writes it.
type NewLesson struct {
	Kind            LessonKind `json:"kind"`
	Title           string     `json:"title"`
	TitleEn         string     `json:"title_en"`
	Body            string     `json:"body"`
	MediaURL        string     `json:"media_url"`
	FileID          int64      `json:"file_id"`
	QuizID          int64      `json:"quiz_id"`
	MinSeconds      int        `json:"min_seconds"`
	DurationSeconds int        `json:"duration_seconds"`
}

// NewCourse is a course as its author writes it.
type NewCourse struct {
	OrgID      int64
	Title      string
	TitleEn    string
	Summary    string
	SummaryEn  string
	Tags       []string
	Required   bool
	Minutes    int
	CoverURL   string
	Visibility Visibility
	AllianceID int64
	Lessons    []NewLesson
}

// sanitizer keeps the formatting an article needs (headings, lists, links, images,
// tables) and drops scripts, styles and event handlers: authors paste from Word and
// web pages.
func sanitizer() *bluemonday.Policy { return bluemonday.UGCPolicy() }

// Sanitize cleans an article's HTML.
func Sanitize(html string) string { return sanitizer().Sanitize(html) }

func (n *NewCourse) check() error {
	var errs i18n.Errors
	n.Title = strings.TrimSpace(n.Title)
	if n.Title == "" {
		errs = append(errs, i18n.Invalid("title", "error.required"))
	}
	if n.OrgID == 0 {
		errs = append(errs, i18n.Invalid("org_id", "error.required"))
	}
	if !n.Visibility.Valid() {
		errs = append(errs, i18n.Invalid("visibility", "learning.error.visibility"))
	}
	if n.Visibility == Alliance && n.AllianceID == 0 {
		errs = append(errs, i18n.Invalid("alliance_id", "error.required"))
	}
	if n.Minutes < 0 {
		errs = append(errs, i18n.Invalid("minutes", "learning.error.negative"))
	}
	if n.CoverURL != "" && !webURL(n.CoverURL) {
		errs = append(errs, i18n.Invalid("cover_url", "learning.error.url"))
	}
	if len(n.Lessons) == 0 {
		errs = append(errs, i18n.Invalid("lessons", "learning.error.no_lessons"))
	}
	for i := range n.Lessons {
		errs = append(errs, n.Lessons[i].check(i+1)...)
	}
	return errs.Err()
}

func (l *NewLesson) check(pos int) i18n.Errors {
	var errs i18n.Errors
	field := func(name string) string { return "lessons[" + strconv.Itoa(pos) + "]." + name }
	l.Title = strings.TrimSpace(l.Title)
	if l.Title == "" {
		errs = append(errs, i18n.Invalid(field("title"), "error.required"))
	}
	if l.MinSeconds < 0 || l.DurationSeconds < 0 {
		errs = append(errs, i18n.Invalid(field("min_seconds"), "learning.error.negative"))
	}
	switch l.Kind {
	case Article:
		l.Body = Sanitize(l.Body)
		if strings.TrimSpace(l.Body) == "" {
			errs = append(errs, i18n.Invalid(field("body"), "error.required"))
		}
	case Video:
		if l.FileID == 0 && !webURL(l.MediaURL) {
			errs = append(errs, i18n.Invalid(field("media_url"), "learning.error.url"))
		}
		if l.DurationSeconds <= 0 {
			errs = append(errs, i18n.Invalid(field("duration_seconds"), "error.required"))
		}
	case Document:
		if l.FileID == 0 && !webURL(l.MediaURL) {
			errs = append(errs, i18n.Invalid(field("media_url"), "learning.error.url"))
		}
	case QuizStep:
		if l.QuizID == 0 {
			errs = append(errs, i18n.Invalid(field("quiz_id"), "error.required"))
		}
	default:
		errs = append(errs, i18n.Invalid(field("kind"), "learning.error.lesson_kind"))
	}
	return errs
}

// webURL accepts http(s) links and the platform's own paths, never javascript: or data:.
func webURL(s string) bool {
	if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// CreateCourse adds a course with its lessons. The handler checks Manage on n.OrgID.
func (s *Service) CreateCourse(ctx context.Context, n NewCourse) (Course, error) {
	if err := n.check(); err != nil {
		return Course{}, err
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		now := s.now()
		err := tx.QueryRowContext(ctx, `INSERT INTO courses (org_id, title, title_en, summary, summary_en, tags, required,
			minutes, cover_url, visibility, alliance_id, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id`,
			n.OrgID, n.Title, n.TitleEn, n.Summary, n.SummaryEn, tagsText(n.Tags), n.Required, n.Minutes, n.CoverURL,
			n.Visibility, nullID(n.AllianceID), nullID(audit.ActorFrom(ctx).AccountID), now).Scan(&id)
		if err != nil {
			return wrap("create course", err)
		}
		for i, l := range n.Lessons {
			if _, err := tx.ExecContext(ctx, `INSERT INTO lessons (course_id, position, kind, title, title_en, body, media_url,
				file_id, quiz_id, min_seconds, duration_seconds) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				id, i+1, l.Kind, l.Title, l.TitleEn, l.Body, l.MediaURL, nullID(l.FileID), nullID(l.QuizID), l.MinSeconds, l.DurationSeconds); err != nil {
				return wrap("create lesson", err)
			}
		}
		return audit.Record(ctx, tx, "create", "course", strconv.FormatInt(id, 10), nil, map[string]any{"title": n.Title})
	})
	if err != nil {
		return Course{}, err
	}
	return s.getCourse(ctx, s.db, id)
}

const courseColumns = `c.id, c.org_id, o.name, c.title, c.title_en, c.summary, c.summary_en, c.tags, c.required,
	c.minutes, c.cover_url, c.visibility, COALESCE(c.alliance_id, 0), c.created_at`

const courseFrom = ` FROM courses c JOIN orgs o ON o.id = c.org_id `

func scanCourse(row interface{ Scan(...any) error }) (Course, error) {
	var c Course
	var tags string
	err := row.Scan(&c.ID, &c.OrgID, &c.OrgName, &c.Title, &c.TitleEn, &c.Summary, &c.SummaryEn, &tags, &c.Required,
		&c.Minutes, &c.CoverURL, &c.Visibility, &c.AllianceID, &c.CreatedAt)
	c.Tags = tagsOf(tags)
	return c, err
}

// Course reads a course the caller may see, with its lessons; store.ErrNotFound when it
// does not exist or is out of sight.
func (s *Service) Course(ctx context.Context, c Caller, id int64) (Course, error) {
	cond, args := sees(c, 2)
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM courses c WHERE c.id = $1 AND `+cond, append([]any{id}, args...)...).Scan(&n); err != nil {
		return Course{}, wrap("course visibility", err)
	}
	if n == 0 {
		return Course{}, store.ErrNotFound
	}
	return s.getCourse(ctx, s.db, id)
}

func (s *Service) getCourse(ctx context.Context, q store.Querier, id int64) (Course, error) {
	c, err := scanCourse(q.QueryRowContext(ctx, `SELECT `+courseColumns+courseFrom+`WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	if err != nil {
		return c, wrap(fmt.Sprintf("course %d", id), err)
	}
	c.Lessons, err = lessons(ctx, q, `WHERE l.course_id = $1`, id)
	return c, err
}

const lessonColumns = `l.id, l.course_id, l.position, l.kind, l.title, l.title_en, l.body, l.media_url,
	COALESCE(l.file_id, 0), COALESCE(l.quiz_id, 0), l.min_seconds, l.duration_seconds`

func lessons(ctx context.Context, q store.Querier, where string, args ...any) ([]Lesson, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+lessonColumns+` FROM lessons l `+where+` ORDER BY l.course_id, l.position`, args...)
	if err != nil {
		return nil, wrap("lessons", err)
	}
	defer rows.Close()
	var list []Lesson
	for rows.Next() {
		var l Lesson
		if err := rows.Scan(&l.ID, &l.CourseID, &l.Position, &l.Kind, &l.Title, &l.TitleEn, &l.Body, &l.MediaURL,
			&l.FileID, &l.QuizID, &l.MinSeconds, &l.DurationSeconds); err != nil {
			return nil, wrap("scan lesson", err)
		}
		list = append(list, l)
	}
	return list, rows.Err()
}

// LessonOf reads a lesson and its course, if the caller may see the course.
func (s *Service) LessonOf(ctx context.Context, c Caller, lessonID int64) (Course, Lesson, error) {
	var courseID int64
	err := s.db.QueryRowContext(ctx, `SELECT course_id FROM lessons WHERE id = $1`, lessonID).Scan(&courseID)
	if errors.Is(err, sql.ErrNoRows) {
		return Course{}, Lesson{}, store.ErrNotFound
	}
	if err != nil {
		return Course{}, Lesson{}, wrap("lesson", err)
	}
	course, err := s.Course(ctx, c, courseID)
	if err != nil {
		return Course{}, Lesson{}, err
	}
	l, _ := course.Lesson(lessonID)
	return course, l, nil
}

// Filter narrows the catalogue.
type Filter struct {
	Query    string // words in the title, summary or tags, Chinese or English
	Tag      string
	Required bool
	Limit    int
}

// Courses lists the courses a caller may see, newest first. The search matches Chinese
// by substring (no word breaks to rely on) and English without regard to case.
func (s *Service) Courses(ctx context.Context, c Caller, f Filter) ([]Course, error) {
	cond, args := sees(c, 1)
	where := []string{cond}
	add := func(clause string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(clause, "$?", "$"+strconv.Itoa(len(args))))
	}
	for _, word := range strings.Fields(f.Query) {
		add(`(LOWER(c.title) LIKE $? OR LOWER(c.title_en) LIKE $? OR LOWER(c.summary) LIKE $? OR LOWER(c.summary_en) LIKE $? OR LOWER(c.tags) LIKE $?)`,
			"%"+strings.ToLower(likeEscape(word))+"%")
	}
	if f.Tag != "" {
		add(`c.tags LIKE $?`, "%,"+likeEscape(f.Tag)+",%")
	}
	if f.Required {
		where = append(where, `c.required`)
	}
	limit := f.Limit
	if limit <= 0 || limit > member.MaxPage {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+courseColumns+courseFrom+`WHERE `+strings.Join(where, " AND ")+
		` ORDER BY c.created_at DESC, c.id DESC LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, wrap("list courses", err)
	}
	defer rows.Close()
	var list []Course
	for rows.Next() {
		course, err := scanCourse(rows)
		if err != nil {
			return nil, wrap("scan course", err)
		}
		list = append(list, course)
	}
	return list, rows.Err()
}

// likeEscape drops LIKE's wildcards from a search word: nobody searches for them.
func likeEscape(s string) string { return strings.NewReplacer("%", "", "_", "").Replace(s) }

// File is an uploaded lesson file.
type File struct {
	ID          int64
	Name        string
	ContentType string
	Data        []byte
}

// SaveFile keeps an uploaded video or PDF. Only the types a browser plays or shows are
// accepted, so that a file served back can never be a page of script.
func (s *Service) SaveFile(ctx context.Context, name, contentType string, data []byte) (int64, error) {
	switch contentType {
	case "video/mp4", "video/webm", "application/pdf":
	default:
		return 0, i18n.Invalid("file", "learning.error.file_type", "type", contentType)
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO learning_files (name, content_type, data, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			name, contentType, data, s.now()).Scan(&id)
	})
	return id, wrap("save file", err)
}

// FileFor reads a lesson's file, if the caller may see the lesson.
func (s *Service) FileFor(ctx context.Context, c Caller, lessonID int64) (File, error) {
	_, l, err := s.LessonOf(ctx, c, lessonID)
	if err != nil {
		return File{}, err
	}
	if l.FileID == 0 {
		return File{}, store.ErrNotFound
	}
	f := File{ID: l.FileID}
	err = s.db.QueryRowContext(ctx, `SELECT name, content_type, data FROM learning_files WHERE id = $1`, l.FileID).Scan(&f.Name, &f.ContentType, &f.Data)
	return f, wrap("read file", err)
}
