package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/points"
	"vanguard/internal/server"
)

// rankingPage is how many standings a page of the ranking shows.
const rankingPage = 20

type standingLine struct {
	points.Standing
	Name string
}

type rollLine struct {
	points.StarEntry
	Name string
}

type kindThresholds struct {
	Kind       points.PeriodKind
	Thresholds []points.Threshold
	From       int64 // the organization that set them; 0: none set anywhere
	Inherited  bool
	Points     [6]int // by stars, for the form
}

type queueLine struct {
	points.Queued
	Name string
}

type entryLine struct {
	points.Entry
	Name string
}

type orgPointsData struct {
	Org        org.Org
	Rights     rights
	Period     points.Period
	Choices    []periodChoice
	BadQuery   bool
	Settings   points.Settings
	Roll       []rollLine
	RollStars  [6]int // people at each number of stars; [0]: none
	RollShown  int
	Thresholds []kindThresholds
	Ranking    []standingLine
	Ranked     int
	Offset     int
	Prev, Next int // offsets of the neighbouring pages; -1: none
	Year       points.Period
	Prizes     []rollLine
	Recent     []entryLine
	Queue      []queueLine
	People     []member.Person
	Key        string
	Today      string
	Form       form
	Errs       fieldErrors
}

// rollShown bounds the names the star roll lists; the counts cover everyone.
const rollShown = 300

func (p *pointsPages) orgPoints(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.View)
	if !ok {
		return
	}
	p.renderOrgPoints(w, r, o, http.StatusOK, p.doneFlash(r), nil, form{})
}

func (p *pointsPages) renderOrgPoints(w http.ResponseWriter, r *http.Request, o org.Org, status int, flash string, errs []*i18n.Error, fm form) {
	ctx, a := r.Context(), caller(r)
	now := time.Now()
	period, bad := pointsPeriod(r, now)
	d := orgPointsData{Org: o, Period: period, Choices: periodChoices(now), BadQuery: bad, Form: fm, Errs: errs,
		Year: points.YearOf(period.From), Today: p.today(), Prev: -1, Next: -1}
	var err error
	if d.Rights, err = p.rightsOn(ctx, a, o.ID); err != nil {
		p.fail(w, r, err)
		return
	}
	if err := p.fillOrgPoints(ctx, a, &d, r.URL.Query()); err != nil {
		p.fail(w, r, err)
		return
	}
	d.Key = fm.Val("award", "key")
	if d.Key == "" {
		d.Key = newKey()
	}
	pg := p.page(r, "pointspages.org.title", d)
	pg.Flash, pg.Errors = flash, errs
	p.render(w, r, status, "points_org", pg)
}

