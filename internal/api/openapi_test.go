package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"vanguard/internal/api"
	"vanguard/internal/app/apptest"
	"vanguard/internal/auth"
	"vanguard/internal/server"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

// loadDoc reads and validates the document the server serves.
func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	data, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI 3 document: %v", err)
	}
	return doc
}

// checker sends requests through a client and validates every answer against the
// document: the route must be described, the status documented, the headers and the
// body as the schema says. It remembers which statuses of which operations were seen.
type checker struct {
	t      *testing.T
	base   string
	router routers.Router
	seen   map[string]map[string]bool // "METHOD /path/{template}" → statuses seen
}

func newChecker(t *testing.T, doc *openapi3.T, base string) *checker {
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	return &checker{t: t, base: base, router: router, seen: map[string]map[string]bool{}}
}

// do sends a request and checks its answer against the document and want.
func (ck *checker) do(c *apptest.Client, method, target string, body []byte, header http.Header, want int) *apptest.Response {
	ck.t.Helper()
	if header == nil {
		header = http.Header{}
	}
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	resp := c.Do(method, target, reader, header)
	if resp.Status != want {
		ck.t.Errorf("%s %s = %d, want %d: %s", method, target, resp.Status, want, resp.Body)
	}

	// The same request again, as kin-openapi sees it.
	req, err := http.NewRequest(method, ck.base+target, bytes.NewReader(body))
	if err != nil {
		ck.t.Fatal(err)
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	route, params, err := ck.router.FindRoute(req)
	if err != nil {
		ck.t.Errorf("%s %s is not in the document: %v", method, target, err)
		return resp
	}
	key := method + " " + route.Path
	if ck.seen[key] == nil {
		ck.seen[key] = map[string]bool{}
	}
	ck.seen[key][strconv.Itoa(resp.Status)] = true

	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	// A request the server accepted must be one the document allows; the refused ones
	// are refused on purpose and need not be.
	if resp.Status < 300 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			ck.t.Errorf("%s %s: the request the server accepted does not match the document: %v", method, target, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.Status, Header: resp.Header,
		Body:    io.NopCloser(strings.NewReader(resp.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		ck.t.Errorf("%s %s → %d does not match the document: %v\nbody: %s", method, target, resp.Status, err, resp.Body)
	}
	return resp
}

func (ck *checker) get(c *apptest.Client, target string, want int) *apptest.Response {
	ck.t.Helper()
	return ck.do(c, "GET", target, nil, nil, want)
}

// json sends v as a JSON body (nil for none).
func (ck *checker) json(c *apptest.Client, method, target string, v any, want int) *apptest.Response {
	ck.t.Helper()
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			ck.t.Fatal(err)
		}
	}
	return ck.do(c, method, target, body, http.Header{"Content-Type": {"application/json"}}, want)
}

// upload sends a file as the multipart field "file".
func (ck *checker) upload(c *apptest.Client, target, filename string, content []byte, want int) *apptest.Response {
	ck.t.Helper()
	body, contentType := multipartFile(ck.t, filename, content)
	return ck.do(c, "POST", target, body, http.Header{"Content-Type": {contentType}}, want)
}

func multipartFile(t testing.TB, filename string, content []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// covered fails for every documented operation and status that was never seen.
func (ck *checker) covered(doc *openapi3.T) {
	ck.t.Helper()
	for _, p := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(p).Operations() {
			key := method + " " + p
			if ck.seen[key] == nil {
				ck.t.Errorf("%s (%s) was never exercised", key, op.OperationID)
				continue
			}
			for status := range op.Responses.Map() {
				if !ck.seen[key][status] {
					ck.t.Errorf("%s (%s): the documented %s answer was never seen", key, op.OperationID, status)
				}
			}
		}
	}
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadDoc(t)
	for _, name := range []string{"Org", "Person", "Post", "Event", "Step", "Preview", "Error"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("the document has no %s schema", name)
		}
	}
	if doc.Components.SecuritySchemes["bearerAuth"] == nil {
		t.Error("the document has no bearer security scheme")
	}
}

