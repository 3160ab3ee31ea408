package member

// Fuzz targets for what arrives from outside: roster files and ID numbers. Their seed
// corpora are committed under testdata/fuzz/<target>/ (real rosters in each encoding
// and format the importer reads, and their near misses); `go test` replays them, and
// scripts/fuzz explores from them for a bounded time.

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"vanguard/internal/i18n"
)

// maxFuzzRoster keeps one input small enough that the fuzzer explores instead of
// grinding through megabytes; the size limits themselves have their own tests.
const maxFuzzRoster = 256 << 10

func FuzzParseRoster(f *testing.F) {
	csv, _ := rosterFixture(f)
	f.Add([]byte(csv), false)
	f.Add([]byte("姓名,身份证号,组织代码\n张三,11010519491231002X,ORG1\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, xlsx bool) {
		if len(data) > maxFuzzRoster {
			return
		}
		name := "roster.csv"
		if xlsx {
			name = "roster.xlsx"
		}
		rows, err := ParseRoster(bytes.NewReader(data), name)
		if err != nil {
			if rows != nil {
				t.Fatalf("an error and %d rows: an import is all or nothing", len(rows))
			}
			var one *i18n.Error
			var list i18n.Errors
			if !errors.As(err, &one) && !errors.As(err, &list) {
				t.Fatalf("an error a worker cannot read: %T %v", err, err)
			}
			return
		}
		if len(rows) == 0 {
			t.Fatal("no error and no rows")
		}
		seen := map[string]bool{}
		for _, r := range rows {
			birth, err := ValidateIDNumber(r.IDNumber)
			if err != nil {
				t.Fatalf("row %d has an invalid ID number %q: %v", r.Row, r.IDNumber, err)
			}
			if !r.BirthDate.Equal(birth) {
				t.Fatalf("row %d: birth date %v, but the ID number says %v", r.Row, r.BirthDate, birth)
			}
			if seen[r.IDNumber] {
				t.Fatalf("row %d repeats ID number %q", r.Row, r.IDNumber)
			}
			seen[r.IDNumber] = true
			if r.Row < 1 || strings.TrimSpace(r.Name) == "" || !utf8.ValidString(r.Name) {
				t.Fatalf("row %+v: no row number or no name", r)
			}
			if r.OrgCode == "" && r.OrgName == "" {
				t.Fatalf("row %d names no organization", r.Row)
			}
			if r.Gender != genderMale && r.Gender != genderFemale {
				t.Fatalf("row %d: gender %q", r.Row, r.Gender)
			}
		}
	})
}

func FuzzValidateIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "11010519491231002x", "１１０１０５１９４９１２３１００２Ｘ",
		"110105194912310021", "110105491231002", "", " 11010519491231002X\u3000", "11010520991231002X"} {
		f.Add(s)
	}
	today := time.Now().UTC()
	f.Fuzz(func(t *testing.T, s string) {
		birth, err := ValidateIDNumber(s)
		if err != nil {
			var e *i18n.Error
			if !errors.As(err, &e) || e.Field != idNumberField || !strings.HasPrefix(e.Key, "idcard.") {
				t.Fatalf("ValidateIDNumber(%q): error %v is not a translatable error on the field", s, err)
			}
			return
		}
		n := NormalizeIDNumber(s)
		if len(n) != 18 || !allASCIIDigits(n[:17]) || idCheckChar(n[:17]) != n[17] {
			t.Fatalf("ValidateIDNumber accepted %q (normalized %q)", s, n)
		}
		if birth.Before(earliestBirthDate()) || birth.After(today.AddDate(0, 0, 1)) || birth.Format("20060102") != n[6:14] {
			t.Fatalf("ValidateIDNumber(%q) = birth %v", s, birth)
		}
		if g := GenderFromIDNumber(s); g != genderMale && g != genderFemale {
			t.Fatalf("GenderFromIDNumber(%q) = %q", s, g)
		}
		if m := MaskIDNumber(n); len(m) != 18 || strings.Contains(m, n[6:14]) || m[:6] != n[:6] || m[14:] != n[14:] {
			t.Fatalf("MaskIDNumber(%q) = %q shows the birth date or is malformed", n, m)
		}
		if _, err := ValidateIDNumber(n); err != nil {
			t.Fatalf("the normalized form %q of a valid number is refused: %v", n, err)
		}
	})
}
