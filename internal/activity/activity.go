// Package activity keeps the organizational life of party organizations (issue 4): the
// meetings and other activities they host, who is invited, leave, sign-in and the roll
// call, attendance, the record of what was decided and the follow-up tasks, and what is
// due under the compliance rules.
//
// Writes take an org.Scope of the Manage right (org.ScopeOf(account, org.Manage)): the
// caller may plan an activity only for hosts it manages, and may run an existing one when
// it manages any of its hosts. Members act for themselves (sign-in, leave) by person id,
// which the handler takes from the signed-in account.
package activity

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// ErrForbidden is returned when the caller's scope holds none of an activity's hosts.
var ErrForbidden = errors.New("activity: the caller manages none of the hosts")

// Options configure the service; the zero value is the default.
type Options struct {
	Now func() time.Time
	// CheckinOpensBefore is how long before the start the QR sign-in opens (default 30
	// minutes); CheckinClosesAfter, how long after the end it stays open (default 0).
	CheckinOpensBefore time.Duration
	CheckinClosesAfter time.Duration
	// AttendanceChanged, when set, is told in the same transaction whenever attendance
	// of a held activity may have changed — the points ledger credits it.
	AttendanceChanged AttendanceHook
}

// AttendanceHook receives a held activity's attendance of the people concerned.
type AttendanceHook func(ctx context.Context, q store.Querier, c AttendanceChange) error

// AttendanceChange is who attended and who not, among the people whose attendance may
// have changed, of an activity.
type AttendanceChange struct {
	ActivityID  int64
	Held        bool
	StartsAt    time.Time
	Attended    []int64
	NotAttended []int64
}

// Service keeps activities.
type Service struct {
	db          *store.DB
	now         func() time.Time
	opensBefore time.Duration
	closesAfter time.Duration
	onAttend    AttendanceHook
}

// DefaultCheckinOpensBefore is how early the QR sign-in opens unless configured.
const DefaultCheckinOpensBefore = 30 * time.Minute

// New builds the service.
func New(db *store.DB, opts Options) *Service {
	s := &Service{db: db, now: opts.Now, opensBefore: opts.CheckinOpensBefore, closesAfter: opts.CheckinClosesAfter, onAttend: opts.AttendanceChanged}
	if s.now == nil {
		s.now = time.Now
	}
	if s.opensBefore <= 0 {
		s.opensBefore = DefaultCheckinOpensBefore
	}
	if s.closesAfter < 0 {
		s.closesAfter = 0
	}
	return s
}

// Host is an organization hosting an activity.
type Host struct {
	OrgID int64  `json:"org_id"`
	Name  string `json:"name"`
}

// Quorum is a general meeting's quorum (党员大会须有半数以上有表决权的党员到会): the
// full members of the hosts when it was held, and how many of them attended.
type Quorum struct {
	Voting  int  `json:"voting"`
	Present int  `json:"present"`
	Met     bool `json:"met"`
}

