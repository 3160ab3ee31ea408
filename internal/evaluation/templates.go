package evaluation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"

	"vanguard/internal/audit"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// Subject is what a template evaluates: an organization or a person.
type Subject string

const (
	SubjectOrg    Subject = "org"
	SubjectPerson Subject = "person"
)

// Valid tells whether s is known.
func (s Subject) Valid() bool { return s == SubjectOrg || s == SubjectPerson }

// Method is how an item is scored.
type Method string

const (
	Points    Method = "points"    // a score from 0 to the maximum
	Deduction Method = "deduction" // the maximum less a fixed amount per occurrence, not below 0
	YesNo     Method = "yesno"     // the maximum or nothing
	Graded    Method = "level"     // a share of the maximum by grade A, B, C, D
	Bonus     Method = "bonus"     // 0 to the maximum, added above the base; never lost
)

// Methods lists the scoring methods.
func Methods() []Method { return []Method{Points, Deduction, YesNo, Graded, Bonus} }

// Valid tells whether m is known.
func (m Method) Valid() bool {
	for _, v := range Methods() {
		if m == v {
			return true
		}
	}
	return false
}

// Key is the catalog key of the method's name.
func (m Method) Key() string { return "evaluation.method." + string(m) }

// gradeShares are the shares of an item's maximum that grades A to D earn, after the
// four-grade sheets of the standardization checks.
var gradeShares = [4]float64{1, 0.8, 0.6, 0}

// GradeLetters are the grades of a level item, in the order of their values 0 to 3.
func GradeLetters() []string { return []string{"A", "B", "C", "D"} }

// Source names the records a suggested score is computed from.
type Source string

const (
	FromMeetings   Source = "meetings_held" // share of the due periods of organizational life that were held
	FromAttendance Source = "attendance"    // attendance rate at held activities
	FromTasks      Source = "tasks_closed"  // share of follow-up tasks due in the year that were closed
	FromPoints     Source = "points"        // a year's points against the one-star mark (see pointsEvidence)
)

// Sources lists the sources of suggested scores.
func Sources() []Source { return []Source{FromMeetings, FromAttendance, FromTasks, FromPoints} }

// Valid tells whether s is known or empty.
func (s Source) Valid() bool {
	if s == "" {
		return true
	}
	for _, v := range Sources() {
		if s == v {
			return true
		}
	}
	return false
}

// Key is the catalog key of the source's name.
func (s Source) Key() string { return "evaluation.source." + string(s) }

// Band gives a level to totals from Min up.
type Band struct {
	Min   float64 `json:"min"`
	Level Level   `json:"level"`
}

// Item is one line of a checklist.
type Item struct {
	ID            int64   `json:"id"`
	Position      int     `json:"position"`
	Section       string  `json:"section"`
	SectionEn     string  `json:"section_en,omitempty"`
	Title         string  `json:"title"`
	TitleEn       string  `json:"title_en,omitempty"`
	Method        Method  `json:"method"`
	Max           float64 `json:"max"`
	PerOccurrence float64 `json:"per_occurrence,omitempty"`
	Guidance      string  `json:"guidance,omitempty"`
	Evidence      string  `json:"evidence,omitempty"`
	Source        Source  `json:"source,omitempty"`
}

// DisplayTitle is the item's title in the reader's language.
func (it Item) DisplayTitle(lang string) string {
	if lang == "en" && it.TitleEn != "" {
		return it.TitleEn
	}
	return it.Title
}

// DisplaySection is the item's section in the reader's language.
func (it Item) DisplaySection(lang string) string {
	if lang == "en" && it.SectionEn != "" {
		return it.SectionEn
	}
	return it.Section
}

// ScoreOf turns what was entered for the item into what it is worth, or says why the
// value is refused.
func (it Item) ScoreOf(value float64) (float64, error) {
	if math.IsNaN(value) || math.IsInf(value, 0) || value < 0 {
		return 0, i18n.Invalid("value", "evaluation.error.negative")
	}
	switch it.Method {
	case Points, Bonus:
		if value > it.Max {
			return 0, i18n.Invalid("value", "evaluation.error.above_max", "max", fmtScore(it.Max))
		}
		return round1(value), nil
	case Deduction:
		if value != math.Trunc(value) {
			return 0, i18n.Invalid("value", "evaluation.error.occurrences")
		}
		return math.Max(0, round1(it.Max-value*it.PerOccurrence)), nil
	case YesNo:
		if value != 0 && value != 1 {
			return 0, i18n.Invalid("value", "evaluation.error.yesno")
		}
		return value * it.Max, nil
	case Graded:
		if value != math.Trunc(value) || value > 3 {
			return 0, i18n.Invalid("value", "evaluation.error.grade")
		}
		return round1(it.Max * gradeShares[int(value)]), nil
	}
	return 0, fmt.Errorf("evaluation: item %d has unknown method %q", it.ID, it.Method)
}

