// Package elfsym reads the symbol table of an ELF file without loading the
// file: the header, the section header table, the symbol string table and,
// one buffered window at a time, the symbol table itself. A 2 GB vmlinux.o
// costs its section headers and its .strtab in memory, not its size.
//
// It reads 32- and 64-bit files of either byte order. Every malformed input
// (truncated headers, offsets past the end of the file, names without a NUL,
// counts that cannot fit in the file) is an *Error naming the file and the
// byte offset, never a panic.
//
// The standard library's debug/elf does the same job for small files, but
// File.Symbols allocates every symbol and every name up front; this reader
// hands out symbols one by one, and their names are substrings of the string
// table read once.
package elfsym

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"unsafe"

	"klpcheck/correlate/internal/regular"
)

// Error is a malformed or unreadable input: the file, the byte offset where
// the problem was found (-1 when it is not about one place), and what is wrong.
type Error struct {
	Path   string
	Offset int64
	Msg    string
	Err    error // an underlying I/O error, if any
}

func (e *Error) Error() string {
	s := e.Path
	if e.Offset >= 0 {
		s += fmt.Sprintf(": offset %#x", e.Offset)
	}
	s += ": " + e.Msg
	// The sentinels only classify; the message already says it in full.
	if e.Err != nil && e.Err != ErrNotELF && e.Err != ErrNoSymtab {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// ErrNotELF is wrapped by the error New returns for a file without the ELF magic.
var ErrNotELF = errors.New("not an ELF file")

// ErrNoSymtab is wrapped by the error Symbols returns for a file without .symtab.
var ErrNoSymtab = errors.New("no .symtab")

// Class is the ELF file class: 32- or 64-bit.
type Class uint8

// The two ELF classes.
const (
	Class32 Class = 1
	Class64 Class = 2
)

func (c Class) String() string {
	switch c {
	case Class32:
		return "ELF32"
	case Class64:
		return "ELF64"
	}
	return fmt.Sprintf("class %d", uint8(c))
}

// Object file types (e_type) that matter here.
const (
	TypeRel  = 1 // relocatable: *.o, vmlinux.o, *.ko
	TypeExec = 2 // vmlinux
	TypeDyn  = 3
)

// Section types (sh_type) that matter here.
const (
	SHTNull        = 0
	SHTProgbits    = 1
	SHTSymtab      = 2
	SHTStrtab      = 3
	SHTRela        = 4
	SHTNobits      = 8
	SHTRel         = 9
	SHTDynsym      = 11
	SHTSymtabShndx = 18
)

// Raw st_shndx values: from SHN_LORESERVE on they are not section numbers.
const (
	shnLoReserve = 0xff00
	shnXIndex    = 0xffff
)

// Section indices as Symbol.Shndx holds them. A file with more than 0xff00
// sections has real sections numbered 0xfff1 (the raw value of SHN_ABS), so
// the reserved values are moved out of the way: a reserved raw value r
// becomes Reserved|r, above any real section number.
const (
	SHNUndef  = 0
	Reserved  = 0xffff0000
	SHNAbs    = Reserved | 0xfff1
	SHNCommon = Reserved | 0xfff2
)

// Section is one section header. Name is resolved from the section name table.
type Section struct {
	Index   int
	Name    string
	Type    uint32
	Flags   uint64
	Addr    uint64
	Offset  uint64
	Size    uint64
	Link    uint32
	Info    uint32
	Entsize uint64
}

// File is an open ELF file: its header and section headers. Symbols and
// section contents are read on demand through ReaderAt.
type File struct {
	Path      string
	Class     Class
	ByteOrder binary.ByteOrder
	Type      uint16
	Machine   uint16
	Sections  []Section

	r      io.ReaderAt
	size   int64
	closer io.Closer
	// mapped is the whole file mapped read-only (Open of a regular file),
	// or nil: the DWARF sections and relocation tables are decoded in place
	// from it (view, SectionView). Copies (readAt) still use pread: pages
	// touched through the mapping count in the resident set, and a census
	// of a million symbols streams its table through one small buffer.
	// Nothing that outlives Close points into it.
	mapped []byte

	// values caches st_value of every symbol of section valuesOf, for
	// relocations.
	valuesMu sync.Mutex
	values   []uint64
	valuesOf int
}

// Open opens path and reads its ELF and section headers.
func Open(path string) (*File, error) {
	// Only a regular file: a FIFO given as FILE would block the open (and
	// the read) forever, a device would never end.
	fh, err := regular.Open(path)
	var nr *regular.NotRegularError
	switch {
	case errors.As(err, &nr) && nr.Kind == "a directory":
		return nil, &Error{Path: path, Offset: -1, Msg: "is a directory, not an ELF file"}
	case errors.As(err, &nr):
		return nil, &Error{Path: path, Offset: -1, Msg: "is " + nr.Kind + ", not a regular file: only regular files are read"}
	case err != nil:
		return nil, &Error{Path: path, Offset: -1, Msg: "cannot open", Err: unwrapPathError(err)}
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, &Error{Path: path, Offset: -1, Msg: "cannot stat", Err: unwrapPathError(err)}
	}
	f, err := New(fh, st.Size(), path)
	if err != nil {
		fh.Close()
		return nil, err
	}
	f.closer = fh
	f.mapped = mapFile(fh, st.Size())
	return f, nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Close releases the file opened by Open; it is a no-op for New.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	if f.mapped != nil {
		m := f.mapped
		f.mapped = nil
		if err := unmapFile(m); err != nil {
			f.closer.Close()
			return err
		}
	}
	return f.closer.Close()
}

// Size is the size of the underlying file in bytes.
func (f *File) Size() int64 { return f.size }

// ReaderAt gives access to the file's bytes, for callers that read sections
// this package does not interpret (DWARF).
func (f *File) ReaderAt() io.ReaderAt { return f.r }

func (f *File) errorf(off int64, format string, args ...any) error {
	return &Error{Path: f.Path, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// readAt reads exactly len(buf) bytes at off, or says the file ends first.
func (f *File) readAt(buf []byte, off int64, what string) error {
	if off < 0 || off > f.size || int64(len(buf)) > f.size-off {
		return f.errorf(off, "%s (%d bytes) runs past the end of the file (%d bytes)", what, len(buf), f.size)
	}
	n, err := f.r.ReadAt(buf, off)
	if n == len(buf) {
		return nil
	}
	if err == nil || err == io.EOF {
		return f.errorf(off+int64(n), "%s: file truncated", what)
	}
	return &Error{Path: f.Path, Offset: off, Msg: "reading " + what, Err: err}
}

// view is n bytes at off of the mapped file, not copied and valid until
// Close, or nil when the file is not mapped. The caller has checked the
// bounds (checkBounds or readAt's).
func (f *File) view(off, n uint64) []byte {
	if f.mapped == nil || off > uint64(len(f.mapped)) || n > uint64(len(f.mapped))-off {
		return nil
	}
	return f.mapped[off : off+n : off+n]
}

// View is n bytes at off of the file, not copied, when the file is mapped
// (Open of a regular file): read-only, and valid until Close. It is nil
// when the file is not mapped or the bytes are not all inside it; the
// caller then reads them through ReaderAt.
func (f *File) View(off, n uint64) []byte { return f.view(off, n) }

// Magic numbers of the formats New recognises only to name them in its error.
var (
	elfMagic         = []byte{0x7f, 'E', 'L', 'F'}
	bitcodeMagic     = []byte{'B', 'C', 0xc0, 0xde}
	bitcodeWrapper   = []byte{0xde, 0xc0, 0x17, 0x0b}
	arMagic          = []byte("!<arch>\n")
	thinArchiveMagic = []byte("!<thin>\n")
)

// New reads the ELF header and the section header table of r.
func New(r io.ReaderAt, size int64, path string) (*File, error) {
	f := &File{Path: path, r: r, size: size}
	var ident [16]byte
	n, err := r.ReadAt(ident[:], 0)
	if err != nil && err != io.EOF {
		return nil, &Error{Path: path, Offset: 0, Msg: "reading ELF header", Err: err}
	}
	if n < 4 || !bytes.Equal(ident[:4], elfMagic) {
		return nil, &Error{Path: path, Offset: -1, Msg: describeNotELF(ident[:n]), Err: ErrNotELF}
	}
	if n < 16 {
		return nil, f.errorf(int64(n), "truncated ELF identification (%d of 16 bytes)", n)
	}
	switch Class(ident[4]) {
	case Class32, Class64:
		f.Class = Class(ident[4])
	default:
		return nil, f.errorf(4, "unknown ELF class %d (want 1 for 32-bit or 2 for 64-bit)", ident[4])
	}
	switch ident[5] {
	case 1:
		f.ByteOrder = binary.LittleEndian
	case 2:
		f.ByteOrder = binary.BigEndian
	default:
		return nil, f.errorf(5, "unknown ELF data encoding %d (want 1 little-endian or 2 big-endian)", ident[5])
	}
	if err := f.readHeader(); err != nil {
		return nil, err
	}
	return f, nil
}

func describeNotELF(head []byte) string {
	switch {
	case bytes.HasPrefix(head, bitcodeMagic), bytes.HasPrefix(head, bitcodeWrapper):
		return "LLVM bitcode (an LTO object before linking), not ELF: pass the linked vmlinux/vmlinux.o, or the objects directory as --build"
	case bytes.HasPrefix(head, arMagic), bytes.HasPrefix(head, thinArchiveMagic):
		return "an ar archive, not ELF: pass the linked vmlinux/vmlinux.o, or the build directory as --build"
	case len(head) == 0:
		return "empty file, not ELF"
	}
	return "not an ELF file (no \\x7fELF magic)"
}

// readHeader reads the ELF header, the section header table and the
// section names.
func (f *File) readHeader() error {
	t, err := f.readELFHeader()
	if err != nil {
		return err
	}
	raw, strndx, err := f.readSectionTable(t)
	if err != nil {
		return err
	}
	if strndx == SHNUndef {
		return nil // no section names: legal, if unusual
	}
	if count := uint64(len(f.Sections)); strndx >= count {
		return f.errorf(int64(t.hsize)-2, "section name table index %d out of range (%d sections)", strndx, count)
	}
	return f.nameSections(raw, strndx, t)
}

// sectionTable is where the ELF header says the section header table is.
type sectionTable struct {
	hsize   int // the ELF header's size
	off     uint64
	entsize uint16
	num     uint16 // 0: in section 0
	strndx  uint16 // shnXIndex: in section 0
}

// readELFHeader reads the type and machine of the ELF header, and where
// the section header table is. Header field offsets differ by class.
func (f *File) readELFHeader() (sectionTable, error) {
	bo := f.ByteOrder
	var hdr [64]byte
	t := sectionTable{hsize: 52}
	if f.Class == Class64 {
		t.hsize = 64
	}
	if err := f.readAt(hdr[:t.hsize], 0, "ELF header"); err != nil {
		return t, err
	}
	f.Type = bo.Uint16(hdr[16:])
	f.Machine = bo.Uint16(hdr[18:])
	if f.Class == Class64 {
		t.off = bo.Uint64(hdr[40:])
		t.entsize = bo.Uint16(hdr[58:])
		t.num = bo.Uint16(hdr[60:])
		t.strndx = bo.Uint16(hdr[62:])
	} else {
		t.off = uint64(bo.Uint32(hdr[32:]))
		t.entsize = bo.Uint16(hdr[46:])
		t.num = bo.Uint16(hdr[48:])
		t.strndx = bo.Uint16(hdr[50:])
	}
	if t.off == 0 {
		return t, f.errorf(-1, "no section header table (e_shoff is 0): the file was stripped of sections and has no symbol table to read")
	}
	want := uint16(40)
	if f.Class == Class64 {
		want = 64
	}
	if t.entsize != want {
		return t, f.errorf(int64(t.hsize)-6, "section header entry size %d, want %d for %s", t.entsize, want, f.Class)
	}
	if t.off > uint64(f.size) {
		return t, f.errorf(-1, "section header table offset %#x is past the end of the file (%d bytes)", t.off, f.size)
	}
	return t, nil
}

// readSectionTable reads the section headers into f.Sections, and
// returns their raw bytes and the index of the section name table.
func (f *File) readSectionTable(t sectionTable) ([]byte, uint64, error) {
	// Section 0 carries the real count and string table index when they do
	// not fit in the header (more than 0xff00 sections, as in vmlinux.o).
	first, err := f.readSectionHeader(t.off)
	if err != nil {
		return nil, 0, err
	}
	count := uint64(t.num)
	if count == 0 {
		count = first.Size
	}
	strndx := uint64(t.strndx)
	if t.strndx == shnXIndex {
		strndx = uint64(first.Link)
	}
	if count == 0 {
		return nil, 0, f.errorf(int64(t.off), "section header table is empty")
	}
	if count > (uint64(f.size)-t.off)/uint64(t.entsize) {
		return nil, 0, f.errorf(int64(t.off), "section header table claims %d entries of %d bytes, more than the %d bytes left in the file", count, t.entsize, uint64(f.size)-t.off)
	}
	raw := make([]byte, count*uint64(t.entsize))
	if err := f.readAt(raw, int64(t.off), "section header table"); err != nil {
		return nil, 0, err
	}
	f.Sections = make([]Section, count)
	for i := range f.Sections {
		f.Sections[i] = f.decodeSectionHeader(raw[uint64(i)*uint64(t.entsize):])
		f.Sections[i].Index = i
	}
	return raw, strndx, nil
}

// nameSections names the sections from the section name table, section
// strndx; raw is the section header table.
func (f *File) nameSections(raw []byte, strndx uint64, t sectionTable) error {
	names, err := f.sectionBytes(&f.Sections[strndx], "section name table")
	if err != nil {
		return err
	}
	// Section names are substrings of one immutable copy of the table.
	table := bytesToString(names)
	for i := range f.Sections {
		s := &f.Sections[i]
		off := uint64(f.rawNameOffset(raw, i))
		if off == 0 {
			continue
		}
		name, ok := cstring(table, off)
		if !ok {
			return f.errorf(int64(t.off)+int64(i)*int64(t.entsize), "section %d: name offset %#x is outside the section name table or has no NUL", i, off)
		}
		s.Name = name
	}
	return nil
}

func (f *File) rawNameOffset(raw []byte, i int) uint32 {
	ent := 40
	if f.Class == Class64 {
		ent = 64
	}
	return f.ByteOrder.Uint32(raw[i*ent:])
}

func (f *File) readSectionHeader(off uint64) (Section, error) {
	n := 40
	if f.Class == Class64 {
		n = 64
	}
	buf := make([]byte, n)
	if err := f.readAt(buf, int64(off), "section header 0"); err != nil {
		return Section{}, err
	}
	return f.decodeSectionHeader(buf), nil
}

func (f *File) decodeSectionHeader(b []byte) Section {
	bo := f.ByteOrder
	if f.Class == Class64 {
		return Section{
			Type:    bo.Uint32(b[4:]),
			Flags:   bo.Uint64(b[8:]),
			Addr:    bo.Uint64(b[16:]),
			Offset:  bo.Uint64(b[24:]),
			Size:    bo.Uint64(b[32:]),
			Link:    bo.Uint32(b[40:]),
			Info:    bo.Uint32(b[44:]),
			Entsize: bo.Uint64(b[56:]),
		}
	}
	return Section{
		Type:    bo.Uint32(b[4:]),
		Flags:   uint64(bo.Uint32(b[8:])),
		Addr:    uint64(bo.Uint32(b[12:])),
		Offset:  uint64(bo.Uint32(b[16:])),
		Size:    uint64(bo.Uint32(b[20:])),
		Link:    bo.Uint32(b[24:]),
		Info:    bo.Uint32(b[28:]),
		Entsize: uint64(bo.Uint32(b[36:])),
	}
}

// checkBounds reports a section whose contents do not lie inside the file.
func (f *File) checkBounds(s *Section, what string) error {
	if s.Type == SHTNobits {
		return f.errorf(-1, "%s (section %d %q) has no contents in the file (SHT_NOBITS)", what, s.Index, s.Name)
	}
	if s.Offset > uint64(f.size) || s.Size > uint64(f.size)-s.Offset {
		return f.errorf(-1, "%s (section %d %q) at offset %#x, %d bytes, runs past the end of the file (%d bytes)", what, s.Index, s.Name, s.Offset, s.Size, f.size)
	}
	return nil
}

// sectionBytes reads a whole section. Only for tables that must be random
// accessed (string tables); the symbol table is streamed instead.
func (f *File) sectionBytes(s *Section, what string) ([]byte, error) {
	if err := f.checkBounds(s, what); err != nil {
		return nil, err
	}
	buf := make([]byte, s.Size)
	if err := f.readAt(buf, int64(s.Offset), what); err != nil {
		return nil, err
	}
	return buf, nil
}

// SectionReader returns a reader over a section's bytes, checked against the file size.
func (f *File) SectionReader(s *Section) (*io.SectionReader, error) {
	if err := f.checkBounds(s, "section"); err != nil {
		return nil, err
	}
	return io.NewSectionReader(f.r, int64(s.Offset), int64(s.Size)), nil
}

// SectionByName returns the first section with the given name, or nil.
func (f *File) SectionByName(name string) *Section {
	for i := range f.Sections {
		if f.Sections[i].Name == name {
			return &f.Sections[i]
		}
	}
	return nil
}

// SectionName returns the name of the section a symbol's st_shndx refers to,
// or a pseudo name for the reserved indices.
func (f *File) SectionName(shndx uint32) string {
	switch {
	case shndx == SHNUndef:
		return "*UND*"
	case shndx == SHNAbs:
		return "*ABS*"
	case shndx == SHNCommon:
		return "*COM*"
	case shndx >= Reserved:
		return fmt.Sprintf("*RESERVED %#x*", shndx&^Reserved)
	case int64(shndx) < int64(len(f.Sections)):
		return f.Sections[shndx].Name
	}
	return ""
}

// bytesToString views b as a string without copying. The caller must never
// modify b afterwards; the tables handed to it are read once and kept as is.
func bytesToString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// cstring returns the NUL-terminated string at off in table.
func cstring(table string, off uint64) (string, bool) {
	if off >= uint64(len(table)) {
		return "", false
	}
	rest := table[off:]
	end := indexNUL(rest)
	if end < 0 {
		return "", false
	}
	return rest[:end], true
}

func indexNUL(s string) int { return strings.IndexByte(s, 0) }
