package elfsym

import (
	"encoding/binary"
	"fmt"
)

// Machines whose absolute data relocations ApplyRelocations applies.
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

// knownRelocType reports whether typ is a relocation type the machine
// defines. A type outside the defined range in a DWARF relocation table is
// corruption, not something to skip: skipping it would leave a wrong offset
// in the bytes read. Only x86-64 is checked; other machines pass.
func knownRelocType(machine uint16, typ uint32) bool {
	if machine == EMX8664 {
		return typ <= 43 // R_X86_64_NONE .. R_X86_64_REX2_GOTPCRELX
	}
	return true
}

// relocEntry is one decoded relocation.
type relocEntry struct {
	off    uint64
	sym    uint64
	typ    uint32
	addend int64
}

// relocTable is one SHT_REL/SHT_RELA section and its geometry.
type relocTable struct {
	sec  *Section
	rela bool
	ent  uint64
}

// relocTablesFor finds the relocation sections whose sh_info is target.
func (f *File) relocTablesFor(target *Section) ([]relocTable, *Section, error) {
	var out []relocTable
	var symtab *Section
	for i := range f.Sections {
		s := &f.Sections[i]
		if (s.Type != SHTRela && s.Type != SHTRel) || int(s.Info) != target.Index {
			continue
		}
		t := relocTable{sec: s, rela: s.Type == SHTRela, ent: 8}
		switch {
		case f.Class == Class64 && t.rela:
			t.ent = 24
		case f.Class == Class64:
			t.ent = 16
		case t.rela:
			t.ent = 12
		}
		if err := f.checkBounds(s, "relocation table"); err != nil {
			return nil, nil, err
		}
		if s.Size%t.ent != 0 {
			return nil, nil, f.errorf(int64(s.Offset), "relocation table %q size %d is not a multiple of %d", s.Name, s.Size, t.ent)
		}
		if int(s.Link) >= len(f.Sections) || f.Sections[s.Link].Type != SHTSymtab {
			return nil, nil, f.errorf(int64(s.Offset), "relocation table %q does not link to the symbol table", s.Name)
		}
		symtab = &f.Sections[s.Link]
		out = append(out, t)
	}
	return out, symtab, nil
}

// relocChunk is how many entries one read of a relocation table brings in.
const relocChunk = 8192

// ApplyRelocations applies, in place, the relocations of a relocatable
// file that target section target, whose (decompressed) bytes are data.
// Each relocation table is read once, front to back, in chunks; every
// entry writes at its own offset, so the order of the table does not
// matter and the cost is linear in its size. Only the absolute data
// relocations DWARF uses are applied; any entry that points outside data,
// at a symbol the symbol table lacks, or has a type the machine does not
// define is an error naming the table and the entry's file offset.
func (f *File) ApplyRelocations(target *Section, data []byte) error {
	if f.Type != TypeRel {
		return nil
	}
	tables, symtab, err := f.relocTablesFor(target)
	if err != nil || len(tables) == 0 {
		return err
	}
	values, err := f.symbolValues(symtab)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if err := f.applyTable(t, values, target, data); err != nil {
			return err
		}
	}
	return nil
}

func (f *File) applyTable(t relocTable, values []uint64, target *Section, data []byte) error {
	count := t.sec.Size / t.ent
	var buf []byte
	if f.mapped == nil {
		buf = make([]byte, min(count, relocChunk)*t.ent)
	}
	// ELF64 RELA little-endian (x86-64, arm64, riscv, ...): what every
	// large input is; decoded without going through the ByteOrder interface.
	fast := f.Class == Class64 && t.rela && f.ByteOrder == binary.LittleEndian
	for at := uint64(0); at < count; {
		n := min(count-at, relocChunk)
		chunk := f.view(t.sec.Offset+at*t.ent, n*t.ent)
		if chunk == nil {
			chunk = buf[:n*t.ent]
			if err := f.readAt(chunk, int64(t.sec.Offset+at*t.ent), "relocation table "+t.sec.Name); err != nil {
				return err
			}
		}
		if fast {
			if i, err := f.applyRela64LE(chunk, values, data); err != nil {
				pos := int64(t.sec.Offset + (at+uint64(i))*t.ent)
				return f.errorf(pos, "relocation %d of %q (for %q): %v", at+uint64(i), t.sec.Name, target.Name, err)
			}
			at += n
			continue
		}
		for i := uint64(0); i < n; i++ {
			e := f.decodeReloc(chunk[i*t.ent:], t.rela)
			if err := f.applyOne(e, values, t.rela, data); err != nil {
				pos := int64(t.sec.Offset + (at+i)*t.ent)
				return f.errorf(pos, "relocation %d of %q (for %q): %v", at+i, t.sec.Name, target.Name, err)
			}
		}
		at += n
	}
	return nil
}

