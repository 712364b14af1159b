package correlate

import (
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"klpcheck/correlate/internal/dwopath"
	"klpcheck/correlate/internal/regular"
)

// Split DWARF (-gsplit-dwarf; ThinLTO's dwo_dir): the file read holds a
// skeleton unit per C unit, and the unit's DIEs (names, decl_file,
// decl_line) are in a .dwo file. The skeleton is DWARF 5's DW_UT_skeleton
// (DW_TAG_skeleton_unit, DW_AT_dwo_name) or DWARF 4's GNU form (a
// DW_TAG_compile_unit with DW_AT_GNU_dwo_name). The .dwo's decl_file
// indexes the skeleton's line table: the split unit has no DW_AT_stmt_list
// of its own (DWARF 5, 3.1.3: it is inherited from the skeleton; clang
// writes no .debug_line.dwo for a compile unit), so the file names come
// from the file read and only the DIEs from the .dwo.
//
// The standard library reads a .dwo's DIEs once given its sections by
// hand (debug/elf's DWARF method looks for .debug_info, not
// .debug_info.dwo), with three things it does not do itself, each below:
// the implicit string-offsets base of a split unit, the GNU forms of
// DWARF 4, and indexes into sections that are in the other file.

// GNU split-DWARF attributes and forms (DWARF 4), which debug/dwarf does
// not name.
const (
	attrGNUDwoName       dwarf.Attr = 0x2130
	attrGNUDwoID         dwarf.Attr = 0x2131
	formGNUAddrIndex                = 0x1f01
	formGNUStrIndex                 = 0x1f02
	formImplicitConst               = 0x21
	dwarfVersionSkeleton            = 5 // the first version with DW_UT_skeleton
)

// skeletonDWO is the .dwo a skeleton unit names, "" for a unit that is not
// a skeleton.
func skeletonDWO(cu *dwarf.Entry) string {
	switch cu.Tag {
	case dwarf.TagSkeletonUnit:
		name, _ := cu.Val(dwarf.AttrDwoName).(string)
		return name
	case dwarf.TagCompileUnit:
		name, _ := cu.Val(attrGNUDwoName).(string)
		return name
	}
	return ""
}

// skeletonID is the DWO id a skeleton unit shares with its split unit:
// DWARF 4's DW_AT_GNU_dwo_id, else DWARF 5's, the last field of the unit
// header, right before the unit's first DIE in info (the file's
// .debug_info section); ok is false when it cannot be read.
func skeletonID(cu *dwarf.Entry, info *elf.Section, order binary.ByteOrder) (id uint64, ok bool) {
	if v, isInt := cu.Val(attrGNUDwoID).(int64); isInt {
		return uint64(v), true
	}
	if cu.Tag != dwarf.TagSkeletonUnit || info == nil || cu.Offset < 8 {
		return 0, false
	}
	r := info.Open()
	if _, err := r.Seek(int64(cu.Offset)-8, io.SeekStart); err != nil {
		return 0, false
	}
	var b [8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, false
	}
	return order.Uint64(b[:]), true
}

// splitUnit is a .dwo's compile unit, positioned for reading its children.
type splitUnit struct {
	data *dwarf.Data
	r    *dwarf.Reader
	cu   *dwarf.Entry
}

// openSplitUnit finds the .dwo of a skeleton unit of file (in the places
// the census looks, dwopath.Candidates) and its split compile unit with
// the DWO id wantID (any when haveID is false: a DWARF 5 skeleton whose
// header could not be read). An error is a .dwo missing, unreadable or
// stale; the caller then leaves the unit's conflicts at file level.
func openSplitUnit(file, compDir, dwo string, wantID uint64, haveID bool) (*splitUnit, error) {
	var firstErr error
	for _, p := range dwopath.Candidates(file, compDir, dwo) {
		u, err := readSplitUnit(p, wantID, haveID)
		if err == nil {
			return u, nil
		}
		if firstErr == nil || errors.Is(firstErr, errNoDWO) {
			firstErr = err
		}
	}
	return nil, firstErr
}

var errNoDWO = errors.New("no .dwo file")

