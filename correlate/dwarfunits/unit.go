package dwarfunits

import (
	"encoding/binary"
	"fmt"
	"strings"

	"klpcheck/correlate/elfsym"
)

// DWARF constants used here.
const (
	tagCompileUnit  = 0x11
	tagPartialUnit  = 0x3c
	tagSkeletonUnit = 0x4a
	tagSubprogram   = 0x2e
	tagVariable     = 0x34
	tagLabel        = 0x0a

	atName           = 0x03
	atLowPC          = 0x11
	atInline         = 0x20
	atAbstractOrigin = 0x31
	atRanges         = 0x55
	atCompDir        = 0x1b
	atLanguage       = 0x13
	atExternal       = 0x3f
	atDeclaration    = 0x3c
	atStrOffsetsBase = 0x72
	atDWOName        = 0x76
	atGNUDWOName     = 0x2130
	atGNUDWOID       = 0x2131

	inlInlined         = 1 // DW_AT_inline values of an abstract instance root
	inlDeclaredInlined = 3

	utCompile      = 1
	utType         = 2
	utPartial      = 3
	utSkeleton     = 4
	utSplitCompile = 5
	utSplitType    = 6
)

// header is a unit header.
type header struct {
	off, end  uint64 // the unit's bytes in the section
	offSize   int
	addrSize  int
	version   uint16
	unitType  uint8
	abbrevOff uint64
	dwoID     uint64
	hasDWOID  bool
	bodyPos   int // where the first DIE starts, relative to off
}

// parseHeader reads the unit header at off. A nil error with end 0 never
// happens: either the unit's extent is known, or the error says why not.
func (d *reader) parseHeader(buf []byte, off uint64) (header, error) {
	h := header{off: off}
	rest := buf[off:]
	if len(rest) < 11 {
		return h, d.errorf(off, "truncated unit header (%d bytes left in the section)", len(rest))
	}
	bo := d.f.ByteOrder
	length := uint64(bo.Uint32(rest))
	h.offSize = 4
	lenSize := 4
	if length == 0xffffffff {
		if len(rest) < 23 {
			return h, d.errorf(off, "truncated 64-bit unit header")
		}
		length = bo.Uint64(rest[4:])
		h.offSize, lenSize = 8, 12
	} else if length >= 0xfffffff0 {
		return h, d.errorf(off, "reserved unit length %#x", length)
	}
	if length < 2 || length > uint64(len(rest)-lenSize) {
		return h, d.errorf(off, "unit length %d runs past the end of .debug_info%s (%d bytes)", length, d.suffix, len(buf))
	}
	h.end = off + uint64(lenSize) + length
	if h.end-off > maxUnitBytes {
		return h, d.errorf(off, "unit of %d bytes is larger than this reader holds", h.end-off)
	}
	c := &cursor{buf: buf[off:h.end], pos: lenSize, bo: bo, big: bo == binary.BigEndian, offSize: h.offSize}
	h.version = c.u16()
	h.unitType = utCompile
	switch {
	case h.version >= 2 && h.version <= 4:
		h.abbrevOff = d.relocated(c, off, c.offset())
		h.addrSize = int(c.u8())
	case h.version == 5:
		h.unitType = c.u8()
		h.addrSize = int(c.u8())
		h.abbrevOff = d.relocated(c, off, c.offset())
		switch h.unitType {
		case utSkeleton, utSplitCompile:
			h.dwoID, h.hasDWOID = c.uint(8), true
		case utType, utSplitType:
			c.skip(8 + h.offSize)
		case utCompile, utPartial:
		default:
			return h, d.errorf(off, "unknown DWARF 5 unit type %#x", h.unitType)
		}
	default:
		return h, d.errorf(off, "DWARF version %d not supported", h.version)
	}
	if c.err != nil {
		return h, d.errorf(off, "truncated unit header")
	}
	if h.addrSize != 1 && h.addrSize != 2 && h.addrSize != 4 && h.addrSize != 8 {
		return h, d.errorf(off, "address size %d", h.addrSize)
	}
	h.bodyPos = c.pos
	return h, nil
}

