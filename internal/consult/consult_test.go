package consult_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"vanguard/internal/consult"
	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// errKey returns the catalog key of a person-facing error, or "" for any other.
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

// Voting twice changes the vote and never counts twice.
func TestVotingTwiceChangesTheVoteAndCountsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tp := f.topic(t, nil)
		c := f.caller("villager")
		agree, disagree := option(t, tp, "agree"), option(t, tp, "disagree")
		if _, err := f.svc.Cast(f.ctx, c, tp.ID, agree); err != nil {
			t.Fatal(err)
		}
		v, err := f.svc.Cast(f.ctx, c, tp.ID, disagree)
		if err != nil {
			t.Fatal(err)
		}
		if v.OptionID != disagree || v.Changes != 1 {
			t.Errorf("after changing, the vote is %+v, want disagree with one change", v)
		}
		if _, err := f.svc.Cast(f.ctx, c, tp.ID, disagree); err != nil {
			t.Fatal(err)
		}
		tally, err := f.svc.Results(f.ctx, tp)
		if err != nil {
			t.Fatal(err)
		}
		if tally.Total != 1 || tally.Counts[1].Votes != 1 || tally.Counts[0].Votes != 0 {
			t.Fatalf("tally = %+v, want one vote, for disagree", tally)
		}
		if mine, ok, err := f.svc.MyVote(f.ctx, c, tp.ID); err != nil || !ok || mine.OptionID != disagree || mine.Changes != 1 {
			t.Errorf("own vote = %+v %v %v", mine, ok, err)
		}
		// An option of another topic is no option here.
		other := f.topic(t, nil)
		if _, err := f.svc.Cast(f.ctx, c, tp.ID, option(t, other, "agree")); errKey(err) != "consult.error.option" {
			t.Errorf("an option of another topic = %v", err)
		}
	})
}

