package bench

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The peer: Redis as most vendors use it for leaderboards — one sorted set per
// organization, ZINCRBY into every ancestor's set for each event, pipelined; ZREVRANK
// and ZREVRANGE to read. It keeps one period (the year) and has no idempotency or caps:
// a retried duplicate counts again there. It runs with the append-only file fsynced
// every second, so an acknowledged write survives a crash of the process — the same
// durability the embedded database gives at least.

// resp is a minimal RESP client: enough to pipeline commands and read their replies.
type resp struct {
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
}

func dialRedis(addr string) (*resp, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &resp{conn: c, r: bufio.NewReaderSize(c, 1<<16), w: bufio.NewWriterSize(c, 1<<16)}, nil
}

func (c *resp) send(args ...string) {
	c.w.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		c.w.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
	}
}

// reply reads one reply and returns its first line (nested arrays are read and dropped).
func (c *resp) reply() (string, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	switch line[0] {
	case '-':
		return "", fmt.Errorf("redis: %s", line[1:])
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return "", nil
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(c.r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		for i := 0; i < n; i++ {
			if _, err := c.reply(); err != nil {
				return "", err
			}
		}
	}
	return line, nil
}

func ioReadFull(r *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (c *resp) do(args ...string) (string, error) {
	c.send(args...)
	if err := c.w.Flush(); err != nil {
		return "", err
	}
	return c.reply()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func runPeer(ctx context.Context, p *province, o Options, now time.Time, logf func(string, ...any)) (*PeerResult, error) {
	dir, err := os.MkdirTemp("", "vanguard-bench-redis")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, o.Redis, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", dir,
		"--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start redis: %w", err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	var c *resp
	for i := 0; i < 100; i++ {
		if c, err = dialRedis(addr); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		return nil, fmt.Errorf("bench: connect to redis: %w", err)
	}
	defer c.conn.Close()

	out := &PeerResult{}
	st := newStream(p, o, now)
	t0 := time.Now()
	events := 0
	for {
		batch, who := st.next()
		if batch == nil {
			break
		}
		sent := 0
		for i, e := range batch {
			member := strconv.FormatInt(e.PersonID, 10)
			pts := "2"
			if e.Points != nil {
				pts = strconv.Itoa(*e.Points)
			}
			for _, a := range p.ancestors(p.personOrg[who[i]]) {
				c.send("ZINCRBY", "rank:"+strconv.FormatInt(p.orgIDs[a], 10), pts, member)
				sent++
			}
		}
		if err := c.w.Flush(); err != nil {
			return nil, err
		}
		for i := 0; i < sent; i++ {
			if _, err := c.reply(); err != nil {
				return nil, err
			}
		}
		events += len(batch)
	}
	out.IngestTime = time.Since(t0)
	out.EventsPerSec = float64(events) / out.IngestTime.Seconds()
	logf("peer ingest: %d events in %s: %.0f events/s", events, out.IngestTime.Round(time.Millisecond), out.EventsPerSec)

	q := newQueries(p, o, now)
	conns := make(chan *resp, o.Clients)
	for i := 0; i < o.Clients; i++ {
		cc, err := dialRedis(addr)
		if err != nil {
			return nil, err
		}
		defer cc.conn.Close()
		conns <- cc
	}
	out.Rank, out.Top = load(ctx, o, func(r *rand.Rand, rank bool) error {
		cc := <-conns
		defer func() { conns <- cc }()
		x := q.draw(r, rank)
		key := "rank:" + strconv.FormatInt(p.orgIDs[x.org], 10)
		if x.person >= 0 {
			_, err := cc.do("ZREVRANK", key, strconv.FormatInt(p.personIDs[x.person], 10))
			return err
		}
		_, err := cc.do("ZREVRANGE", key, "0", "19", "WITHSCORES")
		return err
	})
	logf("peer rank p50 %s p99 %s; top-20 p50 %s p99 %s", out.Rank.P50, out.Rank.P99, out.Top.P50, out.Top.P99)
	info, err := c.do("INFO", "memory")
	if err == nil {
		for _, line := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory_peak:"); ok {
				out.PeakMemory, _ = strconv.ParseInt(v, 10, 64)
			}
		}
	}
	if rss := redisRSS(cmd.Process.Pid); rss > out.PeakMemory {
		out.PeakMemory = rss
	}
	return out, nil
}

// redisRSS reads the peer process's peak resident memory.
func redisRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}
