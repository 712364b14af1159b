package elfsym

import (
	"encoding/binary"
	"sort"
)

// Relocs are the relocations of one section of a relocatable file, for
// reading a few relocated fields out of the section's unrelocated bytes
// instead of copying the section and relocating every field: a kernel's
// .debug_info has 0.94 M relocations and .debug_str_offsets 1.27 M, of
// which the DWARF reader needs a few per unit. The table is decoded in
// place from the mapped file; it is checked once, front to back, as
// ApplyRelocations checks it, and must be sorted by offset without
// overlapping fields so that a field's relocations can be found by binary
// search.
type Relocs struct {
	f      *File
	data   []byte // the section's unrelocated bytes
	table  []byte // Elf64_Rela entries, sorted by r_offset
	values []uint64
	// width is absoluteRelocSize by type for the first types, -1 for a
	// type the machine does not define: the checks of a million entries
	// look it up instead of switching on the machine.
	width [64]int8
	// Within: the fields inside [lo, hi) are read from table, a part of
	// all's; others from all.
	lo, hi uint64
	all    *Relocs
}

// SectionView returns a section's bytes without copying them, valid until
// Close and never to be written, and, in a relocatable file, its
// relocations (nil when it has none). ok is false when that is not
// possible: the file is not mapped, the section is compressed, or its
// relocations are not one ELF64 little-endian RELA table sorted by offset
// (what ld.lld -r writes for DWARF); the caller then uses SectionData and
// ApplyRelocations. An error is what ApplyRelocations would report.
func (f *File) SectionView(s *Section) (data []byte, rel *Relocs, ok bool, err error) {
	if s.Type == SHTNobits || s.Flags&SHFCompressed != 0 || len(s.Name) > 8 && s.Name[:8] == ".zdebug_" {
		return nil, nil, false, nil
	}
	if err := f.checkBounds(s, "section "+s.Name); err != nil {
		return nil, nil, false, err
	}
	data = f.view(s.Offset, s.Size)
	if data == nil {
		return nil, nil, false, nil
	}
	if f.Type != TypeRel {
		return data, nil, true, nil
	}
	tables, symtab, err := f.relocTablesFor(s)
	if err != nil {
		return nil, nil, false, err
	}
	switch {
	case len(tables) == 0:
		return data, nil, true, nil
	case len(tables) > 1 || !tables[0].rela || f.Class != Class64 || f.ByteOrder != binary.LittleEndian:
		return nil, nil, false, nil
	}
	values, err := f.symbolValues(symtab)
	if err != nil {
		return nil, nil, false, err
	}
	t := tables[0]
	r := &Relocs{f: f, data: data, table: f.view(t.sec.Offset, t.sec.Size), values: values}
	for typ := range r.width {
		r.width[typ] = int8(absoluteRelocSize(f.Machine, uint32(typ)))
		if r.width[typ] == 0 && !knownRelocType(f.Machine, uint32(typ)) {
			r.width[typ] = -1
		}
	}
	sorted, err := r.check(t, s)
	if err != nil || !sorted {
		return nil, nil, false, err
	}
	return data, r, true, nil
}

// check validates every entry as applyRela64LE does and reports whether
// the table is sorted by offset with no two fields overlapping.
func (r *Relocs) check(t relocTable, target *Section) (bool, error) {
	le := binary.LittleEndian
	nsyms, size := uint64(len(r.values)), uint64(len(r.data))
	end := uint64(0) // where the previous field ends
	tab := r.table
	for i := 0; len(tab) >= 24; i++ {
		off, info := le.Uint64(tab), le.Uint64(tab[8:])
		tab = tab[24:]
		sym, typ := info>>32, uint32(info)
		w := -1
		if typ < uint32(len(r.width)) {
			w = int(r.width[typ])
		} else {
			w = r.widthOf(typ)
		}
		if sym >= nsyms || w < 0 || off > size || uint64(w) > size-off {
			err := r.f.applyOne(relocEntry{off: off, sym: sym, typ: typ}, r.values, true, make([]byte, size))
			pos := int64(t.sec.Offset + uint64(i)*24)
			return false, r.f.errorf(pos, "relocation %d of %q (for %q): %v", i, t.sec.Name, target.Name, err)
		}
		if off < end {
			return false, nil
		}
		end = off + uint64(max(w, 1))
	}
	return true, nil
}

