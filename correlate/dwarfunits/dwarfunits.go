// Package dwarfunits reads, from an ELF file's DWARF, which compile units
// are assembly and which names each unit defines: the labels of assembly
// units (DW_LANG_Mips_Assembler, what clang and GNU as write for a .S file),
// and the file-scope functions and variables of C units, external or
// static. That is the provenance correlate needs when no build directory is
// at hand.
//
// Units are read one at a time through the file's ReaderAt; in a
// relocatable file (vmlinux.o) the relocations of .debug_info and
// .debug_str_offsets are applied to each unit as it is read. Only the forms
// are decoded that carry names, flags and the language; everything else is
// skipped by size.
package dwarfunits

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"klpcheck/correlate/elfsym"
)

// Language codes of assembly units.
const (
	LangMipsAssembler = 0x8001 // what LLVM and GNU as use for every target
	LangAssembly      = 0x31   // DWARF 6's DW_LANG_Assembly
)

// Unit is one compile unit.
type Unit struct {
	Offset   int64 // in .debug_info
	Name     string
	Language uint16
	// Labels are the DW_TAG_label names of an assembly unit. The assembler
	// drops a leading underscore ("_start" is recorded as "start").
	Labels []string
	// Externals and Statics are the names of a C unit's file-scope
	// function and variable definitions (DW_AT_external or not).
	Externals []string
	Statics   []string
}

// Asm reports whether the unit was assembled from a .S/.s file.
func (u *Unit) Asm() bool {
	return u.Language == LangMipsAssembler || u.Language == LangAssembly
}

// Error is malformed DWARF: where and what.
type Error struct {
	Path   string
	Offset int64 // in .debug_info, or -1
	Msg    string
}

func (e *Error) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("%s: .debug_info+%#x: %s", e.Path, e.Offset, e.Msg)
	}
	return fmt.Sprintf("%s: DWARF: %s", e.Path, e.Msg)
}

// ErrNoDWARF is returned for a file without .debug_info.
var ErrNoDWARF = errors.New("no DWARF debug information (.debug_info)")

// maxUnitBytes bounds the size of one unit held in memory.
const maxUnitBytes = 512 << 20

// Read walks every compile unit of f.
func Read(f *elfsym.File) ([]Unit, error) {
	info := f.SectionByName(".debug_info")
	if info == nil || info.Type == elfsym.SHTNobits {
		return nil, ErrNoDWARF
	}
	abbrevSec := f.SectionByName(".debug_abbrev")
	if abbrevSec == nil {
		return nil, &Error{Path: f.Path, Offset: -1, Msg: ".debug_info without .debug_abbrev"}
	}
	infoR, err := f.SectionReader(info)
	if err != nil {
		return nil, err
	}
	d := &reader{f: f, info: info, infoR: infoR, abbrevCache: map[uint64]map[uint64]*abbrev{}}
	if d.abbrevR, err = f.SectionReader(abbrevSec); err != nil {
		return nil, err
	}
	for name, dst := range map[string]**section{".debug_str": &d.str, ".debug_line_str": &d.lineStr, ".debug_str_offsets": &d.strOffsets} {
		s := f.SectionByName(name)
		if s == nil || s.Type == elfsym.SHTNobits {
			continue
		}
		r, err := f.SectionReader(s)
		if err != nil {
			return nil, err
		}
		relocs, err := f.RelocationsFor(s)
		if err != nil {
			return nil, err
		}
		*dst = &section{sec: s, r: r, relocs: relocs}
	}
	if d.infoRelocs, err = f.RelocationsFor(info); err != nil {
		return nil, err
	}
	var units []Unit
	for off := uint64(0); off < info.Size; {
		u, next, err := d.unit(off)
		if err != nil {
			return units, err
		}
		if u != nil {
			units = append(units, *u)
		}
		off = next
	}
	return units, nil
}

type section struct {
	sec    *elfsym.Section
	r      *io.SectionReader
	relocs *elfsym.RelocCursor
}

type reader struct {
	f           *elfsym.File
	info        *elfsym.Section
	infoR       *io.SectionReader
	infoRelocs  *elfsym.RelocCursor
	abbrevR     *io.SectionReader
	str         *section
	lineStr     *section
	strOffsets  *section
	abbrevCache map[uint64]map[uint64]*abbrev
}

func (d *reader) errorf(off uint64, format string, args ...any) error {
	return &Error{Path: d.f.Path, Offset: int64(off), Msg: fmt.Sprintf(format, args...)}
}

