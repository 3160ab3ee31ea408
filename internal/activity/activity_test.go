package activity_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// The kinds are exactly the issue's list, each named in the catalog, and each says
// whether it is organizational life.
func TestKindsAreTheIssuesList(t *testing.T) {
	want := map[activity.Kind]bool{
		activity.GeneralMeeting: true, activity.CommitteeMeeting: true, activity.GroupMeeting: true,
		activity.PartyLecture: true, activity.ThemeDay: true, activity.StudyMeeting: true, activity.LifeMeeting: true,
		activity.DemocraticAppraisal: true, activity.HeartTalk: true, activity.JointMeeting: true,
		activity.AllianceActivity: false, activity.ExchangeVisit: false, activity.WinterTraining: true,
		activity.VolunteerService: false, activity.Deliberation: false, activity.OtherKind: false,
	}
	got := activity.Kinds()
	if len(got) != len(want) {
		t.Fatalf("%d kinds, want %d", len(got), len(want))
	}
	for _, k := range got {
		orgLife, ok := want[k.Kind]
		if !ok {
			t.Errorf("unexpected kind %s", k.Kind)
			continue
		}
		delete(want, k.Kind)
		if k.OrgLife != orgLife || k.Kind.OrgLife() != orgLife || !k.Kind.Valid() {
			t.Errorf("%s: org life %v, want %v", k.Kind, k.OrgLife, orgLife)
		}
	}
	if activity.Kind("party_dinner").Valid() {
		t.Error("an unknown kind is valid")
	}
}

func TestTransitionTable(t *testing.T) {
	cases := []struct {
		from, to activity.Status
		ok       bool
	}{
		{activity.Planned, activity.Held, true},
		{activity.Planned, activity.Cancelled, true},
		{activity.Planned, activity.Planned, false},
		{activity.Held, activity.Cancelled, false},
		{activity.Held, activity.Planned, false},
		{activity.Cancelled, activity.Held, false},
		{activity.Cancelled, activity.Planned, false},
		{activity.Planned, "postponed", false},
	}
	for _, c := range cases {
		if got := activity.CanMove(c.from, c.to); got != c.ok {
			t.Errorf("CanMove(%s, %s) = %v, want %v", c.from, c.to, got, c.ok)
		}
	}
}

// A bad input is refused naming the field, and nothing is saved.
func TestCreateRefusesBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		branch := e.org(root.ID, org.Branch, "第一支部")
		other := e.org(root.ID, org.Branch, "第二支部")
		gone := e.org(root.ID, org.Branch, "撤销的支部")
		if err := e.orgs.Dissolve(e.ctx, gone.ID, t0); err != nil {
			t.Fatal(err)
		}
		secretary := e.manager("secretary", branch.ID)
		cases := []struct {
			name  string
			sc    org.Scope
			edit  func(in *activity.Input)
			field string
			key   string
		}{
			{"end before start", e.admin, func(in *activity.Input) { in.EndsAt = in.StartsAt.Add(-time.Minute) }, "ends_at", "activity.error.ends_before_starts"},
			{"end at start", e.admin, func(in *activity.Input) { in.EndsAt = in.StartsAt }, "ends_at", "activity.error.ends_before_starts"},
			{"no end", e.admin, func(in *activity.Input) { in.EndsAt = time.Time{} }, "ends_at", "error.required"},
			{"no start", e.admin, func(in *activity.Input) { in.StartsAt = time.Time{} }, "starts_at", "error.required"},
			{"no title", e.admin, func(in *activity.Input) { in.Title = "  " }, "title", "error.required"},
			{"unknown kind", e.admin, func(in *activity.Input) { in.Kind = "party_dinner" }, "kind", "activity.error.kind"},
			{"no host", e.admin, func(in *activity.Input) { in.HostIDs = nil }, "host_ids", "error.required"},
			{"a host not managed", secretary, func(in *activity.Input) { in.HostIDs = []int64{branch.ID, other.ID} }, "host_ids", "activity.error.host"},
			{"a dissolved host", e.admin, func(in *activity.Input) { in.HostIDs = []int64{gone.ID} }, "host_ids", "activity.error.host"},
			{"no such host", e.admin, func(in *activity.Input) { in.HostIDs = []int64{999999} }, "host_ids", "activity.error.host"},
			{"a script link", e.admin, func(in *activity.Input) { in.OnlineLink = "javascript:alert(1)" }, "online_link", "activity.error.online_link"},
			{"no such speaker", e.admin, func(in *activity.Input) { in.SpeakerID = 999999 }, "speaker_id", "activity.error.person_missing"},
			{"no such person", e.admin, func(in *activity.Input) { in.PersonIDs = []int64{999999} }, "person_ids", "activity.error.person_missing"},
		}
		before := e.snapshot()
		for _, c := range cases {
			in := meeting(branch.ID)
			c.edit(&in)
			_, err := e.svc.Create(e.ctx, c.sc, in)
			got := errOf(err)
			if got == nil || got.Field != c.field || got.Key != c.key {
				t.Errorf("%s: err = %v, want %s on %s", c.name, err, c.key, c.field)
			}
		}
		if after := e.snapshot(); after != before {
			t.Errorf("refused creations changed the database:\n%s\nthen\n%s", before, after)
		}
		// The secretary plans for their own branch, online.
		in := meeting(branch.ID)
		in.OnlineLink = "https://meeting.example.cn/j/123"
		a, err := e.svc.Create(e.ctx, secretary, in)
		if err != nil {
			t.Fatalf("the secretary's own meeting: %v", err)
		}
		if a.Status != activity.Planned || len(a.Hosts) != 1 || a.Hosts[0].Name != "第一支部" || !a.StartsAt.Equal(in.StartsAt) ||
			a.OnlineLink != in.OnlineLink || a.SpeakerName != "书记" {
			t.Errorf("created %+v", a)
		}
		if h, _ := e.svc.History(e.ctx, a.ID); len(h) != 1 || h[0].From != "" || h[0].To != activity.Planned {
			t.Errorf("history = %+v", h)
		}
	})
}

