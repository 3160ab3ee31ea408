package crashtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// subject is one person the harness writes about, and what the server answered.
type subject struct {
	n        int
	name     string
	idNumber string
	personID int64
	acked    map[string]bool // kind → the server took it

	voterToken string // the API token of the subject's voter, once signed in
}

func newSubject(n int) *subject {
	return &subject{n: n, name: fmt.Sprintf("崩溃测试-%06d", n), idNumber: uniqueIDNumber(n), acked: map[string]bool{}}
}

// writeKind is one kind of write driven through the API. Every kind must be
// idempotent under retries — naturally (a unique ID number, a transition the rules
// allow once) or by an idempotency key — because a request whose answer was lost in a
// kill is sent again.
type writeKind struct {
	name string
	// send makes one attempt.
	send func(c *client, h *harness, s *subject) (*response, error)
	// accept reads a successful (2xx) answer into the subject, for the kinds after it.
	accept func(s *subject, r *response) error
	// count tells how many times the write is on the server. The harness asks it after
	// a refusal (was it taken by an attempt whose answer was lost?) and at the end
	// (exactly once?). It may fill in the subject, as accept would have.
	count func(c *client, h *harness, s *subject) (int, error)
	// total, when set, tells how many of the kind the server holds in all, for every
	// subject: at the end it must be the number of subjects, so that nothing was written
	// for no one.
	total func(c *client, h *harness) (int, error)
}

// writeKinds are the writes, in the order each subject goes through them. Later
// capabilities add theirs: sign-ins at an activity, opinions.
func writeKinds() []writeKind {
	return []writeKind{
		{
			// A person, with an ID number of their own: a retry of a create that was
			// taken is refused as "ID number taken", and the person is found by name.
			name: "create-person",
			send: func(c *client, h *harness, s *subject) (*response, error) {
				return c.do("POST", "/api/v1/people", map[string]any{
					"name": s.name, "id_number": s.idNumber, "phone": "13800000000", "org_id": h.orgID, "stage": "resident",
				})
			},
			accept: func(s *subject, r *response) error {
				var p struct {
					ID int64 `json:"id"`
				}
				if err := r.decode(&p); err != nil {
					return err
				}
				s.personID = p.ID
				return nil
			},
			count: func(c *client, h *harness, s *subject) (int, error) {
				r, err := c.do("GET", "/api/v1/people?org="+strconv.FormatInt(h.orgID, 10)+"&limit=500&q="+url.QueryEscape(s.name), nil)
				if err != nil {
					return 0, err
				}
				if r.status != http.StatusOK {
					return 0, fmt.Errorf("list people: status %d: %s", r.status, r.body)
				}
				var page struct {
					People []struct {
						ID   int64  `json:"id"`
						Name string `json:"name"`
					} `json:"people"`
				}
				if err := r.decode(&page); err != nil {
					return 0, err
				}
				n := 0
				for _, p := range page.People {
					if p.Name == s.name {
						n++
						s.personID = p.ID
					}
				}
				return n, nil
			},
		},
		transitionKind("advance-to-applicant", map[string]any{"kind": "advance", "to": "applicant", "on": "2024-03-01"},
			func(e event) bool { return e.Kind == "advance" && e.ToStage == "applicant" }),
		transitionKind("talk", map[string]any{"kind": "talk", "on": "2024-03-15"},
			func(e event) bool { return e.Kind == "talk" }),
		pointEventKind(),
		voteKind(),
		uploadKind(),
	}
}

// pointEventKind awards the subject points with an idempotency key: a retry whose first
// attempt was taken is answered "duplicate", and the ledger holds the award once.
func pointEventKind() writeKind {
	return writeKind{
		name: "point-event",
		send: func(c *client, h *harness, s *subject) (*response, error) {
			return c.do("POST", "/api/v1/points/events", map[string]any{"events": []any{map[string]any{
				"idempotency_key": "crash-" + strconv.Itoa(s.n), "person_id": s.personID, "rule": "manual-award",
				"points": 3, "note": "崩溃测试", "occurred_at": time.Now().Add(-time.Minute).UTC(),
			}}})
		},
		accept: func(s *subject, r *response) error {
			var ans struct {
				Results []struct {
					Status string          `json:"status"`
					Error  json.RawMessage `json:"error"`
				} `json:"results"`
			}
			if err := r.decode(&ans); err != nil {
				return err
			}
			if len(ans.Results) != 1 || (ans.Results[0].Status != "recorded" && ans.Results[0].Status != "duplicate") {
				return fmt.Errorf("point event answered %s", r.body)
			}
			return nil
		},
		count: func(c *client, h *harness, s *subject) (int, error) {
			r, err := c.do("GET", "/api/v1/people/"+strconv.FormatInt(s.personID, 10)+"/points", nil)
			if err != nil {
				return 0, err
			}
			if r.status != http.StatusOK {
				return 0, fmt.Errorf("points: status %d: %s", r.status, r.body)
			}
			var ledger struct {
				Total   int `json:"total"`
				Entries []struct {
					Rule string `json:"rule"`
				} `json:"entries"`
			}
			if err := r.decode(&ledger); err != nil {
				return 0, err
			}
			n := 0
			for _, e := range ledger.Entries {
				if e.Rule == "manual-award" {
					n++
				}
			}
			if ledger.Total != 3*n {
				return 0, fmt.Errorf("points: total %d for %d awards of 3", ledger.Total, n)
			}
			return n, nil
		},
	}
}

type event struct {
	Kind    string `json:"kind"`
	ToStage string `json:"to_stage"`
}

// transitionKind is a development step: allowed once, so a retry of one that was taken
// is refused by the rules, and the person's history shows it.
func transitionKind(name string, body map[string]any, match func(event) bool) writeKind {
	return writeKind{
		name: name,
		send: func(c *client, h *harness, s *subject) (*response, error) {
			return c.do("POST", "/api/v1/people/"+strconv.FormatInt(s.personID, 10)+"/transitions", body)
		},
		accept: func(*subject, *response) error { return nil },
		count: func(c *client, h *harness, s *subject) (int, error) {
			r, err := c.do("GET", "/api/v1/people/"+strconv.FormatInt(s.personID, 10), nil)
			if err != nil {
				return 0, err
			}
			if r.status != http.StatusOK {
				return 0, fmt.Errorf("read person %d: status %d: %s", s.personID, r.status, r.body)
			}
			var p struct {
				History []event `json:"history"`
			}
			if err := r.decode(&p); err != nil {
				return 0, err
			}
			n := 0
			for _, e := range p.History {
				if match(e) {
					n++
				}
			}
			return n, nil
		},
	}
}

// uniqueIDNumber returns a valid resident ID number (GB 11643-1999) of its own for
// every n: the birth date and the three-digit sequence encode n.
func uniqueIDNumber(n int) string {
	birth := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/1000)
	body := "330402" + birth.Format("20060102") + fmt.Sprintf("%03d", n%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}
