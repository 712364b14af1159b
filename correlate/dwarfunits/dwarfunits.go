// Package dwarfunits reads, from an ELF file's DWARF, which compile units
// are assembly and which names each unit defines: the labels of assembly
// units (DW_LANG_Mips_Assembler, what clang and GNU as write for a .S file),
// and the file-scope functions and variables of C units, external or
// static. That is the provenance correlate needs when no build directory is
// at hand.
//
// Each DWARF section is read once. In a file that can be mapped, the
// sections are decoded where they lie, and in a relocatable file
// (vmlinux.o) the few fields read are relocated by a binary search in
// their section's relocation table, which is checked once front to back
// and must be sorted (what ld.lld -r writes); otherwise, or when a section
// is SHF_COMPRESSED (zlib or zstd), it is read whole, decompressed, and
// relocated in one pass over its relocation table. Only
// the forms are decoded that carry names, flags and the language; every
// other DIE is skipped by size. DWARF 2 to 5 are read; DWARF 5 type units
// (in .debug_info, one section per COMDAT group in an object built with
// -fdebug-types-section) are stepped over; split-DWARF skeleton units
// (DW_UT_skeleton, tag 0x4a, or a DWARF 4 unit with DW_AT_GNU_dwo_name) are
// completed from their .dwo file.
//
// A problem with one unit or one section does not hide the rest: Read
// returns every unit it could read, and an error listing what it could not
// (a *Problems). Callers must treat such a result as incomplete.
package dwarfunits

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"klpcheck/correlate/elfsym"
)

// Language codes of assembly units.
const (
	LangMipsAssembler = 0x8001 // what LLVM and GNU as use for every target
	LangAssembly      = 0x31   // DWARF 6's DW_LANG_Assembly
)

// Unit is one compile unit.
type Unit struct {
	Offset   int64 // in its .debug_info section
	Name     string
	Language uint16
	// Labels are the DW_TAG_label names of an assembly unit. The assembler
	// drops a leading underscore ("_start" is recorded as "start").
	Labels []string
	// Externals and Statics are the names of a C unit's file-scope
	// function and variable definitions (DW_AT_external or not).
	Externals []string
	Statics   []string
	// Inlined are the functions the unit holds only inlined copies of (an
	// abstract instance root without an out-of-line instance): defined in
	// another unit, such as a function ThinLTO imported, or nowhere out of
	// line. They are not definitions of this unit.
	Inlined []string
	// DWO is the split-DWARF file a skeleton unit points to ("" for a
	// full unit); the names above then come from it.
	DWO string

	dwoID uint64 // of a split unit, to match it with its skeleton
}

// Asm reports whether the unit was assembled from a .S/.s file.
func (u *Unit) Asm() bool {
	return u.Language == LangMipsAssembler || u.Language == LangAssembly
}

// Error is malformed DWARF: where and what.
type Error struct {
	Path    string
	Section string // ".debug_info" unless said otherwise
	Offset  int64  // in Section, or -1
	Msg     string
}

func (e *Error) Error() string {
	sec := e.Section
	if sec == "" {
		sec = ".debug_info"
	}
	if e.Offset >= 0 {
		return fmt.Sprintf("%s: %s+%#x: %s", e.Path, sec, e.Offset, e.Msg)
	}
	return fmt.Sprintf("%s: DWARF: %s", e.Path, e.Msg)
}

// Problems is every unit or section Read could not read. The units it
// returns beside it are the ones it could.
type Problems struct {
	Errs []error
}

