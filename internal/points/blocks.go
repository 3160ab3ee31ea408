package points

import (
	"math"
	"sort"
)

// sortedKeys is an order-statistics set of uint64 keys: a list of sorted blocks. Finding
// a key is two binary searches; inserting or removing moves at most one block's worth of
// keys; counting the keys below a bound sums the sizes of the blocks before it. A
// million keys take 8 MB, and a rank among them costs about a microsecond, which a
// balanced tree of a million nodes (and pointers) would not beat at five times the memory.
type sortedKeys struct {
	blocks [][]uint64
	n      int
}

const (
	blockMax  = 1024
	blockHalf = blockMax / 2
)

// rankKey orders (score descending, person ascending) as one ascending integer.
func rankKey(score int32, person int64) uint64 {
	return uint64(uint32(int64(math.MaxInt32)-int64(score)))<<32 | uint64(uint32(person))
}

func keyScore(k uint64) int32  { return int32(int64(math.MaxInt32) - int64(k>>32)) }
func keyPerson(k uint64) int64 { return int64(uint32(k)) }

// build replaces the contents with keys, which it sorts.
func (s *sortedKeys) build(keys []uint64) {
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	s.blocks, s.n = nil, len(keys)
	for start := 0; start < len(keys); start += blockHalf {
		end := min(start+blockHalf, len(keys))
		block := make([]uint64, end-start, blockMax)
		copy(block, keys[start:end])
		s.blocks = append(s.blocks, block)
	}
}

// find returns the block a key belongs in: the first whose last key is ≥ k, or the last.
func (s *sortedKeys) find(k uint64) int {
	i := sort.Search(len(s.blocks), func(i int) bool { b := s.blocks[i]; return b[len(b)-1] >= k })
	if i == len(s.blocks) {
		i--
	}
	return i
}

func (s *sortedKeys) insert(k uint64) {
	s.n++
	if len(s.blocks) == 0 {
		s.blocks = [][]uint64{append(make([]uint64, 0, blockMax), k)}
		return
	}
	bi := s.find(k)
	b := s.blocks[bi]
	at := sort.Search(len(b), func(i int) bool { return b[i] >= k })
	b = append(b, 0)
	copy(b[at+1:], b[at:])
	b[at] = k
	if len(b) < blockMax {
		s.blocks[bi] = b
		return
	}
	right := make([]uint64, blockHalf, blockMax)
	copy(right, b[blockHalf:])
	s.blocks[bi] = b[:blockHalf]
	s.blocks = append(s.blocks, nil)
	copy(s.blocks[bi+2:], s.blocks[bi+1:])
	s.blocks[bi+1] = right
}

// remove deletes k and tells whether it was there.
func (s *sortedKeys) remove(k uint64) bool {
	if len(s.blocks) == 0 {
		return false
	}
	bi := s.find(k)
	b := s.blocks[bi]
	at := sort.Search(len(b), func(i int) bool { return b[i] >= k })
	if at == len(b) || b[at] != k {
		return false
	}
	s.n--
	b = append(b[:at], b[at+1:]...)
	if len(b) > 0 {
		s.blocks[bi] = b
		return true
	}
	s.blocks = append(s.blocks[:bi], s.blocks[bi+1:]...)
	return true
}

// countBelow is the number of keys < k.
func (s *sortedKeys) countBelow(k uint64) int {
	count := 0
	for _, b := range s.blocks {
		if b[len(b)-1] < k {
			count += len(b)
			continue
		}
		return count + sort.Search(len(b), func(i int) bool { return b[i] >= k })
	}
	return count
}

// slice returns up to limit keys from position offset on.
func (s *sortedKeys) slice(offset, limit int) []uint64 {
	var out []uint64
	for _, b := range s.blocks {
		if offset >= len(b) {
			offset -= len(b)
			continue
		}
		for _, k := range b[offset:] {
			if len(out) == limit {
				return out
			}
			out = append(out, k)
		}
		offset = 0
	}
	return out
}
