package article

// From a held activity's record to a report draft in one step: everything the record
// already says — title, date, hosts, speaker, attendance, resolutions, photos — is
// written into the draft, so that nothing is typed twice (record once).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html"
	"strings"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/i18n"
	"vanguard/internal/media"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// ErrNotHeld is returned for a report on an activity that was not held.
var ErrNotHeld = i18n.Invalid("activity_id", "article.error.not_held")

// beijing is the zone the report's date is written in.
var beijing = time.FixedZone("CST", 8*3600)

// Attachment is a photo or file of an activity's record.
type Attachment struct {
	media.Media
	Caption string `json:"caption,omitempty"`
}

// AttachToActivity adds an uploaded file to an activity's record. The handler checks
// that the caller manages a host.
func (s *Service) AttachToActivity(ctx context.Context, m *media.Service, activityID int64, u media.Upload, caption string) (Attachment, error) {
	var att Attachment
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		saved, err := m.Save(ctx, tx, u)
		if err != nil {
			return err
		}
		att = Attachment{Media: saved, Caption: strings.TrimSpace(caption)}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM activity_media WHERE activity_id = $1 AND media_id = $2`, activityID, saved.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil // the same photo twice is one photo
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO activity_media (activity_id, media_id, caption, added_by, added_at) VALUES ($1,$2,$3,$4,$5)`,
			activityID, saved.ID, att.Caption, nullID(u.OwnerID), s.now().UTC())
		return err
	})
	if err != nil {
		return att, fmt.Errorf("article: attach to activity %d: %w", activityID, err)
	}
	return att, nil
}

// Attachments lists the photos and files of an activity's record, in the order added.
func (s *Service) Attachments(ctx context.Context, m *media.Service, activityID int64) ([]Attachment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT media_id, caption FROM activity_media WHERE activity_id = $1 ORDER BY added_at, media_id`, activityID)
	if err != nil {
		return nil, fmt.Errorf("article: attachments of activity %d: %w", activityID, err)
	}
	type row struct {
		id      int64
		caption string
	}
	var list []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.caption); err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Attachment, 0, len(list))
	for _, r := range list {
		md, err := m.Get(ctx, r.id)
		if err != nil {
			return nil, err
		}
		out = append(out, Attachment{Media: md, Caption: r.caption})
	}
	return out, nil
}

// ReportOf returns the article already written from an activity, if any.
func (s *Service) ReportOf(ctx context.Context, activityID int64) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM articles WHERE activity_id = $1 AND status <> $2 ORDER BY id DESC LIMIT 1`,
		activityID, Withdrawn).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, store.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("article: report of activity %d: %w", activityID, err)
	}
	return id, nil
}

// ReportSource is what a report is written from, read by the caller from the activity
// service (the handler has checked Manage on a host).
type ReportSource struct {
	Activity    activity.Activity
	Record      activity.Record
	Tally       activity.Tally
	Attachments []Attachment
	Lang        string // the writer's language, for the labels of the draft
	Labels      func(key string, params map[string]any) string
}

// FromActivity makes a draft from a held activity, on the portal of its first host,
// or returns the draft already made from it.
func (s *Service) FromActivity(ctx context.Context, sc org.Scope, src ReportSource) (Article, error) {
	act := src.Activity
	if act.Status != activity.Held || act.HeldAt == nil {
		return Article{}, ErrNotHeld
	}
	if id, err := s.ReportOf(ctx, act.ID); err == nil {
		return s.Get(ctx, id)
	} else if !errors.Is(err, store.ErrNotFound) {
		return Article{}, err
	}
	if len(act.Hosts) == 0 {
		return Article{}, i18n.Invalid("activity_id", "article.error.org")
	}
	in := Input{
		OrgID:      act.Hosts[0].OrgID,
		Title:      act.Title,
		Category:   "meetings",
		Body:       reportBody(src),
		Tags:       []string{src.Labels("activity.kind."+string(act.Kind), nil)},
		ActivityID: act.ID,
		ReleasedAt: time.Time{},
	}
	for _, a := range src.Attachments {
		if a.IsImage() {
			in.CoverID = a.ID
			break
		}
	}
	return s.Create(ctx, sc, in)
}

// reportBody writes the facts of the record as the draft's first paragraphs.
func reportBody(src ReportSource) string {
	act, t := src.Activity, src.Tally
	L := src.Labels
	hosts := make([]string, len(act.Hosts))
	for i, h := range act.Hosts {
		hosts[i] = h.Name
	}
	var b strings.Builder
	p := func(s string) { b.WriteString("<p>" + html.EscapeString(s) + "</p>\n") }
	p(L("article.report.lead", map[string]any{
		"date": act.StartsAt.In(beijing).Format("2006-01-02"), "hosts": strings.Join(hosts, "、"), "title": act.Title,
		"place": act.Place}))
	if act.SpeakerName != "" {
		p(L("article.report.speaker", map[string]any{"speaker": act.SpeakerName}))
	}
	if act.Theme != "" {
		p(L("article.report.theme", map[string]any{"theme": act.Theme}))
	}
	p(L("article.report.attendance", map[string]any{"present": t.Present + t.Late, "invited": t.Invited + t.Present + t.Late + t.Leave + t.Absent,
		"leave": t.Leave, "absent": t.Absent}))
	if m := strings.TrimSpace(src.Record.CurrentMinutes()); m != "" {
		b.WriteString(TextToHTML(m))
	}
	if res := src.Record.CurrentResolutions(); len(res) > 0 {
		b.WriteString("<h3>" + html.EscapeString(L("article.report.resolutions", nil)) + "</h3>\n<ol>\n")
		for _, r := range res {
			b.WriteString("<li>" + html.EscapeString(r) + "</li>\n")
		}
		b.WriteString("</ol>\n")
	}
	for _, a := range src.Attachments {
		if !a.IsImage() {
			continue
		}
		fmt.Fprintf(&b, `<p><img src="%s" width="%d" height="%d" alt="%s" loading="lazy"></p>`+"\n",
			a.URL(), a.Width, a.Height, html.EscapeString(a.Caption))
	}
	return b.String()
}
