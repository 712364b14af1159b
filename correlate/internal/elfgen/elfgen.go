// Package elfgen writes small ELF relocatable files with a chosen symbol
// table, in any class and byte order. Tests use it to make precise malformed
// inputs (an offset past the end, a name without NUL) and fuzz seeds; real
// fixtures come from clang and lld.
package elfgen

import (
	"encoding/binary"
)

// Symbol is one symbol to write. Shndx indexes Sections (1 = .text, 2 = .data, 3 = .bss).
type Symbol struct {
	Name  string
	Info  uint8
	Other uint8
	Shndx uint16
	Value uint64
	Size  uint64
}

// Info packs a binding and a type into st_info.
func Info(bind, typ uint8) uint8 { return bind<<4 | typ&0xf }

// Spec describes the file to write.
type Spec struct {
	Class64   bool
	BigEndian bool
	Machine   uint16
	Symbols   []Symbol // entry 0 (the null symbol) is added
	NoSymtab  bool     // leave out .symtab and .strtab
	Dynsym    bool     // add a .dynsym (with NoSymtab: a stripped shared object)
	Extra     []Section
}

// Section is an extra PROGBITS section, such as .debug_info.
type Section struct {
	Name string
	Data []byte
	// Rela, when not nil, is written as the SHT_RELA table .rela<Name>
	// for this section, linked to .symtab: raw Elf64_Rela (or Elf32_Rela)
	// entries.
	Rela []byte
}

// Layout says where the parts of the written file are, for tests that
// corrupt one of them.
type Layout struct {
	SectionHeaders int64 // e_shoff
	SectionCount   int
	Symtab         int64 // offset of .symtab contents
	SymtabIndex    int   // section index of .symtab
	Strtab         int64
	StrtabSize     int64
	SymEntSize     int64
	ShEntSize      int64
}

// Section indices of the fixed sections.
const (
	Text = 1
	Data = 2
	Bss  = 3
)

// Write returns the file and where its parts are.
func Write(s Spec) ([]byte, Layout) {
	f := newFormat(s)
	symtab, strtab, firstGlobal := f.symbolTable(s.Symbols)
	secs, symtabIndex := f.sections(s, symtab, strtab, firstGlobal)
	shstrIndex, nameOffs := names(&secs)

	out := make([]byte, f.ehsize)
	out = placeSections(out, secs)
	shoff := int64(len(out))
	for i, sc := range secs {
		out = append(out, f.sectionHeader(sc, nameOffs[i])...)
	}
	f.header(out, s, shoff, len(secs), shstrIndex)
	l := Layout{SectionHeaders: shoff, SectionCount: len(secs), SymtabIndex: symtabIndex,
		SymEntSize: int64(f.syment), ShEntSize: int64(f.shent)}
	if symtabIndex >= 0 {
		l.Symtab = secs[symtabIndex].off
		l.Strtab = secs[symtabIndex+1].off
		l.StrtabSize = int64(len(strtab))
	}
	return out, l
}

// format is the class and byte order of the file being written, with the
// sizes that follow from the class.
type format struct {
	bo                    binary.ByteOrder
	class64               bool
	ehsize, shent, syment int
}

func newFormat(s Spec) format {
	f := format{bo: binary.LittleEndian, class64: s.Class64, ehsize: 52, shent: 40, syment: 16}
	if s.BigEndian {
		f.bo = binary.BigEndian
	}
	if s.Class64 {
		f.ehsize, f.shent, f.syment = 64, 64, 24
	}
	return f
}

// outSection is one section of the file being written.
type outSection struct {
	name           string
	typ            uint32
	flags          uint64
	data           []byte
	size           uint64 // for NOBITS
	link, info     uint32
	entsize, align uint64
	off            int64
}

// symbolTable encodes syms after the null symbol, with their string table
// and the index of the first symbol after the last local one (sh_info).
func (f format) symbolTable(syms []Symbol) (symtab, strtab []byte, firstGlobal int) {
	strtab = []byte{0}
	symtab = make([]byte, f.syment) // null symbol
	firstGlobal = 1
	for i, sym := range syms {
		nameOff := uint32(0)
		if sym.Name != "" {
			nameOff = uint32(len(strtab))
			strtab = append(strtab, sym.Name...)
			strtab = append(strtab, 0)
		}
		e := make([]byte, f.syment)
		if f.class64 {
			f.bo.PutUint32(e, nameOff)
			e[4], e[5] = sym.Info, sym.Other
			f.bo.PutUint16(e[6:], sym.Shndx)
			f.bo.PutUint64(e[8:], sym.Value)
			f.bo.PutUint64(e[16:], sym.Size)
		} else {
			f.bo.PutUint32(e, nameOff)
			f.bo.PutUint32(e[4:], uint32(sym.Value))
			f.bo.PutUint32(e[8:], uint32(sym.Size))
			e[12], e[13] = sym.Info, sym.Other
			f.bo.PutUint16(e[14:], sym.Shndx)
		}
		symtab = append(symtab, e...)
		if sym.Info>>4 == 0 {
			firstGlobal = i + 2
		}
	}
	return symtab, strtab, firstGlobal
}

