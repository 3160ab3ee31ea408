package app

import (
	"log/slog"
	"testing"
	"time"
)

// The server Serve runs has every timeout and the header limit set: a client that
// sends its headers or body slowly, or never reads the answer, or idles, cannot hold a
// connection (and a goroutine) for ever.
func TestHTTPServerHasTimeoutsAndLimits(t *testing.T) {
	hs := (&App{Logger: slog.New(slog.DiscardHandler)}).httpServer()
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": hs.ReadHeaderTimeout,
		"ReadTimeout":       hs.ReadTimeout,
		"WriteTimeout":      hs.WriteTimeout,
		"IdleTimeout":       hs.IdleTimeout,
	} {
		if d <= 0 || d > 5*time.Minute {
			t.Errorf("%s = %v, want a bound of at most five minutes", name, d)
		}
	}
	if hs.ReadHeaderTimeout > 30*time.Second {
		t.Errorf("ReadHeaderTimeout = %v: a slow-headers client holds a connection that long", hs.ReadHeaderTimeout)
	}
	if hs.MaxHeaderBytes <= 0 || hs.MaxHeaderBytes > 1<<20 {
		t.Errorf("MaxHeaderBytes = %d, want a bound of at most 1 MiB", hs.MaxHeaderBytes)
	}
}