// The audience: members of the hosts' subtrees, people chosen by name, and the
// development stages and non-members only when asked for.
func TestAudienceIsMaterialized(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		branch := e.org(root.ID, org.Branch, "第一支部")
		group := e.org(branch.ID, org.Group, "第一党小组")
		other := e.org(root.ID, org.Branch, "第二支部")
		full := e.full(branch.ID, "正式党员")
		probationary := e.person(branch.ID, "预备党员", member.StageProbationary)
		inGroup := e.full(group.ID, "小组党员")
		activist := e.person(branch.ID, "积极分子", member.StageActivist)
		applicant := e.person(group.ID, "申请人", member.StageApplicant)
		resident := e.person(branch.ID, "群众", member.StageResident)
		elsewhere := e.full(other.ID, "别的支部党员")
		teacher := e.person(other.ID, "班主任", member.StageResident)

		ids := func(m map[int64]activity.Presence) []int64 {
			var out []int64
			for id, p := range m {
				if p != activity.Invited {
					t.Errorf("person %d is %s, want invited", id, p)
				}
				out = append(out, id)
			}
			slices.Sort(out)
			return out
		}
		sorted := func(ps ...member.Person) []int64 {
			var out []int64
			for _, p := range ps {
				out = append(out, p.ID)
			}
			slices.Sort(out)
			return out
		}

		a := e.create(meeting(branch.ID))
		if got, want := ids(e.presences(a.ID)), sorted(full, probationary, inGroup); !slices.Equal(got, want) {
			t.Errorf("members only: %v, want %v", got, want)
		}

		// Seed 000: "all party members, activists joining the party, and personnel above
		// the class teacher".
		in := meeting(branch.ID)
		in.Kind = activity.PartyLecture
		in.IncludeDevelopment = true
		in.PersonIDs = []int64{teacher.ID}
		b := e.create(in)
		if got, want := ids(e.presences(b.ID)), sorted(full, probationary, inGroup, activist, applicant, teacher); !slices.Equal(got, want) {
			t.Errorf("with activists and a chosen person: %v, want %v", got, want)
		}
		if !slices.Equal(b.PersonIDs, []int64{teacher.ID}) {
			t.Errorf("PersonIDs = %v", b.PersonIDs)
		}

		// Update: non-members of the branch join; the teacher, who asked for leave, stays
		// invited although no longer chosen; the activists, who did nothing, are uninvited.
		if err := e.svc.RequestLeave(e.ctx, b.ID, teacher.ID, "出差"); err != nil {
			t.Fatal(err)
		}
		in.IncludeDevelopment, in.IncludeNonMembers, in.PersonIDs = false, true, nil
		if _, err := e.svc.Update(e.ctx, e.admin, b.ID, in); err != nil {
			t.Fatal(err)
		}
		if got, want := ids(e.presences(b.ID)), sorted(full, probationary, inGroup, resident, teacher); !slices.Equal(got, want) {
			t.Errorf("after the update: %v, want %v", got, want)
		}

		// A joint meeting of two branches invites both.
		joint := meeting(branch.ID, other.ID)
		joint.Kind = activity.JointMeeting
		c := e.create(joint)
		if got, want := ids(e.presences(c.ID)), sorted(full, probationary, inGroup, elsewhere); !slices.Equal(got, want) {
			t.Errorf("joint meeting: %v, want %v", got, want)
		}
		if len(c.Hosts) != 2 {
			t.Errorf("hosts = %+v", c.Hosts)
		}

		// The member's own list of invitations.
		inv, err := e.svc.ForPerson(e.ctx, full.ID, t0, t0.AddDate(0, 1, 0))
		if err != nil || len(inv) != 3 {
			t.Fatalf("ForPerson = %d, %v; want 3", len(inv), err)
		}
		if inv[0].Presence != activity.Invited || len(inv[0].Hosts) == 0 {
			t.Errorf("invitation = %+v", inv[0])
		}
	})
}

