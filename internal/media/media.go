// Package media keeps uploaded images and files in the database, once per content.
// The type is read from the bytes, never from the name or the header a browser sent;
// only a short list of types is accepted, and an image is accepted only if it decodes.
// Every node of a cluster serves the same bytes at the same URL, named by their hash,
// so a reader's browser may cache them for ever.
package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // registers GIF with image.Decode
	"image/jpeg"
	"image/png"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers WebP with image.Decode

	"vanguard/internal/i18n"
	"vanguard/internal/store"
)

const (
	// MaxBytes bounds one upload: a phone photo fits, a video does not.
	MaxBytes = 10 << 20
	// MaxPixels refuses decompression bombs: a small file that claims a huge image.
	MaxPixels = 40_000_000
	// MaxWidth is the width an image is shown at; a wider one is resized for pages and
	// its original kept.
	MaxWidth = 1280
)

// Types lists the accepted content types with the extension their URL ends in.
var types = map[string]string{
	"image/jpeg":      ".jpg",
	"image/png":       ".png",
	"image/gif":       ".gif",
	"image/webp":      ".webp",
	"application/pdf": ".pdf",
}

// Field is the form field of an upload, for errors.
const Field = "file"

// Media is a stored file without its bytes.
type Media struct {
	ID          int64     `json:"id"`
	SHA256      string    `json:"sha256"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	Width       int       `json:"width,omitempty"`  // as shown: the resized copy's when there is one
	Height      int       `json:"height,omitempty"` // likewise
	Filename    string    `json:"filename,omitempty"`
	Resized     bool      `json:"resized"` // a smaller copy is shown; the original is kept
	CreatedAt   time.Time `json:"created_at"`
}

// IsImage tells whether the file is an image (shown inline) rather than a document
// (always downloaded).
func (m Media) IsImage() bool { return strings.HasPrefix(m.ContentType, "image/") }

// URL is the stable address of the file as shown on pages.
func (m Media) URL() string { return "/media/" + m.SHA256 + types[m.ContentType] }

// OriginalURL is the address of the file as uploaded.
func (m Media) OriginalURL() string { return "/media/" + m.SHA256 + "/original" + types[m.ContentType] }

// Service stores and reads media.
type Service struct {
	db  *store.DB
	now func() time.Time
}

// New builds the service.
func New(db *store.DB) *Service { return &Service{db: db, now: time.Now} }

// Upload is a file as sent.
type Upload struct {
	Filename string
	Content  []byte
	OwnerID  int64
}

// Sniff names the type of content from its bytes, and checks that an image decodes
// within the pixel limit. It returns the type and the image's size.
func Sniff(content []byte) (string, image.Config, error) {
	var cfg image.Config
	if len(content) == 0 {
		return "", cfg, i18n.Invalid(Field, "media.error.empty")
	}
	if len(content) > MaxBytes {
		return "", cfg, i18n.Invalid(Field, "media.error.too_big", "max_mb", MaxBytes>>20)
	}
	ct := http.DetectContentType(content)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if _, ok := types[ct]; !ok {
		return "", cfg, i18n.Invalid(Field, "media.error.type", "type", ct)
	}
	if !strings.HasPrefix(ct, "image/") {
		return ct, cfg, nil
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(content))
	if err != nil || "image/"+format != ct {
		return "", cfg, i18n.Invalid(Field, "media.error.not_image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPixels {
		return "", cfg, i18n.Invalid(Field, "media.error.pixels", "max", MaxPixels)
	}
	// The header can be whole and the pixels broken: decode them all once.
	if _, _, err := image.Decode(bytes.NewReader(content)); err != nil {
		return "", cfg, i18n.Invalid(Field, "media.error.not_image")
	}
	return ct, cfg, nil
}

// resize returns a copy of an image MaxWidth wide, as JPEG for photos and PNG for
// the rest, or nil when the image is narrow enough already.
func resize(content []byte, ct string, cfg image.Config) ([]byte, string, int, int, error) {
	if cfg.Width <= MaxWidth || ct == "image/gif" { // a GIF may be animated: kept whole
		return nil, "", 0, 0, nil
	}
	src, _, err := image.Decode(bytes.NewReader(content))
	if err != nil {
		return nil, "", 0, 0, fmt.Errorf("media: decode for resizing: %w", err)
	}
	h := cfg.Height * MaxWidth / cfg.Width
	if h < 1 {
		h = 1
	}
	dst := image.NewRGBA(image.Rect(0, 0, MaxWidth, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	var buf bytes.Buffer
	outType := "image/png"
	if ct == "image/jpeg" || ct == "image/webp" {
		outType = "image/jpeg"
		err = jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 85})
	} else {
		err = png.Encode(&buf, dst)
	}
	if err != nil {
		return nil, "", 0, 0, fmt.Errorf("media: encode resized: %w", err)
	}
	return buf.Bytes(), outType, MaxWidth, h, nil
}

// cleanName keeps a file name for display only: no path, no control characters.
func cleanName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" || !utf8.ValidString(name) {
		return ""
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if len(name) > 200 {
		name = name[:200]
	}
	return strings.ToValidUTF8(name, "")
}

// Save stores an upload, or returns the one already stored with the same bytes.
func (s *Service) Save(ctx context.Context, q store.Querier, u Upload) (Media, error) {
	ct, cfg, err := Sniff(u.Content)
	if err != nil {
		return Media{}, err
	}
	sum := sha256.Sum256(u.Content)
	hash := hex.EncodeToString(sum[:])
	if m, err := s.byHash(ctx, q, hash); err == nil {
		return m, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Media{}, err
	}
	display, dtype, dw, dh, err := resize(u.Content, ct, cfg)
	if err != nil {
		return Media{}, err
	}
	var owner any
	if u.OwnerID != 0 {
		owner = u.OwnerID
	}
	var disp any
	if display != nil {
		disp = display
	}
	err = store.WriteIn(ctx, q, func(w store.Querier) error {
		_, err := w.ExecContext(ctx, `INSERT INTO media (sha256, content_type, size, width, height, content, display, display_type,
			display_width, display_height, filename, owner_id, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
			hash, ct, len(u.Content), cfg.Width, cfg.Height, u.Content, disp, dtype, dw, dh, cleanName(u.Filename), owner, s.now().UTC())
		if store.IsUniqueViolation(err) {
			return nil // the same bytes stored a moment ago by another request
		}
		return err
	})
	if err != nil {
		return Media{}, fmt.Errorf("media: save %s: %w", hash, err)
	}
	return s.byHash(ctx, q, hash)
}

