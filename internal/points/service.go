// Package points keeps the points-and-stars ledger: the rules contributions earn points
// by, an append-only ledger in which a retried event never counts twice and a capped one
// is kept at zero with its reason, totals and stars per period, objections, and exact
// rankings inside every organization above a person.
//
// Points reward contributions — a meeting attended, a lesson completed, an idea adopted,
// volunteer service — and never presence: no rule gives points for logging in or for
// time online, and the rule editor refuses one. Rankings of individuals are off unless an
// organization's administrator switches them on.
package points

import (
	"vanguard/internal/store"
)

// Service is the points domain.
type Service struct {
	db    *store.DB
	tree  *treeCache
	index *index
}

// New makes the service. Its ranking index starts with Run (the server does that); until
// then rankings read the ledger on demand.
func New(db *store.DB) *Service {
	tree := newTreeCache()
	return &Service{db: db, tree: tree, index: newIndex(db, tree)}
}
