package learning_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"vanguard/internal/learning"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

func TestVisibilityAndSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		own := f.course(t, nil)
		shared := f.course(t, func(n *learning.NewCourse) {
			n.Title, n.TitleEn, n.Visibility, n.AllianceID = "纺织产业集群", "Textile industry clusters", learning.Alliance, f.alliance
		})
		public := f.course(t, func(n *learning.NewCourse) {
			n.OrgID, n.Title, n.TitleEn, n.Visibility = f.town.ID, "四敢精神", "The Four Dares", learning.Public
		})
		seen := func(name, query string) map[int64]bool {
			list, err := f.svc.Courses(f.ctx, f.caller(name), learning.Filter{Query: query})
			if err != nil {
				t.Fatal(err)
			}
			m := map[int64]bool{}
			for _, c := range list {
				m[c.ID] = true
			}
			return m
		}
		for _, tc := range []struct {
			who, query string
			want       []int64
			not        []int64
		}{
			{"carol", "", []int64{own.ID, shared.ID, public.ID}, nil},       // the group is in the village's subtree
			{"dave", "", []int64{public.ID}, []int64{own.ID, shared.ID}},    // the neighbouring village sees only the public course
			{"erin", "", []int64{shared.ID, public.ID}, []int64{own.ID}},    // the alliance's factory sees the shared course
			{"alice", "纺织", []int64{shared.ID}, []int64{own.ID, public.ID}}, // Chinese by substring
			{"alice", "four DARES", []int64{public.ID}, []int64{own.ID}},    // English without regard to case
		} {
			got := seen(tc.who, tc.query)
			for _, id := range tc.want {
				if !got[id] {
					t.Errorf("%s searching %q does not see course %d", tc.who, tc.query, id)
				}
			}
			for _, id := range tc.not {
				if got[id] {
					t.Errorf("%s searching %q sees course %d", tc.who, tc.query, id)
				}
			}
		}
		if _, err := f.svc.Course(f.ctx, f.caller("dave"), own.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("dave reads the village's course: %v", err)
		}
	})
}

func TestArticleSanitized(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.course(t, func(n *learning.NewCourse) {
			n.Lessons[0].Body = `<p onclick="steal()">学习<script>alert(1)</script><a href="javascript:x()">链接</a></p>`
		})
		body := c.Lessons[0].Body
		for _, bad := range []string{"script", "onclick", "javascript:"} {
			if strings.Contains(body, bad) {
				t.Fatalf("sanitized body keeps %q: %s", bad, body)
			}
		}
		if !strings.Contains(body, "学习") {
			t.Fatalf("sanitizing lost the text: %s", body)
		}
	})
}

func TestArticleProgressRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.course(t, nil)
		article := c.Lessons[0].ID
		alice := f.caller("alice")
		report := func(r learning.Report) (learning.Progress, error) {
			return f.svc.Report(f.ctx, alice, article, r)
		}
		// The page opens: nothing has passed yet, so a first report claiming time is refused.
		if _, err := report(learning.Report{Seconds: 30}); err == nil {
			t.Fatal("a first report claiming 30 s was accepted")
		} else {
			wantField(t, err, "seconds", "learning.error.too_much_time")
		}
		if _, err := report(learning.Report{Seconds: 0, Scroll: 0}); err != nil {
			t.Fatal(err)
		}
		f.clock.advance(20 * time.Second)
		// More time than has passed: refused, nothing counted.
		_, err := report(learning.Report{Seconds: 60, Scroll: 100})
		wantField(t, err, "seconds", "learning.error.too_much_time")
		// From the future: refused.
		_, err = report(learning.Report{Seconds: 20, Scroll: 50, At: f.clock.now().Add(time.Hour)})
		wantField(t, err, "at", "learning.error.future")
		if got := f.count(t, `SELECT seconds FROM lesson_progress WHERE lesson_id = $1`, article); got != 0 {
			t.Fatalf("refused reports counted %d s", got)
		}
		p, err := report(learning.Report{Seconds: 20, Scroll: 95, Position: 95, At: f.clock.now()})
		if err != nil {
			t.Fatal(err)
		}
		if p.Seconds != 20 || p.Completed {
			t.Fatalf("after 20 s of 60: %+v", p)
		}
		f.clock.advance(45 * time.Second)
		p, err = report(learning.Report{Seconds: 45, Scroll: 40, Position: 40})
		if err != nil {
			t.Fatal(err)
		}
		if !p.Completed || p.Seconds != 65 || p.Scroll != 95 {
			t.Fatalf("after 65 s and a full scroll: %+v", p)
		}
		// Resume on another device: the server has the position.
		cp, err := f.svc.ProgressIn(f.ctx, alice, c)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Lessons[article].Position != 40 || cp.Done != 1 || cp.Next().ID != c.Lessons[1].ID {
			t.Fatalf("progress in course: %+v", cp)
		}
		// Someone outside the village cannot report on it at all.
		if _, err := f.svc.Report(f.ctx, f.caller("dave"), article, learning.Report{}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("dave's report: %v", err)
		}
	})
}

func TestVideoSkippingToTheEndDoesNotCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.course(t, nil)
		video := c.Lessons[1].ID
		bob := f.caller("bob")
		if _, err := f.svc.Report(f.ctx, bob, video, learning.Report{}); err != nil {
			t.Fatal(err)
		}
		f.clock.advance(10 * time.Second)
		// Skipped to the end and played the last ten seconds.
		p, err := f.svc.Report(f.ctx, bob, video, learning.Report{Seconds: 10, Position: 100, Watched: [][2]int{{90, 100}}})
		if err != nil {
			t.Fatal(err)
		}
		if p.Completed || p.WatchedPercent != 10 {
			t.Fatalf("after skipping to the end: %+v", p)
		}
		// A forged report that the whole video played in ten seconds is refused.
		f.clock.advance(10 * time.Second)
		_, err = f.svc.Report(f.ctx, bob, video, learning.Report{Seconds: 10, Watched: [][2]int{{0, 100}}})
		wantField(t, err, "watched", "learning.error.watched_too_long")
		// Watching it through, a report every 15 s of play.
		for from := 0; from < 90; from += 15 {
			f.clock.advance(15 * time.Second)
			p, err = f.svc.Report(f.ctx, bob, video, learning.Report{Seconds: 15, Position: from + 15, Watched: [][2]int{{from, min(from+15, 90)}}})
			if err != nil {
				t.Fatal(err)
			}
		}
		if !p.Completed || p.WatchedPercent != 100 {
			t.Fatalf("after watching it through: %+v", p)
		}
		if p.CourseCompleted {
			t.Fatal("the course completed without its article")
		}
	})
}

func TestTwoTabsNeverDoubleCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.course(t, nil)
		article := c.Lessons[0].ID
		alice := f.caller("alice")
		if _, err := f.svc.Report(f.ctx, alice, article, learning.Report{}); err != nil {
			t.Fatal(err)
		}
		f.clock.advance(30 * time.Second)
		// Two tabs report the same 30 s at once, several times over.
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.svc.Report(f.ctx, alice, article, learning.Report{Seconds: 30, Scroll: 50})
			}()
		}
		wg.Wait()
		accepted := 0
		for _, err := range errs {
			if err == nil {
				accepted++
			}
		}
		if accepted != 1 {
			t.Fatalf("%d of the racing reports were accepted: %v", accepted, errs)
		}
		if got := f.count(t, `SELECT seconds FROM lesson_progress WHERE lesson_id = $1`, article); got != 30 {
			t.Fatalf("30 s reported by two tabs counted as %d s", got)
		}
	})
}
