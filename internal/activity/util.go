package activity

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/i18n"
)

// placeholders returns "$n, $n+1, …" for ids and the ids as arguments.
func placeholders(ids []int64, first int) (string, []any) {
	marks := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		marks[i] = "$" + strconv.Itoa(first+i)
		args[i] = id
	}
	return strings.Join(marks, ", "), args
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// asError returns nil, the single error, or the list, so callers can test errors.As
// against *i18n.Error when only one thing is wrong.
func asError(errs i18n.Errors) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errs
}

// beijing is the zone of the platform's calendar: a meeting on the evening of 31 March
// in Beijing is a March meeting, whatever zone the server runs in.
var beijing = time.FixedZone("CST", 8*60*60)

// formatTime writes a time for a message parameter, in Beijing time.
func formatTime(t time.Time) string { return t.In(beijing).Format("2006-01-02 15:04") }

// dbTime reads a timestamp that an aggregate (MAX, MIN) returned. PostgreSQL gives a
// time; SQLite, which types only columns, gives the stored text.
type dbTime struct {
	Time  time.Time
	Valid bool
}

// sqliteLayouts are the forms the SQLite driver writes times in (_time_format=sqlite),
// and plain dates.
var sqliteLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02",
}

func (d *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*d = dbTime{}
		return nil
	case time.Time:
		*d = dbTime{Time: x, Valid: true}
		return nil
	case []byte:
		return d.Scan(string(x))
	case string:
		for _, layout := range sqliteLayouts {
			if t, err := time.Parse(layout, x); err == nil {
				*d = dbTime{Time: t, Valid: true}
				return nil
			}
		}
		return fmt.Errorf("activity: unreadable time %q", x)
	}
	return fmt.Errorf("activity: unexpected time value %T", v)
}

// day is a civil date in Beijing as midnight UTC, the form dates take in this project.
func day(t time.Time) time.Time {
	y, m, d := t.In(beijing).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
