package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/consult"
	"vanguard/internal/i18n"
	"vanguard/internal/org"
	"vanguard/internal/server"
	"vanguard/internal/store"
)

// Deliberation over JSON. A topic the caller may not read answers 404, as one that does
// not exist. Taking part needs a person in the topic's audience while it is open: a
// refusal is 422 with its reason (consult.error.not_eligible, consult.error.closed…).
// Deciding needs Manage on the topic's organization: 403 without it.

type optionView struct {
	ID    int64  `json:"id"`
	Key   string `json:"key,omitempty"`
	Label string `json:"label"`
}

type topicView struct {
	ID          int64     `json:"id"`
	OrgID       int64     `json:"org_id"`
	OrgName     string    `json:"org_name"`
	Title       string    `json:"title"`
	VoteKind    string    `json:"vote_kind"`
	Eligibility string    `json:"eligibility"`
	Secret      bool      `json:"secret"`
	Results     string    `json:"results"`
	OpensAt     time.Time `json:"opens_at"`
	ClosesAt    time.Time `json:"closes_at"`
	Status      string    `json:"status"`
	Phase       string    `json:"phase"`
}

type topicSummary struct {
	topicView
	Opinions int  `json:"opinions"`
	Voters   int  `json:"voters"`
	Voted    bool `json:"voted"`
}

type countView struct {
	OptionID int64 `json:"option_id"`
	Votes    int   `json:"votes"`
}

type tallyView struct {
	Counts []countView `json:"counts"`
	Total  int         `json:"total"`
}

type voterView struct {
	Name     string `json:"name"`
	OptionID int64  `json:"option_id,omitempty"` // only on an open ballot whose results are shown
}

type opinionView struct {
	ID           int64      `json:"id"`
	PersonName   string     `json:"person_name"`
	ParentID     int64      `json:"parent_id,omitempty"`
	ReplyToName  string     `json:"reply_to_name,omitempty"`
	Stance       string     `json:"stance,omitempty"`
	OptionID     int64      `json:"option_id,omitempty"`
	Body         string     `json:"body"`
	CreatedAt    time.Time  `json:"created_at"`
	EditedAt     *time.Time `json:"edited_at,omitempty"`
	Hidden       bool       `json:"hidden"`
	HiddenReason string     `json:"hidden_reason,omitempty"`
}

type updateView struct {
	Body     string    `json:"body"`
	Done     bool      `json:"done"`
	PostedAt time.Time `json:"posted_at"`
}

type meetingView struct {
	Title   string `json:"title"`
	HeldOn  string `json:"held_on"`
	Minutes string `json:"minutes,omitempty"`
	URL     string `json:"url,omitempty"`
}

type topicDetail struct {
	topicView
	Background      string              `json:"background"`
	Options         []optionView        `json:"options"`
	Representatives []consult.PersonRef `json:"representatives,omitempty"`
	Decision        *consult.Decision   `json:"decision,omitempty"`
	Eligible        int                 `json:"eligible"`
	Voters          []voterView         `json:"voters"`
	Tally           *tallyView          `json:"tally,omitempty"` // absent while the results are not to be shown
	MyVote          *consult.Vote       `json:"my_vote,omitempty"`
	Opinions        []opinionView       `json:"opinions"`
	Updates         []updateView        `json:"updates"`
	Meetings        []meetingView       `json:"meetings"`
	CanTakePart     bool                `json:"can_take_part"`
	CanManage       bool                `json:"can_manage"`
}

func (h *Handlers) viewTopic(r *http.Request, t consult.Topic) topicView {
	name := t.OrgDisplayName(server.Lang(r))
	return topicView{ID: t.ID, OrgID: t.OrgID, OrgName: name, Title: t.Title, VoteKind: t.VoteKind, Eligibility: string(t.Eligibility),
		Secret: t.Secret, Results: string(t.Results), OpensAt: t.OpensAt.UTC(), ClosesAt: t.ClosesAt.UTC(), Status: string(t.Status),
		Phase: string(t.PhaseAt(h.topics.Now()))}
}

func viewOpinion(o consult.Opinion) opinionView {
	return opinionView{ID: o.ID, PersonName: o.PersonName, ParentID: o.ParentID, ReplyToName: o.ReplyToName, Stance: o.Stance,
		OptionID: o.OptionID, Body: o.Body, CreatedAt: o.CreatedAt.UTC(), EditedAt: o.EditedAt, Hidden: o.Hidden, HiddenReason: o.HiddenReason}
}

type topicPage struct {
	Topics []topicSummary `json:"topics"`
	Total  int            `json:"total"`
	page
}

