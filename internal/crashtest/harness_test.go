package crashtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildVanguard builds the real binary into a temporary directory.
func buildVanguard(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "vanguard")
	args := []string{"build", "-o", bin}
	if raceBuild {
		args = append(args, "-race")
	}
	args = append(args, "vanguard/cmd/vanguard")
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is needed to build the server: %v", err)
	}
	start := time.Now()
	cmd := exec.Command(goTool, args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("built %s in %s (race: %v)", bin, time.Since(start).Round(time.Millisecond), raceBuild)
	return bin
}

// cgo keeps CGO as it is, except that the race detector needs it.
func cgo() string {
	if raceBuild {
		return "1"
	}
	if v := os.Getenv("CGO_ENABLED"); v != "" {
		return v
	}
	return "0"
}

// cleanEnv is the environment without any VANGUARD_ setting of the caller's, plus extra.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VANGUARD_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// logBuffer collects a process's output.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// server is the vanguard serve process, started again after every kill on the same
// database.
type server struct {
	t    *testing.T
	bin  string
	args []string // serve's flags but --addr
	env  []string

	mu      sync.Mutex
	addr    string
	cmd     *exec.Cmd
	log     *logBuffer
	done    chan struct{}
	waitErr error
	starts  int
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// url is where the server listens now.
func (s *server) url() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return "http://" + s.addr
}

// start starts the server and waits until it answers /readyz. It fails when the process
// exits, logs an error, or is not ready in time: the server must start cleanly every time.
func (s *server) start() error {
	for attempt := 0; ; attempt++ {
		s.mu.Lock()
		if s.addr == "" {
			addr, err := freeAddr()
			if err != nil {
				s.mu.Unlock()
				return err
			}
			s.addr = addr
		}
		s.mu.Unlock()
		err := s.startOnce()
		if err != nil && strings.Contains(err.Error(), "address already in use") && attempt < 3 {
			// Someone took the port while the server was down: pick another.
			s.mu.Lock()
			s.addr = ""
			s.mu.Unlock()
			continue
		}
		return err
	}
}

func (s *server) startOnce() error {
	log := &logBuffer{}
	cmd := exec.Command(s.bin, append([]string{"serve", "--addr", s.addr}, s.args...)...)
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the server: %w", err)
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.cmd, s.log, s.done = cmd, log, done
	s.starts++
	s.mu.Unlock()
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.waitErr = err
		s.mu.Unlock()
		close(done)
	}()
	// A generous timeout: a poll given up while the server still answers it (a race build
	// on a busy machine can take over a second) makes the server log the readiness check
	// it could not finish as an error, which the harness then counts against it.
	hc := &http.Client{Timeout: 15 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("the server exited while starting (%v):\n%s", s.exitErr(), log)
		default:
		}
		resp, err := hc.Get(s.url() + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			// The address line is written before the server serves, but it reaches the log
			// through a pipe copied by a goroutine of this process, which on a busy machine
			// can lag behind the first answer: wait for it rather than fail.
			if resp.StatusCode == http.StatusOK && strings.Contains(log.String(), "is serving at") {
				return s.checkLog()
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("the server was not ready, or did not say where it serves, within a minute:\n%s", log)
}

func (s *server) exitErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waitErr
}

// checkLog fails on an error or a data race the server reported.
func (s *server) checkLog() error {
	s.mu.Lock()
	log := s.log
	s.mu.Unlock()
	out := log.String()
	for _, bad := range []string{"level=ERROR", "DATA RACE", "panic:"} {
		if strings.Contains(out, bad) {
			return fmt.Errorf("the server logged %q:\n%s", bad, out)
		}
	}
	return nil
}

// kill ends the server with SIGKILL, as a power cut or the OOM killer would (short of
// losing the page cache), and fails if it had already died on its own.
func (s *server) kill() error {
	s.mu.Lock()
	cmd, done, log := s.cmd, s.done, s.log
	s.mu.Unlock()
	select {
	case <-done:
		return fmt.Errorf("the server died on its own (%v):\n%s", s.exitErr(), log)
	default:
	}
	if err := s.checkLog(); err != nil {
		return err
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	<-done
	var exit *exec.ExitError
	if err := s.exitErr(); !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		return fmt.Errorf("the server ended with %v, not by the SIGKILL:\n%s", err, log)
	}
	return nil
}

// stop ends the server gracefully and expects a clean exit.
func (s *server) stop() error {
	s.mu.Lock()
	cmd, done, log := s.cmd, s.done, s.log
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-done:
		return fmt.Errorf("the server died on its own (%v):\n%s", s.exitErr(), log)
	default:
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("the server did not stop within 30 s of SIGTERM:\n%s", log)
	}
	if err := s.exitErr(); err != nil {
		return fmt.Errorf("the server exited with %v after SIGTERM:\n%s", err, log)
	}
	return s.checkLog()
}

// cleanup kills a server left running by a failed test.
func (s *server) cleanup() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
	default:
		cmd.Process.Kill()
		<-done
	}
}

// client talks to whichever server process is up, with a bearer token.
type client struct {
	base  func() string
	token string
	hc    *http.Client
}

type response struct {
	status int
	body   []byte
}

func (r *response) decode(v any) error {
	if err := json.Unmarshal(r.body, v); err != nil {
		return fmt.Errorf("decode %q: %w", r.body, err)
	}
	return nil
}

// do sends one request. An error means no answer came: the server is down, or died
// while the request was in flight, and the write may or may not have happened.
func (c *client) do(method, path string, body any) (*response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base()+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "en")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &response{status: resp.StatusCode, body: b}, nil
}

// must sends a request while the server is known to be up and expects want.
func (c *client) must(t *testing.T, method, path string, body any, want int) *response {
	t.Helper()
	r, err := c.do(method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if r.status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.body)
	}
	return r
}

// upload posts a file as a browser form would (multipart, in the field "file"), with the
// bearer token. A redirect after the post is followed, as a browser would.
func (c *client) upload(path, filename string, content []byte, fields map[string]string) (*response, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			return nil, err
		}
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		return nil, err
	}
	if _, err := fw.Write(content); err != nil {
		return nil, err
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	req, err := http.NewRequest("POST", c.base()+path, &body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", "en")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &response{status: resp.StatusCode, body: b}, nil
}
