package member

import (
	"context"
	"database/sql"
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

// An introduction letter for transferring organizational relations is valid for three
// months (党员组织关系介绍信有效期一般不超过三个月).
const letterValidMonths = 3

// Transfer statuses. "expired" is not stored: a letter past its date reads as expired.
const (
	TransferIssued    = "issued"
	TransferReceived  = "received"
	TransferCancelled = "cancelled"
	TransferExpired   = "expired"
)

// Transfer is a member's move from one organization to another (组织关系转接).
type Transfer struct {
	ID          int64      `json:"id"`
	PersonID    int64      `json:"person_id"`
	PersonName  string     `json:"person_name"`
	FromOrgID   int64      `json:"from_org_id"`
	FromOrgName string     `json:"from_org_name"`
	ToOrgID     int64      `json:"to_org_id"`
	ToOrgName   string     `json:"to_org_name"`
	LetterNo    string     `json:"letter_no"`
	IssuedOn    time.Time  `json:"issued_on"`
	ValidUntil  time.Time  `json:"valid_until"`
	Status      string     `json:"status"`
	ReceivedOn  *time.Time `json:"received_on,omitempty"`
	Note        string     `json:"note,omitempty"`
}

// NewTransfer is what Issue needs.
type NewTransfer struct {
	PersonID int64
	ToOrgID  int64
	IssuedOn time.Time
	LetterNo string // the letter's number; generated when empty
	Note     string
}

// Issue writes an introduction letter. Only members transfer; one letter at a time.
func (s *Service) Issue(ctx context.Context, n NewTransfer) (Transfer, error) {
	var t Transfer
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		p, err := s.get(ctx, tx, n.PersonID)
		if err != nil {
			return err
		}
		to, err := s.orgs.GetIn(ctx, tx, n.ToOrgID)
		today := s.Today()
		issued := day(n.IssuedOn)
		if n.IssuedOn.IsZero() {
			issued = today
		}
		var errs i18n.Errors
		switch {
		case errors.Is(err, store.ErrNotFound) || err == nil && to.DissolvedAt != nil:
			errs = append(errs, i18n.Invalid("to_org_id", "member.error.org"))
		case err != nil:
			return err
		case to.ID == p.OrgID:
			errs = append(errs, i18n.Invalid("to_org_id", "member.error.transfer_same"))
		case to.Kind != org.Branch && to.Kind != org.GeneralBranch && to.Kind != org.Committee:
			errs = append(errs, i18n.Invalid("to_org_id", "member.error.transfer_group"))
		}
		if !p.Stage.IsMember() {
			errs = append(errs, i18n.Invalid("person_id", "member.error.transfer_member"))
		}
		if issued.After(today) {
			errs = append(errs, i18n.Invalid("issued_on", "development.rule.future", "date", isoDate(issued), "today", isoDate(today)))
		}
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM transfers WHERE person_id = $1 AND status = $2 AND valid_until >= $3`,
			p.ID, TransferIssued, today).Scan(&open); err != nil {
			return fmt.Errorf("member: open transfers of %d: %w", p.ID, err)
		}
		if open > 0 {
			errs = append(errs, i18n.Invalid("person_id", "member.error.transfer_open"))
		}
		if len(errs) > 0 {
			return errs
		}
		t = Transfer{PersonID: p.ID, PersonName: p.Name, FromOrgID: p.OrgID, FromOrgName: p.OrgName, ToOrgID: to.ID, ToOrgName: to.Name,
			LetterNo: strings.TrimSpace(n.LetterNo), IssuedOn: issued, ValidUntil: addMonths(issued, letterValidMonths),
			Status: TransferIssued, Note: strings.TrimSpace(n.Note)}
		err = tx.QueryRowContext(ctx, `INSERT INTO transfers (person_id, from_org_id, to_org_id, letter_no, issued_on, valid_until, status, note, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			t.PersonID, t.FromOrgID, t.ToOrgID, t.LetterNo, t.IssuedOn, t.ValidUntil, t.Status, t.Note,
			nullID(audit.ActorFrom(ctx).AccountID), s.now()).Scan(&t.ID)
		if err != nil {
			return fmt.Errorf("member: issue transfer of %d: %w", p.ID, err)
		}
		if t.LetterNo == "" {
			t.LetterNo = fmt.Sprintf("%d-%06d", issued.Year(), t.ID)
			if _, err := tx.ExecContext(ctx, `UPDATE transfers SET letter_no = $1 WHERE id = $2`, t.LetterNo, t.ID); err != nil {
				return fmt.Errorf("member: number letter %d: %w", t.ID, err)
			}
		}
		return audit.Record(ctx, tx, "issue", "transfer", t.ID, nil, t)
	})
	return t, err
}

