package member

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// Person is someone the platform knows: a member, a candidate on the way to membership,
// or a resident or employee who takes part in deliberation and ideas.
type Person struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Gender    string     `json:"gender,omitempty"`
	BirthDate *time.Time `json:"birth_date,omitempty"`
	IDNumber  string     `json:"id_number,omitempty"`
	Phone     string     `json:"phone,omitempty"`
	OrgID     int64      `json:"org_id,omitempty"`
	OrgName   string     `json:"org_name,omitempty"`
	Stage     Stage      `json:"stage"`
	JoinedAt  *time.Time `json:"joined_at,omitempty"`
	Note      string     `json:"note,omitempty"`
	AccountID int64      `json:"-"`
	Masked    bool       `json:"masked"` // whether IDNumber and Phone are masked
	Dossier   Dossier    `json:"-"`
}

// Mask hides the ID number and phone, as everyone but the roles that need them sees them.
func (p *Person) Mask() {
	if p.Masked {
		return
	}
	p.IDNumber, p.Phone, p.Masked = MaskIDNumber(p.IDNumber), MaskPhone(p.Phone), true
}

// Service keeps people and their development.
type Service struct {
	db   *store.DB
	orgs *org.Service
	now  func() time.Time
}

// New builds the service.
func New(db *store.DB, orgs *org.Service) *Service {
	return &Service{db: db, orgs: orgs, now: time.Now}
}

// Today is the civil date in China, where every user of the platform lives.
func (s *Service) Today() time.Time { return beijingToday(s.now()) }

const personColumns = `p.id, p.name, p.gender, p.birth_date, COALESCE(p.id_number, ''), p.phone,
	COALESCE(p.org_id, 0), COALESCE(o.name, ''), p.stage, p.stage_since, p.joined_at, p.note, COALESCE(p.account_id, 0),
	p.applied_at, p.talked_at, p.activist_since, p.candidate_since, p.political_review_done, p.training_hours,
	p.admitted_at, p.approved_at, p.extension_months,
	(SELECT COUNT(*) FROM person_links l WHERE l.person_id = p.id AND l.kind = 'contact'),
	(SELECT COUNT(*) FROM person_links l JOIN people i ON i.id = l.other_id WHERE l.person_id = p.id AND l.kind = 'introducer' AND i.stage = 'full')`

const personFrom = ` FROM people p LEFT JOIN orgs o ON o.id = p.org_id `

func scanPerson(row interface{ Scan(...any) error }) (Person, error) {
	var p Person
	var birth, since, joined, applied, talked, activist, candidate, admitted, approved sql.NullTime
	d := &p.Dossier
	err := row.Scan(&p.ID, &p.Name, &p.Gender, &birth, &p.IDNumber, &p.Phone, &p.OrgID, &p.OrgName, &p.Stage, &since, &joined,
		&p.Note, &p.AccountID, &applied, &talked, &activist, &candidate, &d.PoliticalReviewDone, &d.TrainingHours,
		&admitted, &approved, &d.ExtensionMonths, &d.ContactMembers, &d.Introducers)
	if err != nil {
		return p, err
	}
	if birth.Valid {
		p.BirthDate = &birth.Time
	}
	if joined.Valid {
		p.JoinedAt = &joined.Time
	}
	d.BirthDate, d.Stage, d.StageSince = birth.Time, p.Stage, since.Time
	d.AppliedAt, d.TalkedAt, d.ActivistSince, d.CandidateSince = applied.Time, talked.Time, activist.Time, candidate.Time
	d.AdmittedAt, d.ApprovedAt = admitted.Time, approved.Time
	return p, nil
}

// Get returns a person, unmasked. It does not check access: handlers ask CanSee.
func (s *Service) Get(ctx context.Context, id int64) (Person, error) { return s.get(ctx, s.db, id) }

