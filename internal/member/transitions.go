package member

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// Move is a step in a person's development as a worker records it.
type Move struct {
	Transition
	Documents string // the documents of the step, one per line (申请书, 政审材料, 支部大会决议…)
	Note      string
}

// Event is one recorded step of a person's development.
type Event struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	FromStage Stage     `json:"from_stage"`
	ToStage   Stage     `json:"to_stage"`
	On        time.Time `json:"on"`
	OrgID     int64     `json:"org_id,omitempty"`
	OrgName   string    `json:"org_name,omitempty"`
	Months    int       `json:"months,omitempty"`
	Documents string    `json:"documents,omitempty"`
	Note      string    `json:"note,omitempty"`
}

// Record checks a move against the development rules and, when they allow it, records
// it: the person's stage and dates change, and the step is kept in their history.
// A refused move changes nothing and says which rule and when it will be met.
func (s *Service) Record(ctx context.Context, personID int64, m Move) (Person, error) {
	var p Person
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.get(ctx, tx, personID)
		if err != nil {
			return err
		}
		if err := Check(before.Dossier, m.Transition, s.Today()); err != nil {
			return err
		}
		after := Apply(before.Dossier, m.Transition)
		if _, err := tx.ExecContext(ctx, `UPDATE people SET stage = $1, stage_since = $2, applied_at = $3, talked_at = $4,
			activist_since = $5, candidate_since = $6, admitted_at = $7, approved_at = $8, extension_months = $9,
			joined_at = COALESCE(joined_at, $7), updated_at = $10 WHERE id = $11`,
			after.Stage, nullTime(after.StageSince), nullTime(after.AppliedAt), nullTime(after.TalkedAt),
			nullTime(after.ActivistSince), nullTime(after.CandidateSince), nullTime(after.AdmittedAt), nullTime(after.ApprovedAt),
			after.ExtensionMonths, s.now(), personID); err != nil {
			return fmt.Errorf("member: record %s of %d: %w", m.Kind, personID, err)
		}
		if after.Stage == StageResident && before.Stage != StageResident {
			// Cancelling a probationary qualification (or a fresh application) starts over:
			// old contacts and introducers no longer count.
			if _, err := tx.ExecContext(ctx, `DELETE FROM person_links WHERE person_id = $1`, personID); err != nil {
				return fmt.Errorf("member: clear links of %d: %w", personID, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE people SET political_review_done = FALSE, training_hours = 0, joined_at = NULL WHERE id = $1`, personID); err != nil {
				return fmt.Errorf("member: reset dossier of %d: %w", personID, err)
			}
		}
		// A step dated before the person's first membership began (a resident entered
		// today whose application of years ago is recorded now) shows they were with the
		// organization then: that membership begins with the step, so that AsOf finds
		// the organization of every recorded step.
		if _, err := tx.ExecContext(ctx, `UPDATE person_orgs SET started_on = $1
			WHERE person_id = $2 AND ended_on IS NULL AND started_on > $1
			  AND NOT EXISTS (SELECT 1 FROM person_orgs e WHERE e.person_id = $2 AND e.ended_on IS NOT NULL)`,
			day(m.On), personID); err != nil {
			return fmt.Errorf("member: date membership of %d: %w", personID, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO stage_events (person_id, kind, from_stage, to_stage, on_date, org_id, months, documents, note, recorded_by, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			personID, m.Kind, before.Stage, after.Stage, day(m.On), nullID(before.OrgID), m.Months,
			strings.TrimSpace(m.Documents), strings.TrimSpace(m.Note), nullID(audit.ActorFrom(ctx).AccountID), s.now()); err != nil {
			return fmt.Errorf("member: history of %d: %w", personID, err)
		}
		if p, err = s.get(ctx, tx, personID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "transition", "person", personID,
			map[string]any{"stage": before.Stage}, map[string]any{"stage": p.Stage, "kind": m.Kind, "on": isoDate(m.On)})
	})
	return p, err
}

// Link kinds.
const (
	LinkContact    = "contact"    // 培养联系人 of an activist
	LinkIntroducer = "introducer" // 入党介绍人 of a development target
)

// AddLink names a contact member or an introducer. Both must be members; an introducer
// must be a full member (发展党员工作细则 第十四条) and there are at most two of each.
func (s *Service) AddLink(ctx context.Context, personID, otherID int64, kind string, since time.Time) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		p, err := s.get(ctx, tx, personID)
		if err != nil {
			return err
		}
		other, err := s.get(ctx, tx, otherID)
		if errors.Is(err, store.ErrNotFound) {
			return i18n.Invalid("other_id", "member.error.person_missing")
		}
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM person_links WHERE person_id = $1 AND kind = $2`, personID, kind).Scan(&n); err != nil {
			return fmt.Errorf("member: count links: %w", err)
		}
		switch {
		case kind != LinkContact && kind != LinkIntroducer:
			return i18n.Invalid("kind", "member.error.link_kind")
		case personID == otherID:
			return i18n.Invalid("other_id", "member.error.link_self")
		case kind == LinkIntroducer && other.Stage != StageFull:
			return i18n.Invalid("other_id", "member.error.introducer_full")
		case kind == LinkContact && !other.Stage.IsMember():
			return i18n.Invalid("other_id", "member.error.contact_member")
		case kind == LinkContact && p.Stage != StageActivist && p.Stage != StageCandidate:
			return i18n.Invalid("kind", "member.error.contact_stage")
		case kind == LinkIntroducer && p.Stage != StageCandidate:
			return i18n.Invalid("kind", "member.error.introducer_stage")
		case n >= 2:
			return i18n.Invalid("other_id", "member.error.link_two")
		}
		if since.IsZero() {
			since = s.Today()
		}
		// ON CONFLICT rather than catching the unique violation: on PostgreSQL a failed
		// statement aborts the transaction, and naming a link twice changes nothing.
		res, err := tx.ExecContext(ctx, `INSERT INTO person_links (person_id, other_id, kind, since) VALUES ($1, $2, $3, $4)
			ON CONFLICT (person_id, other_id, kind) DO NOTHING`, personID, otherID, kind, since)
		if err != nil {
			return fmt.Errorf("member: link %d to %d: %w", personID, otherID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("member: link %d to %d: %w", personID, otherID, err)
		} else if n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, "link", "person", personID, nil, map[string]any{"kind": kind, "other_id": otherID})
	})
}

