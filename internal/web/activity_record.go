package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"vanguard/internal/activity"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// The record of an activity: minutes and resolutions while it is open, amendments with a
// reason once it is locked, follow-up tasks and their progress.

// lines splits a textarea into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (p *activities) saveRecord(w http.ResponseWriter, r *http.Request) {
	act, _, ok := p.activityFor(w, r, true)
	if !ok {
		return
	}
	v := readForm(w, r)
	sc := org.ScopeOf(caller(r), org.Manage)
	var err error
	if v.Get("amend") != "" {
		minutes := v.Get("minutes")
		_, err = p.svc.Amend(r.Context(), sc, act.ID, activity.Change{Minutes: &minutes, Resolutions: lines(v.Get("resolutions")), Reason: v.Get("reason")})
	} else {
		_, err = p.svc.SaveRecord(r.Context(), sc, act.ID, v.Get("minutes"), lines(v.Get("resolutions")))
	}
	if !p.after(w, r, err, "record", v) {
		return
	}
	seeOther(w, r, fmt.Sprintf("/activities/%d", act.ID), "activity_saved")
}

func (p *activities) addTask(w http.ResponseWriter, r *http.Request) {
	act, _, ok := p.activityFor(w, r, true)
	if !ok {
		return
	}
	v := readForm(w, r)
	owner, e1 := formInt(v, "owner_id")
	due, e2 := formDate(v, "due_on", true)
	var errs []*i18n.Error
	for _, e := range []*i18n.Error{e1, e2} {
		if e != nil {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		p.renderActivity(w, r, http.StatusUnprocessableEntity, "", errs, form{"task", v})
		return
	}
	_, err := p.svc.AddTask(r.Context(), org.ScopeOf(caller(r), org.Manage), act.ID,
		activity.NewTask{Title: v.Get("title"), OwnerID: owner, DueOn: due, Reason: v.Get("reason")})
	if !p.after(w, r, err, "task", v) {
		return
	}
	seeOther(w, r, fmt.Sprintf("/activities/%d", act.ID), "activity_saved")
}

// taskProgress adds a line of progress to a task: by a manager of a host of its activity,
// or by its owner.
func (p *activities) taskProgress(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		p.notFound(w, r)
		return
	}
	ctx, a := r.Context(), caller(r)
	task, err := p.svc.Task(ctx, id)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	view, err := p.svc.InScope(ctx, org.ScopeOf(a, org.View), task.ActivityID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	manage := false
	if view {
		if manage, err = p.svc.InScope(ctx, org.ScopeOf(a, org.Manage), task.ActivityID); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	owner := false
	person, err := p.people.ByAccount(ctx, a.ID)
	if err == nil {
		owner = person.ID == task.OwnerID
	} else if !errors.Is(err, store.ErrNotFound) {
		p.fail(w, r, err)
		return
	}
	switch {
	case !view && !owner:
		p.notFound(w, r)
		return
	case !manage && !owner:
		p.srv.Forbidden(w, r)
		return
	}
	v := readForm(w, r)
	closeIt := v.Get("close") != ""
	if manage {
		_, err = p.svc.Progress(ctx, org.ScopeOf(a, org.Manage), id, v.Get("note"), closeIt)
	} else {
		_, err = p.svc.OwnerProgress(ctx, person.ID, id, v.Get("note"), closeIt)
	}
	if err != nil {
		if errors.Is(err, activity.ErrForbidden) {
			p.srv.Forbidden(w, r)
			return
		}
		if fe, ok := formErrors(err); ok {
			r.SetPathValue("id", fmt.Sprint(task.ActivityID))
			p.renderActivity(w, r, http.StatusUnprocessableEntity, "", fe, form{"progress", v})
			return
		}
		p.problem(w, r, err)
		return
	}
	seeOther(w, r, fmt.Sprintf("/activities/%d", task.ActivityID), "activity_saved")
}