// relocated is v, just read by c from the unit at base, as the
// relocations of .debug_info make it: the field ends at c.pos and is
// c.offSize bytes. Only the fields decoded are relocated (abbreviation
// table offsets, and the string and section offsets of the DIEs whose
// attributes are read); the rest of the section is never touched.
func (d *reader) relocated(c *cursor, base uint64, v uint64) uint64 {
	if d.infoRel == nil || c.err != nil {
		return v
	}
	return d.infoRel.Field(base+uint64(c.pos-c.offSize), c.offSize)
}

// relocatedAttr is relocated for an attribute value that ended at c.pos
// and started at start: fixed-size fields of 4 or 8 bytes are relocated
// (DW_FORM_strp, line_strp, sec_offset, data4 and data8, which DWARF 2
// and 3 use for DW_AT_stmt_list).
func (d *reader) relocatedAttr(c *cursor, start int, a attrSpec, v value) value {
	return relocateAttr(d.infoRel, c, start, a, v)
}

// relocateAttr is relocatedAttr with the relocations rel of the section
// c.buf lies in at c.base.
func relocateAttr(rel *elfsym.Relocs, c *cursor, start int, a attrSpec, v value) value {
	if rel == nil || c.err != nil {
		return v
	}
	switch v.kind {
	case kindNum, kindStrp, kindLineStrp:
	default:
		return v
	}
	n := c.pos - start
	if (n == 4 || n == 8) && formSize(uint64(a.form), c.offSize, c.addrSize, c.version) == n {
		v.num = rel.Field(c.base+uint64(start), n)
	}
	return v
}

// unitState is what the DIEs of one unit have told so far.
type unitState struct {
	u              Unit
	strOffsetsBase uint64
	haveBase       bool
	name, compDir  value
	dwoName        value
	skeleton       bool
	offSize        int
	version        uint16
	dwoID          uint64
	hasDWOID       bool
	big            bool
	addrSize       int
	stmtList       uint64
	haveStmtList   bool
	declFiles      []uint64       // DW_AT_decl_file of an assembly unit's labels
	strOffsetsRel  *elfsym.Relocs // of the unit's part of .debug_str_offsets
	// abstract are the unit's named abstract instance roots (subprograms
	// with DW_AT_inline) and concrete the roots its out-of-line instances
	// (DW_AT_abstract_origin with code) point to: see sortAbstract.
	abstract []abstractRoot
	concrete []uint64
}

// abstractRoot is a named abstract instance root, by its offset in the
// section.
type abstractRoot struct {
	off      uint64
	name     string
	external bool
}

// sortAbstract decides what the unit's abstract instance roots name. A
// root with an out-of-line instance in the unit is a function the unit
// defines, as any other. One without is a function that was only inlined
// here: with ThinLTO, that is how a function imported from another module
// appears, and with split DWARF it sits in the importing module's own unit
// (cross-unit references are not allowed in a .dwo), so counting it as a
// definition would name the importer as the file defining it. Such names
// go to Inlined, which a caller consults only for a name no unit defines.
func (st *unitState) sortAbstract() {
	if len(st.abstract) == 0 {
		return
	}
	has := make(map[uint64]bool, len(st.concrete))
	for _, off := range st.concrete {
		has[off] = true
	}
	u := &st.u
	for _, r := range st.abstract {
		switch {
		case !has[r.off]:
			u.Inlined = append(u.Inlined, r.name)
		case r.external:
			u.Externals = append(u.Externals, r.name)
		default:
			u.Statics = append(u.Statics, r.name)
		}
	}
	st.abstract, st.concrete = nil, nil
}

// abbrevKey is the abbreviation table the unit uses, as its header
// decodes it.
func (h header) abbrevKey() abbrevKey {
	return abbrevKey{off: h.abbrevOff, offSize: uint8(h.offSize), addrSize: uint8(h.addrSize), version: h.version}
}

