package points

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Days are Beijing calendar days: a point earned at 23:30 on the last day of a quarter in
// Shenzhen belongs to that quarter, whatever the server's time zone.
var beijing = time.FixedZone("CST", 8*3600)

// Day is a calendar day written yyyymmdd, the form the ledger keeps.
type Day int

// DayOf is the Beijing day of an instant.
func DayOf(t time.Time) Day {
	y, m, d := t.In(beijing).Date()
	return Day(y*10000 + int(m)*100 + d)
}

func (d Day) year() int      { return int(d) / 10000 }
func (d Day) month() int     { return int(d) / 100 % 100 }
func (d Day) yearMonth() int { return int(d) / 100 }
func (d Day) quarter() int   { return (d.month()-1)/3 + 1 }
func (d Day) time() time.Time {
	return time.Date(d.year(), time.Month(d.month()), int(d)%100, 0, 0, 0, 0, beijing)
}
func (d Day) String() string { return d.time().Format("2006-01-02") }

// PeriodKind is the length of a period.
type PeriodKind string

const (
	DayPeriod     PeriodKind = "day"
	MonthPeriod   PeriodKind = "month"
	QuarterPeriod PeriodKind = "quarter"
	YearPeriod    PeriodKind = "year"
)

// Period is a span of days written the way people say it: "2026", "2026-Q4", "2026-11"
// or "2026-11-21". From and To are inclusive.
type Period struct {
	Kind     PeriodKind
	From, To Day
	Name     string
}

// ParsePeriod reads a period; an empty string is the current year.
func ParsePeriod(s string, now time.Time) (Period, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return YearOf(DayOf(now)), nil
	}
	bad := fmt.Errorf("points: period %q: want 2026, 2026-Q4, 2026-11 or 2026-11-21", s)
	switch {
	case len(s) == 4:
		y, err := strconv.Atoi(s)
		if err != nil || y < 1921 || y > 9999 {
			return Period{}, bad
		}
		return YearOf(Day(y*10000 + 101)), nil
	case len(s) == 7 && (s[5] == 'Q' || s[5] == 'q'):
		y, err1 := strconv.Atoi(s[:4])
		q, err2 := strconv.Atoi(s[6:])
		if err1 != nil || err2 != nil || s[4] != '-' || q < 1 || q > 4 || y < 1921 {
			return Period{}, bad
		}
		return QuarterOf(Day(y*10000 + (q*3-2)*100 + 1)), nil
	case len(s) == 7:
		t, err := time.ParseInLocation("2006-01", s, beijing)
		if err != nil || t.Year() < 1921 {
			return Period{}, bad
		}
		return MonthOf(DayOf(t)), nil
	case len(s) == 10:
		t, err := time.ParseInLocation("2006-01-02", s, beijing)
		if err != nil || t.Year() < 1921 {
			return Period{}, bad
		}
		d := DayOf(t)
		return Period{Kind: DayPeriod, From: d, To: d, Name: s}, nil
	}
	return Period{}, bad
}

// YearOf, QuarterOf and MonthOf are the periods a day falls in.
func YearOf(d Day) Period {
	y := d.year()
	return Period{Kind: YearPeriod, From: Day(y*10000 + 101), To: Day(y*10000 + 1231), Name: strconv.Itoa(y)}
}

func QuarterOf(d Day) Period {
	y, q := d.year(), d.quarter()
	first := time.Date(y, time.Month(q*3-2), 1, 0, 0, 0, 0, beijing)
	return Period{Kind: QuarterPeriod, From: DayOf(first), To: DayOf(first.AddDate(0, 3, -1)), Name: fmt.Sprintf("%d-Q%d", y, q)}
}

func MonthOf(d Day) Period {
	first := time.Date(d.year(), time.Month(d.month()), 1, 0, 0, 0, 0, beijing)
	return Period{Kind: MonthPeriod, From: DayOf(first), To: DayOf(first.AddDate(0, 1, -1)), Name: first.Format("2006-01")}
}

// Contains tells whether a day is in the period.
func (p Period) Contains(d Day) bool { return d >= p.From && d <= p.To }

// Ranked tells whether rankings and star rolls are kept for periods of this kind; a day
// is too short to rank anyone fairly.
func (p Period) Ranked() bool { return p.Kind != DayPeriod }

// capBucket names the counter a capped rule fills: its day, or its month, quarter or year.
func capBucket(kind string, d Day) string {
	switch kind {
	case "day":
		return "d" + strconv.Itoa(int(d))
	case "month":
		return "m" + strconv.Itoa(d.yearMonth())
	case "quarter":
		return fmt.Sprintf("q%d%d", d.year(), d.quarter())
	case "year":
		return "y" + strconv.Itoa(d.year())
	}
	return ""
}
