package i18n

import (
	"testing"
	"testing/fstest"
)

// Every key must exist in every language: a page must never show a bracketed key.
func TestCatalogsHaveEveryKeyInEveryLanguage(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for lang, keys := range c.Missing() {
		for _, k := range keys {
			t.Errorf("%s is missing key %q", lang, k)
		}
	}
	if len(c.Keys()) == 0 {
		t.Fatal("the catalog is empty")
	}
}

func TestMissingDetectsAGap(t *testing.T) {
	fsys := fstest.MapFS{
		"l/a.en.json":    {Data: []byte(`{"x":"X","y":"Y"}`)},
		"l/a.zh-CN.json": {Data: []byte(`{"x":"甲"}`)},
	}
	c, err := load(fsys, "l")
	if err != nil {
		t.Fatal(err)
	}
	m := c.Missing()
	if len(m["zh-CN"]) != 1 || m["zh-CN"][0] != "y" || len(m["en"]) != 0 {
		t.Fatalf("Missing() = %v, want zh-CN lacking y", m)
	}
}

func TestDuplicateKeyIsRefused(t *testing.T) {
	fsys := fstest.MapFS{
		"l/a.en.json": {Data: []byte(`{"x":"X"}`)},
		"l/b.en.json": {Data: []byte(`{"x":"again"}`)},
	}
	if _, err := load(fsys, "l"); err == nil {
		t.Fatal("a key defined in two files was accepted")
	}
}

func TestTranslateSubstitutesParams(t *testing.T) {
	fsys := fstest.MapFS{
		"l/a.en.json":    {Data: []byte(`{"hello":"Hello, {name}: {n} new","stage":"activist"}`)},
		"l/a.zh-CN.json": {Data: []byte(`{"hello":"{name}，你好：{n} 条新消息","stage":"入党积极分子"}`)},
	}
	c, _ := load(fsys, "l")
	if got := c.T("zh-CN", "hello", map[string]any{"name": "王", "n": 3}); got != "王，你好：3 条新消息" {
		t.Errorf("zh-CN = %q", got)
	}
	if got := c.T("en", "hello", map[string]any{"name": Msg("stage"), "n": 1}); got != "Hello, activist: 1 new" {
		t.Errorf("en with a nested message = %q", got)
	}
	if got := c.T("en", "nope", nil); got != "[nope]" {
		t.Errorf("missing key = %q, want it bracketed", got)
	}
}

func TestNegotiate(t *testing.T) {
	cases := map[string]string{
		"":                                 "zh-CN",
		"en-US,en;q=0.9":                   "en",
		"zh-TW,zh;q=0.9,en;q=0.8":          "zh-CN",
		"fr-FR,fr;q=0.9,en;q=0.5,zh;q=0.4": "en",
		"de":                               "zh-CN",
		"en;q=0.2, zh-CN;q=0.8":            "zh-CN",
		"zh-Hans-CN":                       "zh-CN",
	}
	for header, want := range cases {
		if got := Negotiate(header); got != want {
			t.Errorf("Negotiate(%q) = %q, want %q", header, got, want)
		}
	}
}
