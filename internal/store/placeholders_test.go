package store

import "testing"

func TestDialectNumbersPlaceholdersForSQLiteOnly(t *testing.T) {
	cases := []struct{ in, want string }{
		// Reused or out of order: numbered.
		{`SELECT '$1 costs', x FROM t WHERE a = $1 AND b IN ($2, $1) AND c = 'it''s $3'`,
			`SELECT '$1 costs', x FROM t WHERE a = ?1 AND b IN (?2, ?1) AND c = 'it''s $3'`},
		// $1 … $n in order, once each: anonymous.
		{`INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ($5, $6), ($7, $8), ($9, $10), ($11, $12)`,
			`INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?), (?, ?), (?, ?), (?, ?)`},
		{`SELECT 1`, `SELECT 1`},
	}
	for _, c := range cases {
		if got := SQLite.dialect(c.in); got != c.want {
			t.Errorf("SQLite:\n got %s\nwant %s", got, c.want)
		}
		if got := Postgres.dialect(c.in); got != c.in {
			t.Errorf("PostgreSQL changed the query: %s", got)
		}
	}
}

func TestParamsAndTuplesNumberFromTheirStart(t *testing.T) {
	if got := Params(3, 3); got != "$3, $4, $5" {
		t.Errorf("Params: %s", got)
	}
	if got := Tuples(2, 2); got != "($1, $2), ($3, $4)" {
		t.Errorf("Tuples: %s", got)
	}
	if got := SQLite.dialect("INSERT INTO t VALUES " + Tuples(2, 2)); got != "INSERT INTO t VALUES (?, ?), (?, ?)" {
		t.Errorf("a multi-row insert on SQLite: %s", got)
	}
}
