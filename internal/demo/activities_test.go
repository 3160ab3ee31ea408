package demo_test

import (
	"context"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/auth"
	"vanguard/internal/demo"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// The demo holds the seeds' activities, a telling compliance calendar for Shengze, and
// a planned Renfu theme day the demo member is invited to.
func TestDemoActivities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		accounts := auth.New(db, auth.Options{Hash: auth.TestHashParams, DemoMode: true})
		if err := demo.Load(ctx, db, accounts); err != nil {
			t.Fatal(err)
		}
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, title := range []string{"微党课：发挥“四敢”精神，展现明龙新面貌", "传达学习全市三级干部大会精神",
			"技术中心党支部与车间第二党支部联席会议", "党建联盟企业交流互访：互学互鉴促发展", "冬训“世界500强”车间课堂"} {
			if n := count(`SELECT COUNT(*) FROM activities WHERE title = $1 AND status = 'held'`, title); n != 1 {
				t.Errorf("%d held activities %q", n, title)
			}
		}
		if n := count(`SELECT COUNT(*) FROM activity_hosts h JOIN activities a ON a.id = h.activity_id WHERE a.title = $1`, "技术中心党支部与车间第二党支部联席会议"); n != 2 {
			t.Errorf("the joint meeting has %d hosts", n)
		}
		if n := count(`SELECT COUNT(*) FROM activity_tasks t JOIN activities a ON a.id = t.activity_id WHERE a.title = $1`, "传达学习全市三级干部大会精神"); n != 3 {
			t.Errorf("the study meeting has %d tasks", n)
		}

		orgs := org.New(db)
		svc := activity.New(db, activity.Options{})
		shengze, err := orgs.ByCode(ctx, db, "SZ")
		if err != nil {
			t.Fatal(err)
		}
		year := time.Now().In(time.FixedZone("CST", 8*3600)).Year()
		cal, err := svc.Calendar(ctx, shengze.ID, year)
		if err != nil {
			t.Fatal(err)
		}
		if cal.Total.Held == 0 || cal.Total.Overdue == 0 {
			t.Errorf("the Shengze calendar is not telling: %+v", cal.Total)
		}

		// The July lectures count where the secretary gave them, not where a guest did.
		if time.Now().In(time.FixedZone("CST", 8*3600)).Month() > time.June {
			held := map[string]int{}
			for _, o := range cal.Orgs {
				for _, r := range o.Rules {
					if r.Kind == activity.PartyLecture {
						held[o.Name] = r.Periods[0].Held
					}
				}
			}
			if held["中共仁复村支部委员会"] != 1 || held["中共沈家村支部委员会"] != 0 {
				t.Errorf("secretaries' lectures held: %v", held)
			}
		}

		a, err := accounts.Authenticate(ctx, "member", auth.DemoPassword, "test")
		if err != nil {
			t.Fatal(err)
		}
		p, err := member.New(db, orgs).ByAccount(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		invs, err := svc.ForPerson(ctx, p.ID, time.Now(), time.Now().AddDate(0, 0, 8))
		if err != nil {
			t.Fatal(err)
		}
		if len(invs) != 1 || invs[0].Status != activity.Planned {
			t.Errorf("the demo member's coming week: %+v", invs)
		}
		renfu, _ := orgs.ByCode(ctx, db, "SZ-RF")
		town, _ := accounts.Authenticate(ctx, "town", auth.DemoPassword, "test")
		inactive, err := svc.InactiveMembers(ctx, org.ScopeOf(town, org.View), renfu.ID, time.Now().AddDate(0, -6, 0))
		if err != nil {
			t.Fatal(err)
		}
		if len(inactive) < 2 {
			t.Errorf("Renfu has %d members without organizational life", len(inactive))
		}
	})
}
