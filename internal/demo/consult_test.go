package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/consult"
	"vanguard/internal/demo"
	"vanguard/internal/idea"
	"vanguard/internal/member"
	"vanguard/internal/notify"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// The Renfu fireside talk is on record as seed 004 tells it — the three voices, a
// decision bound to voluntariness, its follow-up done — beside an open topic; the
// Minglong board has ideas in every status; the newcomer accounts have taken part in
// nothing.
func TestDemoDeliberationAndIdeas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		accounts := auth.New(db, auth.Options{Hash: auth.TestHashParams, DemoMode: true})
		if err := demo.Load(ctx, db, accounts); err != nil {
			t.Fatal(err)
		}
		orgs := org.New(db)
		people := member.New(db, orgs)
		notices := notify.New(db)
		topics := consult.New(db, orgs, people, notices)
		branch, _ := accounts.AccountByUsername(ctx, "branch")
		c, err := topics.CallerOf(ctx, branch)
		if err != nil {
			t.Fatal(err)
		}
		list, _, err := topics.List(ctx, c, consult.Filter{})
		if err != nil || len(list) != 2 {
			t.Fatalf("Renfu's topics = %+v, %v", list, err)
		}
		var wired, square consult.Summary
		for _, s := range list {
			if strings.Contains(s.Title, "有线管家") {
				wired = s
			} else {
				square = s
			}
		}
		now := time.Now()
		if wired.Status != consult.Done || !wired.Secret || wired.Voters < 40 || wired.Opinions < 11 || wired.Updates != 3 {
			t.Errorf("the wired housekeeping topic = %+v", wired)
		}
		tp, err := topics.Get(ctx, wired.ID)
		if err != nil {
			t.Fatal(err)
		}
		if tp.Decision == nil || tp.Decision.Conditions[0] != "坚持村民自愿原则，不强制任何一户安装" || tp.Decision.DecidedBy == "" {
			t.Errorf("the decision = %+v", tp.Decision)
		}
		threads, err := topics.Opinions(ctx, tp.ID, false)
		if err != nil || len(threads) != 11 {
			t.Fatalf("%d opinions, %v", len(threads), err)
		}
		secretary, _ := people.ByAccount(ctx, branch.ID)
		voices := map[string]bool{}
		for _, th := range threads[:3] {
			voices[th.PersonName] = true
		}
		if !voices[secretary.Name] || !strings.Contains(threads[0].Body, "小偷小摸") || !strings.Contains(threads[2].Body, "自愿原则") {
			t.Errorf("the report's three voices: %+v", threads[:3])
		}
		meetings, _ := topics.Meetings(ctx, tp.ID)
		if len(meetings) != 1 || !strings.Contains(meetings[0].Minutes, "围炉") {
			t.Errorf("the fireside meeting = %+v", meetings)
		}
		if square.PhaseAt(now) != consult.PhaseOpen || square.Voters == 0 || square.VoteKind != "choice" {
			t.Errorf("the open topic = %+v", square)
		}
		for _, name := range []string{"resident", "member"} {
			a, _ := accounts.AccountByUsername(ctx, name)
			c, _ := topics.CallerOf(ctx, a)
			for _, s := range list {
				acc, err := topics.AccessTo(ctx, c, s.Topic)
				if err != nil || !acc.TakePart {
					t.Errorf("%s may not take part in %q (%v)", name, s.Title, err)
				}
				if _, voted, _ := topics.MyVote(ctx, c, s.ID); voted {
					t.Errorf("%s has already voted on %q", name, s.Title)
				}
			}
			if n, _ := notices.Unread(ctx, a.ID); n != 3 {
				t.Errorf("%s has %d notices, want two new topics and a decision", name, n)
			}
		}

		// Minglong's golden ideas.
		ideas := idea.New(db, orgs, people, notices)
		admin, _ := accounts.AccountByUsername(ctx, "admin")
		var minglong int64
		db.QueryRowContext(ctx, `SELECT id FROM orgs WHERE code = 'TX-ML'`).Scan(&minglong)
		all, total, err := ideas.List(ctx, idea.Caller{Account: admin}, idea.Filter{OrgID: minglong})
		if err != nil || total < 10 {
			t.Fatalf("Minglong's ideas: %d, %v", total, err)
		}
		seen := map[idea.Status]int{}
		for _, i := range all {
			seen[i.Status]++
			if i.Status == idea.Adopted && (i.AdoptedAt == nil || i.ReviewerName == "") {
				t.Errorf("an adopted idea without its date or reviewer: %+v", i)
			}
			if i.Status == idea.Declined && i.Reason == "" {
				t.Errorf("a declined idea without a reason: %+v", i)
			}
		}
		for _, st := range idea.Statuses() {
			if seen[st] == 0 {
				t.Errorf("no idea is %s", st)
			}
		}
		stats, err := ideas.Stats(ctx, minglong)
		if err != nil || len(stats) < 2 {
			t.Errorf("Minglong's yearly figures = %+v, %v", stats, err)
		}
	})
}
