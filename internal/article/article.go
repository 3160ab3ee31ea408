// Package article keeps the reports and news of the portal: articles with their
// revisions and review, the search index, readers' comments and their moderation, the
// draft made from an activity's record, and the import of old reports.
//
// Who may do what: writing and publishing need Manage on the article's organization (a
// reviewer of the source organization or above, 审核); reading a published article is
// public; a draft or an article in review is read only by those who may manage it, and
// looks to anyone else exactly like an article that does not exist.
package article

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// Status is where an article is in its review.
type Status string

const (
	Draft     Status = "draft"
	InReview  Status = "review"
	Published Status = "published"
	Withdrawn Status = "withdrawn"
)

// Key is the catalog key of the status's name.
func (s Status) Key() string { return "article.status." + string(s) }

// moves is the table of allowed status changes: one place that enforces them.
var moves = map[Status][]Status{
	Draft:     {InReview, Published},
	InReview:  {Draft, Published},
	Published: {Withdrawn},
	Withdrawn: {Draft},
}

// CanMove tells whether an article may go from one status to another.
func CanMove(from, to Status) bool { return slices.Contains(moves[from], to) }

// Next lists the statuses an article may move to.
func Next(from Status) []Status { return moves[from] }

// Categories are the portal's sections.
func Categories() []string {
	return []string{"news", "meetings", "learning", "alliance", "notices"}
}

// ErrGone is returned for a withdrawn article read by the public: the page answers 410.
var ErrGone = errors.New("article: withdrawn")

// ErrForbidden is returned when the caller sees the article but may not change it.
var ErrForbidden = errors.New("article: forbidden")

