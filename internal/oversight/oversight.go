// Package oversight is the higher committee's view of a subtree, read straight from the
// records the branches already keep (record once): the dashboard with its drill-down one
// level at a time down to a person, the ready-made statistical reports a committee would
// otherwise ask branches to fill in, and an organization's yearly record.
//
// Nothing here is typed in by a branch and nothing is kept that the records do not say:
// every figure is computed from the activities, people, learning, points, deliberation and
// evaluation tables, and carries the time it was taken.
package oversight

import (
	"strings"
	"time"

	"vanguard/internal/i18n"
	"vanguard/internal/points"
)

// Period is a month, quarter or year, written 2023-12, 2023-Q4 or 2023.
type Period = points.Period

// ParsePeriod reads a period for a dashboard or a report; an empty string is the current
// year. A single day is refused: no committee reports by the day.
func ParsePeriod(s string, now time.Time) (Period, error) {
	p, err := points.ParsePeriod(s, now)
	if err != nil || p.Kind == points.DayPeriod {
		return Period{}, i18n.Invalid("period", "oversight.error.period", "value", strings.TrimSpace(s))
	}
	return p, nil
}

// Bounds are a period's instants: from its first Beijing midnight up to (not including)
// the midnight after its last day.
func Bounds(p Period) (from, to time.Time) {
	from = dayStart(int(p.From))
	to = dayStart(int(p.To)).AddDate(0, 0, 1)
	return from, to
}

var beijing = time.FixedZone("CST", 8*3600)

func dayStart(d int) time.Time {
	return time.Date(d/10000, time.Month(d/100%100), d%100, 0, 0, 0, 0, beijing)
}