type attrSpec struct {
	attr, form uint64
	implicit   int64
}

type abbrev struct {
	tag      uint64
	children bool
	attrs    []attrSpec
}

// DWARF constants used here.
const (
	tagCompileUnit = 0x11
	tagPartialUnit = 0x3c
	tagSubprogram  = 0x2e
	tagVariable    = 0x34
	tagLabel       = 0x0a

	atName           = 0x03
	atLanguage       = 0x13
	atExternal       = 0x3f
	atDeclaration    = 0x3c
	atStrOffsetsBase = 0x72

	utCompile      = 1
	utPartial      = 3
	utSkeleton     = 4
	utSplitCompile = 5
	utType         = 2
	utSplitType    = 6
)

// unit reads the unit at off; it returns nil for units that are not
// compile units (type units), and the offset of the next unit.
func (d *reader) unit(off uint64) (*Unit, uint64, error) {
	var hdr [24]byte
	n, _ := d.infoR.ReadAt(hdr[:], int64(off))
	if n < 11 {
		return nil, 0, d.errorf(off, "truncated unit header")
	}
	bo := d.f.ByteOrder
	length := uint64(bo.Uint32(hdr[:]))
	offSize, lenSize := 4, 4
	if length == 0xffffffff {
		if n < 23 {
			return nil, 0, d.errorf(off, "truncated 64-bit unit header")
		}
		length = bo.Uint64(hdr[4:])
		offSize, lenSize = 8, 12
	} else if length >= 0xfffffff0 {
		return nil, 0, d.errorf(off, "reserved unit length %#x", length)
	}
	end := off + uint64(lenSize) + length
	if length < 2 || end > d.info.Size || end < off {
		return nil, 0, d.errorf(off, "unit length %d runs past the end of .debug_info (%d bytes)", length, d.info.Size)
	}
	if end-off > maxUnitBytes {
		return nil, 0, d.errorf(off, "unit of %d bytes is larger than this reader holds in memory", end-off)
	}
	buf := make([]byte, end-off)
	if k, err := d.infoR.ReadAt(buf, int64(off)); uint64(k) != end-off {
		return nil, 0, d.errorf(off, "reading unit: %v", err)
	}
	if err := d.infoRelocs.Apply(buf, off); err != nil {
		return nil, 0, err
	}
	c := &cursor{buf: buf, pos: lenSize, bo: bo, offSize: offSize}
	version := c.u16()
	var abbrevOff uint64
	addrSize := 0
	unitType := uint8(utCompile)
	switch {
	case version >= 2 && version <= 4:
		abbrevOff = c.offset()
		addrSize = int(c.u8())
	case version == 5:
		unitType = c.u8()
		addrSize = int(c.u8())
		abbrevOff = c.offset()
		switch unitType {
		case utSkeleton, utSplitCompile:
			c.skip(8)
		case utType, utSplitType:
			c.skip(8)
			c.skip(offSize)
		}
	default:
		return nil, 0, d.errorf(off, "DWARF version %d not supported", version)
	}
	if c.err != nil {
		return nil, 0, d.errorf(off, "truncated unit header")
	}
	if unitType == utType || unitType == utSplitType {
		return nil, end, nil
	}
	if addrSize != 1 && addrSize != 2 && addrSize != 4 && addrSize != 8 {
		return nil, 0, d.errorf(off, "address size %d", addrSize)
	}
	c.addrSize = addrSize
	c.version = version
	abbrevs, err := d.abbrevTable(abbrevOff)
	if err != nil {
		return nil, 0, err
	}
	u := &Unit{Offset: int64(off)}
	var strOffsetsBase uint64
	var pendingName *value // the unit's name may come before its str_offsets_base
	depth := 0
	for c.pos < len(c.buf) && c.err == nil {
		dieOff := off + uint64(c.pos)
		code := c.uleb()
		if code == 0 {
			depth--
			if depth <= 0 {
				break
			}
			continue
		}
		ab := abbrevs[code]
		if ab == nil {
			return nil, 0, d.errorf(dieOff, "abbreviation code %d not in the table at .debug_abbrev+%#x", code, abbrevOff)
		}
		var name value
		var external, declaration bool
		for _, a := range ab.attrs {
			v, err := c.attr(a)
			if err != nil {
				return nil, 0, d.errorf(dieOff, "%v", err)
			}
			switch a.attr {
			case atName:
				name = v
			case atExternal:
				external = v.num != 0
			case atDeclaration:
				declaration = v.num != 0
			case atLanguage:
				if depth == 0 {
					u.Language = uint16(v.num)
				}
			case atStrOffsetsBase:
				if depth == 0 {
					strOffsetsBase = v.num
				}
			}
		}
		if depth == 0 {
			if ab.tag != tagCompileUnit && ab.tag != tagPartialUnit {
				return nil, 0, d.errorf(dieOff, "unit starts with tag %#x, not a compile unit", ab.tag)
			}
			pendingName = &name
		} else if depth == 1 && name.kind != 0 {
			s, err := d.resolve(name, strOffsetsBase, offSize)
			if err != nil {
				return nil, 0, d.errorf(dieOff, "%v", err)
			}
			switch {
			case u.Asm() && ab.tag == tagLabel:
				u.Labels = append(u.Labels, s)
			case !u.Asm() && (ab.tag == tagSubprogram || ab.tag == tagVariable) && !declaration && s != "":
				if external {
					u.Externals = append(u.Externals, s)
				} else {
					u.Statics = append(u.Statics, s)
				}
			}
		}
		if ab.children {
			depth++
		} else if depth == 0 {
			break // a unit DIE without children
		}
	}
	if c.err != nil {
		return nil, 0, d.errorf(off, "%v", c.err)
	}
	if pendingName != nil && pendingName.kind != 0 {
		s, err := d.resolve(*pendingName, strOffsetsBase, offSize)
		if err != nil {
			return nil, 0, d.errorf(off, "unit name: %v", err)
		}
		u.Name = s
	}
	return u, end, nil
}

