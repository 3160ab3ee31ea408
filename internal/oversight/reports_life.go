package oversight

import (
	"context"
	"fmt"

	"vanguard/internal/activity"
)

// lifeKinds are the kinds of meeting the organizational life report counts one by one:
// the forms of organizational life (activity.Kind.OrgLife) except heart-to-heart talks,
// which have a column of their own.
func lifeKinds() []activity.Kind {
	var list []activity.Kind
	for _, k := range activity.Kinds() {
		if k.OrgLife && k.Kind != activity.HeartTalk {
			list = append(list, k.Kind)
		}
	}
	return list
}

// organizationalLife fills the organizational life summary: per organization, the
// meetings it hosted and held in the period by kind (a joint meeting counts for each
// host, as each would report it, and once in the total row: see lifeTotal), what the compliance rules asked for in the period and
// how much of it was held or is overdue, the attendance at those meetings and the
// heart-to-heart talks held.
//
// A rule's month, quarter or year counts in a report when it lies inside the report's
// period: a monthly report counts the monthly rules, a quarterly one the quarterly rules
// as well, and a yearly one every rule.
func (s *Reports) organizationalLife(ctx context.Context, orgID int64, p Period, index map[int64]int, rows []Row) ([]Column, error) {
	kinds := lifeKinds()
	var cols []Column
	kindCol := map[activity.Kind]int{}
	for _, k := range kinds {
		kindCol[k] = len(cols)
		cols = append(cols, Column{Key: "held." + string(k)})
	}
	heldAll := len(cols)
	cols = append(cols, Column{Key: "held_total"}, Column{Key: "due"}, Column{Key: "done"}, Column{Key: "overdue"},
		Column{Key: "present"}, Column{Key: "late"}, Column{Key: "leave"}, Column{Key: "absent"})
	due, done, overdue := heldAll+1, heldAll+2, heldAll+3
	present, late, leave, absent := heldAll+4, heldAll+5, heldAll+6, heldAll+7
	cols = append(cols, Column{Key: "attendance_rate", Rate: true, num: []int{present, late}, den: []int{present, late, leave, absent}})
	talks := len(cols)
	cols = append(cols, Column{Key: "heart_talks"})
	ensure(rows, len(cols))

	year := int(p.From) / 10000
	m1, m2 := int(p.From)/100%100, int(p.To)/100%100
	// activity_hosts carries the Beijing year and month an activity was held in, so the
	// period is a range of months and a meeting at 23:30 on 31 December is December's.
	rs, err := s.db.QueryContext(ctx, `SELECT h.org_id, h.kind, COUNT(*), SUM(h.present), SUM(h.late), SUM(h.on_leave), SUM(h.absent)
		FROM org_tree t JOIN activity_hosts h ON h.org_id = t.org_id
		WHERE t.ancestor_id = $1 AND h.held_year = $2 AND h.held_month >= $3 AND h.held_month <= $4
		GROUP BY h.org_id, h.kind`, orgID, year, m1, m2)
	if err != nil {
		return nil, fmt.Errorf("oversight: meetings of %d in %s: %w", orgID, p.Name, err)
	}
	defer rs.Close()
	for rs.Next() {
		var id int64
		var kind activity.Kind
		var n, pr, la, le, ab int
		if err := rs.Scan(&id, &kind, &n, &pr, &la, &le, &ab); err != nil {
			return nil, fmt.Errorf("oversight: scan meetings: %w", err)
		}
		i, ok := index[id]
		if !ok || !kind.OrgLife() {
			continue
		}
		v := rows[i].Values
		if kind == activity.HeartTalk {
			v[talks] += float64(n)
		} else {
			v[kindCol[kind]] += float64(n)
		}
		v[heldAll] += float64(n)
		v[present] += float64(pr)
		v[late] += float64(la)
		v[leave] += float64(le)
		v[absent] += float64(ab)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("oversight: meetings of %d in %s: %w", orgID, p.Name, err)
	}
	rs.Close()

	cal, err := s.activities.Calendar(ctx, orgID, year)
	if err != nil {
		return nil, fmt.Errorf("oversight: compliance of %d in %d: %w", orgID, year, err)
	}
	from, to := Bounds(p)
	for _, oc := range cal.Orgs {
		i, ok := index[oc.OrgID]
		if !ok {
			continue
		}
		v := rows[i].Values
		for _, r := range oc.Rules {
			for k, per := range r.Periods {
				start, end := activity.PeriodBounds(r.Frequency, year, k)
				if start.Before(from) || end.After(to) {
					continue
				}
				if per.Due {
					v[due]++
				}
				if per.Done() {
					v[done]++
				}
				if per.Overdue {
					v[overdue]++
				}
			}
		}
	}
	return cols, nil
}

// lifeTotal recounts the total row's meeting and attendance figures once per activity.
// A joint meeting is a row of each host (each host reports it, and activity_hosts copies
// the meeting's whole attendance to every host), so the sum of the rows would count it,
// and everyone at it, once per host inside the subtree. The due, done and overdue
// figures stay the sum: each host's rules are its own.
func (s *Reports) lifeTotal(ctx context.Context, orgID int64, p Period, cols []Column, total []float64) error {
	col := map[string]int{}
	for i, c := range cols {
		col[c.Key] = i
	}
	for _, key := range []string{"held_total", "heart_talks", "present", "late", "leave", "absent"} {
		total[col[key]] = 0
	}
	for _, k := range lifeKinds() {
		total[col["held."+string(k)]] = 0
	}
	year := int(p.From) / 10000
	m1, m2 := int(p.From)/100%100, int(p.To)/100%100
	// Every host's row of an activity carries the same kind and attendance, so MAX picks
	// the activity's own.
	rs, err := s.db.QueryContext(ctx, `SELECT x.kind, COUNT(*), SUM(x.present), SUM(x.late), SUM(x.on_leave), SUM(x.absent)
		FROM (SELECT h.activity_id, MAX(h.kind) AS kind, MAX(h.present) AS present, MAX(h.late) AS late,
		             MAX(h.on_leave) AS on_leave, MAX(h.absent) AS absent
		      FROM org_tree t JOIN activity_hosts h ON h.org_id = t.org_id
		      WHERE t.ancestor_id = $1 AND h.held_year = $2 AND h.held_month >= $3 AND h.held_month <= $4
		      GROUP BY h.activity_id) x
		GROUP BY x.kind`, orgID, year, m1, m2)
	if err != nil {
		return fmt.Errorf("oversight: meetings of %d in %s once each: %w", orgID, p.Name, err)
	}
	defer rs.Close()
	for rs.Next() {
		var kind activity.Kind
		var n, pr, la, le, ab int
		if err := rs.Scan(&kind, &n, &pr, &la, &le, &ab); err != nil {
			return fmt.Errorf("oversight: scan meetings once each: %w", err)
		}
		if !kind.OrgLife() {
			continue
		}
		if kind == activity.HeartTalk {
			total[col["heart_talks"]] += float64(n)
		} else {
			total[col["held."+string(kind)]] += float64(n)
		}
		total[col["held_total"]] += float64(n)
		total[col["present"]] += float64(pr)
		total[col["late"]] += float64(la)
		total[col["leave"]] += float64(le)
		total[col["absent"]] += float64(ab)
	}
	return rs.Err()
}