// Article is a report or a piece of news.
type Article struct {
	ID           int64      `json:"id"`
	OrgID        int64      `json:"org_id"`
	OrgName      string     `json:"org_name"`
	OrgNameEn    string     `json:"org_name_en,omitempty"`
	AuthorID     int64      `json:"author_id,omitempty"`
	Title        string     `json:"title"`
	Summary      string     `json:"summary"`
	Body         string     `json:"body"` // sanitized HTML
	Source       string     `json:"source,omitempty"`
	Category     string     `json:"category"`
	Tags         []string   `json:"tags"`
	CoverID      int64      `json:"cover_media_id,omitempty"`
	Status       Status     `json:"status"`
	ReleasedAt   *time.Time `json:"released_at,omitempty"`
	ActivityID   int64      `json:"activity_id,omitempty"`
	CommentsOpen bool       `json:"comments_open"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// OrgDisplayName is the source organization's name in the reader's language.
func (a Article) OrgDisplayName(lang string) string {
	if lang == "en" && a.OrgNameEn != "" {
		return a.OrgNameEn
	}
	return a.OrgName
}

// Released is the release date, or the last change for an unreleased article.
func (a Article) Released() time.Time {
	if a.ReleasedAt != nil {
		return *a.ReleasedAt
	}
	return a.UpdatedAt
}

// Input is what a writer sends.
type Input struct {
	OrgID        int64     `json:"org_id"`
	Title        string    `json:"title"`
	Summary      string    `json:"summary"`
	Body         string    `json:"body"`   // HTML or plain text; sanitized here
	Format       string    `json:"format"` // "html" (default) or "text"
	Source       string    `json:"source"`
	Category     string    `json:"category"`
	Tags         []string  `json:"tags"`
	CoverID      int64     `json:"cover_media_id"`
	ReleasedAt   time.Time `json:"released_at"` // the release date to show; zero: when published
	CommentsOpen bool      `json:"comments_open"`
	ActivityID   int64     `json:"-"`
}

// Limits of an article's fields.
const (
	MaxTitle   = 200
	MaxSummary = 1000
	MaxBody    = 1 << 20
	MaxTags    = 10
	MaxPage    = 500 // the longest list read at once
)

func (in *Input) normalize() {
	in.Title = strings.TrimSpace(in.Title)
	in.Summary = strings.TrimSpace(in.Summary)
	in.Source = strings.TrimSpace(in.Source)
	in.Category = strings.TrimSpace(in.Category)
	if in.Category == "" {
		in.Category = "news"
	}
	var tags []string
	for _, t := range in.Tags {
		for _, part := range strings.FieldsFunc(t, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
			if p := strings.TrimSpace(part); p != "" && !slices.Contains(tags, p) {
				tags = append(tags, p)
			}
		}
	}
	in.Tags = tags
	if in.Format == "text" {
		in.Body = TextToHTML(in.Body)
	}
	in.Body = Sanitize(in.Body)
	if in.Summary == "" {
		in.Summary = Excerpt(in.Body, 140)
	}
}

func (in Input) validate() i18n.Errors {
	var errs i18n.Errors
	if in.OrgID <= 0 {
		errs = append(errs, i18n.Invalid("org_id", "error.required"))
	}
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		errs = append(errs, i18n.Invalid("title", "error.required"))
	case n > MaxTitle:
		errs = append(errs, i18n.Invalid("title", "article.error.too_long", "max", MaxTitle))
	}
	if utf8.RuneCountInString(in.Summary) > MaxSummary {
		errs = append(errs, i18n.Invalid("summary", "article.error.too_long", "max", MaxSummary))
	}
	if len(in.Body) > MaxBody {
		errs = append(errs, i18n.Invalid("body", "article.error.too_long", "max", MaxBody))
	}
	if !slices.Contains(Categories(), in.Category) {
		errs = append(errs, i18n.Invalid("category", "article.error.category", "value", in.Category))
	}
	if len(in.Tags) > MaxTags {
		errs = append(errs, i18n.Invalid("tags", "article.error.tags", "max", MaxTags))
	}
	for _, t := range in.Tags {
		if utf8.RuneCountInString(t) > 30 {
			errs = append(errs, i18n.Invalid("tags", "article.error.too_long", "max", 30))
			break
		}
	}
	return errs
}

// Service keeps articles.
type Service struct {
	db   *store.DB
	orgs *org.Service
	now  func() time.Time
}

// New builds the service.
func New(db *store.DB, orgs *org.Service) *Service {
	return &Service{db: db, orgs: orgs, now: time.Now}
}

// SetClock replaces the clock, for tests and the demo.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Create adds a draft for an organization the scope may manage.
func (s *Service) Create(ctx context.Context, sc org.Scope, in Input) (Article, error) {
	var id int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = s.CreateIn(ctx, tx, sc, in)
		return err
	})
	if err != nil {
		return Article{}, err
	}
	return s.Get(ctx, id)
}

// CreateIn adds a draft inside a transaction (the demo and the import use it).
func (s *Service) CreateIn(ctx context.Context, q store.Querier, sc org.Scope, in Input) (int64, error) {
	in.normalize()
	if errs := in.validate(); len(errs) > 0 {
		return 0, errs
	}
	if err := s.requireOrg(ctx, q, sc, in.OrgID); err != nil {
		return 0, err
	}
	if err := s.checkCover(ctx, q, in.CoverID); err != nil {
		return 0, err
	}
	now := s.now().UTC()
	var released any
	if !in.ReleasedAt.IsZero() {
		released = in.ReleasedAt.UTC()
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO articles (org_id, author_id, title, summary, body, source, category, cover_media_id,
		status, released_at, activity_id, comments_open, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13) RETURNING id`,
		in.OrgID, nullID(audit.ActorFrom(ctx).AccountID), in.Title, in.Summary, in.Body, in.Source, in.Category, nullID(in.CoverID),
		Draft, released, nullID(in.ActivityID), in.CommentsOpen, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("article: create: %w", err)
	}
	if err := setTags(ctx, q, id, in.Tags); err != nil {
		return 0, err
	}
	if err := s.revision(ctx, q, id, in.Title, in.Summary, in.Body, Draft, ""); err != nil {
		return 0, err
	}
	return id, audit.Record(ctx, q, "create", "article", id, nil, map[string]any{"title": in.Title, "org_id": in.OrgID})
}