// unit reads the unit of header h of a .debug_info section. It returns
// nil for units that are not compile units (type units).
func (d *reader) unit(buf []byte, h header) (*Unit, error) {
	off := h.off
	if h.unitType == utType || h.unitType == utSplitType {
		return nil, nil
	}
	abbrevs, err := d.abbrevTable(h.abbrevKey())
	if err != nil {
		return nil, d.errorf(off, "%v", err)
	}
	st := &unitState{u: Unit{Offset: int64(off)}, skeleton: h.unitType == utSkeleton, offSize: h.offSize, version: h.version, dwoID: h.dwoID, hasDWOID: h.hasDWOID,
		big: d.f.ByteOrder == binary.BigEndian, addrSize: h.addrSize}
	if d.suffix != "" {
		// A split unit has no DW_AT_str_offsets_base: its strings start
		// after the section's header (none before DWARF 5).
		st.haveBase = true
		if h.version >= 5 {
			st.strOffsetsBase = uint64(2 * h.offSize)
		}
	}
	c := &cursor{buf: buf[off:h.end], pos: h.bodyPos, bo: d.f.ByteOrder, big: d.f.ByteOrder == binary.BigEndian,
		offSize: h.offSize, addrSize: h.addrSize, version: h.version, base: off}
	if err := d.dies(c, h, abbrevs, st); err != nil {
		return nil, err
	}
	st.sortAbstract()
	if st.skeleton && d.suffix == "" {
		err = d.completeSkeleton(h, st)
		return &st.u, err
	}
	if st.name.kind != 0 {
		s, err := d.resolve(st.name, st)
		if err != nil {
			return nil, d.errorf(off, "unit name: %v", err)
		}
		st.u.Name = s
	}
	if st.u.Asm() {
		// Keep DW_AT_name when it is the same file (the line table may
		// spell it with its directory).
		if n := d.asmName(st); n != "" && n != st.u.Name && !strings.HasSuffix(n, "/"+st.u.Name) {
			st.u.Name = n
		}
	}
	st.u.dwoID = st.dwoID
	return &st.u, nil
}

// dies walks the DIE tree of one unit: the unit DIE's attributes and the
// names of its direct children; everything deeper is skipped.
func (d *reader) dies(c *cursor, h header, abbrevs *abbrevSet, st *unitState) error {
	quick := abbrevs.quick
	depth := 0
	// The loop keeps the position in a local: it runs once per DIE, four
	// million times for a kernel, and most DIEs are only stepped over.
	buf, pos := c.buf, c.pos
	for pos < len(buf) {
		dieOff := h.off + uint64(pos)
		var code uint64
		if b := buf[pos]; b < 0x80 { // the common one- and two-byte codes
			code = uint64(b)
			pos++
		} else if pos+1 < len(buf) && buf[pos+1] < 0x80 {
			code = uint64(b&0x7f) | uint64(buf[pos+1])<<7
			pos += 2
		} else {
			c.pos = pos
			if code = c.uleb(); c.err != nil {
				break
			}
			pos = c.pos
		}
		if code == 0 {
			depth--
			if depth <= 0 {
				break
			}
			continue
		}
		var q uint64
		if code < uint64(len(quick)) {
			q = quick[code]
		}
		if q&quickPresent == 0 {
			return d.errorf(dieOff, "abbreviation code %d not in the table at .debug_abbrev%s+%#x", code, d.suffix, h.abbrevOff)
		}
		switch {
		case depth > 1 || depth == 1 && q&quickNamed == 0:
			if q&quickVariable == 0 {
				if pos += quickSize(q); pos > len(buf) {
					return d.errorf(dieOff, "attribute runs past the end of the unit")
				}
				break
			}
			c.pos = pos
			if err := d.skipDIE(c, abbrevs.of(q), dieOff); err != nil {
				return err
			}
			pos = c.pos
		case depth == 0:
			if q&quickIndexed == 0 { // a kind never decoded
				return d.errorf(dieOff, "unit starts with tag %#x, not a compile unit", abbrevs.tag(q))
			}
			c.pos = pos
			if err := d.unitDIE(c, abbrevs.of(q), st, dieOff); err != nil {
				return err
			}
			pos = c.pos
		default:
			c.pos = pos
			if err := d.childDIE(c, abbrevs.of(q), st, dieOff); err != nil {
				return err
			}
			pos = c.pos
		}
		if q&quickChildren != 0 {
			depth++
		} else if depth == 0 {
			break // a unit DIE without children
		}
	}
	if c.err != nil {
		return d.errorf(h.off, "%v", c.err)
	}
	return nil
}

