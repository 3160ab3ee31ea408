package web

// The pages of deliberation (围炉议事), ideas (金点子) and notices. A topic or an idea is
// read by whoever consult.AccessTo or idea.AccessTo lets read it — View on its
// organization, or taking part as a person — and anything else answers the not-found
// page, as access.go says. Taking part (an opinion, a vote, a support) needs a person in
// the audience; a caller who may read but not take part is told why with 422, as a rule
// of the domain (the audience, the window) rather than a right. Moderating, deciding and
// reviewing need Manage on the organization, and answer 403 without it.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/consult"
	"vanguard/internal/i18n"
	"vanguard/internal/idea"
	"vanguard/internal/notify"
	"vanguard/internal/org"
	"vanguard/internal/server"
)

// participation serves the pages of topics, ideas and notices.
type participation struct {
	*Handlers
	topics  *consult.Service
	ideas   *idea.Service
	notices *notify.Service
}

// registerParticipation adds the pages of deliberation, ideas and notices, each with
// the right it needs written beside it.
func (h *Handlers) registerParticipation(srv *server.Server, d Deps) {
	p := &participation{Handlers: h, topics: d.Consult, ideas: d.Ideas, notices: d.Notify}
	if d.Notify != nil {
		h.unread = d.Notify.Unread
	}
	// Deliberation.
	srv.HandleFunc("GET /topics", server.SignedIn, p.topicList)                                 // topics the caller may read
	srv.HandleFunc("GET /topics/{id}", server.SignedIn, p.topicPage)                            // View on its org, or in its audience
	srv.HandleFunc("POST /topics/{id}/opinions", server.SignedIn, p.giveOpinion)                // in its audience, while open
	srv.HandleFunc("POST /topics/{id}/opinions/{opinion}/edit", server.SignedIn, p.editOpinion) // the opinion's author, while open
	srv.HandleFunc("POST /topics/{id}/opinions/{opinion}/hide", server.SignedIn, p.hideOpinion) // Manage on its org
	srv.HandleFunc("POST /topics/{id}/vote", server.SignedIn, p.vote)                           // in its audience, while open
	srv.HandleFunc("POST /topics/{id}/decision", server.SignedIn, p.decide)                     // Manage on its org
	srv.HandleFunc("POST /topics/{id}/updates", server.SignedIn, p.postUpdate)                  // Manage on its org
	srv.HandleFunc("POST /topics/{id}/meetings", server.SignedIn, p.linkMeeting)                // Manage on its org
	srv.HandleFunc("GET /orgs/{id}/topics", server.SignedIn, p.topicDashboard)                  // View on {id}
	srv.HandleFunc("POST /orgs/{id}/topics", server.SignedIn, p.createTopic)                    // Manage on {id}; representatives in View scope
	srv.HandleFunc("GET /ideas", server.SignedIn, p.ideaBoard)                                  // ideas the caller may read
	srv.HandleFunc("POST /ideas", server.SignedIn, p.submitIdea)                                // a person, on their org's board or one above
	srv.HandleFunc("GET /ideas/{id}", server.SignedIn, p.ideaPage)                              // View on its org, its submitter, or its org's people once public
	srv.HandleFunc("POST /ideas/{id}/support", server.SignedIn, p.supportIdea)                  // a person who reads it, not its submitter
	srv.HandleFunc("POST /ideas/{id}/review", server.SignedIn, p.reviewIdea)                    // Manage on its org
	srv.HandleFunc("GET /ideas/{id}/attachments/{file}", server.SignedIn, p.ideaFile)           // as GET /ideas/{id}
	srv.HandleFunc("GET /orgs/{id}/ideas", server.SignedIn, p.orgIdeas)                         // View on {id}
	srv.HandleFunc("GET /orgs/{id}/ideas.xlsx", server.SignedIn, p.exportIdeas)                 // View on {id}
	srv.HandleFunc("GET /notifications", server.SignedIn, p.notifications)                      // the caller's own
}

