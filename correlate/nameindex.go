package correlate

import "hash/maphash"

// nameIndex finds the symbols of one image by exact name. It is a
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
