package correlate

import (
	"hash/maphash"
	"math/bits"
)

// clashIndex finds the names two sets of symbols share: the globals an
// assembler could have defined (side G) and the C statics, promoted or not,
// that suffix reduction would give the same name (side S). It is fed while
// the symbol table streams by (or, for an image that keeps every record,
// from the records) and keeps no record per symbol, only one word
// for each symbol of either side: a 32-bit hash of the name it is matched by
// and a reference the caller chooses (its place in image.syms, or its index
// in the symbol table when the image keeps no record for it).
//
// A global name index probed once per local symbol misses the cache on
// nearly every probe (a million symbols, several megabytes of table). Here
// the sides meet through Bloom filters small enough for the cache: the
// statics whose hash passes the filter of the globals (the real clashes and
// a percent or two of chance) make a second, small filter, which the
// globals pass through. Only what survives both is put in a map, and only
// pairs whose hashes are equal have their names compared, by the caller.
type clashIndex struct {
	seed maphash.Seed
	// buf holds the globals from the front and the statics from the back
	// (the first static fed last), hash << 32 | ref each: one allocation,
	// sized by the symbol table, instead of two slices grown step by step.
	buf    []uint64
	ng, ns int
}

// newClashIndex makes room for n symbols, the size of the symbol table.
func newClashIndex(n int) *clashIndex {
	return &clashIndex{seed: maphash.MakeSeed(), buf: make([]uint64, n)}
}

// keyMask keeps the bits of a name's hash the index uses: all 32; tests
// keep two, so that names collide and only the comparison of the names
// tells them apart.
var keyMask uint64 = 0xffffffff

func (x *clashIndex) key(name string) uint64 {
	return maphash.String(x.seed, name) & keyMask
}

// global adds a global matched by its name.
func (x *clashIndex) global(name string, ref uint32) {
	x.room()
	x.buf[x.ng] = x.key(name)<<32 | uint64(ref)
	x.ng++
}

// static adds a static matched by name (its own name, or the base name of
// a promoted one).
func (x *clashIndex) static(name string, ref uint32) {
	x.room()
	x.ns++
	x.buf[len(x.buf)-x.ns] = x.key(name)<<32 | uint64(ref)
}

// room makes room for one more word, should more be fed than announced.
func (x *clashIndex) room() {
	if x.ng+x.ns < len(x.buf) {
		return
	}
	buf := make([]uint64, 2*len(x.buf)+16)
	copy(buf, x.buf[:x.ng])
	copy(buf[len(buf)-x.ns:], x.buf[len(x.buf)-x.ns:])
	x.buf = buf
}

// globals and statics are the words fed, statics last-fed first.
func (x *clashIndex) globals() []uint64 { return x.buf[:x.ng] }
func (x *clashIndex) statics() []uint64 { return x.buf[len(x.buf)-x.ns:] }

// clashPair is a global and a static whose names hashed alike.
type clashPair struct{ global, static uint32 }

// pairs returns, for each static in the order fed, the globals in the
// order fed whose name hashed like its name: the caller compares the
// names and keeps the first global that matches. Linear in the symbols
// fed: each word is read twice, the filters stay in the cache.
func (x *clashIndex) pairs() []clashPair {
	g, st := x.globals(), x.statics()
	if len(g) == 0 || len(st) == 0 {
		return nil
	}
	fg := newBloom(len(g))
	for _, w := range g {
		fg.add(uint32(w >> 32))
	}
	var s []uint64
	for i := len(st) - 1; i >= 0; i-- {
		if w := st[i]; fg.has(uint32(w >> 32)) {
			s = append(s, w)
		}
	}
	if len(s) == 0 {
		return nil
	}
	fs := newBloom(len(s))
	for _, w := range s {
		fs.add(uint32(w >> 32))
	}
	// The globals that survive, chained by hash in the order fed.
	first := map[uint32]int32{}
	var refs []uint32
	var next []int32
	last := map[uint32]int32{}
	for _, w := range g {
		h := uint32(w >> 32)
		if !fs.has(h) {
			continue
		}
		k := int32(len(refs))
		refs = append(refs, uint32(w))
		next = append(next, -1)
		if l, ok := last[h]; ok {
			next[l] = k
		} else {
			first[h] = k
		}
		last[h] = k
	}
	var out []clashPair
	for _, w := range s {
		k, ok := first[uint32(w>>32)]
		for ; ok && k >= 0; k = next[k] {
			out = append(out, clashPair{global: refs[k], static: uint32(w)})
		}
	}
	return out
}

// bloom is a blocked Bloom filter over 32-bit keys: each key sets three
// bits of one 64-bit word, so a lookup touches one word. At 8 to 16 bits
// per key about one lookup in fifty of an absent key passes.
type bloom struct {
	words []uint64
	shift uint
}

func newBloom(n int) *bloom {
	// A power of two words, at least one per eight keys.
	lg := max(bits.Len(uint(n/8)), 1)
	return &bloom{words: make([]uint64, 1<<lg), shift: uint(64 - lg)}
}

// spread mixes a key into 64 bits: the top ones pick the word, three
// runs of six below them the bits.
func spread(k uint32) uint64 { return uint64(k) * 0x9e3779b97f4a7c15 }

func (b *bloom) mask(h uint64) uint64 {
	return 1<<(h&63) | 1<<(h>>6&63) | 1<<(h>>12&63)
}

func (b *bloom) add(k uint32) {
	h := spread(k)
	b.words[h>>b.shift] |= b.mask(h)
}

func (b *bloom) has(k uint32) bool {
	h := spread(k)
	m := b.mask(h)
	return b.words[h>>b.shift]&m == m
}

// nameIndex finds the symbols of one image by exact name (the prediction
// looks up the global of each promoted base). It is a
// Go map[string]int32 without the map: one flat table of (hash tag,
// symbol index) words with linear probing, sized once, so that indexing
// several hundred thousand globals costs one allocation and no rehashing.
type nameIndex struct {
	img   *image
	seed  maphash.Seed
	slots []uint64 // hash tag << 32 | symbol index + 1; 0 is empty
	mask  uint64
}

func newNameIndex(img *image, capacity int) *nameIndex {
	size := uint64(16)
	for size < uint64(capacity)*2 {
		size <<= 1
	}
	return &nameIndex{img: img, seed: maphash.MakeSeed(), slots: make([]uint64, size), mask: size - 1}
}

// add indexes symbol i under its name; a name already present keeps its
// first symbol.
func (x *nameIndex) add(i int) {
	name := x.img.name(&x.img.syms[i])
	h := maphash.String(x.seed, name)
	tag := h >> 32
	for pos := h & x.mask; ; pos = (pos + 1) & x.mask {
		v := x.slots[pos]
		if v == 0 {
			x.slots[pos] = tag<<32 | uint64(i+1)
			return
		}
		if v>>32 == tag && x.img.name(&x.img.syms[v&0xffffffff-1]) == name {
			return
		}
	}
}

// find returns the symbol indexed under name, or -1.
func (x *nameIndex) find(name string) int {
	h := maphash.String(x.seed, name)
	tag := h >> 32
	for pos := h & x.mask; ; pos = (pos + 1) & x.mask {
		v := x.slots[pos]
		if v == 0 {
			return -1
		}
		if v>>32 == tag {
			if j := int(v&0xffffffff) - 1; x.img.name(&x.img.syms[j]) == name {
				return j
			}
		}
	}
}
