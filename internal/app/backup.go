package app

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"vanguard/internal/store"
)

// A backup is one gzipped tar file:
//
//	vanguard-backup.json   the manifest: format, when, which binary, schema version, checksum
//	vanguard.db            a consistent snapshot of the SQLite database (VACUUM INTO)
//	files/…                every other file of the data directory (uploads and whatever
//	                       later capabilities keep there), as it was while the backup ran
//
// The database is snapshotted first and the files copied after, so a file a database
// row names was on disk before the row committed and is in the archive too — provided
// files are written before the row that names them, and under a temporary name that
// starts with a dot until they are complete, which the backup skips.
const (
	backupManifestName = "vanguard-backup.json"
	backupDBName       = "vanguard.db"
	backupFilesDir     = "files"
	backupFormat       = 1
)

type backupManifest struct {
	Format         int       `json:"format"`
	CreatedAt      time.Time `json:"created_at"`
	Version        string    `json:"vanguard_version"`
	Engine         string    `json:"engine"`
	SchemaVersion  int       `json:"schema_version"`
	Database       string    `json:"database"`
	DatabaseBytes  int64     `json:"database_bytes"`
	DatabaseSHA256 string    `json:"database_sha256"`
}

// postgresBackupHelp is the answer to a backup or restore asked of PostgreSQL.
const postgresBackupHelp = "the database is PostgreSQL, which Vanguard does not snapshot itself: " +
	"back it up with pg_dump and copy the data directory's files beside it, and restore with pg_restore, " +
	`as docs/OPERATIONS.md describes under "Backup and restore"`

func runBackup(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	var out string
	c, err := ParseConfig("backup", args, env, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "write the backup to this file, which must not exist (required; e.g. vanguard-2026-03-01.tar.gz)")
	})
	if err != nil {
		return err
	}
	if out == "" {
		return &UsageError{Msg: "vanguard backup: --out is required (see vanguard backup -h)"}
	}
	engine, _ := store.ParseURL(c.DB)
	if engine == store.Postgres {
		return errors.New("vanguard backup: " + postgresBackupHelp)
	}
	n, err := backup(ctx, c, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s and %d file(s) of %s to %s\n", c.DB, n, c.DataDir, out)
	return nil
}

// backup writes a backup of the SQLite database c.DB and of the other files of the data
// directory to out, and returns how many of those files it copied. A server may be
// serving from the same directory meanwhile.
func backup(ctx context.Context, c Config, out string) (int, error) {
	if _, err := os.Lstat(out); err == nil {
		return 0, fmt.Errorf("backup: %s already exists; choose a new name", out)
	}
	dbPath := sqliteFile(c.DB)
	if _, err := os.Stat(dbPath); err != nil {
		return 0, fmt.Errorf("backup: database %s: %w", dbPath, err)
	}
	// The snapshot is as big as the database, so it is made beside the output rather
	// than in a temporary directory that may be a small tmpfs.
	work, err := os.MkdirTemp(filepath.Dir(out), ".vanguard-backup-*")
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(work)
	snapshot := filepath.Join(work, backupDBName)
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		return 0, err
	}
	err = db.Snapshot(ctx, snapshot)
	db.Close()
	if err != nil {
		return 0, err
	}
	info, err := store.CheckSnapshot(ctx, snapshot)
	if err != nil {
		return 0, fmt.Errorf("backup: the snapshot is unusable: %w", err)
	}
	m := backupManifest{Format: backupFormat, CreatedAt: time.Now().UTC(), Version: versionString(),
		Engine: string(store.SQLite), SchemaVersion: info.SchemaVersion, Database: backupDBName}
	if m.DatabaseBytes, m.DatabaseSHA256, err = fileDigest(snapshot); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}

	partial := filepath.Join(work, "backup.tar.gz")
	f, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	manifest, _ := json.MarshalIndent(m, "", "  ")
	if err := writeTarBytes(tw, backupManifestName, append(manifest, '\n'), m.CreatedAt); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if err := writeTarFile(tw, backupDBName, snapshot); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	skip := map[string]bool{}
	for _, p := range []string{dbPath, dbPath + "-wal", dbPath + "-shm", dbPath + "-journal", out} {
		if abs, err := filepath.Abs(p); err == nil {
			skip[abs] = true
		}
	}
	files, err := archiveDataFiles(tw, c.DataDir, skip)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if err := tw.Close(); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if err := gz.Close(); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	// Linking rather than renaming refuses to replace a file that appeared meanwhile.
	if err := os.Link(partial, out); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	syncDir(filepath.Dir(out))
	return files, nil
}

