package oversight

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// Format writes a figure as a page shows it: a rate with its per cent sign, hours with
// their decimal, counts as whole numbers.
func (c Column) Format(v float64) string {
	switch {
	case c.Rate:
		return strconv.FormatFloat(v, 'f', 1, 64) + "%"
	case c.Decimals > 0:
		return strconv.FormatFloat(v, 'f', c.Decimals, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// XLSX writes the report as a workbook a committee files: a title row, the line saying
// when the figures were taken, the headings, a row per organization and the total row.
// Figures are numbers, not text, so that a spreadsheet can sum them again; rates are
// per cent values. t looks a catalog key up in the reader's language; the report must
// have been translated.
func (r Report) XLSX(t func(key string, kv ...any) string, lang string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := r.Period
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, fmt.Errorf("oversight: sheet: %w", err)
	}
	title := []any{fmt.Sprintf("%s · %s · %s", r.OrgName, r.Title, r.Period)}
	taken := []any{t("oversight.report.taken_at", "at", r.TakenAt.In(beijing).Format("2006-01-02 15:04"),
		"from", r.From, "to", r.To)}
	header := []any{t("oversight.report.col.org")}
	for _, c := range r.Columns {
		label := c.Label
		if c.Rate {
			label += " (%)"
		}
		header = append(header, label)
	}
	lines := [][]any{title, taken, header}
	for _, row := range r.Rows {
		lines = append(lines, r.cells(indent(row.Depth)+row.DisplayName(lang), row.Values))
	}
	lines = append(lines, r.cells(r.Total.Name, r.Total.Values))
	totalAt := len(lines)
	if r.Note != "" {
		lines = append(lines, []any{r.Note})
	}
	for i, line := range lines {
		if err := f.SetSheetRow(sheet, "A"+strconv.Itoa(i+1), &line); err != nil {
			return nil, fmt.Errorf("oversight: row %d: %w", i+1, err)
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	last, _ := excelize.ColumnNumberToName(len(r.Columns) + 1)
	f.SetCellStyle(sheet, "A1", "A1", bold)
	f.SetCellStyle(sheet, "A3", last+"3", bold)
	totalRow := strconv.Itoa(totalAt)
	f.SetCellStyle(sheet, "A"+totalRow, last+totalRow, bold)
	f.SetColWidth(sheet, "A", "A", 28)
	f.SetColWidth(sheet, "B", last, 12)
	f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: 3, TopLeftCell: "B4", ActivePane: "bottomRight"})
	f.SetDocProps(&excelize.DocProperties{Title: fmt.Sprint(title[0]), Created: r.TakenAt.UTC().Format(time.RFC3339)})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("oversight: write workbook: %w", err)
	}
	return buf.Bytes(), nil
}

func (r Report) cells(name string, values []float64) []any {
	line := []any{name}
	for _, v := range values {
		line = append(line, v)
	}
	return line
}

func indent(depth int) string {
	s := ""
	for range depth {
		s += "  "
	}
	return s
}
