package dwarfunits

import (
	"errors"
	"path"
	"strings"
	"sync"

	"klpcheck/correlate/elfsym"
)

// An assembly unit is named after the first file the assembler saw, which
// for a .S file that starts by expanding a header's macros is the header
// (the real 6.12 entry_64.S is named arch/x86/include/asm/idtentry.h), and
// for one that starts by including another .S, that file (head_64.S is
// named verify_cpu.S). Its labels' DW_AT_decl_file, an index into the
// unit's line table header, names the .S file; asmName picks the file most
// labels were declared in.

const (
	atStmtList = 0x10
	atDeclFile = 0x3a

	lnctPath     = 1
	lnctDirIndex = 2
)

// isAsmSource reports whether name is an assembly source file.
func isAsmSource(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".s" || ext == ".sx" || ext == ".asm"
}

// asmName returns the assembly source file most of the unit's labels were
// declared in (headers a .S includes declare labels too, through macros,
// and do not count), or "" when the line table does not say.
func (d *reader) asmName(st *unitState) string {
	if !st.haveStmtList || len(st.declFiles) == 0 {
		return ""
	}
	files, err := d.lineFiles(st)
	if err != nil {
		return ""
	}
	count := map[string]int{}
	best := ""
	for _, f := range st.declFiles {
		if st.version < 5 {
			f-- // DWARF 4 numbers files from 1
		}
		if f >= uint64(len(files)) || !isAsmSource(files[f]) {
			continue
		}
		name := files[f]
		count[name]++
		if n := count[name]; n > count[best] || n == count[best] && name < best {
			best = name
		}
	}
	return best
}

// lineFiles reads the file names of the line table header at the unit's
// DW_AT_stmt_list, joined with their directories.
func (d *reader) lineFiles(st *unitState) ([]string, error) {
	if err := d.loadLine(); err != nil {
		return nil, err
	}
	off := st.stmtList
	line := d.lines.data
	if off >= uint64(len(line)) {
		return nil, errors.New("line table offset past the end of .debug_line")
	}
	c := &cursor{buf: line[off:], bo: d.f.ByteOrder, big: st.big, offSize: 4, addrSize: st.addrSize, base: off}
	length := c.uint(4)
	if length == 0xffffffff {
		c.offSize = 8
		length = c.uint(8)
	}
	if length > uint64(len(c.buf)-c.pos) {
		return nil, errors.New("line table runs past the end of .debug_line")
	}
	c.buf = c.buf[:c.pos+int(length)]
	version := c.u16()
	c.version = version
	if version >= 5 {
		c.skip(2) // address_size, segment_selector_size
	}
	c.skip(c.offSize) // header_length
	c.skip(4)         // minimum_instruction_length .. line_range
	if version >= 4 {
		c.skip(1) // maximum_operations_per_instruction
	}
	opcodeBase := c.u8()
	c.skip(int(opcodeBase) - 1)
	if c.err != nil {
		return nil, c.err
	}
	if version >= 5 {
		return d.lineFiles5(c, st)
	}
	return lineFiles4(c)
}

// lineFiles4 reads DWARF 2-4 include_directories and file_names.
func lineFiles4(c *cursor) ([]string, error) {
	dirs := []string{""}
	for {
		s := c.cstr()
		if c.err != nil || s == "" {
			break
		}
		dirs = append(dirs, s)
	}
	var files []string
	for c.err == nil {
		s := c.cstr()
		if s == "" {
			break
		}
		dir := c.uleb()
		c.uleb() // mtime
		c.uleb() // length
		if dir < uint64(len(dirs)) && !path.IsAbs(s) && dirs[dir] != "" {
			s = path.Join(dirs[dir], s)
		}
		files = append(files, s)
	}
	return files, c.err
}

// lineFiles5 reads DWARF 5 directory and file name entries, described by
// (content type, form) formats.
func (d *reader) lineFiles5(c *cursor, st *unitState) ([]string, error) {
	var dirs []string
	entries := func(each func(path string, dir uint64)) error {
		n := int(c.u8())
		formats := make([]attrSpec, 0, n)
		for range n {
			formats = append(formats, newAttrSpec(c.uleb(), c.uleb()))
		}
		count := c.uleb()
		if c.err != nil || count > uint64(len(c.buf)) {
			return errors.New("malformed line table header")
		}
		for range count {
			var p string
			var dir uint64
			for _, f := range formats {
				start := c.pos
				v, err := c.attr(f)
				if err != nil {
					return err
				}
				if v.kind == kindStrp || v.kind == kindLineStrp {
					v = relocateAttr(d.lines.rel, c, start, f, v)
				}
				switch f.attr {
				case lnctPath:
					if p, err = d.resolve(v, st); err != nil {
						return err
					}
				case lnctDirIndex:
					dir = v.num
				}
			}
			each(p, dir)
		}
		return c.err
	}
	if err := entries(func(p string, _ uint64) { dirs = append(dirs, p) }); err != nil {
		return nil, err
	}
	var files []string
	err := entries(func(p string, dir uint64) {
		if dir < uint64(len(dirs)) && !path.IsAbs(p) {
			p = path.Join(dirs[dir], p)
		}
		files = append(files, p)
	})
	return files, err
}

// cstr reads a NUL-terminated string.
func (c *cursor) cstr() string {
	for i := c.pos; i < len(c.buf); i++ {
		if c.buf[i] == 0 {
			s := string(c.buf[c.pos:i])
			c.pos = i + 1
			return s
		}
	}
	c.err = errors.New("string runs past the end of the line table")
	return ""
}

// loadLine views .debug_line once, on first need: only the headers of
// the assembly units' line tables are read, a few dozen of a kernel's
// 1,682, so the section (4.7 MB and 150,000 relocations in the real
// vmlinux.o) is not copied and relocated whole; the few offsets read from
// it are relocated as they are read.
func (d *reader) loadLine() error {
	l := d.lines
	l.once.Do(func() {
		s := d.f.SectionByName(".debug_line" + d.suffix)
		if s == nil {
			l.err = errors.New("no .debug_line")
			return
		}
		l.data, l.rel, l.err = viewRelocated(d.f, s)
	})
	return l.err
}

// lineCache is .debug_line, shared by the workers of one file: the
// mapped file's bytes and their relocations (rel nil when data is a
// relocated copy).
type lineCache struct {
	once sync.Once
	data []byte
	rel  *elfsym.Relocs
	err  error
}
