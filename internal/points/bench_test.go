package points_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/points"
	"vanguard/internal/store/storetest"
)

// BenchmarkRecordBatch records batches of 1,000 events (the API's limit) for 2,000
// people over a year, one transaction a batch, on SQLite; events/s is the figure:
//
//	go test ./internal/points -run '^$' -bench RecordBatch -benchtime 50x
func BenchmarkRecordBatch(b *testing.B) {
	db := storetest.SQLite(b)
	r := rand.New(rand.NewPCG(1, 1))
	w := newWorld(b, db, r, 2000)
	rules := []string{"meeting-attended", "volunteer-service", "lesson-completed", "quiz-completed"}
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, beijing)
	admin := auth.Account{IsAdmin: true}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		events := make([]points.Event, points.MaxBatch)
		for j := range events {
			events[j] = points.Event{Key: fmt.Sprintf("k%d-%d", i, j), PersonID: w.people[r.IntN(len(w.people))],
				Rule: rules[r.IntN(len(rules))], OccurredAt: start.Add(time.Duration(r.Int64N(int64(300 * 24 * time.Hour))))}
		}
		if _, err := w.svc.Record(w.ctx, admin, events); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*points.MaxBatch)/b.Elapsed().Seconds(), "events/s")
}
