package activity_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/audit"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// The record is edited freely until it locks; afterwards corrections are amendments kept
// beside the original.
func TestRecordLocksAndAmends(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		branch := e.org(root.ID, org.Branch, "支部")
		other := e.org(root.ID, org.Branch, "别的支部")
		e.full(branch.ID, "党员")
		secretary := e.manager("secretary", branch.ID)
		outsider := e.manager("outsider", other.ID)
		act := e.create(meeting(branch.ID))

		// A draft before the meeting, then the real minutes after it.
		if _, err := e.svc.SaveRecord(e.ctx, secretary, act.ID, "草稿", nil); err != nil {
			t.Fatalf("draft: %v", err)
		}
		if _, err := e.svc.SaveRecord(e.ctx, outsider, act.ID, "篡改", nil); !errors.Is(err, activity.ErrForbidden) {
			t.Errorf("an outsider saved the record: %v", err)
		}
		e.clock.Set(act.EndsAt)
		e.move(act.ID, activity.Held)
		r, err := e.svc.SaveRecord(e.ctx, secretary, act.ID, " 会议传达了精神。 ", []string{"通过甲决议", " ", "通过乙决议"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Minutes != "会议传达了精神。" || !slices.Equal(r.Resolutions, []string{"通过甲决议", "通过乙决议"}) || r.Locked {
			t.Errorf("record = %+v", r)
		}
		if _, err := e.svc.Amend(e.ctx, secretary, act.ID, activity.Change{Minutes: ptr("x"), Reason: "why"}); !slices.Equal(errKeys(err), []string{"activity.error.record_open"}) {
			t.Errorf("amending an open record: %v", err)
		}

		// Seven days later it is locked.
		e.clock.Add(activity.RecordLockDays*24*time.Hour - time.Second)
		if _, err := e.svc.SaveRecord(e.ctx, secretary, act.ID, "会议传达了精神。", []string{"通过甲决议", "通过乙决议"}); err != nil {
			t.Errorf("a second before the lock: %v", err)
		}
		e.clock.Add(time.Second)
		before := e.snapshot()
		if _, err := e.svc.SaveRecord(e.ctx, secretary, act.ID, "改写", nil); !slices.Equal(errKeys(err), []string{"activity.error.record_locked"}) {
			t.Errorf("saving a locked record: %v", err)
		}
		if _, err := e.svc.Amend(e.ctx, secretary, act.ID, activity.Change{Minutes: ptr("改写")}); !slices.Equal(errKeys(err), []string{"error.required"}) {
			t.Errorf("an amendment without a reason: %v", err)
		}
		if _, err := e.svc.Amend(e.ctx, secretary, act.ID, activity.Change{Minutes: ptr("会议传达了精神。"), Reason: "无"}); !slices.Equal(errKeys(err), []string{"activity.error.amend_nothing"}) {
			t.Errorf("an amendment that changes nothing: %v", err)
		}
		if e.snapshot() != before {
			t.Error("refused changes to a locked record changed the database")
		}
		ctx := asActor(e.ctx, "secretary")
		r, err = e.svc.Amend(ctx, secretary, act.ID, activity.Change{Minutes: ptr("会议传达了精神，并作出部署。"),
			Resolutions: []string{"通过甲决议", "通过乙决议", "补录丙决议"}, Reason: "漏记一项决议"})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Locked || r.Minutes != "会议传达了精神。" || len(r.Resolutions) != 2 {
			t.Errorf("the original changed: %+v", r)
		}
		if r.CurrentMinutes() != "会议传达了精神，并作出部署。" || len(r.CurrentResolutions()) != 3 || len(r.Amendments) != 2 ||
			r.Amendments[0].Reason != "漏记一项决议" || r.Amendments[0].Before != "会议传达了精神。" {
			t.Errorf("amended record = %+v", r)
		}
		lines, _ := audit.For(e.ctx, e.db, "activity", act.ID, 10)
		if len(lines) == 0 || lines[0].Action != "amend" || lines[0].Actor != "secretary" {
			t.Errorf("audit = %+v", lines)
		}
		// A second amendment builds on the first.
		r, _ = e.svc.Amend(e.ctx, secretary, act.ID, activity.Change{Resolutions: []string{"通过甲决议"}, Reason: "乙丙并入甲"})
		if !slices.Equal(r.CurrentResolutions(), []string{"通过甲决议"}) || r.CurrentMinutes() != "会议传达了精神，并作出部署。" {
			t.Errorf("after a second amendment: %v / %q", r.CurrentResolutions(), r.CurrentMinutes())
		}
		// A cancelled activity has no record to write.
		b := e.create(meeting(branch.ID))
		e.move(b.ID, activity.Cancelled)
		if _, err := e.svc.SaveRecord(e.ctx, secretary, b.ID, "x", nil); !slices.Equal(errKeys(err), []string{"activity.error.cancelled"}) {
			t.Errorf("the record of a cancelled activity: %v", err)
		}
	})
}

