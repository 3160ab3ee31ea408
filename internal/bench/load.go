package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Target is one page or API call of the load test, with the credentials it is asked with.
type Target struct {
	Name   string
	Path   string
	Header http.Header // a session cookie or an API token; nil for a public page
	Want   int         // the status every answer must have; 0 is 200
	// Fresh, when set, gives the path anew for each request: a QR code rotates, and a
	// scan of one that has expired is rightly refused.
	Fresh func() string
}

// LoadOptions are the load test's clients, duration and memory sampling.
type LoadOptions struct {
	Clients int
	For     time.Duration
	// Memory, when set, is sampled every SampleEvery: the server's resident memory.
	Memory      func() int64
	SampleEvery time.Duration
	Log         io.Writer
}

// TargetResult is one target's latencies.
type TargetResult struct {
	Name     string
	Requests int
	Errors   int
	P50, P99 time.Duration
	FirstErr string
}

// LoadResult is a load test's outcome.
type LoadResult struct {
	Options   LoadOptions
	Targets   []TargetResult
	Requests  int
	PerSecond float64
	Memory    []MemorySample
}

// MemorySample is the server's memory at a moment of the run.
type MemorySample struct {
	At    time.Duration
	Bytes int64
}

// Load runs o.Clients clients against base for o.For, each going round the targets from a
// different start; an error is a transport failure or any status but the target's own.
func Load(ctx context.Context, base string, targets []Target, o LoadOptions) LoadResult {
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: o.Clients * 2, MaxIdleConnsPerHost: o.Clients * 2}}
	type sample struct {
		d   time.Duration
		err string
	}
	per := make([][]sample, len(targets))
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(o.For)
	res := LoadResult{Options: o}
	stopMem := make(chan struct{})
	var memWG sync.WaitGroup
	if o.Memory != nil {
		memWG.Add(1)
		go func() {
			defer memWG.Done()
			t := time.NewTicker(o.SampleEvery)
			defer t.Stop()
			for {
				res.Memory = append(res.Memory, MemorySample{At: time.Since(start), Bytes: o.Memory()})
				select {
				case <-stopMem:
					res.Memory = append(res.Memory, MemorySample{At: time.Since(start), Bytes: o.Memory()})
					return
				case <-t.C:
				}
			}
		}()
	}
	for i := 0; i < o.Clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			mine := make([][]sample, len(targets))
			for n := i; time.Now().Before(deadline) && ctx.Err() == nil; n++ {
				k := n % len(targets)
				t0 := time.Now()
				err := fetch(ctx, c, base, targets[k])
				s := sample{d: time.Since(t0)}
				if err != nil {
					s.err = err.Error()
				}
				mine[k] = append(mine[k], s)
			}
			mu.Lock()
			for k := range mine {
				per[k] = append(per[k], mine[k]...)
			}
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	close(stopMem)
	memWG.Wait()
	elapsed := time.Since(start)
	for k, t := range targets {
		r := TargetResult{Name: t.Name}
		var ds []time.Duration
		for _, s := range per[k] {
			r.Requests++
			if s.err != "" {
				r.Errors++
				if r.FirstErr == "" {
					r.FirstErr = s.err
				}
				continue
			}
			ds = append(ds, s.d)
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		if len(ds) > 0 {
			r.P50, r.P99 = ds[len(ds)/2], ds[min(len(ds)-1, len(ds)*99/100)]
		}
		res.Targets = append(res.Targets, r)
		res.Requests += r.Requests
	}
	res.PerSecond = float64(res.Requests) / elapsed.Seconds()
	return res
}

func fetch(ctx context.Context, c *http.Client, base string, t Target) error {
	path := t.Path
	if t.Fresh != nil {
		path = t.Fresh()
	}
	req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
	if err != nil {
		return err
	}
	for k, v := range t.Header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	want := t.Want
	if want == 0 {
		want = http.StatusOK
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s: status %d, want %d", path, resp.StatusCode, want)
	}
	return nil
}

// LoadMarkdown writes a load test's results as a section of docs/BENCHMARKS.md.
func LoadMarkdown(r LoadResult, title, command string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s (%s)\n\nCommand: `%s` — %d clients for %s; %.0f requests/s in all.\n\n| target | requests | errors | p50 | p99 |\n|---|---|---|---|---|\n",
		title, time.Now().UTC().Format("2006-01-02"), command, r.Options.Clients, r.Options.For, r.PerSecond)
	for _, t := range r.Targets {
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s |\n", t.Name, t.Requests, t.Errors, t.P50.Round(10*time.Microsecond), t.P99.Round(10*time.Microsecond))
	}
	if len(r.Memory) > 0 {
		b.WriteString("\nGo heap in use after a collection (MiB) through the run: ")
		var parts []string
		for _, m := range r.Memory {
			parts = append(parts, strconv.FormatInt(m.Bytes>>20, 10)+" at "+m.At.Round(time.Second).String())
		}
		b.WriteString(strings.Join(parts, ", ") + ".\n")
	}
	b.WriteString("\n")
	return b.String()
}
