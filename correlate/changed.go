package correlate

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"slices"
	"sort"

	"klpcheck/correlate/elfsym"
	"klpcheck/correlate/symname"
)

// What makes a pair of twins differ, in the order it is checked.
const (
	ChangeSize        = "size"        // st_size differs
	ChangeBytes       = "bytes"       // the bytes differ outside relocated fields
	ChangeRelocations = "relocations" // a relocation differs in place, type, target or addend
)

// digest sums up one symbol's contents: its size, its bytes with every
// relocated field masked, and its relocations. A relocation target is
// named without its ".llvm.<hash>": a rebuild renames promoted symbols,
// which does not change the code that refers to them.
type digest struct {
	size   uint64
	bytes  uint64
	relocs uint64
	err    string
}

// hasContents reports whether klp-diff would compare the symbol's contents:
// functions and data objects.
func hasContents(s *sym) bool { return s.typ == elfsym.STTFunc || s.typ == elfsym.STTObject }

// changedTwins compares the bytes of every paired function and object.
func changedTwins(m *matcher, t *Twins) {
	o, p := m.orig, m.patched
	var oi, pj []int32 // image symbol indices of each pair
	var pos []int32    // the orig side position of each pair
	for i := range o.idx {
		j := o.twin[i]
		if j < 0 || !hasContents(o.sym(i)) || !hasContents(p.sym(int(j))) {
			continue
		}
		oi = append(oi, o.idx[i])
		pj = append(pj, p.idx[j])
		pos = append(pos, int32(i))
	}
	seed := maphash.MakeSeed()
	var od, pd []digest
	oerr := o.img.f.ReadMapped(func() (err error) {
		od, err = digests(o.img, oi, seed)
		return err
	})
	perr := p.img.f.ReadMapped(func() (err error) {
		pd, err = digests(p.img, pj, seed)
		return err
	})
	for _, err := range []error{oerr, perr} {
		if err != nil {
			t.ChangedNote = appendNote(t.ChangedNote, err.Error())
		}
	}
	od, pd = unreadable(od, len(oi), oerr), unreadable(pd, len(pj), perr)
	for k := range oi {
		a, b := od[k], pd[k]
		var reason string
		switch {
		case a.err != "" || b.err != "":
			reason = "unreadable: " + firstNonEmpty(a.err, b.err)
		case a.size != b.size:
			reason = ChangeSize
		case a.bytes != b.bytes:
			reason = ChangeBytes
		case a.relocs != b.relocs:
			reason = ChangeRelocations
		default:
			t.UnchangedCount++
			continue
		}
		i := int(pos[k])
		s := o.sym(i)
		ps := p.sym(int(o.twin[i]))
		t.Changed = append(t.Changed, ChangedSymbol{Orig: o.name(i), Patched: p.name(int(o.twin[i])), Kind: kindName(s.typ),
			File: firstNonEmpty(p.img.fileLabel(ps), o.img.fileLabel(s)), Reason: reason})
	}
	sort.Slice(t.Changed, func(i, j int) bool {
		if t.Changed[i].Patched != t.Changed[j].Patched {
			return t.Changed[i].Patched < t.Changed[j].Patched
		}
		return t.Changed[i].Orig < t.Changed[j].Orig
	})
	if linkedWithoutRelocs(o.img) || linkedWithoutRelocs(p.img) {
		t.ChangedNote = appendNote(t.ChangedNote, "a linked file keeps no relocations: code that refers to an address that moved counts as changed; compare the vmlinux.o files for the live patch's set")
	}
}

func linkedWithoutRelocs(img *image) bool {
	return img.f.Type != elfsym.TypeRel && len(relocTables(img.f)) == 0
}

func appendNote(note, s string) string {
	if note == "" {
		return s
	}
	return note + "; " + s
}

// unreadable is ds, or when reading stopped short (the file changed
// under its mapping) n digests that say why.
func unreadable(ds []digest, n int, err error) []digest {
	if len(ds) == n {
		return ds
	}
	ds = make([]digest, n)
	for k := range ds {
		ds[k].err = err.Error()
	}
	return ds
}

