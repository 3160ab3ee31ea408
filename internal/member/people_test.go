package member

// Tests of the database-backed service, on SQLite and PostgreSQL. The development
// rules compare every date with the service's today, so every date here is computed
// from Service.Today() and the tests do not age.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// dbEnv bundles the services of one test database.
type dbEnv struct {
	t        *testing.T
	ctx      context.Context
	db       *store.DB
	orgs     *org.Service
	svc      *Service
	accounts *auth.Service
}

func newDBEnv(t *testing.T, db *store.DB) *dbEnv {
	orgs := org.New(db)
	return &dbEnv{t: t, ctx: context.Background(), db: db, orgs: orgs, svc: New(db, orgs),
		accounts: auth.New(db, auth.Options{Hash: auth.TestHashParams})}
}

func (e *dbEnv) org(parent int64, kind org.Kind, name, code string) org.Org {
	e.t.Helper()
	o, err := e.orgs.Create(e.ctx, org.NewOrg{ParentID: parent, Kind: kind, Name: name, Code: code})
	if err != nil {
		e.t.Fatalf("create org %s: %v", name, err)
	}
	return o
}

func (e *dbEnv) account(username string, admin bool) auth.Account {
	e.t.Helper()
	a, err := e.accounts.CreateAccount(e.ctx, auth.NewAccount{Username: username, Password: "long enough password", IsAdmin: admin})
	if err != nil {
		e.t.Fatalf("create account %s: %v", username, err)
	}
	return a
}

func (e *dbEnv) grant(a auth.Account, orgID int64, role org.Role) {
	e.t.Helper()
	if err := e.orgs.GrantRole(e.ctx, e.db, a.ID, orgID, role); err != nil {
		e.t.Fatalf("grant: %v", err)
	}
}

func (e *dbEnv) create(n NewPerson) Person {
	e.t.Helper()
	p, err := e.svc.Create(e.ctx, n)
	if err != nil {
		e.t.Fatalf("create person %s: %v", n.Name, err)
	}
	return p
}

// fullMember adds a full member who joined on the given date.
func (e *dbEnv) fullMember(orgID int64, name string, joined time.Time) Person {
	e.t.Helper()
	return e.create(NewPerson{Name: name, OrgID: orgID, Stage: StageFull, JoinedAt: joined})
}

func (e *dbEnv) appoint(n org.NewPost) org.Post {
	e.t.Helper()
	p, err := e.orgs.Appoint(e.ctx, e.db, n)
	if err != nil {
		e.t.Fatalf("appoint: %v", err)
	}
	return p
}

func (e *dbEnv) count(table string) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		e.t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// counts is the number of rows in every table a person's creation writes.
func (e *dbEnv) counts() [4]int {
	return [4]int{e.count("people"), e.count("person_orgs"), e.count("stage_events"), e.count("audit_log")}
}

// errKeys lists the catalog keys of a person-facing error, in order; nil for any other.
func errKeys(err error) []string {
	var list i18n.Errors
	if errors.As(err, &list) {
		out := make([]string, len(list))
		for i, e := range list {
			out[i] = e.Key
		}
		return out
	}
	var one *i18n.Error
	if errors.As(err, &one) {
		return []string{one.Key}
	}
	return nil
}

// errFirst returns the first person-facing error of err, or nil.
func errFirst(err error) *i18n.Error {
	var list i18n.Errors
	if errors.As(err, &list) && len(list) > 0 {
		return list[0]
	}
	var one *i18n.Error
	if errors.As(err, &one) {
		return one
	}
	return nil
}

// testID makes a valid ID number of Beijing's Xicheng district for a birth date and a
// sequence number (odd for a man, even for a woman), computing the ISO 7064 check
// character from its definition rather than with the code under test.
func testID(birth time.Time, seq int) string {
	first17 := fmt.Sprintf("110102%s%03d", birth.Format("20060102"), seq%1000)
	sum := 0
	for i := range 17 {
		w := 1
		for range 17 - i {
			w = w * 2 % 11
		}
		sum += int(first17[i]-'0') * w
	}
	return first17 + string("10X98765432"[sum%11])
}

// testIDWithX finds an ID number for the birth date whose check character is X.
func testIDWithX(birth time.Time) string {
	for seq := 1; ; seq++ {
		if id := testID(birth, seq); strings.HasSuffix(id, "X") {
			return id
		}
	}
}

// badChecksum changes the check character of a valid ID number.
func badChecksum(id string) string {
	last := id[17]
	for _, c := range "0123456789X" {
		if byte(c) != last {
			return id[:17] + string(c)
		}
	}
	panic("unreachable")
}

