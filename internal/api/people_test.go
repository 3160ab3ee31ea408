package api_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"vanguard/internal/app/apptest"
	"vanguard/internal/audit"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

type personJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Gender    string `json:"gender"`
	BirthDate string `json:"birth_date"`
	IDNumber  string `json:"id_number"`
	Phone     string `json:"phone"`
	OrgID     int64  `json:"org_id"`
	Stage     string `json:"stage"`
	JoinedAt  string `json:"joined_at"`
	Masked    bool   `json:"masked"`
	NextStep  *struct {
		Key     string `json:"key"`
		Message string `json:"message"`
		Due     string `json:"due"`
		Overdue bool   `json:"overdue"`
	} `json:"next_step"`
	History []struct {
		Kind      string `json:"kind"`
		ToStage   string `json:"to_stage"`
		On        string `json:"on"`
		Documents string `json:"documents"`
	} `json:"history"`
}

type rosterJSON struct {
	People []personJSON `json:"people"`
	Total  int          `json:"total"`
	Limit  int          `json:"limit"`
	Offset int          `json:"offset"`
}

func (r rosterJSON) names() []string {
	var out []string
	for _, p := range r.People {
		out = append(out, p.Name)
	}
	return out
}

func TestRosterIsScopedAndMasked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var l rosterJSON
		r := f.manager.Get(path("/api/v1/orgs/%d/people", f.branch.ID))
		r.Decode(t, &l)
		if r.Status != 200 || !slices.Equal(l.names(), []string{"张三", "王五", "李四"}) || l.Total != 3 || l.Limit != 50 {
			t.Fatalf("branch roster = %d %s", r.Status, r.Body)
		}
		// A manager may reveal one person on record, but a list is masked for everyone.
		for _, p := range l.People {
			if !p.Masked || !strings.Contains(p.IDNumber, "*") || !strings.Contains(p.Phone, "*") {
				t.Errorf("%s is not masked in the list: %+v", p.Name, p)
			}
		}
		for _, secret := range []string{f.member.IDNumber, f.member.Phone, f.probationer.IDNumber, f.activist.Phone} {
			if strings.Contains(r.Body, secret) {
				t.Errorf("the list shows %s", secret)
			}
		}
		if l.People[0].IDNumber != "330402********123"+f.member.IDNumber[17:] || l.People[0].Phone != "138****5678" {
			t.Errorf("masked as %s %s", l.People[0].IDNumber, l.People[0].Phone)
		}

		// The same roster by query, filtered and paged.
		byQuery := f.manager.Get(path("/api/v1/people?org=%d", f.branch.ID))
		if byQuery.Body != r.Body {
			t.Errorf("by query = %s\nby path = %s", byQuery.Body, r.Body)
		}
		f.manager.Get(path("/api/v1/orgs/%d/people?subtree=true", f.committee.ID)).Decode(t, &l)
		if l.Total != 4 {
			t.Errorf("committee subtree = %v (%d)", l.names(), l.Total)
		}
		f.manager.Get(path("/api/v1/people?org=%d&subtree=1&stage=full&stage=probationary", f.committee.ID)).Decode(t, &l)
		if !slices.Equal(l.names(), []string{"张三", "王五"}) {
			t.Errorf("members of the subtree = %v", l.names())
		}
		f.manager.Get(path("/api/v1/people?org=%d&q=%s", f.branch.ID, url.QueryEscape("李"))).Decode(t, &l)
		if !slices.Equal(l.names(), []string{"李四"}) {
			t.Errorf("search = %v", l.names())
		}
		f.manager.Get(path("/api/v1/people?org=%d&limit=1&offset=1", f.branch.ID)).Decode(t, &l)
		if !slices.Equal(l.names(), []string{"王五"}) || l.Total != 3 || l.Limit != 1 || l.Offset != 1 {
			t.Errorf("page 2 of 1 = %v total %d", l.names(), l.Total)
		}

		// Out of scope reads as missing: another tree, a sibling branch, and the person's
		// own account, which sees its record but not the roster.
		for name, c := range map[string]struct {
			client *apptest.Client
			org    int64
		}{
			"outsider": {f.outsider, f.branch.ID}, "viewer of a sibling": {f.viewer, f.branch2.ID}, "self": {f.self, f.branch.ID},
			"no such organization": {f.admin, 999999},
		} {
			if r := c.client.Get(path("/api/v1/orgs/%d/people", c.org)); r.Status != http.StatusNotFound {
				t.Errorf("%s = %d %s, want 404", name, r.Status, r.Body)
			}
		}
		var e apiProblem
		r = f.manager.Get("/api/v1/people?stage=member&limit=0")
		r.Decode(t, &e)
		got := []string{}
		for _, d := range e.Details {
			got = append(got, d.Field+":"+d.Error)
		}
		if want := []string{"org:error.required", "stage:api.error.choice", "limit:api.error.range"}; r.Status != 422 || !slices.Equal(got, want) {
			t.Errorf("bad query = %d %v, want %v", r.Status, got, want)
		}
		if r := f.anonymous.Get(path("/api/v1/people?org=%d", f.branch.ID)); r.Status != http.StatusUnauthorized {
			t.Errorf("anonymous = %d", r.Status)
		}
	})
}

func TestRevealIsOnRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		reveals := func() []audit.Entry {
			t.Helper()
			entries, err := audit.For(ctx, db, "person", f.member.ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			var out []audit.Entry
			for _, e := range entries {
				if e.Action == "reveal" {
					out = append(out, e)
				}
			}
			return out
		}
		target := path("/api/v1/people/%d", f.member.ID)
		var p personJSON

		for name, c := range map[string]*apptest.Client{"viewer": f.viewer, "manager": f.manager} {
			c.Get(target).Decode(t, &p)
			if !p.Masked || p.IDNumber == f.member.IDNumber || p.Phone != "138****5678" {
				t.Errorf("%s without reveal sees %+v", name, p)
			}
		}
		var e apiProblem
		r := f.viewer.Get(target + "?reveal=true")
		r.Decode(t, &e)
		if r.Status != http.StatusForbidden || e.Error != "error.forbidden" {
			t.Errorf("viewer revealing = %d %s, want 403", r.Status, r.Body)
		}
		// The person sees their own record whole, and nothing is recorded.
		f.self.Get(target).Decode(t, &p)
		if p.Masked || p.IDNumber != f.member.IDNumber || p.Phone != "13812345678" {
			t.Errorf("self sees %+v", p)
		}
		if got := reveals(); len(got) != 0 {
			t.Fatalf("reveals before the manager's: %+v", got)
		}

		r = f.manager.Get(target + "?reveal=true")
		r.Decode(t, &p)
		if r.Status != 200 || p.Masked || p.IDNumber != f.member.IDNumber || p.Phone != "13812345678" {
			t.Fatalf("manager revealing = %d %s", r.Status, r.Body)
		}
		got := reveals()
		if len(got) != 1 || got[0].Actor != "manager" || got[0].AccountID == 0 || !strings.Contains(got[0].After, "id_number") {
			t.Fatalf("audit after the reveal = %+v", got)
		}

		// Outside the scope, a person is exactly as missing as one who does not exist.
		outside := f.outsider.Get(target + "?reveal=true")
		missing := f.outsider.Get("/api/v1/people/999999")
		if outside.Status != http.StatusNotFound || outside.Body != missing.Body {
			t.Errorf("out of scope = %d %s; missing = %d %s", outside.Status, outside.Body, missing.Status, missing.Body)
		}
		if len(reveals()) != 1 {
			t.Error("a refused reveal was recorded")
		}
	})
}

func TestPersonShowsNextStepAndHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var p personJSON
		f.viewer.Get(path("/api/v1/people/%d", f.probationer.ID)).Decode(t, &p)
		// Admitted (and, entering as a member, approved) two months ago: the branch
		// decides on full membership when the year of probation ends.
		due := f.joined.AddDate(1, 0, 0).Format("2006-01-02")
		if p.NextStep == nil || p.NextStep.Key != "development.step.confirm" || p.NextStep.Due != due || p.NextStep.Overdue || p.NextStep.Message == "" {
			t.Errorf("next step = %+v, want the confirmation due %s", p.NextStep, due)
		}
		if len(p.History) != 1 || p.History[0].Kind != "create" || p.History[0].ToStage != "probationary" {
			t.Errorf("history = %+v", p.History)
		}
		p = personJSON{}
		f.viewer.Get(path("/api/v1/people/%d", f.member.ID)).Decode(t, &p)
		if p.NextStep != nil || p.JoinedAt != "2010-07-01" || p.BirthDate != "1985-03-15" || p.Gender != "male" {
			t.Errorf("a full member = %+v", p)
		}
	})
}

func TestTransitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		today := f.today.Format("2006-01-02")
		activist := path("/api/v1/people/%d/transitions", f.activist.ID)

		// Refused: the activist has not been one for a year and has no contact member.
		var e apiProblem
		r := f.manager.JSON("POST", activist, map[string]any{"kind": "advance", "to": "candidate", "on": today})
		r.Decode(t, &e)
		if r.Status != http.StatusUnprocessableEntity || !slices.Equal(e.keys(), []string{"development.rule.activist_year", "development.rule.contacts"}) {
			t.Fatalf("early advance = %d %s", r.Status, r.Body)
		}
		year, contacts := e.Details[0], e.Details[1]
		if ready := f.today.AddDate(1, 0, 0).Format("2006-01-02"); year.Field != "on" || year.Params["date"] != ready || year.Params["since"] != today || year.Params["months"] != float64(12) {
			t.Errorf("activist_year = %+v, want the date %s", year, ready)
		}
		if contacts.Params["count"] != float64(0) || contacts.Params["min"] != float64(1) || contacts.Params["max"] != float64(2) {
			t.Errorf("contacts params = %v", contacts.Params)
		}
		if !strings.Contains(year.Message, f.today.AddDate(1, 0, 0).Format("2006-01-02")) {
			t.Errorf("the message does not give the date: %q", year.Message)
		}
		var p personJSON
		f.manager.Get(path("/api/v1/people/%d", f.activist.ID)).Decode(t, &p)
		if p.Stage != "activist" || len(p.History) != 1 {
			t.Errorf("a refused move changed the person: %+v", p)
		}

		// Dates: malformed, and in the future.
		r = f.manager.JSON("POST", activist, map[string]any{"kind": "talk", "on": "2024/07/01"})
		r.Decode(t, &e)
		if r.Status != 422 || e.Details[0].Field != "on" || e.Details[0].Error != "api.error.date" || e.Details[0].Params["value"] != "2024/07/01" {
			t.Errorf("malformed date = %d %s", r.Status, r.Body)
		}
		tomorrow := f.today.AddDate(0, 0, 1).Format("2006-01-02")
		r = f.manager.JSON("POST", path("/api/v1/people/%d/transitions", f.resident.ID), map[string]any{"kind": "advance", "to": "applicant", "on": tomorrow})
		r.Decode(t, &e)
		if r.Status != 422 || e.Details[0].Error != "development.rule.future" || e.Details[0].Params["date"] != tomorrow || e.Details[0].Params["today"] != today {
			t.Errorf("future date = %d %s", r.Status, r.Body)
		}

		// Allowed: the resident applies today; the talk is due within a month.
		r = f.manager.JSON("POST", path("/api/v1/people/%d/transitions", f.resident.ID),
			map[string]any{"kind": "advance", "to": "applicant", "on": today, "documents": "入党申请书", "note": "API"})
		r.Decode(t, &p)
		if r.Status != 200 || p.Stage != "applicant" || !p.Masked {
			t.Fatalf("apply = %d %s", r.Status, r.Body)
		}
		if p.NextStep == nil || p.NextStep.Key != "development.step.talk" || p.NextStep.Due != f.today.AddDate(0, 1, 0).Format("2006-01-02") {
			t.Errorf("next step = %+v", p.NextStep)
		}
		if last := p.History[len(p.History)-1]; last.Kind != "advance" || last.ToStage != "applicant" || last.On != today || last.Documents != "入党申请书" {
			t.Errorf("history = %+v", p.History)
		}

		move := map[string]any{"kind": "talk", "on": today}
		for name, c := range map[string]struct {
			client *apptest.Client
			status int
		}{"viewer": {f.viewer, 403}, "outsider": {f.outsider, 404}, "anonymous": {f.anonymous, 401}} {
			if r := c.client.JSON("POST", activist, move); r.Status != c.status {
				t.Errorf("%s = %d %s, want %d", name, r.Status, r.Body, c.status)
			}
		}
		if r := f.manager.JSON("POST", activist, map[string]any{"kind": "talk", "on": today, "when": today}); r.Status != 422 || !strings.Contains(r.Body, "error.bad_json") {
			t.Errorf("unknown field = %d %s", r.Status, r.Body)
		}
	})
}

func TestCreatePerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		idn := idNumber("330402", "19880808", "031")
		body := map[string]any{"name": "周八", "id_number": idn, "birth_date": "1988-08-08", "phone": "13500004444",
			"org_id": f.branch2.ID, "stage": "probationary", "joined_at": "2025-07-01"}
		var e apiProblem

		bad := map[string]any{"name": "周八", "org_id": f.branch2.ID, "birth_date": "1988-02-30", "joined_at": "last July", "gender": "m"}
		r := f.manager.JSON("POST", "/api/v1/people", bad)
		r.Decode(t, &e)
		var got []string
		for _, d := range e.Details {
			got = append(got, d.Field+":"+d.Error)
		}
		if want := []string{"birth_date:api.error.date", "joined_at:api.error.date", "gender:api.error.choice"}; r.Status != 422 || !slices.Equal(got, want) {
			t.Errorf("bad dates = %d %v, want %v", r.Status, got, want)
		}
		if r := f.viewer.JSON("POST", "/api/v1/people", map[string]any{"name": "周八", "org_id": f.branch.ID}); r.Status != http.StatusForbidden {
			t.Errorf("viewer = %d, want 403", r.Status)
		}
		r = f.outsider.JSON("POST", "/api/v1/people", body)
		r.Decode(t, &e)
		if r.Status != 422 || e.Details[0].Field != "org_id" || e.Details[0].Error != "member.error.org" {
			t.Errorf("out-of-scope organization = %d %s", r.Status, r.Body)
		}
		r = f.manager.JSON("POST", "/api/v1/people", map[string]any{"stage": "full"})
		r.Decode(t, &e)
		if r.Status != 422 || !slices.Equal(e.keys(), []string{"error.required", "member.error.joined_at_required", "error.required"}) {
			t.Errorf("empty = %d %s", r.Status, r.Body)
		}

		r = f.manager.JSON("POST", "/api/v1/people", body)
		var p personJSON
		r.Decode(t, &p)
		if r.Status != http.StatusCreated || !p.Masked || p.IDNumber == idn || p.BirthDate != "1988-08-08" || p.JoinedAt != "2025-07-01" || p.Gender != "male" {
			t.Fatalf("create = %d %s", r.Status, r.Body)
		}
		if loc := r.Header.Get("Location"); loc != path("/api/v1/people/%d", p.ID) {
			t.Errorf("Location = %q", loc)
		}
		f.manager.Get(path("/api/v1/people/%d?reveal=true", p.ID)).Decode(t, &p)
		if p.IDNumber != idn || p.Phone != "13500004444" || p.Stage != "probationary" {
			t.Errorf("stored as %+v", p)
		}
		r = f.manager.JSON("POST", "/api/v1/people", body)
		r.Decode(t, &e)
		if r.Status != 422 || e.Details[0].Error != "member.error.id_number_taken" {
			t.Errorf("the same ID number again = %d %s", r.Status, r.Body)
		}
	})
}

// total is the size of an organization's roster as the manager sees it.
func (f *fixture) total(t *testing.T, orgID int64) int {
	t.Helper()
	var l rosterJSON
	f.manager.Get(path("/api/v1/orgs/%d/people", orgID)).Decode(t, &l)
	return l.Total
}

func upload(c *apptest.Client, t *testing.T, target, filename string, content []byte) *apptest.Response {
	t.Helper()
	body, contentType := multipartFile(t, filename, content)
	return c.Do("POST", target, strings.NewReader(string(body)), http.Header{"Content-Type": {contentType}})
}

func TestImportIsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		wu, zheng := idNumber("330402", "19700101", "011"), idNumber("330402", "19710202", "022")
		bad := rosterCSV(t, [][2]string{{"吴一", wu}, {"郑二", wrongCheck(zheng)}})
		var e apiProblem
		r := upload(f.manager, t, "/api/v1/people/import", "roster.csv", bad)
		r.Decode(t, &e)
		if r.Status != 422 || len(e.Details) != 1 {
			t.Fatalf("bad file = %d %s", r.Status, r.Body)
		}
		if d := e.Details[0]; d.Row != 3 || d.Field != "身份证号" || d.Error != "idcard.checksum" || !strings.Contains(d.Message, "3") {
			t.Errorf("the bad row = %+v", d)
		}
		if n := f.total(t, f.branch.ID); n != 3 {
			t.Fatalf("a refused file changed the roster: %d people", n)
		}

		good := rosterCSV(t, [][2]string{{"吴一", wu}, {"郑二", zheng}})
		r = upload(f.manager, t, "/api/v1/people/import", "roster.csv", good)
		if r.Status != 200 || strings.TrimSpace(r.Body) != `{"imported":2}` {
			t.Fatalf("fixed file = %d %s", r.Status, r.Body)
		}
		if n := f.total(t, f.branch.ID); n != 5 {
			t.Errorf("after the import the branch has %d people, want 5", n)
		}
		r = upload(f.manager, t, "/api/v1/people/import", "roster.csv", good)
		r.Decode(t, &e)
		if r.Status != 422 || !slices.Equal(e.keys(), []string{"member.error.id_number_taken", "member.error.id_number_taken"}) || e.Details[1].Row != 3 {
			t.Errorf("the same file again = %d %s", r.Status, r.Body)
		}

		// The manager of another tree cannot import into this one; a viewer not at all.
		r = upload(f.outsider, t, "/api/v1/people/import", "roster.csv", rosterCSV(t, [][2]string{{"钱三", idNumber("330402", "19720303", "033")}}))
		r.Decode(t, &e)
		if r.Status != 422 || e.Details[0].Error != "member.error.org_unknown" || e.Details[0].Row != 2 {
			t.Errorf("another tree's manager = %d %s", r.Status, r.Body)
		}
		if r := upload(f.viewer, t, "/api/v1/people/import", "roster.csv", good); r.Status != http.StatusForbidden {
			t.Errorf("viewer = %d, want 403", r.Status)
		}
	})
}

