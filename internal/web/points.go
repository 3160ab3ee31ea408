package web

// The pages of points and stars. A person reads their own ledger only; an organization's
// points need View on it; awarding, deducting, reversing and answering objections need
// Manage on the organization of the entry or the person; settings, star thresholds and
// rules need Administer. Outside View scope everything answers the not-found page, as
// access.go says. Every page that shows points says what they are for: contributions,
// never presence.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/points"
	"vanguard/internal/server"
	"vanguard/internal/store"
)

// pointsPages serves the pages of points and stars.
type pointsPages struct {
	*Handlers
	points *points.Service
}

// registerPoints adds the pages of points, each with the right it needs written beside it.
func (h *Handlers) registerPoints(srv *server.Server, d Deps) {
	if d.Points == nil {
		return
	}
	p := &pointsPages{Handlers: h, points: d.Points}
	srv.HandleFunc("GET /me/points", server.SignedIn, p.myPoints)                        // the caller's own ledger
	srv.HandleFunc("POST /me/points/objections", server.SignedIn, p.object)              // the caller's own entry, within the window
	srv.HandleFunc("GET /orgs/{id}/points", server.SignedIn, p.orgPoints)                // View on {id}
	srv.HandleFunc("GET /orgs/{id}/points/prizes.xlsx", server.SignedIn, p.exportPrizes) // View on {id}
	srv.HandleFunc("POST /orgs/{id}/points/entries", server.SignedIn, p.award)           // Manage on {id}; the person in Manage scope
	srv.HandleFunc("POST /orgs/{id}/points/settings", server.SignedIn, p.saveSettings)   // Administer on {id}
	srv.HandleFunc("POST /orgs/{id}/points/stars", server.SignedIn, p.saveThresholds)    // Administer on {id}
	srv.HandleFunc("POST /points/entries/{id}/reverse", server.SignedIn, p.reverse)      // Manage on the entry's organization
	srv.HandleFunc("POST /points/objections/{id}/answer", server.SignedIn, p.answer)     // Manage on the entry's organization
	srv.HandleFunc("GET /orgs/{id}/point-rules", server.SignedIn, p.rulesPage)           // View on {id}
	srv.HandleFunc("POST /orgs/{id}/point-rules", server.SignedIn, p.defineRule)         // Administer on {id}
	srv.HandleFunc("GET /points/import", server.SignedIn, p.importForm)                  // Manage on some organization
	srv.HandleFunc("POST /points/import", server.SignedIn, p.importPreview)              // Manage on some; rows only of Manage scope
	srv.HandleFunc("POST /points/import/confirm", server.SignedIn, p.importConfirm)      // Manage on some; rows only of Manage scope
}

// fieldErrors are a failed form's errors, shown again beside the field each is about.
type fieldErrors []*i18n.Error

// On lists the messages about one field.
func (fe fieldErrors) On(field string) []i18n.Message {
	var out []i18n.Message
	for _, e := range fe {
		if e.Field == field || strings.HasSuffix(e.Field, "."+field) {
			out = append(out, i18n.Message{Key: e.Key, Params: e.Params})
		}
	}
	return out
}

// pointsPeriod reads ?period=; a day, which is not ranked, or nonsense, reads as the
// current year, and the second result says whether the request asked for something else.
func pointsPeriod(r *http.Request, now time.Time) (points.Period, bool) {
	raw := strings.TrimSpace(r.URL.Query().Get("period"))
	p, err := points.ParsePeriod(raw, now)
	if err != nil || !p.Ranked() {
		return points.YearOf(points.DayOf(now)), raw != ""
	}
	return p, false
}

// periodChoice is an option of the period filter.
type periodChoice struct {
	Value string
	Kind  points.PeriodKind
}

// periodChoices offers this year and the last, its quarters so far and the last twelve months.
func periodChoices(now time.Time) []periodChoice {
	today := points.DayOf(now)
	year := points.YearOf(today)
	out := []periodChoice{{year.Name, year.Kind}}
	for q := points.QuarterOf(today); q.From >= year.From; q = points.QuarterOf(prevDay(q.From)) {
		out = append(out, periodChoice{q.Name, q.Kind})
	}
	m := points.MonthOf(today)
	for i := 0; i < 12; i++ {
		out = append(out, periodChoice{m.Name, m.Kind})
		m = points.MonthOf(prevDay(m.From))
	}
	last := points.YearOf(prevDay(year.From))
	return append(out, periodChoice{last.Name, last.Kind})
}

