package idea

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/notify"
	"vanguard/internal/store"
)

// Status is where an idea stands.
type Status string

const (
	Submitted   Status = "submitted"
	UnderReview Status = "under_review"
	Adopted     Status = "adopted"
	Declined    Status = "declined"
	Implemented Status = "implemented"
)

// Statuses lists the statuses in the order an idea goes through them.
func Statuses() []Status { return []Status{Submitted, UnderReview, Adopted, Declined, Implemented} }

// Valid tells whether st is known.
func (st Status) Valid() bool {
	for _, v := range Statuses() {
		if st == v {
			return true
		}
	}
	return false
}

// Key is the catalog key of the status's name.
func (st Status) Key() string { return "idea.status." + string(st) }

// transitions is the table of allowed moves; review is the one place that applies it.
var transitions = map[Status][]Status{
	"":          {Submitted},
	Submitted:   {UnderReview},
	UnderReview: {Adopted, Declined},
	Adopted:     {Implemented},
}

// CanMove tells whether the table allows a move.
func CanMove(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Next lists the moves open from a status, for a reviewer's form.
func Next(from Status) []Status { return append([]Status(nil), transitions[from]...) }

// dateColumn is the column that dates a move into each status.
var dateColumn = map[Status]string{
	UnderReview: "review_started_at",
	Adopted:     "adopted_at",
	Declined:    "declined_at",
	Implemented: "implemented_at",
}

// Review moves an idea to its next status. The caller has checked Manage on its
// organization; the acting account is the named reviewer. A decline needs a reason,
// which the submitter sees; the submitter is told of every move.
func (s *Service) Review(ctx context.Context, ideaID int64, to Status, note string) (Idea, error) {
	return s.ReviewBy(ctx, ideaID, to, note, "")
}

// ReviewBy is Review recorded on behalf of a named reviewer who has no account here —
// a review made on paper and entered afterwards. An empty name is the acting account's.
func (s *Service) ReviewBy(ctx context.Context, ideaID int64, to Status, note, reviewer string) (Idea, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		return s.review(ctx, tx, ideaID, to, note, reviewer, s.now())
	})
	if err != nil {
		return Idea{}, err
	}
	return s.Get(ctx, ideaID)
}