// reloc is one relocation, its offset made relative to its section.
type reloc struct {
	off    uint64
	sym    uint32
	typ    uint32
	addend int64
}

// relocTables maps each section to the relocation table that applies to
// it.
func relocTables(f *elfsym.File) map[uint32]int {
	out := map[uint32]int{}
	for i := range f.Sections {
		s := &f.Sections[i]
		if (s.Type == elfsym.SHTRela || s.Type == elfsym.SHTRel) && s.Info != 0 && int(s.Info) < len(f.Sections) {
			out[s.Info] = i
		}
	}
	return out
}

// digests sums up the symbols idx of img. Each section is read once, over
// the span its symbols cover, and each relocation table once, whole.
func digests(img *image, idx []int32, seed maphash.Seed) ([]digest, error) {
	out := make([]digest, len(idx))
	// The symbols are bucketed by section with a counting sort, in order of
	// section and, within one, of idx: an ld -r link of function sections
	// has a section per function, and a map of a million one-element
	// slices cost 90 MB. A symbol of a reserved or unknown section index
	// has no bytes to compare (sectionDigests would skip it).
	nsec := uint32(len(img.f.Sections))
	start := make([]int32, nsec+1)
	for k, i := range idx {
		out[k].size = img.sizes[i]
		if sh := img.syms[i].shndx; sh < nsec {
			start[sh+1]++
		}
	}
	for sh := uint32(1); sh <= nsec; sh++ {
		start[sh] += start[sh-1]
	}
	order := make([]int, start[nsec])
	next := slices.Clone(start[:nsec])
	for k, i := range idx {
		if sh := img.syms[i].shndx; sh < nsec {
			order[next[sh]] = k
			next[sh]++
		}
	}
	// By section index, not maps: the lookups run once per section and
	// once per relocation, a million of each in a kernel-sized link.
	tables := make([]int32, nsec)
	for i := range tables {
		tables[i] = -1
	}
	for target, t := range relocTables(img.f) {
		if target < nsec {
			tables[target] = int32(t)
		}
	}
	owners := sectionOwners(img)
	for sh := uint32(0); sh < nsec; sh++ {
		if start[sh] == start[sh+1] {
			continue
		}
		if err := sectionDigests(img, sh, order[start[sh]:start[sh+1]], idx, tables, owners, seed, out); err != nil {
			return out, err
		}
	}
	return out, nil
}

func sectionDigests(img *image, shndx uint32, ks []int, idx []int32, tables []int32, owners []int32, seed maphash.Seed, out []digest) error {
	f := img.f
	if shndx >= elfsym.Reserved || int(shndx) >= len(f.Sections) {
		return nil // absolute or common: no bytes to compare, the size says it all
	}
	sec := &f.Sections[shndx]
	if sec.Type == elfsym.SHTNobits {
		return nil
	}
	base := uint64(0)
	if f.Type != elfsym.TypeRel {
		base = sec.Addr // a linked file's symbol values are addresses
	}
	lo, hi := symbolSpan(img, sec, base, ks, idx, out)
	if lo >= hi {
		return nil
	}
	t, hasRelocs := tables[shndx], tables[shndx] >= 0
	buf, err := sectionWindow(img, sec, lo, hi, hasRelocs)
	if err != nil {
		return err
	}
	var rels []reloc
	if hasRelocs {
		if rels, err = readRelocs(f, &f.Sections[t], base); err != nil {
			return err
		}
		for _, r := range rels {
			if r.off >= lo && r.off < hi {
				w := min(uint64(relocWidth(f, r.typ)), hi-r.off)
				clear(buf[r.off-lo : r.off-lo+w])
			}
		}
	}
	hashSymbols(img, ks, idx, owners, seed, buf, lo, base, rels, out)
	return nil
}