// prevDay is the day before d (d is the first of a month here).
func prevDay(d points.Day) points.Day {
	t, _ := time.Parse("2006-01-02", d.String())
	return points.DayOf(t.AddDate(0, 0, -1).Add(12 * time.Hour))
}

// newKey is an idempotency key for one rendering of a form: a second submit of the same
// form carries the same key, and the ledger counts it once.
func newKey() string {
	var b [12]byte
	rand.Read(b[:])
	return "manual:" + hex.EncodeToString(b[:])
}

// ---- My points ----

type entryView struct {
	points.Entry
	CanObject   bool
	ObjectUntil time.Time
}

type totalView struct {
	Kind       points.PeriodKind
	Name       string
	Total      int
	Stars      int
	Thresholds []points.Threshold
}

type rankView struct {
	Org      org.Org
	On       bool
	Ranked   bool
	Standing points.Standing
}

type myPointsData struct {
	Person   member.Person
	Period   points.Period
	Choices  []periodChoice
	Entries  []entryView
	Sum      int
	Totals   []totalView
	Ranks    []rankView
	Trend    []points.MonthTotal
	Months   string // the trend as data attributes for the chart
	Values   string
	Form     form
	Errs     fieldErrors
	BadQuery bool
}

func (p *pointsPages) myPoints(w http.ResponseWriter, r *http.Request) {
	p.renderMine(w, r, http.StatusOK, p.doneFlash(r), nil, form{})
}

