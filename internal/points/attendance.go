package points

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"vanguard/internal/auth"
	"vanguard/internal/store"
)

// AttendanceRule is the rule a held meeting's attendance earns by.
const AttendanceRule = "meeting-attended"

// Attendance is what the activities domain tells the ledger after attendance changes:
// the activity, whether it is held, when it started, and who attended and who not among
// the people whose attendance changed (or everyone, after a roll call or the hold).
type Attendance struct {
	ActivityID  int64
	Held        bool
	StartsAt    time.Time
	Attended    []int64
	NotAttended []int64
}

// maxFlips bounds how often one person's attendance of one meeting can be corrected back
// and forth and still move points: each correction is an entry and a reversal.
const maxFlips = 6

// SyncAttendance makes the ledger agree with a held activity's attendance, in q's
// transaction: an entry for everyone who attended and has none, a reversal for everyone
// who has one and no longer counts as attending. Nothing happens before the activity is
// held, and a second sync of the same attendance changes nothing.
func (s *Service) SyncAttendance(ctx context.Context, q store.Querier, a Attendance) error {
	if !a.Held || len(a.Attended)+len(a.NotAttended) == 0 {
		return nil
	}
	state, err := s.attendanceState(ctx, q, a)
	if err != nil {
		return err
	}
	var events []Event
	for _, p := range a.Attended {
		st := state[p]
		if st.active != 0 || st.generation >= maxFlips {
			continue
		}
		events = append(events, Event{Key: attendanceKey(a.ActivityID, p, st.generation+1), PersonID: p, Rule: AttendanceRule,
			OccurredAt: a.StartsAt, Source: "activity", SourceRef: "activity:" + strconv.FormatInt(a.ActivityID, 10)})
	}
	for start := 0; start < len(events); start += MaxBatch {
		// Refusals (an activist attending earns nothing by this rule) are answers, not failures.
		if _, err := s.recordIn(ctx, q, by{system: true}, events[start:min(start+MaxBatch, len(events))]); err != nil {
			return err
		}
	}
	for _, p := range a.NotAttended {
		if id := state[p].active; id != 0 {
			e, err := scanEntry(q.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM point_entries e WHERE e.id = $1`, id))
			if err != nil {
				return fmt.Errorf("points: attendance entry %d: %w", id, err)
			}
			if err := s.reverseIn(ctx, q, auth.Account{}, e, "attendance corrected"); err != nil {
				return err
			}
		}
	}
	s.wakeAfter(q)
	return nil
}

func attendanceKey(activity, person int64, generation int) string {
	k := "attendance:" + strconv.FormatInt(activity, 10) + ":" + strconv.FormatInt(person, 10)
	if generation > 1 {
		k += ":" + strconv.Itoa(generation)
	}
	return k
}

type attendanceState struct {
	generation int   // the newest key used, 0 for none
	active     int64 // the entry that counts now, 0 for none
}

// attendanceState finds, for each person, the newest attendance entry and whether it
// still counts (not reversed).
func (s *Service) attendanceState(ctx context.Context, q store.Querier, a Attendance) (map[int64]attendanceState, error) {
	byKey := map[string]struct {
		person     int64
		generation int
	}{}
	var hashes []any
	for _, list := range [][]int64{a.Attended, a.NotAttended} {
		for _, p := range list {
			for g := 1; g <= maxFlips; g++ {
				k := attendanceKey(a.ActivityID, p, g)
				byKey[k] = struct {
					person     int64
					generation int
				}{p, g}
				hashes = append(hashes, keyHash(k))
			}
		}
	}
	out := map[int64]attendanceState{}
	for start := 0; start < len(hashes); start += 1000 {
		part := hashes[start:min(start+1000, len(hashes))]
		rows, err := q.QueryContext(ctx, `SELECT e.idem_key, e.id, e.points,
			(SELECT COUNT(*) FROM point_entries v WHERE v.reverses = e.id)
			FROM point_entries e WHERE e.idem_hash IN (`+store.Params(1, len(part))+`)`, part...)
		if err != nil {
			return nil, fmt.Errorf("points: attendance of %d: %w", a.ActivityID, err)
		}
		for rows.Next() {
			var key string
			var id int64
			var pts, reversed int // pts read for symmetry with entryColumns users; a 0-point (capped) entry still counts as given
			if err := rows.Scan(&key, &id, &pts, &reversed); err != nil {
				rows.Close()
				return nil, err
			}
			k, ok := byKey[key]
			if !ok {
				continue
			}
			st := out[k.person]
			if k.generation > st.generation {
				st.generation, st.active = k.generation, 0
				if reversed == 0 {
					st.active = id
				}
			}
			out[k.person] = st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CreditIdea records the points of an idea adopted or implemented, in q's transaction;
// the key makes a repeated move count once. A submitter the rule does not apply to
// earns nothing, and that is not an error.
func (s *Service) CreditIdea(ctx context.Context, q store.Querier, ideaID, personID int64, status string, at time.Time) error {
	rule := "idea-" + status
	_, err := s.recordIn(ctx, q, by{system: true}, []Event{{Key: "idea:" + strconv.FormatInt(ideaID, 10) + ":" + status,
		PersonID: personID, Rule: rule, OccurredAt: at, Source: "idea", SourceRef: "idea:" + strconv.FormatInt(ideaID, 10)}})
	if err == nil {
		s.wakeAfter(q)
	}
	return err
}
