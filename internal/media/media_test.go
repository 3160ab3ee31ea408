package media_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"vanguard/internal/i18n"
	"vanguard/internal/media"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

func encoded(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.White, color.Black})
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, img)
	case "jpeg":
		err = jpeg.Encode(&b, img, nil)
	case "gif":
		err = gif.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The type is read from the bytes; only images that decode and PDFs are accepted.
func TestSniff(t *testing.T) {
	for _, c := range []struct {
		name    string
		content []byte
		want    string
		key     string
	}{
		{"png", encoded(t, "png", 10, 10), "image/png", ""},
		{"jpeg", encoded(t, "jpeg", 10, 10), "image/jpeg", ""},
		{"gif", encoded(t, "gif", 10, 10), "image/gif", ""},
		{"pdf", []byte("%PDF-1.7\n%%EOF"), "application/pdf", ""},
		{"html named as an image", []byte("<html><script>alert(1)</script>"), "", "media.error.type"},
		{"an executable", []byte("MZ\x90\x00\x03\x00\x00\x00"), "", "media.error.type"},
		{"svg (can carry script)", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>`), "", "media.error.type"},
		{"a PNG header over garbage", append(encoded(t, "png", 10, 10)[:40], 1, 2, 3), "", "media.error.not_image"},
		{"empty", nil, "", "media.error.empty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := media.Sniff(c.content)
			var e *i18n.Error
			switch {
			case c.key == "" && (err != nil || got != c.want):
				t.Fatalf("= %q, %v; want %q", got, err, c.want)
			case c.key != "" && (!errors.As(err, &e) || e.Key != c.key || e.Field != media.Field):
				t.Fatalf("err = %v, want %s on %s", err, c.key, media.Field)
			}
		})
	}
}

// A decompression bomb — a small file announcing a huge image — is refused unread.
func TestSniffRefusesBombs(t *testing.T) {
	bomb := encoded(t, "png", 10000, 5000) // 50 million pixels, a few kilobytes
	if len(bomb) > media.MaxBytes {
		t.Fatal("the bomb is not small")
	}
	var e *i18n.Error
	if _, _, err := media.Sniff(bomb); !errors.As(err, &e) || e.Key != "media.error.pixels" {
		t.Fatalf("err = %v", err)
	}
}

// The same bytes are stored once; a wide image keeps its original beside a copy
// MaxWidth wide, with the shown size recorded.
func TestSaveDedupesAndResizes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := media.New(db)
		wide := encoded(t, "png", 2560, 100)
		a, err := svc.Save(ctx, db, media.Upload{Filename: `C:\photos\..\现场"1".png`, Content: wide})
		if err != nil {
			t.Fatal(err)
		}
		b, err := svc.Save(ctx, db, media.Upload{Filename: "again.png", Content: wide})
		if err != nil || b.ID != a.ID {
			t.Fatalf("saved twice: %d and %d, %v", a.ID, b.ID, err)
		}
		if !a.Resized || a.Width != media.MaxWidth || a.Height != 50 || a.Filename != "现场1.png" {
			t.Fatalf("saved %+v", a)
		}
		_, shown, ct, err := svc.Content(ctx, a.SHA256, false)
		if err != nil || ct != "image/png" {
			t.Fatal(ct, err)
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(shown))
		if err != nil || cfg.Width != media.MaxWidth {
			t.Fatalf("shown %dpx, %v", cfg.Width, err)
		}
		_, orig, _, err := svc.Content(ctx, a.SHA256, true)
		if err != nil || !bytes.Equal(orig, wide) {
			t.Fatalf("the original changed: %v", err)
		}
		if _, err := svc.Save(ctx, db, media.Upload{Content: []byte("not an image at all")}); err == nil {
			t.Fatal("text saved")
		}
		var n int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM media`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d files stored", n)
		}
	})
}
