package activity_test

// The helpers of the tests: one environment per test database, with a clock the test
// moves, the services the activity service builds on, and a small tree.

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"vanguard/internal/activity"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/i18n"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/store"
)

// clock is a time the test sets; the services read it from many goroutines.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

type env struct {
	t        *testing.T
	ctx      context.Context
	db       *store.DB
	clock    *clock
	orgs     *org.Service
	people   *member.Service
	accounts *auth.Service
	svc      *activity.Service
	admin    org.Scope // the system administrator's Manage scope
}

// t0 is the tests' "now" unless they move the clock: a Monday morning in Beijing.
var t0 = time.Date(2025, 3, 10, 9, 0, 0, 0, beijing)

var beijing = time.FixedZone("CST", 8*60*60)

func newEnv(t *testing.T, db *store.DB) *env {
	c := &clock{t: t0}
	orgs := org.New(db)
	return &env{
		t: t, ctx: context.Background(), db: db, clock: c, orgs: orgs,
		people:   member.New(db, orgs),
		accounts: auth.New(db, auth.Options{Hash: auth.TestHashParams}),
		svc:      activity.New(db, activity.Options{Now: c.Now}),
		admin:    org.ScopeOf(auth.Account{ID: 1, IsAdmin: true}, org.Manage),
	}
}

func (e *env) org(parent int64, kind org.Kind, name string) org.Org {
	e.t.Helper()
	o, err := e.orgs.Create(e.ctx, org.NewOrg{ParentID: parent, Kind: kind, Name: name})
	if err != nil {
		e.t.Fatalf("create org %s: %v", name, err)
	}
	return o
}

func (e *env) orgInUnit(parent int64, kind org.Kind, name string, unit int64) org.Org {
	e.t.Helper()
	o, err := e.orgs.Create(e.ctx, org.NewOrg{ParentID: parent, Kind: kind, Name: name, UnitID: unit})
	if err != nil {
		e.t.Fatalf("create org %s: %v", name, err)
	}
	return o
}

func (e *env) person(orgID int64, name string, stage member.Stage) member.Person {
	e.t.Helper()
	n := member.NewPerson{Name: name, OrgID: orgID, Stage: stage}
	if stage.IsMember() {
		n.JoinedAt = time.Date(2010, 7, 1, 0, 0, 0, 0, time.UTC)
	}
	p, err := e.people.Create(e.ctx, n)
	if err != nil {
		e.t.Fatalf("create person %s: %v", name, err)
	}
	return p
}

func (e *env) full(orgID int64, name string) member.Person {
	e.t.Helper()
	return e.person(orgID, name, member.StageFull)
}

// manager makes an account with the manager role on orgIDs and returns its scope.
func (e *env) manager(username string, orgIDs ...int64) org.Scope {
	e.t.Helper()
	return org.ScopeOf(e.account(username, orgIDs...), org.Manage)
}

// account makes an account with the manager role on orgIDs.
func (e *env) account(username string, orgIDs ...int64) auth.Account {
	e.t.Helper()
	a, err := e.accounts.CreateAccount(e.ctx, auth.NewAccount{Username: username, Password: "long enough password"})
	if err != nil {
		e.t.Fatalf("create account %s: %v", username, err)
	}
	for _, id := range orgIDs {
		if err := e.orgs.GrantRole(e.ctx, e.db, a.ID, id, org.RoleManager); err != nil {
			e.t.Fatalf("grant: %v", err)
		}
	}
	return a
}

// meeting is a valid input: a general meeting of the hosts, tomorrow from 14:30 to 16:00.
func meeting(hosts ...int64) activity.Input {
	start := time.Date(2025, 3, 11, 14, 30, 0, 0, beijing)
	return activity.Input{
		Kind: activity.GeneralMeeting, HostIDs: hosts, Title: "支部党员大会", Theme: "学习贯彻会议精神",
		StartsAt: start, EndsAt: start.Add(90 * time.Minute), Place: "三楼会议室", SpeakerName: "书记", Agenda: "一、传达\n二、讨论",
	}
}

func (e *env) create(in activity.Input) activity.Activity {
	e.t.Helper()
	a, err := e.svc.Create(e.ctx, e.admin, in)
	if err != nil {
		e.t.Fatalf("create activity: %v", err)
	}
	return a
}

func (e *env) move(id int64, to activity.Status) activity.Activity {
	e.t.Helper()
	a, err := e.svc.Move(e.ctx, e.admin, id, to, "")
	if err != nil {
		e.t.Fatalf("move %d to %s: %v", id, to, err)
	}
	return a
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, query, args...).Scan(&n); err != nil {
		e.t.Fatalf("count %q: %v", query, err)
	}
	return n
}

// presences maps person id to attendance status.
func (e *env) presences(id int64) map[int64]activity.Presence {
	e.t.Helper()
	list, err := e.svc.Attendees(e.ctx, id)
	if err != nil {
		e.t.Fatalf("attendees: %v", err)
	}
	m := map[int64]activity.Presence{}
	for _, a := range list {
		m[a.PersonID] = a.Presence
	}
	return m
}

// snapshot is every row the service writes, to prove a refused call changed nothing.
func (e *env) snapshot() string {
	e.t.Helper()
	rows, err := e.db.QueryContext(e.ctx, `SELECT 'a' || id || status || COALESCE(quorum_present, -1) FROM activities
		UNION ALL SELECT 'x' || activity_id || ':' || person_id || status || method || leave_state || leave_reason FROM attendance
		UNION ALL SELECT 'e' || COUNT(*) FROM activity_status_events
		UNION ALL SELECT 'l' || COUNT(*) FROM audit_log
		ORDER BY 1`)
	if err != nil {
		e.t.Fatalf("snapshot: %v", err)
	}
	defer rows.Close()
	out := ""
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			e.t.Fatal(err)
		}
		out += s + "\n"
	}
	return out
}

// errKeys lists the catalog keys of a person-facing error, in order; nil for any other.
func errKeys(err error) []string {
	var list i18n.Errors
	if errors.As(err, &list) {
		out := make([]string, len(list))
		for i, e := range list {
			out[i] = e.Key
		}
		return out
	}
	var one *i18n.Error
	if errors.As(err, &one) {
		return []string{one.Key}
	}
	return nil
}

// errOf returns the single person-facing error of err, or nil.
func errOf(err error) *i18n.Error {
	var one *i18n.Error
	if errors.As(err, &one) {
		return one
	}
	var list i18n.Errors
	if errors.As(err, &list) && len(list) == 1 {
		return list[0]
	}
	return nil
}

// asActor runs as a named account, for the audit log.
func asActor(ctx context.Context, name string) context.Context {
	return audit.WithActor(ctx, audit.Actor{Name: name})
}