// widthOf is the field width of relocation type typ, 0 for one that
// writes nothing DWARF reads, -1 for one the machine does not define.
func (r *Relocs) widthOf(typ uint32) int {
	if typ < uint32(len(r.width)) {
		return int(r.width[typ])
	}
	if w := absoluteRelocSize(r.f.Machine, typ); w > 0 || knownRelocType(r.f.Machine, typ) {
		return w
	}
	return -1
}

// Within is r for reading fields inside [lo, hi) of the section only: the
// relocations that can touch them, found by two binary searches, so that
// the many fields read from one unit's part of a section search a few
// hundred entries instead of a million.
func (r *Relocs) Within(lo, hi uint64) *Relocs {
	if r.all != nil {
		r = r.all
	}
	le := binary.LittleEndian
	count := len(r.table) / 24
	from := lo - min(lo, 7)
	i := sort.Search(count, func(i int) bool { return le.Uint64(r.table[i*24:]) >= from })
	j := i + sort.Search(count-i, func(k int) bool { return le.Uint64(r.table[(i+k)*24:]) >= hi })
	sub := *r
	sub.table, sub.lo, sub.hi, sub.all = r.table[i*24:j*24], lo, hi, r
	return &sub
}

// Field reads the n-byte (1 to 8) field at off of the section as
// ApplyRelocations would have left it. The caller has checked that the
// field lies inside the section.
func (r *Relocs) Field(off uint64, n int) uint64 {
	if r.all != nil && (off < r.lo || off > r.hi || uint64(n) > r.hi-off) {
		r = r.all
	}
	count := len(r.table) / 24
	le := binary.LittleEndian
	// The common case: one relocation of the field's width at its offset
	// (no other can touch the field: check found none overlapping).
	i := r.search(off)
	if i < count {
		e := r.table[i*24:]
		if info := le.Uint64(e[8:]); le.Uint64(e) == off && r.widthOf(uint32(info)) == n {
			v := r.values[info>>32] + le.Uint64(e[16:])
			if n == 4 {
				v = uint64(uint32(v))
			}
			return v
		}
	}
	// Otherwise the relocations that touch the field start at most 7
	// bytes before it; apply them to a copy of the bytes around it.
	lo := off - min(off, 7)
	hi := min(off+uint64(n)+8, uint64(len(r.data)))
	var win [24]byte
	copy(win[:], r.data[lo:hi])
	for i > 0 && le.Uint64(r.table[(i-1)*24:]) >= lo {
		i--
	}
	for ; i < count; i++ {
		e := r.table[i*24:]
		at := le.Uint64(e)
		if at >= off+uint64(n) {
			break
		}
		info := le.Uint64(e[8:])
		v := r.values[info>>32] + le.Uint64(e[16:])
		switch r.widthOf(uint32(info)) {
		case 8:
			le.PutUint64(win[at-lo:], v)
		case 4:
			le.PutUint32(win[at-lo:], uint32(v))
		}
	}
	var v uint64
	for k := n - 1; k >= 0; k-- {
		v = v<<8 | uint64(win[off-lo+uint64(k)])
	}
	return v
}

// search is the index of the first entry of r.table at or after off.
// Tables of DWARF relocations are dense (.debug_str_offsets has one per
// entry, four bytes apart), so the index is first guessed by
// interpolation between the first and last offsets, which settles nearly
// every search of a unit's string offsets at once; a wrong guess falls
// back to a binary search. Offsets strictly increase (check allows no
// two fields to overlap), so one look at the guess and its predecessor
// decides it.
func (r *Relocs) search(off uint64) int {
	le := binary.LittleEndian
	count := len(r.table) / 24
	if count == 0 {
		return 0
	}
	first, last := le.Uint64(r.table), le.Uint64(r.table[(count-1)*24:])
	switch {
	case off <= first:
		return 0
	case off > last:
		return count
	}
	if span := last - first; span > 0 && off-first <= span {
		g := int(uint64(count-1) * (off - first) / span)
		if g < 0 || g >= count {
			g = 0
		}
		if at := le.Uint64(r.table[g*24:]); at >= off && (g == 0 || le.Uint64(r.table[(g-1)*24:]) < off) {
			return g
		}
	}
	lo, hi := 0, count
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if le.Uint64(r.table[m*24:]) < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