func civil(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestCreatePerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDBEnv(t, db)
		root := e.org(0, org.Committee, "党委", "")
		branch := e.org(root.ID, org.Branch, "支部", "")
		gone := e.org(root.ID, org.Branch, "撤销的支部", "")
		if err := e.orgs.Dissolve(e.ctx, gone.ID, civil(2024, 1, 1)); err != nil {
			t.Fatal(err)
		}
		birth := civil(1990, 4, 18)
		taken := testID(birth, 123)
		withX := testIDWithX(civil(1988, 8, 8))
		ctx := audit.WithActor(e.ctx, audit.Actor{Name: "clerk"})

		first, err := e.svc.Create(ctx, NewPerson{Name: " 王芳 ", IDNumber: taken, Phone: "13812345678", OrgID: branch.ID})
		if err != nil {
			t.Fatal(err)
		}
		if first.Name != "王芳" || first.Stage != StageResident || first.Gender != "male" ||
			first.BirthDate == nil || !first.BirthDate.Equal(birth) || first.JoinedAt != nil || first.OrgName != "支部" {
			t.Errorf("created %+v, want a resident man born %s in 支部", first, birth.Format(time.DateOnly))
		}
		if _, err := e.svc.Create(ctx, NewPerson{Name: "李四", IDNumber: strings.ToLower(withX), OrgID: branch.ID}); err != nil {
			t.Fatalf("an ID number ending in a lower-case x: %v", err)
		}
		if ms, _ := e.svc.Memberships(e.ctx, first.ID); len(ms) != 1 || ms[0].OrgID != branch.ID || ms[0].Via != "create" || ms[0].EndedOn != nil {
			t.Errorf("Memberships = %+v", ms)
		}
		if h, _ := e.svc.History(e.ctx, first.ID); len(h) != 1 || h[0].Kind != "create" || h[0].ToStage != StageResident {
			t.Errorf("History = %+v", h)
		}
		if entries, _ := audit.For(e.ctx, e.db, "person", first.ID, 5); len(entries) != 1 || entries[0].Actor != "clerk" ||
			strings.Contains(entries[0].After, taken) || strings.Contains(entries[0].After, "13812345678") {
			t.Errorf("audit of the creation = %+v, want one line by clerk without the ID number or phone", entries)
		}

		joined := civil(2015, 7, 1)
		cases := []struct {
			name string
			n    NewPerson
			want []string
		}{
			{"a bad ID checksum", NewPerson{Name: "张三", IDNumber: badChecksum(testID(birth, 5)), OrgID: branch.ID}, []string{"idcard.checksum"}},
			{"an ID number too short", NewPerson{Name: "张三", IDNumber: "11010219900418", OrgID: branch.ID}, []string{"idcard.length"}},
			{"an ID number taken", NewPerson{Name: "王芳二", IDNumber: taken, OrgID: branch.ID}, []string{"member.error.id_number_taken"}},
			{"an ID number taken, written with spaces", NewPerson{Name: "王芳三", IDNumber: "  " + taken + "\u3000", OrgID: branch.ID}, []string{"member.error.id_number_taken"}},
			{"an ID number taken, with a lower-case x", NewPerson{Name: "李四二", IDNumber: strings.ToLower(withX), OrgID: branch.ID}, []string{"member.error.id_number_taken"}},
			{"a full member without a joining date", NewPerson{Name: "赵六", OrgID: branch.ID, Stage: StageFull}, []string{"member.error.joined_at_required"}},
			{"a probationary member without a joining date", NewPerson{Name: "赵七", OrgID: branch.ID, Stage: StageProbationary}, []string{"member.error.joined_at_required"}},
			{"no name", NewPerson{Name: " \u3000", OrgID: branch.ID}, []string{"error.required"}},
			{"no organization", NewPerson{Name: "孙八"}, []string{"error.required"}},
			{"a missing organization", NewPerson{Name: "孙八", OrgID: 999999}, []string{"member.error.org"}},
			{"a dissolved organization", NewPerson{Name: "孙八", OrgID: gone.ID}, []string{"member.error.org"}},
			{"an unknown stage", NewPerson{Name: "孙八", OrgID: branch.ID, Stage: "hero"}, []string{"member.error.stage"}},
			{"a phone of letters", NewPerson{Name: "孙八", OrgID: branch.ID, Phone: "电话号码"}, []string{"member.error.phone"}},
			{"a birth date the ID number contradicts", NewPerson{Name: "孙八", OrgID: branch.ID, IDNumber: testID(birth, 7), BirthDate: civil(1990, 4, 19)}, []string{"member.error.birth_date_id"}},
			{"everything wrong at once", NewPerson{OrgID: 0, Stage: StageFull, Phone: "abc"}, []string{"error.required", "member.error.phone", "member.error.joined_at_required", "error.required"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := e.counts()
				_, err := e.svc.Create(ctx, c.n)
				if got := errKeys(err); !slices.Equal(got, c.want) {
					t.Fatalf("Create = %v, want %v", err, c.want)
				}
				if after := e.counts(); after != before {
					t.Errorf("a refused person left rows behind: people, memberships, events, audit %v → %v", before, after)
				}
			})
		}

		full, err := e.svc.Create(e.ctx, NewPerson{Name: "周九", OrgID: branch.ID, Stage: StageFull, JoinedAt: joined, IDNumber: testID(civil(1980, 2, 29), 44)})
		if err != nil {
			t.Fatal(err)
		}
		if full.JoinedAt == nil || !full.JoinedAt.Equal(joined) || full.Gender != "female" {
			t.Errorf("full member = %+v", full)
		}
		d := full.Dossier
		if !d.AdmittedAt.Equal(joined) || !d.ApprovedAt.Equal(joined) || !d.StageSince.Equal(civil(2016, 7, 1)) {
			t.Errorf("full member's dossier = admitted %v approved %v since %v; want admitted and approved on joining, full a year later",
				d.AdmittedAt, d.ApprovedAt, d.StageSince)
		}
		prob, err := e.svc.Create(e.ctx, NewPerson{Name: "吴十", OrgID: branch.ID, Stage: StageProbationary, JoinedAt: e.svc.Today().AddDate(0, -2, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if !prob.Dossier.StageSince.Equal(e.svc.Today().AddDate(0, -2, 0)) {
			t.Errorf("probationary since %v, want the joining date", prob.Dossier.StageSince)
		}
		if _, err := e.svc.Get(e.ctx, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(missing) = %v, want ErrNotFound", err)
		}
	})
}

// rosterTree is a committee with two branches (one with a group) and a second,
// unrelated committee, with people at every stage.
type rosterTree struct {
	committee, branch, group, branch2, other, otherBranch                       org.Org
	secretary, probationary, activist, groupMember, member2, outsider, resident Person
}

func newRosterTree(e *dbEnv) rosterTree {
	var r rosterTree
	r.committee = e.org(0, org.Committee, "机关党委", "")
	r.branch = e.org(r.committee.ID, org.Branch, "第一支部", "")
	r.group = e.org(r.branch.ID, org.Group, "第一小组", "")
	r.branch2 = e.org(r.committee.ID, org.Branch, "第二支部", "")
	r.other = e.org(0, org.Committee, "外单位党委", "")
	r.otherBranch = e.org(r.other.ID, org.Branch, "外单位支部", "")
	today := e.svc.Today()
	r.secretary = e.fullMember(r.branch.ID, "王书记", civil(2005, 7, 1))
	r.probationary = e.create(NewPerson{Name: "李预备", OrgID: r.branch.ID, Stage: StageProbationary, JoinedAt: today.AddDate(0, -3, 0)})
	r.activist = e.create(NewPerson{Name: "张积极", OrgID: r.branch.ID, Stage: StageActivist})
	r.groupMember = e.fullMember(r.group.ID, "赵组员", civil(2012, 7, 1))
	r.member2 = e.fullMember(r.branch2.ID, "钱党员", civil(2010, 7, 1))
	r.outsider = e.fullMember(r.otherBranch.ID, "孙外人", civil(2011, 7, 1))
	r.resident = e.create(NewPerson{Name: "周群众", OrgID: r.branch2.ID})
	e.appoint(org.NewPost{OrgID: r.branch.ID, PersonID: r.secretary.ID, Kind: org.Secretary, StartedOn: civil(2020, 1, 1)})
	ended := e.appoint(org.NewPost{OrgID: r.branch2.ID, PersonID: r.member2.ID, Kind: org.Secretary, StartedOn: civil(2018, 1, 1)})
	if err := e.orgs.EndPost(e.ctx, ended.ID, civil(2021, 1, 1)); err != nil {
		e.t.Fatal(err)
	}
	e.appoint(org.NewPost{OrgID: r.otherBranch.ID, PersonID: r.outsider.ID, Kind: org.Secretary, StartedOn: civil(2020, 1, 1)})
	return r
}

func personIDs(list []Person) []int64 {
	out := make([]int64, len(list))
	for i, p := range list {
		out[i] = p.ID
	}
	slices.Sort(out)
	return out
}

func idsOf(people ...Person) []int64 {
	out := make([]int64, len(people))
	for i, p := range people {
		out[i] = p.ID
	}
	slices.Sort(out)
	return out
}

func TestListFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDBEnv(t, db)
		r := newRosterTree(e)
		admin := e.account("root", true)
		committeeViewer := e.account("committee-viewer", false)
		e.grant(committeeViewer, r.committee.ID, org.RoleViewer)
		branchViewer := e.account("branch-viewer", false)
		e.grant(branchViewer, r.branch.ID, org.RoleViewer)
		outsider := e.account("outsider", false)
		e.grant(outsider, r.other.ID, org.RoleAdmin)
		all := org.ScopeOf(admin, org.View)

		cases := []struct {
			name  string
			scope org.Scope
			f     Filter
			want  []int64
		}{
			{"the branch's own roster", all, Filter{OrgID: r.branch.ID}, idsOf(r.secretary, r.probationary, r.activist)},
			{"the branch with its group", all, Filter{OrgID: r.branch.ID, Subtree: true}, idsOf(r.secretary, r.probationary, r.activist, r.groupMember)},
			{"the committee's own roster", all, Filter{OrgID: r.committee.ID}, nil},
			{"the committee's subtree", all, Filter{OrgID: r.committee.ID, Subtree: true},
				idsOf(r.secretary, r.probationary, r.activist, r.groupMember, r.member2, r.resident)},
			{"members only", all, Filter{OrgID: r.committee.ID, Subtree: true, Stages: []Stage{StageProbationary, StageFull}},
				idsOf(r.secretary, r.probationary, r.groupMember, r.member2)},
			{"activists", all, Filter{OrgID: r.committee.ID, Subtree: true, Stages: []Stage{StageActivist}}, idsOf(r.activist)},
			{"current secretaries", all, Filter{OrgID: r.committee.ID, Subtree: true, Post: org.Secretary}, idsOf(r.secretary)},
			{"group leaders", all, Filter{OrgID: r.committee.ID, Subtree: true, Post: org.GroupLeader}, nil},
			{"a name", all, Filter{OrgID: r.committee.ID, Subtree: true, Query: " 积极 "}, idsOf(r.activist)},
			{"a family name", all, Filter{OrgID: r.committee.ID, Subtree: true, Query: "王"}, idsOf(r.secretary)},
			{"a name and a stage that do not meet", all, Filter{OrgID: r.committee.ID, Subtree: true, Query: "王", Stages: []Stage{StageActivist}}, nil},
			{"a wildcard in the query", all, Filter{OrgID: r.committee.ID, Subtree: true, Query: "%"}, idsOf(r.secretary, r.probationary, r.activist, r.groupMember, r.member2, r.resident)},
			{"a viewer of the committee", org.ScopeOf(committeeViewer, org.View), Filter{OrgID: r.committee.ID, Subtree: true},
				idsOf(r.secretary, r.probationary, r.activist, r.groupMember, r.member2, r.resident)},
			{"a viewer of one branch asking for the committee", org.ScopeOf(branchViewer, org.View), Filter{OrgID: r.committee.ID, Subtree: true},
				idsOf(r.secretary, r.probationary, r.activist, r.groupMember)},
			{"a viewer of one branch asking for the other", org.ScopeOf(branchViewer, org.View), Filter{OrgID: r.branch2.ID}, nil},
			{"another tree's admin asking for this tree", org.ScopeOf(outsider, org.View), Filter{OrgID: r.committee.ID, Subtree: true}, nil},
			{"another tree's admin on its own", org.ScopeOf(outsider, org.Manage), Filter{OrgID: r.other.ID, Subtree: true}, idsOf(r.outsider)},
			{"a viewer asking to manage", org.ScopeOf(committeeViewer, org.Manage), Filter{OrgID: r.committee.ID, Subtree: true}, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				list, total, err := e.svc.List(e.ctx, c.scope, c.f)
				if err != nil {
					t.Fatal(err)
				}
				if got := personIDs(list); !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
					t.Errorf("List = %v, want %v", got, c.want)
				}
				if total != len(c.want) {
					t.Errorf("total = %d, want %d", total, len(c.want))
				}
				for _, p := range list {
					if p.Masked {
						t.Errorf("List masked %s; masking is the caller's", p.Name)
					}
				}
			})
		}

		// Pages: two at a time through the six people of the committee, in a stable order.
		var seen []int64
		for offset := 0; offset < 8; offset += 2 {
			page, total, err := e.svc.List(e.ctx, all, Filter{OrgID: r.committee.ID, Subtree: true, Limit: 2, Offset: offset})
			if err != nil {
				t.Fatal(err)
			}
			if total != 6 || len(page) > 2 {
				t.Fatalf("page at %d: %d people of %d", offset, len(page), total)
			}
			seen = append(seen, personIDs(page)...)
		}
		slices.Sort(seen)
		if want := idsOf(r.secretary, r.probationary, r.activist, r.groupMember, r.member2, r.resident); !slices.Equal(seen, want) {
			t.Errorf("the pages together = %v, want each person once: %v", seen, want)
		}
	})
}

