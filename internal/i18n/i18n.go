// Package i18n holds the message catalogs (简体中文 and English), chooses a reader's
// language, and translates the errors domain packages return.
//
// Catalogs are flat JSON objects, key → message, one file per topic and language:
// locales/<topic>.<lang>.json. Placeholders are written {name}.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed locales/*.json
var localeFiles embed.FS

// Default is the language of a reader whose browser names none we support: the users
// are in China.
const Default = "zh-CN"

// Languages lists the supported languages, the default first.
func Languages() []string { return []string{Default, "en"} }

// Catalog holds every message in every supported language. It is built once at start
// and only read afterwards.
type Catalog struct {
	messages map[string]map[string]string // lang → key → message
}

// Load reads the embedded catalogs and fails when a file is malformed or a key is
// defined twice for one language.
func Load() (*Catalog, error) {
	return load(localeFiles, "locales")
}

func load(fsys fs.FS, dir string) (*Catalog, error) {
	c := &Catalog{messages: map[string]map[string]string{}}
	for _, lang := range Languages() {
		c.messages[lang] = map[string]string{}
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("i18n: read catalogs: %w", err)
	}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".json")
		dot := strings.IndexByte(name, '.')
		if dot < 0 {
			return nil, fmt.Errorf("i18n: catalog %s: name must be <topic>.<lang>.json", e.Name())
		}
		lang := name[dot+1:]
		msgs, ok := c.messages[lang]
		if !ok {
			return nil, fmt.Errorf("i18n: catalog %s: unknown language %q", e.Name(), lang)
		}
		body, err := fs.ReadFile(fsys, dir+"/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("i18n: read %s: %w", e.Name(), err)
		}
		var file map[string]string
		if err := json.Unmarshal(body, &file); err != nil {
			return nil, fmt.Errorf("i18n: parse %s: %w", e.Name(), err)
		}
		for k, v := range file {
			if _, dup := msgs[k]; dup {
				return nil, fmt.Errorf("i18n: key %q defined twice for %s (again in %s)", k, lang, e.Name())
			}
			msgs[k] = v
		}
	}
	return c, nil
}

// Missing lists, per language, the keys some other language has and it lacks.
func (c *Catalog) Missing() map[string][]string {
	all := map[string]bool{}
	for _, msgs := range c.messages {
		for k := range msgs {
			all[k] = true
		}
	}
	missing := map[string][]string{}
	for lang, msgs := range c.messages {
		for k := range all {
			if _, ok := msgs[k]; !ok {
				missing[lang] = append(missing[lang], k)
			}
		}
		sort.Strings(missing[lang])
	}
	return missing
}

// Has tells whether key exists in every language.
func (c *Catalog) Has(key string) bool {
	for _, msgs := range c.messages {
		if _, ok := msgs[key]; !ok {
			return false
		}
	}
	return true
}

// Keys lists every key of the default language, sorted.
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.messages[Default]))
	for k := range c.messages[Default] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// T translates key into lang, substituting params. A missing key shows itself in
// brackets, so it is seen on the page rather than silently blank; the catalog test keeps
// that from shipping.
func (c *Catalog) T(lang, key string, params map[string]any) string {
	msgs, ok := c.messages[lang]
	if !ok {
		msgs = c.messages[Default]
	}
	msg, ok := msgs[key]
	if !ok {
		return "[" + key + "]"
	}
	if len(params) == 0 || !strings.Contains(msg, "{") {
		return msg
	}
	var b strings.Builder
	for {
		open := strings.IndexByte(msg, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(msg[open:], '}')
		if end < 0 {
			break
		}
		name := msg[open+1 : open+end]
		b.WriteString(msg[:open])
		if v, ok := params[name]; ok {
			b.WriteString(c.param(lang, v))
		} else {
			b.WriteString(msg[open : open+end+1])
		}
		msg = msg[open+end+1:]
	}
	b.WriteString(msg)
	return b.String()
}

// A parameter that is itself a Message (a stage name, a field label) is translated too.
func (c *Catalog) param(lang string, v any) string {
	if m, ok := v.(Message); ok {
		return c.T(lang, m.Key, m.Params)
	}
	return fmt.Sprint(v)
}

// Message is a key with parameters, translated when it reaches a reader.
type Message struct {
	Key    string
	Params map[string]any
}

// Msg builds a Message from alternating parameter names and values.
func Msg(key string, kv ...any) Message { return Message{Key: key, Params: pairs(kv)} }

// Describe translates a person-facing error: its field label (when the catalog knows
// "field.<name>"), its row, and its message.
func (c *Catalog) Describe(lang string, e *Error) string {
	msg := c.T(lang, e.Key, e.Params)
	field := e.Field
	if field != "" && c.Has("field."+field) {
		field = c.T(lang, "field."+field, nil)
	}
	switch {
	case e.Row > 0 && field != "":
		return c.T(lang, "error.at_row_column", map[string]any{"row": e.Row, "column": field, "message": msg})
	case e.Row > 0:
		return c.T(lang, "error.at_row", map[string]any{"row": e.Row, "message": msg})
	case field != "":
		return c.T(lang, "error.at_field", map[string]any{"field": field, "message": msg})
	}
	return msg
}

// Negotiate picks the supported language that best matches an Accept-Language header.
// Any Chinese variant reads 简体中文; anything else unmatched reads the default.
func Negotiate(acceptLanguage string) string {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, q := parseRange(part)
		lang := Supported(tag)
		if lang != "" && q > bestQ {
			best, bestQ = lang, q
		}
	}
	if best == "" {
		return Default
	}
	return best
}

// Supported maps a language tag to a supported language, or "" when none fits.
func Supported(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	switch {
	case tag == "":
		return ""
	case tag == "en" || strings.HasPrefix(tag, "en-"):
		return "en"
	case tag == "zh" || strings.HasPrefix(tag, "zh-"):
		return "zh-CN"
	}
	return ""
}

func parseRange(part string) (string, float64) {
	tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
	q := 1.0
	if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
		if _, err := fmt.Sscanf(v, "%g", &q); err != nil {
			q = 0
		}
	}
	return tag, q
}