// Link is a contact member or introducer of a person.
type Link struct {
	OtherID   int64     `json:"other_id"`
	OtherName string    `json:"other_name"`
	Kind      string    `json:"kind"`
	Since     time.Time `json:"since"`
}

// Links lists a person's contact members and introducers.
func (s *Service) Links(ctx context.Context, personID int64) ([]Link, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT l.other_id, o.name, l.kind, l.since FROM person_links l
		JOIN people o ON o.id = l.other_id WHERE l.person_id = $1 ORDER BY l.kind, l.since`, personID)
	if err != nil {
		return nil, fmt.Errorf("member: links of %d: %w", personID, err)
	}
	defer rows.Close()
	var list []Link
	for rows.Next() {
		var l Link
		if err := rows.Scan(&l.OtherID, &l.OtherName, &l.Kind, &l.Since); err != nil {
			return nil, fmt.Errorf("member: scan link: %w", err)
		}
		list = append(list, l)
	}
	return list, rows.Err()
}

// Preparation records a development target's political review and training hours.
type Preparation struct {
	PoliticalReviewDone bool
	TrainingHours       int
}

// Prepare updates a development target's preparation for admission.
func (s *Service) Prepare(ctx context.Context, personID int64, prep Preparation) error {
	if prep.TrainingHours < 0 || prep.TrainingHours > 1000 {
		return i18n.Invalid("training_hours", "member.error.training_hours")
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		p, err := s.get(ctx, tx, personID)
		if err != nil {
			return err
		}
		if p.Stage != StageCandidate {
			return i18n.Invalid("stage", "member.error.prepare_stage")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE people SET political_review_done = $1, training_hours = $2, updated_at = $3 WHERE id = $4`,
			prep.PoliticalReviewDone, prep.TrainingHours, s.now(), personID); err != nil {
			return fmt.Errorf("member: prepare %d: %w", personID, err)
		}
		return audit.Record(ctx, tx, "prepare", "person", personID,
			Preparation{p.Dossier.PoliticalReviewDone, p.Dossier.TrainingHours}, prep)
	})
}

