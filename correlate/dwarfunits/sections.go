package dwarfunits

import (
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
	probs      *Problems
	abbrevs    map[abbrevKey][]*abbrev
	arena      *abbrevArena // backs abbrevs; one per worker, like it
	dwoSeen    map[string]bool
	lines      *lineCache
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
	d := &reader{f: f, suffix: suffix, abbrevs: map[abbrevKey][]*abbrev{}, arena: &abbrevArena{}, dwoSeen: map[string]bool{}, lines: &lineCache{}}
	abbrevSec := f.SectionByName(".debug_abbrev" + suffix)
	if abbrevSec == nil {
		return nil, &Error{Path: f.Path, Offset: -1, Msg: ".debug_info" + suffix + " without .debug_abbrev" + suffix}
	}
	var err error
	if d.abbrev, err = d.read(abbrevSec); err != nil {
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
		if d.strOffsets, err = d.read(s); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (d *reader) read(s *elfsym.Section) ([]byte, error) { return readRelocated(d.f, s) }

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
