package web

// Uploaded files, served by the hash of their bytes: the URL of a file never changes
// and never serves other bytes, so browsers keep it for a year. Nothing served here can
// run: the type is the one sniffed at upload, the browser is told not to sniff again,
// a document is always a download, and a sandboxing CSP covers an image opened alone.

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"vanguard/internal/media"
	"vanguard/internal/server"
	"vanguard/internal/store"
)

func (h *Handlers) registerMedia(srv *server.Server, m *media.Service) {
	srv.HandleFunc("GET /media/{file}", server.Public, func(w http.ResponseWriter, r *http.Request) {
		h.serveMedia(w, r, m, r.PathValue("file"), false)
	}) // anyone: the hash is the name
	srv.HandleFunc("GET /media/{hash}/{file}", server.Public, func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.PathValue("file"), "original.") {
			h.notFound(w, r)
			return
		}
		h.serveMedia(w, r, m, r.PathValue("hash")+strings.TrimPrefix(r.PathValue("file"), "original"), true)
	}) // anyone: the original of an image
}

// isHash tells whether s is a lower-case hex SHA-256.
func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	return strings.Trim(s, "0123456789abcdef") == ""
}

func (h *Handlers) serveMedia(w http.ResponseWriter, r *http.Request, m *media.Service, file string, original bool) {
	hash, ext, _ := strings.Cut(file, ".")
	if !isHash(hash) {
		h.notFound(w, r)
		return
	}
	desc, body, ct, err := m.Content(r.Context(), hash, original)
	if errors.Is(err, store.ErrNotFound) || (err == nil && "."+ext != media.Ext(desc.ContentType)) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", ct)
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	hd.Set("ETag", `"`+hash+map[bool]string{true: "-o", false: ""}[original]+`"`)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	disposition := "attachment"
	if desc.IsImage() {
		disposition = "inline"
	}
	name := desc.Filename
	if name == "" {
		name = hash[:12] + media.Ext(desc.ContentType)
	}
	hd.Set("Content-Disposition", disposition+"; filename*=UTF-8''"+pathEscape(name))
	if match := r.Header.Get("If-None-Match"); match != "" && match == hd.Get("ETag") {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// pathEscape encodes a file name for Content-Disposition (RFC 5987).
func pathEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(c)|0x100, 16)[1:]))
		}
	}
	return b.String()
}

// readUploads reads the files of a multipart form field, bounded by the media limit
// for each and by total for them all. It returns an error that names the field.
func readUploads(r *http.Request, field string) ([]media.Upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []media.Upload
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Size == 0 {
			continue
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(io.LimitReader(f, media.MaxBytes+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, media.Upload{Filename: fh.Filename, Content: body})
	}
	return out, nil
}
