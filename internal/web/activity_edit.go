package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"vanguard/internal/activity"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
)

// Editing a planned activity: the same fields as planning it, filled in. Once held or
// cancelled an activity is history; its record is corrected by amendments instead.

type activityEditData struct {
	Activity activity.Activity
	Kinds    []activity.KindInfo
	Speakers []speakerChoice
	Form     form // the posted values when a save failed, else the activity's
	Editable bool
}

// speakerChoice is a person a form offers as the speaker: those holding a post in a host
// today, so that a secretary's party lecture is recorded as theirs.
type speakerChoice struct {
	PersonID int64
	Name     string
	Post     org.PostKind // "" for the current speaker without a post
}

func (p *activities) editActivity(w http.ResponseWriter, r *http.Request) {
	act, _, ok := p.activityFor(w, r, true)
	if !ok {
		return
	}
	p.renderEdit(w, r, act, http.StatusOK, nil, activityForm(act))
}

func (p *activities) renderEdit(w http.ResponseWriter, r *http.Request, act activity.Activity, status int, errs []*i18n.Error, f form) {
	d := activityEditData{Activity: act, Kinds: activity.Kinds(), Form: f, Editable: act.Status == activity.Planned}
	var err error
	if d.Speakers, err = p.speakers(r, act.HostIDs(), act.SpeakerID); err != nil {
		p.fail(w, r, err)
		return
	}
	pg := p.page(r, "activitypages.edit.title", d)
	pg.Errors = errs
	if !d.Editable {
		pg.Errors = append(pg.Errors, i18n.Invalid("status", "activity.error.not_planned", "status", i18n.Msg(act.Status.Key())))
		if status == http.StatusOK {
			status = http.StatusConflict
		}
	}
	p.render(w, r, status, "activity_edit", pg)
}

// activityForm is the activity as the form's values, the times in China's zone.
func activityForm(a activity.Activity) form {
	v := url.Values{}
	v.Set("kind", string(a.Kind))
	v.Set("title", a.Title)
	v.Set("theme", a.Theme)
	v.Set("starts_at", a.StartsAt.In(displayZone).Format("2006-01-02T15:04"))
	v.Set("ends_at", a.EndsAt.In(displayZone).Format("2006-01-02T15:04"))
	v.Set("place", a.Place)
	v.Set("online_link", a.OnlineLink)
	if a.SpeakerID != 0 {
		v.Set("speaker_id", strconv.FormatInt(a.SpeakerID, 10))
	} else {
		v.Set("speaker_name", a.SpeakerName)
	}
	v.Set("agenda", a.Agenda)
	var more []string
	for _, h := range a.Hosts[min(1, len(a.Hosts)):] {
		more = append(more, strconv.FormatInt(h.OrgID, 10))
	}
	v.Set("more_hosts", strings.Join(more, ", "))
	if a.IncludeDevelopment {
		v.Set("include_development", "1")
	}
	if a.IncludeNonMembers {
		v.Set("include_non_members", "1")
	}
	return form{"activity", v}
}

// speakers lists the people holding a post in the hosts today, and the current speaker.
func (p *activities) speakers(r *http.Request, hosts []int64, current int64) ([]speakerChoice, error) {
	var list []speakerChoice
	for _, h := range hosts {
		posts, err := p.orgs.PostsOn(r.Context(), h, p.people.Today())
		if err != nil {
			return nil, fmt.Errorf("speakers of %d: %w", h, err)
		}
		for _, post := range posts {
			if slices.ContainsFunc(list, func(c speakerChoice) bool { return c.PersonID == post.PersonID }) {
				continue
			}
			list = append(list, speakerChoice{post.PersonID, post.PersonName, post.Kind})
		}
	}
	if current != 0 && !slices.ContainsFunc(list, func(c speakerChoice) bool { return c.PersonID == current }) {
		person, err := p.people.Get(r.Context(), current)
		if err != nil {
			return nil, fmt.Errorf("speaker %d: %w", current, err)
		}
		list = append(list, speakerChoice{current, person.Name, ""})
	}
	return list, nil
}

// activityInput reads the planning form; the errors are those of the form's own fields
// (times, host codes), the service checks the rest.
func (p *activities) activityInput(r *http.Request, v url.Values, firstHost int64) (activity.Input, []*i18n.Error) {
	var errs []*i18n.Error
	starts, e1 := formTime(v, "starts_at")
	ends, e2 := formTime(v, "ends_at")
	for _, e := range []*i18n.Error{e1, e2} {
		if e != nil {
			errs = append(errs, e)
		}
	}
	hosts, herrs := p.hostIDs(r, firstHost, v.Get("more_hosts"))
	errs = append(errs, herrs...)
	var speaker int64
	if s := strings.TrimSpace(v.Get("speaker_id")); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			errs = append(errs, i18n.Invalid("speaker_id", "activity.error.person_missing", "id", s))
		}
		speaker = id
	}
	return activity.Input{
		Kind: activity.Kind(v.Get("kind")), HostIDs: hosts, Title: v.Get("title"), Theme: v.Get("theme"),
		StartsAt: starts, EndsAt: ends, Place: v.Get("place"), OnlineLink: v.Get("online_link"),
		SpeakerName: v.Get("speaker_name"), SpeakerID: speaker, Agenda: v.Get("agenda"),
		IncludeDevelopment: v.Get("include_development") != "", IncludeNonMembers: v.Get("include_non_members") != "",
	}, errs
}

func (p *activities) updateActivity(w http.ResponseWriter, r *http.Request) {
	act, _, ok := p.activityFor(w, r, true)
	if !ok {
		return
	}
	v := readForm(w, r)
	f := form{"activity", v}
	if act.Status != activity.Planned {
		p.renderEdit(w, r, act, http.StatusConflict, nil, f)
		return
	}
	first := act.Hosts[0].OrgID
	in, errs := p.activityInput(r, v, first)
	if len(errs) > 0 {
		p.renderEdit(w, r, act, http.StatusUnprocessableEntity, errs, f)
		return
	}
	// The people invited by name are kept: this form does not list them.
	in.PersonIDs = act.PersonIDs
	if _, err := p.svc.Update(r.Context(), org.ScopeOf(caller(r), org.Manage), act.ID, in); err != nil {
		if fe, ok := formErrors(err); ok {
			p.renderEdit(w, r, act, http.StatusUnprocessableEntity, fe, f)
			return
		}
		p.problem(w, r, err)
		return
	}
	seeOther(w, r, fmt.Sprintf("/activities/%d", act.ID), "activity_saved")
}