// Activity is a meeting or another activity of organizational life.
type Activity struct {
	ID                 int64      `json:"id"`
	Kind               Kind       `json:"kind"`
	Title              string     `json:"title"`
	Theme              string     `json:"theme,omitempty"`
	StartsAt           time.Time  `json:"starts_at"`
	EndsAt             time.Time  `json:"ends_at"`
	Place              string     `json:"place,omitempty"`
	OnlineLink         string     `json:"online_link,omitempty"`
	SpeakerName        string     `json:"speaker_name,omitempty"` // the person's name when SpeakerID is set
	SpeakerID          int64      `json:"speaker_id,omitempty"`
	Agenda             string     `json:"agenda,omitempty"`
	IncludeDevelopment bool       `json:"include_development"`
	IncludeNonMembers  bool       `json:"include_non_members"`
	Status             Status     `json:"status"`
	HeldAt             *time.Time `json:"held_at,omitempty"`
	LocksAt            *time.Time `json:"locks_at,omitempty"`
	Quorum             *Quorum    `json:"quorum,omitempty"`
	Hosts              []Host     `json:"hosts"`
	PersonIDs          []int64    `json:"person_ids,omitempty"` // people invited by name
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

// HostIDs lists the hosts' organization ids.
func (a Activity) HostIDs() []int64 {
	ids := make([]int64, len(a.Hosts))
	for i, h := range a.Hosts {
		ids[i] = h.OrgID
	}
	return ids
}

// Input is what Create and Update need.
type Input struct {
	Kind     Kind
	HostIDs  []int64 // one or several; across host units for joint and alliance activities
	Title    string
	Theme    string
	StartsAt time.Time
	EndsAt   time.Time
	Place    string
	// OnlineLink is an http(s) address for an online meeting.
	OnlineLink  string
	SpeakerName string // free text: a guest lecturer, "书记", …
	SpeakerID   int64  // or a person on record
	Agenda      string
	// The audience: the probationary and full members of the hosts' subtrees, plus
	// PersonIDs, plus, when asked, the hosts' applicants, activists and development
	// targets (IncludeDevelopment) and the residents or employees attached to them
	// (IncludeNonMembers).
	PersonIDs          []int64
	IncludeDevelopment bool
	IncludeNonMembers  bool
}

// Field names errors carry.
const (
	fieldKind       = "kind"
	fieldHosts      = "host_ids"
	fieldTitle      = "title"
	fieldStartsAt   = "starts_at"
	fieldEndsAt     = "ends_at"
	fieldOnlineLink = "online_link"
	fieldSpeaker    = "speaker_id"
	fieldPeople     = "person_ids"
	fieldStatus     = "status"
	fieldToken      = "token"
	fieldReason     = "reason"
	fieldPresence   = "presence"
	fieldPerson     = "person_id"
)

const maxTitle = 200

func (in *Input) normalize() {
	in.Title, in.Theme = strings.TrimSpace(in.Title), strings.TrimSpace(in.Theme)
	in.Place, in.OnlineLink = strings.TrimSpace(in.Place), strings.TrimSpace(in.OnlineLink)
	in.SpeakerName, in.Agenda = strings.TrimSpace(in.SpeakerName), strings.TrimSpace(in.Agenda)
	in.HostIDs = unique(in.HostIDs)
	in.PersonIDs = unique(in.PersonIDs)
	// Seconds are all a meeting's time needs, and both engines then hold the same value.
	in.StartsAt, in.EndsAt = in.StartsAt.Truncate(time.Second), in.EndsAt.Truncate(time.Second)
}

func unique(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id != 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func (in Input) validate() i18n.Errors {
	var errs i18n.Errors
	if !in.Kind.Valid() {
		errs = append(errs, i18n.Invalid(fieldKind, "activity.error.kind"))
	}
	if len(in.HostIDs) == 0 {
		errs = append(errs, i18n.Invalid(fieldHosts, "error.required"))
	}
	switch {
	case in.Title == "":
		errs = append(errs, i18n.Invalid(fieldTitle, "error.required"))
	case utf8.RuneCountInString(in.Title) > maxTitle:
		errs = append(errs, i18n.Invalid(fieldTitle, "activity.error.too_long", "max", maxTitle))
	}
	if in.StartsAt.IsZero() {
		errs = append(errs, i18n.Invalid(fieldStartsAt, "error.required"))
	}
	switch {
	case in.EndsAt.IsZero():
		errs = append(errs, i18n.Invalid(fieldEndsAt, "error.required"))
	case !in.StartsAt.IsZero() && !in.EndsAt.After(in.StartsAt):
		errs = append(errs, i18n.Invalid(fieldEndsAt, "activity.error.ends_before_starts"))
	}
	if in.OnlineLink != "" {
		// Only web addresses: the link is shown to members as a link, and a javascript:
		// or file: address there would be an attack, not a meeting.
		u, err := url.Parse(in.OnlineLink)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, i18n.Invalid(fieldOnlineLink, "activity.error.online_link"))
		}
	}
	return errs
}

// Create plans an activity and invites its audience. Every host must be a living
// organization the caller manages.
func (s *Service) Create(ctx context.Context, sc org.Scope, in Input) (Activity, error) {
	return s.CreateIn(ctx, s.db, sc, in)
}

