package api_test

// Fuzzing of the API's JSON request decoding through the real handler — middleware,
// authentication, decoding, validation, the domain and the database: whatever the body
// of POST /api/v1/people or a transition, the answer is never a 500 and always JSON.
// The seed corpus is committed under testdata/fuzz/FuzzPeopleJSON; `go test` replays
// it on SQLite in the fuzz target and on both engines in TestPeopleJSONCorpus.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"vanguard/internal/app"
	"vanguard/internal/audit"
	"vanguard/internal/auth"
	"vanguard/internal/member"
	"vanguard/internal/org"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// jsonTarget is the application with an administrator's token, an organization and a
// resident whose development the transitions move.
type jsonTarget struct {
	handler  http.Handler
	token    string
	orgID    int64
	personID int64
}

func newJSONTarget(t testing.TB, db *store.DB) *jsonTarget {
	c := app.Config{DataDir: t.TempDir(), LogLevel: "error", LogFormat: "text"}
	a, err := app.New(c, db, app.NewLogger(c, io.Discard), auth.TestHashParams)
	if err != nil {
		t.Fatal(err)
	}
	ctx := audit.WithActor(context.Background(), audit.Actor{Name: "fuzz"})
	admin, err := a.Auth.CreateAccount(ctx, auth.NewAccount{Username: "fuzz", Password: "a long passphrase", IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := a.Auth.IssueToken(ctx, admin.ID, "fuzz")
	if err != nil {
		t.Fatal(err)
	}
	o, err := a.Orgs.Create(ctx, org.NewOrg{Kind: org.Committee, Name: "模糊测试党委"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.People.Create(ctx, member.NewPerson{Name: "模糊", IDNumber: idNumber("110105", "19900101", "123"), OrgID: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	return &jsonTarget{handler: a.Handler, token: token, orgID: o.ID, personID: p.ID}
}

// post sends body to people (or the resident's transitions) and checks the answer.
func (j *jsonTarget) post(t *testing.T, body []byte, transition bool) {
	t.Helper()
	path := "/api/v1/people"
	if transition {
		path = fmt.Sprintf("/api/v1/people/%d/transitions", j.personID)
	}
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+j.token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	j.handler.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("POST %s %q: status %d: %s", path, body, rec.Code, rec.Body)
	}
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") || !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("POST %s %q: status %d with a body that is not JSON: %q", path, body, rec.Code, rec.Body)
	}
}

func FuzzPeopleJSON(f *testing.F) {
	target := newJSONTarget(f, storetest.SQLite(f))
	f.Add([]byte(fmt.Sprintf(`{"name":"张三","org_id":%d}`, target.orgID)), false)
	f.Add([]byte(`{"kind":"advance","to":"applicant","on":"2024-03-01"}`), true)
	f.Fuzz(func(t *testing.T, body []byte, transition bool) {
		target.post(t, body, transition)
	})
}

// TestPeopleJSONCorpus replays the committed corpus on both engines: the fuzzer runs
// on SQLite, and PostgreSQL refuses what SQLite stores (a NUL character in a text).
func TestPeopleJSONCorpus(t *testing.T) {
	seeds := readCorpus(t, "FuzzPeopleJSON")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		target := newJSONTarget(t, db)
		for _, s := range seeds {
			target.post(t, s.body, s.transition)
		}
	})
}

type jsonSeed struct {
	body       []byte
	transition bool
}

// readCorpus reads the corpus files of a target with a ([]byte, bool) signature.
func readCorpus(t *testing.T, target string) []jsonSeed {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus for %s: %v", target, err)
	}
	var seeds []jsonSeed
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		var s jsonSeed
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "[]byte("):
				v, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(line, "[]byte("), ")"))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				s.body = []byte(v)
			case line == "bool(true)":
				s.transition = true
			}
		}
		f.Close()
		seeds = append(seeds, s)
	}
	return seeds
}