// listTopics is GET /api/v1/topics: the topics the caller may read, newest first.
func (h *Handlers) listTopics(w http.ResponseWriter, r *http.Request) {
	a, _ := server.AccountFrom(r.Context())
	q := newQuery(r)
	f := consult.Filter{OrgID: q.id("org"), Status: consult.Status(q.str("status"))}
	if f.Status != "" && f.Status != consult.Open && f.Status != consult.Decided && f.Status != consult.Done {
		q.errs = append(q.errs, i18n.Invalid("status", "api.error.choice", "value", f.Status, "choices", "open, decided, done"))
	}
	p := q.page()
	f.Limit, f.Offset = p.Limit, p.Offset
	if err := q.err(); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	c, err := h.topics.CallerOf(r.Context(), a)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	list, total, err := h.topics.List(r.Context(), c, f)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	out := topicPage{Topics: make([]topicSummary, len(list)), Total: total, page: p}
	for i, s := range list {
		out.Topics[i] = topicSummary{topicView: h.viewTopic(r, s.Topic), Opinions: s.Opinions, Voters: s.Voters, Voted: s.Voted}
	}
	server.WriteJSON(w, http.StatusOK, out)
}

type topicRequest struct {
	OrgID           int64    `json:"org_id"`
	Title           string   `json:"title"`
	Background      string   `json:"background"`
	VoteKind        string   `json:"vote_kind"`
	Options         []string `json:"options"`
	Eligibility     string   `json:"eligibility"`
	Representatives []int64  `json:"representatives"`
	Secret          bool     `json:"secret"`
	Results         string   `json:"results"`
	OpensAt         string   `json:"opens_at"`
	ClosesAt        string   `json:"closes_at"`
}

// parseTime reads an RFC 3339 date and time (2026-03-01T09:00:00+08:00); empty is the
// zero time.
func parseTime(errs *i18n.Errors, field, v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		*errs = append(*errs, i18n.Invalid(field, "consult.error.datetime", "value", v))
		return time.Time{}
	}
	return t
}

// createTopic is POST /api/v1/topics: Manage on org_id. An organization or a
// representative outside the caller's View scope reads as one that does not exist.
func (h *Handlers) createTopic(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, _ := server.AccountFrom(ctx)
	var req topicRequest
	if err := server.ReadJSON(w, r, &req); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	var errs i18n.Errors
	n := consult.NewTopic{OrgID: req.OrgID, Title: req.Title, Background: req.Background, VoteKind: req.VoteKind, Options: req.Options,
		Eligibility: consult.Eligibility(req.Eligibility), Secret: req.Secret, Results: consult.Results(req.Results),
		OpensAt: parseTime(&errs, "opens_at", req.OpensAt), ClosesAt: parseTime(&errs, "closes_at", req.ClosesAt)}
	if req.OrgID != 0 {
		if ok, err := h.canView(ctx, a, req.OrgID); err != nil {
			Problem(h.srv, w, r, err)
			return
		} else if !ok {
			Problem(h.srv, w, r, i18n.Invalid("org_id", "consult.error.org"))
			return
		}
		if ok, err := h.orgs.Can(ctx, a, org.Manage, req.OrgID); err != nil || !ok {
			h.forbid(w, r, err)
			return
		}
	}
	for _, id := range req.Representatives {
		if ok, err := h.canSeePerson(ctx, a, id); err != nil {
			Problem(h.srv, w, r, err)
			return
		} else if !ok {
			errs = append(errs, i18n.Invalid("representatives", "consult.error.no_such_person", "id", id))
			continue
		}
		n.Representatives = append(n.Representatives, id)
	}
	if len(errs) > 0 {
		Problem(h.srv, w, r, errs)
		return
	}
	t, err := h.topics.Create(ctx, n)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/topics/"+strconv.FormatInt(t.ID, 10))
	h.writeTopic(w, r, http.StatusCreated, t)
}

// canSeePerson tells whether a person exists and the caller may see them.
func (h *Handlers) canSeePerson(ctx context.Context, a auth.Account, id int64) (bool, error) {
	p, err := h.people.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return h.people.CanSee(ctx, a, p)
}

// visibleTopic loads the topic of the path for a caller who may read it, answering 404
// otherwise.
func (h *Handlers) visibleTopic(w http.ResponseWriter, r *http.Request) (consult.Topic, consult.Caller, consult.Access, bool) {
	var c consult.Caller
	var acc consult.Access
	id, ok := pathID(r, "id")
	if !ok {
		notFound(w, r)
		return consult.Topic{}, c, acc, false
	}
	ctx := r.Context()
	a, _ := server.AccountFrom(ctx)
	t, err := h.topics.Get(ctx, id)
	if err != nil {
		Problem(h.srv, w, r, err)
		return t, c, acc, false
	}
	if c, err = h.topics.CallerOf(ctx, a); err != nil {
		Problem(h.srv, w, r, err)
		return t, c, acc, false
	}
	if acc, err = h.topics.AccessTo(ctx, c, t); err != nil {
		Problem(h.srv, w, r, err)
		return t, c, acc, false
	}
	if !acc.View {
		notFound(w, r)
		return t, c, acc, false
	}
	return t, c, acc, true
}

