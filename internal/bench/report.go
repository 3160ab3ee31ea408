package bench

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

// Markdown writes a run's results as a section of docs/BENCHMARKS.md.
func Markdown(r Result, command string) string {
	var b strings.Builder
	o := r.Options
	fmt.Fprintf(&b, "### Province benchmark (%s, %s)\n\n", r.Engine, time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "Command: `%s` — Go %s, %d CPUs (%s/%s).\n\n", command, runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "Province: %d members in %d branches under %d towns, %d counties, %d cities and one province; built in %s.\n\n",
		o.Members, o.Branches, o.Towns, o.Counties, o.Cities, r.BuildTime.Round(time.Second))
	fmt.Fprintf(&b, "| | Vanguard (%s) | Redis peer | ratio |\n|---|---|---|---|\n", r.Engine)
	peer := r.Peer
	if peer == nil {
		peer = &PeerResult{}
	}
	ratio := func(a, b float64) string {
		if b == 0 {
			return "—"
		}
		return fmt.Sprintf("%.2f×", a/b)
	}
	fmt.Fprintf(&b, "| ingest, events/s | %.0f | %.0f | %s |\n", r.EventsPerSec, peer.EventsPerSec, ratio(r.EventsPerSec, peer.EventsPerSec))
	fmt.Fprintf(&b, "| rank p50 / p99 | %s / %s | %s / %s | p99 %s |\n", r.Rank.P50, r.Rank.P99, peer.Rank.P50, peer.Rank.P99,
		ratio(float64(r.Rank.P99), float64(peer.Rank.P99)))
	fmt.Fprintf(&b, "| top-20 p50 / p99 | %s / %s | %s / %s | p99 %s |\n", r.Top.P50, r.Top.P99, peer.Top.P50, peer.Top.P99,
		ratio(float64(r.Top.P99), float64(peer.Top.P99)))
	fmt.Fprintf(&b, "| queries (errors) | %d (%d) | %d (%d) | |\n", r.Rank.Count+r.Top.Count, r.Rank.Errors+r.Top.Errors,
		peer.Rank.Count+peer.Top.Count, peer.Rank.Errors+peer.Top.Errors)
	fmt.Fprintf(&b, "| peak memory | %d MiB | %d MiB | %s |\n\n", r.PeakRSS>>20, peer.PeakMemory>>20, ratio(float64(r.PeakRSS), float64(peer.PeakMemory)))
	fmt.Fprintf(&b, "Events: %d sent (%.0f%% retried keys): %d recorded, %d capped (kept at 0 points), %d answered as duplicates. "+
		"Ingest took %s; the peer's %s. Queries: %d clients for %s per system, half ranks (a random member in a random ancestor) "+
		"and half top-20 lists (a random organization of a random level), for this year, quarter or month (the peer keeps the year only); "+
		"Vanguard over HTTP with an API token, the peer over its own protocol. Warming the boards of the province, cities and counties "+
		"before timing took %s.\n\n", r.Events, o.DuplicateRate*100, r.Recorded, r.Capped, r.Duplicates, r.IngestTime.Round(time.Second),
		peer.IngestTime.Round(time.Second), o.Clients, o.QueryFor, r.Warmup.Round(time.Millisecond))
	return b.String()
}
