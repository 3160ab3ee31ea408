package web

import (
	"net/http"

	"vanguard/internal/notify"
)

type notificationsData struct {
	Notices []notify.Notification
}

// notifications lists the caller's notices and marks the ones shown as read: the page
// shows which were new this time.
func (p *participation) notifications(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), caller(r)
	list, err := p.notices.List(ctx, a.ID, 100)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	var newest int64
	for _, n := range list {
		if n.Unread() && n.ID > newest {
			newest = n.ID
		}
	}
	if newest > 0 {
		if err := p.notices.MarkRead(ctx, a.ID, newest); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	pg := p.page(r, "notify.title", notificationsData{Notices: list})
	if newest > 0 && pg.Account != nil {
		pg.Account.Unread = 0 // read now, as the menu of the next page will say
	}
	p.render(w, r, http.StatusOK, "notifications", pg)
}