// symbolSpan is the part [lo, hi) of section sec, relative to base, that
// the symbols ks hold; a symbol outside the section gets its error instead.
func symbolSpan(img *image, sec *elfsym.Section, base uint64, ks []int, idx []int32, out []digest) (lo, hi uint64) {
	lo, hi = ^uint64(0), uint64(0)
	for _, k := range ks {
		v := img.values[idx[k]]
		if v < base || v-base > sec.Size || out[k].size > sec.Size-(v-base) {
			out[k].err = fmt.Sprintf("%s: %s lies outside its section %s", img.path, img.name(&img.syms[idx[k]]), sec.Name)
			continue
		}
		lo, hi = min(lo, v-base), max(hi, v-base+out[k].size)
	}
	return lo, hi
}

// sectionWindow is the bytes [lo, hi) of section sec: the mapped file's
// when nothing is written to them, a copy when the relocated fields are
// to be cleared (writable) or the file is not mapped.
func sectionWindow(img *image, sec *elfsym.Section, lo, hi uint64, writable bool) ([]byte, error) {
	f := img.f
	buf := f.View(sec.Offset+lo, hi-lo)
	if buf == nil || writable {
		mapped := buf
		buf = make([]byte, hi-lo)
		if mapped != nil {
			copy(buf, mapped)
		} else if _, err := f.ReaderAt().ReadAt(buf, int64(sec.Offset+lo)); err != nil {
			return nil, fmt.Errorf("%s: reading section %s at offset %#x: %v", img.path, sec.Name, sec.Offset+lo, err)
		}
	}
	return buf, nil
}

// hashSymbols digests the bytes of each symbol of ks without an error, buf
// holding the section from lo, and the relocations in it: their offsets,
// types, addends and targets.
func hashSymbols(img *image, ks []int, idx []int32, owners []int32, seed maphash.Seed, buf []byte, lo, base uint64, rels []reloc, out []digest) {
	var h maphash.Hash
	h.SetSeed(seed)
	var num [8]byte
	for _, k := range ks {
		if out[k].err != "" {
			continue
		}
		v := img.values[idx[k]] - base
		h.Reset()
		h.Write(buf[v-lo : v-lo+out[k].size])
		out[k].bytes = h.Sum64()
		h.Reset()
		first := sort.Search(len(rels), func(i int) bool { return rels[i].off >= v })
		for _, r := range rels[first:] {
			if r.off >= v+out[k].size {
				break
			}
			binary.LittleEndian.PutUint64(num[:], r.off-v)
			h.Write(num[:])
			binary.LittleEndian.PutUint64(num[:], uint64(r.typ))
			h.Write(num[:])
			binary.LittleEndian.PutUint64(num[:], uint64(r.addend))
			h.Write(num[:])
			writeTargetKey(&h, img, owners, r.sym)
			h.WriteByte(0)
		}
		out[k].relocs = h.Sum64()
	}
}

// noOwner marks a section no symbol owns.
const noOwner = -2

// sectionOwners maps each section that holds exactly one function or
// data object, at its start, to that symbol: with -ffunction-sections and
// -fdata-sections a reference to a static through its section symbol
// (.text.foo+0) and one through its name (foo, once promoted) are the same
// reference, as klp-diff sees them after turning section references into
// symbol references.
// The result is indexed by section: noOwner for a section without such a
// symbol, -1 for one with several.
func sectionOwners(img *image) []int32 {
	owners := make([]int32, len(img.f.Sections))
	for i := range owners {
		owners[i] = noOwner
	}
	for i := range img.syms {
		s := &img.syms[i]
		if !hasContents(s) || int(s.shndx) >= len(owners) {
			continue
		}
		if owners[s.shndx] != noOwner {
			owners[s.shndx] = -1
			continue
		}
		owners[s.shndx] = int32(i)
		if img.values[i] != 0 && img.f.Type == elfsym.TypeRel {
			owners[s.shndx] = -1
		}
	}
	return owners
}

