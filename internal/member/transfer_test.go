package member

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// transferTree is a town committee with two branches (the second with a group) and a
// second town.
type transferTree struct {
	town, from, to, group, otherTown, otherBranch org.Org
}

func newTransferTree(e *dbEnv) transferTree {
	var tr transferTree
	tr.town = e.org(0, org.Committee, "镇党委", "")
	tr.from = e.org(tr.town.ID, org.Branch, "东村支部", "")
	tr.to = e.org(tr.town.ID, org.Branch, "西村支部", "")
	tr.group = e.org(tr.to.ID, org.Group, "西村第一小组", "")
	tr.otherTown = e.org(0, org.Committee, "邻镇党委", "")
	tr.otherBranch = e.org(tr.otherTown.ID, org.Branch, "邻镇支部", "")
	return tr
}

func (e *dbEnv) issue(n NewTransfer) Transfer {
	e.t.Helper()
	tr, err := e.svc.Issue(e.ctx, n)
	if err != nil {
		e.t.Fatalf("issue: %v", err)
	}
	return tr
}

func TestIssueRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDBEnv(t, db)
		tr := newTransferTree(e)
		today := e.svc.Today()
		m := e.fullMember(tr.from.ID, "张党员", today.AddDate(-5, 0, 0))
		prob := e.create(NewPerson{Name: "李预备", OrgID: tr.from.ID, Stage: StageProbationary, JoinedAt: addMonths(today, -4)})
		resident := e.create(NewPerson{Name: "王群众", OrgID: tr.from.ID})
		activist := e.create(NewPerson{Name: "赵积极", OrgID: tr.from.ID, Stage: StageActivist})
		gone := e.org(tr.town.ID, org.Branch, "撤销的支部", "")
		if err := e.orgs.Dissolve(e.ctx, gone.ID, today.AddDate(0, -1, 0)); err != nil {
			t.Fatal(err)
		}

		cases := []struct {
			name string
			n    NewTransfer
			want []string
		}{
			{"a resident", NewTransfer{PersonID: resident.ID, ToOrgID: tr.to.ID}, []string{"member.error.transfer_member"}},
			{"an activist", NewTransfer{PersonID: activist.ID, ToOrgID: tr.to.ID}, []string{"member.error.transfer_member"}},
			{"to one's own branch", NewTransfer{PersonID: m.ID, ToOrgID: tr.from.ID}, []string{"member.error.transfer_same"}},
			{"to a group", NewTransfer{PersonID: m.ID, ToOrgID: tr.group.ID}, []string{"member.error.transfer_group"}},
			{"to a dissolved branch", NewTransfer{PersonID: m.ID, ToOrgID: gone.ID}, []string{"member.error.org"}},
			{"to a missing org", NewTransfer{PersonID: m.ID, ToOrgID: 999999}, []string{"member.error.org"}},
			{"dated tomorrow", NewTransfer{PersonID: m.ID, ToOrgID: tr.to.ID, IssuedOn: today.AddDate(0, 0, 1)}, []string{"development.rule.future"}},
			{"a resident to a group", NewTransfer{PersonID: resident.ID, ToOrgID: tr.group.ID}, []string{"member.error.transfer_group", "member.error.transfer_member"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := e.count("transfers")
				_, err := e.svc.Issue(e.ctx, c.n)
				if got := errKeys(err); !slices.Equal(got, c.want) {
					t.Fatalf("Issue = %v, want %v", err, c.want)
				}
				if n := e.count("transfers"); n != before {
					t.Errorf("a refused letter was stored")
				}
			})
		}
		if _, err := e.svc.Issue(e.ctx, NewTransfer{PersonID: 999999, ToOrgID: tr.to.ID}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Issue for a missing person = %v", err)
		}

		// A probationary member transfers too; the letter is numbered by year when unnumbered.
		letter := e.issue(NewTransfer{PersonID: prob.ID, ToOrgID: tr.otherBranch.ID, Note: " 随配偶迁居 "})
		if !regexp.MustCompile(`^\d{4}-\d{6}$`).MatchString(letter.LetterNo) || letter.LetterNo[:4] != strconv.Itoa(today.Year()) {
			t.Errorf("letter number %q, want YEAR-NNNNNN", letter.LetterNo)
		}
		if !letter.IssuedOn.Equal(today) || !letter.ValidUntil.Equal(addMonths(today, 3)) || letter.Status != TransferIssued ||
			letter.Note != "随配偶迁居" || letter.FromOrgID != tr.from.ID || letter.ToOrgName != "邻镇支部" {
			t.Errorf("letter = %+v", letter)
		}
		if got, _ := e.svc.GetTransfer(e.ctx, letter.ID); got.LetterNo != letter.LetterNo {
			t.Errorf("stored letter number %q, returned %q", got.LetterNo, letter.LetterNo)
		}
		// One open letter at a time.
		if _, err := e.svc.Issue(e.ctx, NewTransfer{PersonID: prob.ID, ToOrgID: tr.to.ID}); !slices.Equal(errKeys(err), []string{"member.error.transfer_open"}) {
			t.Errorf("a second open letter = %v", err)
		}
		// A cancelled letter is no longer open.
		if err := e.svc.Cancel(e.ctx, letter.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.svc.GetTransfer(e.ctx, letter.ID); got.Status != TransferCancelled {
			t.Errorf("status after cancelling = %s", got.Status)
		}
		if err := e.svc.Cancel(e.ctx, letter.ID); !slices.Equal(errKeys(err), []string{"member.error.transfer_closed"}) {
			t.Errorf("cancelling twice = %v", err)
		}
		if _, err := e.svc.Receive(e.ctx, letter.ID, today); !slices.Equal(errKeys(err), []string{"member.error.transfer_closed"}) {
			t.Errorf("receiving a cancelled letter = %v", err)
		}
		numbered := e.issue(NewTransfer{PersonID: prob.ID, ToOrgID: tr.to.ID, LetterNo: "吴组介字〔2025〕12号"})
		if numbered.LetterNo != "吴组介字〔2025〕12号" {
			t.Errorf("the given letter number became %q", numbered.LetterNo)
		}
		if err := e.svc.Cancel(e.ctx, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Cancel(missing) = %v", err)
		}
		if entries, _ := audit.For(e.ctx, e.db, "transfer", letter.ID, 5); len(entries) != 2 || entries[0].Action != "cancel" || entries[1].Action != "issue" {
			t.Errorf("audit of the letter = %+v", entries)
		}
	})
}

