// Package app wires Vanguard together: configuration, the database, the services and
// the HTTP server.
package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"vanguard/internal/store"
)

// Config is the effective configuration.
type Config struct {
	Addr          string
	DataDir       string
	DB            string
	Demo          bool
	LogLevel      string
	LogFormat     string
	TLSCert       string
	TLSKey        string
	SecureCookies bool
}

// option is one row of the options table: a flag and its environment twin.
type option struct {
	name, env, def, help string
	boolean, secret      bool
	set                  func(c *Config, v string) error
	get                  func(c *Config) string
}

// options is the one table of every setting. Flags win over the environment, which
// wins over the default.
func options() []option {
	str := func(p func(*Config) *string) (func(*Config, string) error, func(*Config) string) {
		return func(c *Config, v string) error { *p(c) = v; return nil }, func(c *Config) string { return *p(c) }
	}
	boolean := func(p func(*Config) *bool) (func(*Config, string) error, func(*Config) string) {
		return func(c *Config, v string) error {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return fmt.Errorf("%q is not true or false", v)
				}
				*p(c) = b
				return nil
			}, func(c *Config) string {
				return strconv.FormatBool(*p(c))
			}
	}
	var list []option
	add := func(o option, set func(*Config, string) error, get func(*Config) string) {
		o.set, o.get = set, get
		list = append(list, o)
	}
	s, g := str(func(c *Config) *string { return &c.Addr })
	add(option{name: "addr", env: "VANGUARD_ADDR", def: "127.0.0.1:8080", help: "address to listen on"}, s, g)
	s, g = str(func(c *Config) *string { return &c.DataDir })
	add(option{name: "data-dir", env: "VANGUARD_DATA_DIR", def: "./vanguard-data", help: "directory for the SQLite database and uploaded files"}, s, g)
	s, g = str(func(c *Config) *string { return &c.DB })
	add(option{name: "db", env: "VANGUARD_DB", def: "", help: "database: a postgres:// URL, or a SQLite file (default: vanguard.db in the data directory)", secret: true}, s, g)
	s, g = str(func(c *Config) *string { return &c.LogLevel })
	add(option{name: "log-level", env: "VANGUARD_LOG_LEVEL", def: "info", help: "debug, info, warn or error"}, s, g)
	s, g = str(func(c *Config) *string { return &c.LogFormat })
	add(option{name: "log-format", env: "VANGUARD_LOG_FORMAT", def: "text", help: "text or json"}, s, g)
	s, g = str(func(c *Config) *string { return &c.TLSCert })
	add(option{name: "tls-cert", env: "VANGUARD_TLS_CERT", def: "", help: "TLS certificate file; serve HTTPS when set with --tls-key"}, s, g)
	s, g = str(func(c *Config) *string { return &c.TLSKey })
	add(option{name: "tls-key", env: "VANGUARD_TLS_KEY", def: "", help: "TLS private key file"}, s, g)
	b, bg := boolean(func(c *Config) *bool { return &c.SecureCookies })
	add(option{name: "secure-cookies", env: "VANGUARD_SECURE_COOKIES", def: "false", boolean: true, help: "mark cookies Secure (when a TLS proxy sits in front)"}, b, bg)
	return list
}

// ErrUsage marks a command-line mistake: the program prints it and exits 2.
var ErrUsage = errors.New("usage")

// UsageError is a command-line mistake in one line.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string   { return e.Msg }
func (e *UsageError) Is(t error) bool { return t == ErrUsage }

// ParseConfig reads flags (args) and environment (env, as from os.Environ) for the
// command cmd. extra adds the command's own flags to the same set.
func ParseConfig(cmd string, args []string, env []string, stderr io.Writer, extra func(fs *flag.FlagSet)) (Config, error) {
	var c Config
	environ := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			environ[k] = v
		}
	}
	fs := flag.NewFlagSet("vanguard "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	opts := options()
	values := map[string]*string{}
	for _, o := range opts {
		v := new(string)
		values[o.name] = v
		if o.boolean {
			fs.BoolFunc(o.name, o.help+" (env "+o.env+")", func(s string) error { *v = s; return nil })
			fs.Lookup(o.name).DefValue = o.def
			continue
		}
		fs.Func(o.name, o.help+" (env "+o.env+")", func(s string) error { *v = s; return nil })
		fs.Lookup(o.name).DefValue = o.def
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintf(stderr, "Usage of vanguard %s:\n", cmd)
			fs.PrintDefaults()
			return c, err
		}
		return c, &UsageError{Msg: fmt.Sprintf("vanguard %s: %s (see vanguard %s -h)", cmd, flagMessage(err), cmd)}
	}
	if fs.NArg() > 0 {
		return c, &UsageError{Msg: fmt.Sprintf("vanguard %s: unexpected argument %q (see vanguard %s -h)", cmd, fs.Arg(0), cmd)}
	}
	setByFlag := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { setByFlag[f.Name] = true })
	for _, o := range opts {
		v, source := o.def, "default"
		if ev, ok := environ[o.env]; ok && ev != "" {
			v, source = ev, o.env
		}
		if setByFlag[o.name] {
			v, source = *values[o.name], "--"+o.name
		}
		if err := o.set(&c, v); err != nil {
			return c, &UsageError{Msg: fmt.Sprintf("vanguard %s: %s: %v", cmd, source, err)}
		}
	}
	if c.DB == "" {
		c.DB = filepath.Join(c.DataDir, "vanguard.db")
	}
	if _, err := store.ParseURL(c.DB); err != nil {
		return c, &UsageError{Msg: fmt.Sprintf("vanguard %s: --db: %v", cmd, err)}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return c, &UsageError{Msg: fmt.Sprintf("vanguard %s: --tls-cert and --tls-key go together", cmd)}
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return c, &UsageError{Msg: fmt.Sprintf("vanguard %s: --log-format must be text or json, not %q", cmd, c.LogFormat)}
	}
	return c, nil
}

// flagMessage rewrites the flag package's "flag provided but not defined: -x" into the
// project's one clear line.
func flagMessage(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return "unknown flag -" + name
	}
	return msg
}

// Describe lists the effective configuration with secrets hidden, for `vanguard config`.
func Describe(c Config) []string {
	var lines []string
	for _, o := range options() {
		v := o.get(&c)
		if o.secret && strings.Contains(v, "://") {
			v = store.Redact(v)
		}
		lines = append(lines, fmt.Sprintf("%-15s %-26s %s", o.name, o.env, v))
	}
	return lines
}

// OptionsMarkdown is the options table as a Markdown table, for the configuration
// reference in docs/OPERATIONS.md (`vanguard config --markdown`), so the reference is
// generated from the table itself and a test keeps the two equal.
func OptionsMarkdown() string {
	var b strings.Builder
	b.WriteString("| flag | environment | default | meaning |\n|---|---|---|---|\n")
	for _, o := range options() {
		def := "`" + o.def + "`"
		if o.def == "" {
			def = "—"
		}
		help := o.help
		if o.secret {
			help += "; may hold a password, which `vanguard config` hides"
		}
		fmt.Fprintf(&b, "| `--%s` | `%s` | %s | %s |\n", o.name, o.env, def, strings.ReplaceAll(help, "|", "\\|"))
	}
	return b.String()
}