// sections lists the sections s asks for, but .shstrtab, and the index of
// .symtab (-1 without it).
func (f format) sections(s Spec, symtab, strtab []byte, firstGlobal int) ([]outSection, int) {
	secs := []outSection{
		{},
		{name: ".text", typ: 1, flags: 6, data: make([]byte, 64), align: 16},
		{name: ".data", typ: 1, flags: 3, data: make([]byte, 64), align: 8},
		{name: ".bss", typ: 8, flags: 3, size: 64, align: 8},
	}
	symtabIndex := -1
	if !s.NoSymtab {
		symtabIndex = len(secs)
		secs = append(secs,
			outSection{name: ".symtab", typ: 2, data: symtab, link: uint32(len(secs) + 1), info: uint32(firstGlobal), entsize: uint64(f.syment), align: 8},
			outSection{name: ".strtab", typ: 3, data: strtab, align: 1})
	}
	if s.Dynsym {
		secs = append(secs,
			outSection{name: ".dynsym", typ: 11, data: symtab, link: uint32(len(secs) + 1), info: uint32(firstGlobal), entsize: uint64(f.syment), align: 8},
			outSection{name: ".dynstr", typ: 3, data: strtab, align: 1})
	}
	for _, x := range s.Extra {
		secs = append(secs, outSection{name: x.Name, typ: 1, data: x.Data, align: 1})
		if x.Rela != nil {
			ent := uint64(12)
			if f.class64 {
				ent = 24
			}
			secs = append(secs, outSection{name: ".rela" + x.Name, typ: 4, data: x.Rela, link: uint32(max(symtabIndex, 0)), info: uint32(len(secs) - 1), entsize: ent, align: 8})
		}
	}
	return secs, symtabIndex
}

// names appends .shstrtab to secs, holding their names, and returns its
// index and each section's name offset in it.
func names(secs *[]outSection) (int, []uint32) {
	shstrIndex := len(*secs)
	*secs = append(*secs, outSection{name: ".shstrtab", typ: 3, align: 1})
	shstr := []byte{0}
	nameOffs := make([]uint32, len(*secs))
	for i := range *secs {
		if i > 0 {
			nameOffs[i] = uint32(len(shstr))
			shstr = append(shstr, (*secs)[i].name...)
			shstr = append(shstr, 0)
		}
	}
	(*secs)[shstrIndex].data = shstr
	return shstrIndex, nameOffs
}

// placeSections appends the contents of secs to out, each 8-aligned, and
// records their offsets; out ends 8-aligned, where the section headers go.
func placeSections(out []byte, secs []outSection) []byte {
	for i := range secs {
		if secs[i].typ == 8 || i == 0 {
			continue
		}
		for len(out)%8 != 0 {
			out = append(out, 0)
		}
		secs[i].off = int64(len(out))
		out = append(out, secs[i].data...)
	}
	for len(out)%8 != 0 {
		out = append(out, 0)
	}
	return out
}

func (f format) sectionHeader(sc outSection, nameOff uint32) []byte {
	h := make([]byte, f.shent)
	size := uint64(len(sc.data))
	if sc.typ == 8 {
		size = sc.size
	}
	bo := f.bo
	if f.class64 {
		bo.PutUint32(h, nameOff)
		bo.PutUint32(h[4:], sc.typ)
		bo.PutUint64(h[8:], sc.flags)
		bo.PutUint64(h[24:], uint64(sc.off))
		bo.PutUint64(h[32:], size)
		bo.PutUint32(h[40:], sc.link)
		bo.PutUint32(h[44:], sc.info)
		bo.PutUint64(h[48:], sc.align)
		bo.PutUint64(h[56:], sc.entsize)
	} else {
		bo.PutUint32(h, nameOff)
		bo.PutUint32(h[4:], sc.typ)
		bo.PutUint32(h[8:], uint32(sc.flags))
		bo.PutUint32(h[16:], uint32(sc.off))
		bo.PutUint32(h[20:], uint32(size))
		bo.PutUint32(h[24:], sc.link)
		bo.PutUint32(h[28:], sc.info)
		bo.PutUint32(h[32:], uint32(sc.align))
		bo.PutUint32(h[36:], uint32(sc.entsize))
	}
	return h
}

// header fills in the ELF header at the start of out.
func (f format) header(out []byte, s Spec, shoff int64, shnum, shstrIndex int) {
	bo := f.bo
	copy(out, []byte{0x7f, 'E', 'L', 'F'})
	out[4] = 1
	if s.Class64 {
		out[4] = 2
	}
	out[5] = 1
	if s.BigEndian {
		out[5] = 2
	}
	out[6] = 1
	bo.PutUint16(out[16:], 1) // ET_REL
	bo.PutUint16(out[18:], s.Machine)
	bo.PutUint32(out[20:], 1)
	if s.Class64 {
		bo.PutUint64(out[40:], uint64(shoff))
		bo.PutUint16(out[52:], uint16(f.ehsize))
		bo.PutUint16(out[58:], uint16(f.shent))
		bo.PutUint16(out[60:], uint16(shnum))
		bo.PutUint16(out[62:], uint16(shstrIndex))
	} else {
		bo.PutUint32(out[32:], uint32(shoff))
		bo.PutUint16(out[40:], uint16(f.ehsize))
		bo.PutUint16(out[46:], uint16(f.shent))
		bo.PutUint16(out[48:], uint16(shnum))
		bo.PutUint16(out[50:], uint16(shstrIndex))
	}
}