// No vote or opinion before the window opens or after it closes.
func TestVotingOutsideTheWindowIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		now := time.Now()
		later := f.topic(t, func(n *consult.NewTopic) { n.OpensAt, n.ClosesAt = now.Add(time.Hour), now.Add(2*time.Hour) })
		over := f.topic(t, func(n *consult.NewTopic) { n.OpensAt, n.ClosesAt = now.Add(-2*time.Hour), now.Add(-time.Hour) })
		c := f.caller("veteran")
		if _, err := f.svc.Cast(f.ctx, c, later.ID, option(t, later, "agree")); errKey(err) != "consult.error.not_open" {
			t.Errorf("a vote before the window = %v", err)
		}
		if _, err := f.svc.Cast(f.ctx, c, over.ID, option(t, over, "agree")); errKey(err) != "consult.error.closed" {
			t.Errorf("a vote after the window = %v", err)
		}
		if _, err := f.svc.Give(f.ctx, c, over.ID, consult.NewOpinion{Stance: consult.StanceFor, Body: "晚了"}); errKey(err) != "consult.error.closed" {
			t.Errorf("an opinion after the window = %v", err)
		}
		// A decision closes a running vote at once.
		open := f.topic(t, nil)
		if _, err := f.svc.Decide(f.as("secretary"), open.ID, consult.NewDecision{Text: "建设"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Cast(f.ctx, c, open.ID, option(t, open, "agree")); errKey(err) != "consult.error.closed" {
			t.Errorf("a vote after the decision = %v", err)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM votes`); n != 0 {
			t.Fatalf("%d votes recorded outside windows", n)
		}
	})
}

// Members only, members and residents, named representatives: each admits its own, the
// members of the groups below included, and no one else.
func TestEligibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		members := f.topic(t, func(n *consult.NewTopic) { n.Eligibility = consult.Members })
		everyone := f.topic(t, nil)
		reps := f.topic(t, func(n *consult.NewTopic) {
			n.Eligibility, n.Representatives = consult.Representatives, []int64{f.persons["villager"].ID, f.persons["neighbour"].ID}
		})
		cases := []struct {
			topic consult.Topic
			who   string
			ok    bool
		}{
			{members, "veteran", true}, {members, "grouper", true}, {members, "villager", false}, {members, "neighbour", false},
			{everyone, "villager", true}, {everyone, "applicant", true}, {everyone, "grouper", true}, {everyone, "neighbour", false},
			{reps, "villager", true}, {reps, "neighbour", true}, {reps, "veteran", false},
		}
		for _, c := range cases {
			_, err := f.svc.Cast(f.ctx, f.caller(c.who), c.topic.ID, option(t, c.topic, "agree"))
			if c.ok && err != nil || !c.ok && errKey(err) != "consult.error.not_eligible" {
				t.Errorf("%s on the %s topic: %v, want allowed=%v", c.who, c.topic.Eligibility, err, c.ok)
			}
			acc, err := f.svc.AccessTo(f.ctx, f.caller(c.who), c.topic)
			if err != nil || acc.TakePart != c.ok || acc.View != c.ok || acc.Manage {
				t.Errorf("%s on the %s topic: access %+v %v", c.who, c.topic.Eligibility, acc, err)
			}
		}
		// An account without a person record reads with a role but takes part never.
		worker := consult.Caller{Account: f.accounts["secretary"]}
		if _, err := f.svc.Cast(f.ctx, worker, everyone.ID, option(t, everyone, "agree")); errKey(err) != "consult.error.no_person" {
			t.Errorf("a vote without a person = %v", err)
		}
		if acc, _ := f.svc.AccessTo(f.ctx, worker, everyone); !acc.View || !acc.Manage || acc.TakePart {
			t.Errorf("the secretary's account alone: %+v", acc)
		}
		if n, err := f.svc.EligibleCount(f.ctx, members.ID); err != nil || n != 3 {
			t.Errorf("members-only audience = %d (%v), want veteran, grouper, secretary", n, err)
		}
		// Lists show each person the topics they may read.
		for who, want := range map[string]int{"villager": 2, "neighbour": 1, "grouper": 2, "secretary": 3} {
			list, total, err := f.svc.List(f.ctx, f.caller(who), consult.Filter{})
			if err != nil || total != want || len(list) != want {
				t.Errorf("%s lists %d topics (%d, %v), want %d", who, len(list), total, err, want)
			}
		}
	})
}

// A secret ballot's individual votes are never read: the list of voters carries names
// only, whatever is asked; the audit log records that a person voted, not how.
func TestSecretBallotKeepsVotesSecret(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tp := f.topic(t, func(n *consult.NewTopic) { n.Secret, n.Results = true, consult.ResultsAfterClose })
		disagree := option(t, tp, "disagree")
		for _, who := range []string{"veteran", "villager"} {
			if _, err := f.svc.Cast(f.ctx, f.caller(who), tp.ID, disagree); err != nil {
				t.Fatal(err)
			}
		}
		voters, err := f.svc.Voters(f.ctx, tp, true)
		if err != nil || len(voters) != 2 {
			t.Fatalf("voters = %+v, %v", voters, err)
		}
		for _, v := range voters {
			if v.OptionID != 0 {
				t.Errorf("a secret ballot's voter shows option %d", v.OptionID)
			}
		}
		d, err := f.svc.Detail(f.ctx, f.caller("secretary"), tp, consult.Access{View: true, Manage: true})
		if err != nil {
			t.Fatal(err)
		}
		if d.Tally != nil {
			t.Error("results after the close are shown while the vote runs")
		}
		if len(d.Voters) != 2 || d.MyVote != nil {
			t.Errorf("participation = %+v, the secretary's own vote = %+v", d.Voters, d.MyVote)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'vote' AND after_json LIKE '%option%'`); n != 0 {
			t.Errorf("%d audit lines record how someone voted on a secret ballot", n)
		}
		// A voter sees their own vote.
		if mine, ok, _ := f.svc.MyVote(f.ctx, f.caller("villager"), tp.ID); !ok || mine.OptionID != disagree {
			t.Errorf("the voter's own vote = %+v", mine)
		}
		// After the close, the count, still no individual vote.
		if _, err := f.svc.Decide(f.as("secretary"), tp.ID, consult.NewDecision{Text: "暂缓"}); err != nil {
			t.Fatal(err)
		}
		tp, _ = f.svc.Get(f.ctx, tp.ID)
		d, err = f.svc.Detail(f.ctx, f.caller("grouper"), tp, consult.Access{View: true, TakePart: true})
		if err != nil || d.Tally == nil || d.Tally.Total != 2 {
			t.Fatalf("after the close the tally = %+v (%v)", d.Tally, err)
		}
		for _, v := range d.Voters {
			if v.OptionID != 0 {
				t.Error("after the close a secret ballot shows a voter's option")
			}
		}
		// An open ballot with live results shows who chose what.
		open := f.topic(t, nil)
		if _, err := f.svc.Cast(f.ctx, f.caller("veteran"), open.ID, option(t, open, "agree")); err != nil {
			t.Fatal(err)
		}
		d, _ = f.svc.Detail(f.ctx, f.caller("grouper"), open, consult.Access{View: true, TakePart: true})
		if len(d.Voters) != 1 || d.Voters[0].OptionID != option(t, open, "agree") {
			t.Errorf("an open ballot's voters = %+v", d.Voters)
		}
	})
}