// archiveDataFiles adds every regular file under dir to the archive, under files/,
// except those in skip (the live database and its sidecars) and names starting with a
// dot (files being written, probes, backups in progress). Symbolic links are not
// followed: a data directory holds data, not pointers out of itself.
func archiveDataFiles(tw *tar.Writer, dir string, skip map[string]bool) (int, error) {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	err = filepath.WalkDir(absDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p != absDir {
				return nil // removed while we walked
			}
			return err
		}
		if p == absDir {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() || skip[p] {
			return nil
		}
		rel, err := filepath.Rel(absDir, p)
		if err != nil {
			return err
		}
		if err := writeTarFile(tw, path.Join(backupFilesDir, filepath.ToSlash(rel)), p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		n++
		return nil
	})
	return n, err
}

func writeTarBytes(tw *tar.Writer, name string, body []byte, mod time.Time) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(body)), ModTime: mod, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := tw.Write(body)
	return err
}

// writeTarFile copies a file into the archive. The size is the one read, so a file
// that grows while it is copied is archived as it was when opened.
func writeTarFile(tw *tar.Writer, name, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: name, Mode: int64(st.Mode().Perm()), Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := io.CopyN(tw, f, st.Size()); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return nil
}

func fileDigest(p string) (int64, string, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

func runRestore(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	var from string
	c, err := ParseConfig("restore", args, env, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "the backup file to restore (required)")
	})
	if err != nil {
		return err
	}
	if from == "" {
		return &UsageError{Msg: "vanguard restore: --from is required (see vanguard restore -h)"}
	}
	engine, _ := store.ParseURL(c.DB)
	if engine == store.Postgres {
		return errors.New("vanguard restore: " + postgresBackupHelp)
	}
	m, n, err := restore(ctx, c, from)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored the backup of %s (schema version %d, made by Vanguard %s) and %d file(s) into %s; start it with: vanguard serve --data-dir %s\n",
		m.CreatedAt.Format(time.RFC3339), m.SchemaVersion, m.Version, n, c.DataDir, c.DataDir)
	return nil
}

// restore unpacks a backup into the data directory c.DataDir, which must be empty or
// not exist yet (its parent must), putting the database at c.DB. Everything is
// unpacked and checked — the checksum, the integrity check, a schema this binary can
// run — in a staging folder first, so a bad archive leaves the directory as it was.
func restore(ctx context.Context, c Config, from string) (backupManifest, int, error) {
	var m backupManifest
	src, err := os.Open(from)
	if err != nil {
		return m, 0, fmt.Errorf("restore: %w", err)
	}
	defer src.Close()
	if err := requireEmptyDataDir(c.DataDir); err != nil {
		return m, 0, err
	}
	dbPath := sqliteFile(c.DB)
	if _, err := os.Lstat(dbPath); err == nil {
		return m, 0, fmt.Errorf("restore: the database %s already exists; restore only into an empty place", dbPath)
	}
	if err := PrepareDataDir(c.DataDir); err != nil {
		return m, 0, err
	}
	stage, err := os.MkdirTemp(c.DataDir, ".restore-*")
	if err != nil {
		return m, 0, fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(stage)
	m, files, err := unpackBackup(src, stage)
	if err != nil {
		return m, 0, fmt.Errorf("restore: %s: %w", from, err)
	}
	staged := filepath.Join(stage, backupDBName)
	size, sum, err := fileDigest(staged)
	if err != nil {
		return m, 0, fmt.Errorf("restore: %w", err)
	}
	if size != m.DatabaseBytes || sum != m.DatabaseSHA256 {
		return m, 0, fmt.Errorf("restore: %s: the database in the backup does not match its checksum: the file is damaged", from)
	}
	info, err := store.CheckSnapshot(ctx, staged)
	if err != nil {
		return m, 0, fmt.Errorf("restore: %w", err)
	}
	list, err := store.Migrations(store.SQLite)
	if err != nil {
		return m, 0, err
	}
	if info.SchemaVersion > len(list) {
		return m, 0, fmt.Errorf("restore: %w", &store.ErrSchemaAhead{Database: info.SchemaVersion, Binary: len(list)})
	}
	// Files first, the database last: a data directory with a database in it is a
	// restored one.
	filesRoot := filepath.Join(stage, backupFilesDir)
	for _, rel := range files {
		dst := filepath.Join(c.DataDir, filepath.FromSlash(rel))
		if same, _ := samePath(dst, dbPath); same {
			return m, 0, fmt.Errorf("restore: %s: a data file would take the database's place at %s", from, dbPath)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return m, 0, fmt.Errorf("restore: %w", err)
		}
		if err := os.Rename(filepath.Join(filesRoot, filepath.FromSlash(rel)), dst); err != nil {
			return m, 0, fmt.Errorf("restore: %w", err)
		}
	}
	if err := moveFile(staged, dbPath); err != nil {
		return m, 0, fmt.Errorf("restore: %w", err)
	}
	syncDir(filepath.Dir(dbPath))
	return m, len(files), nil
}

// requireEmptyDataDir accepts a directory that does not exist or holds nothing.
func requireEmptyDataDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("restore: data directory %s: %w", dir, err)
	case len(entries) > 0:
		names := make([]string, 0, 3)
		for _, e := range entries[:min(3, len(entries))] {
			names = append(names, e.Name())
		}
		return fmt.Errorf("restore: data directory %s is not empty (it holds %s): restore only into an empty directory",
			dir, strings.Join(names, ", "))
	}
	return nil
}

