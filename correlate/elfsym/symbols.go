package elfsym

import "fmt"

// Symbol types (the low four bits of st_info).
const (
	STTNotype   = 0
	STTObject   = 1
	STTFunc     = 2
	STTSection  = 3
	STTFile     = 4
	STTCommon   = 5
	STTTLS      = 6
	STTGNUIfunc = 10
)

// Symbol bindings (the high four bits of st_info).
const (
	STBLocal     = 0
	STBGlobal    = 1
	STBWeak      = 2
	STBGNUUnique = 10
)

// Symbol is one entry of the symbol table. Name is a substring of the string
// table, which is read once and never modified, so it stays valid (and costs
// nothing) after the iterator moves on.
type Symbol struct {
	Index   uint32 // position in the symbol table
	Name    string
	NameOff uint32 // st_name: Name is StringTable()[NameOff:][:len(Name)]
	Value   uint64
	Size    uint64
	Info    uint8
	Other   uint8
	// Shndx is the section index, with SHN_XINDEX already resolved through
	// the SHT_SYMTAB_SHNDX table (vmlinux.o has more than 0xff00 sections).
	Shndx uint32
}

// Type is the symbol type (STT_*).
func (s *Symbol) Type() uint8 { return s.Info & 0xf }

// Bind is the symbol binding (STB_*).
func (s *Symbol) Bind() uint8 { return s.Info >> 4 }

// Visibility is the symbol visibility (STV_*).
func (s *Symbol) Visibility() uint8 { return s.Other & 3 }

// Defined reports whether the symbol is defined in this file.
func (s *Symbol) Defined() bool { return s.Shndx != SHNUndef }

// TypeName names the symbol type the way readelf does.
func TypeName(t uint8) string {
	switch t {
	case STTNotype:
		return "NOTYPE"
	case STTObject:
		return "OBJECT"
	case STTFunc:
		return "FUNC"
	case STTSection:
		return "SECTION"
	case STTFile:
		return "FILE"
	case STTCommon:
		return "COMMON"
	case STTTLS:
		return "TLS"
	case STTGNUIfunc:
		return "IFUNC"
	}
	return fmt.Sprintf("STT_%d", t)
}

// BindName names the symbol binding the way readelf does.
func BindName(b uint8) string {
	switch b {
	case STBLocal:
		return "LOCAL"
	case STBGlobal:
		return "GLOBAL"
	case STBWeak:
		return "WEAK"
	case STBGNUUnique:
		return "UNIQUE"
	}
	return fmt.Sprintf("STB_%d", b)
}

// symbolsPerChunk is how many entries one read brings in (96 KiB for ELF64):
// large enough that the cost of a read call vanishes, small enough to stay in
// cache.
const symbolsPerChunk = 4096

// Symbols iterates over the symbol table:
//
//	it, err := f.Symbols()
//	for it.Next() { s := it.Symbol(); ... }
//	if err := it.Err(); err != nil { ... }
type Symbols struct {
	f        *File
	sec      *Section
	strtab   string
	entsize  uint64
	count    uint64
	next     uint64 // index of the next symbol to decode
	chunk    []byte
	chunkAt  uint64 // index of the first symbol in chunk
	shndx    *Section
	xchunk   []byte
	xchunkAt uint64
	sym      Symbol
	err      error
	progress func(done, total int64)
}

// Symtab returns the SHT_SYMTAB section. A file without one is stripped: the
// error says so, and that .dynsym (exported symbols only) is no substitute.
func (f *File) Symtab() (*Section, error) {
	var dynsym *Section
	for i := range f.Sections {
		switch f.Sections[i].Type {
		case SHTSymtab:
			return &f.Sections[i], nil
		case SHTDynsym:
			if dynsym == nil {
				dynsym = &f.Sections[i]
			}
		}
	}
	if dynsym != nil {
		return nil, &Error{Path: f.Path, Offset: -1, Err: ErrNoSymtab,
			Msg: "stripped: there is only .dynsym, which lists the dynamically exported symbols and none of the local or promoted ones, so it is not a substitute; use the unstripped file (vmlinux or vmlinux.o from the build directory)"}
	}
	return nil, &Error{Path: f.Path, Offset: -1, Err: ErrNoSymtab,
		Msg: "stripped: the file has no symbol table; use the unstripped file (vmlinux or vmlinux.o from the build directory)"}
}

// Symbols opens the symbol table for iteration. It reads the symbol string
// table (and checks the table geometry) before returning.
func (f *File) Symbols() (*Symbols, error) {
	sec, err := f.Symtab()
	if err != nil {
		return nil, err
	}
	return f.symbolsOf(sec)
}