// readSplitUnit reads the .dwo at path (only a regular file: a FIFO would
// block) and returns its unit with the DWO id wantID.
func readSplitUnit(path string, wantID uint64, haveID bool) (*splitUnit, error) {
	fh, err := regular.Open(path)
	if err != nil {
		return nil, errNoDWO
	}
	defer fh.Close()
	f, err := elf.NewFile(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d, info, err := dwoData(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r := d.Reader()
	for {
		cu, err := r.Next()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if cu == nil {
			return nil, fmt.Errorf("%s: no split unit with DWO id %#x (stale .dwo?)", path, wantID)
		}
		if cu.Tag != dwarf.TagCompileUnit {
			r.SkipChildren() // a split type unit
			continue
		}
		if id, ok := splitUnitID(cu, info, f.ByteOrder); haveID && (!ok || id != wantID) {
			r.SkipChildren()
			continue
		}
		return &splitUnit{data: d, r: r, cu: cu}, nil
	}
}

// splitUnitID is the DWO id of a .dwo's compile unit: DWARF 4's attribute,
// else DWARF 5's header field before the unit's first DIE.
func splitUnitID(cu *dwarf.Entry, info []byte, order binary.ByteOrder) (uint64, bool) {
	if v, ok := cu.Val(attrGNUDwoID).(int64); ok {
		return uint64(v), true
	}
	off := int(cu.Offset)
	if off < 8 || off > len(info) {
		return 0, false
	}
	return order.Uint64(info[off-8 : off]), true
}

// dwoData is the DWARF of a .dwo file, and its .debug_info.dwo.
func dwoData(f *elf.File) (*dwarf.Data, []byte, error) {
	sec := map[string][]byte{}
	for _, name := range []string{"info", "abbrev", "str", "str_offsets"} {
		s := f.Section(".debug_" + name + ".dwo")
		if s == nil {
			if name == "info" || name == "abbrev" {
				return nil, nil, fmt.Errorf("no .debug_%s.dwo section", name)
			}
			continue
		}
		b, err := s.Data()
		if err != nil {
			return nil, nil, fmt.Errorf(".debug_%s.dwo: %w", name, err)
		}
		sec[name] = b
	}
	d, err := dwarf.New(localForms(sec["abbrev"]), nil, nil, sec["info"], nil, nil, nil, sec["str"])
	if err != nil {
		return nil, nil, err
	}
	if offs := sec["str_offsets"]; len(offs) > 0 {
		// A split unit has no DW_AT_str_offsets_base: its base is
		// implicitly the first entry of the .dwo's (only) contribution,
		// after the DWARF 5 contribution header; DWARF 4's GNU section
		// has no header. debug/dwarf takes a missing base as 0, so the
		// section is handed to it from that entry on.
		offs = offs[min(len(offs), strOffsetsHeader(sec["info"], offs, f.ByteOrder)):]
		if err := d.AddSection(".debug_str_offsets", offs); err != nil {
			return nil, nil, err
		}
	}
	return d, sec["info"], nil
}

// strOffsetsHeader is the size of the .debug_str_offsets.dwo header: 8
// bytes (16 in DWARF64) when the first unit of info is DWARF 5, else 0.
func strOffsetsHeader(info, offs []byte, order binary.ByteOrder) int {
	verAt := 4
	if len(info) >= 4 && order.Uint32(info) == 0xffffffff {
		verAt = 12
	}
	if len(info) < verAt+2 || order.Uint16(info[verAt:]) < dwarfVersionSkeleton {
		return 0
	}
	if len(offs) >= 4 && order.Uint32(offs) == 0xffffffff {
		return 16
	}
	return 8
}

// localForms is a copy of a .dwo's abbreviation tables in which the forms
// debug/dwarf would resolve through a section of the other file, or does
// not know, are replaced by forms of the same encoding it reads as they
// are:
//
//   - DW_FORM_addrx* and DW_FORM_GNU_addr_index index .debug_addr, which
//     is in the file read, not in the .dwo; DW_FORM_rnglistx needs
//     .debug_rnglists.dwo's base. Both are read as plain constants (their
//     values are never used here: only names, decl_file and decl_line).
//   - DW_FORM_GNU_str_index (DWARF 4) is DW_FORM_strx under another code:
//     a ULEB128 index into .debug_str_offsets.dwo.
//
// The replacement codes are written in as many ULEB128 bytes as the
// original (a ULEB128 may be padded with 0x80 bytes), so no offset moves.
// DW_FORM_addrx3 has no 3-byte constant form and is left: a unit using it
// fails to read and its conflicts stay at file level.
func localForms(abbrev []byte) []byte {
	out := append([]byte(nil), abbrev...)
	for pos := 0; pos < len(out); {
		code, n := uleb(out[pos:])
		if n == 0 {
			break
		}
		pos += n
		if code == 0 {
			continue // the end of one table; another may follow
		}
		if _, n = uleb(out[pos:]); n == 0 { // the tag
			break
		}
		pos += n + 1 // and DW_CHILDREN_*
		for pos < len(out) {
			attr, na := uleb(out[pos:])
			form, nf := uleb(out[pos+na:])
			if na == 0 || nf == 0 {
				return out
			}
			at := pos + na
			pos = at + nf
			if attr == 0 && form == 0 {
				break
			}
			if form == formImplicitConst {
				pos += slebLen(out[pos:])
			}
			if to, ok := localForm[form]; ok {
				putPaddedULEB(out[at:at+nf], to)
			}
		}
	}
	return out
}

// localForm maps each form localForms replaces to its replacement.
var localForm = map[uint64]uint64{
	0x1b:             0x0f, // DW_FORM_addrx -> DW_FORM_udata
	0x29:             0x0b, // DW_FORM_addrx1 -> DW_FORM_data1
	0x2a:             0x05, // DW_FORM_addrx2 -> DW_FORM_data2
	0x2c:             0x06, // DW_FORM_addrx4 -> DW_FORM_data4
	0x23:             0x0f, // DW_FORM_rnglistx -> DW_FORM_udata
	formGNUAddrIndex: 0x0f, // -> DW_FORM_udata
	formGNUStrIndex:  0x1a, // -> DW_FORM_strx
}

// uleb decodes a ULEB128; n is 0 when b ends inside it.
func uleb(b []byte) (v uint64, n int) {
	var shift uint
	for i, c := range b {
		if shift < 64 {
			v |= uint64(c&0x7f) << shift
		}
		shift += 7
		if c&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}

// slebLen is the length of an SLEB128 (its value is not needed); 0 when b
// ends inside it.
func slebLen(b []byte) int {
	for i, c := range b {
		if c&0x80 == 0 {
			return i + 1
		}
	}
	return 0
}

// putPaddedULEB writes v (below 0x80 << 7*(len(dst)-1)) as a ULEB128 of
// exactly len(dst) bytes.
func putPaddedULEB(dst []byte, v uint64) {
	for i := range dst {
		c := byte(v & 0x7f)
		v >>= 7
		if i < len(dst)-1 {
			c |= 0x80
		}
		dst[i] = c
	}
}
