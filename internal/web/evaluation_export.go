package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"github.com/xuri/excelize/v2"

	"vanguard/internal/evaluation"
	"vanguard/internal/server"
)

// export downloads a round as .xlsx: a sheet of results (one row per subject: stage, total,
// level, the items that lost points) and a sheet of every item's score, with the
// subject's own score and the suggestion from the records beside the assessor's.
func (e *evaluations) export(w http.ResponseWriter, r *http.Request) {
	round, _, _, ok := e.roundFor(w, r)
	if !ok {
		return
	}
	lang := server.Lang(r)
	res, err := e.svc.RoundResults(r.Context(), round.ID, lang)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	t := func(key string) string { return e.srv.Catalog().T(lang, key, nil) }
	f := excelize.NewFile()
	defer f.Close()
	if err := writeResultsSheet(f, t, lang, res); err != nil {
		e.fail(w, r, err)
		return
	}
	if err := writeScoresSheet(f, t, lang, res); err != nil {
		e.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		e.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", attachment(fmt.Sprintf("evaluation-%d.xlsx", round.ID), fileSafe(round.Title)+".xlsx"))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

func writeResultsSheet(f *excelize.File, t func(string) string, lang string, res evaluation.Results) error {
	sheet := t("evaluation.export.results")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	header := []any{t("evaluation.field.subject"), t("evaluation.field.stage"), t("evaluation.field.total"),
		t("evaluation.field.level"), t("evaluation.field.lost")}
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		return err
	}
	for i, x := range res.Results {
		lost := ""
		for j, l := range x.Lost {
			if j > 0 {
				lost += "；"
			}
			lost += fmt.Sprintf("%s (-%s)", l.Item.DisplayTitle(lang), fmtValue(l.Lost))
		}
		level := ""
		if x.Level != "" {
			level = t(x.Level.Key())
		}
		row := []any{x.Assessment.SubjectName, t(x.Stage.Key()), x.Total, level, lost}
		if err := f.SetSheetRow(sheet, "A"+strconv.Itoa(i+2), &row); err != nil {
			return err
		}
	}
	f.SetColWidth(sheet, "A", "A", 24)
	f.SetColWidth(sheet, "B", "D", 12)
	return f.SetColWidth(sheet, "E", "E", 60)
}

func writeScoresSheet(f *excelize.File, t func(string) string, lang string, res evaluation.Results) error {
	sheet := t("evaluation.export.scores")
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	header := []any{t("evaluation.field.subject"), t("evaluation.field.section"), t("evaluation.field.item"), t("evaluation.field.max"),
		t("evaluation.field.self"), t("evaluation.field.suggested"), t("evaluation.field.score"), t("evaluation.field.comment")}
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		return err
	}
	n := 2
	for _, x := range res.Results {
		for _, it := range res.Round.Template.Items {
			row := []any{x.Assessment.SubjectName, it.DisplaySection(lang), it.DisplayTitle(lang), it.Max, nil, nil, nil, ""}
			if s, ok := x.Assessment.Self[it.ID]; ok {
				row[4] = s.Score
			}
			if s, ok := x.Assessment.Assessor[it.ID]; ok {
				row[6], row[7] = s.Score, s.Comment
				if s.Suggested != nil {
					row[5] = *s.Suggested
				}
			}
			if err := f.SetSheetRow(sheet, "A"+strconv.Itoa(n), &row); err != nil {
				return err
			}
			n++
		}
	}
	f.SetColWidth(sheet, "A", "C", 22)
	return f.SetColWidth(sheet, "H", "H", 40)
}