// Opinions: stances, replies, editing one's own only, moderation with a visible reason.
func TestOpinionsRepliesEditingAndModeration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tp := f.topic(t, func(n *consult.NewTopic) {
			n.VoteKind, n.Options = "choice", []string{"全额补贴", "补贴一半", "自费"}
		})
		script := `<script>alert("x")</script>装了安心`
		op, err := f.svc.Give(f.ctx, f.caller("villager"), tp.ID, consult.NewOpinion{Stance: consult.StanceOption, OptionID: option(t, tp, "补贴一半"), Body: script})
		if err != nil {
			t.Fatal(err)
		}
		if op.Body != script {
			t.Errorf("the opinion is stored as %q: the service keeps text as written, pages escape it", op.Body)
		}
		if _, err := f.svc.Give(f.ctx, f.caller("villager"), tp.ID, consult.NewOpinion{Stance: "maybe", Body: "x"}); errKey(err) != "consult.error.stance" {
			t.Errorf("an unknown stance = %v", err)
		}
		if _, err := f.svc.Give(f.ctx, f.caller("villager"), tp.ID, consult.NewOpinion{Stance: consult.StanceFor}); errKey(err) != "error.required" {
			t.Errorf("an empty opinion = %v", err)
		}
		reply, err := f.svc.Give(f.ctx, f.caller("veteran"), tp.ID, consult.NewOpinion{Body: "同意，村里出一部分", ReplyTo: op.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Give(f.ctx, f.caller("grouper"), tp.ID, consult.NewOpinion{Body: "我也同意", ReplyTo: reply.ID}); err != nil {
			t.Fatal(err)
		}
		// The villager is told of the reply, and only of it (not of their own opinion).
		notes, _ := f.notices.List(f.ctx, f.accounts["villager"].ID, 10)
		replies := 0
		for _, n := range notes {
			if n.Message.Key == "notify.opinion_reply" {
				replies++
			}
		}
		if replies != 1 {
			t.Errorf("the villager has %d reply notices, want 1: %+v", replies, notes)
		}
		// Editing another person's opinion is refused, one's own is not.
		if _, err := f.svc.Edit(f.ctx, f.caller("veteran"), tp.ID, op.ID, consult.NewOpinion{Stance: consult.StanceAgainst, Body: "改掉"}); !errors.Is(err, consult.ErrNotYours) {
			t.Errorf("editing another's opinion = %v", err)
		}
		if _, err := f.svc.Edit(f.ctx, consult.Caller{Account: f.accounts["secretary"]}, tp.ID, op.ID, consult.NewOpinion{Body: "改掉"}); !errors.Is(err, consult.ErrNotYours) {
			t.Errorf("a moderator editing an opinion = %v", err)
		}
		edited, err := f.svc.Edit(f.ctx, f.caller("villager"), tp.ID, op.ID, consult.NewOpinion{Stance: consult.StanceFor, Body: "装了安心"})
		if err != nil || edited.Body != "装了安心" || edited.EditedAt == nil || edited.Stance != consult.StanceFor {
			t.Fatalf("editing one's own = %+v, %v", edited, err)
		}
		// Moderation: the reason is shown instead of the text, to everyone but moderators.
		if err := f.svc.Hide(f.as("secretary"), tp.ID, reply.ID, ""); errKey(err) != "error.required" {
			t.Errorf("hiding without a reason = %v", err)
		}
		if err := f.svc.Hide(f.as("secretary"), tp.ID, reply.ID, "含有他人电话号码"); err != nil {
			t.Fatal(err)
		}
		threads, err := f.svc.Opinions(f.ctx, tp.ID, false)
		if err != nil || len(threads) != 1 || len(threads[0].Replies) != 2 {
			t.Fatalf("threads = %+v, %v", threads, err)
		}
		hidden := threads[0].Replies[0]
		if !hidden.Hidden || hidden.Body != "" || hidden.HiddenReason != "含有他人电话号码" {
			t.Errorf("a hidden reply reads %+v", hidden)
		}
		if threads[0].Replies[1].ReplyToName != "veteran" {
			t.Errorf("the reply to a reply names %q", threads[0].Replies[1].ReplyToName)
		}
		modView, _ := f.svc.Opinions(f.ctx, tp.ID, true)
		if modView[0].Replies[0].Body == "" {
			t.Error("a moderator does not see the hidden text")
		}
		if _, err := f.svc.Edit(f.ctx, f.caller("veteran"), tp.ID, reply.ID, consult.NewOpinion{Body: "再改"}); errKey(err) != "consult.error.hidden" {
			t.Errorf("editing a hidden opinion = %v", err)
		}
		// An opinion of another topic is not found under this one.
		other := f.topic(t, nil)
		if err := f.svc.Hide(f.as("secretary"), other.ID, op.ID, "x"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("hiding through another topic = %v", err)
		}
	})
}