func (s *Service) review(ctx context.Context, tx *store.Tx, ideaID int64, to Status, note, reviewer string, at time.Time) error {
	note = clean(note)
	if !to.Valid() {
		return i18n.Invalid("status", "idea.error.status")
	}
	if to == Declined && note == "" {
		return i18n.Invalid("reason", "idea.error.reason")
	}
	if e := tooLong("reason", note, maxReason); e != nil {
		return e
	}
	i, err := s.get(ctx, tx, ideaID)
	if err != nil {
		return err
	}
	if !CanMove(i.Status, to) {
		return i18n.Invalid("status", "idea.error.transition", "from", i18n.Msg(i.Status.Key()), "to", i18n.Msg(to.Key()))
	}
	actor := audit.ActorFrom(ctx)
	if reviewer = clean(reviewer); reviewer == "" {
		reviewer = actor.Name
	}
	if actor.AccountID != 0 && reviewer == actor.Name {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(NULLIF(display_name, ''), username) FROM accounts WHERE id = $1`,
			actor.AccountID).Scan(&reviewer); err != nil {
			return fmt.Errorf("idea: reviewer %d: %w", actor.AccountID, err)
		}
	}
	reason := i.Reason
	if to == Declined {
		reason = note
	}
	// The UPDATE names the old status: two reviewers moving the same idea at once cannot
	// both succeed.
	res, err := tx.ExecContext(ctx, `UPDATE ideas SET status = $1, reason = $2, reviewer_id = $3, reviewer_name = $4,
		`+dateColumn[to]+` = $5, updated_at = $5 WHERE id = $6 AND status = $7`,
		to, reason, nullID(actor.AccountID), reviewer, at, ideaID, i.Status)
	if err != nil {
		return fmt.Errorf("idea: move %d to %s: %w", ideaID, to, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return i18n.Invalid("status", "idea.error.transition", "from", i18n.Msg(i.Status.Key()), "to", i18n.Msg(to.Key()))
	}
	if err := s.history(ctx, tx, ideaID, i.Status, to, note, at); err != nil {
		return err
	}
	if s.credit != nil && (to == Adopted || to == Implemented) && i.PersonID != 0 {
		if err := s.credit(ctx, tx, Credit{IdeaID: ideaID, PersonID: i.PersonID, Status: to, At: at}); err != nil {
			return err
		}
	}
	if err := audit.Record(ctx, tx, "review", "idea", ideaID, map[string]any{"status": i.Status},
		map[string]any{"status": to, "note": note, "reviewer": reviewer}); err != nil {
		return err
	}
	if i.AccountID == 0 {
		return nil
	}
	params := map[string]any{"title": i.Title}
	if to == Declined {
		params["reason"] = note
	}
	return s.notices.Send(ctx, tx, []int64{i.AccountID}, notify.Notice{Key: "notify.idea." + string(to), Params: params,
		Link: "/ideas/" + strconv.FormatInt(ideaID, 10)})
}

func (s *Service) history(ctx context.Context, tx *store.Tx, ideaID int64, from, to Status, note string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO idea_status_history (idea_id, from_status, to_status, at, account_id, note)
		VALUES ($1, $2, $3, $4, $5, $6)`, ideaID, from, to, at, nullID(audit.ActorFrom(ctx).AccountID), note)
	if err != nil {
		return fmt.Errorf("idea: history of %d: %w", ideaID, err)
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Move is one recorded change of an idea's status.
type Move struct {
	From Status
	To   Status
	At   time.Time
	By   string
	Note string
}

// History lists an idea's moves, oldest first.
func (s *Service) History(ctx context.Context, ideaID int64) ([]Move, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT h.from_status, h.to_status, h.at, COALESCE(NULLIF(a.display_name, ''), a.username, ''), h.note
		FROM idea_status_history h LEFT JOIN accounts a ON a.id = h.account_id WHERE h.idea_id = $1 ORDER BY h.at, h.id`, ideaID)
	if err != nil {
		return nil, fmt.Errorf("idea: history of %d: %w", ideaID, err)
	}
	defer rows.Close()
	var list []Move
	for rows.Next() {
		var m Move
		if err := rows.Scan(&m.From, &m.To, &m.At, &m.By, &m.Note); err != nil {
			return nil, err
		}
		list = append(list, m)
	}
	return list, rows.Err()
}

// YearStats are the figures of the ideas submitted in one year.
type YearStats struct {
	Year      int
	Submitted int            // ideas submitted that year
	ByStatus  map[Status]int // where they stand now
	Adopted   int            // adopted, implemented ones included
	Supports  int
}

// AdoptionRate is the share of the year's ideas adopted, in percent.
func (y YearStats) AdoptionRate() int {
	if y.Submitted == 0 {
		return 0
	}
	return y.Adopted * 100 / y.Submitted
}

// Count is the number of the year's ideas now in a status.
func (y YearStats) Count(st Status) int { return y.ByStatus[st] }

// Stats gives the yearly figures of the ideas on the boards of an organization and below
// it, newest year first. The caller has checked View on the organization. Ideas are few
// next to people (a handful per person and year), so the rows are counted here rather
// than grouped by a year function, which the two engines spell differently.
func (s *Service) Stats(ctx context.Context, orgID int64) ([]YearStats, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT i.submitted_at, i.status, i.supports FROM ideas i
		WHERE i.org_id IN (SELECT org_id FROM org_tree WHERE ancestor_id = $1)`, orgID)
	if err != nil {
		return nil, fmt.Errorf("idea: stats of %d: %w", orgID, err)
	}
	defer rows.Close()
	by := map[int]*YearStats{}
	for rows.Next() {
		var at time.Time
		var st Status
		var supports int
		if err := rows.Scan(&at, &st, &supports); err != nil {
			return nil, err
		}
		y := at.In(chinaZone).Year()
		ys := by[y]
		if ys == nil {
			ys = &YearStats{Year: y, ByStatus: map[Status]int{}}
			by[y] = ys
		}
		ys.Submitted++
		ys.ByStatus[st]++
		ys.Supports += supports
		if st == Adopted || st == Implemented {
			ys.Adopted++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	list := make([]YearStats, 0, len(by))
	for _, ys := range by {
		list = append(list, *ys)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Year > list[j].Year })
	return list, nil
}

// Export writes the ideas a caller may read on the boards of an organization and below
// (with the filter's status, category and year) to an .xlsx workbook: a sheet of ideas
// and a sheet of yearly figures. Headings and statuses are in Chinese, as the
// organization department's spreadsheets are.
func (s *Service) Export(ctx context.Context, w io.Writer, c Caller, f Filter) error {
	clause, args := f.where(c)
	ideas, err := s.scan(ctx, `SELECT `+ideaColumns+ideaFrom+clause+` ORDER BY i.submitted_at, i.id`, args...)
	if err != nil {
		return err
	}
	stats, err := s.Stats(ctx, f.OrgID)
	if err != nil {
		return err
	}
	x := excelize.NewFile()
	defer x.Close()
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}})
	if err != nil {
		return fmt.Errorf("idea: export: %w", err)
	}
	sheet := "金点子"
	if err := x.SetSheetName(x.GetSheetName(0), sheet); err != nil {
		return fmt.Errorf("idea: export: %w", err)
	}
	headers := []any{"编号", "标题", "组织", "提出人", "类别", "状态", "提出日期", "审核人", "开始审核", "采纳日期", "不采纳日期", "不采纳理由", "实施日期", "支持数", "存在问题", "建议内容", "预期效益"}
	rows := [][]any{headers}
	for _, i := range ideas {
		rows = append(rows, []any{i.ID, i.Title, i.OrgName, i.PersonName, categoryNames[i.Category], statusNames[i.Status],
			day(&i.SubmittedAt), i.ReviewerName, day(i.ReviewStartedAt), day(i.AdoptedAt), day(i.DeclinedAt), i.Reason,
			day(i.ImplementedAt), i.Supports, i.Problem, i.Proposal, i.Benefit})
	}
	if err := writeSheet(x, sheet, rows, bold, []float64{8, 36, 28, 10, 10, 10, 12, 12, 12, 12, 12, 30, 12, 8, 40, 40, 30}); err != nil {
		return err
	}
	if _, err := x.NewSheet("年度统计"); err != nil {
		return fmt.Errorf("idea: export: %w", err)
	}
	rows = [][]any{{"年度", "提出", "待审核", "审核中", "已采纳", "不采纳", "已实施", "采纳率(%)", "支持数"}}
	for _, y := range stats {
		rows = append(rows, []any{y.Year, y.Submitted, y.Count(Submitted), y.Count(UnderReview), y.Count(Adopted), y.Count(Declined),
			y.Count(Implemented), y.AdoptionRate(), y.Supports})
	}
	if err := writeSheet(x, "年度统计", rows, bold, []float64{8, 8, 8, 8, 8, 8, 8, 10, 8}); err != nil {
		return err
	}
	if err := x.Write(w); err != nil {
		return fmt.Errorf("idea: export: %w", err)
	}
	return nil
}