// TestReceiveMovesTheMember: a letter received within its three months moves the
// member, with the history of both organizations and the posts of the old one ended.
func TestReceiveMovesTheMember(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDBEnv(t, db)
		tr := newTransferTree(e)
		today := e.svc.Today()
		joined := today.AddDate(-5, 0, 0)
		m := e.fullMember(tr.from.ID, "张书记", joined)
		sinceFull := addMonths(joined, 12)
		secretary := e.appoint(org.NewPost{OrgID: tr.from.ID, PersonID: m.ID, Kind: org.Secretary, StartedOn: today.AddDate(-2, 0, 0)})
		// A post in another organization (an alliance's contact point, say) is not the old branch's.
		elsewhere := e.appoint(org.NewPost{OrgID: tr.otherBranch.ID, PersonID: m.ID, Kind: org.ContactPoint, StartedOn: today.AddDate(-1, 0, 0)})

		issued := today.AddDate(0, -1, 0)
		letter := e.issue(NewTransfer{PersonID: m.ID, ToOrgID: tr.to.ID, IssuedOn: issued})
		if _, err := e.svc.Receive(e.ctx, letter.ID, issued.AddDate(0, 0, -1)); !slices.Equal(errKeys(err), []string{"development.rule.before_stage"}) {
			t.Errorf("receiving before the letter was issued = %v", err)
		}
		if _, err := e.svc.Receive(e.ctx, letter.ID, today.AddDate(0, 0, 1)); !slices.Equal(errKeys(err), []string{"development.rule.future"}) {
			t.Errorf("receiving tomorrow = %v", err)
		}
		if got := e.get(m.ID); got.OrgID != tr.from.ID {
			t.Fatalf("a refused receipt moved the member to %d", got.OrgID)
		}

		received := today.AddDate(0, 0, -10)
		got, err := e.svc.Receive(e.ctx, letter.ID, received)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != TransferReceived || got.ReceivedOn == nil || !got.ReceivedOn.Equal(received) {
			t.Errorf("Receive = %+v", got)
		}
		if stored, _ := e.svc.GetTransfer(e.ctx, letter.ID); stored.Status != TransferReceived || !stored.ReceivedOn.Equal(received) {
			t.Errorf("stored letter = %+v", stored)
		}
		if p := e.get(m.ID); p.OrgID != tr.to.ID || p.OrgName != "西村支部" || p.Stage != StageFull {
			t.Errorf("after the receipt the member is in %d (%s) as %s", p.OrgID, p.OrgName, p.Stage)
		}
		ms, err := e.svc.Memberships(e.ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 2 ||
			ms[0].OrgID != tr.from.ID || !ms[0].StartedOn.Equal(joined) || ms[0].EndedOn == nil || !ms[0].EndedOn.Equal(received) || ms[0].Via != "create" ||
			ms[1].OrgID != tr.to.ID || !ms[1].StartedOn.Equal(received) || ms[1].EndedOn != nil || ms[1].Via != "transfer" {
			t.Errorf("Memberships = %+v", ms)
		}
		posts, _ := e.orgs.PostsOf(e.ctx, m.ID)
		for _, p := range posts {
			switch p.ID {
			case secretary.ID:
				if p.EndedOn == nil || !p.EndedOn.Equal(received.AddDate(0, 0, -1)) {
					t.Errorf("the old branch's secretary post ended %v, want the day before the receipt", p.EndedOn)
				}
			case elsewhere.ID:
				if p.EndedOn != nil {
					t.Errorf("a post outside the old branch ended with the transfer")
				}
			}
		}
		if on, _ := e.orgs.PostsOn(e.ctx, tr.from.ID, today); len(on) != 0 {
			t.Errorf("the old branch still has posts today: %+v", on)
		}

		for _, c := range []struct {
			on    time.Time
			org   int64
			posts []org.PostKind
		}{
			{sinceFull, tr.from.ID, nil},
			{today.AddDate(-1, 0, 0), tr.from.ID, []org.PostKind{org.Secretary, org.ContactPoint}},
			{received.AddDate(0, 0, -1), tr.from.ID, []org.PostKind{org.Secretary, org.ContactPoint}},
			{received, tr.to.ID, []org.PostKind{org.ContactPoint}},
			{today, tr.to.ID, []org.PostKind{org.ContactPoint}},
		} {
			snap, err := e.svc.AsOf(e.ctx, m.ID, c.on)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []org.PostKind
			for _, p := range snap.Posts {
				kinds = append(kinds, p.Kind)
			}
			slices.Sort(kinds)
			want := slices.Clone(c.posts)
			slices.Sort(want)
			if snap.OrgID != c.org || !slices.Equal(kinds, want) {
				t.Errorf("AsOf(%s) = org %d with %v, want org %d with %v", isoDate(c.on), snap.OrgID, kinds, c.org, want)
			}
		}

		if _, err := e.svc.Receive(e.ctx, letter.ID, today); !slices.Equal(errKeys(err), []string{"member.error.transfer_closed"}) {
			t.Errorf("receiving twice = %v", err)
		}
		if err := e.svc.Cancel(e.ctx, letter.ID); !slices.Equal(errKeys(err), []string{"member.error.transfer_closed"}) {
			t.Errorf("cancelling a received letter = %v", err)
		}
		if _, err := e.svc.Receive(e.ctx, 999999, today); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Receive(missing) = %v", err)
		}
		// The member can move on: a new letter from the new branch.
		if next, err := e.svc.Issue(e.ctx, NewTransfer{PersonID: m.ID, ToOrgID: tr.from.ID}); err != nil || next.FromOrgID != tr.to.ID {
			t.Errorf("the next letter = %+v, %v", next, err)
		}
	})
}