func TestImportPreviewThenApply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		qian := idNumber("330402", "19720303", "033")
		r := upload(f.manager, t, "/api/v1/people/import?dry_run=true", "roster.csv", rosterCSV(t, [][2]string{{"钱三", qian}}))
		var preview struct {
			UploadID int64          `json:"upload_id"`
			Rows     int            `json:"rows"`
			ByOrg    map[string]int `json:"by_org"`
			ByStage  map[string]int `json:"by_stage"`
			Sample   []struct {
				Row      int    `json:"row"`
				IDNumber string `json:"id_number"`
				JoinedAt string `json:"joined_at"`
			} `json:"sample"`
		}
		r.Decode(t, &preview)
		if r.Status != http.StatusCreated || preview.Rows != 1 || preview.ByOrg["第一党支部"] != 1 || preview.ByStage["full"] != 1 {
			t.Fatalf("preview = %d %s", r.Status, r.Body)
		}
		if s := preview.Sample[0]; s.Row != 2 || s.IDNumber == qian || !strings.Contains(s.IDNumber, "*") || s.JoinedAt != "2015-07-01" {
			t.Errorf("sample = %+v", s)
		}
		if n := f.total(t, f.branch.ID); n != 3 {
			t.Fatalf("a preview imported: %d people", n)
		}
		apply := path("/api/v1/people/import/%d", preview.UploadID)
		if r := f.chief.JSON("POST", apply, nil); r.Status != http.StatusNotFound {
			t.Errorf("another account applying = %d, want 404", r.Status)
		}
		if r := f.manager.JSON("POST", apply, nil); r.Status != 200 || strings.TrimSpace(r.Body) != `{"imported":1}` {
			t.Fatalf("apply = %d %s", r.Status, r.Body)
		}
		if n := f.total(t, f.branch.ID); n != 4 {
			t.Errorf("after applying the branch has %d people, want 4", n)
		}
		var e apiProblem
		r = f.manager.JSON("POST", apply, nil)
		r.Decode(t, &e)
		if r.Status != 422 || e.Details[0].Error != "member.error.already_imported" {
			t.Errorf("applying twice = %d %s", r.Status, r.Body)
		}
		if r := f.manager.JSON("POST", "/api/v1/people/import/x", nil); r.Status != http.StatusNotFound {
			t.Errorf("a malformed upload id = %d, want 404", r.Status)
		}
	})
}

func TestImportRequestShape(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	var e apiProblem
	r := f.manager.JSON("POST", "/api/v1/people/import", map[string]string{"file": "x"})
	r.Decode(t, &e)
	if r.Status != 422 || e.Details[0].Field != "file" || e.Details[0].Error != "api.error.multipart" {
		t.Errorf("JSON instead of a file = %d %s", r.Status, r.Body)
	}
	r = upload(f.manager, t, "/api/v1/people/import", "roster.txt", []byte("姓名\n张三\n"))
	r.Decode(t, &e)
	if r.Status != 422 || e.Details[0].Error != "roster.format" {
		t.Errorf("a .txt file = %d %s", r.Status, r.Body)
	}

	// A request that says it is larger than a roster may be is refused before it is read.
	u, _ := url.Parse(f.env.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/people/import HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nAccept-Language: en\r\n"+
		"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: %d\r\n\r\n--x\r\n", u.Host, f.manager.Token, 200<<20)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 422 || !strings.Contains(string(b), `"roster.too_large"`) {
		t.Errorf("a 200 MiB request = %d %s, want 422 roster.too_large", resp.StatusCode, b)
	}
}
