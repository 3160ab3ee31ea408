package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"vanguard/internal/store"
)

// uniqueIDNumber returns a valid resident ID number (GB 11643-1999) of its own for
// every n: the birth date and the three-digit sequence encode n.
func uniqueIDNumber(n int) string {
	birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/1000)
	body := "110105" + birth.Format("20060102") + fmt.Sprintf("%03d", n%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

// tableRows reads the rows of table matching where (a condition, or "" for all),
// ordered by every column, each as a string per column, for exact comparisons between
// two databases of the same schema.
func tableRows(t *testing.T, db *store.DB, table, where string, args ...any) [][]string {
	t.Helper()
	cols := tableColumns(t, db, table)
	q := `SELECT * FROM ` + table
	if where != "" {
		q += ` WHERE ` + where
	}
	order := make([]string, len(cols))
	for i := range cols {
		order[i] = fmt.Sprint(i + 1)
	}
	q += ` ORDER BY ` + strings.Join(order, ", ")
	return queryRows(t, db, q, args...)
}

// queryRows runs a query and returns its rows, each column as a string.
func queryRows(t *testing.T, db *store.DB, q string, args ...any) [][]string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("scan %s: %v", q, err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case []byte:
				row[i] = string(x)
			case time.Time:
				row[i] = x.UTC().Format(time.RFC3339Nano)
			default:
				row[i] = fmt.Sprint(x)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// tableColumns lists a table's columns in order.
func tableColumns(t *testing.T, db *store.DB, table string) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT * FROM `+table+` WHERE 1 = 0`)
	if err != nil {
		t.Fatalf("columns of %s: %v", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	return cols
}

func hasColumn(t *testing.T, db *store.DB, table, col string) bool {
	for _, c := range tableColumns(t, db, table) {
		if c == col {
			return true
		}
	}
	return false
}

func maxID(t *testing.T, db *store.DB, table string) int64 {
	t.Helper()
	var n sql.NullInt64
	if err := db.QueryRowContext(context.Background(), `SELECT MAX(id) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("max id of %s: %v", table, err)
	}
	return n.Int64
}

// sameRows reports the first difference between two lists of rows.
func sameRows(a, b [][]string) (bool, string) {
	if reflect.DeepEqual(a, b) {
		return true, ""
	}
	for i := 0; i < max(len(a), len(b)); i++ {
		switch {
		case i >= len(a):
			return false, fmt.Sprintf("row %d only in the second: %v", i, b[i])
		case i >= len(b):
			return false, fmt.Sprintf("row %d only in the first: %v", i, a[i])
		case !reflect.DeepEqual(a[i], b[i]):
			return false, fmt.Sprintf("row %d differs:\n  %v\n  %v", i, a[i], b[i])
		}
	}
	return false, "?"
}