// renderMine shows the caller's own ledger for a period with totals, stars, ranks where
// switched on, the trend and an objection form per entry still open to one.
func (p *pointsPages) renderMine(w http.ResponseWriter, r *http.Request, status int, flash string, errs []*i18n.Error, fm form) {
	ctx := r.Context()
	person, err := p.people.ByAccount(ctx, caller(r).ID)
	if errors.Is(err, store.ErrNotFound) {
		st := http.StatusOK
		if r.Method == http.MethodPost {
			st = http.StatusUnprocessableEntity
		}
		p.render(w, r, st, "me_none", p.page(r, "pointspages.me.title", nil))
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	now := time.Now()
	period, bad := pointsPeriod(r, now)
	d := myPointsData{Person: person, Period: period, Choices: periodChoices(now), Form: fm, Errs: errs, BadQuery: bad}
	if err := p.fillMine(ctx, &d, now); err != nil {
		p.fail(w, r, err)
		return
	}
	pg := p.page(r, "pointspages.me.title", d)
	pg.Flash, pg.Errors = flash, errs
	p.render(w, r, status, "points_me", pg)
}

func (p *pointsPages) fillMine(ctx context.Context, d *myPointsData, now time.Time) error {
	entries, err := p.points.Entries(ctx, d.Person.ID, d.Period)
	if err != nil {
		return err
	}
	windows := map[int64]int{}
	for _, e := range entries {
		days, ok := windows[e.OrgID]
		if !ok {
			s, err := p.points.Settings(ctx, e.OrgID)
			if err != nil {
				return err
			}
			days, windows[e.OrgID] = s.ObjectionDays, s.ObjectionDays
		}
		until := e.RecordedAt.Add(time.Duration(days) * 24 * time.Hour)
		d.Sum += e.Points
		d.Entries = append(d.Entries, entryView{Entry: e, ObjectUntil: until,
			CanObject: e.Objection == nil && e.Status != points.Reversal && now.Before(until)})
	}
	today := points.DayOf(now)
	for _, per := range []points.Period{{Kind: points.DayPeriod, From: today, To: today, Name: today.String()},
		points.MonthOf(today), points.QuarterOf(today), points.YearOf(today)} {
		total, err := p.points.TotalIn(ctx, d.Person.ID, per)
		if err != nil {
			return err
		}
		tv := totalView{Kind: per.Kind, Name: per.Name, Total: total}
		if per.Ranked() {
			if tv.Thresholds, _, err = p.points.Thresholds(ctx, d.Person.OrgID, per.Kind); err != nil {
				return err
			}
			tv.Stars = points.StarsFor(total, tv.Thresholds)
		}
		d.Totals = append(d.Totals, tv)
	}
	if err := p.fillRanks(ctx, d); err != nil {
		return err
	}
	if d.Trend, err = p.points.Trend(ctx, d.Person.ID, today); err != nil {
		return err
	}
	months, values := make([]string, len(d.Trend)), make([]string, len(d.Trend))
	for i, m := range d.Trend {
		months[i], values[i] = m.Month, fmt.Sprint(m.Points)
	}
	d.Months, d.Values = strings.Join(months, ","), strings.Join(values, ",")
	return nil
}

// fillRanks reads the person's standing in their organization and each one above it,
// where that organization switched rankings on. Someone who belongs to no organization
// (a resident who left) is ranked nowhere.
func (p *pointsPages) fillRanks(ctx context.Context, d *myPointsData) error {
	if d.Person.OrgID == 0 {
		return nil
	}
	chain, err := p.orgs.Ancestors(ctx, d.Person.OrgID)
	if err != nil {
		return err
	}
	own, err := p.orgs.Get(ctx, d.Person.OrgID)
	if err != nil {
		return err
	}
	chain = append(chain, own)
	for i := len(chain) - 1; i >= 0; i-- { // nearest first
		o := chain[i]
		s, err := p.points.Settings(ctx, o.ID)
		if err != nil {
			return err
		}
		rv := rankView{Org: o, On: s.Rankings}
		if s.Rankings {
			if rv.Standing, rv.Ranked, err = p.points.Rank(ctx, o.ID, d.Period, d.Person.ID); err != nil {
				return err
			}
		}
		d.Ranks = append(d.Ranks, rv)
	}
	return nil
}

// object raises the caller's objection to one of their own entries.
func (p *pointsPages) object(w http.ResponseWriter, r *http.Request) {
	v := readForm(w, r)
	person, err := p.people.ByAccount(r.Context(), caller(r).ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		p.fail(w, r, err)
		return
	}
	r.URL.RawQuery = url.Values{"period": {v.Get("period")}}.Encode()
	if errors.Is(err, store.ErrNotFound) {
		p.renderMine(w, r, http.StatusUnprocessableEntity, "", nil, form{})
		return
	}
	entryID, ferr := formInt(v, "entry_id")
	if ferr == nil && entryID <= 0 {
		ferr = i18n.Invalid("entry_id", "error.required")
	}
	if ferr != nil {
		p.renderMine(w, r, http.StatusUnprocessableEntity, "", []*i18n.Error{ferr}, form{"object", v})
		return
	}
	if _, err := p.points.Object(r.Context(), person.ID, entryID, v.Get("reason")); err != nil {
		if errs, ok := formErrors(err); ok {
			p.renderMine(w, r, http.StatusUnprocessableEntity, "", errs, form{fmt.Sprintf("object-%d", entryID), v})
			return
		}
		p.problem(w, r, err)
		return
	}
	http.Redirect(w, r, "/me/points?"+url.Values{"period": {v.Get("period")}, "done": {"points_objection_raised"}}.Encode(), http.StatusSeeOther)
}

// starText draws stars earned out of five.
func starText(n int) string {
	n = min(max(n, 0), 5)
	return strings.Repeat("★", n) + strings.Repeat("☆", 5-n)
}

// StarText draws the stars of a total.
func (t totalView) StarText() string { return starText(t.Stars) }

// Next is how many more points earn one more star, or 0 at the top or without thresholds.
func (t totalView) Next() int {
	for _, th := range t.Thresholds {
		if th.Points > t.Total {
			return th.Points - t.Total
		}
	}
	return 0
}

// Verdict is where the entry's objection stands: open, upheld or dismissed.
func (e entryView) Verdict() string {
	switch o := e.Objection; {
	case o == nil || o.Open():
		return "open"
	case o.Upheld != nil && *o.Upheld:
		return "upheld"
	}
	return "dismissed"
}

// The sources an entry may come from, each with its words in the catalog.
var entrySources = map[string]bool{"api": true, "manual": true, "import": true, "reversal": true, "activity": true,
	"learning": true, "idea": true, "volunteer": true}

func sourceKey(s string) string {
	if entrySources[s] {
		return "pointspages.source." + s
	}
	return "pointspages.source.other"
}

// SourceKey is the catalog key naming where the entry came from.
func (e entryView) SourceKey() string { return sourceKey(e.Source) }

// reasonKey names the cap that left an entry at zero.
func reasonKey(reason string) string {
	switch reason {
	case "cap:day", "cap:month", "cap:quarter", "cap:year":
		return "pointspages.cap." + strings.TrimPrefix(reason, "cap:")
	}
	return "pointspages.cap.other"
}

// ReasonKey is the catalog key of the entry's reason for being capped.
func (e entryView) ReasonKey() string { return reasonKey(e.Reason) }