const columns = `id, sha256, content_type, size, width, height, display_width, display_height, filename, created_at`

func scan(row interface{ Scan(...any) error }) (Media, error) {
	var m Media
	var dw, dh int
	if err := row.Scan(&m.ID, &m.SHA256, &m.ContentType, &m.Size, &m.Width, &m.Height, &dw, &dh, &m.Filename, &m.CreatedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return m, store.ErrNotFound
		}
		return m, err
	}
	if dw > 0 {
		m.Width, m.Height, m.Resized = dw, dh, true
	}
	return m, nil
}

func (s *Service) byHash(ctx context.Context, q store.Querier, hash string) (Media, error) {
	m, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM media WHERE sha256 = $1`, hash))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		err = fmt.Errorf("media: read %s: %w", hash, err)
	}
	return m, err
}

// Get reads a file's description.
func (s *Service) Get(ctx context.Context, id int64) (Media, error) {
	m, err := scan(s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM media WHERE id = $1`, id))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		err = fmt.Errorf("media: read %d: %w", id, err)
	}
	return m, err
}

// List reads the descriptions of several files, in the order of ids.
func (s *Service) List(ctx context.Context, ids []int64) ([]Media, error) {
	out := make([]Media, 0, len(ids))
	for _, id := range ids {
		m, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Content reads the bytes to serve: the resized copy unless original is set.
func (s *Service) Content(ctx context.Context, hash string, original bool) (Media, []byte, string, error) {
	m, err := s.byHash(ctx, s.db, hash)
	if err != nil {
		return m, nil, "", err
	}
	var content, display []byte
	var dtype string
	if err := s.db.QueryRowContext(ctx, `SELECT content, display, display_type FROM media WHERE id = $1`, m.ID).
		Scan(&content, &display, &dtype); err != nil {
		return m, nil, "", fmt.Errorf("media: read content of %s: %w", hash, err)
	}
	if !original && len(display) > 0 {
		return m, display, dtype, nil
	}
	return m, content, m.ContentType, nil
}

// Ext is the URL extension of a content type, for routes to check.
func Ext(ct string) string { return types[ct] }