func TestMask(t *testing.T) {
	p := Person{IDNumber: "11010219900418123X", Phone: "13812345678"}
	p.Mask()
	if p.IDNumber != "110102********123X" || p.Phone != "138****5678" || !p.Masked {
		t.Errorf("masked = %q %q %v", p.IDNumber, p.Phone, p.Masked)
	}
	p.Mask()
	if p.IDNumber != "110102********123X" || p.Phone != "138****5678" {
		t.Errorf("masking twice changed the masked values: %q %q", p.IDNumber, p.Phone)
	}
	empty := Person{}
	empty.Mask()
	if empty.IDNumber != "" || empty.Phone != "" {
		t.Errorf("masking nothing gave %q %q", empty.IDNumber, empty.Phone)
	}
}

func TestCanSeeAndManage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDBEnv(t, db)
		r := newRosterTree(e)
		self := e.account("self", false)
		if err := e.svc.LinkAccount(e.ctx, e.db, r.groupMember.ID, self.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.LinkAccount(e.ctx, e.db, r.member2.ID, self.ID); !slices.Equal(errKeys(err), []string{"member.error.account_taken"}) {
			t.Errorf("linking one account to two people = %v", err)
		}
		groupMember, err := e.svc.ByAccount(e.ctx, self.ID)
		if err != nil || groupMember.ID != r.groupMember.ID {
			t.Fatalf("ByAccount = %d, %v", groupMember.ID, err)
		}
		other := e.get(r.member2.ID)
		if _, err := e.svc.ByAccount(e.ctx, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ByAccount(missing) = %v", err)
		}
		viewer := e.account("viewer", false)
		e.grant(viewer, r.committee.ID, org.RoleViewer)
		manager := e.account("manager", false)
		e.grant(manager, r.branch.ID, org.RoleManager)
		outsider := e.account("outsider", false)
		e.grant(outsider, r.other.ID, org.RoleAdmin)
		admin := e.account("root", true)
		nobody := e.account("nobody", false)

		cases := []struct {
			name        string
			a           auth.Account
			p           Person
			see, manage bool
		}{
			{"one's own record", self, groupMember, true, false},
			{"someone else's record", self, other, false, false},
			{"a viewer above", viewer, groupMember, true, false},
			{"a viewer above, another branch", viewer, other, true, false},
			{"a manager of the branch, its group's member", manager, groupMember, true, true},
			{"a manager of the branch, another branch", manager, other, false, false},
			{"an admin of another tree", outsider, groupMember, false, false},
			{"an account without roles", nobody, groupMember, false, false},
			{"the anonymous account", auth.Account{}, groupMember, false, false},
			{"the system admin", admin, other, true, true},
			{"a person without an org, to an admin", admin, Person{ID: 1}, true, true},
			{"a person without an org, to a viewer", viewer, Person{ID: 1}, false, false},
		}
		for _, c := range cases {
			see, err := e.svc.CanSee(e.ctx, c.a, c.p)
			if err != nil {
				t.Fatal(err)
			}
			manage, err := e.svc.CanManage(e.ctx, c.a, c.p)
			if err != nil {
				t.Fatal(err)
			}
			if see != c.see || manage != c.manage {
				t.Errorf("%s: CanSee = %v, CanManage = %v; want %v, %v", c.name, see, manage, c.see, c.manage)
			}
		}
	})
}

