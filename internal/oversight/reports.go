package oversight

// The ready-made statistical reports: the forms a higher committee would otherwise send
// to every branch each month (organizational life, membership development, learning),
// filled in from the records. Each report is one row per organization of a subtree and
// a total row; every figure comes from a set-based query grouped by organization, so a
// county's report costs the same few queries as a branch's.

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/evaluation"
	"vanguard/internal/points"
	"vanguard/internal/store"
)

// ReportKind is one of the ready-made reports.
type ReportKind string

const (
	OrganizationalLife ReportKind = "organizational-life"
	Development        ReportKind = "development"
	Learning           ReportKind = "learning"
)

// ReportKinds lists the reports in the order a picker offers them.
func ReportKinds() []ReportKind { return []ReportKind{OrganizationalLife, Development, Learning} }

// Valid tells whether k is a known report.
func (k ReportKind) Valid() bool { return slices.Contains(ReportKinds(), k) }

// Key is the catalog key of the report's title.
func (k ReportKind) Key() string { return "oversight.report.kind." + string(k) }

// Column is one heading of a report. A rate column is not summed: its value is the sum
// of the num columns over the sum of the den columns, in per cent, row by row and for
// the total alike.
type Column struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Rate  bool   `json:"rate,omitempty"`
	// Decimals is how many decimals the figure is shown with (hours have one).
	Decimals int `json:"decimals,omitempty"`
	num, den []int
}

// Row is an organization's figures, in the order of the columns. Depth is the distance
// from the report's organization, for indenting.
type Row struct {
	OrgID  int64     `json:"org_id,omitempty"`
	Name   string    `json:"name"`
	NameEn string    `json:"name_en,omitempty"`
	Depth  int       `json:"depth"`
	Values []float64 `json:"values"`
}

// DisplayName is the name in the reader's language.
func (r Row) DisplayName(lang string) string {
	if lang == "en" && r.NameEn != "" {
		return r.NameEn
	}
	return r.Name
}

// Report is one report as taken at TakenAt.
type Report struct {
	Kind    ReportKind `json:"kind"`
	Title   string     `json:"title"`
	OrgID   int64      `json:"org_id"`
	OrgName string     `json:"org_name"`
	Period  string     `json:"period"`
	From    string     `json:"from"` // first day, Beijing time
	To      string     `json:"to"`   // last day, inclusive
	Columns []Column   `json:"columns"`
	Rows    []Row      `json:"rows"`
	Total   Row        `json:"total"`
	// Note explains how the total row is counted where it is not the sum of the rows
	// (translated, empty when it is).
	Note    string    `json:"note,omitempty"`
	TakenAt time.Time `json:"taken_at"`
}

// Translate fills the title and the headings in a language; t looks a key up.
func (r *Report) Translate(t func(key string) string, lang string) {
	r.Title = t(r.Kind.Key())
	for i := range r.Columns {
		r.Columns[i].Label = t("oversight.report.col." + r.Columns[i].Key)
	}
	r.Total.Name = t("oversight.report.total")
	if r.Kind == OrganizationalLife {
		r.Note = t("oversight.report.note.joint")
	}
	if len(r.Rows) > 0 {
		r.OrgName = r.Rows[0].DisplayName(lang)
	}
}

// Reports builds the ready-made reports and the yearly record.
type Reports struct {
	db         *store.DB
	activities *activity.Service
	points     *points.Service
	evaluation *evaluation.Service
	now        func() time.Time
}

// NewReports builds the service; now is the clock (time.Now when nil).
func NewReports(db *store.DB, activities *activity.Service, ledger *points.Service, evaluations *evaluation.Service, now func() time.Time) *Reports {
	if now == nil {
		now = time.Now
	}
	return &Reports{db: db, activities: activities, points: ledger, evaluation: evaluations, now: now}
}

// Report builds a report of an organization's subtree for a period. It does not check
// access: handlers ask org.Can(View). An unknown organization is store.ErrNotFound.
func (s *Reports) Report(ctx context.Context, kind ReportKind, orgID int64, p Period) (Report, error) {
	taken := s.now()
	from, to := Bounds(p)
	rep := Report{Kind: kind, OrgID: orgID, Period: p.Name, From: from.Format(time.DateOnly),
		To: to.AddDate(0, 0, -1).Format(time.DateOnly), TakenAt: taken}
	rows, index, err := s.subtree(ctx, orgID, from)
	if err != nil {
		return rep, err
	}
	var fill func(context.Context, int64, Period, map[int64]int, []Row) ([]Column, error)
	switch kind {
	case OrganizationalLife:
		fill = s.organizationalLife
	case Development:
		fill = s.development
	case Learning:
		fill = s.learning
	default:
		return rep, store.ErrNotFound
	}
	cols, err := fill(ctx, orgID, p, index, rows)
	if err != nil {
		return rep, err
	}
	rep.Columns, rep.Rows = cols, rows
	rep.Total = Row{Values: make([]float64, len(cols))}
	for i := range rep.Rows {
		if rep.Rows[i].Values == nil {
			rep.Rows[i].Values = make([]float64, len(cols))
		}
		for c, col := range cols {
			if !col.Rate {
				rep.Total.Values[c] += rep.Rows[i].Values[c]
			}
		}
		rates(cols, rep.Rows[i].Values)
	}
	if kind == OrganizationalLife {
		if err := s.lifeTotal(ctx, orgID, p, cols, rep.Total.Values); err != nil {
			return rep, err
		}
	}
	rates(cols, rep.Total.Values)
	rep.OrgName = rows[0].Name
	return rep, nil
}