func TestExpiredLetter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDBEnv(t, db)
		tr := newTransferTree(e)
		today := e.svc.Today()
		m := e.fullMember(tr.from.ID, "李党员", today.AddDate(-8, 0, 0))

		issued := addMonths(today, -4)
		old := e.issue(NewTransfer{PersonID: m.ID, ToOrgID: tr.to.ID, IssuedOn: issued})
		validUntil := addMonths(issued, 3)
		if !old.ValidUntil.Equal(validUntil) {
			t.Fatalf("valid until %s, want %s", isoDate(old.ValidUntil), isoDate(validUntil))
		}
		read, err := e.svc.GetTransfer(e.ctx, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		if read.Status != TransferExpired {
			t.Errorf("a letter past its date reads as %q, want expired", read.Status)
		}
		_, err = e.svc.Receive(e.ctx, old.ID, today)
		if got := errKeys(err); !slices.Equal(got, []string{"member.error.transfer_expired"}) {
			t.Fatalf("receiving an expired letter = %v", err)
		}
		if d := errFirst(err).Params["date"]; d != isoDate(validUntil) {
			t.Errorf("the error's date = %v, want the last valid day %s", d, isoDate(validUntil))
		}
		if _, err := e.svc.Receive(e.ctx, old.ID, validUntil.AddDate(0, 0, 1)); !slices.Equal(errKeys(err), []string{"member.error.transfer_expired"}) {
			t.Errorf("receiving the day after the last valid day = %v", err)
		}
		if p := e.get(m.ID); p.OrgID != tr.from.ID {
			t.Errorf("a refused receipt moved the member")
		}
		if ms, _ := e.svc.Memberships(e.ctx, m.ID); len(ms) != 1 || ms[0].EndedOn != nil {
			t.Errorf("a refused receipt changed the memberships: %+v", ms)
		}

		// An expired letter does not block a new one; the old one stays expired.
		fresh := e.issue(NewTransfer{PersonID: m.ID, ToOrgID: tr.otherBranch.ID})
		admin := e.account("root", true)
		list, err := e.svc.Transfers(e.ctx, org.ScopeOf(admin, org.View), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != fresh.ID || list[1].ID != old.ID || list[1].Status != TransferExpired {
			t.Errorf("Transfers = %+v, want the open letter first, then the expired one", list)
		}

		// A receipt that happened on the last valid day may be recorded late.
		if _, err := e.svc.Receive(e.ctx, old.ID, validUntil); err != nil {
			t.Fatalf("recording a receipt on the last valid day: %v", err)
		}
		if p := e.get(m.ID); p.OrgID != tr.to.ID {
			t.Errorf("after the late record the member is in %d", p.OrgID)
		}
		// The newer letter was written while the member was still in the old branch;
		// received now it would move them out of a branch they have left.
		_, err = e.svc.Receive(e.ctx, fresh.ID, today)
		if !slices.Equal(errKeys(err), []string{"member.error.transfer_stale"}) {
			t.Errorf("receiving a letter from a branch the member has left = %v", err)
		}
		ms, _ := e.svc.Memberships(e.ctx, m.ID)
		if len(ms) != 2 || ms[1].OrgID != tr.to.ID || ms[1].EndedOn != nil || !ms[1].StartedOn.Equal(validUntil) {
			t.Errorf("Memberships = %+v, want the late receipt's move only", ms)
		}
	})
}