// Update saves a new version of an article; a published article is re-indexed.
func (s *Service) Update(ctx context.Context, sc org.Scope, id int64, in Input) (Article, error) {
	in.normalize()
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.requireManager(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		in.OrgID = before.OrgID // moving an article between portals is not an edit
		if errs := in.validate(); len(errs) > 0 {
			return errs
		}
		if err := s.checkCover(ctx, tx, in.CoverID); err != nil {
			return err
		}
		released := before.ReleasedAt
		if !in.ReleasedAt.IsZero() {
			t := in.ReleasedAt.UTC()
			released = &t
		}
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET title = $1, summary = $2, body = $3, source = $4, category = $5,
			cover_media_id = $6, released_at = $7, comments_open = $8, updated_at = $9 WHERE id = $10`,
			in.Title, in.Summary, in.Body, in.Source, in.Category, nullID(in.CoverID), released, in.CommentsOpen, s.now().UTC(), id); err != nil {
			return fmt.Errorf("article: update %d: %w", id, err)
		}
		if err := setTags(ctx, tx, id, in.Tags); err != nil {
			return err
		}
		if err := s.revision(ctx, tx, id, in.Title, in.Summary, in.Body, before.Status, ""); err != nil {
			return err
		}
		if before.Status == Published {
			if err := s.index(ctx, tx, id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, "update", "article", id, map[string]any{"title": before.Title}, map[string]any{"title": in.Title})
	})
	if err != nil {
		return Article{}, err
	}
	return s.Get(ctx, id)
}

// Move changes an article's status by the transition table. Publishing sets the release
// date when none was given, and indexes the article; leaving Published removes it from
// the index, so a withdrawn or returned article is no longer found.
func (s *Service) Move(ctx context.Context, sc org.Scope, id int64, to Status, note string) (Article, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		return s.MoveIn(ctx, tx, sc, id, to, note)
	})
	if err != nil {
		return Article{}, err
	}
	return s.Get(ctx, id)
}

// MoveIn is Move inside a transaction.
func (s *Service) MoveIn(ctx context.Context, q store.Querier, sc org.Scope, id int64, to Status, note string) error {
	a, err := s.requireManager(ctx, q, sc, id)
	if err != nil {
		return err
	}
	if !CanMove(a.Status, to) {
		return i18n.Invalid("status", "article.error.move", "from", i18n.Msg(a.Status.Key()), "to", i18n.Msg(to.Key()))
	}
	now := s.now().UTC()
	released := a.ReleasedAt
	if to == Published && released == nil {
		released = &now
	}
	if _, err := q.ExecContext(ctx, `UPDATE articles SET status = $1, released_at = $2, updated_at = $3 WHERE id = $4`,
		to, released, now, id); err != nil {
		return fmt.Errorf("article: move %d to %s: %w", id, to, err)
	}
	if err := s.revision(ctx, q, id, a.Title, a.Summary, a.Body, to, note); err != nil {
		return err
	}
	if to == Published {
		if err := s.index(ctx, q, id); err != nil {
			return err
		}
	} else if err := unindex(ctx, q, id); err != nil {
		return err
	}
	return audit.Record(ctx, q, "move", "article", id, map[string]any{"status": a.Status}, map[string]any{"status": to, "note": note})
}

func (s *Service) requireOrg(ctx context.Context, q store.Querier, sc org.Scope, orgID int64) error {
	cond, args := sc.Condition("o.id", 2)
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs o WHERE o.id = $1 AND `+cond, append([]any{orgID}, args...)...).Scan(&n); err != nil {
		return fmt.Errorf("article: scope of org %d: %w", orgID, err)
	}
	if n == 0 {
		return i18n.Invalid("org_id", "article.error.org")
	}
	return nil
}

func (s *Service) checkCover(ctx context.Context, q store.Querier, id int64) error {
	if id == 0 {
		return nil
	}
	var ct string
	err := q.QueryRowContext(ctx, `SELECT content_type FROM media WHERE id = $1`, id).Scan(&ct)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !strings.HasPrefix(ct, "image/")) {
		return i18n.Invalid("cover_media_id", "article.error.cover")
	}
	if err != nil {
		return fmt.Errorf("article: cover %d: %w", id, err)
	}
	return nil
}