// A decision with its conditions; updates until done; the status table refuses the rest;
// every move has its history row; the audience is told.
func TestDecisionFollowUpAndStatusTable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tp := f.topic(t, nil)
		if err := f.svc.AddUpdate(f.as("secretary"), tp.ID, "开始安装", false); errKey(err) != "consult.error.updates" {
			t.Errorf("an update before the decision = %v", err)
		}
		d := consult.NewDecision{Text: "建设“有线管家”", Reasons: "多数赞成", Conditions: []string{"坚持村民自愿原则", "", "党员带头宣传"},
			OptionID: option(t, tp, "agree")}
		decided, err := f.svc.Decide(f.as("secretary"), tp.ID, d)
		if err != nil {
			t.Fatal(err)
		}
		if decided.Status != consult.Decided || decided.Decision == nil || len(decided.Decision.Conditions) != 2 ||
			decided.Decision.Conditions[0] != "坚持村民自愿原则" || decided.Decision.DecidedBy != "secretary" {
			t.Fatalf("decided topic = %+v %+v", decided, decided.Decision)
		}
		if decided.PhaseAt(time.Now()) != consult.PhaseDecided || decided.ClosesAt.After(time.Now()) {
			t.Error("the decision did not close the vote")
		}
		if _, err := f.svc.Decide(f.as("secretary"), tp.ID, d); errKey(err) != "consult.error.transition" {
			t.Errorf("deciding twice = %v", err)
		}
		if err := f.svc.AddMeeting(f.as("secretary"), tp.ID, consult.NewMeeting{Title: "围炉议事", HeldOn: time.Now(), URL: "javascript:alert(1)"}); errKey(err) != "consult.error.url" {
			t.Errorf("a javascript: link = %v", err)
		}
		if err := f.svc.AddMeeting(f.as("secretary"), tp.ID, consult.NewMeeting{Title: "围炉议事", HeldOn: time.Now(), Minutes: "与会者围炉煮茶……"}); err != nil {
			t.Fatal(err)
		}
		for _, u := range []struct {
			body string
			done bool
		}{{"首批 30 户完成安装", false}, {"全部自愿户安装完毕", true}} {
			if err := f.svc.AddUpdate(f.as("secretary"), tp.ID, u.body, u.done); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.svc.AddUpdate(f.as("secretary"), tp.ID, "还有", false); errKey(err) != "consult.error.updates" {
			t.Errorf("an update after done = %v", err)
		}
		history, err := f.svc.History(f.ctx, tp.ID)
		if err != nil || len(history) != 3 || history[0].To != consult.Open || history[1].To != consult.Decided ||
			history[1].Note != "closed_early" || history[2].To != consult.Done || history[2].By != "secretary" {
			t.Fatalf("history = %+v, %v", history, err)
		}
		for _, m := range [][2]consult.Status{{consult.Open, consult.Done}, {consult.Done, consult.Open}, {consult.Decided, consult.Open}} {
			if consult.CanMove(m[0], m[1]) {
				t.Errorf("the table allows %s → %s", m[0], m[1])
			}
		}
		// Notices: the new topic and the decision, to the audience but not the secretary.
		for who, want := range map[string]int{"villager": 2, "grouper": 2, "neighbour": 0, "secretary": 0} {
			if n := f.count(t, `SELECT COUNT(*) FROM notifications WHERE account_id = $1 AND key IN ('notify.topic_new', 'notify.topic_decided')`,
				f.accounts[who].ID); n != want {
				t.Errorf("%s has %d topic notices, want %d", who, n, want)
			}
		}
	})
}