func (d *reader) abbrevTable(off uint64) (map[uint64]*abbrev, error) {
	if t, ok := d.abbrevCache[off]; ok {
		return t, nil
	}
	size := uint64(d.abbrevR.Size())
	if off >= size {
		return nil, &Error{Path: d.f.Path, Offset: -1, Msg: fmt.Sprintf("abbreviation table offset %#x past the end of .debug_abbrev (%d bytes)", off, size)}
	}
	// Tables are small; read up to 1 MiB and grow if a table is longer.
	for window := uint64(64 << 10); ; window *= 4 {
		n := min(window, size-off)
		buf := make([]byte, n)
		if k, err := d.abbrevR.ReadAt(buf, int64(off)); uint64(k) != n {
			return nil, &Error{Path: d.f.Path, Offset: -1, Msg: fmt.Sprintf("reading .debug_abbrev: %v", err)}
		}
		t, complete, err := parseAbbrevs(buf)
		if err != nil {
			return nil, &Error{Path: d.f.Path, Offset: -1, Msg: fmt.Sprintf(".debug_abbrev+%#x: %v", off, err)}
		}
		if complete || n == size-off {
			if len(d.abbrevCache) > 4096 {
				clear(d.abbrevCache)
			}
			d.abbrevCache[off] = t
			return t, nil
		}
	}
}

func parseAbbrevs(buf []byte) (map[uint64]*abbrev, bool, error) {
	c := &cursor{buf: buf}
	t := map[uint64]*abbrev{}
	for {
		code := c.uleb()
		if c.err != nil {
			return t, false, nil // ran off the window: read more
		}
		if code == 0 {
			return t, true, nil
		}
		ab := &abbrev{tag: c.uleb(), children: c.u8() != 0}
		for {
			attr, form := c.uleb(), c.uleb()
			if c.err != nil {
				return t, false, nil
			}
			if attr == 0 && form == 0 {
				break
			}
			spec := attrSpec{attr: attr, form: form}
			if form == formImplicitConst {
				spec.implicit = c.sleb()
			}
			ab.attrs = append(ab.attrs, spec)
			if len(ab.attrs) > 1024 {
				return nil, false, errors.New("abbreviation with more than 1024 attributes")
			}
		}
		if _, dup := t[code]; dup {
			return nil, false, fmt.Errorf("abbreviation code %d defined twice", code)
		}
		t[code] = ab
	}
}

