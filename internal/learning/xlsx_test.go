package learning_test

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"vanguard/internal/i18n"
	"vanguard/internal/learning"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

func questionFile(t testing.TB, rows [][]string) *bytes.Reader {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			f.SetCellStr("Sheet1", cell, v)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(buf.Bytes())
}

var questionHeader = []string{"题型", "题干", "选项A", "选项B", "选项C", "答案", "解析", "标签"}

func TestQuestionImportAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		bad := questionFile(t, [][]string{questionHeader,
			{"单选", "盛泽被称为", "丝绸之都", "钢铁之都", "", "A", "盛泽是丝绸之都", "冬训"},
			{"多选", "冬训的形式有", "云微课", "围炉议事", "打卡", "AD", "", "冬训"}, // D is no option
			{"问答", "什么是四敢", "", "", "", "敢闯", "", ""},             // no such kind
			{"判断", "", "", "", "", "对", "", ""},                   // no stem
		})
		_, err := f.svc.ImportQuestions(f.ctx, f.town.ID, bad)
		var errs i18n.Errors
		if !asErrors(err, &errs) || len(errs) != 3 {
			t.Fatalf("errors = %v, want three rows named", err)
		}
		rows := map[int]string{}
		for _, e := range errs {
			rows[e.Row] = e.Field
		}
		if rows[3] != "答案" || rows[4] != "题型" || rows[5] != "题干" {
			t.Fatalf("rows named: %v", rows)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM questions`); n != 0 {
			t.Fatalf("a refused file added %d questions", n)
		}
		good := questionFile(t, [][]string{questionHeader,
			{"单选", "盛泽被称为", "丝绸之都", "钢铁之都", "", "A", "盛泽是丝绸之都", "冬训"},
			{"多选", "冬训的形式有", "云微课", "围炉议事", "打卡", "AB", "", "冬训，四敢"},
			{"判断", "学习积分按在线时长计", "", "", "", "错", "", "冬训"},
			{"填空", "围炉____", "", "", "", "议事|夜话", "", "冬训"},
		})
		n, err := f.svc.ImportQuestions(f.ctx, f.town.ID, good)
		if err != nil || n != 4 {
			t.Fatalf("import = %d, %v", n, err)
		}
		qs, err := f.svc.Questions(f.ctx, f.town.ID)
		if err != nil {
			t.Fatal(err)
		}
		if qs[1].Kind != learning.Multiple || len(qs[1].Answer) != 2 || len(qs[1].Tags) != 2 || qs[3].Answer[1] != "夜话" || qs[2].Answer[0] != "1" {
			t.Fatalf("imported: %+v", qs)
		}
	})
}
