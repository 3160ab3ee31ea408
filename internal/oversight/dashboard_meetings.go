package oversight

import (
	"cmp"
	"context"
	"slices"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/points"
)

// meetings reads what was due, held and overdue from the compliance calendar of the
// period's year — the calendar already knows the rules in force for every organization
// of the subtree, with the overrides, the secretary's lectures and the committee pairs —
// and keeps the rule periods that overlap the dashboard's period.
func (s *Service) meetings(ctx context.Context, f *figures) error {
	year := f.from.Year()
	cal, err := s.activities.Calendar(ctx, f.d.OrgID, year)
	if err != nil {
		return err
	}
	m := &f.d.Meetings
	months := monthsOf(f.from, f.to)
	m.ByMonth = make([]MonthFigures, len(months))
	for i, t := range months {
		m.ByMonth[i].Month = t.Format("2006-01")
	}
	byKind := map[activity.Kind]*KindFigures{}
	// The calendar lists parents before children, so an organization's child of the
	// root is known by the time it is reached.
	under := map[int64]*Child{}
	f.d.Attendance = Attendance{}
	for _, oc := range cal.Orgs {
		ch := f.child(oc.OrgID)
		if ch == nil && oc.OrgID != f.d.OrgID {
			ch = under[oc.ParentID]
		}
		under[oc.OrgID] = ch
		overdue := 0
		for _, r := range oc.Rules {
			for i, per := range r.Periods {
				start, end := activity.PeriodBounds(r.Frequency, year, i)
				if !end.After(f.from) || !start.Before(f.to) {
					continue
				}
				k := byKind[r.Kind]
				if k == nil {
					k = &KindFigures{Kind: r.Kind}
					byKind[r.Kind] = k
				}
				mi := monthIndex(months, later(start, f.from))
				due, held, late := b2i(per.Due), b2i(per.Due && per.Done()), b2i(per.Overdue)
				m.Due, m.Held, m.Overdue = m.Due+due, m.Held+held, m.Overdue+late
				k.Due, k.Held, k.Overdue = k.Due+due, k.Held+held, k.Overdue+late
				mf := &m.ByMonth[mi]
				mf.Due, mf.Held, mf.Overdue = mf.Due+due, mf.Held+held, mf.Overdue+late
				if ch != nil {
					ch.Due, ch.Held, ch.Overdue = ch.Due+due, ch.Held+held, ch.Overdue+late
				}
				overdue += late
			}
		}
		if overdue > 0 {
			m.OverdueOrgs = append(m.OverdueOrgs, OrgOverdue{OrgID: oc.OrgID, Name: oc.Name, Overdue: overdue})
		}
		if f.p.Kind == points.YearPeriod {
			// The calendar's year of attendance is the period's: no second query.
			a := Attendance{Present: oc.Attendance.Present, Late: oc.Attendance.Late, Leave: oc.Attendance.Leave, Absent: oc.Attendance.Absent}
			f.d.Attendance.add(a)
			if ch != nil {
				ch.Attendance.add(a)
			}
		}
	}
	for _, info := range activity.Kinds() {
		if k := byKind[info.Kind]; k != nil {
			m.ByKind = append(m.ByKind, *k)
		}
	}
	slices.SortStableFunc(m.OverdueOrgs, func(a, b OrgOverdue) int {
		return cmp.Or(cmp.Compare(b.Overdue, a.Overdue), cmp.Compare(a.OrgID, b.OrgID))
	})
	if len(m.OverdueOrgs) > maxOverdueOrgs {
		m.OverdueOrgs = m.OverdueOrgs[:maxOverdueOrgs]
	}
	if m.ByKind == nil {
		m.ByKind = []KindFigures{}
	}
	if m.OverdueOrgs == nil {
		m.OverdueOrgs = []OrgOverdue{}
	}
	return nil
}

// attendance tallies a quarter's or a month's attendance from the hosts table, through
// its (organization, year, kind, month, counts) index; a year's came with the calendar.
func (s *Service) attendance(ctx context.Context, f *figures) error {
	if f.p.Kind == points.YearPeriod {
		return nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT COALESCE(c.ancestor_id, 0), COALESCE(SUM(h.present), 0), COALESCE(SUM(h.late), 0),
		COALESCE(SUM(h.on_leave), 0), COALESCE(SUM(h.absent), 0)
		FROM org_tree t`+byChild+`JOIN activity_hosts h ON h.org_id = t.org_id
		WHERE t.ancestor_id = $1 AND h.held_year = $2 AND h.held_month BETWEEN $3 AND $4
		GROUP BY COALESCE(c.ancestor_id, 0)`, f.d.OrgID, f.from.Year(), int(f.from.Month()), int(f.to.AddDate(0, 0, -1).Month()))
	if err != nil {
		return wrap("attendance", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a Attendance
		if err := rows.Scan(&id, &a.Present, &a.Late, &a.Leave, &a.Absent); err != nil {
			return wrap("scan attendance", err)
		}
		f.d.Attendance.add(a)
		if ch := f.child(id); ch != nil {
			ch.Attendance.add(a)
		}
	}
	return rows.Err()
}

// monthsOf lists the first instant of every month in [from, to).
func monthsOf(from, to time.Time) []time.Time {
	var list []time.Time
	for t := from; t.Before(to); t = t.AddDate(0, 1, 0) {
		list = append(list, t)
	}
	return list
}

func monthIndex(months []time.Time, t time.Time) int {
	for i := len(months) - 1; i >= 0; i-- {
		if !t.Before(months[i]) {
			return i
		}
	}
	return 0
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
