package points

import (
	"math/rand/v2"
	"sort"
	"testing"
)

// The block list must answer exactly as a sorted slice does, through any sequence of
// inserts and removals that splits and empties blocks.
func TestSortedKeysAgreeWithASortedSlice(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var s sortedKeys
	var want []uint64
	present := map[uint64]bool{}
	for step := 0; step < 20000; step++ {
		k := rankKey(int32(r.IntN(200)-50), int64(r.IntN(3000)))
		if present[k] {
			if !s.remove(k) {
				t.Fatalf("step %d: remove of a present key failed", step)
			}
			delete(present, k)
			i := sort.Search(len(want), func(i int) bool { return want[i] >= k })
			want = append(want[:i], want[i+1:]...)
		} else {
			s.insert(k)
			present[k] = true
			i := sort.Search(len(want), func(i int) bool { return want[i] >= k })
			want = append(want, 0)
			copy(want[i+1:], want[i:])
			want[i] = k
		}
		if step%997 == 0 || step == 19999 {
			probe := rankKey(int32(r.IntN(200)-50), 0)
			wantBelow := sort.Search(len(want), func(i int) bool { return want[i] >= probe })
			if got := s.countBelow(probe); got != wantBelow || s.n != len(want) {
				t.Fatalf("step %d: countBelow %d want %d, n %d want %d", step, got, wantBelow, s.n, len(want))
			}
			off := r.IntN(len(want) + 1)
			got := s.slice(off, 25)
			exp := want[off:min(off+25, len(want))]
			if len(got) != len(exp) {
				t.Fatalf("step %d: slice(%d) has %d keys, want %d", step, off, len(got), len(exp))
			}
			for i := range got {
				if got[i] != exp[i] {
					t.Fatalf("step %d: slice(%d)[%d] = %x, want %x", step, off, i, got[i], exp[i])
				}
			}
		}
	}
	if s.remove(rankKey(99999, 1)) {
		t.Fatal("removed a key that was never there")
	}
}

func TestRankKeyOrdersHigherScoresFirstThenLowerIDs(t *testing.T) {
	keys := []uint64{rankKey(5, 2), rankKey(-3, 1), rankKey(5, 1), rankKey(10, 9), rankKey(0, 4)}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	want := [][2]int64{{10, 9}, {5, 1}, {5, 2}, {0, 4}, {-3, 1}}
	for i, k := range keys {
		if int64(keyScore(k)) != want[i][0] || keyPerson(k) != want[i][1] {
			t.Fatalf("position %d: (%d, %d), want %v", i, keyScore(k), keyPerson(k), want[i])
		}
	}
}