// topicFor loads the topic of the path for a caller who may read it; otherwise it
// answers the not-found page and returns false.
func (p *participation) topicFor(w http.ResponseWriter, r *http.Request) (consult.Topic, consult.Caller, consult.Access, bool) {
	var c consult.Caller
	var acc consult.Access
	id, ok := pathID(r, "id")
	if !ok {
		p.notFound(w, r)
		return consult.Topic{}, c, acc, false
	}
	ctx := r.Context()
	t, err := p.topics.Get(ctx, id)
	if err != nil {
		p.problem(w, r, err)
		return t, c, acc, false
	}
	if c, err = p.topics.CallerOf(ctx, caller(r)); err != nil {
		p.fail(w, r, err)
		return t, c, acc, false
	}
	if acc, err = p.topics.AccessTo(ctx, c, t); err != nil {
		p.fail(w, r, err)
		return t, c, acc, false
	}
	if !acc.View {
		p.notFound(w, r)
		return t, c, acc, false
	}
	return t, c, acc, true
}

type topicListData struct {
	Topics     []consult.Summary
	Total      int
	Now        time.Time
	Dashboards []org.Org // the roots of the caller's scope, for organizers
}

func (p *participation) topicList(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), caller(r)
	c, err := p.topics.CallerOf(ctx, a)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := topicListData{Now: p.topics.Now()}
	if d.Topics, d.Total, err = p.topics.List(ctx, c, consult.Filter{Limit: 100}); err != nil {
		p.fail(w, r, err)
		return
	}
	if d.Dashboards, err = p.orgs.Roots(ctx, a); err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "consult_list", p.page(r, "consult.list.title", d))
}

type topicPageData struct {
	consult.Detail
	MyPerson int64 // the caller's person, 0 for none
	Stances  []string
	Today    string
	Form     form
}

// Option finds an option of the topic by id, for the template.
func (d topicPageData) Option(id int64) consult.Option {
	o, _ := d.Topic.Option(id)
	return o
}

// Mine tells whether an opinion is the caller's.
func (d topicPageData) Mine(o consult.Opinion) bool {
	return d.MyPerson != 0 && o.PersonID == d.MyPerson
}

// CanTalk tells whether the caller may give opinions and vote now.
func (d topicPageData) CanTalk() bool { return d.Access.TakePart && d.Phase == consult.PhaseOpen }

// CanDecide tells whether the organizer's decision form is offered.
func (d topicPageData) CanDecide() bool {
	return d.Access.Manage && d.Topic.Status == consult.Open
}

// opinionView is an opinion with the page it is on, for the opinion template.
type opinionView struct {
	Opinion consult.Opinion
	Page    topicPageData
}

// View pairs an opinion with the page, for the opinion template.
func (d topicPageData) View(o consult.Opinion) opinionView { return opinionView{Opinion: o, Page: d} }

// Percent is a count's share of the votes cast.
func (d topicPageData) Percent(n int) int {
	if d.Tally == nil || d.Tally.Total == 0 {
		return 0
	}
	return n * 100 / d.Tally.Total
}

func (p *participation) topicPage(w http.ResponseWriter, r *http.Request) {
	t, c, acc, ok := p.topicFor(w, r)
	if !ok {
		return
	}
	p.renderTopic(w, r, t, c, acc, http.StatusOK, p.doneFlash(r), nil, form{})
}

func (p *participation) renderTopic(w http.ResponseWriter, r *http.Request, t consult.Topic, c consult.Caller, acc consult.Access,
	status int, flash string, errs []*i18n.Error, f form) {
	detail, err := p.topics.Detail(r.Context(), c, t, acc)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d := topicPageData{Detail: detail, Stances: consult.Stances(), Today: p.today(), Form: f}
	if c.Person != nil {
		d.MyPerson = c.Person.ID
	}
	pg := p.page(r, "consult.topic.title", d)
	pg.Flash, pg.Errors = flash, errs
	p.render(w, r, status, "consult_topic", pg)
}

