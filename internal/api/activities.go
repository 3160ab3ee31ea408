package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/server"
	"vanguard/internal/store"
)

// Organizational life (issue 4): activities, sign-in, the roll call and compliance.

type activityList struct {
	Activities []activity.Activity `json:"activities"`
	page
}

// activityDetail is one activity with its attendance counted; the list of attendees is
// given to the hosts' viewers only, never to a member who is merely in the audience.
type activityDetail struct {
	activity.Activity
	Tally     activity.Tally      `json:"tally"`
	Attendees []activity.Attendee `json:"attendees,omitempty"`
}

// listActivities is GET /api/v1/activities: activities with a host in the caller's View
// scope, optionally of ?org (and its subtree with ?subtree=true), from ?from to ?to.
func (h *Handlers) listActivities(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	q := newQuery(r)
	f := activity.Filter{OrgID: q.id("org"), Subtree: q.boolean("subtree"), Kind: activity.Kind(q.str("kind"))}
	f.From, f.To = queryDate(q, "from"), queryDate(q, "to")
	p := page{Limit: q.integer("limit", defaultLimit, 1, maxLimit), Offset: q.integer("offset", 0, 0, maxOrgOffset)}
	f.Limit, f.Offset = p.Limit, p.Offset
	if f.Kind != "" && !f.Kind.Valid() {
		q.errs = append(q.errs, i18n.Invalid("kind", "activity.error.kind"))
	}
	if err := q.err(); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	if f.OrgID != 0 {
		if ok, err := h.canView(r.Context(), a, f.OrgID); err != nil || !ok {
			h.denyAsMissing(w, r, err)
			return
		}
	}
	list, err := h.activities.List(r.Context(), org.ScopeOf(a, org.View), f)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	if list == nil {
		list = []activity.Activity{}
	}
	server.WriteJSON(w, http.StatusOK, activityList{Activities: list, page: p})
}

type activityRequest struct {
	Kind               string    `json:"kind"`
	HostIDs            []int64   `json:"host_ids"`
	Title              string    `json:"title"`
	Theme              string    `json:"theme"`
	StartsAt           time.Time `json:"starts_at"`
	EndsAt             time.Time `json:"ends_at"`
	Place              string    `json:"place"`
	OnlineLink         string    `json:"online_link"`
	SpeakerName        string    `json:"speaker_name"`
	SpeakerID          int64     `json:"speaker_id"`
	Agenda             string    `json:"agenda"`
	PersonIDs          []int64   `json:"person_ids"`
	IncludeDevelopment bool      `json:"include_development"`
	IncludeNonMembers  bool      `json:"include_non_members"`
}

// createActivity is POST /api/v1/activities: Manage on every host. A host the caller
// cannot manage is a 422 naming it, and nothing is saved.
func (h *Handlers) createActivity(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	var req activityRequest
	if err := server.ReadJSON(w, r, &req); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	act, err := h.activities.Create(r.Context(), org.ScopeOf(a, org.Manage), activity.Input{
		Kind: activity.Kind(req.Kind), HostIDs: req.HostIDs, Title: req.Title, Theme: req.Theme,
		StartsAt: req.StartsAt, EndsAt: req.EndsAt, Place: req.Place, OnlineLink: req.OnlineLink,
		SpeakerName: req.SpeakerName, SpeakerID: req.SpeakerID, Agenda: req.Agenda, PersonIDs: req.PersonIDs,
		IncludeDevelopment: req.IncludeDevelopment, IncludeNonMembers: req.IncludeNonMembers,
	})
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	tally, err := h.activities.Tally(r.Context(), act.ID)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusCreated, activityDetail{Activity: act, Tally: tally})
}

// updateActivity is PUT /api/v1/activities/{id}: the whole of a planned activity again,
// as for creating it (fields left out are emptied). Manage on one of its hosts and on
// every host it will have; a held or cancelled activity answers 422 naming its status.
func (h *Handlers) updateActivity(w http.ResponseWriter, r *http.Request) {
	act, acc, ok := h.visibleActivity(w, r)
	if !ok {
		return
	}
	if !acc.View {
		notFound(w, r)
		return
	}
	if !acc.Manage {
		h.srv.Forbidden(w, r)
		return
	}
	a, _ := server.AccountFrom(r.Context())
	var req activityRequest
	if err := server.ReadJSON(w, r, &req); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	act, err := h.activities.Update(r.Context(), org.ScopeOf(a, org.Manage), act.ID, activity.Input{
		Kind: activity.Kind(req.Kind), HostIDs: req.HostIDs, Title: req.Title, Theme: req.Theme,
		StartsAt: req.StartsAt, EndsAt: req.EndsAt, Place: req.Place, OnlineLink: req.OnlineLink,
		SpeakerName: req.SpeakerName, SpeakerID: req.SpeakerID, Agenda: req.Agenda, PersonIDs: req.PersonIDs,
		IncludeDevelopment: req.IncludeDevelopment, IncludeNonMembers: req.IncludeNonMembers,
	})
	if err != nil {
		if errors.Is(err, activity.ErrForbidden) {
			h.srv.Forbidden(w, r)
			return
		}
		Problem(h.srv, w, r, err)
		return
	}
	tally, err := h.activities.Tally(r.Context(), act.ID)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, activityDetail{Activity: act, Tally: tally})
}

// activityAccess is what the caller may do with an activity.
type activityAccess struct {
	View, Manage bool
}