// History lists a person's development steps, oldest first.
func (s *Service) History(ctx context.Context, personID int64) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.id, e.kind, e.from_stage, e.to_stage, e.on_date, COALESCE(e.org_id, 0), COALESCE(o.name, ''),
		e.months, e.documents, e.note FROM stage_events e LEFT JOIN orgs o ON o.id = e.org_id
		WHERE e.person_id = $1 ORDER BY e.on_date, e.id`, personID)
	if err != nil {
		return nil, fmt.Errorf("member: history of %d: %w", personID, err)
	}
	defer rows.Close()
	var list []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.ID, &e.Kind, &e.FromStage, &e.ToStage, &e.On, &e.OrgID, &e.OrgName, &e.Months, &e.Documents, &e.Note); err != nil {
			return nil, fmt.Errorf("member: scan event: %w", err)
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

// Membership is a spell in an organization.
type Membership struct {
	OrgID     int64      `json:"org_id"`
	OrgName   string     `json:"org_name"`
	StartedOn time.Time  `json:"started_on"`
	EndedOn   *time.Time `json:"ended_on,omitempty"`
	Via       string     `json:"via"`
}

// Memberships lists the organizations a person has belonged to, oldest first.
func (s *Service) Memberships(ctx context.Context, personID int64) ([]Membership, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.org_id, o.name, m.started_on, m.ended_on, m.via FROM person_orgs m
		JOIN orgs o ON o.id = m.org_id WHERE m.person_id = $1 ORDER BY m.started_on, m.id`, personID)
	if err != nil {
		return nil, fmt.Errorf("member: memberships of %d: %w", personID, err)
	}
	defer rows.Close()
	var list []Membership
	for rows.Next() {
		var m Membership
		var ended sql.NullTime
		if err := rows.Scan(&m.OrgID, &m.OrgName, &m.StartedOn, &ended, &m.Via); err != nil {
			return nil, fmt.Errorf("member: scan membership: %w", err)
		}
		if ended.Valid {
			m.EndedOn = &ended.Time
		}
		list = append(list, m)
	}
	return list, rows.Err()
}

// Snapshot is where a person stood on a past date.
type Snapshot struct {
	On      time.Time  `json:"on"`
	Stage   Stage      `json:"stage"`
	OrgID   int64      `json:"org_id,omitempty"`
	OrgName string     `json:"org_name,omitempty"`
	Posts   []org.Post `json:"posts"`
}

// AsOf answers "what was this person's stage, organization and posts on that day".
func (s *Service) AsOf(ctx context.Context, personID int64, on time.Time) (Snapshot, error) {
	on = day(on)
	snap := Snapshot{On: on}
	err := s.db.QueryRowContext(ctx, `SELECT to_stage FROM stage_events WHERE person_id = $1 AND on_date <= $2
		ORDER BY on_date DESC, id DESC LIMIT 1`, personID, on).Scan(&snap.Stage)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return snap, fmt.Errorf("member: stage of %d on %s: %w", personID, isoDate(on), err)
	}
	err = s.db.QueryRowContext(ctx, `SELECT m.org_id, o.name FROM person_orgs m JOIN orgs o ON o.id = m.org_id
		WHERE m.person_id = $1 AND m.started_on <= $2 AND (m.ended_on IS NULL OR m.ended_on > $2)
		ORDER BY m.started_on DESC LIMIT 1`, personID, on).Scan(&snap.OrgID, &snap.OrgName)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return snap, fmt.Errorf("member: organization of %d on %s: %w", personID, isoDate(on), err)
	}
	posts, err := s.orgs.PostsOf(ctx, personID)
	if err != nil {
		return snap, err
	}
	for _, p := range posts {
		if !p.StartedOn.After(on) && (p.EndedOn == nil || !p.EndedOn.Before(on)) {
			snap.Posts = append(snap.Posts, p)
		}
	}
	return snap, nil
}

// Candidate is a person on the way to membership and their next step.
type Candidate struct {
	Person Person `json:"person"`
	Step   Step   `json:"step"`
}

// Development lists everyone in a subtree between application and full membership,
// with their next step and its due date, overdue first, then by due date.
func (s *Service) Development(ctx context.Context, sc org.Scope, orgID int64) ([]Candidate, error) {
	people, _, err := s.List(ctx, sc, Filter{OrgID: orgID, Subtree: true, Limit: MaxPage,
		Stages: []Stage{StageApplicant, StageActivist, StageCandidate, StageProbationary}})
	if err != nil {
		return nil, err
	}
	today := s.Today()
	var list []Candidate
	for _, p := range people {
		step, ok := NextStep(p.Dossier, today)
		if !ok {
			continue
		}
		list = append(list, Candidate{Person: p, Step: step})
	}
	sortCandidates(list)
	return list, nil
}

func sortCandidates(list []Candidate) {
	slices.SortStableFunc(list, func(a, b Candidate) int {
		if a.Step.Overdue != b.Step.Overdue {
			if a.Step.Overdue {
				return -1
			}
			return 1
		}
		return a.Step.Due.Compare(b.Step.Due)
	})
}