// CreateIn plans an activity inside the caller's transaction (demo data, imports).
func (s *Service) CreateIn(ctx context.Context, q store.Querier, sc org.Scope, in Input) (Activity, error) {
	in.normalize()
	if errs := in.validate(); len(errs) > 0 {
		return Activity{}, asError(errs)
	}
	var a Activity
	err := store.WriteIn(ctx, q, func(q store.Querier) error {
		if err := s.checkReferences(ctx, q, sc, in); err != nil {
			return err
		}
		now := s.now()
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO activities (kind, title, theme, starts_at, ends_at, place, online_link,
			speaker_name, speaker_id, agenda, include_development, include_non_members, status, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id`,
			in.Kind, in.Title, in.Theme, in.StartsAt, in.EndsAt, in.Place, in.OnlineLink, in.SpeakerName, nullID(in.SpeakerID),
			in.Agenda, in.IncludeDevelopment, in.IncludeNonMembers, Planned, nullID(audit.ActorFrom(ctx).AccountID), now).Scan(&id)
		if err != nil {
			return fmt.Errorf("activity: create %q: %w", in.Title, err)
		}
		if err := s.setHostsAndPeople(ctx, q, id, in); err != nil {
			return err
		}
		if err := s.recordMove(ctx, q, id, "", Planned, ""); err != nil {
			return err
		}
		if err := s.invite(ctx, q, id); err != nil {
			return err
		}
		if a, err = s.get(ctx, q, id); err != nil {
			return err
		}
		return audit.Record(ctx, q, "create", "activity", id, nil, a)
	})
	return a, err
}

// Update changes a planned activity. The caller must manage one of its present hosts and
// every host it will have. The invitations follow the new audience: people added are
// invited, and people no longer in it lose an invitation they had not acted on.
func (s *Service) Update(ctx context.Context, sc org.Scope, id int64, in Input) (Activity, error) {
	in.normalize()
	if errs := in.validate(); len(errs) > 0 {
		return Activity{}, asError(errs)
	}
	var a Activity
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.requireManager(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if before.Status != Planned {
			return i18n.Invalid(fieldStatus, "activity.error.not_planned", "status", i18n.Msg(before.Status.Key()))
		}
		if err := s.checkReferences(ctx, tx, sc, in); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE activities SET kind = $1, title = $2, theme = $3, starts_at = $4, ends_at = $5,
			place = $6, online_link = $7, speaker_name = $8, speaker_id = $9, agenda = $10, include_development = $11,
			include_non_members = $12, updated_at = $13 WHERE id = $14`,
			in.Kind, in.Title, in.Theme, in.StartsAt, in.EndsAt, in.Place, in.OnlineLink, in.SpeakerName, nullID(in.SpeakerID),
			in.Agenda, in.IncludeDevelopment, in.IncludeNonMembers, s.now(), id)
		if err != nil {
			return fmt.Errorf("activity: update %d: %w", id, err)
		}
		for _, table := range []string{"activity_hosts", "activity_people"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE activity_id = $1`, id); err != nil {
				return fmt.Errorf("activity: update %d: %w", id, err)
			}
		}
		if err := s.setHostsAndPeople(ctx, tx, id, in); err != nil {
			return err
		}
		// Uninvite those who left the audience and had done nothing with the invitation.
		if _, err := tx.ExecContext(ctx, `DELETE FROM attendance WHERE activity_id = $1 AND status = 'invited' AND leave_state = ''
			AND person_id NOT IN (SELECT p.id FROM people p JOIN activities a ON a.id = $1 WHERE `+audienceWhere+`)`, id); err != nil {
			return fmt.Errorf("activity: uninvite for %d: %w", id, err)
		}
		if err := s.invite(ctx, tx, id); err != nil {
			return err
		}
		if a, err = s.get(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "update", "activity", id, before, a)
	})
	return a, err
}

// checkReferences checks, in the database, what an input points at: hosts the caller
// manages and that are not dissolved, a speaker and invited people who exist.
func (s *Service) checkReferences(ctx context.Context, q store.Querier, sc org.Scope, in Input) error {
	marks, args := placeholders(in.HostIDs, 1)
	cond, scopeArgs := sc.Condition("o.id", len(args)+1)
	rows, err := q.QueryContext(ctx, `SELECT o.id FROM orgs o WHERE o.id IN (`+marks+`) AND o.dissolved_at IS NULL AND `+cond,
		append(args, scopeArgs...)...)
	if err != nil {
		return fmt.Errorf("activity: check hosts: %w", err)
	}
	ok, err := store.IDs(rows)
	if err != nil {
		return fmt.Errorf("activity: check hosts: %w", err)
	}
	var errs i18n.Errors
	for _, h := range in.HostIDs {
		if !slices.Contains(ok, h) {
			errs = append(errs, i18n.Invalid(fieldHosts, "activity.error.host", "id", h))
		}
	}
	people := in.PersonIDs
	if in.SpeakerID != 0 {
		people = append(slices.Clone(people), in.SpeakerID)
	}
	if len(people) > 0 {
		marks, args := placeholders(people, 1)
		rows, err := q.QueryContext(ctx, `SELECT id FROM people WHERE id IN (`+marks+`)`, args...)
		if err != nil {
			return fmt.Errorf("activity: check people: %w", err)
		}
		found, err := store.IDs(rows)
		if err != nil {
			return fmt.Errorf("activity: check people: %w", err)
		}
		if in.SpeakerID != 0 && !slices.Contains(found, in.SpeakerID) {
			errs = append(errs, i18n.Invalid(fieldSpeaker, "activity.error.person_missing", "id", in.SpeakerID))
		}
		for _, p := range in.PersonIDs {
			if !slices.Contains(found, p) {
				errs = append(errs, i18n.Invalid(fieldPeople, "activity.error.person_missing", "id", p))
			}
		}
	}
	return asError(errs)
}

func (s *Service) setHostsAndPeople(ctx context.Context, q store.Querier, id int64, in Input) error {
	for _, h := range in.HostIDs {
		if _, err := q.ExecContext(ctx, `INSERT INTO activity_hosts (activity_id, org_id, kind) VALUES ($1, $2, $3)`, id, h, in.Kind); err != nil {
			return fmt.Errorf("activity: host %d of %d: %w", h, id, err)
		}
	}
	for _, p := range in.PersonIDs {
		if _, err := q.ExecContext(ctx, `INSERT INTO activity_people (activity_id, person_id) VALUES ($1, $2)`, id, p); err != nil {
			return fmt.Errorf("activity: invite %d to %d: %w", p, id, err)
		}
	}
	return nil
}