// Receive records the receiving organization's receipt: the member moves, with history
// on both sides. A letter past its validity cannot be received; a new one is issued.
func (s *Service) Receive(ctx context.Context, transferID int64, on time.Time) (Transfer, error) {
	var t Transfer
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if t, err = s.transfer(ctx, tx, transferID); err != nil {
			return err
		}
		on = day(on)
		if on.IsZero() {
			on = s.Today()
		}
		switch {
		case t.Status == TransferReceived || t.Status == TransferCancelled:
			return i18n.Invalid("", "member.error.transfer_closed")
		case on.After(t.ValidUntil):
			return i18n.Invalid("received_on", "member.error.transfer_expired", "date", isoDate(t.ValidUntil))
		case on.Before(t.IssuedOn):
			return i18n.Invalid("received_on", "development.rule.before_stage", "date", isoDate(on), "since", isoDate(t.IssuedOn))
		case on.After(s.Today()):
			return i18n.Invalid("received_on", "development.rule.future", "date", isoDate(on), "today", isoDate(s.Today()))
		}
		// The letter must still say where the member is. An expired letter does not
		// block a new one, so a member may have moved on another letter since; received
		// now, the old one would end a membership it never knew and date the move before it.
		var current int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(org_id, 0) FROM people WHERE id = $1`, t.PersonID).Scan(&current); err != nil {
			return fmt.Errorf("member: organization of %d: %w", t.PersonID, err)
		}
		var arrived time.Time
		err = tx.QueryRowContext(ctx, `SELECT started_on FROM person_orgs WHERE person_id = $1 AND ended_on IS NULL
			ORDER BY started_on DESC LIMIT 1`, t.PersonID).Scan(&arrived)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("member: membership of %d: %w", t.PersonID, err)
		}
		if current != t.FromOrgID || on.Before(day(arrived)) {
			return i18n.Invalid("", "member.error.transfer_stale")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE transfers SET status = $1, received_on = $2 WHERE id = $3`, TransferReceived, on, t.ID); err != nil {
			return fmt.Errorf("member: receive transfer %d: %w", t.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE person_orgs SET ended_on = $1 WHERE person_id = $2 AND ended_on IS NULL`, on, t.PersonID); err != nil {
			return fmt.Errorf("member: end membership of %d: %w", t.PersonID, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO person_orgs (person_id, org_id, started_on, via) VALUES ($1, $2, $3, 'transfer')`, t.PersonID, t.ToOrgID, on); err != nil {
			return fmt.Errorf("member: start membership of %d: %w", t.PersonID, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE people SET org_id = $1, updated_at = $2 WHERE id = $3`, t.ToOrgID, s.now(), t.PersonID); err != nil {
			return fmt.Errorf("member: move %d: %w", t.PersonID, err)
		}
		// Posts belong to the old organization; they end with the move. A post's end
		// date is its last day in office (see org.Appoint and PostsOn), and from the day
		// of receipt the person is in the new organization, so the last day is the day
		// before — or the first day, for a post begun on the day of receipt.
		if _, err := tx.ExecContext(ctx, `UPDATE posts SET ended_on = CASE WHEN started_on > $1 THEN started_on ELSE $1 END
			WHERE person_id = $2 AND org_id = $3 AND ended_on IS NULL`, on.AddDate(0, 0, -1), t.PersonID, t.FromOrgID); err != nil {
			return fmt.Errorf("member: end posts of %d: %w", t.PersonID, err)
		}
		t.Status, t.ReceivedOn = TransferReceived, &on
		return audit.Record(ctx, tx, "receive", "transfer", t.ID, map[string]any{"status": TransferIssued}, t)
	})
	return t, err
}

// Cancel withdraws a letter that was not received.
func (s *Service) Cancel(ctx context.Context, transferID int64) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		t, err := s.transfer(ctx, tx, transferID)
		if err != nil {
			return err
		}
		if t.Status == TransferReceived || t.Status == TransferCancelled {
			return i18n.Invalid("", "member.error.transfer_closed")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE transfers SET status = $1 WHERE id = $2`, TransferCancelled, t.ID); err != nil {
			return fmt.Errorf("member: cancel transfer %d: %w", t.ID, err)
		}
		return audit.Record(ctx, tx, "cancel", "transfer", t.ID, map[string]any{"status": t.Status}, map[string]any{"status": TransferCancelled})
	})
}

