package member

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"
)

// foldWidth maps full-width ASCII forms (U+FF01-U+FF5E), which Chinese input
// methods produce, and the ideographic space to their ASCII counterparts.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '\uff01' && r <= '\uff5e':
			return r - 0xfee0
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
}

// normalizeName drops the spaces between two Chinese characters: workers pad
// two-character names to the width of three ("李　四") to line up a printed list.
// Spaces elsewhere, as in "Zhang San", stay.
func normalizeName(s string) string {
	if !strings.ContainsFunc(s, unicode.IsSpace) {
		return s
	}
	r := []rune(s)
	out := make([]rune, 0, len(r))
	for i := 0; i < len(r); i++ {
		if unicode.IsSpace(r[i]) {
			j := i
			for j < len(r) && unicode.IsSpace(r[j]) {
				j++
			}
			if len(out) > 0 && j < len(r) && unicode.Is(unicode.Han, out[len(out)-1]) && unicode.Is(unicode.Han, r[j]) {
				i = j - 1
				continue
			}
		}
		out = append(out, r[i])
	}
	return string(out)
}

// parseGender accepts 男/女 and English, in any case.
func parseGender(v string) (string, bool) {
	switch strings.ToLower(foldWidth(v)) {
	case "男", "男性", "male", "m":
		return genderMale, true
	case "女", "女性", "female", "f":
		return genderFemale, true
	}
	return "", false
}

// parseStage maps a 人员类别 or 政治面貌 value to its stage code. The stages follow
// the membership-development regulation (中国共产党发展党员工作细则): applicant,
// activist, candidate (development target), probationary member, full member.
func parseStage(v string) (string, bool) {
	s := strings.ToLower(strings.Join(strings.Fields(foldWidth(v)), ""))
	switch s {
	case "群众", "resident":
		return "resident", true
	case "入党申请人", "申请人", "applicant":
		return "applicant", true
	case "入党积极分子", "积极分子", "activist":
		return "activist", true
	case "发展对象", "candidate":
		return "candidate", true
	case "预备党员", "中共预备党员", "probationary":
		return "probationary", true
	case "正式党员", "党员", "中共党员", "full":
		return "full", true
	}
	return "", false
}

// normalizePhone removes spaces and a +86/0086 country prefix and checks what is
// left: an 11-digit mobile starting with 1, or a landline of digits and dashes
// (0571-88888888, 88888888, 0571-88888888-123). It returns the cleaned number;
// a mobile comes back as 11 bare digits however it was grouped.
func normalizePhone(v string) (string, bool) {
	s := strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '－' || r == '—' || r == '–':
			return '-'
		case r == '＋':
			return '+'
		}
		return r
	}, v)
	for _, prefix := range []string{"+86-", "+86", "0086-", "0086"} {
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			s = rest
			break
		}
	}
	if len(s) == 13 && strings.HasPrefix(s, "861") && allASCIIDigits(s) {
		s = s[2:]
	}
	if m := strings.ReplaceAll(s, "-", ""); isMobilePhone(m) {
		return m, true // 138-1234-5678: a mobile written in groups
	}
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return s, false
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		switch {
		case isASCIIDigit(s[i]):
			digits++
		case s[i] != '-':
			return s, false
		}
	}
	if s[0] == '1' {
		// Mainland landlines begin with 0 (area code) or 2-9 (local number), so
		// a number starting with 1 was meant as a mobile, and it is not one.
		return s, false
	}
	// 7-digit local numbers up to area code, 8-digit number and an extension.
	return s, digits >= 7 && digits <= 16
}

// parseDateCell reads a date as workers write it — 2006-01-02, 2006/1/2,
// 2006.01.02, 20060102, 2006年1月2日, with or without a time of day — or as an
// Excel serial number, which is how a date cell reaches us from an xlsx file and
// how a date column saved as CSV with the General format looks. It returns the
// date as midnight UTC.
func parseDateCell(v string, date1904 bool) (time.Time, bool) {
	s := foldWidth(trimCell(v))
	if i := strings.IndexAny(s, " T"); i > 0 {
		s = s[:i] // a time of day: 2006-01-02 00:00:00, or ISO 2006-01-02T00:00:00Z
	}
	if strings.Contains(s, "年") {
		y, rest, ok1 := strings.Cut(s, "年")
		m, rest, ok2 := strings.Cut(rest, "月")
		d := strings.TrimSuffix(strings.TrimSuffix(rest, "日"), "号")
		if !ok1 || !ok2 {
			return time.Time{}, false
		}
		return datePartsToTime(y, m, d)
	}
	if i := strings.IndexAny(s, "-/."); i > 0 && !looksScientific(s) {
		sep := s[i : i+1]
		parts := strings.Split(s, sep)
		if len(parts) == 3 {
			return datePartsToTime(parts[0], parts[1], parts[2])
		}
		if len(parts) != 2 || sep != "." {
			return time.Time{}, false
		}
		// "44927.5" is a serial number with a time of day; fall through.
	}
	if len(s) == 8 && allASCIIDigits(s) {
		return parseCompactDate(s)
	}
	serial, err := strconv.ParseFloat(s, 64)
	if err != nil || serial < 1 || serial >= 2958466 { // 2958466 is 10000-01-01
		return time.Time{}, false
	}
	if len(s) == 4 && serial >= 1900 && serial <= 2100 {
		// A bare year, not serial 1900 (a day in 1905): nobody on a roster was
		// born or admitted in 1905, so refuse rather than guess.
		return time.Time{}, false
	}
	t, err := excelize.ExcelDateToTime(serial, date1904)
	if err != nil {
		return time.Time{}, false
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), true
}

// datePartsToTime builds a date from a four-digit year and a one- or two-digit
// month and day.
func datePartsToTime(y, m, d string) (time.Time, bool) {
	if len(y) != 4 || len(m) < 1 || len(m) > 2 || len(d) < 1 || len(d) > 2 ||
		!allASCIIDigits(y) || !allASCIIDigits(m) || !allASCIIDigits(d) {
		return time.Time{}, false
	}
	return calendarDate(digitsToInt(y), digitsToInt(m), digitsToInt(d))
}

// looksScientific reports whether a cell holds a number in scientific notation,
// as Excel shows (and saves to CSV) a long digit string it took for a number:
// 1.10105E+17.
func looksScientific(s string) bool {
	if !strings.ContainsAny(s, "eE") {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}
