package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"vanguard/internal/i18n"
	"vanguard/internal/store"
)

// How a rule is earned. Every way is a real contribution; there is deliberately no way
// for "logged in" or "time online".
var earnedBy = []string{"attendance", "learning", "idea", "volunteer", "award", "deduction", "import"}

// EarnedBy lists the ways a rule can be earned, for the rule editor.
func EarnedBy() []string { return append([]string(nil), earnedBy...) }

var capPeriods = []string{"", "month", "quarter", "year"}

// Rule is an entry of the catalogue.
type Rule struct {
	ID        int64
	OrgID     int64 // 0: built in, everywhere
	Code      string
	NameZh    string
	NameEn    string
	Points    int    // what the rule gives; 0 when the recorder chooses
	Chosen    string // "": fixed; "positive" or "negative": the recorder chooses within the sign
	DayCap    int    // 0: none
	PeriodCap int    // 0: none
	CapPeriod string // month, quarter, year
	Stages    []string
	EarnedBy  string
	ValidFrom *time.Time
	ValidTo   *time.Time
	CreatedAt time.Time
	CreatedBy int64
	Inherited bool // for an effective rule: defined above the organization asked about
}

// Name is the rule's name in a language.
func (r Rule) Name(lang string) string {
	if lang == "en" && r.NameEn != "" {
		return r.NameEn
	}
	return r.NameZh
}

// AppliesTo tells whether a person at a membership stage can earn by the rule.
func (r Rule) AppliesTo(stage string) bool {
	for _, s := range r.Stages {
		if s == stage {
			return true
		}
	}
	return false
}

// validOn tells whether the rule is in force on a day.
func (r Rule) validOn(d Day) bool {
	if r.ValidFrom != nil && d < DayOf(*r.ValidFrom) {
		return false
	}
	return r.ValidTo == nil || d <= DayOf(*r.ValidTo)
}

const ruleColumns = `id, COALESCE(org_id, 0), code, name_zh, name_en, points, chosen, COALESCE(day_cap, 0),
	COALESCE(period_cap, 0), cap_period, stages, earned_by, valid_from, valid_to, created_at, COALESCE(created_by, 0)`

func scanRule(row interface{ Scan(...any) error }) (Rule, error) {
	var r Rule
	var stages string
	var from, to sql.NullTime
	err := row.Scan(&r.ID, &r.OrgID, &r.Code, &r.NameZh, &r.NameEn, &r.Points, &r.Chosen, &r.DayCap,
		&r.PeriodCap, &r.CapPeriod, &stages, &r.EarnedBy, &from, &to, &r.CreatedAt, &r.CreatedBy)
	if err != nil {
		return Rule{}, err
	}
	r.Stages = strings.Split(stages, ",")
	if from.Valid {
		r.ValidFrom = &from.Time
	}
	if to.Valid {
		r.ValidTo = &to.Time
	}
	return r, nil
}