// Every /api/v1 route Register puts on the server is in the document with the access it
// declares, and the document describes no operation the API does not serve.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc := loadDoc(t)
	srv := server.New(server.Options{})
	api.Register(srv, api.Deps{})
	table := map[string]api.Route{}
	for _, rt := range api.Routes() {
		table[rt.Pattern] = rt
	}
	served := map[string]bool{}
	for _, reg := range srv.Routes() {
		if _, p, _ := strings.Cut(reg.Pattern, " "); !strings.HasPrefix(p, "/api/v1/") {
			continue
		}
		rt, ok := table[reg.Pattern]
		if !ok {
			t.Errorf("%s is registered outside api.Routes", reg.Pattern)
			continue
		}
		for _, operation := range rt.Operations() {
			method, p, _ := strings.Cut(operation, " ")
			served[method+" "+p] = true
			item := doc.Paths.Value(p)
			var op *openapi3.Operation
			if item != nil {
				op = item.GetOperation(method)
			}
			if op == nil {
				t.Errorf("%s is served but not in openapi.json", operation)
				continue
			}
			public := op.Security != nil && len(*op.Security) == 0
			if public != (reg.Access == server.Public) {
				t.Errorf("%s: the document says public=%v, the route's access is %v", operation, public, reg.Access)
			}
		}
	}
	if len(served) == 0 {
		t.Fatal("Register put no /api/v1 route on the server")
	}
	for _, p := range doc.Paths.InMatchingOrder() {
		for method := range doc.Paths.Value(p).Operations() {
			if !served[method+" "+p] {
				t.Errorf("openapi.json describes %s %s, which the API does not serve", method, p)
			}
		}
	}
}

func TestOpenAPIIsServed(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{})
	r := env.Client(t).Get("/api/openapi.json")
	want, _ := os.ReadFile("openapi.json")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || r.Body != string(want) {
		t.Fatalf("GET /api/openapi.json = %d %s, %d bytes", r.Status, r.Header.Get("Content-Type"), len(r.Body))
	}
}