func (f *File) symbolsOf(sec *Section) (*Symbols, error) {
	want := uint64(16)
	if f.Class == Class64 {
		want = 24
	}
	if sec.Entsize != 0 && sec.Entsize != want {
		return nil, f.errorf(-1, "symbol table (section %d %q) entry size %d, want %d for %s", sec.Index, sec.Name, sec.Entsize, want, f.Class)
	}
	if err := f.checkBounds(sec, "symbol table"); err != nil {
		return nil, err
	}
	if sec.Size%want != 0 {
		return nil, f.errorf(int64(sec.Offset), "symbol table size %d is not a multiple of the entry size %d: truncated or corrupt", sec.Size, want)
	}
	if uint64(sec.Link) >= uint64(len(f.Sections)) || sec.Link == 0 {
		return nil, f.errorf(-1, "symbol table (section %d) links to string table %d, out of range (%d sections)", sec.Index, sec.Link, len(f.Sections))
	}
	strsec := &f.Sections[sec.Link]
	if strsec.Type != SHTStrtab {
		return nil, f.errorf(-1, "symbol table (section %d) links to section %d %q of type %d, not a string table", sec.Index, strsec.Index, strsec.Name, strsec.Type)
	}
	raw, err := f.sectionBytes(strsec, "symbol string table")
	if err != nil {
		return nil, err
	}
	it := &Symbols{
		f:       f,
		sec:     sec,
		strtab:  bytesToString(raw),
		entsize: want,
		count:   sec.Size / want,
	}
	for i := range f.Sections {
		x := &f.Sections[i]
		if x.Type == SHTSymtabShndx && int(x.Link) == sec.Index {
			if err := f.checkBounds(x, "extended section index table"); err != nil {
				return nil, err
			}
			if x.Size/4 < it.count {
				return nil, f.errorf(int64(x.Offset), "extended section index table has %d entries for %d symbols", x.Size/4, it.count)
			}
			it.shndx = x
			break
		}
	}
	return it, nil
}

// Len is the number of entries in the symbol table, including entry 0.
func (it *Symbols) Len() int { return int(it.count) }

// StringTable is the symbol string table, read once and never modified:
// callers may keep offsets into it instead of strings, which costs the
// garbage collector nothing to scan.
func (it *Symbols) StringTable() string { return it.strtab }

// OnProgress registers fn to be told, every few thousand symbols, how many
// bytes of the symbol table have been read out of how many.
func (it *Symbols) OnProgress(fn func(done, total int64)) { it.progress = fn }

// Next decodes the next symbol; false at the end or on error (see Err).
// Entry 0, the reserved null symbol, is skipped.
func (it *Symbols) Next() bool {
	if it.err != nil {
		return false
	}
	if it.next == 0 {
		it.next = 1
	}
	if it.next >= it.count {
		if it.progress != nil && it.count > 0 {
			it.progress(int64(it.sec.Size), int64(it.sec.Size))
			it.progress = nil
		}
		return false
	}
	if it.chunk == nil || it.next >= it.chunkAt+uint64(len(it.chunk))/it.entsize {
		if !it.fill() {
			return false
		}
	}
	i := it.next
	it.next++
	if !it.decode(it.chunk[(i-it.chunkAt)*it.entsize:], i, &it.sym) {
		return false
	}
	if it.progress != nil && i%(16*symbolsPerChunk) == 0 {
		it.progress(int64(i*it.entsize), int64(it.sec.Size))
	}
	return true
}

// decode fills s from the entry b, symbol i of the table: the section
// index resolved through SHN_XINDEX and checked, the name looked up. On a
// bad entry it sets it.err and returns false.
func (it *Symbols) decode(b []byte, i uint64, s *Symbol) bool {
	bo := it.f.ByteOrder
	var nameOff uint32
	var shndx uint16
	if it.entsize == 24 {
		nameOff = bo.Uint32(b)
		s.Info = b[4]
		s.Other = b[5]
		shndx = bo.Uint16(b[6:])
		s.Value = bo.Uint64(b[8:])
		s.Size = bo.Uint64(b[16:])
	} else {
		nameOff = bo.Uint32(b)
		s.Value = uint64(bo.Uint32(b[4:]))
		s.Size = uint64(bo.Uint32(b[8:]))
		s.Info = b[12]
		s.Other = b[13]
		shndx = bo.Uint16(b[14:])
	}
	s.Index = uint32(i)
	s.NameOff = nameOff
	s.Shndx = uint32(shndx)
	if shndx == shnXIndex {
		x, err := it.extendedIndex(i)
		if err != nil {
			it.err = err
			return false
		}
		s.Shndx = x
	} else if shndx >= shnLoReserve {
		// SHN_ABS, SHN_COMMON and processor specific values.
		s.Shndx = Reserved | uint32(shndx)
	} else if uint64(shndx) >= uint64(len(it.f.Sections)) {
		it.err = it.f.errorf(it.entryOffset(i), "symbol %d: section index %d out of range (%d sections)", i, shndx, len(it.f.Sections))
		return false
	}
	if nameOff == 0 {
		s.Name = ""
		return true
	}
	name, ok := cstring(it.strtab, uint64(nameOff))
	if !ok {
		if uint64(nameOff) >= uint64(len(it.strtab)) {
			it.err = it.f.errorf(it.entryOffset(i), "symbol %d: name offset %#x is past the end of the string table (%d bytes)", i, nameOff, len(it.strtab))
		} else {
			it.err = it.f.errorf(it.entryOffset(i), "symbol %d: name at string table offset %#x has no NUL terminator", i, nameOff)
		}
		return false
	}
	s.Name = name
	return true
}