// getTopic is GET /api/v1/topics/{id}: the topic with its opinions, the participation
// and, when they are shown, the results. A secret ballot's individual votes are in no
// answer: the voters are listed by name only.
func (h *Handlers) getTopic(w http.ResponseWriter, r *http.Request) {
	t, _, _, ok := h.visibleTopic(w, r)
	if !ok {
		return
	}
	h.writeTopic(w, r, http.StatusOK, t)
}

func (h *Handlers) writeTopic(w http.ResponseWriter, r *http.Request, status int, t consult.Topic) {
	ctx := r.Context()
	a, _ := server.AccountFrom(ctx)
	c, err := h.topics.CallerOf(ctx, a)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	acc, err := h.topics.AccessTo(ctx, c, t)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	d, err := h.topics.Detail(ctx, c, t, acc)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	cat, lang := h.srv.Catalog(), server.Lang(r)
	out := topicDetail{topicView: h.viewTopic(r, t), Background: t.Background, Representatives: t.Representatives, Decision: t.Decision,
		Eligible: d.Eligible, MyVote: d.MyVote, CanTakePart: acc.TakePart, CanManage: acc.Manage,
		Options: []optionView{}, Voters: []voterView{}, Opinions: []opinionView{}, Updates: []updateView{}, Meetings: []meetingView{}}
	for _, o := range t.Options {
		out.Options = append(out.Options, optionView{ID: o.ID, Key: o.Key, Label: cat.T(lang, o.Text().Key, o.Text().Params)})
	}
	for _, v := range d.Voters {
		out.Voters = append(out.Voters, voterView(v))
	}
	if d.Tally != nil {
		out.Tally = &tallyView{Counts: []countView{}, Total: d.Tally.Total}
		for _, c := range d.Tally.Counts {
			out.Tally.Counts = append(out.Tally.Counts, countView{OptionID: c.Option.ID, Votes: c.Votes})
		}
	}
	for _, th := range d.Opinions {
		out.Opinions = append(out.Opinions, viewOpinion(th.Opinion))
		for _, rep := range th.Replies {
			out.Opinions = append(out.Opinions, viewOpinion(rep))
		}
	}
	for _, u := range d.Updates {
		out.Updates = append(out.Updates, updateView{Body: u.Body, Done: u.Done, PostedAt: u.PostedAt.UTC()})
	}
	for _, m := range d.Meetings {
		out.Meetings = append(out.Meetings, meetingView{Title: m.Title, HeldOn: dateOf(&m.HeldOn), Minutes: m.Minutes, URL: m.URL})
	}
	if out.Decision != nil && out.Decision.Conditions == nil {
		out.Decision.Conditions = []string{}
	}
	server.WriteJSON(w, status, out)
}

type opinionRequest struct {
	Stance   string `json:"stance"`
	OptionID int64  `json:"option_id"`
	Body     string `json:"body"`
	ReplyTo  int64  `json:"reply_to"`
}

// giveOpinion is POST /api/v1/topics/{id}/opinions: an opinion, or a reply with
// reply_to, from a person in the topic's audience while it is open.
func (h *Handlers) giveOpinion(w http.ResponseWriter, r *http.Request) {
	t, c, _, ok := h.visibleTopic(w, r)
	if !ok {
		return
	}
	var req opinionRequest
	if err := server.ReadJSON(w, r, &req); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	o, err := h.topics.Give(r.Context(), c, t.ID, consult.NewOpinion{Stance: strings.TrimSpace(req.Stance), OptionID: req.OptionID,
		Body: req.Body, ReplyTo: req.ReplyTo})
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusCreated, viewOpinion(o))
}

type voteRequest struct {
	OptionID int64 `json:"option_id"`
}

// castVote is PUT /api/v1/topics/{id}/vote: the caller's one vote, set or changed.
// Sending it again changes nothing but the time; it never counts twice.
func (h *Handlers) castVote(w http.ResponseWriter, r *http.Request) {
	t, c, _, ok := h.visibleTopic(w, r)
	if !ok {
		return
	}
	var req voteRequest
	if err := server.ReadJSON(w, r, &req); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	v, err := h.topics.Cast(r.Context(), c, t.ID, req.OptionID)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	server.WriteJSON(w, http.StatusOK, v)
}

type decisionRequest struct {
	Decision   string   `json:"decision"`
	Reasons    string   `json:"reasons"`
	Conditions []string `json:"conditions"`
	OptionID   int64    `json:"option_id"`
}

// decideTopic is POST /api/v1/topics/{id}/decision: Manage on the topic's organization.
// A vote still running closes now.
func (h *Handlers) decideTopic(w http.ResponseWriter, r *http.Request) {
	t, _, acc, ok := h.visibleTopic(w, r)
	if !ok {
		return
	}
	if !acc.Manage {
		h.srv.Forbidden(w, r)
		return
	}
	var req decisionRequest
	if err := server.ReadJSON(w, r, &req); err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	t, err := h.topics.Decide(r.Context(), t.ID, consult.NewDecision{Text: req.Decision, Reasons: req.Reasons,
		Conditions: req.Conditions, OptionID: req.OptionID})
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	h.writeTopic(w, r, http.StatusOK, t)
}
