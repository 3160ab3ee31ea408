package app_test

// The authorization walk's cases for deliberation, ideas and notices.
//
// The walk's fixed expectations give a person ("self", a member of the own organization)
// rights on their own organization's objects only. Eligibility by membership reaches
// down a subtree — a topic of the own organization's parent is put to self too — which
// internal/consult tests; here every topic is put to named representatives, the target
// relation's person, so that self takes part in the own organization's topic and no
// other. An opinion is edited by its author alone: the walk's "uploader" (manager) is
// given a person record, named on every topic of the edit case, and writes the opinion.
// That case comes last, after the lists, since it makes manager a participant in topics
// of every relation.
//
// Taking part without being in the audience is refused with 422 and its reason (a rule
// of the domain, like a closed window), so a reader who may not vote is "allowed" here
// in the walk's sense of reaching the route, and refused by its deliberately
// incomplete body first.

import (
	"fmt"
	"testing"
	"time"

	"vanguard/internal/consult"
	"vanguard/internal/idea"
)

var consultRouteCases = []routeCase{
	// Lists first: each request adds a topic and an idea of its relation, and the leak
	// check reads that nobody lists one outside their scope or audience.
	{pattern: "GET /topics", need: needSignedIn, path: "/topics", leaks: true, extra: topicFor},
	{pattern: "GET /api/v1/topics", need: needSignedIn, path: "/api/v1/topics", leaks: true, extra: topicFor},
	{pattern: "GET /ideas", need: needSignedIn, path: "/ideas", leaks: true, extra: publicIdeaFor},
	{pattern: "GET /api/v1/ideas", need: needSignedIn, path: "/api/v1/ideas", leaks: true, extra: publicIdeaFor},
	{pattern: "GET /notifications", need: needSignedIn, path: "/notifications", leaks: true},

	// Topics.
	{pattern: "GET /topics/{id}", need: needView, selfOK: true, path: "/topics/{topic}", extra: topicFor},
	{pattern: "POST /topics/{id}/opinions", need: needView, selfOK: true, path: "/topics/{topic}/opinions", form: "stance=for&body=", extra: topicFor},
	{pattern: "POST /topics/{id}/vote", need: needView, selfOK: true, path: "/topics/{topic}/vote", form: "option_id=", extra: topicFor},
	{pattern: "POST /topics/{id}/opinions/{opinion}/hide", need: needManage, path: "/topics/{topic}/opinions/{opinion}/hide", form: "reason=", extra: topicFor},
	{pattern: "POST /topics/{id}/decision", need: needManage, path: "/topics/{topic}/decision", form: "decision=", extra: topicFor},
	{pattern: "POST /topics/{id}/updates", need: needManage, path: "/topics/{topic}/updates", form: "body=", extra: topicFor},
	{pattern: "POST /topics/{id}/meetings", need: needManage, path: "/topics/{topic}/meetings", form: "title=", extra: topicFor},
	{pattern: "GET /orgs/{id}/topics", need: needView, path: "/orgs/{org}/topics"},
	{pattern: "POST /orgs/{id}/topics", need: needManage, path: "/orgs/{org}/topics", form: "title="},
	{pattern: "POST /api/v1/topics", need: needManage, path: "/api/v1/topics", form: `{"org_id":{org},"title":""}`, deniedField: "org_id"},
	{pattern: "GET /api/v1/topics/{id}", need: needView, selfOK: true, path: "/api/v1/topics/{topic}", extra: topicFor},
	{pattern: "POST /api/v1/topics/{id}/opinions", need: needView, selfOK: true, path: "/api/v1/topics/{topic}/opinions", form: `{"stance":"for","body":""}`, extra: topicFor},
	{pattern: "PUT /api/v1/topics/{id}/vote", need: needView, selfOK: true, path: "/api/v1/topics/{topic}/vote", form: `{"option_id":0}`, extra: topicFor},
	{pattern: "POST /api/v1/topics/{id}/decision", need: needManage, path: "/api/v1/topics/{topic}/decision", form: `{"decision":""}`, extra: topicFor},

	// Ideas: each request gets a fresh idea of the relation's person, not yet taken up,
	// which only its submitter and the organization's readers see.
	{pattern: "POST /ideas", need: needSignedIn, path: "/ideas", form: "title="},
	{pattern: "GET /ideas/{id}", need: needView, selfOK: true, path: "/ideas/{idea}", extra: ideaFor},
	{pattern: "POST /ideas/{id}/support", need: needView, selfOK: true, path: "/ideas/{idea}/support", extra: ideaFor},
	{pattern: "POST /ideas/{id}/review", need: needManage, path: "/ideas/{idea}/review", form: "status=", extra: ideaFor},
	{pattern: "GET /ideas/{id}/attachments/{file}", need: needView, selfOK: true, path: "/ideas/{idea}/attachments/{file}", extra: ideaFor},
	{pattern: "GET /orgs/{id}/ideas", need: needView, path: "/orgs/{org}/ideas"},
	{pattern: "GET /orgs/{id}/ideas.xlsx", need: needView, path: "/orgs/{org}/ideas.xlsx"},
	{pattern: "POST /api/v1/ideas", need: needSignedIn, path: "/api/v1/ideas", form: `{"title":""}`},
	{pattern: "POST /api/v1/ideas/{id}/review", need: needManage, path: "/api/v1/ideas/{idea}/review", form: `{"status":""}`, extra: ideaFor},

	// Last: the author alone edits an opinion.
	{pattern: "POST /topics/{id}/opinions/{opinion}/edit", need: needUploader, path: "/topics/{topic}/opinions/{opinion}/edit", form: "body=", extra: editorsOpinion},
}

