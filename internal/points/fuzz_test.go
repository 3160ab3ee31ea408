package points_test

// Fuzz target for the import of a learning platform's score export: whatever arrives as
// an .xlsx, the preview and the import never panic, name what they refuse in a way a
// worker can read, and the import goes in whole or not at all and counts once. Its seeds
// are small valid exports built here with excelize, and near misses of them; scripts/fuzz
// explores from them for a bounded time.

import (
	"errors"
	"testing"

	"vanguard/internal/i18n"
	"vanguard/internal/store/storetest"
)

// maxFuzzExport keeps one input small enough that the fuzzer explores instead of
// unzipping megabytes; MaxLearningBytes has its own check in the importer.
const maxFuzzExport = 256 << 10

func FuzzImportLearning(f *testing.F) {
	f.Add(sheet(f, learningHeader,
		[]any{"王 建国", "", "11010119850315001x", "一支部", "2025-11", 12},
		[]any{"李晓红", "+86 138 0000 0002", "", "一支部", "2025-Q4", 30}))
	f.Add(sheet(f, []any{"name", "phone", "period", "points"}, []any{"李晓红", "13800000002", "2025", "8.0"}))
	f.Add(sheet(f, learningHeader, // a name that disagrees and a sibling branch's member
		[]any{"王小二", "", "11010119850315001X", "", "2025-11", 10},
		[]any{"孙二支", "13800000004", "", "", "2025-11", 10}))
	f.Add(sheet(f, learningHeader, []any{"李晓红", "", "110101199506200021", "", "2025-13", -3}))
	f.Add(sheet(f, learningHeader))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("姓名,手机号,周期,积分\n李晓红,13800000002,2025-11,8\n"))

	w := newLearningWorld(f, storetest.SQLite(f))
	ledger := func(t *testing.T) (n, sum int) {
		t.Helper()
		if err := w.db.QueryRowContext(w.ctx, `SELECT COUNT(*), COALESCE(SUM(points), 0) FROM point_entries`).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		return n, sum
	}
	readable := func(t *testing.T, err error) {
		t.Helper()
		var one *i18n.Error
		var list i18n.Errors
		if !errors.As(err, &one) && !errors.As(err, &list) {
			t.Fatalf("an error a worker cannot read: %T %v", err, err)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzExport {
			return
		}
		n0, sum0 := ledger(t)
		preview, perr := w.svc.PreviewLearning(w.ctx, w.manager, data)
		if n, _ := ledger(t); n != n0 {
			t.Fatalf("a preview wrote %d ledger entries", n-n0)
		}
		done, err := w.svc.ImportLearning(w.ctx, w.manager, data)
		n1, sum1 := ledger(t)
		if err != nil {
			readable(t, err)
			if n1 != n0 {
				t.Fatalf("a refused file (%v) wrote %d ledger entries: an import is all or nothing", err, n1-n0)
			}
			if perr == nil {
				t.Fatalf("the preview accepted what the import refused: %v", err)
			}
			return
		}
		if perr != nil || preview.New != done.New || preview.Points != done.Points {
			t.Fatalf("the preview (%+v, %v) said otherwise than the import %+v", preview, perr, done)
		}
		if n1-n0 != done.New || sum1-sum0 != done.Points || done.New+done.Already != len(done.Rows) {
			t.Fatalf("an import of %d rows reported %d new with %d points and wrote %d entries with %d points",
				len(done.Rows), done.New, done.Points, n1-n0, sum1-sum0)
		}
		again, err := w.svc.ImportLearning(w.ctx, w.manager, data)
		if n2, _ := ledger(t); err != nil || again.New != 0 || n2 != n1 {
			t.Fatalf("a second import of an accepted file: %+v, %v, %d more entries", again, err, n2-n1)
		}
	})
}