// Counts tells whether the item is part of the base, so that points short of its maximum
// were lost; a bonus is not.
func (it Item) Counts() bool { return it.Method != Bonus }

func fmtScore(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Template is one version of a checklist.
type Template struct {
	ID      int64   `json:"id"`
	Key     string  `json:"key"`
	Version int     `json:"version"`
	OrgID   int64   `json:"org_id,omitempty"` // 0: built-in
	Subject Subject `json:"subject"`
	Name    string  `json:"name"`
	NameEn  string  `json:"name_en,omitempty"`
	Bands   []Band  `json:"bands"`
	Items   []Item  `json:"items"`
}

// DisplayName is the template's name in the reader's language.
func (t Template) DisplayName(lang string) string {
	if lang == "en" && t.NameEn != "" {
		return t.NameEn
	}
	return t.Name
}

// Base is the total of the items' maxima, bonuses left out: a full score.
func (t Template) Base() float64 {
	var b float64
	for _, it := range t.Items {
		if it.Counts() {
			b += it.Max
		}
	}
	return b
}

// LevelOf is the level a total reaches after the bands.
func (t Template) LevelOf(total float64) Level {
	for _, b := range t.Bands {
		if total >= b.Min {
			return b.Level
		}
	}
	return "none"
}

// Item finds an item by id.
func (t Template) Item(id int64) (Item, bool) {
	for _, it := range t.Items {
		if it.ID == id {
			return it, true
		}
	}
	return Item{}, false
}

var keyPattern = regexp.MustCompile(`^[a-z0-9_-]{1,40}$`)

// validate checks a template before it is saved, naming each bad field and item row.
func (t *Template) validate() error {
	var errs i18n.Errors
	t.Name, t.NameEn = clean(t.Name), clean(t.NameEn)
	if !keyPattern.MatchString(t.Key) {
		errs = append(errs, i18n.Invalid("key", "evaluation.error.key"))
	}
	if t.Name == "" {
		errs = append(errs, i18n.Invalid("name", "error.required"))
	}
	if !t.Subject.Valid() {
		errs = append(errs, i18n.Invalid("subject", "evaluation.error.subject"))
	}
	if len(t.Bands) == 0 {
		errs = append(errs, i18n.Invalid("bands", "error.required"))
	}
	for i, b := range t.Bands {
		if !b.Level.Valid() {
			errs = append(errs, i18n.InRow(i+1, "bands", "evaluation.error.level"))
		}
	}
	sort.SliceStable(t.Bands, func(i, j int) bool { return t.Bands[i].Min > t.Bands[j].Min })
	if len(t.Items) == 0 {
		errs = append(errs, i18n.Invalid("items", "error.required"))
	}
	for i := range t.Items {
		errs = append(errs, t.Items[i].validate(i+1)...)
	}
	return errs.Err()
}

func (it *Item) validate(row int) i18n.Errors {
	var errs i18n.Errors
	it.Position = row
	it.Section, it.Title, it.SectionEn, it.TitleEn = clean(it.Section), clean(it.Title), clean(it.SectionEn), clean(it.TitleEn)
	it.Guidance, it.Evidence = clean(it.Guidance), clean(it.Evidence)
	if it.Section == "" {
		errs = append(errs, i18n.InRow(row, "section", "error.required"))
	}
	if it.Title == "" {
		errs = append(errs, i18n.InRow(row, "title", "error.required"))
	}
	if !it.Method.Valid() {
		errs = append(errs, i18n.InRow(row, "method", "evaluation.error.method"))
	}
	if !(it.Max > 0 && it.Max <= 1000) {
		errs = append(errs, i18n.InRow(row, "max", "evaluation.error.max"))
	}
	if it.Method == Deduction && !(it.PerOccurrence > 0) {
		errs = append(errs, i18n.InRow(row, "per_occurrence", "evaluation.error.per_occurrence"))
	}
	if !it.Source.Valid() {
		errs = append(errs, i18n.InRow(row, "source", "evaluation.error.source"))
	}
	return errs
}

// SaveTemplate saves a template as the next version of its key (the first when the key
// is new). A template of an organization needs Administer on it; a built-in (OrgID 0)
// only a system administrator. Rounds already made keep the version they were made with.
func (s *Service) SaveTemplate(ctx context.Context, c Caller, t Template) (Template, error) {
	if err := t.validate(); err != nil {
		return Template{}, err
	}
	if t.OrgID == 0 && !c.Account.IsAdmin {
		return Template{}, i18n.Invalid("org_id", "error.required")
	}
	if t.OrgID != 0 {
		ok, err := s.orgs.Can(ctx, c.Account, org.Administer, t.OrgID)
		if err != nil {
			return Template{}, err
		}
		if !ok {
			return Template{}, i18n.Invalid("org_id", "evaluation.error.org_scope")
		}
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = s.insertTemplate(ctx, tx, t, c.Account.ID)
		return err
	})
	if err != nil {
		return Template{}, err
	}
	return s.Template(ctx, id)
}

