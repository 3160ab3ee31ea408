// Package demo loads the demonstration data built from the five seed reports, so that a
// newcomer sees the platform at work with `vanguard serve --demo`.
//
// The organizations, posts and alliances come from the reports (tree.go); the people are
// generated (names.go): the real persons the reports name get no invented data, and
// their posts go to generated people. Everything goes through the domain services, so
// the demo obeys the same rules — development steps, transfers — as real records.
package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// Account is a demo login and what it shows.
type Account struct {
	Username string
	Role     string // what the account is, in English, for the start-up message
}

// Accounts lists the demo accounts; each has the password auth.DemoPassword.
func Accounts() []Account {
	return []Account{
		{Username: "admin", Role: "system administrator"},
		{Username: "town", Role: "secretary of the Shengze town committee (administers the town's tree)"},
		{Username: "branch", Role: "secretary of the Renfu village branch (administers the branch)"},
		{Username: "member", Role: "a party member of the Renfu branch"},
		{Username: "resident", Role: "a Renfu villager who is not a party member"},
	}
}

const loadedKey = "demo_loaded_at"

// Loaded tells whether the demo data is already in the database.
func Loaded(ctx context.Context, db *store.DB) (bool, error) {
	var v string
	err := db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, loadedKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("demo: read settings: %w", err)
	}
	return true, nil
}

// ErrNotEmpty refuses to mix demo data into a database that already holds real data.
var ErrNotEmpty = errors.New("demo: the database already has accounts; demo data goes only into an empty database")

// Load puts the whole demo into an empty database: the organizations, people, posts,
// alliances and the demo accounts. The account service must be in demo mode, since every
// demo account has the demo password.
func Load(ctx context.Context, db *store.DB, accounts *auth.Service) error {
	return load(ctx, db, accounts, true)
}

// LoadAccountsOnly loads just the demo administrator, for tests that need a signed-in
// administrator in demo mode and none of the rest.
func LoadAccountsOnly(ctx context.Context, db *store.DB, accounts *auth.Service) error {
	return load(ctx, db, accounts, false)
}