// rates computes the rate columns of a row from its other figures.
func rates(cols []Column, v []float64) {
	for c, col := range cols {
		if !col.Rate {
			continue
		}
		var num, den float64
		for _, i := range col.num {
			num += v[i]
		}
		for _, i := range col.den {
			den += v[i]
		}
		v[c] = 0
		if den > 0 {
			v[c] = float64(int(num/den*1000+0.5)) / 10
		}
	}
}

// subtree lists the organizations under orgID that existed in the period, parents
// before their children, with an index from organization to row.
func (s *Reports) subtree(ctx context.Context, orgID int64, from time.Time) ([]Row, map[int64]int, error) {
	rs, err := s.db.QueryContext(ctx, `SELECT o.id, COALESCE(o.parent_id, 0), o.name, o.name_en, t.distance
		FROM org_tree t JOIN orgs o ON o.id = t.org_id
		WHERE t.ancestor_id = $1 AND (o.dissolved_at IS NULL OR o.dissolved_at >= $2 OR o.id = $1)`, orgID, from)
	if err != nil {
		return nil, nil, fmt.Errorf("oversight: subtree of %d: %w", orgID, err)
	}
	defer rs.Close()
	type node struct {
		row    Row
		parent int64
	}
	var nodes []node
	for rs.Next() {
		var n node
		if err := rs.Scan(&n.row.OrgID, &n.parent, &n.row.Name, &n.row.NameEn, &n.row.Depth); err != nil {
			return nil, nil, fmt.Errorf("oversight: scan subtree: %w", err)
		}
		nodes = append(nodes, n)
	}
	if err := rs.Err(); err != nil {
		return nil, nil, fmt.Errorf("oversight: subtree of %d: %w", orgID, err)
	}
	if len(nodes) == 0 {
		return nil, nil, store.ErrNotFound
	}
	slices.SortFunc(nodes, func(a, b node) int {
		return cmp.Or(cmp.Compare(a.row.Depth, b.row.Depth), cmp.Compare(a.row.OrgID, b.row.OrgID))
	})
	children := map[int64][]int{}
	root := -1
	for i, n := range nodes {
		if n.row.OrgID == orgID {
			root = i
			continue
		}
		children[n.parent] = append(children[n.parent], i)
	}
	rows := make([]Row, 0, len(nodes))
	index := make(map[int64]int, len(nodes))
	// An explicit stack: a province is deep enough for recursion, but not wide enough
	// to need it.
	stack := []int{root}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		index[nodes[i].row.OrgID] = len(rows)
		rows = append(rows, nodes[i].row)
		kids := children[nodes[i].row.OrgID]
		for k := len(kids) - 1; k >= 0; k-- {
			stack = append(stack, kids[k])
		}
	}
	return rows, index, nil
}

// scanInto adds the figures of a grouped query to the rows: each result row is an
// organization id and then one figure per target column.
func scanInto(rs *sql.Rows, index map[int64]int, rows []Row, width int, cols ...int) error {
	defer rs.Close()
	vals := make([]sql.NullFloat64, len(cols))
	dest := make([]any, len(cols)+1)
	var id int64
	dest[0] = &id
	for i := range vals {
		dest[i+1] = &vals[i]
	}
	for rs.Next() {
		if err := rs.Scan(dest...); err != nil {
			return err
		}
		i, ok := index[id]
		if !ok {
			continue
		}
		if rows[i].Values == nil {
			rows[i].Values = make([]float64, width)
		}
		for k, c := range cols {
			rows[i].Values[c] += vals[k].Float64
		}
	}
	return rs.Err()
}

// ensure gives every row its figures, zero where a query found nothing.
func ensure(rows []Row, width int) {
	for i := range rows {
		if rows[i].Values == nil {
			rows[i].Values = make([]float64, width)
		}
	}
}

// dateOnly is a Beijing civil date as DATE columns hold it: midnight UTC.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.In(beijing).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