// A thousand people vote at the same moment, some of them twice: every vote is counted
// once, on both engines.
func TestThousandConcurrentVotesCountOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		const voters = 1000
		// The villagers are written directly: the person service's checks are not what is
		// under test, and a thousand of them through it would dominate the run.
		now := time.Now()
		err := db.InTx(f.ctx, func(tx *store.Tx) error {
			for i := 0; i < voters; i += 100 {
				var b strings.Builder
				args := []any{f.village.ID, member.StageResident, now}
				b.WriteString(`INSERT INTO people (name, org_id, stage, created_at, updated_at) VALUES `)
				for j := i; j < i+100; j++ {
					if j > i {
						b.WriteString(", ")
					}
					args = append(args, fmt.Sprintf("村民%04d", j))
					fmt.Fprintf(&b, "($%d, $1, $2, $3, $3)", len(args))
				}
				if _, err := tx.ExecContext(f.ctx, b.String(), args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.QueryContext(f.ctx, `SELECT id, org_id, stage FROM people WHERE name LIKE '村民%' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		var people []member.Person
		for rows.Next() {
			var p member.Person
			if err := rows.Scan(&p.ID, &p.OrgID, &p.Stage); err != nil {
				t.Fatal(err)
			}
			people = append(people, p)
		}
		rows.Close()
		if len(people) != voters {
			t.Fatalf("%d villagers", len(people))
		}
		tp := f.topic(t, nil)
		agree, disagree := option(t, tp, "agree"), option(t, tp, "disagree")
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, voters+voters/10)
		vote := func(p member.Person, optionID int64) {
			defer wg.Done()
			<-start
			if _, err := f.svc.Cast(f.ctx, consult.Caller{Person: &p}, tp.ID, optionID); err != nil {
				errs <- err
			}
		}
		for i, p := range people {
			wg.Add(1)
			go vote(p, agree)
			if i%10 == 0 { // one in ten changes their mind at the same moment
				wg.Add(1)
				go vote(p, disagree)
			}
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("a concurrent vote failed: %v", err)
		}
		tally, err := f.svc.Results(f.ctx, tp)
		if err != nil {
			t.Fatal(err)
		}
		if tally.Total != voters {
			t.Fatalf("%d votes counted for %d voters", tally.Total, voters)
		}
		if n := f.count(t, `SELECT COUNT(DISTINCT person_id) FROM votes WHERE topic_id = $1`, tp.ID); n != voters {
			t.Fatalf("%d distinct voters recorded", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'vote'`); n != voters+voters/10 {
			t.Errorf("%d vote audit lines, want one per request (%d)", n, voters+voters/10)
		}
	})
}
