package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/server"
	"vanguard/internal/store"
)

// Organizational life (issue 4): an organization's activities, the activity page with
// the roll call and the QR sign-in, and the member's sign-in by the QR link.

type activities struct {
	*Handlers
	svc *activity.Service
}

// registerActivities adds the pages of organizational life, each with the right it needs
// written beside it.
func (h *Handlers) registerActivities(srv *server.Server, d Deps) {
	if d.Activities == nil {
		return
	}
	p := &activities{Handlers: h, svc: d.Activities}
	h.more = p.reminders
	h.inactive = func(ctx context.Context, a auth.Account, orgID int64) ([]activity.Inactive, error) {
		return p.svc.InactiveMembers(ctx, org.ScopeOf(a, org.View), orgID, time.Now().AddDate(0, -6, 0))
	}
	srv.HandleFunc("GET /orgs/{id}/activities", server.SignedIn, p.orgActivities)               // View on {id}
	srv.HandleFunc("POST /orgs/{id}/activities", server.SignedIn, p.createActivity)             // Manage on {id} and every other host
	srv.HandleFunc("GET /activities/{id}", server.SignedIn, p.activityPage)                     // a host in View scope, or in its audience
	srv.HandleFunc("GET /activities/{id}/edit", server.SignedIn, p.editActivity)                // Manage on a host
	srv.HandleFunc("POST /activities/{id}/edit", server.SignedIn, p.updateActivity)             // Manage on a host and every host it will have
	srv.HandleFunc("POST /activities/{id}/attendance", server.SignedIn, p.rollCall)             // Manage on a host
	srv.HandleFunc("POST /activities/{id}/status", server.SignedIn, p.moveActivity)             // Manage on a host
	srv.HandleFunc("GET /activities/{id}/qr.png", server.SignedIn, p.qrImage)                   // Manage on a host
	srv.HandleFunc("GET /activities/{id}/count.json", server.SignedIn, p.liveCount)             // Manage on a host
	srv.HandleFunc("GET /activities/{id}/checkin", server.SignedIn, p.checkinPage)              // in its audience, with the QR token
	srv.HandleFunc("POST /activities/{id}/leave", server.SignedIn, p.requestLeave)              // in its audience
	srv.HandleFunc("POST /activities/{id}/leave/{person}", server.SignedIn, p.decide)           // Manage on a host
	srv.HandleFunc("GET /orgs/{id}/compliance", server.SignedIn, p.compliancePage)              // View on {id}
	srv.HandleFunc("POST /orgs/{id}/compliance/rules", server.SignedIn, p.setRule)              // Administer on {id}
	srv.HandleFunc("GET /orgs/{id}/calendar.ics", server.SignedIn, p.orgCalendar)               // View on {id}
	srv.HandleFunc("GET /calendar/{file}", server.Public, p.personalCalendar)                   // the private token alone
	srv.HandleFunc("GET /me/calendar", server.SignedIn, p.myCalendar)                           // the caller's own
	srv.HandleFunc("POST /me/calendar", server.SignedIn, p.issueCalendar)                       // the caller's own
	srv.HandleFunc("POST /activities/{id}/record", server.SignedIn, p.saveRecord)               // Manage on a host; an amendment once locked
	srv.HandleFunc("POST /activities/{id}/tasks", server.SignedIn, p.addTask)                   // Manage on a host
	srv.HandleFunc("POST /tasks/{id}/progress", server.SignedIn, p.taskProgress)                // Manage on a host of its activity, or its owner
	srv.HandleFunc("GET /activities/{id}/attendance.xlsx", server.SignedIn, p.exportAttendance) // a host in View scope
}

// span is the week or month of an organization's list.
type span struct {
	Range      string // "week" or "month"
	From, To   time.Time
	Prev, Next string // the ?at= of the neighbouring spans
}

