package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/points"
	"vanguard/internal/server"
)

// Points over JSON: recording events in batches, a person's ledger and rank, an
// organization's ranking and star roll. Rankings answer 403 where the organization has
// not switched them on: they are off by default.

type eventRequest struct {
	IdempotencyKey string    `json:"idempotency_key"`
	PersonID       int64     `json:"person_id"`
	Rule           string    `json:"rule"`
	Points         *int      `json:"points"`
	OccurredAt     time.Time `json:"occurred_at"`
	Note           string    `json:"note"`
	SourceRef      string    `json:"source_ref"`
}

type eventResult struct {
	Index   int                `json:"index"`
	Status  string             `json:"status,omitempty"`
	Points  int                `json:"points"`
	EntryID int64              `json:"entry_id,omitempty"`
	Reason  string             `json:"reason,omitempty"`
	Error   *server.FieldError `json:"error,omitempty"`
}

type eventsResponse struct {
	Results   []eventResult `json:"results"`
	Recorded  int           `json:"recorded"`
	Capped    int           `json:"capped"`
	Duplicate int           `json:"duplicate"`
	Failed    int           `json:"failed"`
}

// recordEvents answers each event of a batch. A body that is not JSON at all, or a batch
// over the limit, is refused whole; an event that cannot be read is refused alone, with
// its index and field, and the rest are recorded.
func (h *Handlers) recordEvents(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	var body struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := server.ReadJSON(w, r, &body); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	switch {
	case body.Events == nil:
		Problem(h.srv, w, r, i18n.Invalid("events", "error.required"))
		return
	case len(body.Events) > points.MaxBatch:
		Problem(h.srv, w, r, i18n.Invalid("events", "points.error.batch", "max", points.MaxBatch))
		return
	}
	resp := eventsResponse{Results: make([]eventResult, len(body.Events))}
	var events []points.Event
	var at []int // index in the request of each decoded event
	for i, raw := range body.Events {
		resp.Results[i].Index = i
		var e eventRequest
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			resp.Results[i].Error = server.FieldErrorOf(r, i18n.Invalid("events["+strconv.Itoa(i)+"]", "error.bad_json", "detail", err.Error()))
			continue
		}
		events = append(events, points.Event{Key: e.IdempotencyKey, PersonID: e.PersonID, Rule: e.Rule, Points: e.Points,
			OccurredAt: e.OccurredAt, Note: e.Note, Source: "api", SourceRef: e.SourceRef})
		at = append(at, i)
	}
	results, err := h.points.Record(r.Context(), a, events)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	for j, res := range results {
		out := &resp.Results[at[j]]
		if res.Err != nil {
			// The domain numbers events within what it was given; name them as the caller did.
			if e, ok := res.Err.(*i18n.Error); ok {
				e.Field = renumber(e.Field, j, at[j])
			}
			out.Error = server.FieldErrorOf(r, res.Err)
			continue
		}
		out.Status, out.Points, out.EntryID, out.Reason = res.Status, res.Points, res.Entry, res.Reason
	}
	for _, res := range resp.Results {
		switch {
		case res.Error != nil:
			resp.Failed++
		case res.Status == points.Recorded:
			resp.Recorded++
		case res.Status == points.Capped:
			resp.Capped++
		case res.Status == points.Duplicate:
			resp.Duplicate++
		}
	}
	server.WriteJSON(w, http.StatusOK, resp)
}

func renumber(field string, from, to int) string {
	prefix := "events[" + strconv.Itoa(from) + "]"
	if len(field) >= len(prefix) && field[:len(prefix)] == prefix {
		return "events[" + strconv.Itoa(to) + "]" + field[len(prefix):]
	}
	return field
}

type entryView struct {
	ID         int64     `json:"id"`
	Rule       string    `json:"rule"`
	RuleName   string    `json:"rule_name"`
	Points     int       `json:"points"`
	Status     string    `json:"status"`
	Reason     string    `json:"reason,omitempty"`
	OccurredAt time.Time `json:"occurred_at"`
	OrgID      int64     `json:"org_id"`
	Source     string    `json:"source"`
	SourceRef  string    `json:"source_ref,omitempty"`
	Note       string    `json:"note,omitempty"`
	Reverses   int64     `json:"reverses,omitempty"`
	ReversedBy int64     `json:"reversed_by,omitempty"`
}

type personPoints struct {
	PersonID int64       `json:"person_id"`
	Period   string      `json:"period"`
	From     string      `json:"from"`
	To       string      `json:"to"`
	Total    int         `json:"total"`
	Entries  []entryView `json:"entries"`
}

// period reads ?period=, the current year when absent.
func period(q *query) points.Period {
	p, err := points.ParsePeriod(q.str("period"), time.Now())
	if err != nil {
		q.errs = append(q.errs, i18n.Invalid("period", "points.error.period"))
	}
	return p
}

func (h *Handlers) personPoints(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	q := newQuery(r)
	p := period(q)
	if err := q.err(); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	person, ok := h.visiblePerson(w, r, a)
	if !ok {
		return
	}
	entries, err := h.points.Entries(r.Context(), person.ID, p)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	out := personPoints{PersonID: person.ID, Period: p.Name, From: p.From.String(), To: p.To.String(), Entries: []entryView{}}
	for _, e := range entries {
		out.Total += e.Points
		out.Entries = append(out.Entries, entryView{ID: e.ID, Rule: e.Rule, RuleName: e.RuleName(server.Lang(r)), Points: e.Points,
			Status: e.Status, Reason: e.Reason, OccurredAt: e.OccurredAt.UTC(), OrgID: e.OrgID, Source: e.Source,
			SourceRef: e.SourceRef, Note: e.Note, Reverses: e.Reverses, ReversedBy: e.ReversedBy})
	}
	server.WriteJSON(w, http.StatusOK, out)
}