func (p *pointsPages) fillOrgPoints(ctx context.Context, a auth.Account, d *orgPointsData, q url.Values) error {
	var err error
	if d.Settings, err = p.points.Settings(ctx, d.Org.ID); err != nil {
		return err
	}
	roll, _, err := p.points.StarRoll(ctx, d.Org.ID, d.Period)
	if err != nil {
		return err
	}
	var ids []int64
	for _, e := range roll {
		d.RollStars[min(max(e.Stars, 0), 5)]++
		if e.Stars > 0 && len(d.Roll) < rollShown {
			d.Roll = append(d.Roll, rollLine{StarEntry: e})
			ids = append(ids, e.PersonID)
		}
	}
	d.RollShown = len(d.Roll)
	for _, kind := range []points.PeriodKind{points.MonthPeriod, points.QuarterPeriod, points.YearPeriod} {
		ths, from, err := p.points.Thresholds(ctx, d.Org.ID, kind)
		if err != nil {
			return err
		}
		kt := kindThresholds{Kind: kind, Thresholds: ths, From: from, Inherited: from != 0 && from != d.Org.ID}
		for _, th := range ths {
			kt.Points[th.Stars] = th.Points
		}
		d.Thresholds = append(d.Thresholds, kt)
	}
	if d.Settings.Rankings {
		d.Offset, _ = strconv.Atoi(q.Get("offset"))
		d.Offset = max(d.Offset, 0)
		standings, total, err := p.points.Ranking(ctx, d.Org.ID, d.Period, d.Offset, rankingPage)
		if err != nil {
			return err
		}
		d.Ranked = total
		for _, st := range standings {
			d.Ranking = append(d.Ranking, standingLine{Standing: st})
			ids = append(ids, st.PersonID)
		}
		if d.Offset > 0 {
			d.Prev = max(d.Offset-rankingPage, 0)
		}
		if d.Offset+rankingPage < total {
			d.Next = d.Offset + rankingPage
		}
	}
	prizes, err := p.points.Prizes(ctx, d.Org.ID, d.Year)
	if err != nil {
		return err
	}
	for _, e := range prizes {
		d.Prizes = append(d.Prizes, rollLine{StarEntry: e})
		ids = append(ids, e.PersonID)
	}
	if d.Rights.Manage {
		recent, err := p.points.RecentEntries(ctx, d.Org.ID, 30)
		if err != nil {
			return err
		}
		for _, e := range recent {
			d.Recent = append(d.Recent, entryLine{Entry: e})
			ids = append(ids, e.PersonID)
		}
		queue, err := p.points.OpenObjectionsIn(ctx, a, d.Org.ID)
		if err != nil {
			return err
		}
		for _, qd := range queue {
			d.Queue = append(d.Queue, queueLine{Queued: qd})
			ids = append(ids, qd.PersonID)
		}
		// The chooser offers the people the caller manages in this subtree; the ledger
		// checks the scope again when the award is recorded.
		if d.People, _, err = p.people.List(ctx, org.ScopeOf(a, org.Manage), member.Filter{OrgID: d.Org.ID, Subtree: true,
			Stages: []member.Stage{member.StageApplicant, member.StageActivist, member.StageCandidate, member.StageProbationary, member.StageFull},
			Limit:  member.MaxPage}); err != nil {
			return err
		}
	}
	names, err := p.points.Names(ctx, ids)
	if err != nil {
		return err
	}
	for i := range d.Roll {
		d.Roll[i].Name = names[d.Roll[i].PersonID]
	}
	for i := range d.Ranking {
		d.Ranking[i].Name = names[d.Ranking[i].PersonID]
	}
	for i := range d.Prizes {
		d.Prizes[i].Name = names[d.Prizes[i].PersonID]
	}
	for i := range d.Recent {
		d.Recent[i].Name = names[d.Recent[i].PersonID]
	}
	for i := range d.Queue {
		d.Queue[i].Name = names[d.Queue[i].PersonID]
	}
	return nil
}

// orgPointsPath is the organization's points page, keeping the period shown.
func orgPointsPath(orgID int64, period, done string) string {
	v := url.Values{}
	if period != "" {
		v.Set("period", period)
	}
	if done != "" {
		v.Set("done", done)
	}
	path := fmt.Sprintf("/orgs/%d/points", orgID)
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	return path
}

// award records a manual award or deduction with its reason. The form carries a key made
// when it was shown, so a double submit is answered as a duplicate and counts once.
func (p *pointsPages) award(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.Manage)
	if !ok {
		return
	}
	v := readForm(w, r)
	r.URL.RawQuery = url.Values{"period": {v.Get("period")}}.Encode()
	fail := func(errs ...*i18n.Error) {
		p.renderOrgPoints(w, r, o, http.StatusUnprocessableEntity, "", errs, form{"award", v})
	}
	personID, ferr := formInt(v, "person_id")
	if ferr == nil && personID <= 0 {
		ferr = i18n.Invalid("person_id", "error.required")
	}
	amount, perr := formInt(v, "points")
	if perr == nil && amount <= 0 {
		perr = i18n.Invalid("points", "pointspages.error.amount")
	}
	var errs []*i18n.Error
	for _, e := range []*i18n.Error{ferr, perr} {
		if e != nil {
			errs = append(errs, e)
		}
	}
	rule := "manual-award"
	switch v.Get("kind") {
	case "award":
	case "deduction":
		rule, amount = "manual-deduction", -amount
	default:
		errs = append(errs, i18n.Invalid("kind", "error.required"))
	}
	when := time.Now()
	if on, derr := formDate(v, "on", false); derr != nil {
		errs = append(errs, derr)
	} else if !on.IsZero() && on.Format(time.DateOnly) != p.today() {
		when = time.Date(on.Year(), on.Month(), on.Day(), 12, 0, 0, 0, displayZone)
	}
	key := strings.TrimSpace(v.Get("key"))
	if key == "" {
		errs = append(errs, i18n.Invalid("key", "error.required"))
	}
	if len(errs) > 0 {
		fail(errs...)
		return
	}
	pts := int(amount)
	results, err := p.points.Record(r.Context(), caller(r), []points.Event{{Key: key, PersonID: personID, Rule: rule, Points: &pts,
		OccurredAt: when, Source: "manual", SourceRef: fmt.Sprintf("org:%d", o.ID), Note: v.Get("reason")}})
	if err != nil {
		if errs, ok := formErrors(err); ok {
			fail(errs...)
			return
		}
		p.fail(w, r, err)
		return
	}
	res := results[0]
	if res.Err != nil {
		errs, _ := formErrors(res.Err)
		fail(errs...)
		return
	}
	done := map[string]string{points.Recorded: "points_recorded", points.Capped: "points_capped", points.Duplicate: "points_duplicate"}[res.Status]
	http.Redirect(w, r, orgPointsPath(o.ID, v.Get("period"), done), http.StatusSeeOther)
}

