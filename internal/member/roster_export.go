package member

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"
)

// Column widths of an export, in Excel's character units.
const (
	minColumnWidth = 8
	maxColumnWidth = 50
)

// numFmtText is Excel's built-in number format "@" (Text). Applied to the cells
// and to the columns, it keeps an ID number or a phone typed later into the sheet
// from being turned into a float and losing digits.
const numFmtText = 49

// WriteRosterXLSX writes a simple export: one sheet, a bold header row that stays
// in view when scrolling, columns as wide as their content, and every cell written
// as text so that ID numbers, phone numbers and organization codes survive Excel.
// It streams the sheet, so an export of many thousand rows stays small in memory.
func WriteRosterXLSX(w io.Writer, headers []string, rows [][]string) error {
	if len(rows)+1 > excelize.TotalRows {
		return fmt.Errorf("member: write roster: %d rows exceed the %d rows of a sheet", len(rows), excelize.TotalRows-1)
	}
	ncols := len(headers)
	for _, r := range rows {
		ncols = max(ncols, len(r))
	}
	if ncols > excelize.MaxColumns {
		return fmt.Errorf("member: write roster: %d columns exceed the %d columns of a sheet", ncols, excelize.MaxColumns)
	}

	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("member: write roster: %w", err)
	}
	headerStyle, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}},
		Alignment: &excelize.Alignment{Vertical: "center"},
		NumFmt:    numFmtText,
	})
	if err != nil {
		return fmt.Errorf("member: write roster: header style: %w", err)
	}
	textStyle, err := f.NewStyle(&excelize.Style{NumFmt: numFmtText})
	if err != nil {
		return fmt.Errorf("member: write roster: text style: %w", err)
	}

	// Column settings must precede the first row in a streamed sheet.
	for c, cw := range columnWidths(ncols, headers, rows) {
		if err := sw.SetColWidth(c+1, c+1, cw); err != nil {
			return fmt.Errorf("member: write roster: column width: %w", err)
		}
	}
	if ncols > 0 {
		if err := sw.SetColStyle(1, ncols, textStyle); err != nil {
			return fmt.Errorf("member: write roster: column style: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze:      true,
		YSplit:      1,
		TopLeftCell: "A2",
		ActivePane:  "bottomLeft",
		Selection:   []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return fmt.Errorf("member: write roster: freeze header: %w", err)
	}

	values := make([]any, ncols)
	fillRow := func(cells []string, style int) []any {
		for i := range values {
			values[i] = nil
			if i < len(cells) && cells[i] != "" {
				values[i] = excelize.Cell{StyleID: style, Value: cells[i]}
			}
		}
		return values
	}
	if err := sw.SetRow("A1", fillRow(headers, headerStyle)); err != nil {
		return fmt.Errorf("member: write roster: header: %w", err)
	}
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return fmt.Errorf("member: write roster: row %d: %w", i+2, err)
		}
		if err := sw.SetRow(cell, fillRow(r, textStyle)); err != nil {
			return fmt.Errorf("member: write roster: row %d: %w", i+2, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("member: write roster: flush: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("member: write roster: %w", err)
	}
	return nil
}

// columnWidths sizes each column to its widest cell, counting a Chinese character
// as two, as Excel renders it, plus a little padding; within sensible bounds.
func columnWidths(ncols int, headers []string, rows [][]string) []float64 {
	widest := make([]int, ncols)
	measure := func(cells []string) {
		for i, s := range cells {
			widest[i] = max(widest[i], displayWidth(s))
		}
	}
	measure(headers)
	for _, r := range rows {
		measure(r)
	}
	out := make([]float64, ncols)
	for i, w := range widest {
		out[i] = float64(min(max(w+2, minColumnWidth), maxColumnWidth))
	}
	return out
}

// displayWidth counts columns: wide and full-width characters take two.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
		if n > maxColumnWidth {
			break // no column gets wider anyway
		}
	}
	return n
}