// Joint and alliance activities cross host units; every host must be one the caller
// manages, and a manager of any one host may run the activity.
func TestHostsAcrossUnits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		steel, err := e.orgs.CreateUnit(e.ctx, e.db, org.Unit{Name: "钢铁集团", Kind: "enterprise"})
		if err != nil {
			t.Fatal(err)
		}
		village, err := e.orgs.CreateUnit(e.ctx, e.db, org.Unit{Name: "东村", Kind: "village"})
		if err != nil {
			t.Fatal(err)
		}
		town := e.org(0, org.Committee, "镇党委")
		a := e.orgInUnit(town.ID, org.Branch, "钢铁支部", steel.ID)
		b := e.orgInUnit(town.ID, org.Branch, "东村支部", village.ID)
		ma := e.full(a.ID, "甲")
		mb := e.full(b.ID, "乙")
		secA := e.manager("sec-a", a.ID)
		secB := e.manager("sec-b", b.ID)
		townAccount := e.account("town", town.ID)
		both := org.ScopeOf(townAccount, org.Manage)
		outsider := e.manager("outsider")

		in := meeting(a.ID, b.ID)
		in.Kind = activity.AllianceActivity
		if _, err := e.svc.Create(e.ctx, secA, in); !slices.Equal(errKeys(err), []string{"activity.error.host"}) {
			t.Fatalf("a secretary of one host created for both: %v", err)
		}
		act, err := e.svc.Create(e.ctx, both, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range []org.Scope{secA, secB} {
			if ok, _ := e.svc.InScope(e.ctx, sc, act.ID); !ok {
				t.Error("a host's secretary does not see the joint activity")
			}
		}
		e.clock.Set(in.StartsAt)
		if _, err := e.svc.RecordRollCall(e.ctx, secB, act.ID, activity.RollCall{Marks: []activity.Mark{{PersonID: ma.ID, Presence: activity.Present}}}); err != nil {
			t.Errorf("the other host's secretary marks: %v", err)
		}
		if _, err := e.svc.RecordRollCall(e.ctx, outsider, act.ID, activity.RollCall{Marks: []activity.Mark{{PersonID: mb.ID, Presence: activity.Present}}}); !errors.Is(err, activity.ErrForbidden) {
			t.Errorf("an outsider marks: %v", err)
		}
		if _, err := e.svc.Update(e.ctx, secA, act.ID, in); !slices.Equal(errKeys(err), []string{"activity.error.host"}) {
			t.Errorf("a secretary of one host edited both hosts: %v", err)
		}
		if _, err := e.svc.Move(e.ctx, outsider, act.ID, activity.Held, ""); !errors.Is(err, activity.ErrForbidden) {
			t.Errorf("an outsider held it: %v", err)
		}
		if _, err := e.svc.Move(e.ctx, secA, 999999, activity.Held, ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("moving a missing activity: %v", err)
		}
		list, err := e.svc.List(e.ctx, org.ScopeOf(townAccount, org.View), activity.Filter{OrgID: town.ID, Subtree: true})
		if err != nil || len(list) != 1 || list[0].ID != act.ID || len(list[0].Hosts) != 2 {
			t.Errorf("List = %+v, %v", list, err)
		}
		if list, _ := e.svc.List(e.ctx, outsider, activity.Filter{}); len(list) != 0 {
			t.Errorf("an outsider lists %d activities", len(list))
		}
	})
}

