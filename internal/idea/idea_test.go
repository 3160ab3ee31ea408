package idea_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/idea"
	"vanguard/internal/member"
	"vanguard/internal/notify"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// fixture is a group company and another one:
//
//	集团党委 (committee)               ← reviewer: manager role
//	├── 生产支部 (branch): worker (resident, an employee), colleague (resident)
//	│   └── 一车间党小组 (group): member (full member)
//	└── 营销支部 (branch): seller (full member)
//	别的公司党委 (committee): stranger (full member, in its own branch)
type fixture struct {
	db       *store.DB
	ctx      context.Context
	svc      *idea.Service
	notices  *notify.Service
	group    org.Org
	prod     org.Org
	sales    org.Org
	persons  map[string]member.Person
	accounts map[string]auth.Account
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "fixture"})
	orgs := org.New(db)
	people := member.New(db, orgs)
	notices := notify.New(db)
	f := &fixture{db: db, ctx: ctx, svc: idea.New(db, orgs, people, notices), notices: notices,
		persons: map[string]member.Person{}, accounts: map[string]auth.Account{}}
	mk := func(parent int64, kind org.Kind, name string) org.Org {
		o, err := orgs.Create(ctx, org.NewOrg{ParentID: parent, Kind: kind, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	f.group = mk(0, org.Committee, "集团党委")
	f.prod = mk(f.group.ID, org.Branch, "生产支部")
	workshop := mk(f.prod.ID, org.Group, "一车间党小组")
	f.sales = mk(f.group.ID, org.Branch, "营销支部")
	other := mk(0, org.Committee, "别的公司党委")
	otherBranch := mk(other.ID, org.Branch, "别的公司支部")
	accounts := auth.New(db, auth.Options{Hash: auth.TestHashParams})
	for _, p := range []struct {
		name  string
		orgID int64
		stage member.Stage
	}{
		{"worker", f.prod.ID, member.StageResident}, {"colleague", f.prod.ID, member.StageResident},
		{"member", workshop.ID, member.StageFull}, {"seller", f.sales.ID, member.StageFull},
		{"stranger", otherBranch.ID, member.StageFull},
	} {
		n := member.NewPerson{Name: p.name, OrgID: p.orgID, Stage: p.stage}
		if p.stage.IsMember() {
			n.JoinedAt = time.Date(2012, 7, 1, 0, 0, 0, 0, time.UTC)
		}
		person, err := people.Create(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		a, err := accounts.CreateAccount(ctx, auth.NewAccount{Username: p.name, DisplayName: p.name, Password: "a long passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		if err := people.LinkAccount(ctx, db, person.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		f.persons[p.name], f.accounts[p.name] = person, a
	}
	rev, err := accounts.CreateAccount(ctx, auth.NewAccount{Username: "reviewer", DisplayName: "审核人", Password: "a long passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	f.accounts["reviewer"] = rev
	if err := orgs.GrantRole(ctx, db, rev.ID, f.group.ID, org.RoleManager); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) caller(name string) idea.Caller {
	c := idea.Caller{Account: f.accounts[name]}
	if p, ok := f.persons[name]; ok {
		c.Person = &p
	}
	return c
}

func (f *fixture) reviewer() context.Context {
	return audit.WithActor(context.Background(), audit.Actor{AccountID: f.accounts["reviewer"].ID, Name: "reviewer"})
}

func (f *fixture) submit(t *testing.T, who, title string) idea.Idea {
	t.Helper()
	i, err := f.svc.Submit(f.ctx, f.caller(who), idea.NewIdea{OrgID: f.group.ID, Title: title, Problem: "车间物料摆放杂乱",
		Proposal: "推行 6S 目视化看板", Benefit: "减少找料时间", Category: "production"})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return i
}

func errKey(err error) string {
	var one *i18n.Error
	if errors.As(err, &one) {
		return one.Key
	}
	var list i18n.Errors
	if errors.As(err, &list) && len(list) > 0 {
		return list[0].Key
	}
	return ""
}

// An idea goes through the table and nowhere else, with a named reviewer, dates, a
// history row per move and a notice to the submitter for each.
func TestIdeaTransitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		i := f.submit(t, "worker", "6S 看板")
		if i.Status != idea.Submitted || i.OrgID != f.group.ID || i.PersonName != "worker" {
			t.Fatalf("submitted idea = %+v", i)
		}
		if _, err := f.svc.Review(f.reviewer(), i.ID, idea.Adopted, ""); errKey(err) != "idea.error.transition" {
			t.Errorf("adopting before review = %v", err)
		}
		if _, err := f.svc.Review(f.reviewer(), i.ID, idea.UnderReview, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Review(f.reviewer(), i.ID, idea.Declined, ""); errKey(err) != "idea.error.reason" {
			t.Errorf("declining without a reason = %v", err)
		}
		adopted, err := f.svc.Review(f.reviewer(), i.ID, idea.Adopted, "下月在一车间试点")
		if err != nil {
			t.Fatal(err)
		}
		// The source of truth for points (issue 5): who adopted it and when.
		if adopted.Status != idea.Adopted || adopted.AdoptedAt == nil || adopted.ReviewerID != f.accounts["reviewer"].ID ||
			adopted.ReviewerName != "审核人" || adopted.ReviewStartedAt == nil {
			t.Fatalf("adopted idea = %+v", adopted)
		}
		if _, err := f.svc.Review(f.reviewer(), i.ID, idea.Declined, "晚了"); errKey(err) != "idea.error.transition" {
			t.Errorf("declining an adopted idea = %v", err)
		}
		done, err := f.svc.Review(f.reviewer(), i.ID, idea.Implemented, "")
		if err != nil || done.ImplementedAt == nil {
			t.Fatalf("implemented = %+v, %v", done, err)
		}
		history, err := f.svc.History(f.ctx, i.ID)
		if err != nil || len(history) != 4 || history[3].To != idea.Implemented || history[2].Note != "下月在一车间试点" || history[1].By != "审核人" {
			t.Fatalf("history = %+v, %v", history, err)
		}
		notes, _ := f.notices.List(f.ctx, f.accounts["worker"].ID, 10)
		var keys []string
		for _, n := range notes {
			keys = append(keys, n.Message.Key)
		}
		if strings.Join(keys, " ") != "notify.idea.implemented notify.idea.adopted notify.idea.under_review" {
			t.Errorf("the submitter's notices = %v", keys)
		}
		// A declined idea carries its reason to the submitter.
		j := f.submit(t, "worker", "食堂错峰")
		f.svc.Review(f.reviewer(), j.ID, idea.UnderReview, "")
		declined, err := f.svc.Review(f.reviewer(), j.ID, idea.Declined, "已列入食堂改造计划")
		if err != nil || declined.Reason != "已列入食堂改造计划" || declined.DeclinedAt == nil {
			t.Fatalf("declined = %+v, %v", declined, err)
		}
		for _, m := range [][2]idea.Status{{idea.Submitted, idea.Adopted}, {idea.Declined, idea.UnderReview}, {idea.Implemented, idea.Adopted}} {
			if idea.CanMove(m[0], m[1]) {
				t.Errorf("the table allows %s → %s", m[0], m[1])
			}
		}
	})
}

// Others support an idea once; nobody supports their own or a declined one.
func TestSupportOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		i := f.submit(t, "worker", "余热回收")
		f.svc.Review(f.reviewer(), i.ID, idea.UnderReview, "")
		if err := f.svc.Support(f.ctx, f.caller("colleague"), i.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Support(f.ctx, f.caller("colleague"), i.ID); errKey(err) != "idea.error.supported" {
			t.Errorf("supporting twice = %v", err)
		}
		if err := f.svc.Support(f.ctx, f.caller("worker"), i.ID); errKey(err) != "idea.error.own" {
			t.Errorf("supporting one's own = %v", err)
		}
		if err := f.svc.Support(f.ctx, idea.Caller{Account: f.accounts["reviewer"]}, i.ID); errKey(err) != "idea.error.no_person" {
			t.Errorf("supporting without a person = %v", err)
		}
		if err := f.svc.Support(f.ctx, f.caller("member"), i.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.Get(f.ctx, i.ID)
		var rows int
		db.QueryRowContext(f.ctx, `SELECT COUNT(*) FROM idea_supports WHERE idea_id = $1`, i.ID).Scan(&rows)
		if got.Supports != 2 || rows != 2 {
			t.Fatalf("supports = %d (%d rows), want 2", got.Supports, rows)
		}
		if ok, _ := f.svc.Supported(f.ctx, f.caller("colleague"), i.ID); !ok {
			t.Error("the colleague's support is not remembered")
		}
		f.svc.Review(f.reviewer(), i.ID, idea.Declined, "成本过高")
		if err := f.svc.Support(f.ctx, f.caller("seller"), i.ID); errKey(err) != "idea.error.declined" {
			t.Errorf("supporting a declined idea = %v", err)
		}
	})
}

// A fresh idea is seen by its submitter and the reviewers; once taken up, by everyone in
// the organization; a declined one goes back to the submitter and reviewers only.
func TestWhoSeesAnIdea(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		i := f.submit(t, "worker", "二维码提交")
		sees := func(stage string, want map[string]bool) {
			t.Helper()
			i, _ = f.svc.Get(f.ctx, i.ID)
			for who, ok := range want {
				acc, err := f.svc.AccessTo(f.ctx, f.caller(who), i)
				if err != nil || acc.View != ok {
					t.Errorf("%s: %s sees=%v, want %v (%v)", stage, who, acc.View, ok, err)
				}
				list, _, err := f.svc.List(f.ctx, f.caller(who), idea.Filter{})
				if err != nil || (len(list) == 1) != ok {
					t.Errorf("%s: %s lists %d ideas, want visible=%v (%v)", stage, who, len(list), ok, err)
				}
			}
		}
		sees("submitted", map[string]bool{"worker": true, "reviewer": true, "colleague": false, "member": false, "stranger": false})
		f.svc.Review(f.reviewer(), i.ID, idea.UnderReview, "")
		sees("under review", map[string]bool{"worker": true, "reviewer": true, "colleague": true, "member": true, "seller": true, "stranger": false})
		f.svc.Review(f.reviewer(), i.ID, idea.Declined, "不适用")
		sees("declined", map[string]bool{"worker": true, "reviewer": true, "colleague": false, "stranger": false})
		if acc, _ := f.svc.AccessTo(f.ctx, f.caller("reviewer"), i); !acc.Review || acc.Support {
			t.Errorf("the reviewer's access = %+v", acc)
		}
		// A board must be one's own organization or one above it.
		_, err := f.svc.Submit(f.ctx, f.caller("worker"), idea.NewIdea{OrgID: f.sales.ID, Title: "x", Proposal: "y", Category: "other"})
		if errKey(err) != "idea.error.org" {
			t.Errorf("submitting to another branch = %v", err)
		}
		_, err = f.svc.Submit(f.ctx, idea.Caller{Account: f.accounts["reviewer"]}, idea.NewIdea{Title: "x", Proposal: "y", Category: "other"})
		if errKey(err) != "idea.error.no_person" {
			t.Errorf("submitting without a person = %v", err)
		}
		own, err := f.svc.Submit(f.ctx, f.caller("worker"), idea.NewIdea{Title: "x", Proposal: "y", Category: "other"})
		if err != nil || own.OrgID != f.prod.ID {
			t.Errorf("by default the board is one's own organization: %+v %v", own, err)
		}
	})
}

// Attachments are kept with their name and type; too big a file is refused.
func TestAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		photo := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 100)...)
		i, err := f.svc.Submit(f.ctx, f.caller("worker"), idea.NewIdea{Title: "看板", Proposal: "见附件", Category: "quality",
			Files: []idea.NewFile{{Filename: `C:\照片\现场.png`, Content: photo}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(i.Attachments) != 1 || i.Attachments[0].Filename != "现场.png" || i.Attachments[0].ContentType != "image/png" {
			t.Fatalf("attachments = %+v", i.Attachments)
		}
		file, err := f.svc.File(f.ctx, i.ID, i.Attachments[0].ID)
		if err != nil || !bytes.Equal(file.Content, photo) {
			t.Fatalf("file = %v, %v", file.Attachment, err)
		}
		if _, err := f.svc.File(f.ctx, i.ID+1, i.Attachments[0].ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an attachment through another idea = %v", err)
		}
		_, err = f.svc.Submit(f.ctx, f.caller("worker"), idea.NewIdea{Title: "大", Proposal: "大", Category: "quality",
			Files: []idea.NewFile{{Filename: "big.bin", Content: make([]byte, idea.MaxFileBytes+1)}}})
		if errKey(err) != "idea.error.file_size" {
			t.Errorf("a file too big = %v", err)
		}
	})
}

