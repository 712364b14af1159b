package correlate

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestRadixSort holds the census's radix sort to a stable comparison sort,
// on keys that differ in a few bytes only (most passes skipped) and in all.
func TestRadixSort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 3, 100, 5000} {
		for _, mask := range []uint64{0, 0xff, 0xff00ff0000, ^uint64(0)} {
			keys := make([]sortKey, n)
			for i := range keys {
				keys[i] = sortKey{prefix: r.Uint64() & mask, i: int32(i)}
			}
			want := slices.Clone(keys)
			slices.SortStableFunc(want, func(a, b sortKey) int { return cmp.Compare(a.prefix, b.prefix) })
			radixSort(keys)
			if !slices.Equal(keys, want) {
				t.Errorf("n %d, mask %#x: radix order differs from a stable sort", n, mask)
			}
		}
	}
}

// TestPrefix8 wants the prefixes to order as the strings do.
func TestPrefix8(t *testing.T) {
	words := []string{"", "a", "ab", "abcdefgh", "abcdefghi", "abcdefgi", "b", "\x01", "\xff", "f1_10", "f1_9", "__UNIQUE_ID_x"}
	for _, a := range words {
		for _, b := range words {
			pa, pb := prefix8(a), prefix8(b)
			if c := strings.Compare(a, b); pa != pb && cmp.Compare(pa, pb) != c {
				t.Errorf("prefix8(%q) %#x, prefix8(%q) %#x: order differs from the strings'", a, pa, b, pb)
			}
		}
	}
}
