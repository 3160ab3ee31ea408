package crashtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// voterPool is how many residents with accounts the harness makes before the first start,
// one per subject: a vote is one person's, so each subject votes as a person of its own.
// No route makes an account for a person (that is an administrator's step at a desk), so
// they are written straight into the database while no server runs. A run takes a few
// hundred subjects; the writers stop taking new ones at the pool's end.
const voterPool = 1500

func voterUsername(n int) string { return fmt.Sprintf("crash-voter-%06d", n) }
func voterName(n int) string     { return fmt.Sprintf("崩溃投票-%06d", n) }

// addVoters makes the residents of a village of their own (so that the subjects'
// committee holds exactly the subjects) and returns the village.
func addVoters(dsn string) (int64, error) {
	ctx, cancel := context.WithTimeout(audit.WithActor(context.Background(), audit.Actor{Name: "crashtest"}), 2*time.Minute)
	defer cancel()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	village, err := org.New(db).Create(ctx, org.NewOrg{Kind: org.Committee, Name: "崩溃测试投票村"})
	if err != nil {
		return 0, fmt.Errorf("voters' village: %w", err)
	}
	hash, err := auth.HashPassword(password, auth.TestHashParams)
	if err != nil {
		return 0, err
	}
	now := time.Now().UTC()
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for n := 1; n <= voterPool; n++ {
			var account int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO accounts (username, display_name, password_hash, created_at, password_changed_at)
				VALUES ($1, $2, $3, $4, $4) RETURNING id`, voterUsername(n), voterName(n), hash, now).Scan(&account); err != nil {
				return fmt.Errorf("voter account %d: %w", n, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO people (name, org_id, stage, account_id, created_at, updated_at)
				VALUES ($1, $2, 'resident', $3, $4, $4)`, voterName(n), village.ID, account, now); err != nil {
				return fmt.Errorf("voter %d: %w", n, err)
			}
		}
		return nil
	})
	return village.ID, err
}

// voteKind casts the subject's voter's vote on the topic, signing the voter in first. A
// vote is one row per person and topic, so a retry of a vote that was taken is answered
// like the first and changes nothing; the topic's list of who voted shows the voter once.
func voteKind() writeKind {
	return writeKind{
		name: "vote",
		send: func(c *client, h *harness, s *subject) (*response, error) {
			if s.voterToken == "" {
				anon := &client{base: c.base, hc: c.hc}
				r, err := anon.do("POST", "/api/v1/tokens", map[string]string{"username": voterUsername(s.n), "password": password, "name": "crash"})
				if err != nil || r.status != http.StatusCreated {
					return r, err
				}
				var tok struct {
					Token string `json:"token"`
				}
				if err := r.decode(&tok); err != nil {
					return nil, err
				}
				s.voterToken = tok.Token
			}
			voter := &client{base: c.base, hc: c.hc, token: s.voterToken}
			return voter.do("PUT", "/api/v1/topics/"+strconv.FormatInt(h.topicID, 10)+"/vote", map[string]any{"option_id": h.optionID})
		},
		accept: func(s *subject, r *response) error {
			var v struct {
				OptionID int64 `json:"option_id"`
				Changes  int   `json:"changes"`
			}
			if err := r.decode(&v); err != nil {
				return err
			}
			if v.OptionID == 0 || v.Changes != 0 {
				return fmt.Errorf("vote answered %s", r.body)
			}
			return nil
		},
		count: func(c *client, h *harness, s *subject) (int, error) {
			t, err := readTopic(c, h)
			if err != nil {
				return 0, err
			}
			n := 0
			for _, v := range t.Voters {
				if v.Name == voterName(s.n) {
					n++
				}
			}
			return n, nil
		},
		total: func(c *client, h *harness) (int, error) {
			t, err := readTopic(c, h)
			if err != nil {
				return 0, err
			}
			if t.Tally == nil || t.Tally.Total != len(t.Voters) {
				return 0, fmt.Errorf("topic %d: tally %+v for %d voters", h.topicID, t.Tally, len(t.Voters))
			}
			return t.Tally.Total, nil
		},
	}
}

type topicRead struct {
	Voters []struct {
		Name string `json:"name"`
	} `json:"voters"`
	Tally *struct {
		Total int `json:"total"`
	} `json:"tally"`
}

func readTopic(c *client, h *harness) (topicRead, error) {
	var t topicRead
	r, err := c.do("GET", "/api/v1/topics/"+strconv.FormatInt(h.topicID, 10), nil)
	if err != nil {
		return t, err
	}
	if r.status != http.StatusOK {
		return t, fmt.Errorf("read topic: status %d: %s", r.status, r.body)
	}
	return t, r.decode(&t)
}

// uploadKind attaches a photo of the subject's own to the activity's record, through the
// page's form. A file is kept by its SHA-256 and an activity holds the same photo once,
// so a retry of an upload that was taken adds nothing; the page shows the photo once and
// serves the very bytes sent.
func uploadKind() writeKind {
	path := func(h *harness) string { return "/activities/" + strconv.FormatInt(h.activityID, 10) + "/media" }
	return writeKind{
		name: "upload",
		send: func(c *client, h *harness, s *subject) (*response, error) {
			return c.upload(path(h), fmt.Sprintf("crash-%06d.png", s.n), photo(s.n), map[string]string{"caption": "崩溃测试"})
		},
		accept: func(s *subject, r *response) error {
			// The form's answer is the activity's photos, the new one among them.
			if !bytes.Contains(r.body, photoSrc(s.n)) {
				return fmt.Errorf("upload of subject %d: the answer does not show the photo", s.n)
			}
			return nil
		},
		count: func(c *client, h *harness, s *subject) (int, error) {
			r, err := c.do("GET", path(h), nil)
			if err != nil {
				return 0, err
			}
			if r.status != http.StatusOK {
				return 0, fmt.Errorf("photos of activity %d: status %d", h.activityID, r.status)
			}
			n := bytes.Count(r.body, photoSrc(s.n))
			if n == 0 {
				return 0, nil
			}
			orig, err := c.do("GET", "/media/"+photoHash(s.n)+"/original.png", nil)
			if err != nil {
				return 0, err
			}
			if orig.status != http.StatusOK || !bytes.Equal(orig.body, photo(s.n)) {
				return 0, fmt.Errorf("photo of subject %d: status %d, %d bytes served of %d sent", s.n, orig.status, len(orig.body), len(photo(s.n)))
			}
			return n, nil
		},
		total: func(c *client, h *harness) (int, error) {
			r, err := c.do("GET", path(h), nil)
			if err != nil {
				return 0, err
			}
			if r.status != http.StatusOK {
				return 0, fmt.Errorf("photos of activity %d: status %d", h.activityID, r.status)
			}
			return bytes.Count(r.body, []byte(`<img src="/media/`)), nil
		},
	}
}

// photo is a small PNG of subject n's own: its pixels spell n.
func photo(n int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := 0; i < 16; i++ {
		img.Set(i%4, i/4, color.RGBA{R: uint8(n >> 16), G: uint8(n >> 8), B: uint8(n), A: uint8(200 + i)})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err) // encoding an in-memory image does not fail
	}
	return buf.Bytes()
}

func photoHash(n int) string {
	sum := sha256.Sum256(photo(n))
	return hex.EncodeToString(sum[:])
}

// photoSrc is how the activity's page shows subject n's photo.
func photoSrc(n int) []byte { return []byte(`<img src="/media/` + photoHash(n) + `.png"`) }
