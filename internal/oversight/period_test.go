package oversight

import (
	"errors"
	"testing"
	"time"

	"vanguard/internal/i18n"
)

func TestPeriodsAreMonthsQuartersOrYears(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		in, name string
		from, to time.Time
	}{
		{"2023", "2023", time.Date(2023, 1, 1, 0, 0, 0, 0, beijing), time.Date(2024, 1, 1, 0, 0, 0, 0, beijing)},
		{"2023-Q4", "2023-Q4", time.Date(2023, 10, 1, 0, 0, 0, 0, beijing), time.Date(2024, 1, 1, 0, 0, 0, 0, beijing)},
		{"2024-02", "2024-02", time.Date(2024, 2, 1, 0, 0, 0, 0, beijing), time.Date(2024, 3, 1, 0, 0, 0, 0, beijing)},
		{"", "2026", time.Date(2026, 1, 1, 0, 0, 0, 0, beijing), time.Date(2027, 1, 1, 0, 0, 0, 0, beijing)},
	}
	for _, c := range cases {
		p, err := ParsePeriod(c.in, now)
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		from, to := Bounds(p)
		if p.Name != c.name || !from.Equal(c.from) || !to.Equal(c.to) {
			t.Errorf("%q: %s %v–%v, want %s %v–%v", c.in, p.Name, from, to, c.name, c.from, c.to)
		}
	}
	for _, bad := range []string{"2023-11-05", "2023-Q5", "23", "2023-13", "1900"} {
		_, err := ParsePeriod(bad, now)
		var ie *i18n.Error
		if !errors.As(err, &ie) || ie.Field != "period" {
			t.Errorf("%q: %v, want an error on the period field", bad, err)
		}
	}
}
