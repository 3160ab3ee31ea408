package i18n

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzNegotiate: whatever a browser sends as Accept-Language (or a cookie as a
// language), the answer is a language we have.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "zh-CN,zh;q=0.9,en;q=0.8", "en-US,en;q=0.5", "fr", "*", "en;q=abc", "zh-Hant-TW;q=0.1, en;q=0.2",
		"en;q=1e309", ";;;,,,", "EN", "zh_CN"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		lang := Negotiate(header)
		if !slices.Contains(Languages(), lang) {
			t.Fatalf("Negotiate(%q) = %q, not a supported language", header, lang)
		}
		if s := Supported(header); s != "" && !slices.Contains(Languages(), s) {
			t.Fatalf("Supported(%q) = %q", header, s)
		}
	})
}

// FuzzCatalogT: translating any key, real or not, with any parameter, in any language,
// never panics; a real key never shows as a bracketed key; a missing one always does;
// a parameter's value appears where its placeholder was.
func FuzzCatalogT(f *testing.F) {
	c, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	keys := c.Keys()
	f.Add("en", uint16(0), "", "name", "王")
	f.Add("zh-CN", uint16(7), "no.such.key", "min", "{min}")
	f.Add("xx", uint16(3), "{", "", "}")
	f.Add("en", uint16(11), "error.at_row", "row", "{row}{row}")
	f.Fuzz(func(t *testing.T, lang string, index uint16, key, param, value string) {
		params := map[string]any{param: value, "nested": Msg(key, param, value)}
		real := keys[int(index)%len(keys)]
		got := c.T(lang, real, params)
		if got == "["+real+"]" {
			t.Fatalf("T(%q, %q) shows the key", lang, real)
		}
		if utf8.ValidString(value) && !utf8.ValidString(got) {
			t.Fatalf("T(%q, %q) = %q is not valid UTF-8", lang, real, got)
		}
		if msg := c.messages[Default][real]; Supported(lang) == "" && param != "" && !strings.ContainsAny(param, "{}") &&
			strings.Contains(msg, "{"+param+"}") && !strings.Contains(got, value) {
			t.Fatalf("T(%q, %q) = %q lost the value of {%s}", lang, real, got, param)
		}
		if !c.Has(key) {
			if got := c.T(lang, key, params); got != "["+key+"]" {
				t.Fatalf("T of the missing key %q = %q", key, got)
			}
		}
		c.Describe(lang, &Error{Key: key, Field: param, Row: int(index), Params: params})
	})
}