// skipDIE steps over the attributes of a DIE with variable-size forms.
func (d *reader) skipDIE(c *cursor, ab *abbrev, dieOff uint64) error {
	for _, st := range ab.skip {
		c.pos += int(st.fixed)
		if !c.skipForm(st.form) {
			if _, err := c.attr(st.form); err != nil {
				return d.errorf(dieOff, "%v", err)
			}
		}
	}
	c.skip(int(ab.tail))
	if c.err != nil {
		return d.errorf(dieOff, "%v", c.err)
	}
	return nil
}

func (d *reader) unitDIE(c *cursor, ab *abbrev, st *unitState, dieOff uint64) error {
	switch ab.tag {
	case tagCompileUnit, tagPartialUnit:
	case tagSkeletonUnit:
		st.skeleton = true
	default:
		return d.errorf(dieOff, "unit starts with tag %#x, not a compile unit", ab.tag)
	}
	for _, a := range ab.attrs {
		start := c.pos
		v, err := c.attr(a)
		if err != nil {
			return d.errorf(dieOff, "%v", err)
		}
		v = d.relocatedAttr(c, start, a, v)
		switch a.attr {
		case atName:
			st.name = v
		case atCompDir:
			st.compDir = v
		case atLanguage:
			st.u.Language = uint16(v.num)
		case atStrOffsetsBase:
			st.strOffsetsBase, st.haveBase = v.num, true
		case atGNUDWOID:
			st.dwoID, st.hasDWOID = v.num, true
		case atStmtList:
			st.stmtList, st.haveStmtList = v.num, true
		case atDWOName, atGNUDWOName:
			st.dwoName = v
			st.skeleton = true
		}
	}
	return nil
}

func (d *reader) childDIE(c *cursor, ab *abbrev, st *unitState, dieOff uint64) error {
	var name value
	var external, declaration, inlined, hasOrigin, hasCode bool
	var declFile, origin uint64
	for _, a := range ab.attrs {
		start := c.pos
		v, err := c.attr(a)
		if err != nil {
			return d.errorf(dieOff, "%v", err)
		}
		if v.kind == kindStrp || v.kind == kindLineStrp {
			v = d.relocatedAttr(c, start, a, v)
		}
		switch a.attr {
		case atDeclFile:
			declFile = v.num
		case atName:
			name = v
		case atExternal:
			external = v.num != 0
		case atDeclaration:
			declaration = v.num != 0
		case atInline:
			inlined = v.num == inlInlined || v.num == inlDeclaredInlined
		case atAbstractOrigin:
			switch a.form {
			case formRef1, formRef2, formRef4, formRef8, formRefUdata: // unit-relative
				origin, hasOrigin = uint64(st.u.Offset)+v.num, true
			}
		case atLowPC, atRanges:
			hasCode = true
		}
	}
	if ab.tag == tagSubprogram && hasOrigin && hasCode {
		st.concrete = append(st.concrete, origin)
	}
	if name.kind == 0 || name.kind == kindNum {
		return nil
	}
	u := &st.u
	if !u.Asm() && declaration {
		return nil // a declaration names what another unit defines
	}
	s, err := d.resolve(name, st)
	if err != nil {
		return d.errorf(dieOff, "%v", err)
	}
	switch {
	case u.Asm() && ab.tag == tagLabel:
		u.Labels = append(u.Labels, s)
		st.declFiles = append(st.declFiles, declFile)
	case !u.Asm() && ab.tag == tagSubprogram && inlined && s != "":
		st.abstract = append(st.abstract, abstractRoot{off: dieOff, name: s, external: external})
	case !u.Asm() && ab.tag != tagLabel && !declaration && s != "":
		if external {
			u.Externals = append(u.Externals, s)
		} else {
			u.Statics = append(u.Statics, s)
		}
	}
	return nil
}

