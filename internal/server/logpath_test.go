package server

import "testing"

func TestLoggedPathBlotsOutPersonalData(t *testing.T) {
	cases := map[string]string{
		"/":                          "/",
		"/orgs/1234567/people":       "/orgs/1234567/people",
		"/static/app.1a2b3c4d5e.css": "/static/app.1a2b3c4d5e.css",
		"/api/v1/people/import/42":   "/api/v1/people/import/42",
		"/people/13912345678":        "/people/*",
		"/people/139-1234-5678/x":    "/people/*/x",
		"/api/v1/people/11010519491231002X/transitions": "/api/v1/people/*/transitions",
		"/people/110105491231002":                       "/people/*",
		"/people/张三":                                    "/people/*",
		"/people/zhang%20san":                           "/people/*",
		"/a/" + string(make([]byte, 70)):                "/a/*",
	}
	for in, want := range cases {
		if got := loggedPath(in); got != want {
			t.Errorf("loggedPath(%q) = %q, want %q", in, got, want)
		}
	}
}