func (s *Service) get(ctx context.Context, q store.Querier, id int64) (Person, error) {
	p, err := scanPerson(q.QueryRowContext(ctx, `SELECT `+personColumns+personFrom+`WHERE p.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, store.ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("member: get %d: %w", id, err)
	}
	return p, nil
}

// ByAccount returns the person record of an account.
func (s *Service) ByAccount(ctx context.Context, accountID int64) (Person, error) {
	p, err := scanPerson(s.db.QueryRowContext(ctx, `SELECT `+personColumns+personFrom+`WHERE p.account_id = $1`, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return p, store.ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("member: person of account %d: %w", accountID, err)
	}
	return p, nil
}

// CanSee tells whether an account may see a person: its own record, or anyone in an
// organization it holds a role on.
func (s *Service) CanSee(ctx context.Context, a auth.Account, p Person) (bool, error) {
	if a.ID != 0 && p.AccountID == a.ID {
		return true, nil
	}
	if p.OrgID == 0 {
		return a.IsAdmin, nil
	}
	return s.orgs.Can(ctx, a, org.View, p.OrgID)
}

// CanManage tells whether an account may change a person and see their personal data.
func (s *Service) CanManage(ctx context.Context, a auth.Account, p Person) (bool, error) {
	if p.OrgID == 0 {
		return a.IsAdmin, nil
	}
	return s.orgs.Can(ctx, a, org.Manage, p.OrgID)
}

// Reveal returns a person's unmasked ID number and phone and writes the look to the
// audit log: personal data is seen on purpose, and who saw it is on record.
func (s *Service) Reveal(ctx context.Context, id int64) (Person, error) {
	var p Person
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if p, err = s.get(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "reveal", "person", id, nil, map[string]string{"fields": "id_number,phone"})
	})
	return p, err
}

// NewPerson is what Create needs. People who are already members when they enter the
// platform (from the national system's roster) come in at their stage with the date
// they joined; everyone else starts as a resident and moves through Transition.
type NewPerson struct {
	Name      string
	IDNumber  string
	Gender    string
	BirthDate time.Time
	Phone     string
	OrgID     int64
	Stage     Stage
	JoinedAt  time.Time // for probationary and full members: the admitting meeting's date
	Note      string
	Via       string // "create", "import", "demo"
}

func (n *NewPerson) normalize() {
	n.Name = strings.TrimSpace(n.Name)
	n.IDNumber = NormalizeIDNumber(n.IDNumber)
	n.Phone = strings.TrimSpace(n.Phone)
	n.Note = strings.TrimSpace(n.Note)
	if n.Stage == "" {
		n.Stage = StageResident
	}
	if n.Via == "" {
		n.Via = "create"
	}
}

func (s *Service) validateNew(n NewPerson) i18n.Errors {
	var errs i18n.Errors
	if n.Name == "" {
		errs = append(errs, i18n.Invalid("name", "error.required"))
	}
	if n.IDNumber != "" {
		birth, err := ValidateIDNumber(n.IDNumber)
		var e *i18n.Error
		switch {
		case errors.As(err, &e):
			errs = append(errs, e)
		case err == nil && !n.BirthDate.IsZero() && !day(n.BirthDate).Equal(birth):
			errs = append(errs, i18n.Invalid("birth_date", "member.error.birth_date_id"))
		}
	}
	if n.Phone != "" && !isMobilePhone(n.Phone) && strings.Trim(n.Phone, "0123456789-") != "" {
		errs = append(errs, i18n.Invalid("phone", "member.error.phone"))
	}
	if !n.Stage.Valid() {
		errs = append(errs, i18n.Invalid("stage", "member.error.stage"))
	}
	if n.Stage.IsMember() && n.JoinedAt.IsZero() {
		errs = append(errs, i18n.Invalid("joined_at", "member.error.joined_at_required"))
	}
	if n.OrgID == 0 {
		errs = append(errs, i18n.Invalid("org_id", "error.required"))
	}
	return errs
}

// Create adds a person in its own transaction.
func (s *Service) Create(ctx context.Context, n NewPerson) (Person, error) {
	var p Person
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		p, err = s.createIn(ctx, tx, n)
		return err
	})
	return p, err
}

// CreateIn adds a person inside the caller's transaction.
func (s *Service) CreateIn(ctx context.Context, q store.Querier, n NewPerson) (Person, error) {
	var p Person
	err := store.WriteIn(ctx, q, func(q store.Querier) error {
		var err error
		p, err = s.createIn(ctx, q, n)
		return err
	})
	return p, err
}

func (s *Service) createIn(ctx context.Context, q store.Querier, n NewPerson) (Person, error) {
	n.normalize()
	if errs := s.validateNew(n); len(errs) > 0 {
		return Person{}, errs
	}
	o, err := s.orgs.GetIn(ctx, q, n.OrgID)
	if errors.Is(err, store.ErrNotFound) || err == nil && o.DissolvedAt != nil {
		return Person{}, i18n.Invalid("org_id", "member.error.org")
	}
	if err != nil {
		return Person{}, err
	}
	birth := n.BirthDate
	gender := n.Gender
	if n.IDNumber != "" {
		birth, _ = ValidateIDNumber(n.IDNumber)
		if gender == "" {
			gender = GenderFromIDNumber(n.IDNumber)
		}
	}
	today := s.Today()
	since := today
	var joined, admitted, approved any
	if n.Stage.IsMember() {
		since = day(n.JoinedAt)
		joined, admitted, approved = since, since, since
		if n.Stage == StageFull {
			// A full member's probation ended a year after admission.
			since = addMonths(day(n.JoinedAt), 12)
			if since.After(today) {
				since = today
			}
		}
	}
	// A resident has no stage date to speak of: the development rules then date the
	// application only by age, and a worker may record it on any past day.
	stageSince, eventOn := any(since), since
	if n.Stage == StageResident {
		stageSince = nil
		if !birth.IsZero() {
			eventOn = day(birth)
		}
	}
	now := s.now()
	var id int64
	err = q.QueryRowContext(ctx, `INSERT INTO people (name, gender, birth_date, id_number, phone, org_id, stage, stage_since,
		joined_at, admitted_at, approved_at, note, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id`,
		n.Name, gender, nullTime(birth), nullString(n.IDNumber), n.Phone, n.OrgID, n.Stage, stageSince,
		joined, admitted, approved, n.Note, now).Scan(&id)
	if store.IsUniqueViolation(err) {
		return Person{}, i18n.Invalid("id_number", "member.error.id_number_taken")
	}
	if err != nil {
		return Person{}, fmt.Errorf("member: create %s: %w", n.Name, err)
	}
	// A member entering from a roster has belonged to the organization since joining
	// the party, as far as the platform can tell; anyone else, from today.
	inOrgSince := today
	if n.Stage.IsMember() {
		inOrgSince = day(n.JoinedAt)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO person_orgs (person_id, org_id, started_on, via) VALUES ($1, $2, $3, $4)`,
		id, n.OrgID, inOrgSince, n.Via); err != nil {
		return Person{}, fmt.Errorf("member: record organization of %d: %w", id, err)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO stage_events (person_id, kind, from_stage, to_stage, on_date, org_id, note, recorded_by, recorded_at)
		VALUES ($1, $2, '', $3, $4, $5, '', $6, $7)`, id, n.Via, n.Stage, eventOn, n.OrgID, nullID(audit.ActorFrom(ctx).AccountID), now); err != nil {
		return Person{}, fmt.Errorf("member: record stage of %d: %w", id, err)
	}
	p, err := s.get(ctx, q, id)
	if err != nil {
		return p, err
	}
	masked := p
	masked.Mask()
	return p, audit.Record(ctx, q, n.Via, "person", id, nil, masked)
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Filter narrows a roster.
type Filter struct {
	OrgID   int64        // the organization whose roster it is
	Subtree bool         // include everyone below OrgID too
	Stages  []Stage      // only these stages; none for all
	Post    org.PostKind // only holders of this post now
	Query   string       // part of a name
	Limit   int
	Offset  int
}

// MaxPage bounds a page of a list.
const MaxPage = 500

// List returns one page of a roster, inside the scope the caller may view, and the
// number of people the filter matches. Nobody is masked here: callers mask for viewers.
func (s *Service) List(ctx context.Context, sc org.Scope, f Filter) ([]Person, int, error) {
	where := []string{}
	args := []any{}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Subtree {
		where = append(where, `p.org_id IN (SELECT org_id FROM org_tree WHERE ancestor_id = `+arg(f.OrgID)+`)`)
	} else {
		where = append(where, `p.org_id = `+arg(f.OrgID))
	}
	if len(f.Stages) > 0 {
		marks := make([]string, len(f.Stages))
		for i, st := range f.Stages {
			marks[i] = arg(string(st))
		}
		where = append(where, `p.stage IN (`+strings.Join(marks, ", ")+`)`)
	}
	if f.Post != "" {
		where = append(where, `p.id IN (SELECT person_id FROM posts WHERE kind = `+arg(string(f.Post))+` AND ended_on IS NULL)`)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, `LOWER(p.name) LIKE LOWER(`+arg("%"+strings.NewReplacer("%", "", "_", "").Replace(q)+"%")+`)`)
	}
	cond, scopeArgs := sc.Condition("p.org_id", len(args)+1)
	where = append(where, cond)
	args = append(args, scopeArgs...)
	clause := ` WHERE ` + strings.Join(where, " AND ")
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM people p`+clause, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("member: count roster: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxPage {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+personColumns+personFrom+clause+
		` ORDER BY p.org_id, p.id LIMIT `+strconv.Itoa(limit)+` OFFSET `+strconv.Itoa(max(f.Offset, 0)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("member: list roster: %w", err)
	}
	defer rows.Close()
	var list []Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("member: scan roster: %w", err)
		}
		list = append(list, p)
	}
	return list, total, rows.Err()
}

// LinkAccount connects a person to a login account, so that they see their own record.
func (s *Service) LinkAccount(ctx context.Context, q store.Querier, personID, accountID int64) error {
	return store.WriteIn(ctx, q, func(q store.Querier) error { return s.linkAccount(ctx, q, personID, accountID) })
}

func (s *Service) linkAccount(ctx context.Context, q store.Querier, personID, accountID int64) error {
	_, err := q.ExecContext(ctx, `UPDATE people SET account_id = $1 WHERE id = $2`, accountID, personID)
	if store.IsUniqueViolation(err) {
		return i18n.Invalid("account_id", "member.error.account_taken")
	}
	if err != nil {
		return fmt.Errorf("member: link account %d to %d: %w", accountID, personID, err)
	}
	return audit.Record(ctx, q, "link-account", "person", personID, nil, map[string]int64{"account_id": accountID})
}