// writeTargetKey hashes the name of a relocation's target the same way in
// both builds: the symbol's name without its .llvm.<hash>, the owner of a
// section symbol's section, or "section NAME". It writes the parts instead
// of joining them: a kernel has a million relocations, many of them to
// section symbols of string literals.
func writeTargetKey(h *maphash.Hash, img *image, owners []int32, i uint32) {
	if int(i) >= len(img.table) {
		fmt.Fprintf(h, "#%d", i)
		return
	}
	e := img.table[i]
	name := img.strtab[e.nameOff : e.nameOff+e.nameLen]
	if e.typ == elfsym.STTSection {
		if int(e.shndx) < len(owners) && owners[e.shndx] >= 0 {
			name = img.name(&img.syms[owners[e.shndx]])
		} else {
			h.WriteString("section ")
			name = img.f.SectionName(e.shndx)
		}
	}
	if p, ok := symname.SplitLLVM(name); ok {
		name = p.Base
	}
	h.WriteString(name)
}

// readRelocs reads one relocation table whole and sorts it by offset.
func readRelocs(f *elfsym.File, s *elfsym.Section, base uint64) ([]reloc, error) {
	rela := s.Type == elfsym.SHTRela
	ent := uint64(8)
	switch {
	case f.Class == elfsym.Class64 && rela:
		ent = 24
	case f.Class == elfsym.Class64:
		ent = 16
	case rela:
		ent = 12
	}
	if s.Offset > uint64(f.Size()) || s.Size > uint64(f.Size())-s.Offset || s.Size%ent != 0 {
		return nil, fmt.Errorf("%s: relocation table %s at offset %#x, %d bytes: truncated or corrupt", f.Path, s.Name, s.Offset, s.Size)
	}
	raw := f.View(s.Offset, s.Size)
	if raw == nil {
		raw = make([]byte, s.Size)
		if _, err := f.ReaderAt().ReadAt(raw, int64(s.Offset)); err != nil {
			return nil, fmt.Errorf("%s: reading relocation table %s at offset %#x: %v", f.Path, s.Name, s.Offset, err)
		}
	}
	bo := f.ByteOrder
	out := make([]reloc, 0, s.Size/ent)
	for b := raw; len(b) >= int(ent); b = b[ent:] {
		var r reloc
		if f.Class == elfsym.Class64 {
			info := bo.Uint64(b[8:])
			r = reloc{off: bo.Uint64(b), sym: uint32(info >> 32), typ: uint32(info)}
			if rela {
				r.addend = int64(bo.Uint64(b[16:]))
			}
		} else {
			info := bo.Uint32(b[4:])
			r = reloc{off: uint64(bo.Uint32(b)), sym: info >> 8, typ: info & 0xff}
			if rela {
				r.addend = int64(int32(bo.Uint32(b[8:])))
			}
		}
		r.off -= base
		out = append(out, r)
	}
	if !sort.SliceIsSorted(out, func(i, j int) bool { return out[i].off < out[j].off }) {
		sort.SliceStable(out, func(i, j int) bool { return out[i].off < out[j].off })
	}
	return out, nil
}

// relocWidth is how many bytes a relocation of type typ writes: the field
// to mask. Types not listed mask a word of the file's class.
func relocWidth(f *elfsym.File, typ uint32) int {
	switch f.Machine {
	case elfsym.EMX8664:
		switch typ {
		case 0:
			return 0
		case 1, 24, 26, 16, 17, 18: // 64, PC64, GOTOFF64, DTPMOD64, DTPOFF64, TPOFF64
			return 8
		case 12, 13: // 16, PC16
			return 2
		case 14, 15: // 8, PC8
			return 1
		}
		return 4
	case elfsym.EMAArch64:
		switch typ {
		case 257, 260: // ABS64, PREL64
			return 8
		case 259, 262: // ABS16, PREL16
			return 2
		}
		return 4
	}
	if f.Class == elfsym.Class64 {
		return 8
	}
	return 4
}
