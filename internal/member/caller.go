package member

import (
	"context"
	"errors"

	"vanguard/internal/auth"
	"vanguard/internal/store"
)

// Caller is who is asking: an account and the person record it acts as, if any. A
// worker's login or a system administrator may have none: they read and organize, but
// do not take part as a person (vote, submit an idea).
type Caller struct {
	Account auth.Account
	Person  *Person
}

// PersonID is the caller's person, or 0 when the account has none.
func (c Caller) PersonID() int64 {
	if c.Person == nil {
		return 0
	}
	return c.Person.ID
}

// CallerOf finds the person record of an account.
func (s *Service) CallerOf(ctx context.Context, a auth.Account) (Caller, error) {
	c := Caller{Account: a}
	if a.ID == 0 {
		return c, nil
	}
	p, err := s.ByAccount(ctx, a.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return c, nil
	case err != nil:
		return c, err
	}
	c.Person = &p
	return c, nil
}

// PersonOrgID is the organization of the caller's person, or 0.
func (c Caller) PersonOrgID() int64 {
	if c.Person == nil {
		return 0
	}
	return c.Person.OrgID
}