// resolve turns a name attribute into a string.
func (d *reader) resolve(v value, strOffsetsBase uint64, offSize int) (string, error) {
	switch v.kind {
	case kindInline:
		return v.str, nil
	case kindStrp:
		return d.cstring(d.str, v.num, ".debug_str")
	case kindLineStrp:
		return d.cstring(d.lineStr, v.num, ".debug_line_str")
	case kindStrx:
		if d.strOffsets == nil {
			return "", errors.New("string index without .debug_str_offsets")
		}
		pos := strOffsetsBase + v.num*uint64(offSize)
		if strOffsetsBase == 0 || pos+uint64(offSize) > uint64(d.strOffsets.r.Size()) || pos < strOffsetsBase {
			return "", fmt.Errorf("string index %d outside .debug_str_offsets", v.num)
		}
		buf := make([]byte, offSize)
		if _, err := d.strOffsets.r.ReadAt(buf, int64(pos)); err != nil {
			return "", err
		}
		if err := d.strOffsets.relocs.Apply(buf, pos); err != nil {
			return "", err
		}
		var off uint64
		if offSize == 8 {
			off = d.f.ByteOrder.Uint64(buf)
		} else {
			off = uint64(d.f.ByteOrder.Uint32(buf))
		}
		return d.cstring(d.str, off, ".debug_str")
	}
	return "", nil // a form that cannot hold a name we use (e.g. a supplementary file)
}

func (d *reader) cstring(s *section, off uint64, name string) (string, error) {
	if s == nil {
		return "", fmt.Errorf("string in %s, which the file lacks", name)
	}
	size := uint64(s.r.Size())
	if off >= size {
		return "", fmt.Errorf("string offset %#x past the end of %s (%d bytes)", off, name, size)
	}
	var out []byte
	for chunk := uint64(128); ; chunk *= 2 {
		n := min(chunk, size-off)
		buf := make([]byte, n)
		if k, err := s.r.ReadAt(buf, int64(off)); uint64(k) != n {
			return "", fmt.Errorf("reading %s: %v", name, err)
		}
		for i, b := range buf {
			if b == 0 {
				return string(append(out, buf[:i]...)), nil
			}
		}
		if n == size-off || chunk > 1<<20 {
			return "", fmt.Errorf("string at %s+%#x has no NUL terminator", name, off)
		}
	}
}

// Form codes (DW_FORM_*).
const (
	formAddr          = 0x01
	formBlock2        = 0x03
	formBlock4        = 0x04
	formData2         = 0x05
	formData4         = 0x06
	formData8         = 0x07
	formString        = 0x08
	formBlock         = 0x09
	formBlock1        = 0x0a
	formData1         = 0x0b
	formFlag          = 0x0c
	formSdata         = 0x0d
	formStrp          = 0x0e
	formUdata         = 0x0f
	formRefAddr       = 0x10
	formRef1          = 0x11
	formRef2          = 0x12
	formRef4          = 0x13
	formRef8          = 0x14
	formRefUdata      = 0x15
	formIndirect      = 0x16
	formSecOffset     = 0x17
	formExprloc       = 0x18
	formFlagPresent   = 0x19
	formStrx          = 0x1a
	formAddrx         = 0x1b
	formRefSup4       = 0x1c
	formStrpSup       = 0x1d
	formData16        = 0x1e
	formLineStrp      = 0x1f
	formRefSig8       = 0x20
	formImplicitConst = 0x21
	formLoclistx      = 0x22
	formRnglistx      = 0x23
	formRefSup8       = 0x24
	formStrx1         = 0x25
	formStrx2         = 0x26
	formStrx3         = 0x27
	formStrx4         = 0x28
	formAddrx1        = 0x29
	formAddrx2        = 0x2a
	formAddrx3        = 0x2b
	formAddrx4        = 0x2c
	formGNUAddrIndex  = 0x1f01
	formGNUStrIndex   = 0x1f02
	formGNURefAlt     = 0x1f20
	formGNUStrpAlt    = 0x1f21
)

// value is a decoded attribute: a number, or a string reference.
type value struct {
	kind int // 0 none, or one of the kinds below
	num  uint64
	str  string
}

const (
	kindNum = iota + 1
	kindInline
	kindStrp
	kindLineStrp
	kindStrx
	kindOther
)

type cursor struct {
	buf      []byte
	pos      int
	bo       binary.ByteOrder
	offSize  int
	addrSize int
	version  uint16
	err      error
}

func (c *cursor) need(n int) bool {
	if c.err != nil {
		return false
	}
	if n < 0 || n > len(c.buf)-c.pos {
		c.err = errors.New("attribute runs past the end of the unit")
		return false
	}
	return true
}

func (c *cursor) skip(n int) {
	if c.need(n) {
		c.pos += n
	}
}

func (c *cursor) u8() uint8 {
	if !c.need(1) {
		return 0
	}
	c.pos++
	return c.buf[c.pos-1]
}

