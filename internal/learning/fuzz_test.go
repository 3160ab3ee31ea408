package learning_test

// Fuzz target for the question-bank importer: whatever arrives as an .xlsx, the import
// never panics, names what it refuses in a way a worker can read, and goes in whole or
// not at all. Its seeds are small valid workbooks built here with excelize, and near misses
// of them; scripts/fuzz explores from them for a bounded time.

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"vanguard/internal/i18n"
	"vanguard/internal/store/storetest"
)

// maxFuzzWorkbook keeps one input small enough that the fuzzer explores instead of
// unzipping megabytes; the size limit itself has its own check in the importer.
const maxFuzzWorkbook = 256 << 10

func FuzzImportQuestions(f *testing.F) {
	good := [][]string{questionHeader,
		{"单选", "盛泽被称为", "丝绸之都", "钢铁之都", "", "A", "盛泽是丝绸之都", "冬训"},
		{"多选", "冬训的形式有", "云微课", "围炉议事", "打卡", "AB", "", "冬训，四敢"},
		{"判断", "学习积分按在线时长计", "", "", "", "错", "", "冬训"},
		{"填空", "围炉____", "", "", "", "议事|夜话", "", "冬训"},
	}
	english := [][]string{{"Type", "Question", "Option A", "Option B", "Answer"},
		{"single", "Where is Shengze?", "Suzhou", "Ningbo", "A"}}
	badRow := [][]string{questionHeader, good[1], {"多选", "冬训的形式有", "云微课", "围炉议事", "打卡", "AD", "", ""}}
	noAnswer := [][]string{{"题型", "题干"}, {"单选", "盛泽被称为"}}
	for _, rows := range [][][]string{good, english, badRow, noAnswer, {questionHeader}} {
		buf, err := io.ReadAll(questionFile(f, rows))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(buf)
	}
	f.Add([]byte("题型,题干,答案\n单选,盛泽被称为,A\n"))
	f.Add([]byte("PK\x03\x04"))

	db := storetest.SQLite(f)
	fx := newFixture(f, db)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzWorkbook {
			return
		}
		before := fx.count(t, `SELECT COUNT(*) FROM questions`)
		n, err := fx.svc.ImportQuestions(fx.ctx, fx.town.ID, bytes.NewReader(data))
		after := fx.count(t, `SELECT COUNT(*) FROM questions`)
		if err != nil {
			if after != before {
				t.Fatalf("a refused file (%v) added %d questions: an import is all or nothing", err, after-before)
			}
			var one *i18n.Error
			var list i18n.Errors
			if !errors.As(err, &one) && !errors.As(err, &list) {
				t.Fatalf("an error a worker cannot read: %T %v", err, err)
			}
			return
		}
		if n < 1 || after-before != n {
			t.Fatalf("an accepted file reported %d questions and added %d", n, after-before)
		}
	})
}