// TestOpenAPIMatchesTheServer drives every operation of the document, with its success
// and its error answers, against the real server on both engines, and validates each
// answer against the document.
func TestOpenAPIMatchesTheServer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		doc := loadDoc(t)
		f := newFixture(t, db)
		ck := newChecker(t, doc, f.env.URL)
		anon := f.anonymous

		// Tokens and the caller.
		r := ck.json(f.manager, "POST", "/api/v1/tokens", map[string]string{"username": "manager", "password": testPassword, "name": "spare"}, 201)
		var spare struct{ ID int64 }
		r.Decode(t, &spare)
		ck.json(anon, "POST", "/api/v1/tokens", map[string]string{"username": "manager"}, 422)
		ck.json(anon, "POST", "/api/v1/tokens", map[string]string{"username": "manager", "password": "not the password"}, 401)
		ck.get(f.manager, "/api/v1/tokens", 200)
		ck.get(anon, "/api/v1/tokens", 401)
		ck.json(f.manager, "DELETE", "/api/v1/tokens/"+id(spare.ID), nil, 204)
		ck.json(f.manager, "DELETE", "/api/v1/tokens/"+id(spare.ID), nil, 404)
		ck.json(anon, "DELETE", "/api/v1/tokens/"+id(spare.ID), nil, 401)
		ck.get(f.manager, "/api/v1/me", 200)
		ck.get(anon, "/api/v1/me", 401)

		// Organizations.
		ck.get(f.manager, "/api/v1/orgs", 200)
		ck.get(f.admin, "/api/v1/orgs?limit=1&offset=1", 200)
		ck.get(f.manager, path("/api/v1/orgs?parent=%d", f.committee.ID), 200)
		ck.get(f.manager, "/api/v1/orgs?q="+"支部", 200)
		ck.get(f.manager, path("/api/v1/orgs?parent=%d", f.otherCommittee.ID), 404)
		ck.get(f.manager, "/api/v1/orgs?limit=501", 422)
		ck.get(anon, "/api/v1/orgs", 401)
		ck.json(f.chief, "POST", "/api/v1/orgs", map[string]any{"parent_id": f.branch.ID, "kind": "group", "name": "第一党小组", "name_en": "Group One", "code": "G001"}, 201)
		ck.json(f.admin, "POST", "/api/v1/orgs", map[string]any{"kind": "committee", "name": "新区党工委"}, 201)
		ck.json(f.manager, "POST", "/api/v1/orgs", map[string]any{"parent_id": f.committee.ID, "kind": "branch", "name": "第三党支部"}, 403)
		ck.json(f.chief, "POST", "/api/v1/orgs", map[string]any{"parent_id": f.committee.ID, "kind": "group", "name": "小组"}, 422)
		ck.json(anon, "POST", "/api/v1/orgs", map[string]any{"kind": "committee", "name": "x"}, 401)
		ck.get(f.viewer, path("/api/v1/orgs/%d", f.branch.ID), 200)
		ck.get(f.manager, path("/api/v1/orgs/%d", f.committee.ID), 200)
		ck.get(f.outsider, path("/api/v1/orgs/%d", f.branch.ID), 404)
		ck.get(anon, path("/api/v1/orgs/%d", f.branch.ID), 401)
		ck.get(f.manager, path("/api/v1/orgs/%d/people?subtree=true&stage=full&stage=probationary&limit=10", f.committee.ID), 200)
		ck.get(f.outsider, path("/api/v1/orgs/%d/people", f.branch.ID), 404)
		ck.get(f.manager, path("/api/v1/orgs/%d/people?stage=member", f.branch.ID), 422)
		ck.get(anon, path("/api/v1/orgs/%d/people", f.branch.ID), 401)

		// People.
		ck.get(f.viewer, path("/api/v1/people?org=%d&q=%s", f.branch.ID, "张"), 200)
		ck.get(f.viewer, path("/api/v1/people?org=%d", f.committee.ID), 404)
		ck.get(f.viewer, "/api/v1/people", 422)
		ck.get(anon, path("/api/v1/people?org=%d", f.branch.ID), 401)
		newcomer := map[string]any{"name": "周八", "id_number": idNumber("330402", "19880808", "031"), "birth_date": "1988-08-08",
			"phone": "13500004444", "org_id": f.branch2.ID, "stage": "applicant", "note": "由 API 录入"}
		ck.json(f.manager, "POST", "/api/v1/people", newcomer, 201)
		ck.json(f.viewer, "POST", "/api/v1/people", map[string]any{"name": "周九", "org_id": f.branch.ID}, 403)
		ck.json(f.manager, "POST", "/api/v1/people", map[string]any{"name": "周九", "org_id": f.branch.ID, "birth_date": "1988-02-30"}, 422)
		ck.json(anon, "POST", "/api/v1/people", newcomer, 401)
		ck.get(f.viewer, path("/api/v1/people/%d", f.member.ID), 200)
		ck.get(f.self, path("/api/v1/people/%d", f.member.ID), 200)
		ck.get(f.manager, path("/api/v1/people/%d?reveal=true", f.probationer.ID), 200)
		ck.get(f.viewer, path("/api/v1/people/%d?reveal=true", f.member.ID), 403)
		ck.get(f.outsider, path("/api/v1/people/%d", f.member.ID), 404)
		ck.get(f.manager, path("/api/v1/people/%d?reveal=perhaps", f.member.ID), 422)
		ck.get(anon, path("/api/v1/people/%d", f.member.ID), 401)
		today := f.today.Format("2006-01-02")
		ck.json(f.manager, "POST", path("/api/v1/people/%d/transitions", f.resident.ID),
			map[string]any{"kind": "advance", "to": "applicant", "on": today, "documents": "入党申请书"}, 200)
		ck.json(f.manager, "POST", path("/api/v1/people/%d/transitions", f.activist.ID),
			map[string]any{"kind": "advance", "to": "candidate", "on": today}, 422)
		ck.json(f.viewer, "POST", path("/api/v1/people/%d/transitions", f.activist.ID),
			map[string]any{"kind": "advance", "to": "candidate", "on": today}, 403)
		ck.json(f.outsider, "POST", path("/api/v1/people/%d/transitions", f.activist.ID),
			map[string]any{"kind": "advance", "to": "candidate", "on": today}, 404)
		ck.json(anon, "POST", path("/api/v1/people/%d/transitions", f.activist.ID), map[string]any{"kind": "talk", "on": today}, 401)

		// Roster import, at once and previewed.
		good := rosterCSV(t, [][2]string{{"吴一", idNumber("330402", "19700101", "011")}, {"郑二", idNumber("330402", "19710202", "022")}})
		bad := rosterCSV(t, [][2]string{{"钱三", idNumber("330402", "19720303", "033")}, {"冯四", wrongCheck(idNumber("330402", "19730404", "044"))}})
		ck.upload(f.manager, "/api/v1/people/import", "roster.csv", bad, 422)
		ck.upload(f.manager, "/api/v1/people/import", "roster.csv", good, 200)
		ck.upload(f.viewer, "/api/v1/people/import", "roster.csv", good, 403)
		ck.upload(anon, "/api/v1/people/import", "roster.csv", good, 401)
		again := rosterCSV(t, [][2]string{{"钱三", idNumber("330402", "19720303", "033")}})
		r = ck.upload(f.manager, "/api/v1/people/import?dry_run=true", "roster.csv", again, 201)
		var preview struct {
			UploadID int64 `json:"upload_id"`
		}
		r.Decode(t, &preview)
		ck.json(f.chief, "POST", path("/api/v1/people/import/%d", preview.UploadID), nil, 404)
		ck.json(f.manager, "POST", path("/api/v1/people/import/%d", preview.UploadID), nil, 200)
		ck.json(f.manager, "POST", path("/api/v1/people/import/%d", preview.UploadID), nil, 422)
		ck.json(anon, "POST", path("/api/v1/people/import/%d", preview.UploadID), nil, 401)

		consultOpenAPICases(t, f, ck)
		activityOpenAPICases(t, f, ck)
		learningOpenAPICases(t, f, ck)
		pointsOpenAPICases(t, f, ck)
		articleOpenAPICases(t, f, ck)
		evaluationOpenAPICases(t, f, ck)
		reportOpenAPICases(t, f, ck)
		dashboardOpenAPICases(t, f, ck)

		// Last, as they lock the address out of issuing tokens: an account with the demo
		// password outside demo mode, and throttling.
		hash, err := auth.HashPassword(auth.DemoPassword, auth.TestHashParams)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(context.Background(), `UPDATE accounts SET password_hash = $1 WHERE username = 'outsider'`, hash); err != nil {
			t.Fatal(err)
		}
		ck.json(anon, "POST", "/api/v1/tokens", map[string]string{"username": "outsider", "password": auth.DemoPassword}, 403)
		for range 4 {
			ck.json(anon, "POST", "/api/v1/tokens", map[string]string{"username": "viewer", "password": "not the password"}, 401)
		}
		ck.json(anon, "POST", "/api/v1/tokens", map[string]string{"username": "viewer", "password": testPassword}, 429)

		ck.covered(doc)
	})
}

// rosterCSV is a roster of people joining 第一党支部 (code B001) as full members.
func rosterCSV(t testing.TB, people [][2]string) []byte {
	t.Helper()
	var b strings.Builder
	b.WriteString("姓名,身份证号,手机号码,组织代码,人员类别,入党时间\n")
	for i, p := range people {
		b.WriteString(p[0] + "," + p[1] + ",1380000" + strconv.Itoa(1000+i) + ",B001,正式党员,2015-07-01\n")
	}
	return []byte(b.String())
}
