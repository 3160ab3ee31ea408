package learning

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/store"
)

// The question file: a header row, then a question per row. Headers are matched in
// Chinese or English; options are the columns 选项A…选项F (Option A…F). The answer is
// the letters of the right options (A, AC), 对/错 (true/false) for a true/false
// question, or the accepted texts of a fill-in separated by "|".
var questionHeaders = map[string]string{
	"题型": "kind", "kind": "kind", "type": "kind",
	"题干": "stem", "题目": "stem", "stem": "stem", "question": "stem",
	"答案": "answer", "answer": "answer",
	"解析": "explanation", "explanation": "explanation",
	"标签": "tags", "tags": "tags",
}

var kindNames = map[string]QuestionKind{
	"单选": Single, "单选题": Single, "single": Single,
	"多选": Multiple, "多选题": Multiple, "multiple": Multiple,
	"判断": TrueFalse, "判断题": TrueFalse, "truefalse": TrueFalse, "true/false": TrueFalse,
	"填空": FillIn, "填空题": FillIn, "fill": FillIn, "fill-in": FillIn,
}

// maxQuestionFile bounds an upload: a bank of a few thousand questions is far less.
const maxQuestionFile = 10 << 20

// ImportQuestions reads an .xlsx of questions into an organization's bank: all of them,
// or — when any row is wrong — none, with every bad row named.
func (s *Service) ImportQuestions(ctx context.Context, orgID int64, r io.Reader) (int, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxQuestionFile+1))
	if err != nil {
		return 0, wrap("read question file", err)
	}
	if len(data) > maxQuestionFile {
		return 0, i18n.Invalid("file", "learning.error.file_too_big")
	}
	qs, rowNums, headers, errs, err := parseQuestions(data)
	if err != nil {
		return 0, err
	}
	for i := range qs {
		errs = append(errs, qs[i].check(rowNums[i])...)
	}
	// Name each bad cell by its column as the file heads it (答案, not "answer").
	for _, e := range errs {
		if h, ok := headers[e.Field]; ok {
			e.Field = h
		}
	}
	if err := errs.Err(); err != nil {
		return 0, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := insertQuestions(ctx, tx, orgID, qs, s.now())
		return err
	})
	return len(qs), err
}

// parseQuestions reads the rows of the file's first sheet, the row number of each, and
// the errors of rows it could not read; err is a fault of the whole file.
func parseQuestions(data []byte) (qs []Question, rowNums []int, headers map[string]string, errs i18n.Errors, err error) {
	f, ferr := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 100 << 20})
	if ferr != nil {
		return nil, nil, nil, nil, i18n.Invalid("file", "learning.error.xlsx")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, nil, nil, i18n.Invalid("file", "learning.error.xlsx")
	}
	rows, rerr := f.GetRows(sheets[0])
	if rerr != nil || len(rows) < 2 {
		return nil, nil, nil, nil, i18n.Invalid("file", "learning.error.no_rows")
	}
	columns := map[string]int{}
	headers = map[string]string{}
	options := map[int]int{} // column → option index
	for i, h := range rows[0] {
		text := strings.TrimSpace(h)
		h = strings.ToLower(text)
		if name, ok := questionHeaders[h]; ok {
			columns[name] = i
			headers[name] = text
			continue
		}
		for _, prefix := range []string{"选项", "option "} {
			if rest, ok := strings.CutPrefix(h, prefix); ok && len(rest) == 1 && rest[0] >= 'a' && rest[0] <= 'f' {
				options[i] = int(rest[0] - 'a')
				if rest[0] == 'a' {
					headers["options"] = text
				}
			}
		}
	}
	var missing i18n.Errors
	for _, need := range []string{"kind", "stem", "answer"} {
		if _, ok := columns[need]; !ok {
			missing = append(missing, i18n.InRow(1, need, "learning.error.column"))
		}
	}
	if err := missing.Err(); err != nil {
		return nil, nil, nil, nil, err
	}
	cell := func(row []string, i int) string {
		if i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	for n, row := range rows[1:] {
		rowNum := n + 2
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		kindText := cell(row, columns["kind"])
		q := Question{Kind: kindNames[strings.ToLower(kindText)], Stem: cell(row, columns["stem"])}
		if q.Kind == "" {
			errs = append(errs, i18n.InRow(rowNum, "kind", "learning.error.question_kind"))
			continue
		}
		if i, ok := columns["explanation"]; ok {
			q.Explanation = cell(row, i)
		}
		if i, ok := columns["tags"]; ok {
			q.Tags = strings.FieldsFunc(cell(row, i), func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' })
		}
		q.Options = make([]string, 6)
		for col, idx := range options {
			q.Options[idx] = cell(row, col)
		}
		for len(q.Options) > 0 && q.Options[len(q.Options)-1] == "" {
			q.Options = q.Options[:len(q.Options)-1]
		}
		answer, bad := parseAnswer(q.Kind, cell(row, columns["answer"]))
		if bad {
			errs = append(errs, i18n.InRow(rowNum, "answer", "learning.error.answer", "answer", cell(row, columns["answer"])))
			continue
		}
		q.Answer = answer
		qs = append(qs, q)
		rowNums = append(rowNums, rowNum)
	}
	if len(qs) == 0 && len(errs) == 0 {
		return nil, nil, nil, nil, i18n.Invalid("file", "learning.error.no_rows")
	}
	return qs, rowNums, headers, errs, nil
}

// parseAnswer turns the answer cell into option indexes or accepted texts.
func parseAnswer(kind QuestionKind, text string) ([]string, bool) {
	switch kind {
	case FillIn:
		var out []string
		for _, a := range strings.Split(text, "|") {
			if a = strings.TrimSpace(a); a != "" {
				out = append(out, a)
			}
		}
		return out, false
	case TrueFalse:
		switch strings.ToLower(text) {
		case "对", "正确", "√", "true", "t", "yes", "a":
			return []string{"0"}, false
		case "错", "错误", "×", "false", "f", "no", "b":
			return []string{"1"}, false
		}
		return nil, true
	}
	var out []string
	for _, r := range strings.ToUpper(strings.ReplaceAll(text, ",", "")) {
		if r == ' ' || r == '，' || r == '、' {
			continue
		}
		if r < 'A' || r > 'F' {
			return nil, true
		}
		out = append(out, string(rune('0'+r-'A')))
	}
	return out, len(out) == 0
}

// WriteCompletionXLSX writes a campaign's completion, a row per member, for the
// organization department's spreadsheet.
func WriteCompletionXLSX(w io.Writer, c Completion, headers []string, yes, no string) error {
	rows := make([][]string, 0, len(c.Members))
	for _, m := range c.Members {
		done := no
		if m.Complete {
			done = yes
		}
		rows = append(rows, []string{m.OrgName, m.Name, itoa(m.Courses), itoa(c.Campaign.TargetCourses),
			itoa(m.Activities), itoa(c.Campaign.TargetActivities), done})
	}
	return member.WriteRosterXLSX(w, headers, rows)
}

func itoa(n int) string { return strconv.Itoa(n) }