func TestTransfersSeenFromBothSides(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newDBEnv(t, db)
		tr := newTransferTree(e)
		today := e.svc.Today()
		m := e.fullMember(tr.from.ID, "张党员", today.AddDate(-5, 0, 0))
		n := e.fullMember(tr.otherBranch.ID, "邻镇党员", today.AddDate(-5, 0, 0))
		out := e.issue(NewTransfer{PersonID: m.ID, ToOrgID: tr.to.ID})
		in := e.issue(NewTransfer{PersonID: n.ID, ToOrgID: tr.from.ID})

		fromViewer := e.account("from", false)
		e.grant(fromViewer, tr.from.ID, org.RoleViewer)
		toManager := e.account("to", false)
		e.grant(toManager, tr.to.ID, org.RoleManager)
		otherTown := e.account("other-town", false)
		e.grant(otherTown, tr.otherTown.ID, org.RoleViewer)
		stranger := e.account("stranger", false)
		stranger2 := e.account("stranger2", false)
		e.grant(stranger2, e.org(0, org.Committee, "无关党委", "").ID, org.RoleAdmin)
		admin := e.account("root", true)

		cases := []struct {
			name   string
			scope  org.Scope
			person int64
			want   []int64
		}{
			{"the sending branch", org.ScopeOf(fromViewer, org.View), 0, []int64{out.ID, in.ID}},
			{"the receiving branch", org.ScopeOf(toManager, org.View), 0, []int64{out.ID}},
			{"the other town", org.ScopeOf(otherTown, org.View), 0, []int64{in.ID}},
			{"an unrelated committee", org.ScopeOf(stranger2, org.View), 0, nil},
			{"no roles", org.ScopeOf(stranger, org.View), 0, nil},
			{"everything, one person", org.ScopeOf(admin, org.View), m.ID, []int64{out.ID}},
			{"the sending branch, the other person", org.ScopeOf(fromViewer, org.View), n.ID, []int64{in.ID}},
			{"the receiving branch asking to manage", org.ScopeOf(toManager, org.Manage), 0, []int64{out.ID}},
			{"a viewer asking to manage", org.ScopeOf(fromViewer, org.Manage), 0, nil},
		}
		for _, c := range cases {
			list, err := e.svc.Transfers(e.ctx, c.scope, c.person)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, x := range list {
				got = append(got, x.ID)
			}
			slices.Sort(got)
			want := slices.Clone(c.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s: Transfers = %v, want %v", c.name, got, want)
			}
		}
	})
}