// Follow-up tasks have an owner and a due date, and their progress is tracked until they
// are closed, also after the record locks; changing them after the lock is an amendment.
func TestTasks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		root := e.org(0, org.Committee, "党委")
		branch := e.org(root.ID, org.Branch, "支部")
		other := e.org(root.ID, org.Branch, "别的支部")
		owner := e.full(branch.ID, "负责人")
		deputy := e.full(branch.ID, "副手")
		secretary := e.manager("secretary", branch.ID)
		outsider := e.manager("outsider", other.ID)
		in := meeting(branch.ID)
		in.Kind = activity.StudyMeeting
		act := e.create(in)
		e.clock.Set(act.EndsAt)
		e.move(act.ID, activity.Held)

		due := time.Date(2025, 4, 30, 0, 0, 0, 0, time.UTC)
		bad := []struct {
			name  string
			n     activity.NewTask
			field string
			key   string
		}{
			{"no title", activity.NewTask{OwnerID: owner.ID, DueOn: due}, "title", "error.required"},
			{"no owner", activity.NewTask{Title: "落实", DueOn: due}, "owner_id", "error.required"},
			{"no due date", activity.NewTask{Title: "落实", OwnerID: owner.ID}, "due_on", "error.required"},
			{"no such owner", activity.NewTask{Title: "落实", OwnerID: 999999, DueOn: due}, "owner_id", "activity.error.person_missing"},
		}
		for _, c := range bad {
			_, err := e.svc.AddTask(e.ctx, secretary, act.ID, c.n)
			if got := errOf(err); got == nil || got.Field != c.field || got.Key != c.key {
				t.Errorf("%s: %v, want %s on %s", c.name, err, c.key, c.field)
			}
		}
		if _, err := e.svc.AddTask(e.ctx, outsider, act.ID, activity.NewTask{Title: "x", OwnerID: owner.ID, DueOn: due}); !errors.Is(err, activity.ErrForbidden) {
			t.Errorf("an outsider added a task: %v", err)
		}
		// A due date given as a Beijing midnight is that date.
		task, err := e.svc.AddTask(e.ctx, secretary, act.ID, activity.NewTask{Title: "把会议精神转化为三项具体任务", OwnerID: owner.ID,
			DueOn: time.Date(2025, 4, 30, 0, 0, 0, 0, beijing)})
		if err != nil {
			t.Fatal(err)
		}
		if !task.DueOn.Equal(due) || task.OwnerName != "负责人" || task.ClosedAt != nil {
			t.Errorf("task = %+v", task)
		}
		if _, err := e.svc.Progress(e.ctx, secretary, task.ID, " ", false); !slices.Equal(errKeys(err), []string{"error.required"}) {
			t.Errorf("an empty note: %v", err)
		}
		if _, err := e.svc.OwnerProgress(e.ctx, deputy.ID, task.ID, "我来写", false); !errors.Is(err, activity.ErrForbidden) {
			t.Errorf("someone else's task: %v", err)
		}
		if _, err := e.svc.OwnerProgress(e.ctx, owner.ID, task.ID, "已完成第一项", false); err != nil {
			t.Fatal(err)
		}

		// The record locks; progress goes on, edits become amendments.
		e.clock.Add(activity.RecordLockDays * 24 * time.Hour)
		if _, err := e.svc.EditTask(e.ctx, secretary, task.ID, activity.NewTask{Title: task.Title, OwnerID: deputy.ID, DueOn: due}); !slices.Equal(errKeys(err), []string{"activity.error.amend_reason"}) {
			t.Errorf("editing after the lock without a reason: %v", err)
		}
		edited, err := e.svc.EditTask(e.ctx, secretary, task.ID, activity.NewTask{Title: task.Title, OwnerID: deputy.ID, DueOn: due.AddDate(0, 1, 0), Reason: "人事调整"})
		if err != nil || edited.OwnerID != deputy.ID || !edited.DueOn.Equal(due.AddDate(0, 1, 0)) {
			t.Fatalf("edit: %+v, %v", edited, err)
		}
		if _, err := e.svc.AddTask(e.ctx, secretary, act.ID, activity.NewTask{Title: "补充任务", OwnerID: owner.ID, DueOn: due, Reason: "上级要求补充"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Progress(e.ctx, secretary, task.ID, "三项任务均已完成", true); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.OwnerProgress(e.ctx, deputy.ID, task.ID, "再补一句", false); !slices.Equal(errKeys(err), []string{"activity.error.task_closed"}) {
			t.Errorf("progress on a closed task: %v", err)
		}
		r, err := e.svc.Record(e.ctx, act.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Tasks) != 2 || r.Tasks[0].Title != "补充任务" || r.Tasks[1].ClosedAt == nil || len(r.Tasks[1].Notes) != 2 ||
			r.Tasks[1].Notes[0].PersonID != owner.ID {
			t.Errorf("tasks = %+v", r.Tasks)
		}
		if len(r.Amendments) != 2 || r.Amendments[0].Part != activity.PartTask || r.Amendments[0].Reason != "人事调整" || r.Amendments[1].Before != "" {
			t.Errorf("amendments = %+v", r.Amendments)
		}

		// Lists: open tasks in scope, overdue ones, a person's own.
		open, err := e.svc.Tasks(e.ctx, secretary, activity.TaskFilter{OrgID: root.ID, OpenOnly: true})
		if err != nil || len(open) != 1 || open[0].Title != "补充任务" || !open[0].Overdue(e.clock.Now().AddDate(0, 2, 0)) || open[0].Overdue(due) {
			t.Errorf("open tasks = %+v, %v", open, err)
		}
		if list, _ := e.svc.Tasks(e.ctx, outsider, activity.TaskFilter{}); len(list) != 0 {
			t.Errorf("an outsider sees %d tasks", len(list))
		}
		if list, _ := e.svc.Tasks(e.ctx, secretary, activity.TaskFilter{DueBy: due.AddDate(0, 0, -1)}); len(list) != 0 {
			t.Errorf("due before the 30th: %+v", list)
		}
		if mine, _ := e.svc.TasksOf(e.ctx, deputy.ID); len(mine) != 1 || mine[0].ClosedAt == nil {
			t.Errorf("the deputy's tasks = %+v", mine)
		}
	})
}

func ptr[T any](v T) *T { return &v }