// requireManager loads an article whose organization the scope may manage; outside
// it, the article reads as missing or forbidden as the caller's View allows — the
// handler decides which, so here it is ErrForbidden.
func (s *Service) requireManager(ctx context.Context, q store.Querier, sc org.Scope, id int64) (Article, error) {
	a, err := s.get(ctx, q, id)
	if err != nil {
		return a, err
	}
	cond, args := sc.Condition("o.id", 2)
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs o WHERE o.id = $1 AND `+cond, append([]any{a.OrgID}, args...)...).Scan(&n); err != nil {
		return a, fmt.Errorf("article: scope of %d: %w", id, err)
	}
	if n == 0 {
		return a, ErrForbidden
	}
	return a, nil
}

func (s *Service) revision(ctx context.Context, q store.Querier, id int64, title, summary, body string, st Status, note string) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO article_revisions (article_id, title, summary, body, status, note, account_id, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, id, title, summary, body, st, note, nullID(audit.ActorFrom(ctx).AccountID), s.now().UTC()); err != nil {
		return fmt.Errorf("article: revision of %d: %w", id, err)
	}
	return nil
}

func setTags(ctx context.Context, q store.Querier, id int64, tags []string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM article_tags WHERE article_id = $1`, id); err != nil {
		return fmt.Errorf("article: clear tags of %d: %w", id, err)
	}
	for _, t := range tags {
		if _, err := q.ExecContext(ctx, `INSERT INTO article_tags (article_id, tag) VALUES ($1, $2)`, id, t); err != nil {
			return fmt.Errorf("article: tag %d: %w", id, err)
		}
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const articleColumns = `a.id, a.org_id, o.name, o.name_en, COALESCE(a.author_id, 0), a.title, a.summary, a.body, a.source, a.category,
	COALESCE(a.cover_media_id, 0), a.status, a.released_at, COALESCE(a.activity_id, 0), a.comments_open, a.created_at, a.updated_at`

const articleFrom = ` FROM articles a JOIN orgs o ON o.id = a.org_id`

func scanArticle(row interface{ Scan(...any) error }) (Article, error) {
	var a Article
	var released sql.NullTime
	err := row.Scan(&a.ID, &a.OrgID, &a.OrgName, &a.OrgNameEn, &a.AuthorID, &a.Title, &a.Summary, &a.Body, &a.Source, &a.Category,
		&a.CoverID, &a.Status, &released, &a.ActivityID, &a.CommentsOpen, &a.CreatedAt, &a.UpdatedAt)
	if err != nil {
		return a, err
	}
	if released.Valid {
		t := released.Time.UTC()
		a.ReleasedAt = &t
	}
	return a, nil
}

// Get reads an article with its tags, whatever its status: callers check access.
func (s *Service) Get(ctx context.Context, id int64) (Article, error) { return s.get(ctx, s.db, id) }

func (s *Service) get(ctx context.Context, q store.Querier, id int64) (Article, error) {
	a, err := scanArticle(q.QueryRowContext(ctx, `SELECT `+articleColumns+articleFrom+` WHERE a.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, store.ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("article: read %d: %w", id, err)
	}
	rows, err := q.QueryContext(ctx, `SELECT tag FROM article_tags WHERE article_id = $1 ORDER BY tag`, id)
	if err != nil {
		return a, fmt.Errorf("article: tags of %d: %w", id, err)
	}
	defer rows.Close()
	a.Tags = []string{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return a, err
		}
		a.Tags = append(a.Tags, t)
	}
	return a, rows.Err()
}

// Public reads an article for the public: a published one; ErrGone for a withdrawn
// one; store.ErrNotFound for anything else, so a draft cannot be found by guessing.
func (s *Service) Public(ctx context.Context, id int64) (Article, error) {
	a, err := s.Get(ctx, id)
	if err != nil {
		return a, err
	}
	switch a.Status {
	case Published:
		return a, nil
	case Withdrawn:
		return Article{}, ErrGone
	}
	return Article{}, store.ErrNotFound
}

// CanManage tells whether a scope may manage an article's organization.
func (s *Service) CanManage(ctx context.Context, sc org.Scope, a Article) (bool, error) {
	_, err := s.requireManager(ctx, s.db, sc, a.ID)
	if errors.Is(err, ErrForbidden) {
		return false, nil
	}
	return err == nil, err
}

// Revision is one saved version.
type Revision struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Status    Status    `json:"status"`
	Note      string    `json:"note,omitempty"`
	By        string    `json:"by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Revisions lists an article's versions, newest first.
func (s *Service) Revisions(ctx context.Context, id int64) ([]Revision, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, r.title, r.status, r.note, COALESCE(ac.username, ''), r.created_at
		FROM article_revisions r LEFT JOIN accounts ac ON ac.id = r.account_id WHERE r.article_id = $1 ORDER BY r.id DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("article: revisions of %d: %w", id, err)
	}
	defer rows.Close()
	var out []Revision
	for rows.Next() {
		var r Revision
		if err := rows.Scan(&r.ID, &r.Title, &r.Status, &r.Note, &r.By, &r.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
