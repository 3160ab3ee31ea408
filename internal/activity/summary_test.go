package activity_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// yearCounts is one organization's year: the months of the activities that count for
// each kind's rule, the talks' pairs and months, and the attendance.
type yearCounts struct {
	held       map[string][]int
	talks      []string
	attendance [4]int
}

func (y yearCounts) String() string {
	var kinds []string
	for k, ms := range y.held {
		sort.Ints(ms)
		kinds = append(kinds, fmt.Sprintf("%s%v", k, ms))
	}
	sort.Strings(kinds)
	sort.Strings(y.talks)
	return fmt.Sprintf("held %v talks %v attendance %v", kinds, y.talks, y.attendance)
}

// storedSummaries reads the calendar's summary rows as they are.
func storedSummaries(e *env) map[string]string {
	e.t.Helper()
	rows, err := e.db.QueryContext(e.ctx, `SELECT org_id, year, held, talks, present, late, on_leave, absent FROM activity_org_years`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id int64
		var year int
		var held, talks string
		y := yearCounts{held: map[string][]int{}}
		if err := rows.Scan(&id, &year, &held, &talks, &y.attendance[0], &y.attendance[1], &y.attendance[2], &y.attendance[3]); err != nil {
			e.t.Fatal(err)
		}
		for _, part := range strings.Split(held, ";") {
			kind, months, ok := strings.Cut(part, "=")
			if !ok {
				continue
			}
			for _, m := range strings.Split(months, ",") {
				var n int
				fmt.Sscan(m, &n)
				y.held[kind] = append(y.held[kind], n)
			}
		}
		if talks != "" {
			y.talks = strings.Split(talks, ";")
		}
		out[fmt.Sprintf("%d/%d", id, year)] = y.String()
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// recount counts the same from the activities, their hosts and attendance, and the posts,
// without the service's derived columns.
func recount(e *env) map[string]string {
	e.t.Helper()
	type held struct {
		id      int64
		kind    activity.Kind
		start   time.Time
		speaker int64
	}
	rows, err := e.db.QueryContext(e.ctx, `SELECT id, kind, starts_at, COALESCE(speaker_id, 0) FROM activities WHERE status = 'held'`)
	if err != nil {
		e.t.Fatal(err)
	}
	var list []held
	for rows.Next() {
		var h held
		if err := rows.Scan(&h.id, &h.kind, &h.start, &h.speaker); err != nil {
			e.t.Fatal(err)
		}
		list = append(list, h)
	}
	rows.Close()
	out := map[string]*yearCounts{}
	for _, h := range list {
		var hosts []int64
		for _, a := range mustActivity(e, h.id).Hosts {
			hosts = append(hosts, a.OrgID)
		}
		var tally [4]int
		var attended []int64
		people, err := e.svc.Attendees(e.ctx, h.id)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, p := range people {
			switch p.Presence {
			case activity.Present:
				tally[0]++
			case activity.Late:
				tally[1]++
			case activity.OnLeave:
				tally[2]++
			case activity.Absent:
				tally[3]++
			}
			if p.Presence.Attended() {
				attended = append(attended, p.PersonID)
			}
		}
		local := h.start.In(beijing)
		d := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
		for _, o := range hosts {
			key := fmt.Sprintf("%d/%d", o, local.Year())
			y := out[key]
			if y == nil {
				y = &yearCounts{held: map[string][]int{}}
				out[key] = y
			}
			for i := range tally {
				y.attendance[i] += tally[i]
			}
			counts := true
			if h.kind == activity.PartyLecture {
				counts = false
				posts, err := e.orgs.PostsOn(e.ctx, o, d)
				if err != nil {
					e.t.Fatal(err)
				}
				for _, p := range posts {
					counts = counts || (p.Kind == org.Secretary && p.PersonID == h.speaker && h.speaker != 0)
				}
			}
			if counts {
				y.held[string(h.kind)] = append(y.held[string(h.kind)], int(local.Month()))
			}
			if h.kind == activity.HeartTalk && len(attended) == 2 {
				slices.Sort(attended)
				y.talks = append(y.talks, fmt.Sprintf("%d-%d-%d", attended[0], attended[1], local.Month()))
			}
		}
	}
	strs := map[string]string{}
	for k, y := range out {
		strs[k] = y.String()
	}
	return strs
}

func mustActivity(e *env, id int64) activity.Activity {
	e.t.Helper()
	a, err := e.svc.Get(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// The calendar's summary rows agree with a recount from the activities after any
// sequence of plans, reschedules, changes of hosts and kind, holds, cancellations and
// roll-call corrections — across a year's end and a change of secretary.
func TestSummariesAgreeWithRecount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		var branches []int64
		var people []int64
		for i, size := range []int{4, 3, 2} {
			b := e.org(root.ID, org.Branch, fmt.Sprintf("支部%d", i))
			branches = append(branches, b.ID)
			for j := range size {
				people = append(people, e.full(b.ID, fmt.Sprintf("党员%d-%d", i, j)).ID)
			}
		}
		for _, p := range []struct {
			person int64
			from   time.Time
		}{{people[0], time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}, {people[1], time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC)}} {
			if _, err := e.orgs.Appoint(e.ctx, e.db, org.NewPost{OrgID: branches[0], PersonID: p.person, Kind: org.Secretary, StartedOn: p.from}); err != nil {
				t.Fatal(err)
			}
		}
		kinds := []activity.Kind{activity.GeneralMeeting, activity.PartyLecture, activity.HeartTalk, activity.HeartTalk, activity.ThemeDay}
		presences := []activity.Presence{activity.Present, activity.Late, activity.OnLeave, activity.Absent}
		rng := rand.New(rand.NewPCG(4, 21))
		e.clock.Set(time.Date(2025, 3, 1, 10, 0, 0, 0, beijing))
		randomInput := func() activity.Input {
			hosts := []int64{branches[rng.IntN(3)]}
			if rng.IntN(4) == 0 {
				hosts = append(hosts, branches[rng.IntN(3)])
			}
			in := meeting(hosts...)
			in.Kind = kinds[rng.IntN(len(kinds))]
			// From November to February: some across the year's end, and some on the
			// evening of a month's last day in Beijing.
			in.StartsAt = time.Date(2024, 11, 1, 18, 0, 0, 0, beijing).Add(time.Duration(rng.IntN(120*24)) * time.Hour)
			in.EndsAt = in.StartsAt.Add(time.Hour)
			if rng.IntN(2) == 0 {
				in.SpeakerID = people[rng.IntN(3)]
			}
			return in
		}
		var planned, held []int64
		pick := func(list *[]int64) int64 {
			i := rng.IntN(len(*list))
			id := (*list)[i]
			*list = slices.Delete(*list, i, i+1)
			return id
		}
		for step := range 120 {
			switch op := rng.IntN(6); {
			case op == 0 || len(planned) == 0:
				planned = append(planned, e.create(randomInput()).ID)
			case op == 1:
				id := planned[rng.IntN(len(planned))]
				if _, err := e.svc.Update(e.ctx, e.admin, id, randomInput()); err != nil {
					t.Fatal(err)
				}
			case op == 2:
				e.move(pick(&planned), activity.Cancelled)
			case op == 3 || len(held) == 0:
				id := pick(&planned)
				e.move(id, activity.Held)
				held = append(held, id)
			default:
				id := held[rng.IntN(len(held))]
				for _, h := range held { // talks are corrected more often than meetings
					if mustActivity(e, h).Kind == activity.HeartTalk && rng.IntN(3) == 0 {
						id = h
					}
				}
				var marks []activity.Mark
				audience := mustActivityPeople(e, id)
				talk := mustActivity(e, id).Kind == activity.HeartTalk && rng.IntN(3) > 0
				for i, p := range audience {
					switch {
					case talk: // two talked (or, now and then, three)
						presence := activity.Absent
						if i < 2 || (i == 2 && rng.IntN(4) == 0) {
							presence = activity.Present
						}
						marks = append(marks, activity.Mark{PersonID: p, Presence: presence})
					case rng.IntN(2) == 0:
						marks = append(marks, activity.Mark{PersonID: p, Presence: presences[rng.IntN(len(presences))]})
					}
				}
				if _, err := e.svc.RecordRollCall(e.ctx, e.admin, id, activity.RollCall{Marks: marks}); err != nil {
					t.Fatal(err)
				}
			}
			if step%10 == 9 {
				got, want := storedSummaries(e), recount(e)
				for k, w := range want {
					if got[k] != w {
						t.Fatalf("step %d: %s is\n%s\nrecounted\n%s", step, k, got[k], w)
					}
				}
				for k, g := range got {
					if _, ok := want[k]; !ok {
						t.Fatalf("step %d: %s summarized but nothing held: %s", step, k, g)
					}
				}
			}
		}
		if talks := e.count(`SELECT COUNT(*) FROM activity_hosts WHERE talk_a IS NOT NULL`); len(held) < 10 || talks < 3 {
			t.Fatalf("%d activities held, %d talks: the sequence tests little", len(held), talks)
		}
		// The migration's backfill and a rebuild give the same rows.
		before := storedSummaries(e)
		if err := e.svc.RebuildSummaries(e.ctx); err != nil {
			t.Fatal(err)
		}
		if after := storedSummaries(e); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("rebuilt summaries differ:\n%v\n%v", after, before)
		}
	})
}

func mustActivityPeople(e *env, id int64) []int64 {
	e.t.Helper()
	list, err := e.svc.Attendees(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []int64
	for _, a := range list {
		ids = append(ids, a.PersonID)
	}
	return ids
}