// allRules reads the whole catalogue: it is small (tens of rules, a few per organization
// that defines its own), and a batch of events needs most of it.
func allRules(ctx context.Context, q store.Querier) ([]Rule, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+ruleColumns+` FROM point_rules ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("points: rules: %w", err)
	}
	defer rows.Close()
	var out []Rule
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, fmt.Errorf("points: rules: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// catalogue resolves rules for organizations: the nearest definition of a code on the
// way up from the organization gives the points; every definition on the way caps.
type catalogue struct {
	byCode map[string][]Rule // every definition of a code
}

func newCatalogue(rules []Rule) catalogue {
	c := catalogue{byCode: map[string][]Rule{}}
	for _, r := range rules {
		c.byCode[r.Code] = append(c.byCode[r.Code], r)
	}
	return c
}

// effective is the rule in force for code at an organization whose ancestors (itself
// first, the root last) are given, or false when no definition reaches it.
func (c catalogue) effective(code string, ancestors []int64) (Rule, bool) {
	defs := c.byCode[code]
	if len(defs) == 0 {
		return Rule{}, false
	}
	level := func(orgID int64) int {
		if orgID == 0 {
			return len(ancestors) // built in: above every root
		}
		for i, a := range ancestors {
			if a == orgID {
				return i
			}
		}
		return -1
	}
	nearest, best := Rule{}, -1
	for _, d := range defs {
		if l := level(d.OrgID); l >= 0 && (best < 0 || l < best) {
			nearest, best = d, l
		}
	}
	if best < 0 {
		return Rule{}, false
	}
	nearest.Inherited = best > 0
	for _, d := range defs {
		if level(d.OrgID) >= 0 {
			nearest.DayCap, nearest.PeriodCap = tighter(nearest.DayCap, d.DayCap), tighter(nearest.PeriodCap, d.PeriodCap)
		}
	}
	return nearest, true
}

// tighter of two caps, where 0 means none.
func tighter(a, b int) int {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	case b < a:
		return b
	}
	return a
}

// Words that would make a rule reward presence rather than contribution. Attendance at a
// meeting is earned through the roll call, never by a rule of this kind.
var presenceWords = []string{"login", "log-in", "log in", "sign-on", "online", "streak", "time spent",
	"登录", "登陆", "在线", "时长", "连续", "打卡", "签到"}

// RuleInput is what an administrator writes in the rule editor.
type RuleInput struct {
	OrgID     int64
	Code      string
	NameZh    string
	NameEn    string
	Points    int
	Chosen    string
	DayCap    int
	PeriodCap int
	CapPeriod string
	Stages    []string
	EarnedBy  string
	ValidFrom *time.Time
	ValidTo   *time.Time
	CreatedBy int64
}

func (in RuleInput) validate() i18n.Errors {
	var errs i18n.Errors
	in.Code = strings.TrimSpace(in.Code)
	if in.Code == "" || len(in.Code) > 40 || strings.Trim(in.Code, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		errs = append(errs, i18n.Invalid("code", "points.error.code"))
	}
	if strings.TrimSpace(in.NameZh) == "" {
		errs = append(errs, i18n.Invalid("name_zh", "error.required"))
	}
	if strings.TrimSpace(in.NameEn) == "" {
		errs = append(errs, i18n.Invalid("name_en", "error.required"))
	}
	text := strings.ToLower(in.Code + " " + in.NameZh + " " + in.NameEn)
	for _, w := range presenceWords {
		if strings.Contains(text, w) {
			errs = append(errs, i18n.Invalid("code", "points.error.presence", "word", w))
			break
		}
	}
	if !contains(earnedBy, in.EarnedBy) {
		errs = append(errs, i18n.Invalid("earned_by", "points.error.earned_by"))
	}
	switch in.Chosen {
	case "":
		if in.Points == 0 {
			errs = append(errs, i18n.Invalid("points", "points.error.points_zero"))
		}
	case "positive", "negative":
		if in.Points != 0 {
			errs = append(errs, i18n.Invalid("points", "points.error.points_chosen"))
		}
	default:
		errs = append(errs, i18n.Invalid("chosen", "points.error.chosen"))
	}
	if in.Points > 1000 || in.Points < -1000 {
		errs = append(errs, i18n.Invalid("points", "points.error.points_range"))
	}
	if in.DayCap < 0 {
		errs = append(errs, i18n.Invalid("day_cap", "points.error.cap_negative"))
	}
	if in.PeriodCap < 0 {
		errs = append(errs, i18n.Invalid("period_cap", "points.error.cap_negative"))
	}
	if !contains(capPeriods, in.CapPeriod) || (in.PeriodCap > 0) != (in.CapPeriod != "") {
		errs = append(errs, i18n.Invalid("cap_period", "points.error.cap_period"))
	}
	if len(in.Stages) == 0 {
		errs = append(errs, i18n.Invalid("stages", "error.required"))
	}
	for _, s := range in.Stages {
		if !contains(stages, s) {
			errs = append(errs, i18n.Invalid("stages", "points.error.stage", "stage", s))
			break
		}
	}
	if in.ValidFrom != nil && in.ValidTo != nil && in.ValidTo.Before(*in.ValidFrom) {
		errs = append(errs, i18n.Invalid("valid_to", "points.error.valid_to"))
	}
	return errs
}

// The membership stages a rule may name (member.Stages, written here to keep points free
// of the member package's import graph).
var stages = []string{"resident", "applicant", "activist", "candidate", "probationary", "full"}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// DefineRule adds a rule at an organization (or changes the organization's own
// definition of the code). A definition may not loosen a cap an ancestor sets.
func (s *Service) DefineRule(ctx context.Context, in RuleInput) (Rule, error) {
	in.Code = strings.TrimSpace(in.Code)
	if errs := in.validate(); len(errs) > 0 {
		return Rule{}, errs
	}
	if in.OrgID == 0 {
		return Rule{}, i18n.Invalid("org_id", "error.required")
	}
	var out Rule
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		rules, err := allRules(ctx, tx)
		if err != nil {
			return err
		}
		ancestors, err := ancestorsOf(ctx, tx, in.OrgID)
		if err != nil {
			return err
		}
		if above, ok := newCatalogue(rules).effective(in.Code, ancestors[1:]); ok {
			if err := notLooser(in, above); err != nil {
				return err
			}
		}
		var id int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM point_rules WHERE org_id = $1 AND code = $2`, in.OrgID, in.Code).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			err = tx.QueryRowContext(ctx, `INSERT INTO point_rules (org_id, code, name_zh, name_en, points, chosen,
				day_cap, period_cap, cap_period, stages, earned_by, valid_from, valid_to, created_by, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
				in.OrgID, in.Code, strings.TrimSpace(in.NameZh), strings.TrimSpace(in.NameEn), in.Points, in.Chosen,
				nullInt(in.DayCap), nullInt(in.PeriodCap), in.CapPeriod, strings.Join(in.Stages, ","), in.EarnedBy,
				in.ValidFrom, in.ValidTo, nullInt64(in.CreatedBy), time.Now()).Scan(&id)
		case err == nil:
			_, err = tx.ExecContext(ctx, `UPDATE point_rules SET name_zh = $1, name_en = $2, points = $3, chosen = $4,
				day_cap = $5, period_cap = $6, cap_period = $7, stages = $8, earned_by = $9, valid_from = $10, valid_to = $11
				WHERE id = $12`, strings.TrimSpace(in.NameZh), strings.TrimSpace(in.NameEn), in.Points, in.Chosen,
				nullInt(in.DayCap), nullInt(in.PeriodCap), in.CapPeriod, strings.Join(in.Stages, ","), in.EarnedBy,
				in.ValidFrom, in.ValidTo, id)
		}
		if err != nil {
			return fmt.Errorf("points: define rule %s at %d: %w", in.Code, in.OrgID, err)
		}
		out, err = scanRule(tx.QueryRowContext(ctx, `SELECT `+ruleColumns+` FROM point_rules WHERE id = $1`, id))
		return err
	})
	return out, err
}

// notLooser refuses a definition whose caps are looser than those in force above it.
func notLooser(in RuleInput, above Rule) error {
	var errs i18n.Errors
	if above.DayCap > 0 && (in.DayCap == 0 || in.DayCap > above.DayCap) {
		errs = append(errs, i18n.Invalid("day_cap", "points.error.looser", "cap", above.DayCap))
	}
	if above.PeriodCap > 0 && (in.PeriodCap == 0 || in.CapPeriod != above.CapPeriod || in.PeriodCap > above.PeriodCap) {
		errs = append(errs, i18n.Invalid("period_cap", "points.error.looser", "cap", above.PeriodCap))
	}
	if above.Chosen != in.Chosen {
		errs = append(errs, i18n.Invalid("chosen", "points.error.chosen_differs"))
	}
	return errs.Err()
}

// Rules lists the rules in force at an organization: its own, and those it inherits.
func (s *Service) Rules(ctx context.Context, orgID int64) ([]Rule, error) {
	rules, err := allRules(ctx, s.db)
	if err != nil {
		return nil, err
	}
	ancestors, err := ancestorsOf(ctx, s.db, orgID)
	if err != nil {
		return nil, err
	}
	cat := newCatalogue(rules)
	var out []Rule
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.Code] {
			continue
		}
		seen[r.Code] = true
		if eff, ok := cat.effective(r.Code, ancestors); ok {
			out = append(out, eff)
		}
	}
	return out, nil
}

// ancestorsOf lists an organization and its ancestors, nearest first.
func ancestorsOf(ctx context.Context, q store.Querier, orgID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT ancestor_id FROM org_tree WHERE org_id = $1 ORDER BY distance`, orgID)
	if err != nil {
		return nil, fmt.Errorf("points: ancestors of %d: %w", orgID, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, store.ErrNotFound
	}
	return out, nil
}

func nullInt(v int) any {
	if v == 0 {
		return nil
	}
	return v
}

func nullInt64(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}