type rankView struct {
	PersonID int64  `json:"person_id"`
	OrgID    int64  `json:"org_id"`
	Period   string `json:"period"`
	Ranked   bool   `json:"ranked"`
	Rank     int    `json:"rank,omitempty"`
	Total    int    `json:"total"`
	Of       int    `json:"of"`
}

// rankingPeriod reads a ranked period: a year, quarter or month.
func rankingPeriod(q *query) points.Period {
	p := period(q)
	if q.err() == nil && !p.Ranked() {
		q.errs = append(q.errs, i18n.Invalid("period", "points.error.period_ranked"))
	}
	return p
}

// rankingsOn answers 403 unless the organization has switched individual rankings on.
func (h *Handlers) rankingsOn(w http.ResponseWriter, r *http.Request, orgID int64) bool {
	set, err := h.points.Settings(r.Context(), orgID)
	if err != nil {
		Problem(h.srv, w, r, err)
		return false
	}
	if !set.Rankings {
		server.WriteJSONError(w, r, http.StatusForbidden, "points.error.rankings_off", nil)
		return false
	}
	return true
}

func (h *Handlers) personRank(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	q := newQuery(r)
	p := rankingPeriod(q)
	orgID := q.id("org")
	if err := q.err(); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	person, ok := h.visiblePerson(w, r, a)
	if !ok {
		return
	}
	if orgID == 0 {
		orgID = person.OrgID
	}
	ctx := r.Context()
	if ok, err := h.orgs.Can(ctx, a, org.View, orgID); err != nil || (!ok && orgID != person.OrgID) {
		h.denyAsMissing(w, r, err)
		return
	}
	if !h.rankingsOn(w, r, orgID) {
		return
	}
	st, ranked, err := h.points.Rank(ctx, orgID, p, person.ID)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, rankView{PersonID: person.ID, OrgID: orgID, Period: p.Name, Ranked: ranked, Rank: st.Rank, Total: st.Total, Of: st.Of})
}

type standingView struct {
	Rank     int    `json:"rank"`
	PersonID int64  `json:"person_id"`
	Name     string `json:"name"`
	Total    int    `json:"total"`
}

type rankingView struct {
	OrgID     int64          `json:"org_id"`
	Period    string         `json:"period"`
	Ranked    int            `json:"ranked"`
	Standings []standingView `json:"standings"`
	page
}

// viewedOrg reads the organization of the path, answering 404 outside View scope.
func (h *Handlers) viewedOrg(w http.ResponseWriter, r *http.Request) (int64, bool) {
	a, _ := server.AccountFrom(r.Context())
	id, ok := pathID(r, "id")
	if !ok {
		notFound(w, r)
		return 0, false
	}
	if ok, err := h.orgs.Can(r.Context(), a, org.View, id); err != nil || !ok {
		h.denyAsMissing(w, r, err)
		return 0, false
	}
	return id, true
}

func (h *Handlers) orgRanking(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	p := rankingPeriod(q)
	pg := page{Limit: q.integer("limit", 20, 1, 1000), Offset: q.integer("offset", 0, 0, 1<<31-1)}
	if err := q.err(); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	orgID, ok := h.viewedOrg(w, r)
	if !ok || !h.rankingsOn(w, r, orgID) {
		return
	}
	standings, total, err := h.points.Ranking(r.Context(), orgID, p, pg.Offset, pg.Limit)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	names, err := h.points.Names(r.Context(), personIDs(standings))
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	out := rankingView{OrgID: orgID, Period: p.Name, Ranked: total, Standings: make([]standingView, 0, len(standings)), page: pg}
	for _, st := range standings {
		out.Standings = append(out.Standings, standingView{Rank: st.Rank, PersonID: st.PersonID, Name: names[st.PersonID], Total: st.Total})
	}
	server.WriteJSON(w, http.StatusOK, out)
}

func personIDs(standings []points.Standing) []int64 {
	ids := make([]int64, len(standings))
	for i, st := range standings {
		ids[i] = st.PersonID
	}
	return ids
}

type starView struct {
	PersonID int64  `json:"person_id"`
	Name     string `json:"name"`
	Total    int    `json:"total"`
	Stars    int    `json:"stars"`
}

type thresholdView struct {
	Stars  int `json:"stars"`
	Points int `json:"points"`
}

type starRollView struct {
	OrgID      int64           `json:"org_id"`
	Period     string          `json:"period"`
	Thresholds []thresholdView `json:"thresholds"`
	People     []starView      `json:"people"`
}

// orgStars answers the star roll, which needs no rankings: it shows stars against
// thresholds, most stars first, and no places.
func (h *Handlers) orgStars(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	p := rankingPeriod(q)
	if err := q.err(); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	orgID, ok := h.viewedOrg(w, r)
	if !ok {
		return
	}
	roll, ths, err := h.points.StarRoll(r.Context(), orgID, p)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	ids := make([]int64, len(roll))
	for i, e := range roll {
		ids[i] = e.PersonID
	}
	names, err := h.points.Names(r.Context(), ids)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	out := starRollView{OrgID: orgID, Period: p.Name, Thresholds: []thresholdView{}, People: make([]starView, 0, len(roll))}
	for _, th := range ths {
		out.Thresholds = append(out.Thresholds, thresholdView{Stars: th.Stars, Points: th.Points})
	}
	for _, e := range roll {
		out.People = append(out.People, starView{PersonID: e.PersonID, Name: names[e.PersonID], Total: e.Total, Stars: e.Stars})
	}
	server.WriteJSON(w, http.StatusOK, out)
}