// topicFailed answers a refused write from the topic page: a person-facing error
// re-renders the page with it, a missing row is not found, another opinion's author
// is forbidden, anything else a failure. It returns false when err is nil.
func (p *participation) topicFailed(w http.ResponseWriter, r *http.Request, t consult.Topic, c consult.Caller, acc consult.Access,
	name string, v url.Values, err error) bool {
	if err == nil {
		return false
	}
	if errs, ok := formErrors(err); ok {
		p.renderTopic(w, r, t, c, acc, http.StatusUnprocessableEntity, "", errs, form{name, v})
		return true
	}
	if errors.Is(err, consult.ErrNotYours) {
		p.srv.Forbidden(w, r)
		return true
	}
	p.problem(w, r, err)
	return true
}

// stanceOf reads the stance field: for, against, neutral, or option:<id>.
func stanceOf(v string) (string, int64) {
	if rest, ok := strings.CutPrefix(v, consult.StanceOption+":"); ok {
		id, _ := strconv.ParseInt(rest, 10, 64)
		return consult.StanceOption, id
	}
	return strings.TrimSpace(v), 0
}

func (p *participation) giveOpinion(w http.ResponseWriter, r *http.Request) {
	t, c, acc, ok := p.topicFor(w, r)
	if !ok {
		return
	}
	v := readForm(w, r)
	stance, option := stanceOf(v.Get("stance"))
	replyTo, ferr := formInt(v, "reply_to")
	name := "opinion"
	if replyTo != 0 {
		name = "reply-" + strconv.FormatInt(replyTo, 10)
	}
	if p.topicFailed(w, r, t, c, acc, name, v, errOf(ferr)) {
		return
	}
	op, err := p.topics.Give(r.Context(), c, t.ID, consult.NewOpinion{Stance: stance, OptionID: option, Body: v.Get("body"), ReplyTo: replyTo})
	if p.topicFailed(w, r, t, c, acc, name, v, err) {
		return
	}
	seeOtherAt(w, r, topicPath(t.ID), "opinion_given", fmt.Sprintf("opinion-%d", op.ID))
}

// opinionID reads the path's {opinion}; a malformed one is not found.
func (p *participation) opinionID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, ok := pathID(r, "opinion")
	if !ok {
		p.notFound(w, r)
	}
	return id, ok
}

func (p *participation) editOpinion(w http.ResponseWriter, r *http.Request) {
	t, c, acc, ok := p.topicFor(w, r)
	if !ok {
		return
	}
	id, ok := p.opinionID(w, r)
	if !ok {
		return
	}
	v := readForm(w, r)
	stance, option := stanceOf(v.Get("stance"))
	_, err := p.topics.Edit(r.Context(), c, t.ID, id, consult.NewOpinion{Stance: stance, OptionID: option, Body: v.Get("body")})
	if p.topicFailed(w, r, t, c, acc, fmt.Sprintf("edit-%d", id), v, err) {
		return
	}
	seeOtherAt(w, r, topicPath(t.ID), "opinion_edited", fmt.Sprintf("opinion-%d", id))
}

func (p *participation) hideOpinion(w http.ResponseWriter, r *http.Request) {
	t, c, acc, ok := p.topicFor(w, r)
	if !ok {
		return
	}
	if !acc.Manage {
		p.srv.Forbidden(w, r)
		return
	}
	id, ok := p.opinionID(w, r)
	if !ok {
		return
	}
	v := readForm(w, r)
	err := p.topics.Hide(r.Context(), t.ID, id, v.Get("reason"))
	if p.topicFailed(w, r, t, c, acc, fmt.Sprintf("hide-%d", id), v, err) {
		return
	}
	seeOtherAt(w, r, topicPath(t.ID), "opinion_hidden", fmt.Sprintf("opinion-%d", id))
}

func (p *participation) vote(w http.ResponseWriter, r *http.Request) {
	t, c, acc, ok := p.topicFor(w, r)
	if !ok {
		return
	}
	v := readForm(w, r)
	option, ferr := formInt(v, "option_id")
	if p.topicFailed(w, r, t, c, acc, "vote", v, errOf(ferr)) {
		return
	}
	_, err := p.topics.Cast(r.Context(), c, t.ID, option)
	if p.topicFailed(w, r, t, c, acc, "vote", v, err) {
		return
	}
	seeOtherAt(w, r, topicPath(t.ID), "voted", "vote")
}

