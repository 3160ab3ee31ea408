package member

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"vanguard/internal/i18n"
)

// idNumberField is the field name ID-number errors carry outside of an import.
const idNumberField = "id_number"

// idCheckChars maps the weighted sum mod 11 to the check character (GB 11643-1999).
const idCheckChars = "10X98765432"

// beijingZone is the zone "today" is judged in: the platform serves the mainland,
// where a birth date or an admission date is a date on a Beijing-time calendar,
// whatever zone the server runs in.
func beijingZone() *time.Location { return time.FixedZone("CST", 8*60*60) }

// beijingToday returns now's calendar date in Beijing time as midnight UTC, the
// form every calendar date in this package takes, so dates compare with Before and
// Equal.
func beijingToday(now time.Time) time.Time {
	y, m, d := now.In(beijingZone()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// earliestBirthDate is the first date accepted for a birth: nobody alive and recorded
// in a roster was born before 1900, so an earlier date is a typing error.
func earliestBirthDate() time.Time { return time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC) }

// NormalizeIDNumber trims surrounding spaces (including the ideographic space
// U+3000 that Chinese input methods produce), folds full-width digits and X, which
// the same input methods type, to ASCII, and upper-cases the check character x.
func NormalizeIDNumber(s string) string {
	s = trimCell(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == 'x', r == 'Ｘ', r == 'ｘ':
			return 'X'
		}
		return r
	}, s)
}

// ValidateIDNumber checks a mainland resident identity number (GB 11643-1999):
// 17 digits and a check character, the ISO 7064 MOD 11-2 checksum, and the birth
// date in characters 7-14, which must be a real date between 1900-01-01 and today.
// It returns the birth date as midnight UTC. Errors are *i18n.Error on the field
// "id_number"; the number is normalized first, so a lowercase x is accepted.
func ValidateIDNumber(s string) (birth time.Time, err error) {
	return validateIDNumber(s, time.Now())
}

func validateIDNumber(s string, now time.Time) (time.Time, error) {
	s = NormalizeIDNumber(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return time.Time{}, i18n.Invalid(idNumberField, "idcard.required")
	case n == 15 && allASCIIDigits(s):
		// First-generation cards carried 15 digits; they stopped being valid on
		// 2013-01-01, so the person has an 18-digit number to give instead.
		return time.Time{}, i18n.Invalid(idNumberField, "idcard.legacy")
	case n != 18:
		return time.Time{}, i18n.Invalid(idNumberField, "idcard.length", "length", n)
	}
	// n == 18 runes; all must be ASCII for the byte indexing below.
	if len(s) != 18 || !allASCIIDigits(s[:17]) || !(isASCIIDigit(s[17]) || s[17] == 'X') {
		return time.Time{}, i18n.Invalid(idNumberField, "idcard.format")
	}
	if idCheckChar(s[:17]) != s[17] {
		return time.Time{}, i18n.Invalid(idNumberField, "idcard.checksum")
	}
	birth, ok := parseCompactDate(s[6:14])
	if !ok {
		return time.Time{}, i18n.Invalid(idNumberField, "idcard.birthdate", "date", s[6:14])
	}
	if birth.Before(earliestBirthDate()) {
		return time.Time{}, i18n.Invalid(idNumberField, "idcard.birthdate_too_early", "date", birth.Format(time.DateOnly))
	}
	if birth.After(beijingToday(now)) {
		return time.Time{}, i18n.Invalid(idNumberField, "idcard.birthdate_future", "date", birth.Format(time.DateOnly))
	}
	return birth, nil
}

// idCheckChar computes the check character for the first 17 digits.
func idCheckChar(first17 string) byte {
	// ISO 7064 MOD 11-2 weights (GB 11643-1999, 8.2): 2^(17-i) mod 11 for the
	// character at 0-based position i.
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * weights[i]
	}
	return idCheckChars[sum%11]
}

// GenderFromIDNumber returns "male" or "female" from the parity of the 17th
// character, the sequence code that GB 11643-1999 gives odd to men and even to
// women. It returns "" when that character is not a digit.
func GenderFromIDNumber(s string) string {
	s = NormalizeIDNumber(s)
	if len(s) < 17 || !isASCIIDigit(s[16]) {
		return ""
	}
	if (s[16]-'0')%2 == 1 {
		return genderMale
	}
	return genderFemale
}

// Gender codes stored and returned by this package.
const (
	genderMale   = "male"
	genderFemale = "female"
)

// MaskIDNumber hides the middle of an ID number for viewers whose role does not
// need it: the region code (first 6) and the last 4 stay, as on receipts and bank
// statements, e.g. 330402********1234. A number too short to keep 10 characters
// keeps the same proportions (a third at the front, two ninths at the back), and
// always masks at least one character.
func MaskIDNumber(s string) string {
	r := []rune(trimCell(s))
	n := len(r)
	if n == 0 {
		return ""
	}
	head, tail := 6, 4
	if n <= head+tail {
		head, tail = n/3, n*2/9
		if head+tail >= n { // only possible for n == 1
			head, tail = 0, 0
		}
	}
	return string(r[:head]) + strings.Repeat("*", n-head-tail) + string(r[n-tail:])
}

// MaskPhone hides a phone number: a mainland mobile keeps its carrier prefix and
// last 4 digits (138****1234); anything else keeps only its last 4 characters, and
// a number of 4 characters or fewer is masked entirely.
func MaskPhone(s string) string {
	s = trimCell(s)
	if s == "" {
		return ""
	}
	if isMobilePhone(s) {
		return s[:3] + "****" + s[7:]
	}
	r := []rune(s)
	if len(r) <= 4 {
		return strings.Repeat("*", len(r))
	}
	return strings.Repeat("*", len(r)-4) + string(r[len(r)-4:])
}

// isMobilePhone reports whether s is an 11-digit mainland mobile number; all of them
// begin with 1.
func isMobilePhone(s string) bool {
	return len(s) == 11 && s[0] == '1' && allASCIIDigits(s)
}

// parseCompactDate parses 8 digits as a real calendar date (no 2月30日).
func parseCompactDate(s string) (time.Time, bool) {
	if len(s) != 8 || !allASCIIDigits(s) {
		return time.Time{}, false
	}
	y := digitsToInt(s[:4])
	m := digitsToInt(s[4:6])
	d := digitsToInt(s[6:8])
	return calendarDate(y, m, d)
}

// calendarDate builds a calendar date as midnight UTC, refusing dates time.Date would
// silently normalize (month 13, February 30).
func calendarDate(y, m, d int) (time.Time, bool) {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || t.Month() != time.Month(m) || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

func isASCIIDigit(b byte) bool { return b >= '0' && b <= '9' }

func allASCIIDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isASCIIDigit(s[i]) {
			return false
		}
	}
	return true
}

// digitsToInt converts a short all-digit string; callers check allASCIIDigits first.
func digitsToInt(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// trimCell trims what a spreadsheet cell or a form field may carry around its
// text: ASCII and Unicode spaces, including the ideographic space U+3000, and the
// invisible zero-width space and byte-order mark that pasting from web pages or
// Word leaves behind.
func trimCell(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff'
	})
}