// backTo is the organization page a form about an entry was on (the form's "from"), where
// the caller goes back to when they may view it; else the entry's own organization.
func (p *pointsPages) backTo(r *http.Request, v url.Values, fallback int64) org.Org {
	ctx := r.Context()
	if id, err := strconv.ParseInt(v.Get("from"), 10, 64); err == nil && id > 0 {
		if ok, err := p.orgs.Can(ctx, caller(r), org.View, id); err == nil && ok {
			if o, err := p.orgs.Get(ctx, id); err == nil {
				return o
			}
		}
	}
	o, err := p.orgs.Get(ctx, fallback)
	if err != nil {
		return org.Org{ID: fallback}
	}
	return o
}

// reverse cancels an entry with a reversing one, for the reason given.
func (p *pointsPages) reverse(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		p.notFound(w, r)
		return
	}
	e, err := p.points.GetEntry(r.Context(), id)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	if !p.allow(w, r, e.OrgID, org.Manage) {
		return
	}
	v := readForm(w, r)
	back := p.backTo(r, v, e.OrgID)
	if err := p.points.Reverse(r.Context(), caller(r), e.ID, v.Get("reason")); err != nil {
		if errs, ok := formErrors(err); ok {
			r.URL.RawQuery = url.Values{"period": {v.Get("period")}}.Encode()
			p.renderOrgPoints(w, r, back, http.StatusUnprocessableEntity, "", errs, form{fmt.Sprintf("reverse-%d", e.ID), v})
			return
		}
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, orgPointsPath(back.ID, v.Get("period"), "points_reversed"), http.StatusSeeOther)
}

// answer closes an objection; upheld, it reverses the entry.
func (p *pointsPages) answer(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		p.notFound(w, r)
		return
	}
	ctx := r.Context()
	o, err := p.points.GetObjection(ctx, id)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	e, err := p.points.GetEntry(ctx, o.EntryID)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	if !p.allow(w, r, e.OrgID, org.Manage) {
		return
	}
	v := readForm(w, r)
	back := p.backTo(r, v, e.OrgID)
	if err := p.points.Answer(ctx, caller(r), o.ID, v.Get("upheld") == "yes", v.Get("answer")); err != nil {
		if errs, ok := formErrors(err); ok {
			r.URL.RawQuery = url.Values{"period": {v.Get("period")}}.Encode()
			p.renderOrgPoints(w, r, back, http.StatusUnprocessableEntity, "", errs, form{fmt.Sprintf("answer-%d", o.ID), v})
			return
		}
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, orgPointsPath(back.ID, v.Get("period"), "points_answered"), http.StatusSeeOther)
}

