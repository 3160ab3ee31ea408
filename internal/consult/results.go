package consult

import (
	"context"
	"fmt"
)

// Count is the number of votes for one option.
type Count struct {
	Option Option
	Votes  int
}

// Tally is the count of a topic's votes.
type Tally struct {
	Counts []Count
	Total  int
}

// Results counts a topic's votes by option. Callers show it only when the topic's
// ResultsVisibleAt says so; Detail does.
func (s *Service) Results(ctx context.Context, t Topic) (Tally, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT option_id, COUNT(*) FROM votes WHERE topic_id = $1 GROUP BY option_id`, t.ID)
	if err != nil {
		return Tally{}, fmt.Errorf("consult: count votes of %d: %w", t.ID, err)
	}
	defer rows.Close()
	by := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return Tally{}, err
		}
		by[id] = n
	}
	if err := rows.Err(); err != nil {
		return Tally{}, err
	}
	var tally Tally
	for _, o := range t.Options {
		tally.Counts = append(tally.Counts, Count{Option: o, Votes: by[o.ID]})
		tally.Total += by[o.ID]
	}
	return tally, nil
}

// Voter is a person who voted. Option is set only on an open ballot whose results are
// shown; on a secret ballot it is never read from the database at all.
type Voter struct {
	Name     string
	OptionID int64
}

// Voters lists who voted, by name. withChoice asks for each one's option, which the
// service refuses to read for a secret ballot.
func (s *Service) Voters(ctx context.Context, t Topic, withChoice bool) ([]Voter, error) {
	columns := `p.name, 0`
	if withChoice && !t.Secret {
		columns = `p.name, v.option_id`
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+columns+` FROM votes v JOIN people p ON p.id = v.person_id
		WHERE v.topic_id = $1 ORDER BY p.name, p.id`, t.ID)
	if err != nil {
		return nil, fmt.Errorf("consult: voters of %d: %w", t.ID, err)
	}
	defer rows.Close()
	var list []Voter
	for rows.Next() {
		var v Voter
		if err := rows.Scan(&v.Name, &v.OptionID); err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	return list, rows.Err()
}

// Detail is everything a caller may read of a topic.
type Detail struct {
	Topic    Topic
	Phase    Phase
	Access   Access
	Opinions []Thread
	Tally    *Tally  // nil while the results are not to be shown
	Voters   []Voter // who took part; with their choices only on an open ballot with results shown
	Eligible int     // the size of the audience
	MyVote   *Vote   // the caller's own vote
	Updates  []Update
	Meetings []Meeting
	History  []Move
}

// ResultsVisible tells whether the count is shown.
func (d Detail) ResultsVisible() bool { return d.Tally != nil }

// Detail gathers what a caller with access acc may read of a topic. The caller has
// checked acc.View.
func (s *Service) Detail(ctx context.Context, c Caller, t Topic, acc Access) (Detail, error) {
	now := s.now()
	d := Detail{Topic: t, Phase: t.PhaseAt(now), Access: acc}
	var err error
	if d.Opinions, err = s.Opinions(ctx, t.ID, acc.Manage); err != nil {
		return d, err
	}
	visible := t.ResultsVisibleAt(now)
	if visible {
		tally, err := s.Results(ctx, t)
		if err != nil {
			return d, err
		}
		d.Tally = &tally
	}
	if d.Voters, err = s.Voters(ctx, t, visible); err != nil {
		return d, err
	}
	if d.Eligible, err = s.EligibleCount(ctx, t.ID); err != nil {
		return d, err
	}
	if v, ok, err := s.MyVote(ctx, c, t.ID); err != nil {
		return d, err
	} else if ok {
		d.MyVote = &v
	}
	if d.Updates, err = s.Updates(ctx, t.ID); err != nil {
		return d, err
	}
	if d.Meetings, err = s.Meetings(ctx, t.ID); err != nil {
		return d, err
	}
	if d.History, err = s.History(ctx, t.ID); err != nil {
		return d, err
	}
	return d, nil
}