// newTopic puts an open proposal to the representatives, hosted by the relation's
// organization, with an opinion of the first representative.
func newTopic(t *testing.T, f *fixture, rel string, representatives ...int64) (consult.Topic, consult.Opinion) {
	t.Helper()
	app := f.env.App
	tp, err := app.Consult.Create(f.ctx, consult.NewTopic{OrgID: f.orgs[rel].ID, Title: "TOPIC", VoteKind: "proposal",
		Eligibility: consult.Representatives, Representatives: representatives, Results: consult.ResultsLive,
		OpensAt: time.Now().Add(-time.Hour), ClosesAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatalf("topic of %s: %v", rel, err)
	}
	author, err := app.People.Get(f.ctx, representatives[0])
	if err != nil {
		t.Fatal(err)
	}
	op, err := app.Consult.Give(f.ctx, consult.Caller{Person: &author}, tp.ID, consult.NewOpinion{Stance: consult.StanceFor, Body: "OPINION"})
	if err != nil {
		t.Fatalf("opinion of %s: %v", rel, err)
	}
	return tp, op
}

func topicFor(t *testing.T, f *fixture, rel string) map[string]string {
	tp, op := newTopic(t, f, rel, f.people[rel].ID)
	return map[string]string{"{topic}": fmt.Sprint(tp.ID), "{opinion}": fmt.Sprint(op.ID)}
}

// editorsOpinion is a topic of the relation's organization with an opinion of the
// manager account's person.
func editorsOpinion(t *testing.T, f *fixture, rel string) map[string]string {
	app := f.env.App
	editor, err := app.People.ByAccount(f.ctx, f.accounts[f.uploader].ID)
	if err != nil {
		// A full member of the own organization, as self is: whatever other domains let
		// such a person do, the walk already expects of self, and manager holds the
		// roles that cover it.
		editor = f.member(t, f.orgs["own"].ID, "EDITOR")
		if err := app.People.LinkAccount(f.ctx, f.env.DB, editor.ID, f.accounts[f.uploader].ID); err != nil {
			t.Fatal(err)
		}
	}
	tp, op := newTopic(t, f, rel, editor.ID, f.people[rel].ID)
	return map[string]string{"{topic}": fmt.Sprint(tp.ID), "{opinion}": fmt.Sprint(op.ID)}
}

// newIdea submits an idea of the relation's person on its organization's board, with
// an attachment.
func newIdea(t *testing.T, f *fixture, rel string) idea.Idea {
	t.Helper()
	p := f.people[rel]
	i, err := f.env.App.Ideas.Submit(f.ctx, idea.Caller{Person: &p}, idea.NewIdea{Title: "IDEA", Proposal: "PROPOSAL", Category: "other",
		Files: []idea.NewFile{{Filename: "note.txt", Content: []byte("NOTE")}}})
	if err != nil {
		t.Fatalf("idea of %s: %v", rel, err)
	}
	return i
}

func ideaFor(t *testing.T, f *fixture, rel string) map[string]string {
	i := newIdea(t, f, rel)
	return map[string]string{"{idea}": fmt.Sprint(i.ID), "{file}": fmt.Sprint(i.Attachments[0].ID)}
}

// publicIdeaFor is an idea taken up for review, which the organization's people read.
func publicIdeaFor(t *testing.T, f *fixture, rel string) map[string]string {
	i := newIdea(t, f, rel)
	if _, err := f.env.App.Ideas.Review(f.ctx, i.ID, idea.UnderReview, ""); err != nil {
		t.Fatal(err)
	}
	return nil
}
