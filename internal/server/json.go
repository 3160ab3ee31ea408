package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"vanguard/internal/i18n"
)

// MaxJSONBody bounds a JSON request body.
const MaxJSONBody = 4 << 20

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// APIError is the body of every error answer of the API.
type APIError struct {
	Error   string       `json:"error"`   // the catalog key, stable for programs
	Message string       `json:"message"` // the same in the caller's language
	Details []FieldError `json:"details,omitempty"`
}

// FieldError names the field (and row) of one problem in a request.
type FieldError struct {
	Field   string         `json:"field,omitempty"`
	Row     int            `json:"row,omitempty"`
	Error   string         `json:"error"`
	Message string         `json:"message"`
	Params  map[string]any `json:"params,omitempty"` // the values in the message, for programs
}

// WriteJSONError answers with a translated error.
func WriteJSONError(w http.ResponseWriter, r *http.Request, status int, key string, params map[string]any) {
	cat := catalogFrom(r)
	msg := key
	if cat != nil {
		msg = cat.T(Lang(r), key, params)
	}
	WriteJSON(w, status, APIError{Error: key, Message: msg})
}

// WriteJSONProblems answers 422 with every person-facing error of err, each with its
// key, its parameters and its message in the caller's language, so that a program can
// act on "development.rule.activist_year" and its "date" while a person reads the
// sentence. It reports whether err was such an error; otherwise nothing is written.
func WriteJSONProblems(w http.ResponseWriter, r *http.Request, err error) bool {
	var list i18n.Errors
	var one *i18n.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = i18n.Errors{one}
	default:
		return false
	}
	cat, lang := catalogFrom(r), Lang(r)
	if cat == nil {
		return false
	}
	body := APIError{Error: "error.invalid", Message: cat.T(lang, "error.invalid", nil)}
	for _, e := range list {
		body.Details = append(body.Details, FieldError{Field: e.Field, Row: e.Row, Error: e.Key,
			Message: cat.Describe(lang, e), Params: jsonParams(e.Params)})
	}
	WriteJSON(w, http.StatusUnprocessableEntity, body)
	return true
}

// jsonParams turns an error's parameters into plain JSON values: a nested message
// (a stage or kind name) becomes its catalog key, a date its YYYY-MM-DD form.
func jsonParams(params map[string]any) map[string]any {
	if len(params) == 0 {
		return nil
	}
	out := make(map[string]any, len(params))
	for k, v := range params {
		switch v := v.(type) {
		case i18n.Message:
			out[k] = v.Key
		case time.Time:
			out[k] = v.Format(time.DateOnly)
		default:
			out[k] = v
		}
	}
	return out
}

// ReadJSON decodes a bounded JSON body into v, refusing unknown fields so that a typo in
// a field name is an error rather than a silently ignored value.
func ReadJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return i18n.Invalid("", "error.bad_json", "detail", err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return i18n.Invalid("", "error.bad_json", "detail", "trailing data after the JSON value")
	}
	return nil
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// FieldErrorOf describes one person-facing error in the caller's language, for answers
// that report item by item (a batch) instead of refusing the whole request. Any other
// error is reported as internal, without its text.
func FieldErrorOf(r *http.Request, err error) *FieldError {
	var one *i18n.Error
	if !errors.As(err, &one) {
		one = &i18n.Error{Key: "error.internal"}
	}
	msg := one.Key
	if cat := catalogFrom(r); cat != nil {
		msg = cat.Describe(Lang(r), one)
	}
	return &FieldError{Field: one.Field, Row: one.Row, Error: one.Key, Message: msg, Params: jsonParams(one.Params)}
}
