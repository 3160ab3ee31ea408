package article

// Readers' comments. Every comment waits for a moderator; obvious spam is held apart as
// spam so that moderators see the real ones first. What counts as obvious, without a
// third-party service: a link (the usual payload of comment spam), text that repeats a
// comment already sent, a body of one character repeated, and a burst from one address.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// CommentStatus is where a comment is in moderation.
type CommentStatus string

const (
	Pending  CommentStatus = "pending"
	Approved CommentStatus = "approved"
	Rejected CommentStatus = "rejected"
	Spam     CommentStatus = "spam"
)

// Key is the catalog key of the status's name.
func (s CommentStatus) Key() string { return "article.comment.status." + string(s) }

// Limits on comments.
const (
	MaxCommentName = 40
	MaxComment     = 2000
	burstWindow    = 10 * time.Minute
	burstLimit     = 3 // comments from one address in the window before the rest are held as spam
)

var linkPattern = regexp.MustCompile(`(?i)(https?://|www\.|\[url|<a\s|\.(com|net|org|cn|ru|xyz|top)\b)`)

// Comment is a reader's comment.
type Comment struct {
	ID        int64         `json:"id"`
	ArticleID int64         `json:"article_id"`
	Name      string        `json:"name"`
	Body      string        `json:"body"`
	Status    CommentStatus `json:"status"`
	Reason    string        `json:"reason,omitempty"` // why it was held as spam
	CreatedAt time.Time     `json:"created_at"`
}

// NewComment is what a reader sends.
type NewComment struct {
	Name    string
	Body    string
	Address string // the client's address, for the rate rule
}

// AddComment keeps a reader's comment for moderation, or as spam. Comments are taken
// only on a published article whose comments are open.
func (s *Service) AddComment(ctx context.Context, articleID int64, n NewComment) (Comment, error) {
	a, err := s.Public(ctx, articleID)
	if err != nil {
		return Comment{}, err
	}
	if !a.CommentsOpen {
		return Comment{}, i18n.Invalid("body", "article.error.comments_closed")
	}
	name, body := SanitizeText(n.Name), SanitizeText(n.Body)
	var errs i18n.Errors
	switch l := utf8.RuneCountInString(name); {
	case l == 0:
		errs = append(errs, i18n.Invalid("name", "error.required"))
	case l > MaxCommentName:
		errs = append(errs, i18n.Invalid("name", "article.error.too_long", "max", MaxCommentName))
	}
	switch l := utf8.RuneCountInString(body); {
	case l == 0:
		errs = append(errs, i18n.Invalid("body", "error.required"))
	case l > MaxComment:
		errs = append(errs, i18n.Invalid("body", "article.error.too_long", "max", MaxComment))
	}
	if len(errs) > 0 {
		return Comment{}, errs
	}
	c := Comment{ArticleID: articleID, Name: name, Body: body, Status: Pending, CreatedAt: s.now().UTC()}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		reason, err := s.spamReason(ctx, tx, n.Address, body, c.CreatedAt)
		if err != nil {
			return err
		}
		if reason != "" {
			c.Status, c.Reason = Spam, reason
		}
		return tx.QueryRowContext(ctx, `INSERT INTO article_comments (article_id, name, body, status, reason, address, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`, articleID, name, body, c.Status, c.Reason, n.Address, c.CreatedAt).Scan(&c.ID)
	})
	if err != nil {
		return Comment{}, fmt.Errorf("article: comment on %d: %w", articleID, err)
	}
	return c, nil
}

// spamReason names the rule a comment breaks, or "".
func (s *Service) spamReason(ctx context.Context, q store.Querier, address, body string, now time.Time) (string, error) {
	if linkPattern.MatchString(body) {
		return "link", nil
	}
	if repetitive(body) {
		return "repeated", nil
	}
	var same, recent int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM article_comments WHERE body = $1 AND created_at > $2`,
		body, now.Add(-24*time.Hour)).Scan(&same); err != nil {
		return "", err
	}
	if same > 0 {
		return "repeated", nil
	}
	if address == "" {
		return "", nil
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM article_comments WHERE address = $1 AND created_at > $2`,
		address, now.Add(-burstWindow)).Scan(&recent); err != nil {
		return "", err
	}
	if recent >= burstLimit {
		return "rate", nil
	}
	return "", nil
}

// repetitive tells whether a body is mostly one character or one short phrase repeated.
func repetitive(body string) bool {
	r := []rune(strings.Join(strings.Fields(body), ""))
	if len(r) < 12 {
		return false
	}
	for size := 1; size <= 4; size++ {
		unit := string(r[:size])
		if strings.Repeat(unit, len(r)/size) == string(r[:len(r)/size*size]) {
			return true
		}
	}
	return false
}

// Comments lists an article's comments with the given statuses, oldest first.
func (s *Service) Comments(ctx context.Context, articleID int64, statuses ...CommentStatus) ([]Comment, error) {
	args := []any{articleID}
	var in []string
	for i, st := range statuses {
		args = append(args, st)
		in = append(in, fmt.Sprintf("$%d", i+2))
	}
	where := ""
	if len(in) > 0 {
		where = ` AND status IN (` + strings.Join(in, ",") + `)`
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, article_id, name, body, status, reason, created_at FROM article_comments
		WHERE article_id = $1`+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("article: comments of %d: %w", articleID, err)
	}
	defer rows.Close()
	var out []Comment
	for rows.Next() {
		var c Comment
		if err := rows.Scan(&c.ID, &c.ArticleID, &c.Name, &c.Body, &c.Status, &c.Reason, &c.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Moderate approves, rejects or marks a comment as spam; it needs Manage on the
// article's organization.
func (s *Service) Moderate(ctx context.Context, sc org.Scope, articleID, commentID int64, to CommentStatus) error {
	if to != Approved && to != Rejected && to != Spam {
		return i18n.Invalid("status", "article.error.comment_status")
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.requireManager(ctx, tx, sc, articleID); err != nil {
			return err
		}
		var before CommentStatus
		err := tx.QueryRowContext(ctx, `SELECT status FROM article_comments WHERE id = $1 AND article_id = $2`, commentID, articleID).Scan(&before)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("article: comment %d: %w", commentID, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE article_comments SET status = $1, moderated_by = $2, moderated_at = $3 WHERE id = $4`,
			to, nullID(audit.ActorFrom(ctx).AccountID), s.now().UTC(), commentID); err != nil {
			return fmt.Errorf("article: moderate %d: %w", commentID, err)
		}
		return audit.Record(ctx, tx, "moderate", "article_comment", commentID, map[string]any{"status": before}, map[string]any{"status": to})
	})
}
