package elfsym

import "fmt"

// Machines whose absolute data relocations RelocCursor applies.
const (
	EMPPC       = 20
	EMPPC64     = 21
	EMS390      = 22
	EMARM       = 40
	EM386       = 3
	EMX8664     = 62
	EMAArch64   = 183
	EMRISCV     = 243
	EMLoongArch = 258
)

// absoluteRelocSize returns the width in bytes of the relocation types that
// store S+A into data (what DWARF sections of a relocatable file use), or 0.
func absoluteRelocSize(machine uint16, typ uint32) int {
	switch machine {
	case EMX8664:
		switch typ {
		case 1: // R_X86_64_64
			return 8
		case 10, 11: // R_X86_64_32, R_X86_64_32S
			return 4
		}
	case EM386:
		if typ == 1 { // R_386_32
			return 4
		}
	case EMAArch64:
		switch typ {
		case 257: // R_AARCH64_ABS64
			return 8
		case 258: // R_AARCH64_ABS32
			return 4
		}
	case EMS390:
		switch typ {
		case 4: // R_390_32
			return 4
		case 22: // R_390_64
			return 8
		}
	case EMPPC64:
		switch typ {
		case 38: // R_PPC64_ADDR64
			return 8
		case 1: // R_PPC64_ADDR32
			return 4
		}
	case EMPPC:
		if typ == 1 { // R_PPC_ADDR32
			return 4
		}
	case EMARM:
		if typ == 2 { // R_ARM_ABS32
			return 4
		}
	case EMRISCV, EMLoongArch:
		switch typ {
		case 1: // R_RISCV_32, R_LARCH_32
			return 4
		case 2: // R_RISCV_64, R_LARCH_64
			return 8
		}
	}
	return 0
}

// RelocCursor applies the relocations of one section of a relocatable
// file to windows of that section's bytes, reading the relocation table
// forward in chunks. Windows are expected in increasing order (how DWARF
// units are read); a window before the previous one restarts the scan.
// Linkers write relocations sorted by offset, so a whole section costs one
// pass over its relocation table.
type RelocCursor struct {
	f        *File
	rel      *Section
	symtab   *Section
	rela     bool
	ent      uint64
	count    uint64
	next     uint64 // index of the next relocation not yet behind us
	chunk    []byte
	at       uint64 // index of chunk[0]
	syms     map[uint64]uint64
	lastLo   uint64
	unsorted bool
}

// RelocationsFor returns a cursor over the relocations that apply to
// section target, or nil when the file has none (not relocatable, or the
// section needs no relocation).
func (f *File) RelocationsFor(target *Section) (*RelocCursor, error) {
	if f.Type != TypeRel {
		return nil, nil
	}
	for i := range f.Sections {
		s := &f.Sections[i]
		if (s.Type != SHTRela && s.Type != SHTRel) || int(s.Info) != target.Index {
			continue
		}
		rela := s.Type == SHTRela
		ent := uint64(8)
		switch {
		case f.Class == Class64 && rela:
			ent = 24
		case f.Class == Class64:
			ent = 16
		case rela:
			ent = 12
		}
		if err := f.checkBounds(s, "relocation table"); err != nil {
			return nil, err
		}
		if s.Size%ent != 0 {
			return nil, f.errorf(int64(s.Offset), "relocation table %q size %d is not a multiple of %d", s.Name, s.Size, ent)
		}
		if int(s.Link) >= len(f.Sections) || f.Sections[s.Link].Type != SHTSymtab {
			return nil, f.errorf(-1, "relocation table %q does not link to the symbol table", s.Name)
		}
		if err := f.checkBounds(&f.Sections[s.Link], "symbol table"); err != nil {
			return nil, err
		}
		return &RelocCursor{f: f, rel: s, symtab: &f.Sections[s.Link], rela: rela, ent: ent,
			count: s.Size / ent, syms: map[uint64]uint64{}}, nil
	}
	return nil, nil
}

