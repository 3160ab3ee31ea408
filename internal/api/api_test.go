package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"vanguard/internal/app/apptest"
	"vanguard/internal/auth"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

type apiError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
	Details []struct {
		Field   string `json:"field"`
		Error   string `json:"error"`
		Message string `json:"message"`
	} `json:"details"`
}

func TestTokenLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db, apptest.Options{Demo: true})
		c := env.Client(t)
		r := c.JSON("POST", "/api/v1/tokens", map[string]string{"username": "admin", "password": auth.DemoPassword, "name": "sync"})
		if r.Status != http.StatusCreated {
			t.Fatalf("issue = %d %s", r.Status, r.Body)
		}
		var tok struct {
			ID    int64  `json:"id"`
			Token string `json:"token"`
		}
		r.Decode(t, &tok)
		if !strings.HasPrefix(tok.Token, "vgt_") {
			t.Fatalf("token %q", tok.Token)
		}
		c.Token = tok.Token
		if r := c.Get("/api/v1/me"); r.Status != 200 || !strings.Contains(r.Body, `"is_admin":true`) {
			t.Fatalf("me = %d %s", r.Status, r.Body)
		}
		if r := c.Get("/api/v1/tokens"); r.Status != 200 || !strings.Contains(r.Body, `"name":"sync"`) {
			t.Fatalf("list = %d %s", r.Status, r.Body)
		}
		if r := c.JSON("DELETE", "/api/v1/tokens/"+strconv.FormatInt(tok.ID, 10), nil); r.Status != http.StatusNoContent {
			t.Fatalf("revoke = %d %s", r.Status, r.Body)
		}
		r = c.Get("/api/v1/me")
		var e apiError
		r.Decode(t, &e)
		if r.Status != http.StatusUnauthorized || e.Error != "error.unauthorized" || e.Message == "" {
			t.Fatalf("revoked token = %d %+v", r.Status, e)
		}
	})
}

func TestTokenRequestErrorsNameTheField(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{Demo: true})
	c := env.Client(t)
	c.Header.Set("Accept-Language", "en")
	r := c.JSON("POST", "/api/v1/tokens", map[string]string{"username": "admin"})
	var e apiError
	r.Decode(t, &e)
	if r.Status != http.StatusUnprocessableEntity || len(e.Details) != 1 || e.Details[0].Field != "password" || e.Details[0].Error != "error.required" {
		t.Fatalf("missing password = %d %+v", r.Status, e)
	}
	if !strings.Contains(e.Details[0].Message, "Password") {
		t.Fatalf("the message %q does not name the field in English", e.Details[0].Message)
	}
	r = c.JSON("POST", "/api/v1/tokens", map[string]string{"username": "admin", "pasword": "typo"})
	r.Decode(t, &e)
	if r.Status != http.StatusUnprocessableEntity || e.Details[0].Error != "error.bad_json" || !strings.Contains(e.Details[0].Message, "pasword") {
		t.Fatalf("unknown field = %d %+v", r.Status, e)
	}
	r = c.JSON("POST", "/api/v1/tokens", map[string]string{"username": "admin", "password": "wrong"})
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong password = %d", r.Status)
	}
	if r := c.Get("/api/v1/nothing-here"); r.Status != 404 || !strings.Contains(r.Header.Get("Content-Type"), "json") {
		t.Fatalf("unknown API path = %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	if r := c.Get("/api/v1/me"); r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous me = %d, want 401 (not a redirect)", r.Status)
	}
}

func TestTokenRequestsAreThrottled(t *testing.T) {
	env := apptest.Start(t, storetest.SQLite(t), apptest.Options{Demo: true})
	c := env.Client(t)
	for i := 0; i < 5; i++ {
		c.JSON("POST", "/api/v1/tokens", map[string]string{"username": "admin", "password": "guess"})
	}
	r := c.JSON("POST", "/api/v1/tokens", map[string]string{"username": "admin", "password": auth.DemoPassword})
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("6th attempt = %d, want 429", r.Status)
	}
}
