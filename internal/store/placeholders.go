package store

import (
	"strconv"
	"strings"
)

// dialect adapts a query written for both engines to this one. Queries are written with
// PostgreSQL's $1, $2 … placeholders. SQLite accepts them too, but treats "$N" as a named
// parameter: parsing looks each one up in the list of names seen so far, and the driver
// asks each one's name when binding, so a statement with thousands of them (a multi-row
// insert) costs quadratic time twice over. So on SQLite, outside string literals, a query
// whose placeholders run $1, $2 … $n in order, once each, gets anonymous "?" (no names at
// all); any other gets "?N", numbered and found directly when parsed. Same numbers, same
// binding.
func (e Engine) dialect(query string) string {
	if e != SQLite || strings.IndexByte(query, '$') < 0 {
		return query
	}
	sequential, next := true, 1
	scanPlaceholders(query, func(start, end int, n int) {
		if n != next {
			sequential = false
		}
		next++
	})
	var b strings.Builder
	b.Grow(len(query))
	last := 0
	scanPlaceholders(query, func(start, end int, n int) {
		b.WriteString(query[last:start])
		b.WriteByte('?')
		if !sequential {
			b.WriteString(query[start+1 : end])
		}
		last = end
	})
	b.WriteString(query[last:])
	return b.String()
}

// scanPlaceholders calls fn for every $N outside a string literal, with its span and N.
func scanPlaceholders(query string, fn func(start, end, n int)) {
	quoted := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		if c == '\'' {
			quoted = !quoted
			continue
		}
		if c != '$' || quoted || i+1 >= len(query) || query[i+1] < '0' || query[i+1] > '9' {
			continue
		}
		end, n := i+1, 0
		for end < len(query) && query[end] >= '0' && query[end] <= '9' {
			n = n*10 + int(query[end]-'0')
			end++
		}
		fn(i, end, n)
		i = end - 1
	}
}

// Params writes "$from, $from+1, …" for n parameters: an IN list.
func Params(from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}

// Tuples writes the VALUES tuples of a multi-row insert of n rows of width columns,
// numbered from $1.
func Tuples(n, width int) string {
	var b strings.Builder
	for r := 0; r < n; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		b.WriteString(Params(r*width+1, width))
		b.WriteByte(')')
	}
	return b.String()
}
