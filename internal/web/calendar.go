package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/org"
	"vanguard/internal/server"
	"vanguard/internal/store"
)

// iCalendar feeds (RFC 5545): an organization's planned activities for its readers, and
// each person's own activities at a private address their phone's calendar subscribes
// to without a session.

// icsEscape escapes a TEXT value.
func icsEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// icsFold writes one content line, folded at 75 octets without splitting a character.
func icsFold(b *strings.Builder, line string) {
	for len(line) > 75 {
		cut := 75
		for cut > 0 && line[cut]&0xC0 == 0x80 {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}

func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// writeICS answers a feed of activities named name.
func writeICS(w http.ResponseWriter, r *http.Request, name string, list []activity.Activity) {
	var b strings.Builder
	for _, l := range []string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Vanguard//Organizational life//ZH", "CALSCALE:GREGORIAN",
		"METHOD:PUBLISH", "X-WR-CALNAME:" + icsEscape(name), "X-WR-TIMEZONE:Asia/Shanghai"} {
		icsFold(&b, l)
	}
	now := icsTime(time.Now())
	for _, a := range list {
		icsFold(&b, "BEGIN:VEVENT")
		icsFold(&b, fmt.Sprintf("UID:activity-%d@%s", a.ID, r.Host))
		icsFold(&b, "DTSTAMP:"+now)
		icsFold(&b, "DTSTART:"+icsTime(a.StartsAt))
		icsFold(&b, "DTEND:"+icsTime(a.EndsAt))
		icsFold(&b, "SUMMARY:"+icsEscape(a.Title))
		if loc := a.Place; loc != "" || a.OnlineLink != "" {
			if loc == "" {
				loc = a.OnlineLink
			}
			icsFold(&b, "LOCATION:"+icsEscape(loc))
		}
		desc := a.Theme
		if a.Agenda != "" {
			desc = strings.TrimSpace(desc + "\n" + a.Agenda)
		}
		if desc != "" {
			icsFold(&b, "DESCRIPTION:"+icsEscape(desc))
		}
		if a.Status == activity.Cancelled {
			icsFold(&b, "STATUS:CANCELLED")
		} else {
			icsFold(&b, "STATUS:CONFIRMED")
		}
		icsFold(&b, "END:VEVENT")
	}
	icsFold(&b, "END:VCALENDAR")
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.Write([]byte(b.String()))
}

// orgCalendar is the feed of an organization's planned activities, from a month back
// to a year ahead.
func (p *activities) orgCalendar(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.View)
	if !ok {
		return
	}
	now := time.Now()
	list, err := p.svc.List(r.Context(), org.ScopeOf(caller(r), org.View), activity.Filter{OrgID: o.ID,
		From: now.AddDate(0, -1, 0), To: now.AddDate(1, 0, 0), Status: activity.Planned, Limit: activity.MaxPage})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	writeICS(w, r, o.DisplayName(server.Lang(r)), list)
}

// personalCalendar is a person's private feed, found by its token alone: an unknown or
// revoked token is not found.
func (p *activities) personalCalendar(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok {
		p.notFound(w, r)
		return
	}
	personID, err := p.svc.FeedPerson(r.Context(), token)
	if err != nil {
		p.problem(w, r, err)
		return
	}
	now := time.Now()
	invs, err := p.svc.ForPerson(r.Context(), personID, now.AddDate(0, -3, 0), now.AddDate(1, 0, 0))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	list := make([]activity.Activity, 0, len(invs))
	for _, inv := range invs {
		list = append(list, inv.Activity)
	}
	writeICS(w, r, p.srv.Catalog().T(server.Lang(r), "activitypages.ical.mine", nil), list)
}

type feedData struct {
	NoPerson bool // the account is not linked to a person: there is nothing to subscribe to
	Has      bool
	URL      string // shown once, right after it is issued
}

// myCalendar shows whether the caller has a private feed, and lets them issue one.
func (p *activities) myCalendar(w http.ResponseWriter, r *http.Request) {
	person, err := p.people.ByAccount(r.Context(), caller(r).ID)
	if errors.Is(err, store.ErrNotFound) {
		p.render(w, r, http.StatusOK, "activity_feed", p.page(r, "activitypages.ical.mine", feedData{NoPerson: true}))
		return
	} else if err != nil {
		p.fail(w, r, err)
		return
	}
	has, err := p.svc.HasFeed(r.Context(), person.ID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "activity_feed", p.page(r, "activitypages.ical.mine", feedData{Has: has}))
}

// issueCalendar makes a new private address, revoking the old one, and shows it once.
func (p *activities) issueCalendar(w http.ResponseWriter, r *http.Request) {
	person, err := p.people.ByAccount(r.Context(), caller(r).ID)
	if errors.Is(err, store.ErrNotFound) {
		p.render(w, r, http.StatusUnprocessableEntity, "activity_feed", p.page(r, "activitypages.ical.mine", feedData{NoPerson: true}))
		return
	} else if err != nil {
		p.fail(w, r, err)
		return
	}
	token, err := p.svc.IssueFeedToken(r.Context(), person.ID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	u := scheme + "://" + r.Host + "/calendar/" + token + ".ics"
	p.render(w, r, http.StatusOK, "activity_feed", p.page(r, "activitypages.ical.mine", feedData{Has: true, URL: u}))
}