// Apply relocates buf, which holds the target section's bytes from offset lo.
func (c *RelocCursor) Apply(buf []byte, lo uint64) error {
	if c == nil {
		return nil
	}
	hi := lo + uint64(len(buf))
	if c.unsorted {
		for i := uint64(0); i < c.count; i++ {
			if err := c.applyOne(i, buf, lo, hi); err != nil {
				return err
			}
		}
		return nil
	}
	if lo < c.lastLo {
		c.next = 0 // a window before the last one: scan again from the start
	}
	c.lastLo = lo
	var prev uint64
	if c.next > 0 {
		p, _, _, _, err := c.entry(c.next - 1)
		if err != nil {
			return err
		}
		prev = p
	}
	for i := c.next; i < c.count; i++ {
		off, _, _, _, err := c.entry(i)
		if err != nil {
			return err
		}
		if off < prev {
			// Not sorted by offset: fall back to a full scan per window.
			c.unsorted = true
			return c.Apply(buf, lo)
		}
		prev = off
		if off < lo {
			c.next = i + 1
			continue
		}
		if off >= hi {
			return nil
		}
		if err := c.applyOne(i, buf, lo, hi); err != nil {
			return err
		}
	}
	return nil
}

func (c *RelocCursor) applyOne(i uint64, buf []byte, lo, hi uint64) error {
	off, sym, typ, addend, err := c.entry(i)
	if err != nil {
		return err
	}
	size := absoluteRelocSize(c.f.Machine, typ)
	if size == 0 || off < lo || off+uint64(size) > hi {
		return nil
	}
	s, err := c.symbolValue(sym)
	if err != nil {
		return err
	}
	p := buf[off-lo:]
	bo := c.f.ByteOrder
	if !c.rela { // REL: the addend is what the section holds
		if size == 4 {
			addend = int64(int32(bo.Uint32(p)))
		} else {
			addend = int64(bo.Uint64(p))
		}
	}
	v := s + uint64(addend)
	if size == 4 {
		bo.PutUint32(p, uint32(v))
	} else {
		bo.PutUint64(p, v)
	}
	return nil
}

func (c *RelocCursor) entry(i uint64) (off uint64, sym uint64, typ uint32, addend int64, err error) {
	const per = 2048
	if c.chunk == nil || i < c.at || i >= c.at+uint64(len(c.chunk))/c.ent {
		n := min(c.count-i, per)
		if uint64(cap(c.chunk)) < n*c.ent {
			c.chunk = make([]byte, n*c.ent)
		}
		c.chunk = c.chunk[:n*c.ent]
		c.at = i
		if err := c.f.readAt(c.chunk, int64(c.rel.Offset+i*c.ent), "relocation table"); err != nil {
			return 0, 0, 0, 0, err
		}
	}
	b := c.chunk[(i-c.at)*c.ent:]
	bo := c.f.ByteOrder
	if c.f.Class == Class64 {
		off = bo.Uint64(b)
		info := bo.Uint64(b[8:])
		sym, typ = info>>32, uint32(info)
		if c.rela {
			addend = int64(bo.Uint64(b[16:]))
		}
	} else {
		off = uint64(bo.Uint32(b))
		info := bo.Uint32(b[4:])
		sym, typ = uint64(info>>8), info&0xff
		if c.rela {
			addend = int64(int32(bo.Uint32(b[8:])))
		}
	}
	return off, sym, typ, addend, nil
}

func (c *RelocCursor) symbolValue(i uint64) (uint64, error) {
	if v, ok := c.syms[i]; ok {
		return v, nil
	}
	s, err := c.f.SymbolAt(c.symtab, i)
	if err != nil {
		return 0, fmt.Errorf("relocation in %q: %w", c.rel.Name, err)
	}
	if len(c.syms) > 1<<16 {
		clear(c.syms)
	}
	c.syms[i] = s.Value
	return s.Value, nil
}
