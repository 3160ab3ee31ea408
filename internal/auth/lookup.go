package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"vanguard/internal/store"
)

// AccountByUsername finds an account by its username (case-insensitively, as usernames
// are stored lower-cased), for pages that name an account, such as granting a role.
// It returns store.ErrNotFound when there is none.
func (s *Service) AccountByUsername(ctx context.Context, username string) (Account, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	a, err := scanAccount(s.db.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE username = $1`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, store.ErrNotFound
	}
	if err != nil {
		return Account{}, fmt.Errorf("auth: account %s: %w", username, err)
	}
	return a, nil
}
