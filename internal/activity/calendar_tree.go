package activity

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/org"
)

// The organizations of a calendar: read in a few queries, put in tree order, and given
// the rules in force for each without a query per organization.

// calendarTree is the subtree a calendar covers, as read.
type calendarTree struct {
	nodes  []calNode // by id
	parent []int32   // the node of each node's parent, -1 for the root and orphans
	hint   int32     // where find looks first
	// whole tells that the subtree is every organization on record: its rows are read
	// without the tree table.
	whole bool
	// order lists the nodes reachable from the calendar's organization, parents before
	// children, siblings in order of creation (by id).
	order []int32
	// held holds every node's held activities, one entry kind<<4 | month each (the kind's
	// place in the kinds table, the month 1–12): a province holds over a million, and a
	// slice of small numbers costs the collector nothing to scan.
	held []uint16
}

// calNode is one organization of the subtree before it is laid out.
type calNode struct {
	id, parent int64
	name       string
	kind       org.Kind
	depth      int
	dissolved  *time.Time
	held       [2]int32 // its entries in calendarTree.held, [start, end)
	talks      string   // the year's heart-to-heart talks, "a-b-month;…"
	attendance Tally
}

// readCalendarTree reads the organizations of a subtree that still existed at the start
// of the year (the organization itself always), and puts them in tree order.
func (s *Service) readCalendarTree(ctx context.Context, orgID int64, yearStart time.Time) (*calendarTree, error) {
	t := &calendarTree{}
	var roots, isRoot int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN id = $1 THEN 1 ELSE 0 END), 0)
		FROM orgs WHERE parent_id IS NULL`, orgID).Scan(&roots, &isRoot); err != nil {
		return nil, fmt.Errorf("activity: calendar orgs of %d: %w", orgID, err)
	}
	// The calendar of the one top organization — a province's — is the most asked for
	// and the largest; it needs no tree table to say what is in it.
	t.whole = roots == 1 && isRoot == 1
	query := `SELECT o.id, o.parent_id, o.name, o.kind, o.depth, o.dissolved_at
		FROM org_tree t JOIN orgs o ON o.id = t.org_id
		WHERE t.ancestor_id = $1 AND (o.dissolved_at IS NULL OR o.dissolved_at >= $2 OR o.id = $1)`
	if t.whole {
		query = `SELECT id, parent_id, name, kind, depth, dissolved_at FROM orgs
			WHERE dissolved_at IS NULL OR dissolved_at >= $2 OR id = $1`
	}
	rows, err := s.db.QueryContext(ctx, query, orgID, yearStart)
	if err != nil {
		return nil, fmt.Errorf("activity: calendar orgs of %d: %w", orgID, err)
	}
	defer rows.Close()
	// Scanned into variables declared once: each would otherwise be a heap object per row.
	var id, parent, depth any
	var name, kind string
	var dissolved sql.NullTime
	for rows.Next() {
		if err := rows.Scan(&id, &parent, &name, &kind, &depth, &dissolved); err != nil {
			return nil, fmt.Errorf("activity: scan calendar org: %w", err)
		}
		n := calNode{id: anyInt64(id), parent: anyInt64(parent), name: name, kind: knownOrgKind(org.Kind(kind)), depth: int(anyInt64(depth))}
		if dissolved.Valid {
			n.dissolved = new(dissolved.Time)
		}
		if len(t.nodes) == cap(t.nodes) {
			// Doubled rather than left to append, which grows large slices by a quarter
			// and would copy a province's nodes a dozen times.
			t.nodes = slices.Grow(t.nodes, max(len(t.nodes), 256))
		}
		t.nodes = append(t.nodes, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("activity: calendar orgs of %d: %w", orgID, err)
	}
	// Sorted here rather than asked of the database: SQLite returns them in order of id
	// already, and PostgreSQL's hash join in no order.
	if !slices.IsSortedFunc(t.nodes, byID) {
		slices.SortFunc(t.nodes, byID)
	}
	t.order = t.treeOrder(orgID)
	return t, nil
}

// find returns the node of an organization. Rows mostly come in order of id, as the
// nodes are, so the node after the last one found is tried before a binary search: a
// hundred thousand lookups in a map cost more than the rest of the layout.
func (t *calendarTree) find(id int64) (int32, bool) {
	if h := t.hint; int(h) < len(t.nodes) && t.nodes[h].id == id {
		t.hint++
		return h, true
	}
	i, ok := slices.BinarySearchFunc(t.nodes, id, func(n calNode, id int64) int { return cmp.Compare(n.id, id) })
	if ok {
		t.hint = int32(i) + 1
	}
	return int32(i), ok
}

func byID(a, b calNode) int { return cmp.Compare(a.id, b.id) }

// knownOrgKind returns the constant for a kind the scan produced, so that a hundred
// thousand rows share four strings rather than each holding its own.
func knownOrgKind(k org.Kind) org.Kind {
	for _, v := range org.Kinds() {
		if k == v {
			return v
		}
	}
	return k
}

// anyInt64 reads an integer column scanned into an any: drivers hand back int64 (or
// nil for NULL), and scanning into an int would go through reflection for each of a
// hundred thousand rows.
func anyInt64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case []byte:
		n, _ := strconv.ParseInt(string(x), 10, 64)
		return n
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

// treeOrder lists the nodes reachable from the root, parents before children, siblings
// by id (the nodes are sorted by id), without recursion: children are gathered into
// one array, each parent's a contiguous run.
func (t *calendarTree) treeOrder(rootID int64) []int32 {
	n := len(t.nodes)
	root, ok := t.find(rootID)
	if !ok {
		return nil
	}
	parent := make([]int32, n)
	t.parent = parent
	start := make([]int32, n+1) // children of node i: kids[start[i]:start[i+1]]
	for i := range t.nodes {
		parent[i] = -1
		if p, ok := t.find(t.nodes[i].parent); ok && int32(i) != root {
			parent[i] = p
			start[p+1]++
		}
	}
	for i := range n {
		start[i+1] += start[i]
	}
	kids := make([]int32, start[n])
	fill := slices.Clone(start[:n])
	for i, p := range parent {
		if p >= 0 {
			kids[fill[p]] = int32(i)
			fill[p]++
		}
	}
	order := make([]int32, 0, n)
	stack := []int32{root}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		order = append(order, i)
		// Pushed in reverse so that the first child comes off the stack first.
		for k := start[i+1] - 1; k >= start[i]; k-- {
			stack = append(stack, kids[k])
		}
	}
	return order
}

// readSummaries reads the year's summary row (activity_org_years) of every node. For the
// whole tree it reads the year's rows as they lie: looking each organization up costs
// SQLite several times a row read in order, and PostgreSQL a hash of the subtree.
func (s *Service) readSummaries(ctx context.Context, t *calendarTree, orgID int64, year int) error {
	query := `SELECT y.org_id, y.held, y.talks, y.present, y.late, y.on_leave, y.absent
		FROM org_tree t JOIN activity_org_years y ON y.org_id = t.org_id AND y.year = $2
		WHERE t.ancestor_id = $1`
	args := []any{orgID, year}
	if t.whole {
		query = `SELECT org_id, held, talks, present, late, on_leave, absent FROM activity_org_years WHERE year = $1`
		args = []any{year}
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("activity: summaries under %d: %w", orgID, err)
	}
	defer rows.Close()
	var id, present, late, leave, absent any
	var held, talks string
	for rows.Next() {
		if err := rows.Scan(&id, &held, &talks, &present, &late, &leave, &absent); err != nil {
			return fmt.Errorf("activity: scan summary: %w", err)
		}
		i, ok := t.find(anyInt64(id))
		if !ok {
			continue
		}
		n := &t.nodes[i]
		n.held[0] = int32(len(t.held))
		if cap(t.held)-len(t.held) < len(held) {
			t.held = slices.Grow(t.held, max(len(t.held), len(held))) // doubled, as the nodes
		}
		t.held = appendHeld(t.held, held)
		n.held[1] = int32(len(t.held))
		n.talks = talks
		n.attendance = Tally{Present: int(anyInt64(present)), Late: int(anyInt64(late)),
			Leave: int(anyInt64(leave)), Absent: int(anyInt64(absent))}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("activity: summaries under %d: %w", orgID, err)
	}
	return nil
}

// appendHeld adds a summary's held activities ("kind=month,month;kind=month") to the
// list, one entry per activity; kinds not in the table are left out.
func appendHeld(list []uint16, held string) []uint16 {
	for held != "" {
		var part string
		part, held, _ = strings.Cut(held, ";")
		name, months, ok := strings.Cut(part, "=")
		k := kindIndex(Kind(name))
		if !ok || k < 0 {
			continue
		}
		m := 0
		for j := 0; j <= len(months); j++ {
			if j == len(months) || months[j] == ',' {
				if m >= 1 && m <= 12 {
					list = append(list, uint16(k)<<4|uint16(m))
				}
				m = 0
				continue
			}
			m = m*10 + int(months[j]-'0')
		}
	}
	return list
}

// kindIndex is the place of a kind in the kinds table, or -1.
func kindIndex(k Kind) int {
	for i := range kinds {
		if kinds[i].Kind == k {
			return i
		}
	}
	return -1
}

// ruleSet is the rules in force for an organization kind under some overrides, with the
// place of each rule's kind in the kinds table.
type ruleSet struct {
	rules []Rule
	kinds []int
}

// ruleEnv is the overrides in force at a point of the tree: those set on it and above,
// the nearest winning. Organizations without overrides of their own share their
// parent's, and with it the rule sets already worked out for each kind.
type ruleEnv struct {
	overrides []Rule
	sets      map[org.Kind]*ruleSet
}

func (e *ruleEnv) with(own []Rule) *ruleEnv {
	if len(own) == 0 {
		return e
	}
	next := &ruleEnv{overrides: slices.Clone(e.overrides), sets: map[org.Kind]*ruleSet{}}
	for _, r := range own {
		next.overrides = slices.DeleteFunc(next.overrides, func(o Rule) bool { return o.OrgKind == r.OrgKind && o.Kind == r.Kind })
		next.overrides = append(next.overrides, r)
	}
	return next
}

func (e *ruleEnv) rulesOf(kind org.Kind) *ruleSet {
	if set, ok := e.sets[kind]; ok {
		return set
	}
	var mine []Rule
	for _, r := range e.overrides {
		if r.OrgKind == kind {
			mine = append(mine, r)
		}
	}
	set := &ruleSet{rules: rulesFor(kind, mine)}
	for _, r := range set.rules {
		set.kinds = append(set.kinds, kindIndex(r.Kind))
	}
	e.sets[kind] = set
	return set
}

// ruleEnvs reads the overrides set on the organization's ancestors and in its subtree —
// a handful of rows, however large the tree — and works out, walking the tree, the
// overrides in force for each node.
func (s *Service) ruleEnvs(ctx context.Context, t *calendarTree, orgID int64) ([]*ruleEnv, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.org_id, r.org_kind, r.kind, r.frequency, -t.distance
		FROM compliance_rules r JOIN org_tree t ON t.ancestor_id = r.org_id AND t.org_id = $1 AND t.distance > 0
		UNION ALL
		SELECT r.org_id, r.org_kind, r.kind, r.frequency, t.distance
		FROM compliance_rules r JOIN org_tree t ON t.org_id = r.org_id AND t.ancestor_id = $1`, orgID)
	if err != nil {
		return nil, fmt.Errorf("activity: rules under %d: %w", orgID, err)
	}
	defer rows.Close()
	type setRule struct {
		Rule
		distance int64 // from the calendar's organization, negative above it
	}
	var above []setRule
	own := map[int64][]Rule{}
	for rows.Next() {
		var r setRule
		var distance any
		if err := rows.Scan(&r.SetOn, &r.OrgKind, &r.Kind, &r.Frequency, &distance); err != nil {
			return nil, fmt.Errorf("activity: scan rule: %w", err)
		}
		if r.distance = anyInt64(distance); r.distance < 0 {
			above = append(above, r)
		} else {
			own[r.SetOn] = append(own[r.SetOn], r.Rule)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("activity: rules under %d: %w", orgID, err)
	}
	// The farthest first, so that nearer ones replace them.
	slices.SortStableFunc(above, func(a, b setRule) int { return int(a.distance - b.distance) })
	top := &ruleEnv{sets: map[org.Kind]*ruleSet{}}
	for _, r := range above {
		top = top.with([]Rule{r.Rule})
	}
	envs := make([]*ruleEnv, len(t.nodes))
	for _, i := range t.order {
		parent := top
		if p := t.parent[i]; p >= 0 {
			parent = envs[p]
		}
		envs[i] = parent.with(own[t.nodes[i].id])
	}
	return envs, nil
}