func (s *Service) insertTemplate(ctx context.Context, q store.Querier, t Template, by int64) (int64, error) {
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM eval_templates WHERE key = $1`, t.Key).Scan(&t.Version); err != nil {
		return 0, fmt.Errorf("evaluation: next version of %s: %w", t.Key, err)
	}
	bands, err := json.Marshal(t.Bands)
	if err != nil {
		return 0, err
	}
	var id int64
	err = q.QueryRowContext(ctx, `INSERT INTO eval_templates (key, version, org_id, subject, name, name_en, bands, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		t.Key, t.Version, nullID(t.OrgID), t.Subject, t.Name, t.NameEn, string(bands), nullID(by), s.now().UTC()).Scan(&id)
	if store.IsUniqueViolation(err) {
		return 0, i18n.Invalid("key", "evaluation.error.version_race")
	}
	if err != nil {
		return 0, fmt.Errorf("evaluation: save template %s: %w", t.Key, err)
	}
	for _, it := range t.Items {
		if _, err := q.ExecContext(ctx, `INSERT INTO eval_items (template_id, position, section, section_en, title, title_en, method,
			max_score, per_occurrence, guidance, evidence, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			id, it.Position, it.Section, it.SectionEn, it.Title, it.TitleEn, it.Method, it.Max, it.PerOccurrence,
			it.Guidance, it.Evidence, it.Source); err != nil {
			return 0, fmt.Errorf("evaluation: item %d of %s: %w", it.Position, t.Key, err)
		}
	}
	return id, audit.Record(ctx, q, "save", "eval_template", id, nil, map[string]any{"key": t.Key, "version": t.Version})
}

const templateColumns = `t.id, t.key, t.version, COALESCE(t.org_id, 0), t.subject, t.name, t.name_en, t.bands`

func scanTemplate(row interface{ Scan(...any) error }) (Template, error) {
	var t Template
	var bands string
	if err := row.Scan(&t.ID, &t.Key, &t.Version, &t.OrgID, &t.Subject, &t.Name, &t.NameEn, &bands); err != nil {
		return t, err
	}
	return t, json.Unmarshal([]byte(bands), &t.Bands)
}

// Template reads one version of a template with its items.
func (s *Service) Template(ctx context.Context, id int64) (Template, error) {
	return s.template(ctx, s.db, id)
}

func (s *Service) template(ctx context.Context, q store.Querier, id int64) (Template, error) {
	t, err := scanTemplate(q.QueryRowContext(ctx, `SELECT `+templateColumns+` FROM eval_templates t WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, store.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("evaluation: template %d: %w", id, err)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, position, section, section_en, title, title_en, method, max_score, per_occurrence,
		guidance, evidence, source FROM eval_items WHERE template_id = $1 ORDER BY position`, id)
	if err != nil {
		return t, fmt.Errorf("evaluation: items of template %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.ID, &it.Position, &it.Section, &it.SectionEn, &it.Title, &it.TitleEn, &it.Method, &it.Max,
			&it.PerOccurrence, &it.Guidance, &it.Evidence, &it.Source); err != nil {
			return t, fmt.Errorf("evaluation: scan item: %w", err)
		}
		t.Items = append(t.Items, it)
	}
	return t, rows.Err()
}

// Templates lists the latest version of every template a caller may use: the built-ins
// and those of organizations in their View scope. An administrator's version of a
// built-in is latest for its own subtree; elsewhere the built-in stays as it was.
func (s *Service) Templates(ctx context.Context, c Caller) ([]Template, error) {
	cond, args := org.ScopeOf(c.Account, org.View).Condition("t.org_id", 1)
	rows, err := s.db.QueryContext(ctx, `SELECT `+templateColumns+` FROM eval_templates t
		WHERE (t.org_id IS NULL OR `+cond+`)
		  AND t.version = (SELECT MAX(v.version) FROM eval_templates v
		                   WHERE v.key = t.key AND COALESCE(v.org_id, 0) = COALESCE(t.org_id, 0))
		ORDER BY t.org_id IS NOT NULL, t.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("evaluation: list templates: %w", err)
	}
	defer rows.Close()
	var list []Template
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, fmt.Errorf("evaluation: scan template: %w", err)
		}
		list = append(list, t)
	}
	return list, rows.Err()
}

// usable tells whether a template may be used for a round of an organization: a built-in,
// or one made for the organization or an organization above it.
func (s *Service) usable(ctx context.Context, q store.Querier, t Template, orgID int64) (bool, error) {
	if t.OrgID == 0 {
		return true, nil
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_tree WHERE ancestor_id = $1 AND org_id = $2`, t.OrgID, orgID).Scan(&n)
	return n > 0, err
}