// Moves follow the table, each leaves a history row, and holding an activity turns the
// invitations nobody acted on into absences.
func TestMoves(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		branch := e.org(root.ID, org.Branch, "支部")
		came := e.full(branch.ID, "来了")
		away := e.full(branch.ID, "请假")
		missed := e.full(branch.ID, "缺席")
		pending := e.full(branch.ID, "未批")
		a := e.create(meeting(branch.ID))

		if _, err := e.svc.Move(e.ctx, e.admin, a.ID, activity.Held, ""); !slices.Equal(errKeys(err), []string{"activity.error.held_before_start"}) {
			t.Errorf("held before it starts: %v", err)
		}
		for _, p := range []member.Person{away, pending} {
			if err := e.svc.RequestLeave(e.ctx, a.ID, p.ID, "外出学习"); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.svc.DecideLeave(e.ctx, e.admin, a.ID, away.ID, true); err != nil {
			t.Fatal(err)
		}
		e.clock.Set(a.StartsAt.Add(5 * time.Minute))
		if _, err := e.svc.RecordRollCall(e.ctx, e.admin, a.ID, activity.RollCall{Marks: []activity.Mark{{PersonID: came.ID, Presence: activity.Present}}}); err != nil {
			t.Fatal(err)
		}
		e.clock.Set(a.EndsAt)
		held := e.move(a.ID, activity.Held)
		if held.Status != activity.Held || held.HeldAt == nil || held.LocksAt == nil ||
			!held.LocksAt.Equal(held.HeldAt.Add(activity.RecordLockDays*24*time.Hour)) {
			t.Errorf("held = %+v", held)
		}
		want := map[int64]activity.Presence{came.ID: activity.Present, away.ID: activity.OnLeave, missed.ID: activity.Absent, pending.ID: activity.Absent}
		if got := e.presences(a.ID); !mapsEqual(got, want) {
			t.Errorf("after holding: %v, want %v", got, want)
		}
		for _, to := range []activity.Status{activity.Cancelled, activity.Planned, activity.Held} {
			if _, err := e.svc.Move(e.ctx, e.admin, a.ID, to, ""); !slices.Equal(errKeys(err), []string{"activity.error.move"}) {
				t.Errorf("held → %s: %v", to, err)
			}
		}
		b := e.create(meeting(branch.ID))
		if _, err := e.svc.Move(e.ctx, e.admin, b.ID, activity.Cancelled, "台风"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Move(e.ctx, e.admin, b.ID, activity.Held, ""); !slices.Equal(errKeys(err), []string{"activity.error.move"}) {
			t.Errorf("cancelled → held: %v", err)
		}
		h, err := e.svc.History(e.ctx, b.ID)
		if err != nil || len(h) != 2 || h[1].From != activity.Planned || h[1].To != activity.Cancelled || h[1].Note != "台风" {
			t.Errorf("history = %+v, %v", h, err)
		}
		if _, err := e.svc.Update(e.ctx, e.admin, b.ID, meeting(branch.ID)); !slices.Equal(errKeys(err), []string{"activity.error.not_planned"}) {
			t.Errorf("editing a cancelled activity: %v", err)
		}
	})
}

// A general meeting's quorum: more than half of the voting (full) members present,
// counted when it is held and kept up to date by later corrections.
func TestQuorum(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		branch := e.org(root.ID, org.Branch, "支部")
		var full []member.Person
		for _, n := range []string{"一", "二", "三", "四"} {
			full = append(full, e.full(branch.ID, n))
		}
		prob := e.person(branch.ID, "预备", member.StageProbationary)
		a := e.create(meeting(branch.ID))
		e.clock.Set(a.StartsAt)
		// Two of four voting members and a probationary member (who has no vote).
		marks := []activity.Mark{{PersonID: full[0].ID, Presence: activity.Present}, {PersonID: full[1].ID, Presence: activity.Late},
			{PersonID: prob.ID, Presence: activity.Present}}
		if _, err := e.svc.RecordRollCall(e.ctx, e.admin, a.ID, activity.RollCall{Marks: marks}); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.svc.Get(e.ctx, a.ID); got.Quorum != nil {
			t.Errorf("a planned meeting has a quorum %+v", got.Quorum)
		}
		e.clock.Set(a.EndsAt)
		held := e.move(a.ID, activity.Held)
		if q := held.Quorum; q == nil || q.Voting != 4 || q.Present != 2 || q.Met {
			t.Errorf("quorum = %+v, want 2 of 4, missed", q)
		}
		// A correction within the lock period: the third came after all.
		if _, err := e.svc.RecordRollCall(e.ctx, e.admin, a.ID, activity.RollCall{Marks: []activity.Mark{{PersonID: full[2].ID, Presence: activity.Late}}}); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.svc.Get(e.ctx, a.ID); got.Quorum == nil || got.Quorum.Present != 3 || !got.Quorum.Met {
			t.Errorf("after the correction: %+v", got.Quorum)
		}
		// Other kinds have no quorum.
		in := meeting(branch.ID)
		in.Kind = activity.ThemeDay
		b := e.create(in)
		e.clock.Set(b.EndsAt)
		if got := e.move(b.ID, activity.Held); got.Quorum != nil {
			t.Errorf("a theme day has a quorum %+v", got.Quorum)
		}
	})
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