var statusNames = map[Status]string{Submitted: "待审核", UnderReview: "审核中", Adopted: "已采纳", Declined: "不采纳", Implemented: "已实施"}

var categoryNames = map[string]string{"production": "生产工艺", "quality": "质量提升", "cost": "降本增效", "safety": "安全环保",
	"management": "经营管理", "service": "服务保障", "other": "其他"}

func day(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(chinaZone).Format(time.DateOnly)
}

func writeSheet(x *excelize.File, sheet string, rows [][]any, header int, widths []float64) error {
	for r, row := range rows {
		cell, err := excelize.CoordinatesToCellName(1, r+1)
		if err != nil {
			return err
		}
		if err := x.SetSheetRow(sheet, cell, &row); err != nil {
			return fmt.Errorf("idea: export row %d: %w", r+1, err)
		}
	}
	for c, w := range widths {
		col, err := excelize.ColumnNumberToName(c + 1)
		if err != nil {
			return err
		}
		if err := x.SetColWidth(sheet, col, col, w); err != nil {
			return err
		}
	}
	last, err := excelize.CoordinatesToCellName(len(rows[0]), 1)
	if err != nil {
		return err
	}
	if err := x.SetCellStyle(sheet, "A1", last, header); err != nil {
		return err
	}
	return x.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}