func spanOf(r *http.Request, now time.Time) span {
	s := span{Range: "month"}
	if r.URL.Query().Get("range") == "week" {
		s.Range = "week"
	}
	at := now.In(displayZone)
	if v := r.URL.Query().Get("at"); v != "" {
		if d, err := time.ParseInLocation(time.DateOnly, v, displayZone); err == nil {
			at = d
		}
	}
	day := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, displayZone)
	if s.Range == "week" {
		// Weeks begin on Monday in China.
		s.From = day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		s.To = s.From.AddDate(0, 0, 7)
		s.Prev, s.Next = s.From.AddDate(0, 0, -7).Format(time.DateOnly), s.To.Format(time.DateOnly)
	} else {
		s.From = time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, displayZone)
		s.To = s.From.AddDate(0, 1, 0)
		s.Prev, s.Next = s.From.AddDate(0, -1, 0).Format(time.DateOnly), s.To.Format(time.DateOnly)
	}
	return s
}

type orgActivitiesData struct {
	Org        org.Org
	Rights     rights
	Span       span
	Activities []activity.Activity
	Kinds      []activity.KindInfo
	Form       form
	Inactive   []activity.Inactive
	Speakers   []speakerChoice
}

func (p *activities) orgActivities(w http.ResponseWriter, r *http.Request) {
	p.renderOrgActivities(w, r, http.StatusOK, p.doneFlash(r), nil, form{})
}