func load(ctx context.Context, db *store.DB, accounts *auth.Service, everything bool) error {
	if !accounts.DemoMode() {
		return errors.New("demo: the account service is not in demo mode")
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n); err != nil {
		return fmt.Errorf("demo: count accounts: %w", err)
	}
	if n > 0 {
		return ErrNotEmpty
	}
	ctx = audit.WithActor(ctx, audit.Actor{Name: "demo"})
	if _, err := accounts.CreateAccount(ctx, auth.NewAccount{
		Username: "admin", DisplayName: "Administrator", Password: auth.DemoPassword, IsAdmin: true,
	}); err != nil {
		return fmt.Errorf("demo: create admin: %w", err)
	}
	if everything {
		orgs := org.New(db)
		l := &loader{db: db, accounts: accounts, orgs: orgs, people: member.New(db, orgs),
			gen: NewGenerator(2026), rnd: rand.New(rand.NewPCG(2026, 1121)),
			unitIDs: map[string]int64{}, orgIDs: map[string]int64{}, regions: map[string]string{},
			byOrg: map[string][]member.Person{}, used: map[int64]bool{}, holders: map[string]int64{}}
		l.today = l.people.Today()
		if err := l.run(ctx); err != nil {
			return fmt.Errorf("demo: %w (the demo is half loaded: remove the data directory and start again)", err)
		}
	}
	_, err := db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)`, loadedKey, time.Now().UTC().Format(time.RFC3339))
	if err != nil {
		return fmt.Errorf("demo: mark loaded: %w", err)
	}
	return nil
}

type loader struct {
	db       *store.DB
	accounts *auth.Service
	orgs     *org.Service
	people   *member.Service
	gen      *Generator
	rnd      *rand.Rand
	today    time.Time

	unitIDs map[string]int64
	orgIDs  map[string]int64
	regions map[string]string
	byOrg   map[string][]member.Person // full members by org key, for posts, links and accounts
	used    map[int64]bool             // people who already hold a post
	holders map[string]int64           // PostSpec.Holder → person
}

func (l *loader) run(ctx context.Context) error {
	steps := []func(context.Context) error{l.units, l.tree, l.members, l.posts, l.development, l.alliances, l.transfers, l.logins, l.deliberation,
		l.activities, l.articles, l.evaluations, l.learning, l.pointsStep}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) units(ctx context.Context) error {
	return l.db.InTx(ctx, func(tx *store.Tx) error {
		for _, u := range Units() {
			unit, err := l.orgs.CreateUnit(ctx, tx, org.Unit{Name: u.Name, NameEn: u.NameEn, Kind: u.Kind})
			if err != nil {
				return fmt.Errorf("unit %s: %w", u.Key, err)
			}
			l.unitIDs[u.Key] = unit.ID
		}
		return nil
	})
}

func (l *loader) tree(ctx context.Context) error {
	return l.db.InTx(ctx, func(tx *store.Tx) error {
		for _, o := range Flatten(Tree()) {
			created, err := l.orgs.CreateIn(ctx, tx, org.NewOrg{ParentID: l.orgIDs[o.Parent], Kind: org.Kind(o.Kind),
				Name: o.Name, NameEn: o.NameEn, Code: o.Code, UnitID: l.unitIDs[o.Unit]})
			if err != nil {
				return fmt.Errorf("organization %s: %w", o.Key, err)
			}
			l.orgIDs[o.Key] = created.ID
			l.regions[o.Key] = o.Region
		}
		return nil
	})
}

// yearsAgo is a date a whole number of days in the past, so that the demo's dates move
// with the day it is loaded and its pipeline always has steps due.
func (l *loader) daysAgo(days int) time.Time { return l.today.AddDate(0, 0, -days) }

// members creates the full and probationary members and the residents, in one
// transaction: they enter the platform as the national system's roster would bring them.
func (l *loader) members(ctx context.Context) error {
	return l.db.InTx(ctx, func(tx *store.Tx) error {
		for _, o := range Flatten(Tree()) {
			for i := 0; i < o.Members; i++ {
				spec := l.gen.Person(o.Region, 24, 78, l.today)
				stage, joined := member.StageFull, l.joinedDate(spec)
				// About one in twelve members is on probation, admitted within the year.
				if i%12 == 5 {
					stage, joined = member.StageProbationary, l.daysAgo(40+l.rnd.IntN(300))
				}
				p, err := l.create(ctx, tx, o.Key, spec, stage, joined)
				if err != nil {
					return err
				}
				if stage == member.StageFull {
					l.byOrg[o.Key] = append(l.byOrg[o.Key], p)
				}
			}
			for i := 0; i < o.Residents; i++ {
				if _, err := l.create(ctx, tx, o.Key, l.gen.Person(o.Region, 18, 80, l.today), member.StageResident, time.Time{}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// joinedDate is a plausible admission date: after the 22nd birthday, within the last
// 40 years, at least 13 months ago (so the member is full).
func (l *loader) joinedDate(p PersonSpec) time.Time {
	earliest := p.BirthDate.AddDate(22, 0, 0)
	if limit := l.today.AddDate(-40, 0, 0); earliest.Before(limit) {
		earliest = limit
	}
	latest := l.today.AddDate(-1, -1, 0)
	if !earliest.Before(latest) {
		return latest
	}
	span := int(latest.Sub(earliest).Hours() / 24)
	return earliest.AddDate(0, 0, l.rnd.IntN(span+1))
}

func (l *loader) create(ctx context.Context, q store.Querier, orgKey string, spec PersonSpec, stage member.Stage, joined time.Time) (member.Person, error) {
	p, err := l.people.CreateIn(ctx, q, member.NewPerson{Name: spec.Name, IDNumber: spec.IDNumber, Gender: spec.Gender,
		BirthDate: spec.BirthDate, Phone: spec.Phone, OrgID: l.orgIDs[orgKey], Stage: stage, JoinedAt: joined, Via: "demo"})
	if err != nil {
		return p, fmt.Errorf("person in %s: %w", orgKey, err)
	}
	return p, nil
}

func (l *loader) posts(ctx context.Context) error {
	return l.db.InTx(ctx, func(tx *store.Tx) error {
		for _, ps := range Posts() {
			from := ps.From
			if from == "" {
				from = ps.Org
			}
			holder, ok := l.holders[ps.Holder]
			if ps.Holder == "" || !ok {
				p, err := l.pick(from)
				if err != nil {
					return fmt.Errorf("post %s of %s: %w", ps.Kind, ps.Org, err)
				}
				holder = p.ID
				if ps.Holder != "" {
					l.holders[ps.Holder] = holder
				}
			}
			_, err := l.orgs.Appoint(ctx, tx, org.NewPost{OrgID: l.orgIDs[ps.Org], PersonID: holder,
				Kind: org.PostKind(ps.Kind), StartedOn: l.daysAgo(400 + l.rnd.IntN(700)), Note: ps.Role})
			if err != nil {
				return fmt.Errorf("post %s of %s: %w", ps.Kind, ps.Org, err)
			}
		}
		return nil
	})
}

// pick takes a full member of an organization who holds no post yet.
func (l *loader) pick(orgKey string) (member.Person, error) {
	for _, p := range l.byOrg[orgKey] {
		if !l.used[p.ID] {
			l.used[p.ID] = true
			return p, nil
		}
	}
	return member.Person{}, fmt.Errorf("no free full member in %s", orgKey)
}

// development walks the applicants and activists of every organization through the real
// development rules, with dates in the past, so the development view shows every kind of
// next step: talks due and overdue, activists ripe to become development targets, a
// target ready for admission.
func (l *loader) development(ctx context.Context) error {
	for _, o := range Flatten(Tree()) {
		for i := 0; i < o.Applicants; i++ {
			applied := l.daysAgo(10 + 25*i) // the second applicant's talk is overdue
			steps := []member.Move{advance(member.StageApplicant, applied)}
			if i == 0 {
				steps = append(steps, move(member.KindTalk, applied.AddDate(0, 0, 6)))
			}
			if err := l.develop(ctx, o, l.gen.Person(o.Region, 19, 35, l.today), steps, nil); err != nil {
				return err
			}
		}
		for i := 0; i < o.Activists; i++ {
			applied := l.daysAgo(420 + 60*i)
			steps := []member.Move{
				advance(member.StageApplicant, applied),
				move(member.KindTalk, applied.AddDate(0, 0, 12)),
				advance(member.StageActivist, applied.AddDate(0, 1, 0)),
			}
			var extra func(p member.Person) error
			if i == 2 {
				// The third activist has become a development target, with introducers
				// and training done: next is the admitting general meeting.
				steps = append(steps, advance(member.StageCandidate, l.daysAgo(20)))
				extra = func(p member.Person) error { return l.prepareCandidate(ctx, o.Key, p) }
			}
			if err := l.develop(ctx, o, l.gen.Person(o.Region, 20, 40, l.today), steps, extra); err != nil {
				return err
			}
		}
	}
	return nil
}

func advance(to member.Stage, on time.Time) member.Move {
	return member.Move{Transition: member.Transition{Kind: member.KindAdvance, To: to, On: on}}
}

func move(kind string, on time.Time) member.Move {
	return member.Move{Transition: member.Transition{Kind: kind, On: on}}
}

// develop creates a resident and records each step; contact members are named as soon
// as the person is an activist, since the rules ask for them before the next step.
func (l *loader) develop(ctx context.Context, o FlatOrg, spec PersonSpec, steps []member.Move, extra func(member.Person) error) error {
	p, err := l.people.Create(ctx, member.NewPerson{Name: spec.Name, IDNumber: spec.IDNumber, Gender: spec.Gender,
		BirthDate: spec.BirthDate, Phone: spec.Phone, OrgID: l.orgIDs[o.Key], Via: "demo"})
	if err != nil {
		return fmt.Errorf("candidate in %s: %w", o.Key, err)
	}
	for _, m := range steps {
		m.Documents = documentsFor(m)
		if p, err = l.people.Record(ctx, p.ID, m); err != nil {
			return fmt.Errorf("%s of a candidate in %s on %s: %w", m.Kind, o.Key, m.On.Format(time.DateOnly), err)
		}
		if m.Kind == member.KindAdvance && m.To == member.StageActivist {
			if err := l.link(ctx, o.Key, p, member.LinkContact, m.On); err != nil {
				return err
			}
		}
	}
	if extra != nil {
		return extra(p)
	}
	return nil
}

// link names two full members of the organization (or its parent's office, for a small
// one) as contact members or introducers.
func (l *loader) link(ctx context.Context, orgKey string, p member.Person, kind string, since time.Time) error {
	pool := l.byOrg[orgKey]
	for i := 0; i < 2 && i < len(pool); i++ {
		if err := l.people.AddLink(ctx, p.ID, pool[(int(p.ID)+i)%len(pool)].ID, kind, since); err != nil {
			return fmt.Errorf("%s for a candidate in %s: %w", kind, orgKey, err)
		}
	}
	return nil
}

func (l *loader) prepareCandidate(ctx context.Context, orgKey string, p member.Person) error {
	if err := l.link(ctx, orgKey, p, member.LinkIntroducer, l.daysAgo(15)); err != nil {
		return err
	}
	return l.people.Prepare(ctx, p.ID, member.Preparation{PoliticalReviewDone: true, TrainingHours: 24})
}

func documentsFor(m member.Move) string {
	switch {
	case m.Kind == member.KindTalk:
		return "谈话记录"
	case m.To == member.StageApplicant:
		return "入党申请书"
	case m.To == member.StageActivist:
		return "推荐入党积极分子登记表\n支委会会议记录"
	case m.To == member.StageCandidate:
		return "发展对象培养考察材料\n支委会会议记录\n上级党委备案意见"
	}
	return ""
}

func (l *loader) alliances(ctx context.Context) error {
	return l.db.InTx(ctx, func(tx *store.Tx) error {
		for _, a := range Alliances() {
			founded, err := time.Parse(time.DateOnly, a.Founded)
			if err != nil {
				return fmt.Errorf("alliance %s: %w", a.Key, err)
			}
			ids := make([]int64, len(a.Members))
			for i, k := range a.Members {
				ids[i] = l.orgIDs[k]
			}
			id, err := l.orgs.CreateAlliance(ctx, tx, org.NewAlliance{Name: a.Name, NameEn: a.NameEn, Agreement: a.Agreement, FoundedOn: founded, OrgIDs: ids})
			if err != nil {
				return fmt.Errorf("alliance %s: %w", a.Key, err)
			}
			for _, r := range a.Resources {
				if err := l.orgs.AddResource(ctx, tx, id, org.AllianceResource{OrgID: l.orgIDs[r.Org], Kind: r.Kind, Name: r.Name, Detail: r.Detail}); err != nil {
					return fmt.Errorf("alliance %s resource: %w", a.Key, err)
				}
			}
			for _, p := range a.Pairs {
				if err := l.orgs.AddPair(ctx, tx, id, org.AlliancePair{StrongID: l.orgIDs[p[0]], WeakID: l.orgIDs[p[1]], StartedOn: founded}); err != nil {
					return fmt.Errorf("alliance %s pair: %w", a.Key, err)
				}
			}
		}
		return nil
	})
}

// transfers moves one Huangjiaxi member to Renfu last spring, and leaves a letter from
// Longquanzui to Renfu waiting for Renfu's receipt.
func (l *loader) transfers(ctx context.Context) error {
	moves := []struct {
		from, to string
		issued   int
		received int // days ago; 0 leaves the letter open
	}{{"huangjiaxi", "renfu", 200, 190}, {"longquanzui", "renfu", 12, 0}}
	for _, m := range moves {
		p, err := l.pick(m.from)
		if err != nil {
			return fmt.Errorf("transfer: %w", err)
		}
		t, err := l.people.Issue(ctx, member.NewTransfer{PersonID: p.ID, ToOrgID: l.orgIDs[m.to], IssuedOn: l.daysAgo(m.issued)})
		if err != nil {
			return fmt.Errorf("transfer from %s: %w", m.from, err)
		}
		if m.received > 0 {
			if _, err := l.people.Receive(ctx, t.ID, l.daysAgo(m.received)); err != nil {
				return fmt.Errorf("receive transfer from %s: %w", m.from, err)
			}
		}
	}
	return nil
}

// logins makes the demo accounts of the Shengze tree, each tied to a generated person.
func (l *loader) logins(ctx context.Context) error {
	secretaryOf := func(key string) (int64, error) {
		posts, err := l.orgs.PostsOn(ctx, l.orgIDs[key], l.today)
		if err != nil {
			return 0, err
		}
		for _, p := range posts {
			if p.Kind == org.Secretary {
				return p.PersonID, nil
			}
		}
		return 0, fmt.Errorf("no secretary of %s", key)
	}
	town, err := secretaryOf("shengze")
	if err != nil {
		return err
	}
	branch, err := secretaryOf("renfu")
	if err != nil {
		return err
	}
	plain, err := l.pick("renfu-1")
	if err != nil {
		return err
	}
	var resident int64
	err = l.db.QueryRowContext(ctx, `SELECT id FROM people WHERE org_id = $1 AND stage = 'resident' ORDER BY id LIMIT 1`, l.orgIDs["renfu"]).Scan(&resident)
	if err != nil {
		return fmt.Errorf("a Renfu resident: %w", err)
	}
	logins := []struct {
		username string
		person   int64
		org      string
		role     org.Role
	}{{"town", town, "shengze", org.RoleAdmin}, {"branch", branch, "renfu", org.RoleAdmin}, {"member", plain.ID, "", ""}, {"resident", resident, "", ""}}
	for _, lg := range logins {
		p, err := l.people.Get(ctx, lg.person)
		if err != nil {
			return err
		}
		a, err := l.accounts.CreateAccount(ctx, auth.NewAccount{Username: lg.username, DisplayName: p.Name, Password: auth.DemoPassword})
		if err != nil {
			return fmt.Errorf("account %s: %w", lg.username, err)
		}
		err = l.db.InTx(ctx, func(tx *store.Tx) error {
			if err := l.people.LinkAccount(ctx, tx, p.ID, a.ID); err != nil {
				return err
			}
			if lg.role == "" {
				return nil
			}
			return l.orgs.GrantRole(ctx, tx, a.ID, l.orgIDs[lg.org], lg.role)
		})
		if err != nil {
			return fmt.Errorf("account %s: %w", lg.username, err)
		}
	}
	return nil
}
