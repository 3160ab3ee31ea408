package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"vanguard/internal/auth"
	"vanguard/internal/demo"
)

// Version is set at build time with -ldflags "-X vanguard/internal/app.Version=…".
var Version = "dev"

const usage = `Vanguard (先锋) — the daily work of grassroots party organizations.

Usage: vanguard <command> [flags]

Commands:
  serve         run the web server (--demo loads the demo data into an empty database)
  migrate       apply database migrations and exit
  demo          load the demo data into an empty database
  admin create  create an administrator account
  import articles  import old reports (text or HTML) into an organization's portal
  backup        write a consistent backup of the SQLite database and the data directory to --out
  restore       restore a backup (--from) into an empty data directory
  healthcheck   ask the server at --addr for /healthz (a container's health check)
  bench points  the province benchmark: a year of point events, ranks and top-20 lists, against Redis
  bench dashboard  the oversight dashboard over the province with a year of records, drilled down over HTTP
  bench load    200 clients on the busiest pages for a minute (--for 10m: the soak), on the demo
  config        print the effective configuration, secrets hidden (--markdown: the options table)
  version       print the version

Every flag has an environment twin: --addr is VANGUARD_ADDR, --data-dir VANGUARD_DATA_DIR,
--db VANGUARD_DB. Run "vanguard <command> -h" for a command's flags.
`

// Run is the whole program: main only passes in the process's arguments, environment and
// streams, which keeps every command testable.
func Run(ctx context.Context, args, env []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &UsageError{Msg: "vanguard: a command is required"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, env, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, env, stdout, stderr)
	case "demo":
		return runDemo(ctx, rest, env, stdout, stderr)
	case "backup":
		return runBackup(ctx, rest, env, stdout, stderr)
	case "restore":
		return runRestore(ctx, rest, env, stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, rest, env, stdout, stderr)
	case "admin":
		if len(rest) == 0 || rest[0] != "create" {
			return &UsageError{Msg: "vanguard admin: the only subcommand is \"create\""}
		}
		return runAdminCreate(ctx, rest[1:], env, stdin, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, env, stdout, stderr)
	case "import":
		if len(rest) == 0 || rest[0] != "articles" {
			return &UsageError{Msg: "vanguard import: the subcommand is \"articles\""}
		}
		return runImportArticles(ctx, rest[1:], env, stdout, stderr)
	case "config":
		var markdown bool
		c, err := ParseConfig("config", rest, env, stderr, func(fs *flag.FlagSet) {
			fs.BoolVar(&markdown, "markdown", false, "print the table of every option as Markdown, for the documentation")
		})
		if err != nil {
			return err
		}
		if markdown {
			fmt.Fprint(stdout, OptionsMarkdown())
			return nil
		}
		for _, line := range Describe(c) {
			fmt.Fprintln(stdout, line)
		}
		return nil
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "vanguard", versionString())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return &UsageError{Msg: fmt.Sprintf("vanguard: unknown command %q (run vanguard help)", cmd)}
}

func versionString() string {
	if Version != "dev" {
		return Version
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return Version
}

func runServe(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	var demoFlag bool
	c, err := ParseConfig("serve", args, env, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&demoFlag, "demo", false, "load the demo data into an empty database and accept the demo password")
	})
	if err != nil {
		return err
	}
	c.Demo = demoFlag
	logger := NewLogger(c, stderr)
	db, err := OpenDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	a, err := New(c, db, logger, auth.DefaultHashParams)
	if err != nil {
		return err
	}
	if c.Demo {
		loaded, err := demo.Loaded(ctx, db)
		if err != nil {
			return err
		}
		if !loaded {
			fmt.Fprintln(stdout, "Loading the demo data…")
			if err := demo.Load(ctx, db, a.Auth); err != nil {
				return err
			}
		}
	}
	return a.Serve(ctx, func(url string) {
		// One write, so that whoever waits for the address reads the accounts with it.
		var b strings.Builder
		fmt.Fprintf(&b, "Vanguard %s is serving at %s (database: %s)\n", versionString(), url, db.Source())
		if c.Demo {
			fmt.Fprintf(&b, "Demo accounts, each with the password %q:\n", auth.DemoPassword)
			for _, d := range demo.Accounts() {
				fmt.Fprintf(&b, "  %-10s %s\n", d.Username, d.Role)
			}
		}
		io.WriteString(stdout, b.String())
	})
}

func runMigrate(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	c, err := ParseConfig("migrate", args, env, stderr, nil)
	if err != nil {
		return err
	}
	if err := PrepareDataDir(c.DataDir); err != nil {
		return err
	}
	db, err := openRaw(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migration(s); schema is at version %d\n", n, v)
	return nil
}

func runDemo(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	c, err := ParseConfig("demo", args, env, stderr, nil)
	if err != nil {
		return err
	}
	c.Demo = true
	db, err := OpenDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := auth.New(db, auth.Options{DemoMode: true})
	if err := demo.Load(ctx, db, svc); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data loaded into %s; serve it with: vanguard serve --demo\n", db.Source())
	return nil
}

// runAdminCreate makes an administrator. The password comes from --password-file, the
// VANGUARD_ADMIN_PASSWORD variable or standard input — never a flag, which would leave it
// in the shell history and the process list.
func runAdminCreate(ctx context.Context, args, env []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var username, displayName, passwordFile string
	c, err := ParseConfig("admin create", args, env, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "the new administrator's username (required)")
		fs.StringVar(&displayName, "name", "", "the administrator's display name")
		fs.StringVar(&passwordFile, "password-file", "", "read the password from this file (else VANGUARD_ADMIN_PASSWORD, else standard input)")
	})
	if err != nil {
		return err
	}
	if username == "" {
		return &UsageError{Msg: "vanguard admin create: --username is required"}
	}
	password, err := readPassword(passwordFile, env, stdin)
	if err != nil {
		return err
	}
	db, err := OpenDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := auth.New(db, auth.Options{})
	a, err := svc.CreateAccount(ctx, auth.NewAccount{Username: username, DisplayName: displayName, Password: password, IsAdmin: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "administrator %s created (id %d)\n", a.Username, a.ID)
	return nil
}

func readPassword(file string, env []string, stdin io.Reader) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("password file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "VANGUARD_ADMIN_PASSWORD="); ok && v != "" {
			return v, nil
		}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", &UsageError{Msg: "vanguard admin create: no password given (use --password-file, VANGUARD_ADMIN_PASSWORD or standard input)"}
	}
	return line, nil
}
