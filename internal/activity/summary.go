package activity

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"vanguard/internal/org"
	"vanguard/internal/store"
)

// The calendar's reading of the summary rows (activity_org_years, kept by summarize) and of
// the committees that heart-to-heart talks are due between.

// yearSummary is one organization's year as the summary row has it.
type yearSummary struct {
	held  string // "kind=month,month;kind=month"
	talks string // "a-b-month;…"
}

// months counts the activities of a kind per month (index 0 is January); nil when none.
func (y yearSummary) months(k Kind) *[12]int {
	rest := y.held
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ";")
		name, list, ok := strings.Cut(part, "=")
		if !ok || name != string(k) {
			continue
		}
		var counts [12]int
		m := 0
		for j := 0; j <= len(list); j++ {
			if j == len(list) || list[j] == ',' {
				if m >= 1 && m <= 12 {
					counts[m-1]++
				}
				m = 0
				continue
			}
			m = m*10 + int(list[j]-'0')
		}
		return &counts
	}
	return nil
}

// talk is one held heart-to-heart talk: the pair, the lower id first, and its month.
type talk struct {
	a, b  int64
	month int
}

func (y yearSummary) talkList() []talk {
	var list []talk
	for _, part := range strings.Split(y.talks, ";") {
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
// committee post on a date, by id, each once.
func (s *Service) committees(ctx context.Context, subtree string, orgID int64, on time.Time, index map[int64]int) ([][]PairPerson, error) {
	marks := make([]string, len(committeePosts))
	args := []any{orgID, on}
	for i, k := range committeePosts {
		marks[i] = "$" + strconv.Itoa(len(args)+1)
		args = append(args, k)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT p.org_id, p.person_id, pe.name FROM posts p JOIN people pe ON pe.id = p.person_id
		WHERE p.org_id IN (`+subtree+`) AND p.kind IN (`+strings.Join(marks, ", ")+`)
		  AND p.started_on <= $2 AND (p.ended_on IS NULL OR p.ended_on >= $2)
		ORDER BY p.org_id, p.person_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("activity: committees under %d: %w", orgID, err)
	}
	defer rows.Close()
	out := make([][]PairPerson, len(index))
	for rows.Next() {
		var id int64
		var p PairPerson
		if err := rows.Scan(&id, &p.PersonID, &p.Name); err != nil {
			return nil, fmt.Errorf("activity: scan committee: %w", err)
		}
		if i, ok := index[id]; ok {
			out[i] = append(out[i], p)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("activity: committees under %d: %w", orgID, err)
	}
	return out, nil
}

// talkPairs lists every pair of a committee (ordered by id, as the query returns them)
// with the periods of the rule they talked in, from the year's talks.
func talkPairs(committee []PairPerson, talks string, monthsPerPeriod, periods int) []TalkPair {
	if len(committee) < 2 {
		return nil
	}
	held := yearSummary{talks: talks}.talkList()
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
