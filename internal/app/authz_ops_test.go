package app_test

import (
	"testing"

	"vanguard/internal/auth"
)

// opsRouteCases are the authorization walk's lines for the account page's sessions
// section (issue 11): an account ends its own sessions and nobody else's.
var opsRouteCases = []routeCase{
	{pattern: "POST /account/sessions/{id}/revoke", need: needUploader, path: "/account/sessions/{session}/revoke",
		extra: func(t *testing.T, f *fixture, rel string) map[string]string {
			token, err := f.env.App.Auth.StartSession(f.ctx, f.accounts[f.uploader].ID, "probe")
			if err != nil {
				t.Fatal(err)
			}
			return map[string]string{"{session}": auth.SessionID(token)}
		}},
	{pattern: "POST /account/sessions/revoke-others", need: needSignedIn, path: "/account/sessions/revoke-others"},
}