// Yearly figures and the spreadsheet.
func TestStatsAndExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		lastYear := time.Now().AddDate(-1, 0, 0)
		past := f.svc.WithClock(func() time.Time { return lastYear })
		for _, st := range []idea.Status{idea.Submitted, idea.Adopted, idea.Implemented} {
			i, err := past.Submit(f.ctx, f.caller("worker"), idea.NewIdea{OrgID: f.group.ID, Title: "往年" + string(st), Proposal: "内容", Category: "cost"})
			if err != nil {
				t.Fatal(err)
			}
			path := map[idea.Status][]idea.Status{idea.Adopted: {idea.UnderReview, idea.Adopted},
				idea.Implemented: {idea.UnderReview, idea.Adopted, idea.Implemented}}[st]
			for _, to := range path {
				if _, err := past.ReviewBy(f.ctx, i.ID, to, "", "纸质审核人"); err != nil {
					t.Fatal(err)
				}
			}
			lastYear = lastYear.Add(time.Hour)
		}
		if got, _, _ := f.svc.List(f.ctx, f.caller("worker"), idea.Filter{Status: idea.Implemented}); len(got) != 1 || got[0].ReviewerName != "纸质审核人" || got[0].ReviewerID != 0 {
			t.Errorf("a review entered for a named reviewer = %+v", got)
		}
		lastYear = time.Now().AddDate(-1, 0, 0)
		f.submit(t, "colleague", "今年的")
		stats, err := f.svc.Stats(f.ctx, f.group.ID)
		if err != nil || len(stats) != 2 {
			t.Fatalf("stats = %+v, %v", stats, err)
		}
		if y := stats[1]; y.Year != lastYear.Year() || y.Submitted != 3 || y.Adopted != 2 || y.Count(idea.Implemented) != 1 || y.AdoptionRate() != 66 {
			t.Errorf("last year = %+v", y)
		}
		if y := stats[0]; y.Submitted != 1 || y.Count(idea.Submitted) != 1 {
			t.Errorf("this year = %+v", y)
		}
		list, total, err := f.svc.List(f.ctx, f.caller("reviewer"), idea.Filter{OrgID: f.group.ID, Year: lastYear.Year(), Status: idea.Adopted})
		if err != nil || total != 1 || list[0].Title != "往年adopted" {
			t.Errorf("filtered list = %+v (%d), %v", list, total, err)
		}
		var buf bytes.Buffer
		if err := f.svc.Export(f.ctx, &buf, f.caller("reviewer"), idea.Filter{OrgID: f.group.ID}); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows("金点子")
		if len(rows) != 5 || rows[0][1] != "标题" || rows[1][1] != "往年submitted" {
			t.Errorf("the ideas sheet = %v", rows)
		}
		yearly, _ := x.GetRows("年度统计")
		if len(yearly) != 3 || yearly[2][7] != "66" {
			t.Errorf("the yearly sheet = %v", yearly)
		}
	})
}