// abbrevTable decodes the abbreviation table at key.off, indexed by code.
func (d *reader) abbrevTable(key abbrevKey) (*abbrevSet, error) {
	if t, ok := d.tables[key]; ok {
		return t.set, t.err
	}
	if t, ok := d.abbrevs[key]; ok {
		return t, nil
	}
	t, err := d.parseTable(key)
	if err != nil {
		return nil, err
	}
	d.abbrevs[key] = t
	return t, nil
}

// parseTable decodes the abbreviation table at key.off.
func (d *reader) parseTable(key abbrevKey) (*abbrevSet, error) {
	if key.off >= uint64(len(d.abbrev)) {
		return nil, fmt.Errorf("abbreviation table offset %#x past the end of .debug_abbrev%s (%d bytes)", key.off, d.suffix, len(d.abbrev))
	}
	t, err := parseAbbrevs(d.abbrev[key.off:], key, d.arena)
	if err != nil {
		return nil, fmt.Errorf(".debug_abbrev%s+%#x: %v", d.suffix, key.off, err)
	}
	return t, nil
}

// resolve turns a name attribute into a string.
func (d *reader) resolve(v value, st *unitState) (string, error) {
	switch v.kind {
	case kindInline:
		return v.str, nil
	case kindStrp:
		return cstring(d.str, v.num, ".debug_str"+d.suffix)
	case kindLineStrp:
		return cstring(d.lineStr, v.num, ".debug_line_str"+d.suffix)
	case kindStrx:
		off, err := d.strOffset(v.num, st)
		if err != nil {
			return "", err
		}
		return cstring(d.str, off, ".debug_str"+d.suffix)
	}
	return "", nil // a form that cannot hold a name we use (e.g. a supplementary file)
}

func (d *reader) strOffset(index uint64, st *unitState) (uint64, error) {
	if d.strOffsets == nil {
		return 0, fmt.Errorf("string index without .debug_str_offsets%s", d.suffix)
	}
	if !st.haveBase {
		return 0, fmt.Errorf("string index %d in a unit without DW_AT_str_offsets_base", index)
	}
	if d.strOffsetsRel != nil && st.strOffsetsRel == nil {
		st.strOffsetsRel = d.unitStrOffsets(st)
	}
	size := uint64(st.offSize)
	pos := st.strOffsetsBase + index*size
	if index > uint64(len(d.strOffsets)) || pos < st.strOffsetsBase || pos+size > uint64(len(d.strOffsets)) {
		return 0, fmt.Errorf("string index %d outside .debug_str_offsets%s (%d bytes)", index, d.suffix, len(d.strOffsets))
	}
	return field(d.strOffsets, st.strOffsetsRel, d.f.ByteOrder, pos, int(size)), nil
}

// unitStrOffsets are the relocations of the unit's contribution to
// .debug_str_offsets, which its DWARF 5 header (just before the base)
// delimits; all of the section's when there is no such header.
func (d *reader) unitStrOffsets(st *unitState) *elfsym.Relocs {
	base, end := st.strOffsetsBase, uint64(len(d.strOffsets))
	if st.version >= 5 && st.offSize == 4 && base >= 8 && base <= end {
		if n := uint64(d.f.ByteOrder.Uint32(d.strOffsets[base-8:])); n >= 4 && n-4 <= end-base {
			end = base + n - 4
		}
	}
	return d.strOffsetsRel.Within(min(base, end), end)
}