const transferColumns = `t.id, t.person_id, p.name, t.from_org_id, fo.name, t.to_org_id, tro.name, t.letter_no,
	t.issued_on, t.valid_until, t.status, t.received_on, t.note
	FROM transfers t JOIN people p ON p.id = t.person_id JOIN orgs fo ON fo.id = t.from_org_id JOIN orgs tro ON tro.id = t.to_org_id `

func (s *Service) scanTransfer(row interface{ Scan(...any) error }) (Transfer, error) {
	var t Transfer
	var received sql.NullTime
	err := row.Scan(&t.ID, &t.PersonID, &t.PersonName, &t.FromOrgID, &t.FromOrgName, &t.ToOrgID, &t.ToOrgName, &t.LetterNo,
		&t.IssuedOn, &t.ValidUntil, &t.Status, &received, &t.Note)
	if received.Valid {
		t.ReceivedOn = &received.Time
	}
	if err == nil && t.Status == TransferIssued && s.Today().After(t.ValidUntil) {
		t.Status = TransferExpired
	}
	return t, err
}

func (s *Service) transfer(ctx context.Context, q store.Querier, id int64) (Transfer, error) {
	t, err := s.scanTransfer(q.QueryRowContext(ctx, `SELECT `+transferColumns+`WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, store.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("member: transfer %d: %w", id, err)
	}
	return t, nil
}

// GetTransfer returns a transfer; access is the caller's to check (either side's view).
func (s *Service) GetTransfer(ctx context.Context, id int64) (Transfer, error) {
	return s.transfer(ctx, s.db, id)
}

// Transfers lists the transfers out of or into the scope's organizations, open ones first.
func (s *Service) Transfers(ctx context.Context, sc org.Scope, personID int64) ([]Transfer, error) {
	condFrom, args := sc.Condition("t.from_org_id", 1)
	condTo, _ := sc.Condition("t.to_org_id", 1)
	where := `(` + condFrom + ` OR ` + condTo + `)`
	if personID != 0 {
		args = append(args, personID)
		where += ` AND t.person_id = $` + strconv.Itoa(len(args))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+transferColumns+`WHERE `+where+`
		ORDER BY t.status <> 'issued', t.issued_on DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("member: list transfers: %w", err)
	}
	defer rows.Close()
	var list []Transfer
	for rows.Next() {
		t, err := s.scanTransfer(rows)
		if err != nil {
			return nil, fmt.Errorf("member: scan transfer: %w", err)
		}
		list = append(list, t)
	}
	return list, rows.Err()
}
