package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"github.com/xuri/excelize/v2"

	"vanguard/internal/server"
)

// exportAttendance downloads an activity's attendance as .xlsx: one row per person in
// the audience with their organization, attendance, how it was recorded and any leave.
// Readers of a host only; nothing personal beyond the name is in it.
func (p *activities) exportAttendance(w http.ResponseWriter, r *http.Request) {
	act, acc, ok := p.activityFor(w, r, false)
	if !ok {
		return
	}
	if !acc.View {
		p.notFound(w, r)
		return
	}
	list, err := p.svc.Attendees(r.Context(), act.ID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	lang := server.Lang(r)
	t := func(key string) string { return p.srv.Catalog().T(lang, key, nil) }
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Sheet1"
	header := []any{t("activitypages.rollcall.name"), t("activitypages.export.org"), t("activitypages.rollcall.presence"),
		t("activitypages.export.method"), t("activitypages.export.signed_in"), t("activitypages.export.leave")}
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		p.fail(w, r, err)
		return
	}
	for i, a := range list {
		method, leave := "", ""
		if a.Method != "" {
			method = t("activity.method." + a.Method)
		}
		if a.LeaveState != "" {
			leave = t("activity.leave." + a.LeaveState)
			if a.LeaveReason != "" {
				leave += "：" + a.LeaveReason
			}
		}
		row := []any{a.Name, a.OrgName, t(a.Presence.Key()), method, formatTime(a.SignedInAt, "2006-01-02 15:04"), leave}
		if err := f.SetSheetRow(sheet, "A"+strconv.Itoa(i+2), &row); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	f.SetColWidth(sheet, "A", "B", 18)
	f.SetColWidth(sheet, "C", "F", 16)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		p.fail(w, r, err)
		return
	}
	name := fmt.Sprintf("%s-%s.xlsx", fileSafe(act.Title), formatTime(act.StartsAt, "2006-01-02"))
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", attachment(fmt.Sprintf("attendance-%d.xlsx", act.ID), name))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}