func (e *dbEnv) get(id int64) Person {
	e.t.Helper()
	p, err := e.svc.Get(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func TestRevealIsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDBEnv(t, db)
		branch := e.org(0, org.Committee, "党委", "")
		id := testID(civil(1985, 3, 15), 321)
		p := e.create(NewPerson{Name: "王芳", IDNumber: id, Phone: "13912345678", OrgID: branch.ID})
		worker := e.account("worker", false)
		ctx := audit.WithActor(e.ctx, audit.Actor{AccountID: worker.ID, Name: "worker", Address: "192.0.2.7"})

		got, err := e.svc.Reveal(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.IDNumber != id || got.Phone != "13912345678" || got.Masked {
			t.Errorf("Reveal = %q %q masked %v", got.IDNumber, got.Phone, got.Masked)
		}
		entries, err := audit.For(e.ctx, e.db, "person", p.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 {
			t.Fatalf("audit = %+v, want the creation and the reveal", entries)
		}
		r := entries[0]
		if r.Action != "reveal" || r.AccountID != worker.ID || r.Address != "192.0.2.7" || strings.Contains(r.After, id) {
			t.Errorf("reveal line = %+v", r)
		}
		if _, err := e.svc.Reveal(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Reveal(missing) = %v", err)
		}
	})
}

// TestDevelopmentThroughRecord replays two people's way from resident to member,
// every step through Record on its own day, with the refusals a worker meets on the way.
// The first becomes a full member; the second has the probation extended and then
// the qualification cancelled.
func TestDevelopmentThroughRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDBEnv(t, db)
		today := e.svc.Today()
		d0 := addMonths(today, -40) // the day both apply, three years and four months ago
		root := e.org(0, org.Committee, "党委", "")
		branch := e.org(root.ID, org.Branch, "支部", "")
		c1 := e.fullMember(branch.ID, "联系人甲", today.AddDate(-20, 0, 0))
		c2 := e.fullMember(branch.ID, "联系人乙", today.AddDate(-15, 0, 0))
		c3 := e.fullMember(branch.ID, "联系人丙", today.AddDate(-12, 0, 0))
		probationer := e.create(NewPerson{Name: "预备党员", OrgID: branch.ID, Stage: StageProbationary, JoinedAt: addMonths(d0, -2)})
		resident := e.create(NewPerson{Name: "群众", OrgID: branch.ID})
		p := e.create(NewPerson{Name: "王小明", IDNumber: testID(today.AddDate(-30, 0, 0), 11), OrgID: branch.ID})
		q := e.create(NewPerson{Name: "李小红", IDNumber: testID(today.AddDate(-28, 0, 0), 12), OrgID: branch.ID})
		teenBirth := d0.AddDate(-17, 0, 0)
		teen := e.create(NewPerson{Name: "少年", IDNumber: testID(teenBirth, 13), OrgID: branch.ID})

		record := func(id int64, m Move) (Person, error) {
			t.Helper()
			return e.svc.Record(e.ctx, id, m)
		}
		mustRecord := func(who Person, kind string, to Stage, on time.Time, months int) {
			t.Helper()
			if _, err := record(who.ID, Move{Transition: Transition{Kind: kind, To: to, On: on, Months: months}, Documents: "材料\n"}); err != nil {
				t.Fatalf("%s %s %s on %s: %v", who.Name, kind, to, isoDate(on), err)
			}
		}
		// refused records a move that must be refused with exactly these keys, the first
		// with the given date parameter, and checks that it changed nothing.
		refused := func(who Person, m Transition, wantKeys []string, wantDate time.Time) *i18n.Error {
			t.Helper()
			before := e.get(who.ID)
			events := e.count("stage_events")
			_, err := record(who.ID, Move{Transition: m})
			if got := errKeys(err); !slices.Equal(got, wantKeys) {
				t.Fatalf("%s %s %s on %s = %v, want %v", who.Name, m.Kind, m.To, isoDate(m.On), err, wantKeys)
			}
			first := errFirst(err)
			if !wantDate.IsZero() && first.Params["date"] != isoDate(wantDate) {
				t.Errorf("%s: date parameter = %v, want %s", first.Key, first.Params["date"], isoDate(wantDate))
			}
			if after := e.get(who.ID); after.Stage != before.Stage || after.Dossier != before.Dossier {
				t.Errorf("a refused %s changed %s: %+v → %+v", m.Kind, who.Name, before.Dossier, after.Dossier)
			}
			if n := e.count("stage_events"); n != events {
				t.Errorf("a refused %s was written to the history", m.Kind)
			}
			return first
		}
		link := func(who, other Person, kind string, want []string) {
			t.Helper()
			err := e.svc.AddLink(e.ctx, who.ID, other.ID, kind, time.Time{})
			if got := errKeys(err); !slices.Equal(got, want) || (want == nil && err != nil) {
				t.Fatalf("link %s → %s (%s) = %v, want %v", who.Name, other.Name, kind, err, want)
			}
		}

		// Applying: a 17-year-old is told the day they may.
		refused(teen, Transition{Kind: KindAdvance, To: StageApplicant, On: d0}, []string{"development.rule.age"}, teenBirth.AddDate(18, 0, 0))
		refused(p, Transition{Kind: KindAdvance, To: StageActivist, On: d0}, []string{"development.rule.skip"}, time.Time{})
		refused(p, Transition{Kind: KindAdvance, To: StageApplicant, On: today.AddDate(0, 0, 1)}, []string{"development.rule.future"}, today.AddDate(0, 0, 1))
		mustRecord(p, KindAdvance, StageApplicant, d0, 0)
		mustRecord(q, KindAdvance, StageApplicant, d0, 0)

		// The talk comes before the activist stage.
		refused(p, Transition{Kind: KindAdvance, To: StageActivist, On: d0.AddDate(0, 0, 5)}, []string{"development.rule.talk"}, time.Time{})
		refused(p, Transition{Kind: KindTalk, On: d0.AddDate(0, 0, -1)}, []string{"development.rule.before_stage"}, d0.AddDate(0, 0, -1))
		talk := d0.AddDate(0, 0, 10)
		mustRecord(p, KindTalk, "", talk, 0)
		mustRecord(q, KindTalk, "", talk, 0)
		refused(p, Transition{Kind: KindTalk, On: talk.AddDate(0, 0, 1)}, []string{"development.rule.talk_done"}, talk)
		activist := addMonths(d0, 1)
		mustRecord(p, KindAdvance, StageActivist, activist, 0)
		mustRecord(q, KindAdvance, StageActivist, activist, 0)

		// Contact members: members only, two at most.
		link(p, resident, LinkContact, []string{"member.error.contact_member"})
		link(p, c1, LinkIntroducer, []string{"member.error.introducer_stage"})
		link(p, p, LinkContact, []string{"member.error.link_self"})
		link(p, c1, "friend", []string{"member.error.link_kind"})
		link(resident, c1, LinkContact, []string{"member.error.contact_stage"})
		link(p, c1, LinkContact, nil)
		link(p, c1, LinkContact, nil) // again: changes nothing
		link(p, c2, LinkContact, nil)
		link(p, c3, LinkContact, []string{"member.error.link_two"})
		link(q, c3, LinkContact, nil)
		if links, _ := e.svc.Links(e.ctx, p.ID); len(links) != 2 || links[0].Kind != LinkContact {
			t.Errorf("Links = %+v, want the two contacts", links)
		}
		if err := e.svc.AddLink(e.ctx, p.ID, 999999, LinkContact, time.Time{}); !slices.Equal(errKeys(err), []string{"member.error.person_missing"}) {
			t.Errorf("a link to nobody = %v", err)
		}

		// A year as an activist, counted to the day.
		candidate := addMonths(activist, 12)
		refused(p, Transition{Kind: KindAdvance, To: StageCandidate, On: candidate.AddDate(0, 0, -1)}, []string{"development.rule.activist_year"}, candidate)
		mustRecord(p, KindAdvance, StageCandidate, candidate, 0)
		mustRecord(q, KindAdvance, StageCandidate, candidate, 0)

		// Admission lists everything missing at once.
		first := refused(p, Transition{Kind: KindAdvance, To: StageProbationary, On: candidate},
			[]string{"development.rule.introducers", "development.rule.political_review", "development.rule.training"}, time.Time{})
		if first.Params["count"] != 0 || first.Params["required"] != 2 {
			t.Errorf("introducers error = %v", first.Params)
		}
		link(p, probationer, LinkIntroducer, []string{"member.error.introducer_full"})
		link(p, c1, LinkIntroducer, nil)
		link(p, c2, LinkIntroducer, nil)
		link(q, c2, LinkIntroducer, nil)
		link(q, c3, LinkIntroducer, nil)
		if err := e.svc.Prepare(e.ctx, p.ID, Preparation{PoliticalReviewDone: true, TrainingHours: 23}); err != nil {
			t.Fatal(err)
		}
		refused(p, Transition{Kind: KindAdvance, To: StageProbationary, On: candidate}, []string{"development.rule.training"}, time.Time{})
		for _, c := range []struct {
			who  Person
			prep Preparation
			want []string
		}{
			{p, Preparation{PoliticalReviewDone: true, TrainingHours: -1}, []string{"member.error.training_hours"}},
			{c1, Preparation{PoliticalReviewDone: true, TrainingHours: 30}, []string{"member.error.prepare_stage"}},
			{p, Preparation{PoliticalReviewDone: true, TrainingHours: 24}, nil},
			{q, Preparation{PoliticalReviewDone: true, TrainingHours: 32}, nil},
		} {
			if err := e.svc.Prepare(e.ctx, c.who.ID, c.prep); !slices.Equal(errKeys(err), c.want) || (c.want == nil && err != nil) {
				t.Errorf("Prepare %s %+v = %v, want %v", c.who.Name, c.prep, err, c.want)
			}
		}
		admitted := addMonths(candidate, 1)
		mustRecord(p, KindAdvance, StageProbationary, admitted, 0)
		mustRecord(q, KindAdvance, StageProbationary, admitted, 0)
		if got := e.get(p.ID); got.JoinedAt == nil || !got.JoinedAt.Equal(admitted) || !got.Stage.IsMember() {
			t.Errorf("after admission: stage %s joined %v, want a member since %s", got.Stage, got.JoinedAt, isoDate(admitted))
		}
		approved := addMonths(admitted, 1)
		mustRecord(p, KindApprove, "", approved, 0)
		mustRecord(q, KindApprove, "", approved, 0)

		// The probation: a year, extended once by six to twelve months.
		end := addMonths(admitted, 12)
		refused(p, Transition{Kind: KindAdvance, To: StageFull, On: end.AddDate(0, 0, -1)}, []string{"development.rule.probation"}, end)
		refused(q, Transition{Kind: KindExtend, On: addMonths(admitted, 11), Months: 5}, []string{"development.rule.extend_months"}, time.Time{})
		refused(q, Transition{Kind: KindExtend, On: addMonths(admitted, 11), Months: 13}, []string{"development.rule.extend_months"}, time.Time{})
		mustRecord(q, KindExtend, "", addMonths(admitted, 11), 6)
		refused(q, Transition{Kind: KindExtend, On: addMonths(admitted, 11), Months: 6}, []string{"development.rule.extend_once"}, time.Time{})
		mustRecord(p, KindAdvance, StageFull, end, 0)
		refused(q, Transition{Kind: KindAdvance, To: StageFull, On: end}, []string{"development.rule.probation"}, addMonths(admitted, 18))
		refused(p, Transition{Kind: KindCancel, On: end}, []string{"development.rule.cancel_stage"}, time.Time{})

		// Cancelling the qualification starts over: back to resident, links and preparation cleared.
		mustRecord(q, KindCancel, "", end, 0)
		qq := e.get(q.ID)
		if qq.Stage != StageResident || qq.JoinedAt != nil || qq.Dossier.TrainingHours != 0 || qq.Dossier.PoliticalReviewDone ||
			qq.Dossier.ContactMembers != 0 || qq.Dossier.Introducers != 0 || !qq.Dossier.AdmittedAt.IsZero() {
			t.Errorf("after cancelling: %+v joined %v", qq.Dossier, qq.JoinedAt)
		}
		if links, _ := e.svc.Links(e.ctx, q.ID); len(links) != 0 {
			t.Errorf("links survive the cancellation: %+v", links)
		}
		if links, _ := e.svc.Links(e.ctx, p.ID); len(links) != 4 {
			t.Errorf("the full member's links = %+v, want 2 contacts and 2 introducers kept", links)
		}

		type step struct {
			kind string
			to   Stage
			on   time.Time
		}
		stepText := func(list []step) string {
			var b strings.Builder
			for _, st := range list {
				fmt.Fprintf(&b, "\n\t%s → %s on %s", st.kind, st.to, isoDate(st.on))
			}
			return b.String()
		}
		history := func(who Person) []step {
			t.Helper()
			h, err := e.svc.History(e.ctx, who.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []step
			for _, ev := range h {
				if ev.OrgID != branch.ID || ev.OrgName != "支部" {
					t.Errorf("event %+v lacks its organization", ev)
				}
				out = append(out, step{ev.Kind, ev.ToStage, ev.On})
			}
			return out
		}
		wantP := []step{
			{"create", StageResident, today.AddDate(-30, 0, 0)}, // a resident is one from birth
			{KindAdvance, StageApplicant, d0},
			{KindTalk, StageApplicant, talk},
			{KindAdvance, StageActivist, activist},
			{KindAdvance, StageCandidate, candidate},
			{KindAdvance, StageProbationary, admitted},
			{KindApprove, StageProbationary, approved},
			{KindAdvance, StageFull, end},
		}
		if got := history(p); !slices.EqualFunc(got, wantP, func(a, b step) bool { return a.kind == b.kind && a.to == b.to && a.on.Equal(b.on) }) {
			t.Errorf("History(p) = %s\nwant %s", stepText(got), stepText(wantP))
		}
		wantQ := append(slices.Clone(wantP[:7]), step{KindExtend, StageProbationary, addMonths(admitted, 11)}, step{KindCancel, StageResident, end})
		wantQ[0].on = today.AddDate(-28, 0, 0)
		if got := history(q); !slices.EqualFunc(got, wantQ, func(a, b step) bool { return a.kind == b.kind && a.to == b.to && a.on.Equal(b.on) }) {
			t.Errorf("History(q) = %s\nwant %s", stepText(got), stepText(wantQ))
		}
		if h, _ := e.svc.History(e.ctx, q.ID); h[len(h)-2].Months != 6 || h[1].Documents != "材料" {
			t.Errorf("the extension's months or a step's documents were lost: %+v", h)
		}

		// Posts for the snapshot: p joins the branch committee, is secretary for a while.
		e.appoint(org.NewPost{OrgID: branch.ID, PersonID: p.ID, Kind: org.OrganizationMember, StartedOn: addMonths(end, 1)})
		e.appoint(org.NewPost{OrgID: branch.ID, PersonID: p.ID, Kind: org.Secretary, StartedOn: addMonths(end, 2)})
		e.appoint(org.NewPost{OrgID: branch.ID, PersonID: c1.ID, Kind: org.Secretary, StartedOn: addMonths(end, 4)})

		snapshots := []struct {
			on    time.Time
			stage Stage
			org   int64
			posts []org.PostKind
		}{
			{today.AddDate(-30, 0, -1), "", 0, nil},
			{d0.AddDate(0, 0, -1), StageResident, 0, nil},
			{d0, StageApplicant, branch.ID, nil},
			{talk, StageApplicant, branch.ID, nil},
			{activist.AddDate(0, 0, -1), StageApplicant, branch.ID, nil},
			{activist, StageActivist, branch.ID, nil},
			{candidate, StageCandidate, branch.ID, nil},
			{approved.AddDate(0, 0, -1), StageProbationary, branch.ID, nil},
			{end.AddDate(0, 0, -1), StageProbationary, branch.ID, nil},
			{end, StageFull, branch.ID, nil},
			{addMonths(end, 1), StageFull, branch.ID, []org.PostKind{org.OrganizationMember}},
			{addMonths(end, 3), StageFull, branch.ID, []org.PostKind{org.OrganizationMember, org.Secretary}},
			{addMonths(end, 4).AddDate(0, 0, -1), StageFull, branch.ID, []org.PostKind{org.OrganizationMember, org.Secretary}},
			{addMonths(end, 4), StageFull, branch.ID, []org.PostKind{org.OrganizationMember}},
			{today, StageFull, branch.ID, []org.PostKind{org.OrganizationMember}},
		}
		for _, s := range snapshots {
			snap, err := e.svc.AsOf(e.ctx, p.ID, s.on)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []org.PostKind
			for _, post := range snap.Posts {
				kinds = append(kinds, post.Kind)
			}
			slices.Sort(kinds)
			want := slices.Clone(s.posts)
			slices.Sort(want)
			if snap.Stage != s.stage || snap.OrgID != s.org || !slices.Equal(kinds, want) {
				t.Errorf("AsOf(%s) = %s in %d with %v; want %s in %d with %v", isoDate(s.on), snap.Stage, snap.OrgID, kinds, s.stage, s.org, want)
			}
		}
		if snap, _ := e.svc.AsOf(e.ctx, q.ID, addMonths(end, 1)); snap.Stage != StageResident {
			t.Errorf("q after the cancellation = %s, want resident", snap.Stage)
		}

		// The audit log has a line for every recorded step, none for the refused ones.
		entries, err := audit.For(e.ctx, e.db, "person", p.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		transitions := 0
		for _, en := range entries {
			if en.Action == "transition" {
				transitions++
			}
		}
		if transitions != len(wantP)-1 {
			t.Errorf("%d transition lines in the audit log, want %d", transitions, len(wantP)-1)
		}
		if _, err := e.svc.Record(e.ctx, 999999, Move{Transition: Transition{Kind: KindTalk, On: today}}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Record(missing) = %v", err)
		}
	})
}
