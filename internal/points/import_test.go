package points_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/points"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// learningWorld is a committee with a branch the manager manages and a sibling branch
// they do not, each with people who have ID numbers and phones.
type learningWorld struct {
	ctx              context.Context
	db               *store.DB
	svc              *points.Service
	manager          auth.Account
	wang, li, zhao   int64 // in the managed branch
	outside          int64 // in the sibling branch
	managed, sibling int64
}

func newLearningWorld(t testing.TB, db *store.DB) *learningWorld {
	t.Helper()
	ctx := context.Background()
	orgs := org.New(db)
	mk := func(parent int64, kind org.Kind, name string) int64 {
		o, err := orgs.Create(ctx, org.NewOrg{ParentID: parent, Kind: kind, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	root := mk(0, org.Committee, "镇党委")
	w := &learningWorld{ctx: ctx, db: db, svc: points.New(db)}
	w.managed, w.sibling = mk(root, org.Branch, "一支部"), mk(root, org.Branch, "二支部")
	a, err := auth.New(db, auth.Options{Hash: auth.TestHashParams}).CreateAccount(ctx, auth.NewAccount{Username: "sec", Password: "a long passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	if err := orgs.GrantRole(ctx, db, a.ID, w.managed, org.RoleManager); err != nil {
		t.Fatal(err)
	}
	w.manager = a
	person := func(orgID int64, name, id, phone, stage string) int64 {
		var pid int64
		err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, `INSERT INTO people (name, id_number, phone, org_id, stage, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, name, id, phone, orgID, stage, time.Now()).Scan(&pid)
		})
		if err != nil {
			t.Fatal(err)
		}
		return pid
	}
	w.wang = person(w.managed, "王建国", "11010119850315001X", "13800000001", "full")
	w.li = person(w.managed, "李晓红", "110101199506200021", "13800000002", "full")
	w.zhao = person(w.managed, "赵小明", "110101200001010031", "13800000003", "resident")
	w.outside = person(w.sibling, "孙二支", "110101198001010041", "13800000004", "full")
	return w
}

func sheet(t testing.TB, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var learningHeader = []any{"姓名", "手机号", "身份证号", "组织", "周期", "积分"}

func (w *learningWorld) total(t *testing.T, person int64, period string) int {
	t.Helper()
	n, err := w.svc.Total(w.ctx, person, period)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLearningImportMatchesPeopleAndCountsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newLearningWorld(t, db)
		now := time.Now()
		thisMonth := points.MonthOf(points.DayOf(now)).Name
		file := sheet(t, learningHeader,
			[]any{"王 建国", "", "11010119850315001x", "一支部", "2025-11", 12}, // by ID number, a space in the name, a lower-case x
			[]any{"李晓红", "+86 138 0000 0002", "", "一支部", "2025-Q4", 30},   // by phone
			[]any{"王建国", "", "11010119850315001X", "一支部", thisMonth, 5},   // the current month: dated today
		)
		preview, err := w.svc.PreviewLearning(w.ctx, w.manager, file)
		if err != nil {
			t.Fatalf("preview: %v", err)
		}
		if preview.New != 3 || preview.Points != 47 || preview.Already != 0 {
			t.Fatalf("preview: %d new, %d points, %d already", preview.New, preview.Points, preview.Already)
		}
		if w.total(t, w.wang, "2025") != 0 {
			t.Fatal("a preview recorded points")
		}
		done, err := w.svc.ImportLearning(w.ctx, w.manager, file)
		if err != nil || done.New != 3 {
			t.Fatalf("import: %+v %v", done, err)
		}
		if got := w.total(t, w.wang, "2025-11"); got != 12 {
			t.Errorf("王建国 has %d points in 2025-11, want 12", got)
		}
		if got := w.total(t, w.li, "2025-12"); got != 30 {
			t.Errorf("李晓红's quarter is dated on its last day: %d points in 2025-12, want 30", got)
		}
		if got := w.total(t, w.wang, points.DayOf(now).String()); got != 5 {
			t.Errorf("the current month's row is dated today: %d points today, want 5", got)
		}

		again, err := w.svc.ImportLearning(w.ctx, w.manager, file)
		if err != nil {
			t.Fatalf("second import: %v", err)
		}
		if again.New != 0 || again.Already != 3 || w.total(t, w.wang, "2025-11") != 12 {
			t.Errorf("a second import of the same file added %d rows (already %d), total %d", again.New, again.Already, w.total(t, w.wang, "2025-11"))
		}
		preview, err = w.svc.PreviewLearning(w.ctx, w.manager, file)
		if err != nil || preview.Already != 3 {
			t.Errorf("the preview of an imported file says %d rows already imported (%v)", preview.Already, err)
		}
	})
}

func TestLearningImportNamesEveryBadRowAndRecordsNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newLearningWorld(t, db)
		file := sheet(t, learningHeader,
			[]any{"王建国", "", "11010119850315001X", "", "2025-11", 10}, // good
			[]any{"王小二", "", "11010119850315001X", "", "2025-11", 10}, // 3: the name disagrees
			[]any{"孙二支", "13800000004", "", "", "2025-11", 10},        // 4: outside the manager's organizations
			[]any{"李晓红", "", "110101199506200021", "", "2025-13", 10}, // 5: no such month
			[]any{"李晓红", "", "110101199506200021", "", "2025-10", -3}, // 6: bad points
			[]any{"李晓红", "", "", "", "2025-10", 3},                    // 7: neither number
		)
		_, err := w.svc.ImportLearning(w.ctx, w.manager, file)
		var errs i18n.Errors
		if !errors.As(err, &errs) {
			t.Fatalf("want row errors, got %v", err)
		}
		rows := map[int]string{}
		for _, e := range errs {
			rows[e.Row] = e.Field
		}
		// The file's own mistakes are named before any matching is tried.
		for row, field := range map[int]string{5: "period", 6: "points", 7: "id_number"} {
			if rows[row] != field {
				t.Errorf("row %d: want an error on %s, got %q (all: %v)", row, field, rows[row], rows)
			}
		}
		if w.total(t, w.wang, "2025") != 0 {
			t.Fatal("a refused file recorded the good row")
		}

		matching := sheet(t, learningHeader,
			[]any{"王建国", "", "11010119850315001X", "", "2025-11", 10},
			[]any{"王小二", "", "11010119850315001X", "", "2025-11", 10},
			[]any{"孙二支", "13800000004", "", "", "2025-11", 10},
			[]any{"王建国", "13800000001", "", "", "2025-11", 4},
		)
		_, err = w.svc.ImportLearning(w.ctx, w.manager, matching)
		if !errors.As(err, &errs) {
			t.Fatalf("want row errors, got %v", err)
		}
		rows = map[int]string{}
		for _, e := range errs {
			rows[e.Row] = e.Key
		}
		want := map[int]string{3: "points.import.error.name", 4: "points.import.error.unmatched", 5: "points.import.error.repeated"}
		for row, key := range want {
			if rows[row] != key {
				t.Errorf("row %d: want %s, got %q (all: %v)", row, key, rows[row], rows)
			}
		}
		if rows[2] != "" {
			t.Errorf("the good row was blamed: %s", rows[2])
		}
		if w.total(t, w.wang, "2025") != 0 {
			t.Fatal("a refused file recorded something")
		}

		// A refusal of the ledger (a resident earns no learning points) is found by the
		// preview already, on its row, and the import records nothing either.
		stage := sheet(t, learningHeader,
			[]any{"王建国", "", "11010119850315001X", "", "2025-11", 10},
			[]any{"赵小明", "", "110101200001010031", "", "2025-11", 4},
		)
		for name, run := range map[string]func(context.Context, auth.Account, []byte) (points.LearningPreview, error){
			"preview": w.svc.PreviewLearning, "import": w.svc.ImportLearning} {
			_, err = run(w.ctx, w.manager, stage)
			if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Row != 3 || errs[0].Key != "points.error.stage" || errs[0].Field != "person_id" {
				t.Errorf("%s: want the stage refused on row 3, got %v", name, err)
			}
		}
		if w.total(t, w.wang, "2025") != 0 {
			t.Fatal("a refused file recorded the good row")
		}
	})
}

func TestLearningImportRefusesWhatIsNotAnExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newLearningWorld(t, db)
		for name, data := range map[string][]byte{
			"text":       []byte("姓名,积分\n王建国,3\n"),
			"no columns": sheet(t, []any{"姓名", "备注"}, []any{"王建国", "x"}),
			"no rows":    sheet(t, learningHeader),
		} {
			_, err := w.svc.PreviewLearning(w.ctx, w.manager, data)
			var errs i18n.Errors
			var one *i18n.Error
			if !errors.As(err, &errs) && !errors.As(err, &one) {
				t.Errorf("%s: want a person-facing error, got %v", name, err)
			}
		}
	})
}