func (p *activities) renderOrgActivities(w http.ResponseWriter, r *http.Request, status int, flash string, errs []*i18n.Error, f form) {
	o, ok := p.orgFor(w, r, org.View)
	if !ok {
		return
	}
	ctx, a := r.Context(), caller(r)
	rt, err := p.rightsOn(ctx, a, o.ID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	sp := spanOf(r, time.Now())
	list, err := p.svc.List(ctx, org.ScopeOf(a, org.View), activity.Filter{OrgID: o.ID, Subtree: true, From: sp.From, To: sp.To, Limit: activity.MaxPage})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	var inactive []activity.Inactive
	var speakers []speakerChoice
	if rt.Manage {
		if inactive, err = p.svc.InactiveMembers(ctx, org.ScopeOf(a, org.View), o.ID, time.Now().AddDate(0, -6, 0)); err != nil {
			p.fail(w, r, err)
			return
		}
		if speakers, err = p.speakers(r, []int64{o.ID}, 0); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	pg := p.page(r, "activitypages.list.title", orgActivitiesData{Org: o, Rights: rt, Span: sp, Activities: list,
		Kinds: activity.Kinds(), Form: f, Inactive: inactive, Speakers: speakers})
	pg.Flash, pg.Errors = flash, errs
	p.render(w, r, status, "activity_list", pg)
}

// formTime reads a datetime-local field as a time in China.
func formTime(v url.Values, field string) (time.Time, *i18n.Error) {
	s := strings.TrimSpace(v.Get(field))
	if s == "" {
		return time.Time{}, i18n.Invalid(field, "error.required")
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, displayZone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, i18n.Invalid(field, "activitypages.error.time", "value", s)
}

// hostIDs reads the further hosts of a joint or alliance activity: ids or organization
// codes, separated by commas, spaces or lines.
func (p *activities) hostIDs(r *http.Request, first int64, text string) ([]int64, []*i18n.Error) {
	ids := []int64{first}
	var errs []*i18n.Error
	for _, f := range strings.FieldsFunc(text, func(c rune) bool { return c == ',' || c == '，' || c == ' ' || c == '\n' || c == '\r' || c == '、' }) {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
			continue
		}
		// A code names an organization; whether the caller manages it is the service's
		// check, which names the host it refuses.
		// A code outside the caller's View scope reads as unknown, so codes cannot be probed.
		if o, err := p.orgs.ByCode(r.Context(), p.db, f); err == nil {
			if can, err := p.orgs.Can(r.Context(), caller(r), org.View, o.ID); err == nil && can {
				ids = append(ids, o.ID)
				continue
			}
		}
		errs = append(errs, i18n.Invalid("more_hosts", "activitypages.error.host_code", "value", f))
	}
	return ids, errs
}

func (p *activities) createActivity(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.Manage)
	if !ok {
		return
	}
	a := caller(r)
	v := readForm(w, r)
	in, errs := p.activityInput(r, v, o.ID)
	if len(errs) > 0 {
		p.renderOrgActivities(w, r, http.StatusUnprocessableEntity, "", errs, form{"activity", v})
		return
	}
	act, err := p.svc.Create(r.Context(), org.ScopeOf(a, org.Manage), in)
	if err != nil {
		if fe, ok := formErrors(err); ok {
			p.renderOrgActivities(w, r, http.StatusUnprocessableEntity, "", fe, form{"activity", v})
			return
		}
		p.fail(w, r, err)
		return
	}
	seeOther(w, r, fmt.Sprintf("/activities/%d", act.ID), "activity_planned")
}

// activityAccess is what the caller may do with an activity.
type activityAccess struct {
	View, Manage bool
	Me           *activity.Attendee // the caller's own attendance, when in the audience
	PersonID     int64
}

// activityFor loads the activity of the path: 404 unless a host is in the caller's View
// scope or the caller is in its audience; with manage, 403 inside View scope without
// Manage on a host.
func (p *activities) activityFor(w http.ResponseWriter, r *http.Request, manage bool) (activity.Activity, activityAccess, bool) {
	var acc activityAccess
	id, ok := pathID(r, "id")
	if !ok {
		p.notFound(w, r)
		return activity.Activity{}, acc, false
	}
	ctx, a := r.Context(), caller(r)
	act, err := p.svc.Get(ctx, id)
	if err != nil {
		p.problem(w, r, err)
		return act, acc, false
	}
	if acc.View, err = p.svc.InScope(ctx, org.ScopeOf(a, org.View), id); err != nil {
		p.fail(w, r, err)
		return act, acc, false
	}
	if acc.View {
		if acc.Manage, err = p.svc.InScope(ctx, org.ScopeOf(a, org.Manage), id); err != nil {
			p.fail(w, r, err)
			return act, acc, false
		}
	}
	if person, err := p.people.ByAccount(ctx, a.ID); err == nil {
		acc.PersonID = person.ID
		if me, err := p.svc.Attendance(ctx, id, person.ID); err == nil {
			acc.Me = &me
		} else if !errors.Is(err, store.ErrNotFound) {
			p.fail(w, r, err)
			return act, acc, false
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		p.fail(w, r, err)
		return act, acc, false
	}
	if !acc.View && acc.Me == nil {
		p.notFound(w, r)
		return act, acc, false
	}
	if manage && !acc.Manage {
		if !acc.View {
			p.notFound(w, r)
		} else {
			p.srv.Forbidden(w, r)
		}
		return act, acc, false
	}
	return act, acc, true
}

type activityPageData struct {
	Activity  activity.Activity
	Access    activityAccess
	Tally     activity.Tally
	Attendees []activity.Attendee
	Presences []activity.Presence
	Record    activity.Record
	Opens     time.Time
	Closes    time.Time
	CheckinOn bool // the QR sign-in is open now
	Form      form
}

func (p *activities) activityPage(w http.ResponseWriter, r *http.Request) {
	p.renderActivity(w, r, http.StatusOK, p.doneFlash(r), nil, form{})
}

func (p *activities) renderActivity(w http.ResponseWriter, r *http.Request, status int, flash string, errs []*i18n.Error, f form) {
	act, acc, ok := p.activityFor(w, r, false)
	if !ok {
		return
	}
	ctx := r.Context()
	d := activityPageData{Activity: act, Access: acc, Form: f,
		Presences: []activity.Presence{activity.Present, activity.Late, activity.OnLeave, activity.Absent}}
	var err error
	if d.Tally, err = p.svc.Tally(ctx, act.ID); err != nil {
		p.fail(w, r, err)
		return
	}
	if acc.View {
		if d.Attendees, err = p.svc.Attendees(ctx, act.ID); err != nil {
			p.fail(w, r, err)
			return
		}
		if d.Record, err = p.svc.Record(ctx, act.ID); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	d.Opens, d.Closes = p.svc.Window(act)
	now := time.Now()
	d.CheckinOn = act.Status != activity.Cancelled && !now.Before(d.Opens) && !now.After(d.Closes)
	pg := p.page(r, "activitypages.activity.title", d)
	pg.Flash, pg.Errors = flash, errs
	p.render(w, r, status, "activity_page", pg)
}

// rollCall records the secretary's roll call: one select per person, one submit.
func (p *activities) rollCall(w http.ResponseWriter, r *http.Request) {
	act, _, ok := p.activityFor(w, r, true)
	if !ok {
		return
	}
	v := readForm(w, r)
	var rc activity.RollCall
	for key, vals := range v {
		id, found := strings.CutPrefix(key, "p")
		if !found || len(vals) == 0 || vals[0] == "" {
			continue
		}
		pid, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			continue
		}
		rc.Marks = append(rc.Marks, activity.Mark{PersonID: pid, Presence: activity.Presence(vals[0])})
	}
	if o := v.Get("others"); o != "" {
		rc.Others = activity.Presence(o)
	}
	_, err := p.svc.RecordRollCall(r.Context(), org.ScopeOf(caller(r), org.Manage), act.ID, rc)
	if !p.after(w, r, err, "attendance", v) {
		return
	}
	seeOther(w, r, fmt.Sprintf("/activities/%d", act.ID), "activity_saved")
}

// after answers a service error of a write on the activity page: a person-facing one
// re-renders the page with the form, ErrForbidden is 403. It tells whether all went well.
func (p *activities) after(w http.ResponseWriter, r *http.Request, err error, name string, v url.Values) bool {
	if err == nil {
		return true
	}
	if errors.Is(err, activity.ErrForbidden) {
		p.srv.Forbidden(w, r)
		return false
	}
	if fe, ok := formErrors(err); ok {
		p.renderActivity(w, r, http.StatusUnprocessableEntity, "", fe, form{name, v})
		return false
	}
	p.problem(w, r, err)
	return false
}

func (p *activities) moveActivity(w http.ResponseWriter, r *http.Request) {
	act, _, ok := p.activityFor(w, r, true)
	if !ok {
		return
	}
	v := readForm(w, r)
	_, err := p.svc.Move(r.Context(), org.ScopeOf(caller(r), org.Manage), act.ID, activity.Status(v.Get("status")), v.Get("note"))
	if !p.after(w, r, err, "status", v) {
		return
	}
	seeOther(w, r, fmt.Sprintf("/activities/%d", act.ID), "activity_saved")
}

func (p *activities) requestLeave(w http.ResponseWriter, r *http.Request) {
	act, acc, ok := p.activityFor(w, r, false)
	if !ok {
		return
	}
	v := readForm(w, r)
	if acc.Me == nil {
		// A reader of the hosts who is not invited has nothing to ask leave from.
		p.renderActivity(w, r, http.StatusUnprocessableEntity, "", []*i18n.Error{i18n.Invalid("reason", "activitypages.checkin.not_invited")}, form{"leave", v})
		return
	}
	err := p.svc.RequestLeave(r.Context(), act.ID, acc.PersonID, v.Get("reason"))
	if !p.after(w, r, err, "leave", v) {
		return
	}
	seeOther(w, r, fmt.Sprintf("/activities/%d", act.ID), "activity_saved")
}

func (p *activities) decide(w http.ResponseWriter, r *http.Request) {
	act, _, ok := p.activityFor(w, r, true)
	if !ok {
		return
	}
	person, ok := pathID(r, "person")
	if !ok {
		p.notFound(w, r)
		return
	}
	v := readForm(w, r)
	err := p.svc.DecideLeave(r.Context(), org.ScopeOf(caller(r), org.Manage), act.ID, person, v.Get("decision") == "approve")
	if !p.after(w, r, err, "decide", v) {
		return
	}
	seeOther(w, r, fmt.Sprintf("/activities/%d", act.ID), "activity_saved")
}

// liveCount answers the count of sign-ins for the QR screen to poll.
func (p *activities) liveCount(w http.ResponseWriter, r *http.Request) {
	act, _, ok := p.activityFor(w, r, true)
	if !ok {
		return
	}
	t, err := p.svc.Tally(r.Context(), act.ID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	server.WriteJSON(w, http.StatusOK, map[string]int{"attended": t.Attended(), "expected": t.Expected()})
}

type checkinData struct {
	Activity activity.Activity
	Done     *activity.Attendee
	Problem  *i18n.Error
}

// checkinPage signs the caller in by the token of the QR code, once. Every refusal — not
// open, closed, expired or forged code, twice, not invited — is a clear message and
// changes nothing. Nothing else is asked: no location, no photo.
func (p *activities) checkinPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		p.notFound(w, r)
		return
	}
	ctx, a := r.Context(), caller(r)
	act, err := p.svc.Get(ctx, id)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	d := checkinData{Activity: act}
	status := http.StatusOK
	person, err := p.people.ByAccount(ctx, a.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		d.Problem = i18n.Invalid("", "activitypages.checkin.no_person")
	case err != nil:
		p.fail(w, r, err)
		return
	default:
		// Someone neither in the audience nor reading its hosts learns nothing of the
		// activity, only that they cannot sign in to it.
		invited := true
		if _, err := p.svc.Attendance(ctx, id, person.ID); errors.Is(err, store.ErrNotFound) {
			invited = false
		} else if err != nil {
			p.fail(w, r, err)
			return
		}
		if !invited {
			if see, err := p.svc.InScope(ctx, org.ScopeOf(a, org.View), id); err != nil {
				p.fail(w, r, err)
				return
			} else if !see {
				d.Activity = activity.Activity{}
			}
			d.Problem = i18n.Invalid("", "activitypages.checkin.not_invited")
			break
		}
		at, err := p.svc.CheckIn(ctx, id, person.ID, r.URL.Query().Get("token"))
		if err != nil {
			var one *i18n.Error
			if !errors.As(err, &one) {
				if fe, ok := formErrors(err); ok && len(fe) > 0 {
					one = fe[0]
				} else {
					p.fail(w, r, err)
					return
				}
			}
			if one.Key == "activity.error.not_in_audience" {
				one = i18n.Invalid("", "activitypages.checkin.not_invited")
			}
			d.Problem = one
		} else {
			d.Done = &at
		}
	}
	if d.Problem != nil {
		status = http.StatusUnprocessableEntity
		if d.Problem.Key == "activity.error.already_signed_in" {
			status = http.StatusOK
		}
	}
	p.render(w, r, status, "activity_checkin", p.page(r, "activitypages.checkin.title", d))
}

// reminders is "what's due" on the home page: the caller's own activities of the coming
// two weeks (and any under way), with those still waiting for an answer marked, and for
// a secretary, the members of their organizations without organizational life for six
// months (the Party Constitution, art. 9).
func (p *activities) reminders(ctx context.Context, a auth.Account) ([]reminder, error) {
	var list []reminder
	now := time.Now()
	if person, err := p.people.ByAccount(ctx, a.ID); err == nil {
		invs, err := p.svc.ForPerson(ctx, person.ID, now.Add(-6*time.Hour), now.AddDate(0, 0, 14))
		if err != nil {
			return nil, err
		}
		for _, inv := range invs {
			if inv.Status != activity.Planned || inv.EndsAt.Before(now) {
				continue
			}
			key := "activitypages.reminder.upcoming"
			if inv.Presence == activity.Invited && inv.LeaveState == "" {
				key = "activitypages.reminder.invited"
			}
			list = append(list, reminder{Link: fmt.Sprintf("/activities/%d", inv.ID),
				Message: i18n.Msg(key, "title", inv.Title, "time", inv.StartsAt.In(displayZone).Format("01-02 15:04"))})
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	roots, err := p.orgs.Roots(ctx, a)
	if err != nil {
		return nil, err
	}
	for _, root := range roots {
		if ok, err := p.orgs.Can(ctx, a, org.Manage, root.ID); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		inactive, err := p.svc.InactiveMembers(ctx, org.ScopeOf(a, org.View), root.ID, now.AddDate(0, -6, 0))
		if err != nil {
			return nil, err
		}
		if len(inactive) > 0 {
			list = append(list, reminder{Overdue: true, Link: fmt.Sprintf("/orgs/%d/activities", root.ID),
				Message: i18n.Msg("activitypages.reminder.inactive", "count", len(inactive), "org", root.Name)})
		}
	}
	return list, nil
}
