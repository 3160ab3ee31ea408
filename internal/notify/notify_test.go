package notify_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/notify"
	"vanguard/internal/store"
	"vanguard/internal/store/storetest"
)

func TestSendListAndMarkRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		accounts := auth.New(db, auth.Options{Hash: auth.TestHashParams})
		var ids []int64
		for _, name := range []string{"wang", "li"} {
			a, err := accounts.CreateAccount(ctx, auth.NewAccount{Username: name, Password: "a long passphrase"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		svc := notify.New(db)
		send := func(to []int64, n notify.Notice) {
			t.Helper()
			if err := db.InTx(ctx, func(tx *store.Tx) error { return svc.Send(ctx, tx, to, n) }); err != nil {
				t.Fatal(err)
			}
		}
		// An account listed twice and the empty account: one notice each, none for 0.
		send([]int64{ids[0], ids[1], ids[0], 0}, notify.Notice{Key: "notify.topic_new", Params: map[string]any{"title": "有线管家"}, Link: "/topics/1"})
		send([]int64{ids[0]}, notify.Notice{Key: "notify.topic_decided", Params: map[string]any{"title": "有线管家"}, Link: "/topics/1"})
		if n, err := svc.Unread(ctx, ids[0]); err != nil || n != 2 {
			t.Fatalf("unread = %d, %v", n, err)
		}
		list, err := svc.List(ctx, ids[0], 10)
		if err != nil || len(list) != 2 || list[0].Message.Key != "notify.topic_decided" || list[1].Message.Params["title"] != "有线管家" || !list[0].Unread() {
			t.Fatalf("list = %+v, %v", list, err)
		}
		// Marking read up to the first notice leaves a newer one unread.
		if err := svc.MarkRead(ctx, ids[0], list[1].ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := svc.Unread(ctx, ids[0]); n != 1 {
			t.Errorf("after marking the older one, unread = %d", n)
		}
		if n, _ := svc.Unread(ctx, ids[1]); n != 1 {
			t.Errorf("another account's notices were touched: unread = %d", n)
		}
		// A village's audience goes out in several statements, every account once.
		var many []int64
		err = db.InTx(ctx, func(tx *store.Tx) error {
			for i := range 450 {
				var id int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO accounts (username, password_hash, created_at, password_changed_at)
					VALUES ($1, 'x', $2, $2) RETURNING id`, fmt.Sprintf("villager%d", i), time.Now()).Scan(&id); err != nil {
					return err
				}
				many = append(many, id, id)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		send(many, notify.Notice{Key: "notify.topic_new"})
		var n int
		db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT account_id) FROM notifications WHERE account_id >= $1 AND read_at IS NULL`, many[0]).Scan(&n)
		var total int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE account_id >= $1`, many[0]).Scan(&total)
		if n != 450 || total != 450 {
			t.Errorf("450 villagers got %d notices over %d accounts", total, n)
		}
	})
}