// At decodes symbol i again, the way Next did, with one read: for the few
// symbols a caller did not keep while iterating. It does not move the
// iteration, and an error is returned, not kept in Err.
func (it *Symbols) At(i uint64) (Symbol, error) {
	if i == 0 || i >= it.count {
		return Symbol{}, it.f.errorf(-1, "symbol index %d out of range (%d symbols)", i, it.count)
	}
	var b [24]byte
	if err := it.f.readAt(b[:it.entsize], it.entryOffset(i), "symbol table"); err != nil {
		return Symbol{}, err
	}
	saved := it.err
	var s Symbol
	ok := it.decode(b[:it.entsize], i, &s)
	err := it.err
	it.err = saved
	if !ok {
		return Symbol{}, err
	}
	return s, nil
}

func (it *Symbols) entryOffset(i uint64) int64 {
	return int64(it.sec.Offset + i*it.entsize)
}

func (it *Symbols) fill() bool {
	n := it.count - it.next
	if n > symbolsPerChunk {
		n = symbolsPerChunk
	}
	size := n * it.entsize
	// Read chunk by chunk with pread even from a mapped file: decoding a
	// million entries in place would add the whole table to the resident
	// set.
	if uint64(cap(it.chunk)) < size {
		it.chunk = make([]byte, size)
	}
	it.chunk = it.chunk[:size]
	it.chunkAt = it.next
	if err := it.f.readAt(it.chunk, it.entryOffset(it.next), "symbol table"); err != nil {
		it.err = err
		return false
	}
	return true
}

func (it *Symbols) extendedIndex(i uint64) (uint32, error) {
	if it.shndx == nil {
		return 0, it.f.errorf(it.entryOffset(i), "symbol %d: section index is SHN_XINDEX but the file has no SHT_SYMTAB_SHNDX table", i)
	}
	if it.xchunk == nil || i < it.xchunkAt || i >= it.xchunkAt+uint64(len(it.xchunk))/4 {
		n := it.count - i
		if n > symbolsPerChunk {
			n = symbolsPerChunk
		}
		if uint64(cap(it.xchunk)) < n*4 {
			it.xchunk = make([]byte, n*4)
		}
		it.xchunk = it.xchunk[:n*4]
		it.xchunkAt = i
		if err := it.f.readAt(it.xchunk, int64(it.shndx.Offset+i*4), "extended section index table"); err != nil {
			return 0, err
		}
	}
	x := it.f.ByteOrder.Uint32(it.xchunk[(i-it.xchunkAt)*4:])
	if uint64(x) >= uint64(len(it.f.Sections)) {
		return 0, it.f.errorf(int64(it.shndx.Offset+i*4), "symbol %d: extended section index %d out of range (%d sections)", i, x, len(it.f.Sections))
	}
	return x, nil
}

// Symbol returns the symbol decoded by the last Next. The pointed-to value is
// overwritten by the next call; copy it to keep it.
func (it *Symbols) Symbol() *Symbol { return &it.sym }

// Err returns the error that stopped the iteration, if any.
func (it *Symbols) Err() error { return it.err }

// SymbolAt decodes the symbol at index i with a random access read; for
// relocation targets. Names are not resolved (Name is empty).
func (f *File) SymbolAt(symtab *Section, i uint64) (Symbol, error) {
	ent := uint64(16)
	if f.Class == Class64 {
		ent = 24
	}
	if symtab.Size/ent <= i {
		return Symbol{}, f.errorf(-1, "symbol index %d out of range (%d symbols)", i, symtab.Size/ent)
	}
	var b [24]byte
	if err := f.readAt(b[:ent], int64(symtab.Offset+i*ent), "symbol table entry"); err != nil {
		return Symbol{}, err
	}
	bo := f.ByteOrder
	s := Symbol{Index: uint32(i)}
	var shndx uint16
	if ent == 24 {
		s.Info, s.Other = b[4], b[5]
		shndx = bo.Uint16(b[6:])
		s.Value = bo.Uint64(b[8:])
		s.Size = bo.Uint64(b[16:])
	} else {
		s.Value = uint64(bo.Uint32(b[4:]))
		s.Size = uint64(bo.Uint32(b[8:]))
		s.Info, s.Other = b[12], b[13]
		shndx = bo.Uint16(b[14:])
	}
	// Relocations against symbols in sections past SHN_LORESERVE do not
	// occur in the DWARF sections this serves; such symbols read as reserved.
	s.Shndx = uint32(shndx)
	if shndx >= shnLoReserve {
		s.Shndx = Reserved | uint32(shndx)
	}
	return s, nil
}
