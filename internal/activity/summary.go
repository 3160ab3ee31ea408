package activity

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/org"
	"vanguard/internal/store"
)

// The calendar's reading of the summary rows (activity_org_years, kept by summarize) and of
// the committees that heart-to-heart talks are due between.

// talk is one held heart-to-heart talk: the pair, the lower id first, and its month.
type talk struct {
	a, b  int64
	month int
}

// talkList reads the talks of a summary row, "a-b-month;…".
func talkList(talks string) []talk {
	var list []talk
	for _, part := range strings.Split(talks, ";") {
		f := strings.Split(part, "-")
		if len(f) != 3 {
			continue
		}
		a, err1 := strconv.ParseInt(f[0], 10, 64)
		b, err2 := strconv.ParseInt(f[1], 10, 64)
		m, err3 := strconv.Atoi(f[2])
		if err1 == nil && err2 == nil && err3 == nil {
			list = append(list, talk{min(a, b), max(a, b), m})
		}
	}
	return list
}

// committeePosts are the posts of a committee (支部委员会): the secretary, the deputy and
// the members; not group leaders or contact points.
var committeePosts = [...]org.PostKind{org.Secretary, org.DeputySecretary, org.OrganizationMember,
	org.PropagandaMember, org.DisciplineMember, org.CommitteeMember}

// PairPerson is one side of a pair due a heart-to-heart talk.
type PairPerson struct {
	PersonID int64  `json:"person_id"`
	Name     string `json:"name"`
}

// TalkPair is two committee members of an organization and, per period of the rule,
// whether they had a heart-to-heart talk in it.
type TalkPair struct {
	A      PairPerson `json:"a"`
	B      PairPerson `json:"b"`
	Talked []bool     `json:"talked"`
}

// committees reads, for each organization of the subtree, the people who held a
// committee post on a date, by id, each once. The kinds are matched on the rows an
// organization's lookup finds rather than through the index: one lookup per organization
// instead of one per organization and kind, the difference that shows over a province.
// The few people of each committee are put in order and made unique here, sparing the
// database two sorts of the whole subtree's posts.
func (s *Service) committees(ctx context.Context, orgID int64, on time.Time, t *calendarTree) ([][]PairPerson, error) {
	args := []any{on}
	from := `posts p`
	if !t.whole {
		args = append(args, orgID)
		from = `org_tree t JOIN posts p ON p.org_id = t.org_id AND t.ancestor_id = $2`
	}
	marks := make([]string, len(committeePosts))
	for i, k := range committeePosts {
		marks[i] = "$" + strconv.Itoa(len(args)+1)
		args = append(args, k)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT p.org_id, p.person_id, pe.name
		FROM `+from+` JOIN people pe ON pe.id = p.person_id
		WHERE (p.kind || '') IN (`+strings.Join(marks, ", ")+`)
		  AND p.started_on <= $1 AND (p.ended_on IS NULL OR p.ended_on >= $1)`, args...)
	if err != nil {
		return nil, fmt.Errorf("activity: committees under %d: %w", orgID, err)
	}
	defer rows.Close()
	out := make([][]PairPerson, len(t.nodes))
	var touched []int32
	for rows.Next() {
		var id int64
		var p PairPerson
		if err := rows.Scan(&id, &p.PersonID, &p.Name); err != nil {
			return nil, fmt.Errorf("activity: scan committee: %w", err)
		}
		if i, ok := t.find(id); ok {
			if out[i] == nil {
				touched = append(touched, i)
			}
			out[i] = append(out[i], p)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("activity: committees under %d: %w", orgID, err)
	}
	for _, i := range touched {
		slices.SortFunc(out[i], func(a, b PairPerson) int { return cmp.Compare(a.PersonID, b.PersonID) })
		out[i] = slices.CompactFunc(out[i], func(a, b PairPerson) bool { return a.PersonID == b.PersonID })
	}
	return out, nil
}

// talkPairs lists every pair of a committee (ordered by id, as the query returns them)
// with the periods of the rule they talked in, from the year's talks.
func talkPairs(committee []PairPerson, talks string, monthsPerPeriod, periods int) []TalkPair {
	if len(committee) < 2 {
		return nil
	}
	held := talkList(talks)
	var pairs []TalkPair
	for i, a := range committee {
		for _, b := range committee[i+1:] {
			pair := TalkPair{A: a, B: b, Talked: make([]bool, periods)}
			lo, hi := min(a.PersonID, b.PersonID), max(a.PersonID, b.PersonID)
			for _, t := range held {
				if t.a == lo && t.b == hi && t.month >= 1 && t.month <= 12 {
					pair.Talked[(t.month-1)/monthsPerPeriod] = true
				}
			}
			pairs = append(pairs, pair)
		}
	}
	return pairs
}

// RebuildSummaries rewrites every summary row from the hosts table, in one transaction:
// for activities written around the service (a bulk load, a repair by hand).
func (s *Service) RebuildSummaries(ctx context.Context) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM activity_org_years`); err != nil {
			return fmt.Errorf("activity: clear summaries: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO activity_org_years (org_id, year, held, talks, present, late, on_leave, absent) `+
			summaryOf(`1 = 1`)); err != nil {
			return fmt.Errorf("activity: rebuild summaries: %w", err)
		}
		return nil
	})
}