// saveSettings stores the organization's choices: rankings, the objection window, prize
// counts and the day its ledger is closed through.
func (p *pointsPages) saveSettings(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.Administer)
	if !ok {
		return
	}
	v := readForm(w, r)
	in := points.Settings{OrgID: o.ID, Rankings: v.Get("rankings") == "on"}
	var errs []*i18n.Error
	for field, dst := range map[string]*int{"objection_days": &in.ObjectionDays, "first_prizes": &in.FirstPrizes,
		"second_prizes": &in.SecondPrizes, "third_prizes": &in.ThirdPrizes} {
		n, err := strconv.Atoi(strings.TrimSpace(v.Get(field)))
		if err != nil {
			errs = append(errs, i18n.Invalid(field, "pages.error.number", "value", v.Get(field)))
			continue
		}
		*dst = n
	}
	closed, derr := formDate(v, "closed_through", false)
	if derr != nil {
		errs = append(errs, derr)
	} else if !closed.IsZero() {
		in.ClosedThrough = points.DayOf(time.Date(closed.Year(), closed.Month(), closed.Day(), 12, 0, 0, 0, displayZone))
	}
	err := errOfList(errs)
	if err == nil {
		err = p.points.SaveSettings(r.Context(), in)
	}
	if err != nil {
		if errs, ok := formErrors(err); ok {
			p.renderOrgPoints(w, r, o, http.StatusUnprocessableEntity, "", errs, form{"settings", v})
			return
		}
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, orgPointsPath(o.ID, "", "points_settings_saved"), http.StatusSeeOther)
}

// errOfList is a list of field errors as one error, nil when empty.
func errOfList(errs []*i18n.Error) error {
	if len(errs) == 0 {
		return nil
	}
	return i18n.Errors(errs)
}

// saveThresholds replaces the organization's star thresholds for one period kind; a
// blank level has no threshold.
func (p *pointsPages) saveThresholds(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.Administer)
	if !ok {
		return
	}
	v := readForm(w, r)
	var ths []points.Threshold
	var errs []*i18n.Error
	for stars := 1; stars <= 5; stars++ {
		field := fmt.Sprintf("stars%d", stars)
		raw := strings.TrimSpace(v.Get(field))
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil {
			errs = append(errs, i18n.Invalid(field, "pages.error.number", "value", raw))
			continue
		}
		ths = append(ths, points.Threshold{Stars: stars, Points: n})
	}
	err := errOfList(errs)
	if err == nil {
		err = p.points.SetThresholds(r.Context(), o.ID, points.PeriodKind(v.Get("period_kind")), ths)
	}
	if err != nil {
		if errs, ok := formErrors(err); ok {
			p.renderOrgPoints(w, r, o, http.StatusUnprocessableEntity, "", errs, form{"stars-" + v.Get("period_kind"), v})
			return
		}
		p.fail(w, r, err)
		return
	}
	http.Redirect(w, r, orgPointsPath(o.ID, "", "points_stars_saved"), http.StatusSeeOther)
}

// exportPrizes writes the year's prize list as a workbook.
func (p *pointsPages) exportPrizes(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.View)
	if !ok {
		return
	}
	ctx, lang := r.Context(), server.Lang(r)
	period, _ := pointsPeriod(r, time.Now())
	year := points.YearOf(period.From)
	prizes, err := p.points.Prizes(ctx, o.ID, year)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	ids := make([]int64, len(prizes))
	for i, e := range prizes {
		ids[i] = e.PersonID
	}
	names, err := p.points.Names(ctx, ids)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	cat := p.srv.Catalog()
	T := func(key string, kv ...any) string {
		params := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			params[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return cat.T(lang, key, params)
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	rows := [][]any{{T("pointspages.prizes.sheet_title", "org", o.DisplayName(lang), "year", year.Name)},
		{T("pointspages.prizes.prize"), T("pointspages.rank"), T("pointspages.person"), T("pointspages.total")}}
	for _, e := range prizes {
		rows = append(rows, []any{T(fmt.Sprintf("pointspages.prize.%d", e.Prize)), e.Rank, names[e.PersonID], e.Total})
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="prizes-%d-%s.xlsx"`, o.ID, year.Name))
	w.Header().Set("Cache-Control", "no-store")
	if err := f.Write(w); err != nil {
		p.srv.Logger().ErrorContext(ctx, "write prize list", "err", err)
	}
}

// StarText draws a line's stars.
func (l rollLine) StarText() string { return starText(l.Stars) }

// SourceKey is the catalog key naming where the entry came from.
func (e entryLine) SourceKey() string { return sourceKey(e.Source) }

// ReasonKey is the catalog key of the entry's reason for being capped.
func (e entryLine) ReasonKey() string { return reasonKey(e.Reason) }
