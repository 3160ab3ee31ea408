package activity

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// The QR sign-in is a convenience beside the roll call. The code the host shows carries
// a token that changes every SlotSeconds: an HMAC-SHA256, under a secret of the
// installation, of the activity and the time slot. A photo of the code sent to someone
// at home is useless a minute later. The token is accepted in its own slot and the next,
// so a member who scans at the end of a slot is not refused.
//
// Nothing else is asked of the member: no location, no photo. Burden-reduction rules
// forbid them as proof of attendance.
const (
	SlotSeconds = 30
	// LateAfter: a sign-in more than this long after the start is late.
	LateAfter = 15 * time.Minute
)

// secretKey names the installation's sign-in secret in the settings table. It lives in
// the database, not in a node's memory, so that every node of a cluster issues and
// accepts the same tokens.
const secretKey = "activity.checkin_secret"

// Token is a sign-in token to show as a QR code.
type Token struct {
	Value      string    `json:"token"`
	ValidUntil time.Time `json:"valid_until"` // the last moment it is accepted
	Refresh    time.Time `json:"refresh"`     // when the next one is issued
}

// CheckinToken issues the current sign-in token of an activity, for a manager of a host
// to show. It is issued only while the sign-in is open.
func (s *Service) CheckinToken(ctx context.Context, sc org.Scope, id int64) (Token, error) {
	var tok Token
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		a, err := s.requireManager(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		now := s.now()
		if err := s.checkWindow(a, now); err != nil {
			return err
		}
		secret, err := s.secret(ctx, tx)
		if err != nil {
			return err
		}
		slot := slotOf(now)
		tok = Token{
			Value:      strconv.FormatInt(slot, 10) + "." + sign(secret, id, slot),
			Refresh:    time.Unix((slot+1)*SlotSeconds, 0),
			ValidUntil: time.Unix((slot+2)*SlotSeconds, 0).Add(-time.Nanosecond),
		}
		return nil
	})
	return tok, err
}

func slotOf(t time.Time) int64 { return t.Unix() / SlotSeconds }

func sign(secret []byte, id, slot int64) string {
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "activity-checkin:%d:%d", id, slot)
	// 128 bits are plenty for a code that lives a minute, and keep the QR small.
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

// verify checks a token against the secret and the current slot.
func verify(secret []byte, id int64, token string, now time.Time) error {
	slotText, mac, ok := strings.Cut(strings.TrimSpace(token), ".")
	slot, err := strconv.ParseInt(slotText, 10, 64)
	if !ok || err != nil || !hmac.Equal([]byte(mac), []byte(sign(secret, id, slot))) {
		return i18n.Invalid(fieldToken, "activity.error.token_invalid")
	}
	current := slotOf(now)
	switch {
	case slot > current:
		// Genuine but from the future: only a holder of the secret makes one.
		return i18n.Invalid(fieldToken, "activity.error.token_invalid")
	case slot < current-1:
		return i18n.Invalid(fieldToken, "activity.error.token_expired")
	}
	return nil
}

// secret returns the installation's sign-in secret, creating it on first use inside
// the caller's transaction. Two nodes creating it at once both end up reading the one
// that was committed first.
func (s *Service) secret(ctx context.Context, q store.Querier) ([]byte, error) {
	read := func() (string, error) {
		var v string
		err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, secretKey).Scan(&v)
		return v, err
	}
	v, err := read()
	if errors.Is(err, sql.ErrNoRows) {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("activity: make the sign-in secret: %w", err)
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
			secretKey, hex.EncodeToString(b)); err != nil {
			return nil, fmt.Errorf("activity: store the sign-in secret: %w", err)
		}
		v, err = read()
	}
	if err != nil {
		return nil, fmt.Errorf("activity: read the sign-in secret: %w", err)
	}
	secret, err := hex.DecodeString(v)
	if err != nil || len(secret) < 16 {
		return nil, fmt.Errorf("activity: the sign-in secret in settings is malformed")
	}
	return secret, nil
}

// Window returns when the QR sign-in of an activity opens and closes.
func (s *Service) Window(a Activity) (opens, closes time.Time) {
	return a.StartsAt.Add(-s.opensBefore), a.EndsAt.Add(s.closesAfter)
}

func (s *Service) checkWindow(a Activity, now time.Time) error {
	if a.Status == Cancelled {
		return i18n.Invalid(fieldStatus, "activity.error.cancelled")
	}
	opens, closes := s.Window(a)
	switch {
	case now.Before(opens):
		return i18n.Invalid("", "activity.error.checkin_not_open", "opens", formatTime(opens))
	case now.After(closes):
		return i18n.Invalid("", "activity.error.checkin_closed", "closed", formatTime(closes))
	}
	return nil
}

// CheckIn signs a person in by the token of the activity's QR code: present, or late when
// more than LateAfter after the start. A person counts once, however often and however
// concurrently they scan: the attendance row's key and a conditional upsert see to it.
// Outside the window, with an expired or forged token, a second time, or from outside
// the audience, it returns an *i18n.Error and changes nothing.
func (s *Service) CheckIn(ctx context.Context, id, personID int64, token string) (Attendee, error) {
	var at Attendee
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		a, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		now := s.now()
		if err := s.checkWindow(a, now); err != nil {
			return err
		}
		secret, err := s.secret(ctx, tx)
		if err != nil {
			return err
		}
		if err := verify(secret, id, token, now); err != nil {
			return err
		}
		presence := Present
		if now.After(a.StartsAt.Add(LateAfter)) {
			presence = Late
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO attendance (activity_id, person_id, status, method, signed_in_at, updated_at)
			SELECT a.id, p.id, $3, $4, $5, $5 FROM people p JOIN activities a ON a.id = $1 WHERE p.id = $2 AND `+inAudienceWhere+`
			ON CONFLICT (activity_id, person_id) DO UPDATE SET status = excluded.status, method = excluded.method,
				signed_in_at = excluded.signed_in_at, updated_at = excluded.updated_at
			WHERE attendance.status NOT IN ('present', 'late')`, id, personID, presence, MethodQR, now)
		if err != nil {
			return fmt.Errorf("activity: sign %d in at %d: %w", personID, id, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("activity: sign %d in at %d: %w", personID, id, err)
		}
		if n == 0 {
			if _, err := s.attendance(ctx, tx, id, personID); errors.Is(err, store.ErrNotFound) {
				return i18n.Invalid(fieldPerson, "activity.error.not_in_audience", "id", personID)
			} else if err != nil {
				return err
			}
			return i18n.Invalid("", "activity.error.already_signed_in")
		}
		if err := s.refreshHeld(ctx, tx, id); err != nil {
			return err
		}
		if err := s.attendanceChanged(ctx, tx, id, []int64{personID}); err != nil {
			return err
		}
		if at, err = s.attendance(ctx, tx, id, personID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "checkin", "attendance", fmt.Sprintf("%d:%d", id, personID), nil,
			map[string]any{"presence": presence, "method": MethodQR})
	})
	return at, err
}
