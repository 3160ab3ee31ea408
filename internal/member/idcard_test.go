package member

import (
	"errors"
	"strings"
	"testing"
	"time"

	"vanguard/internal/i18n"
)

// idWithCheck appends the check character to 17 digits. It computes the weights as
// 2^(17-i) mod 11 straight from ISO 7064 rather than reusing the table under test.
func idWithCheck(t testing.TB, first17 string) string {
	t.Helper()
	if len(first17) != 17 {
		t.Fatalf("idWithCheck: %q has %d characters, want 17", first17, len(first17))
	}
	sum := 0
	for i := range 17 {
		w := 1
		for range 17 - i {
			w = w * 2 % 11
		}
		sum += int(first17[i]-'0') * w
	}
	return first17 + string("10X98765432"[sum%11])
}

func rosterNow() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }

func ymd(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestValidateIDNumber(t *testing.T) {
	valid1985 := idWithCheck(t, "33040219850315123")
	tests := []struct {
		name    string
		in      string
		want    time.Time
		wantKey string
	}{
		{"famous sample", "11010519491231002X", ymd(1949, 12, 31), ""},
		{"lowercase x", "11010519491231002x", ymd(1949, 12, 31), ""},
		{"full-width digits", "１１０１０５１９４９１２３１００２Ｘ", ymd(1949, 12, 31), ""},
		{"surrounding spaces", " \u3000" + valid1985 + "\t", ymd(1985, 3, 15), ""},
		{"computed", valid1985, ymd(1985, 3, 15), ""},
		{"leap day", idWithCheck(t, "44030420000229001"), ymd(2000, 2, 29), ""},
		{"born today", idWithCheck(t, "11010520250601001"), ymd(2025, 6, 1), ""},
		{"empty", "", time.Time{}, "idcard.required"},
		{"17 chars", "11010519491231002", time.Time{}, "idcard.length"},
		{"19 chars", "11010519491231002X1", time.Time{}, "idcard.length"},
		{"15-digit legacy", "110105491231002", time.Time{}, "idcard.legacy"},
		{"letter inside", "1101051949123100AX", time.Time{}, "idcard.format"},
		{"bad check character", "110105194912310021", time.Time{}, "idcard.checksum"},
		{"one digit mistyped", "11010519491231003X", time.Time{}, "idcard.checksum"},
		{"two digits swapped", "11010591491231002X", time.Time{}, "idcard.checksum"},
		{"February 30", idWithCheck(t, "11010519900230001"), time.Time{}, "idcard.birthdate"},
		{"month 13", idWithCheck(t, "11010519901301001"), time.Time{}, "idcard.birthdate"},
		{"not a leap year", idWithCheck(t, "11010519000229001"), time.Time{}, "idcard.birthdate"},
		{"before 1900", idWithCheck(t, "11010518991231001"), time.Time{}, "idcard.birthdate_too_early"},
		{"tomorrow", idWithCheck(t, "11010520250602001"), time.Time{}, "idcard.birthdate_future"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := validateIDNumber(tt.in, rosterNow())
			if tt.wantKey == "" {
				if err != nil {
					t.Fatalf("validateIDNumber(%q) error %v", tt.in, err)
				}
				if !got.Equal(tt.want) {
					t.Errorf("birth = %v, want %v", got, tt.want)
				}
				return
			}
			var ie *i18n.Error
			if !errors.As(err, &ie) {
				t.Fatalf("validateIDNumber(%q) error %v, want *i18n.Error %s", tt.in, err, tt.wantKey)
			}
			if ie.Key != tt.wantKey || ie.Field != "id_number" {
				t.Errorf("error = %s on %q, want %s on id_number", ie.Key, ie.Field, tt.wantKey)
			}
		})
	}
}

func TestValidateIDNumberUsesTheClock(t *testing.T) {
	if _, err := ValidateIDNumber("11010519491231002X"); err != nil {
		t.Fatal(err)
	}
	future := idWithCheck(t, "110105"+time.Now().AddDate(1, 0, 0).Format("20060102")+"001")
	if _, err := ValidateIDNumber(future); err == nil {
		t.Errorf("ValidateIDNumber(%s) accepted a birth date next year", future)
	}
}

func TestNormalizeIDNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"11010519491231002x", "11010519491231002X"},
		{"\u3000 11010519491231002X \n", "11010519491231002X"},
		{"１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeIDNumber(tt.in); got != tt.want {
			t.Errorf("NormalizeIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestGenderFromIDNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"11010519491231002X", "female"}, // 17th digit 2
		{idWithCheck(t, "33040219850315123"), "male"},
		{idWithCheck(t, "33040219850315120"), "female"},
		{" 11010519491231001x", "male"},
		{"1101051949", ""},
		{"1101051949123100AX", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := GenderFromIDNumber(tt.in); got != tt.want {
			t.Errorf("GenderFromIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskIDNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"330402199001011234", "330402********1234"},
		{"11010519491231002x", "110105********002x"},
		{"110105491231002", "110105*****1002"}, // 15 digits: still 6 and 4
		{"12345678901", "123456*8901"},
		{"1234567890", "123*****90"}, // too short for 6+4: a third and two ninths
		{"123456789", "123****89"},
		{"123", "1**"},
		{"12", "**"},
		{"1", "*"},
		{"", ""},
		{"  ", ""},
	}
	for _, tt := range tests {
		got := MaskIDNumber(tt.in)
		if got != tt.want {
			t.Errorf("MaskIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if tt.in != "" && strings.TrimSpace(tt.in) != "" && !strings.Contains(got, "*") {
			t.Errorf("MaskIDNumber(%q) = %q masks nothing", tt.in, got)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812341234", "138****1234"},
		{" 13812341234 ", "138****1234"},
		{"0571-88888888", "*********8888"},
		{"88888888", "****8888"},
		{"1234", "****"},
		{"12", "**"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