func (p *Problems) Error() string {
	var b strings.Builder
	for i, e := range p.Errs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap gives errors.Is/As every problem.
func (p *Problems) Unwrap() []error { return p.Errs }

// maxProblems bounds the list: a corrupt file may break every unit, and
// one message per unit helps nobody.
const maxProblems = 20

func (p *Problems) add(err error) {
	if len(p.Errs) < maxProblems {
		p.Errs = append(p.Errs, err)
	} else if len(p.Errs) == maxProblems {
		p.Errs = append(p.Errs, errors.New("more DWARF problems not listed"))
	}
}

func (p *Problems) err() error {
	if len(p.Errs) == 0 {
		return nil
	}
	return p
}

// ErrNoDWARF is returned for a file without .debug_info.
var ErrNoDWARF = errors.New("no DWARF debug information (.debug_info)")

// maxUnitBytes bounds the size of one unit.
const maxUnitBytes = 512 << 20

// Read walks every compile unit of f. With a nil error every unit was
// read; otherwise the error is ErrNoDWARF (the file has none), or a
// *Problems, and the units returned are those that could be read.
func Read(f *elfsym.File) ([]Unit, error) {
	var infos []*elfsym.Section
	for i := range f.Sections {
		s := &f.Sections[i]
		if s.Name == ".debug_info" && s.Type != elfsym.SHTNobits {
			infos = append(infos, s)
		}
	}
	if len(infos) == 0 {
		return nil, ErrNoDWARF
	}
	// The .debug_info sections and the sections they refer to are read
	// and relocated at once: two relocation tables of a million entries
	// each, for .debug_info and .debug_str_offsets.
	bufs := make([][]byte, len(infos))
	rels := make([]*elfsym.Relocs, len(infos))
	errs := make([]error, len(infos))
	var wg sync.WaitGroup
	wg.Go(func() {
		for i, s := range infos {
			errs[i] = f.ReadMapped(func() (err error) {
				bufs[i], rels[i], err = viewRelocated(f, s)
				return err
			})
		}
	})
	var probs Problems
	var d *reader
	err := f.ReadMapped(func() (err error) {
		d, err = load(f, "")
		return err
	})
	wg.Wait()
	if err != nil {
		probs.add(err)
		return nil, &probs
	}
	d.probs = &probs
	var units []Unit
	for i, info := range infos {
		if errs[i] != nil {
			probs.add(errs[i])
			continue
		}
		d.infoRel = rels[i]
		units = d.section(info, bufs[i], units)
		bufs[i], rels[i] = nil, nil
	}
	return units, probs.err()
}

// readRelocated returns a section's bytes, decompressed and relocated.
func readRelocated(f *elfsym.File, s *elfsym.Section) ([]byte, error) {
	b, err := f.SectionData(s)
	if err != nil {
		return nil, err
	}
	if err := f.ApplyRelocations(s, b); err != nil {
		return nil, err
	}
	return b, nil
}

// section reads the units of one .debug_info section: their extents
// first (a walk over the unit headers), then the abbreviation tables they
// use, each parsed once (a kernel's 1,682 units share 628), then the units
// themselves, split among the CPUs.
func (d *reader) section(info *elfsym.Section, buf []byte, units []Unit) []Unit {
	var heads []header
	if err := d.f.ReadMapped(func() error {
		for off := uint64(0); off < uint64(len(buf)); {
			h, err := d.parseHeader(buf, off)
			if err != nil {
				return err // nothing after a unit of unknown length can be found
			}
			heads = append(heads, h)
			off = h.end
		}
		return nil
	}); err != nil {
		d.probs.add(err)
	}
	type slot struct {
		u   *Unit
		err error
	}
	slots := make([]slot, len(heads))
	workers := min(runtime.GOMAXPROCS(0), 4, max(len(heads)/64, 1))
	shared, err := d.parseTables(heads, workers)
	if err != nil {
		d.probs.add(err)
		return units
	}
	faults := make([]error, workers)
	var wg sync.WaitGroup
	var next atomic.Int64
	for w := range workers {
		wd := *d
		wd.tables = shared
		wd.abbrevs = map[abbrevKey]*abbrevSet{}
		wd.arena = &abbrevArena{}
		wd.dwoSeen = map[string]bool{}
		wg.Go(func() {
			faults[w] = wd.f.ReadMapped(func() error {
				// Units are taken one at a time: their sizes vary a
				// hundredfold, and halves by count end far apart.
				for i := int(next.Add(1)) - 1; i < len(heads); i = int(next.Add(1)) - 1 {
					u, err := wd.unit(buf, heads[i])
					slots[i] = slot{u, err}
				}
				return nil
			})
		})
	}
	wg.Wait()
	for _, err := range faults {
		if err != nil {
			d.probs.add(err)
			return units // the file changed: what was read of it is not to be trusted
		}
	}
	for _, s := range slots {
		if s.err != nil {
			d.probs.add(s.err)
		}
		if s.u != nil {
			units = append(units, *s.u)
		}
	}
	return units
}

// parsedTable is one abbreviation table, or why it could not be parsed.
type parsedTable struct {
	set *abbrevSet
	err error
}

// parseTables parses every abbreviation table the compile units of heads
// use, once each, split among workers. The map is only read afterwards,
// by all of them. The error is a fault reading the mapped file; a table
// that does not parse is kept with its error, for its units to report.
func (d *reader) parseTables(heads []header, workers int) (map[abbrevKey]parsedTable, error) {
	var keys []abbrevKey
	seen := map[abbrevKey]bool{}
	for _, h := range heads {
		if h.unitType == utType || h.unitType == utSplitType {
			continue
		}
		if k := h.abbrevKey(); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	parsed := make([]parsedTable, len(keys))
	workers = min(workers, max(len(keys), 1))
	faults := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wd := *d
		wd.arena = &abbrevArena{}
		lo, hi := len(keys)*w/workers, len(keys)*(w+1)/workers
		wg.Go(func() {
			faults[w] = wd.f.ReadMapped(func() error {
				for i := lo; i < hi; i++ {
					parsed[i].set, parsed[i].err = wd.parseTable(keys[i])
				}
				return nil
			})
		})
	}
	wg.Wait()
	if err := errors.Join(faults...); err != nil {
		return nil, err
	}
	tables := make(map[abbrevKey]parsedTable, len(keys))
	for i, k := range keys {
		tables[k] = parsed[i]
	}
	return tables, nil
}
