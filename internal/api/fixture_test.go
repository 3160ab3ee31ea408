package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"vanguard/internal/app/apptest"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// testPassword is every fixture account's password: long enough for the policy, and
// not the demo password, which a server outside demo mode refuses.
const testPassword = "correct-horse-battery"

// fixture is a small tree on a running server, built through the services:
//
//	城关镇党委 C001 (chief: admin, manager: manager)
//	├── 第一党支部 B001 (viewer: viewer) — member (secretary, linked to account self),
//	│                                      probationer, activist
//	└── 第二党支部 B002                   — resident
//	河西镇党委 X001 (outsider: manager)
//	└── 河西村党支部 Y001                 — stranger
//
// Each client holds a token issued through POST /api/v1/tokens.
type fixture struct {
	env    *apptest.Env
	today  time.Time
	joined time.Time // the probationer's admission: the first of the month two months ago

	committee, branch, branch2, otherCommittee, otherBranch org.Org
	member, probationer, activist, resident, stranger       member.Person

	admin, chief, manager, viewer, outsider, self, anonymous *apptest.Client
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	env := apptest.Start(t, db, apptest.Options{})
	a := env.App
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "fixture"})
	f := &fixture{env: env, today: a.People.Today()}
	f.joined = time.Date(f.today.Year(), f.today.Month()-2, 1, 0, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	newOrg := func(parent int64, kind org.Kind, name, nameEn, code string) org.Org {
		t.Helper()
		o, err := a.Orgs.Create(ctx, org.NewOrg{ParentID: parent, Kind: kind, Name: name, NameEn: nameEn, Code: code})
		must(err)
		return o
	}
	f.committee = newOrg(0, org.Committee, "城关镇党委", "Chengguan Town Committee", "C001")
	f.branch = newOrg(f.committee.ID, org.Branch, "第一党支部", "First Branch", "B001")
	f.branch2 = newOrg(f.committee.ID, org.Branch, "第二党支部", "Second Branch", "B002")
	f.otherCommittee = newOrg(0, org.Committee, "河西镇党委", "Hexi Town Committee", "X001")
	f.otherBranch = newOrg(f.otherCommittee.ID, org.Branch, "河西村党支部", "", "Y001")

	newPerson := func(n member.NewPerson) member.Person {
		t.Helper()
		p, err := a.People.Create(ctx, n)
		must(err)
		return p
	}
	f.member = newPerson(member.NewPerson{Name: "张三", IDNumber: idNumber("330402", "19850315", "123"), Phone: "13812345678",
		OrgID: f.branch.ID, Stage: member.StageFull, JoinedAt: date(2010, 7, 1)})
	f.probationer = newPerson(member.NewPerson{Name: "王五", IDNumber: idNumber("440304", "19950520", "004"), Phone: "13900001111",
		OrgID: f.branch.ID, Stage: member.StageProbationary, JoinedAt: f.joined})
	f.activist = newPerson(member.NewPerson{Name: "李四", IDNumber: idNumber("110105", "19900101", "002"), Phone: "13700002222",
		OrgID: f.branch.ID, Stage: member.StageActivist})
	f.resident = newPerson(member.NewPerson{Name: "赵六", IDNumber: idNumber("330402", "19920202", "013"), Phone: "13600003333",
		OrgID: f.branch2.ID, Stage: member.StageResident})
	f.stranger = newPerson(member.NewPerson{Name: "孙七", IDNumber: idNumber("330402", "19800808", "015"),
		OrgID: f.otherBranch.ID, Stage: member.StageFull, JoinedAt: date(2005, 7, 1)})
	// Writes that take a Querier run in a transaction: on SQLite, statements outside one
	// go to the read-only pool.
	inTx := func(fn func(tx *store.Tx) error) { t.Helper(); must(db.InTx(ctx, fn)) }
	inTx(func(tx *store.Tx) error {
		_, err := a.Orgs.Appoint(ctx, tx, org.NewPost{OrgID: f.branch.ID, PersonID: f.member.ID, Kind: org.Secretary, StartedOn: date(2023, 1, 1)})
		return err
	})

	account := func(username string, admin bool) auth.Account {
		t.Helper()
		acct, err := a.Auth.CreateAccount(ctx, auth.NewAccount{Username: username, DisplayName: username, Password: testPassword, IsAdmin: admin})
		must(err)
		return acct
	}
	account("admin", true)
	grant := func(username string, orgID int64, role org.Role) {
		t.Helper()
		acct := account(username, false)
		inTx(func(tx *store.Tx) error { return a.Orgs.GrantRole(ctx, tx, acct.ID, orgID, role) })
	}
	grant("chief", f.committee.ID, org.RoleAdmin)
	grant("manager", f.committee.ID, org.RoleManager)
	grant("viewer", f.branch.ID, org.RoleViewer)
	grant("outsider", f.otherCommittee.ID, org.RoleManager)
	self := account("self", false)
	inTx(func(tx *store.Tx) error { return a.People.LinkAccount(ctx, tx, f.member.ID, self.ID) })

	f.anonymous = env.Client(t)
	f.anonymous.Header.Set("Accept-Language", "en")
	f.admin, f.chief, f.manager = f.login(t, "admin"), f.login(t, "chief"), f.login(t, "manager")
	f.viewer, f.outsider, f.self = f.login(t, "viewer"), f.login(t, "outsider"), f.login(t, "self")
	return f
}

// login returns a client holding a fresh token of username, asking in English.
func (f *fixture) login(t *testing.T, username string) *apptest.Client {
	t.Helper()
	c := f.env.Client(t)
	c.Header.Set("Accept-Language", "en")
	r := c.JSON("POST", "/api/v1/tokens", map[string]string{"username": username, "password": testPassword, "name": "test"})
	if r.Status != http.StatusCreated {
		t.Fatalf("token for %s = %d %s", username, r.Status, r.Body)
	}
	var tok struct{ Token string }
	r.Decode(t, &tok)
	c.Token = tok.Token
	return c
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// idNumber builds a resident ID number with its check character (GB 11643-1999).
func idNumber(region, birth, seq string) string {
	body := region + birth + seq
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

// wrongCheck spoils an ID number's check character.
func wrongCheck(idNumber string) string {
	last := idNumber[17]
	bad := byte('0')
	if last == '0' {
		bad = '1'
	}
	return idNumber[:17] + string(bad)
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func path(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// apiProblem is the body of an error answer, with the parameters of each detail.
type apiProblem struct {
	Error   string `json:"error"`
	Message string `json:"message"`
	Details []struct {
		Field   string         `json:"field"`
		Row     int            `json:"row"`
		Error   string         `json:"error"`
		Message string         `json:"message"`
		Params  map[string]any `json:"params"`
	} `json:"details"`
}

// keys lists the error keys of the details, in order.
func (p apiProblem) keys() []string {
	var out []string
	for _, d := range p.Details {
		out = append(out, d.Error)
	}
	return out
}