func (c *cursor) u16() uint16 {
	if !c.need(2) {
		return 0
	}
	c.pos += 2
	return c.bo.Uint16(c.buf[c.pos-2:])
}

func (c *cursor) uint(n int) uint64 {
	if !c.need(n) {
		return 0
	}
	var v uint64
	b := c.buf[c.pos : c.pos+n]
	for i := 0; i < n; i++ {
		if c.bo == binary.LittleEndian {
			v |= uint64(b[i]) << (8 * i)
		} else {
			v = v<<8 | uint64(b[i])
		}
	}
	c.pos += n
	return v
}

func (c *cursor) offset() uint64 { return c.uint(c.offSize) }

func (c *cursor) uleb() uint64 {
	var v uint64
	for shift := 0; ; shift += 7 {
		b := c.u8()
		if c.err != nil {
			return 0
		}
		if shift < 64 {
			v |= uint64(b&0x7f) << shift
		}
		if b&0x80 == 0 {
			return v
		}
		if shift > 640 {
			c.err = errors.New("LEB128 number too long")
			return 0
		}
	}
}

func (c *cursor) sleb() int64 {
	var v int64
	shift := 0
	for {
		b := c.u8()
		if c.err != nil {
			return 0
		}
		if shift < 64 {
			v |= int64(b&0x7f) << shift
		}
		shift += 7
		if b&0x80 == 0 {
			if shift < 64 && b&0x40 != 0 {
				v |= -1 << shift
			}
			return v
		}
		if shift > 640 {
			c.err = errors.New("LEB128 number too long")
			return 0
		}
	}
}

func (c *cursor) block(n uint64) {
	if n > uint64(len(c.buf)) {
		c.err = errors.New("block runs past the end of the unit")
		return
	}
	c.skip(int(n))
}

// attr decodes one attribute value of the given form.
func (c *cursor) attr(a attrSpec) (value, error) {
	form := a.form
	for range 4 { // DW_FORM_indirect may name another form
		if form != formIndirect {
			break
		}
		form = c.uleb()
	}
	v := value{kind: kindNum}
	switch form {
	case formAddr:
		v.num = c.uint(c.addrSize)
	case formData1, formRef1, formFlag, formStrx1, formAddrx1:
		v.num = uint64(c.u8())
	case formData2, formRef2, formStrx2, formAddrx2:
		v.num = c.uint(2)
	case formStrx3, formAddrx3:
		v.num = c.uint(3)
	case formData4, formRef4, formRefSup4, formStrx4, formAddrx4:
		v.num = c.uint(4)
	case formData8, formRef8, formRefSig8, formRefSup8:
		v.num = c.uint(8)
	case formData16:
		c.skip(16)
	case formSdata:
		v.num = uint64(c.sleb())
	case formUdata, formRefUdata, formStrx, formAddrx, formLoclistx, formRnglistx, formGNUAddrIndex, formGNUStrIndex:
		v.num = c.uleb()
	case formString:
		end := -1
		for i := c.pos; i < len(c.buf); i++ {
			if c.buf[i] == 0 {
				end = i
				break
			}
		}
		if end < 0 {
			return v, errors.New("inline string without NUL")
		}
		v = value{kind: kindInline, str: string(c.buf[c.pos:end])}
		c.pos = end + 1
	case formStrp:
		v = value{kind: kindStrp, num: c.offset()}
	case formLineStrp:
		v = value{kind: kindLineStrp, num: c.offset()}
	case formStrpSup, formGNUStrpAlt, formGNURefAlt, formSecOffset:
		v.num = c.offset()
		if form == formStrpSup || form == formGNUStrpAlt {
			v.kind = kindOther
		}
	case formRefAddr:
		if c.version <= 2 {
			v.num = c.uint(c.addrSize)
		} else {
			v.num = c.offset()
		}
	case formBlock1:
		c.block(uint64(c.u8()))
	case formBlock2:
		c.block(c.uint(2))
	case formBlock4:
		c.block(c.uint(4))
	case formBlock, formExprloc:
		c.block(c.uleb())
	case formFlagPresent:
		v.num = 1
	case formImplicitConst:
		v.num = uint64(a.implicit)
	default:
		return v, fmt.Errorf("unknown attribute form %#x", form)
	}
	switch form {
	case formStrx, formStrx1, formStrx2, formStrx3, formStrx4, formGNUStrIndex:
		v.kind = kindStrx
	}
	if c.err != nil {
		return v, c.err
	}
	return v, nil
}
