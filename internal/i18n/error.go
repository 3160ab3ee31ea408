package i18n

import (
	"fmt"
	"sort"
	"strings"
)

// Error is an error meant for a person: a catalog key with parameters, naming the
// field (and, in an import, the row) it is about. Domain packages return it; the web
// page and the API translate the same error the same way at the edge.
type Error struct {
	Field  string         // the form field or file column the error is about; may be empty
	Row    int            // 1-based row number in an imported file; 0 when not from a file
	Key    string         // message catalog key, e.g. "error.required"
	Params map[string]any // values substituted into the message
}

// Invalid builds an Error for a field. kv are alternating parameter names and values.
func Invalid(field, key string, kv ...any) *Error {
	return &Error{Field: field, Key: key, Params: pairs(kv)}
}

// InRow builds an Error for a cell of an imported file.
func InRow(row int, column, key string, kv ...any) *Error {
	return &Error{Row: row, Field: column, Key: key, Params: pairs(kv)}
}

func pairs(kv []any) map[string]any {
	if len(kv) == 0 {
		return nil
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return m
}

// Error gives an untranslated but readable line for logs and tests.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Row > 0 {
		fmt.Fprintf(&b, "row %d: ", e.Row)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Key)
	if len(e.Params) > 0 {
		keys := make([]string, 0, len(e.Params))
		for k := range e.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%v", k, e.Params[k])
		}
	}
	return b.String()
}

// Errors is a list of person-facing errors, such as every bad row of an import.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "; ")
}

// Err returns nil for an empty list so callers can write `return errs.Err()`.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}