// unpackBackup reads the archive into stage and returns its manifest and the paths of
// the data files (relative to files/). It refuses anything but regular files under
// the expected names, so an archive cannot write outside the staging folder.
func unpackBackup(r io.Reader, stage string) (backupManifest, []string, error) {
	var m backupManifest
	gz, err := gzip.NewReader(r)
	if err != nil {
		return m, nil, fmt.Errorf("not a Vanguard backup (not gzip): %w", err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	var files []string
	sawManifest, sawDB := false, false
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, nil, fmt.Errorf("read archive: %w", err)
		}
		if hdr.Typeflag == tar.TypeDir {
			continue
		}
		if hdr.Typeflag != tar.TypeReg {
			return m, nil, fmt.Errorf("unexpected entry %q in the archive", hdr.Name)
		}
		name := path.Clean(hdr.Name)
		switch {
		case name == backupManifestName:
			body, err := io.ReadAll(io.LimitReader(tr, 1<<20))
			if err != nil {
				return m, nil, fmt.Errorf("read manifest: %w", err)
			}
			if err := json.Unmarshal(body, &m); err != nil {
				return m, nil, fmt.Errorf("malformed manifest: %w", err)
			}
			if m.Format != backupFormat || m.Engine != string(store.SQLite) {
				return m, nil, fmt.Errorf("backup format %d of engine %q: this binary reads format %d of SQLite", m.Format, m.Engine, backupFormat)
			}
			sawManifest = true
			continue
		case !sawManifest:
			return m, nil, errors.New("not a Vanguard backup: the manifest does not come first")
		case name == backupDBName:
			sawDB = true
		case strings.HasPrefix(name, backupFilesDir+"/") && filepath.IsLocal(filepath.FromSlash(name)):
			files = append(files, strings.TrimPrefix(name, backupFilesDir+"/"))
		default:
			return m, nil, fmt.Errorf("unexpected entry %q in the archive", hdr.Name)
		}
		dst := filepath.Join(stage, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return m, nil, err
		}
		if err := writeFileFrom(dst, tr, os.FileMode(hdr.Mode).Perm()|0o600); err != nil {
			return m, nil, err
		}
	}
	if !sawManifest || !sawDB {
		return m, nil, errors.New("not a Vanguard backup: the manifest or the database is missing")
	}
	return m, files, nil
}

func writeFileFrom(dst string, r io.Reader, mode os.FileMode) error {
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", dst, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// moveFile renames, or copies when the database lives on another file system than
// the data directory.
func moveFile(src, dst string) error {
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeFileFrom(dst, in, 0o600)
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

func samePath(a, b string) (bool, error) {
	x, err := filepath.Abs(a)
	if err != nil {
		return false, err
	}
	y, err := filepath.Abs(b)
	return x == y, err
}

// sqliteFile is the file path of a SQLite database URL.
func sqliteFile(dsn string) string {
	dsn = strings.TrimPrefix(dsn, "sqlite://")
	dsn = strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(dsn, '?'); i >= 0 {
		dsn = dsn[:i]
	}
	return dsn
}