// visibleActivity loads the activity of the path for a caller who may see it — a host in
// View scope, or in its audience — and answers 404 otherwise.
func (h *Handlers) visibleActivity(w http.ResponseWriter, r *http.Request) (activity.Activity, activityAccess, bool) {
	ctx := r.Context()
	a, _ := server.AccountFrom(ctx)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		notFound(w, r)
		return activity.Activity{}, activityAccess{}, false
	}
	act, err := h.activities.Get(ctx, id)
	if err != nil {
		Problem(h.srv, w, r, err)
		return act, activityAccess{}, false
	}
	acc, err := h.activityRights(ctx, a, id)
	if err != nil {
		Problem(h.srv, w, r, err)
		return act, acc, false
	}
	if !acc.View {
		if _, err := h.audienceOf(ctx, a, id); errors.Is(err, store.ErrNotFound) {
			notFound(w, r)
			return act, acc, false
		} else if err != nil {
			Problem(h.srv, w, r, err)
			return act, acc, false
		}
	}
	return act, acc, true
}

func (h *Handlers) activityRights(ctx context.Context, a auth.Account, id int64) (activityAccess, error) {
	var acc activityAccess
	var err error
	if acc.View, err = h.activities.InScope(ctx, org.ScopeOf(a, org.View), id); err != nil || !acc.View {
		return acc, err
	}
	acc.Manage, err = h.activities.InScope(ctx, org.ScopeOf(a, org.Manage), id)
	return acc, err
}

// audienceOf returns the caller's own attendance row, store.ErrNotFound when the caller
// has no person record or is not in the audience.
func (h *Handlers) audienceOf(ctx context.Context, a auth.Account, id int64) (activity.Attendee, error) {
	p, err := h.people.ByAccount(ctx, a.ID)
	if err != nil {
		return activity.Attendee{}, err
	}
	return h.activities.Attendance(ctx, id, p.ID)
}

// getActivity is GET /api/v1/activities/{id}.
func (h *Handlers) getActivity(w http.ResponseWriter, r *http.Request) {
	act, acc, ok := h.visibleActivity(w, r)
	if !ok {
		return
	}
	d := activityDetail{Activity: act}
	var err error
	if d.Tally, err = h.activities.Tally(r.Context(), act.ID); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	if acc.View {
		if d.Attendees, err = h.activities.Attendees(r.Context(), act.ID); err != nil {
			Problem(h.srv, w, r, err)
			return
		}
	} else {
		d.PersonIDs = nil
	}
	server.WriteJSON(w, http.StatusOK, d)
}

type checkinRequest struct {
	Token string `json:"token"`
}

// checkinActivity is POST /api/v1/activities/{id}/checkin: the caller signs themself in
// with the token of the host's QR code. Outside the window, with a bad token, twice or
// from outside the audience: 422 with the reason, nothing changed.
func (h *Handlers) checkinActivity(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, _ := server.AccountFrom(ctx)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		notFound(w, r)
		return
	}
	var req checkinRequest
	if err := server.ReadJSON(w, r, &req); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	p, err := h.people.ByAccount(ctx, a.ID)
	if errors.Is(err, store.ErrNotFound) {
		Problem(h.srv, w, r, i18n.Invalid("", "activitypages.checkin.no_person"))
		return
	} else if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	at, err := h.activities.CheckIn(ctx, id, p.ID, req.Token)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, at)
}

// rollCall is POST /api/v1/activities/{id}/attendance: a manager of a host records who
// attended, in one call; all of it is saved or none.
func (h *Handlers) rollCall(w http.ResponseWriter, r *http.Request) {
	_, acc, ok := h.visibleActivity(w, r)
	if !ok {
		return
	}
	if !acc.View {
		notFound(w, r)
		return
	}
	if !acc.Manage {
		h.srv.Forbidden(w, r)
		return
	}
	a, _ := server.AccountFrom(r.Context())
	var rc activity.RollCall
	if err := server.ReadJSON(w, r, &rc); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	t, err := h.activities.RecordRollCall(r.Context(), org.ScopeOf(a, org.Manage), id, rc)
	if err != nil {
		if errors.Is(err, activity.ErrForbidden) {
			h.srv.Forbidden(w, r)
			return
		}
		Problem(h.srv, w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, t)
}

// orgCompliance is GET /api/v1/orgs/{id}/compliance?year=YYYY: View on the organization.
func (h *Handlers) orgCompliance(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		notFound(w, r)
		return
	}
	q := newQuery(r)
	year := q.integer("year", time.Now().In(beijing).Year(), activity.FirstYear, 9999)
	if err := q.err(); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	if ok, err := h.canView(r.Context(), a, id); err != nil || !ok {
		h.denyAsMissing(w, r, err)
		return
	}
	cal, err := h.activities.Calendar(r.Context(), id, year)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, cal)
}

// beijing is the zone a year of organizational life is counted in.
var beijing = time.FixedZone("CST", 8*3600)

// queryDate reads a YYYY-MM-DD parameter as the start of that day in Beijing; absent is
// the zero time.
func queryDate(q *query, name string) time.Time {
	v := q.str(name)
	if v == "" {
		return time.Time{}
	}
	d, err := time.ParseInLocation(time.DateOnly, v, beijing)
	if err != nil {
		q.errs = append(q.errs, i18n.Invalid(name, "api.error.date", "value", v))
		return time.Time{}
	}
	return d
}
