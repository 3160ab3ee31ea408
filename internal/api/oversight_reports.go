package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/i18n"
	"vanguard/internal/oversight"
	"vanguard/internal/server"
)

// orgReport is GET /api/v1/orgs/{id}/reports/{kind}?period=&format=json|xlsx: View on
// the organization (404 outside the caller's View scope, as for a missing one), an
// unknown report 404, a malformed period or format 422 naming the field.
func (h *Handlers) orgReport(w http.ResponseWriter, r *http.Request) {
	id, ok := h.viewableOrg(w, r)
	if !ok {
		return
	}
	kind := oversight.ReportKind(r.PathValue("kind"))
	if !kind.Valid() {
		notFound(w, r)
		return
	}
	var problems i18n.Errors
	period, err := oversight.ParsePeriod(r.URL.Query().Get("period"), time.Now())
	var bad *i18n.Error
	if errors.As(err, &bad) {
		problems = append(problems, bad)
	}
	format := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("format")))
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "xlsx" {
		problems = append(problems, i18n.Invalid("format", "oversight.report.error.format", "value", r.URL.Query().Get("format")))
	}
	if len(problems) > 0 {
		Problem(h.srv, w, r, problems)
		return
	}
	rep, err := h.reports.Report(r.Context(), kind, id, period)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	lang := server.Lang(r)
	cat := h.srv.Catalog()
	t := func(key string, kv ...any) string {
		params := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			params[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return cat.T(lang, key, params)
	}
	rep.Translate(func(key string) string { return t(key) }, lang)
	if format == "json" {
		server.WriteJSON(w, http.StatusOK, rep)
		return
	}
	body, err := rep.XLSX(t, lang)
	if err != nil {
		Problem(h.srv, w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%d-%s.xlsx"`, kind, id, period.Name))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}
