package org

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/store"
)

// PostKind is a post in an organization.
type PostKind string

const (
	Secretary          PostKind = "secretary"           // 书记
	DeputySecretary    PostKind = "deputy_secretary"    // 副书记
	OrganizationMember PostKind = "organization_member" // 组织委员
	PropagandaMember   PostKind = "propaganda_member"   // 宣传委员
	DisciplineMember   PostKind = "discipline_member"   // 纪检委员
	CommitteeMember    PostKind = "committee_member"    // 委员
	GroupLeader        PostKind = "group_leader"        // 党小组组长
	ContactPoint       PostKind = "contact_point"       // 支部工作联系点 leader
)

// PostKinds lists the posts in the order a page shows them.
func PostKinds() []PostKind {
	return []PostKind{Secretary, DeputySecretary, OrganizationMember, PropagandaMember, DisciplineMember, CommitteeMember, GroupLeader, ContactPoint}
}

// Valid tells whether k is a known post.
func (k PostKind) Valid() bool {
	for _, v := range PostKinds() {
		if k == v {
			return true
		}
	}
	return false
}

// Key is the catalog key of the post's name.
func (k PostKind) Key() string { return "org.post." + string(k) }

// Post is a person holding a post in an organization for a time.
type Post struct {
	ID         int64      `json:"id"`
	OrgID      int64      `json:"org_id"`
	OrgName    string     `json:"org_name,omitempty"`
	PersonID   int64      `json:"person_id"`
	PersonName string     `json:"person_name"`
	Kind       PostKind   `json:"kind"`
	StartedOn  time.Time  `json:"started_on"`
	EndedOn    *time.Time `json:"ended_on,omitempty"`
	Note       string     `json:"note,omitempty"`
}

// NewPost is what Appoint needs.
type NewPost struct {
	OrgID     int64
	PersonID  int64
	Kind      PostKind
	StartedOn time.Time
	Note      string
}

// Appoint gives a person a post. A group leader needs a group; a contact point, a
// branch; and an organization has one secretary at a time, so appointing a new one
// ends the old one's term the day before.
func (s *Service) Appoint(ctx context.Context, q store.Querier, n NewPost) (Post, error) {
	var out Post
	err := store.WriteIn(ctx, q, func(q store.Querier) error {
		var err error
		out, err = s.appoint(ctx, q, n)
		return err
	})
	return out, err
}

func (s *Service) appoint(ctx context.Context, q store.Querier, n NewPost) (Post, error) {
	o, err := s.get(ctx, q, n.OrgID)
	if err != nil {
		return Post{}, err
	}
	var errs i18n.Errors
	switch {
	case !n.Kind.Valid():
		errs = append(errs, i18n.Invalid("kind", "org.error.post_kind"))
	case n.Kind == GroupLeader && o.Kind != Group:
		errs = append(errs, i18n.Invalid("kind", "org.error.post_group_leader"))
	case n.Kind == ContactPoint && o.Kind != Branch:
		errs = append(errs, i18n.Invalid("kind", "org.error.post_contact_point"))
	}
	if n.StartedOn.IsZero() {
		errs = append(errs, i18n.Invalid("started_on", "error.required"))
	}
	if o.DissolvedAt != nil {
		errs = append(errs, i18n.Invalid("org_id", "org.error.parent_dissolved"))
	}
	var name string
	if err := q.QueryRowContext(ctx, `SELECT name FROM people WHERE id = $1`, n.PersonID).Scan(&name); err != nil {
		errs = append(errs, i18n.Invalid("person_id", "org.error.person_missing"))
	}
	if len(errs) > 0 {
		return Post{}, errs
	}
	if n.Kind == Secretary {
		_, err := q.ExecContext(ctx, `UPDATE posts SET ended_on = $1 WHERE org_id = $2 AND kind = $3 AND ended_on IS NULL`,
			n.StartedOn.AddDate(0, 0, -1), n.OrgID, n.Kind)
		if err != nil {
			return Post{}, fmt.Errorf("org: end previous %s of %d: %w", n.Kind, n.OrgID, err)
		}
	}
	p := Post{OrgID: n.OrgID, OrgName: o.Name, PersonID: n.PersonID, PersonName: name, Kind: n.Kind, StartedOn: n.StartedOn, Note: strings.TrimSpace(n.Note)}
	err = q.QueryRowContext(ctx, `INSERT INTO posts (org_id, person_id, kind, started_on, note) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		p.OrgID, p.PersonID, p.Kind, p.StartedOn, p.Note).Scan(&p.ID)
	if err != nil {
		return Post{}, fmt.Errorf("org: appoint %s of %d: %w", n.Kind, n.OrgID, err)
	}
	return p, audit.Record(ctx, q, "appoint", "post", p.ID, nil, p)
}

// EndPost ends a term of office.
func (s *Service) EndPost(ctx context.Context, postID int64, on time.Time) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE posts SET ended_on = $1 WHERE id = $2 AND ended_on IS NULL`, on, postID)
		if err != nil {
			return fmt.Errorf("org: end post %d: %w", postID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return audit.Record(ctx, tx, "end", "post", postID, nil, map[string]any{"ended_on": on})
	})
}

// PostOrg returns the organization a post belongs to, for access checks.
func (s *Service) PostOrg(ctx context.Context, postID int64) (int64, error) {
	var orgID int64
	err := s.db.QueryRowContext(ctx, `SELECT org_id FROM posts WHERE id = $1`, postID).Scan(&orgID)
	if err == sql.ErrNoRows {
		return 0, store.ErrNotFound
	}
	return orgID, err
}

const postColumns = `p.id, p.org_id, o.name, p.person_id, pe.name, p.kind, p.started_on, p.ended_on, p.note
	FROM posts p JOIN orgs o ON o.id = p.org_id JOIN people pe ON pe.id = p.person_id `

func scanPosts(rows *sql.Rows, err error) ([]Post, error) {
	if err != nil {
		return nil, fmt.Errorf("org: list posts: %w", err)
	}
	defer rows.Close()
	var list []Post
	for rows.Next() {
		var p Post
		var ended sql.NullTime
		if err := rows.Scan(&p.ID, &p.OrgID, &p.OrgName, &p.PersonID, &p.PersonName, &p.Kind, &p.StartedOn, &ended, &p.Note); err != nil {
			return nil, fmt.Errorf("org: scan post: %w", err)
		}
		if ended.Valid {
			p.EndedOn = &ended.Time
		}
		list = append(list, p)
	}
	return list, rows.Err()
}

// PostsOn lists the posts of an organization held on a date (today for the current ones).
func (s *Service) PostsOn(ctx context.Context, orgID int64, on time.Time) ([]Post, error) {
	return scanPosts(s.db.QueryContext(ctx, `SELECT `+postColumns+`
		WHERE p.org_id = $1 AND p.started_on <= $2 AND (p.ended_on IS NULL OR p.ended_on >= $2)
		ORDER BY p.id`, orgID, on))
}

// PostsOf lists every post a person has held, current ones first.
func (s *Service) PostsOf(ctx context.Context, personID int64) ([]Post, error) {
	return scanPosts(s.db.QueryContext(ctx, `SELECT `+postColumns+`
		WHERE p.person_id = $1 ORDER BY p.ended_on IS NOT NULL, p.started_on DESC`, personID))
}
