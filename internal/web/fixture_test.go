package web_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"vanguard/internal/app/apptest"
	"vanguard/internal/auth"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// testPassword is every fixture account's password.
const testPassword = "correct horse battery"

// fixture is a small world for the pages of organizations and people:
//
//	甲公司党委 (committee, code A)          ← admin: org admin; manager: manager
//	├── 第一党支部 (branch, code A1)        ← viewer: viewer
//	│   └── 第一党小组 (group)
//	└── 第二党支部 (branch, code A2)
//	乙公司党委 (committee, code B, another unit) ← outsider: manager
//	└── 乙公司第一党支部 (branch, code B1)
//
// root is a system administrator; member has a person record and no role; nobody has
// neither.
type fixture struct {
	env                                              *apptest.Env
	committee, branch, group, sibling, other, otherB org.Org
	self, activist, applicant, sibPerson, outPerson  member.Person
	selfID, selfPhone                                string
	accounts                                         map[string]auth.Account
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	env := apptest.Start(t, db, apptest.Options{})
	ctx := t.Context()
	orgs, people := env.App.Orgs, env.App.People
	f := &fixture{env: env, accounts: map[string]auth.Account{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture: %v", err)
		}
	}
	unitA, err := orgs.CreateUnit(ctx, db, org.Unit{Name: "甲公司", NameEn: "Company A", Kind: "enterprise"})
	must(err)
	unitB, err := orgs.CreateUnit(ctx, db, org.Unit{Name: "乙公司", NameEn: "Company B", Kind: "enterprise"})
	must(err)
	mk := func(n org.NewOrg) org.Org {
		t.Helper()
		o, err := orgs.Create(ctx, n)
		must(err)
		return o
	}
	f.committee = mk(org.NewOrg{Kind: org.Committee, Name: "甲公司党委", NameEn: "Company A Party Committee", Code: "A", UnitID: unitA.ID})
	f.branch = mk(org.NewOrg{ParentID: f.committee.ID, Kind: org.Branch, Name: "第一党支部", NameEn: "First Branch", Code: "A1", UnitID: unitA.ID})
	f.group = mk(org.NewOrg{ParentID: f.branch.ID, Kind: org.Group, Name: "第一党小组", NameEn: "First Group", UnitID: unitA.ID})
	f.sibling = mk(org.NewOrg{ParentID: f.committee.ID, Kind: org.Branch, Name: "第二党支部", NameEn: "Second Branch", Code: "A2", UnitID: unitA.ID})
	f.other = mk(org.NewOrg{Kind: org.Committee, Name: "乙公司党委", NameEn: "Company B Party Committee", Code: "B", UnitID: unitB.ID})
	f.otherB = mk(org.NewOrg{ParentID: f.other.ID, Kind: org.Branch, Name: "乙公司第一党支部", NameEn: "Company B First Branch", Code: "B1", UnitID: unitB.ID})

	for _, name := range []string{"root", "admin", "manager", "viewer", "outsider", "member", "nobody"} {
		a, err := env.App.Auth.CreateAccount(ctx, auth.NewAccount{Username: name, Password: testPassword, IsAdmin: name == "root"})
		must(err)
		f.accounts[name] = a
	}
	grant := func(user string, o org.Org, role org.Role) {
		t.Helper()
		must(orgs.GrantRole(ctx, db, f.accounts[user].ID, o.ID, role))
	}
	grant("admin", f.committee, org.RoleAdmin)
	grant("manager", f.committee, org.RoleManager)
	grant("viewer", f.branch, org.RoleViewer)
	grant("outsider", f.other, org.RoleManager)

	joined := time.Date(2015, 7, 1, 0, 0, 0, 0, time.UTC)
	add := func(n member.NewPerson) member.Person {
		t.Helper()
		p, err := people.Create(ctx, n)
		must(err)
		return p
	}
	f.selfID, f.selfPhone = idNumber("11010119850315001"), "13812345678"
	f.self = add(member.NewPerson{Name: "王建国", IDNumber: f.selfID, Phone: f.selfPhone, OrgID: f.branch.ID, Stage: member.StageFull, JoinedAt: joined})
	f.activist = add(member.NewPerson{Name: "李晓红", IDNumber: idNumber("11010119950620002"), OrgID: f.group.ID, Stage: member.StageActivist})
	f.applicant = add(member.NewPerson{Name: "赵小明", IDNumber: idNumber("11010120000101003"), OrgID: f.branch.ID, Stage: member.StageApplicant})
	f.sibPerson = add(member.NewPerson{Name: "孙二支", IDNumber: idNumber("11010119800101004"), OrgID: f.sibling.ID, Stage: member.StageFull, JoinedAt: joined})
	f.outPerson = add(member.NewPerson{Name: "钱乙方", IDNumber: idNumber("11010119700101005"), OrgID: f.otherB.ID, Stage: member.StageFull, JoinedAt: joined})
	must(people.LinkAccount(ctx, db, f.self.ID, f.accounts["member"].ID))
	return f
}

// client is a browser signed in as user, reading lang.
func (f *fixture) client(t *testing.T, user, lang string) *apptest.Client {
	t.Helper()
	c := f.env.Client(t)
	c.Header.Set("Accept-Language", lang)
	c.Login(user, testPassword)
	return c
}

// idNumber completes 17 digits with the check digit of GB 11643.
func idNumber(first17 string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range first17 {
		sum += int(c-'0') * weights[i]
	}
	return first17 + string("10X98765432"[sum%11])
}

// upload posts a file as a same-origin multipart form.
func upload(t *testing.T, c *apptest.Client, path, filename string, content []byte) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	return c.Do("POST", path, &body, http.Header{
		"Content-Type": {mw.FormDataContentType()}, "Origin": {c.BaseURL()}, "Sec-Fetch-Site": {"same-origin"},
	})
}

func count(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func path(format string, args ...any) string { return fmt.Sprintf(format, args...) }
