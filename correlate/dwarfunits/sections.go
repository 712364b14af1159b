package dwarfunits

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unsafe"

	"klpcheck/correlate/elfsym"
)

// reader holds the DWARF sections of one file, read whole and relocated.
// suffix is "" for the main file and ".dwo" for a split-DWARF file, whose
// sections are named .debug_info.dwo and so on.
type reader struct {
	f          *elfsym.File
	suffix     string
	abbrev     []byte
	str        string // .debug_str, viewed as a string: names are substrings of it
	lineStr    string
	strOffsets []byte
	// strOffsetsRel and infoRel are the relocations of .debug_str_offsets
	// and of the .debug_info section being read when their bytes are the
	// mapped file's, unrelocated; nil when the bytes are relocated already.
	strOffsetsRel *elfsym.Relocs
	infoRel       *elfsym.Relocs
	probs         *Problems
	// tables are the abbreviation tables of the section being read,
	// parsed before its units and shared by the workers, read only;
	// abbrevs, a worker's own, holds any other it meets.
	tables  map[abbrevKey]parsedTable
	abbrevs map[abbrevKey]*abbrevSet
	arena   *abbrevArena // backs abbrevs; one per worker, like it
	dwoSeen map[string]bool
	lines   *lineCache
}

type abbrevKey struct {
	off      uint64
	offSize  uint8
	addrSize uint8
	version  uint16
}

// load reads the sections every unit refers to. A missing string section
// is not an error until a unit needs it.
func load(f *elfsym.File, suffix string) (*reader, error) {
	d := &reader{f: f, suffix: suffix, abbrevs: map[abbrevKey]*abbrevSet{}, arena: &abbrevArena{}, dwoSeen: map[string]bool{}, lines: &lineCache{}}
	abbrevSec := f.SectionByName(".debug_abbrev" + suffix)
	if abbrevSec == nil {
		return nil, &Error{Path: f.Path, Offset: -1, Msg: ".debug_info" + suffix + " without .debug_abbrev" + suffix}
	}
	var err error
	if d.abbrev, err = d.view(abbrevSec); err != nil {
		return nil, err
	}
	for name, dst := range map[string]*string{".debug_str": &d.str, ".debug_line_str": &d.lineStr} {
		if s := f.SectionByName(name + suffix); s != nil && s.Type != elfsym.SHTNobits {
			b, err := d.read(s)
			if err != nil {
				return nil, err
			}
			*dst = bytesToString(b)
		}
	}
	if s := f.SectionByName(".debug_str_offsets" + suffix); s != nil && s.Type != elfsym.SHTNobits {
		if d.strOffsets, d.strOffsetsRel, err = viewRelocated(f, s); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (d *reader) read(s *elfsym.Section) ([]byte, error) { return readRelocated(d.f, s) }

// view is a section read only while the units are decoded: the mapped
// file's bytes when it needs no relocation, else a relocated copy.
func (d *reader) view(s *elfsym.Section) ([]byte, error) {
	b, rel, err := viewRelocated(d.f, s)
	if err != nil || rel == nil {
		return b, err
	}
	return readRelocated(d.f, s)
}

// viewRelocated is a section's bytes and the relocations still to apply
// to what is read from them: the mapped file's bytes and their relocation
// table when the file allows (elfsym.File.SectionView), else a relocated
// copy and nil. Nothing read from the bytes may outlive the file.
func viewRelocated(f *elfsym.File, s *elfsym.Section) ([]byte, *elfsym.Relocs, error) {
	b, rel, ok, err := f.SectionView(s)
	if err != nil {
		return nil, nil, err
	}
	if ok {
		return b, rel, nil
	}
	b, err = readRelocated(f, s)
	return b, nil, err
}

// field is the n-byte field at off of a section whose bytes are b, with
// its relocations applied when rel holds them.
func field(b []byte, rel *elfsym.Relocs, bo binary.ByteOrder, off uint64, n int) uint64 {
	if rel != nil {
		return rel.Field(off, n)
	}
	if n == 8 {
		return bo.Uint64(b[off:])
	}
	return uint64(bo.Uint32(b[off:]))
}

// bytesToString views b as a string without copying; b is never written
// after its relocations are applied.
func bytesToString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (d *reader) errorf(off uint64, format string, args ...any) error {
	return &Error{Path: d.f.Path, Section: ".debug_info" + d.suffix, Offset: int64(off), Msg: fmt.Sprintf(format, args...)}
}

// cstring is the NUL-terminated string at off of a string section.
func cstring(table string, off uint64, name string) (string, error) {
	if table == "" {
		return "", fmt.Errorf("string in %s, which the file lacks", name)
	}
	if off >= uint64(len(table)) {
		return "", fmt.Errorf("string offset %#x past the end of %s (%d bytes)", off, name, len(table))
	}
	rest := table[off:]
	if i := strings.IndexByte(rest, 0); i >= 0 {
		return rest[:i], nil
	}
	return "", fmt.Errorf("string at %s+%#x has no NUL terminator", name, off)
}
