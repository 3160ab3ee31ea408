package app

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// runHealthcheck asks the server this configuration describes for /healthz and fails
// unless it answers 200 within five seconds. It is the container's HEALTHCHECK: a
// distroless image has no curl, and the binary already knows the address.
func runHealthcheck(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	c, err := ParseConfig("healthcheck", args, env, stderr, nil)
	if err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return &UsageError{Msg: fmt.Sprintf("vanguard healthcheck: --addr %q: %v", c.Addr, err)}
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1" // listening on every address: ask on the loopback one
	}
	scheme := "http"
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if c.TLSCert != "" {
		// The certificate names the public host, not the loopback address the probe
		// uses; the probe checks that the process answers, not who it is.
		scheme = "https"
		transport.TLSClientConfig = &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	url := scheme + "://" + net.JoinHostPort(host, port) + "/healthz"
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: transport}).Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", url, resp.Status)
	}
	fmt.Fprintf(stdout, "ok: %s\n", url)
	return nil
}