// applyRela64LE applies a chunk of Elf64_Rela entries; on error it returns
// the index of the entry in the chunk.
func (f *File) applyRela64LE(chunk []byte, values []uint64, data []byte) (int, error) {
	le := binary.LittleEndian
	machine := f.Machine
	nsyms := uint64(len(values))
	size := uint64(len(data))
	for i := 0; len(chunk) >= 24; i++ {
		off, info, addend := le.Uint64(chunk), le.Uint64(chunk[8:]), le.Uint64(chunk[16:])
		chunk = chunk[24:]
		sym, typ := info>>32, uint32(info)
		w := absoluteRelocSize(machine, typ)
		if sym >= nsyms || w == 0 && !knownRelocType(machine, typ) || off > size || uint64(w) > size-off {
			// The slow path says what is wrong.
			return i, f.applyOne(relocEntry{off: off, sym: sym, typ: typ, addend: int64(addend)}, values, true, data)
		}
		v := values[sym] + addend
		switch w {
		case 8:
			le.PutUint64(data[off:], v)
		case 4:
			le.PutUint32(data[off:], uint32(v))
		}
	}
	return 0, nil
}

func (f *File) decodeReloc(b []byte, rela bool) relocEntry {
	bo := f.ByteOrder
	var e relocEntry
	if f.Class == Class64 {
		e.off = bo.Uint64(b)
		info := bo.Uint64(b[8:])
		e.sym, e.typ = info>>32, uint32(info)
		if rela {
			e.addend = int64(bo.Uint64(b[16:]))
		}
		return e
	}
	e.off = uint64(bo.Uint32(b))
	info := bo.Uint32(b[4:])
	e.sym, e.typ = uint64(info>>8), info&0xff
	if rela {
		e.addend = int64(int32(bo.Uint32(b[8:])))
	}
	return e
}

func (f *File) applyOne(e relocEntry, values []uint64, rela bool, data []byte) error {
	if !knownRelocType(f.Machine, e.typ) {
		return fmt.Errorf("unknown relocation type %d for %s", e.typ, machineLabel(f.Machine))
	}
	if e.sym >= uint64(len(values)) {
		return fmt.Errorf("symbol index %d out of range (%d symbols)", e.sym, len(values))
	}
	size := absoluteRelocSize(f.Machine, e.typ)
	if size == 0 {
		if e.off > uint64(len(data)) {
			return fmt.Errorf("offset %#x past the end of the section (%d bytes)", e.off, len(data))
		}
		return nil // not a data relocation DWARF names depend on
	}
	if e.off > uint64(len(data)) || uint64(size) > uint64(len(data))-e.off {
		return fmt.Errorf("%d-byte field at offset %#x runs past the end of the section (%d bytes)", size, e.off, len(data))
	}
	p := data[e.off:]
	bo := f.ByteOrder
	addend := e.addend
	if !rela { // REL: the addend is what the section holds
		if size == 4 {
			addend = int64(int32(bo.Uint32(p)))
		} else {
			addend = int64(bo.Uint64(p))
		}
	}
	v := values[e.sym] + uint64(addend)
	if size == 4 {
		bo.PutUint32(p, uint32(v))
	} else {
		bo.PutUint64(p, v)
	}
	return nil
}

func machineLabel(m uint16) string {
	if m == EMX8664 {
		return "x86-64"
	}
	return fmt.Sprintf("machine %d", m)
}

// symbolValues reads st_value of every symbol once (relocations refer to
// symbols by index, in any order), and keeps them for the next section.
func (f *File) symbolValues(symtab *Section) ([]uint64, error) {
	f.valuesMu.Lock()
	defer f.valuesMu.Unlock()
	if f.values != nil && f.valuesOf == symtab.Index {
		return f.values, nil
	}
	if err := f.checkBounds(symtab, "symbol table"); err != nil {
		return nil, err
	}
	ent := uint64(16)
	if f.Class == Class64 {
		ent = 24
	}
	count := symtab.Size / ent
	values := make([]uint64, count)
	var buf []byte
	if f.mapped == nil {
		buf = make([]byte, min(count, symbolsPerChunk)*ent)
	}
	bo := f.ByteOrder
	for at := uint64(0); at < count; {
		n := min(count-at, symbolsPerChunk)
		chunk := f.view(symtab.Offset+at*ent, n*ent)
		if chunk == nil {
			chunk = buf[:n*ent]
			if err := f.readAt(chunk, int64(symtab.Offset+at*ent), "symbol table"); err != nil {
				return nil, err
			}
		}
		for i := uint64(0); i < n; i++ {
			b := chunk[i*ent:]
			if ent == 24 {
				values[at+i] = bo.Uint64(b[8:])
			} else {
				values[at+i] = uint64(bo.Uint32(b[4:]))
			}
		}
		at += n
	}
	f.values, f.valuesOf = values, symtab.Index
	return values, nil
}