func (p *participation) decide(w http.ResponseWriter, r *http.Request) {
	t, c, acc, ok := p.topicFor(w, r)
	if !ok {
		return
	}
	if !acc.Manage {
		p.srv.Forbidden(w, r)
		return
	}
	v := readForm(w, r)
	option, ferr := formInt(v, "option_id")
	if p.topicFailed(w, r, t, c, acc, "decision", v, errOf(ferr)) {
		return
	}
	_, err := p.topics.Decide(r.Context(), t.ID, consult.NewDecision{Text: v.Get("decision"), Reasons: v.Get("reasons"),
		Conditions: consult.SplitLines(v.Get("conditions")), OptionID: option})
	if p.topicFailed(w, r, t, c, acc, "decision", v, err) {
		return
	}
	seeOtherAt(w, r, topicPath(t.ID), "topic_decided", "decision")
}

func (p *participation) postUpdate(w http.ResponseWriter, r *http.Request) {
	t, c, acc, ok := p.topicFor(w, r)
	if !ok {
		return
	}
	if !acc.Manage {
		p.srv.Forbidden(w, r)
		return
	}
	v := readForm(w, r)
	err := p.topics.AddUpdate(r.Context(), t.ID, v.Get("body"), v.Get("done") != "")
	if p.topicFailed(w, r, t, c, acc, "update", v, err) {
		return
	}
	seeOtherAt(w, r, topicPath(t.ID), "topic_update", "updates")
}

func (p *participation) linkMeeting(w http.ResponseWriter, r *http.Request) {
	t, c, acc, ok := p.topicFor(w, r)
	if !ok {
		return
	}
	if !acc.Manage {
		p.srv.Forbidden(w, r)
		return
	}
	v := readForm(w, r)
	on, ferr := formDate(v, "held_on", true)
	if p.topicFailed(w, r, t, c, acc, "meeting", v, errOf(ferr)) {
		return
	}
	err := p.topics.AddMeeting(r.Context(), t.ID, consult.NewMeeting{Title: v.Get("title"), HeldOn: on, Minutes: v.Get("minutes"), URL: v.Get("url")})
	if p.topicFailed(w, r, t, c, acc, "meeting", v, err) {
		return
	}
	seeOtherAt(w, r, topicPath(t.ID), "topic_meeting", "meetings")
}

type dashboardRow struct {
	consult.Summary
	Phase    consult.Phase
	Eligible int
}

type dashboardData struct {
	Org           org.Org
	Rights        rights
	Rows          []dashboardRow
	Total         int
	Kinds         []consult.VoteKind
	Eligibilities []consult.Eligibility
	ResultsModes  []consult.Results
	OpensAt       string
	ClosesAt      string
	Form          form
}

// topicDashboard is the organizer's view of an organization's topics: where each
// stands, how many took part, what is left to decide or follow up.
func (p *participation) topicDashboard(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.View)
	if !ok {
		return
	}
	p.renderDashboard(w, r, o, http.StatusOK, p.doneFlash(r), nil, form{})
}

// datetimeLocal is the layout of an <input type="datetime-local">, read in China time.
const datetimeLocal = "2006-01-02T15:04"

