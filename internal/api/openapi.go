package api

import (
	_ "embed"
	"net/http"
)

// openAPI is the hand-written OpenAPI 3.0 description of /api/v1. The test in
// openapi_test.go drives every operation it describes against the real server and
// validates each answer against it, so the document cannot drift from the code.
//
//go:embed openapi.json
var openAPI []byte

// serveOpenAPI serves the document to anyone: it describes the API, not any data.
func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(openAPI)
}
