package points

import "context"

// Totals lists the totals of everyone with an entry in an organization's subtree in a
// period, from the ranking index, in no particular order and without who earned them:
// a dashboard buckets them into a distribution, which needs no individual ranking and so
// no organization's consent to rankings.
func (s *Service) Totals(ctx context.Context, orgID int64, p Period) ([]int, error) {
	if err := s.index.fresh(ctx); err != nil {
		return nil, err
	}
	b := s.index.boardFor(orgID, p)
	s.index.mu.RLock()
	defer s.index.mu.RUnlock()
	out := make([]int, 0, len(b.totals))
	for _, t := range b.totals {
		out = append(out, int(t))
	}
	return out, nil
}