func (p *participation) renderDashboard(w http.ResponseWriter, r *http.Request, o org.Org, status int, flash string, errs []*i18n.Error, f form) {
	ctx, a := r.Context(), caller(r)
	c, err := p.topics.CallerOf(ctx, a)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	now := p.topics.Now()
	d := dashboardData{Org: o, Eligibilities: consult.Eligibilities(), ResultsModes: consult.ResultsModes(), Form: f,
		OpensAt:  now.Truncate(time.Hour).Add(time.Hour).In(displayZone).Format(datetimeLocal),
		ClosesAt: now.Truncate(time.Hour).Add(time.Hour + 7*24*time.Hour).In(displayZone).Format(datetimeLocal)}
	if d.Rights, err = p.rightsOn(ctx, a, o.ID); err != nil {
		p.fail(w, r, err)
		return
	}
	list, total, err := p.topics.List(ctx, c, consult.Filter{OrgID: o.ID, Limit: 200})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d.Total = total
	for _, s := range list {
		row := dashboardRow{Summary: s, Phase: s.PhaseAt(now)}
		if row.Eligible, err = p.topics.EligibleCount(ctx, s.ID); err != nil {
			p.fail(w, r, err)
			return
		}
		d.Rows = append(d.Rows, row)
	}
	if d.Kinds, err = p.topics.VoteKinds(ctx); err != nil {
		p.fail(w, r, err)
		return
	}
	pg := p.page(r, "consult.dashboard.title", d)
	pg.Flash, pg.Errors = flash, errs
	p.render(w, r, status, "consult_dashboard", pg)
}

func (p *participation) createTopic(w http.ResponseWriter, r *http.Request) {
	o, ok := p.orgFor(w, r, org.Manage)
	if !ok {
		return
	}
	v := readForm(w, r)
	n, errs := p.topicForm(r.Context(), caller(r), v)
	n.OrgID = o.ID
	var err error
	if len(errs) > 0 {
		err = errs
	} else {
		var t consult.Topic
		if t, err = p.topics.Create(r.Context(), n); err == nil {
			seeOther(w, r, topicPath(t.ID), "topic_created")
			return
		}
	}
	if fe, ok := formErrors(err); ok {
		p.renderDashboard(w, r, o, http.StatusUnprocessableEntity, "", fe, form{"topic", v})
		return
	}
	p.fail(w, r, err)
}

// topicForm reads the form of a new topic. Representatives are named by their person
// numbers; one the caller may not see reads as one that does not exist.
func (p *participation) topicForm(ctx context.Context, a auth.Account, v url.Values) (consult.NewTopic, i18n.Errors) {
	n := consult.NewTopic{Title: v.Get("title"), Background: v.Get("background"), VoteKind: v.Get("vote_kind"),
		Options: consult.SplitLines(v.Get("options")), Eligibility: consult.Eligibility(v.Get("eligibility")),
		Secret: v.Get("secret") != "", Results: consult.Results(v.Get("results"))}
	var errs i18n.Errors
	for _, field := range []string{"opens_at", "closes_at"} {
		s := strings.TrimSpace(v.Get(field))
		if s == "" {
			continue // the service names a missing time
		}
		at, err := time.ParseInLocation(datetimeLocal, s, displayZone)
		if err != nil {
			errs = append(errs, i18n.Invalid(field, "consult.error.datetime", "value", s))
			continue
		}
		if field == "opens_at" {
			n.OpensAt = at
		} else {
			n.ClosesAt = at
		}
	}
	if n.Eligibility == consult.Representatives {
		for _, word := range strings.FieldsFunc(v.Get("representatives"), func(r rune) bool {
			return r == ',' || r == '，' || r == '、' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
		}) {
			id, err := strconv.ParseInt(word, 10, 64)
			if err != nil || id <= 0 {
				errs = append(errs, i18n.Invalid("representatives", "pages.error.number", "value", word))
				continue
			}
			person, err := p.people.Get(ctx, id)
			visible := err == nil
			if visible {
				if visible, err = p.people.CanSee(ctx, a, person); err != nil {
					return n, append(errs, i18n.Invalid("representatives", "error.internal"))
				}
			}
			if !visible {
				errs = append(errs, i18n.Invalid("representatives", "consult.error.no_such_person", "id", id))
				continue
			}
			n.Representatives = append(n.Representatives, id)
		}
	}
	return n, errs
}

func topicPath(id int64) string { return "/topics/" + strconv.FormatInt(id, 10) }

// seeOtherAt is seeOther to a place on the page: the opinion just given, the vote.
func seeOtherAt(w http.ResponseWriter, r *http.Request, path, done, anchor string) {
	if done != "" {
		path += "?done=" + url.QueryEscape(done)
	}
	http.Redirect(w, r, path+"#"+anchor, http.StatusSeeOther)
}
