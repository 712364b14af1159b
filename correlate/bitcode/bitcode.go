// Package bitcode reads the symbol table of an LLVM bitcode object (what
// clang -flto=thin writes instead of ELF) without LLVM: it walks the
// top-level blocks of the bitstream, skipping the module by its recorded
// length, and decodes the two blocks the linker itself reads, SYMTAB (the
// "irsymtab": one entry per symbol with flags) and STRTAB (the names).
//
// The irsymtab is what lld uses to resolve symbols before it runs LTO, so it
// lists every symbol of the module, statics included, with its binding. It
// has been written by every LLVM since 5.0; a file without one (or with a
// layout version this package does not know) is reported as ErrNoSymtab, and
// callers can fall back to llvm-nm.
package bitcode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Error is a malformed bitcode file: the file, the byte offset, the problem.
type Error struct {
	Path   string
	Offset int64
	Msg    string
	Err    error // a sentinel such as ErrNotBitcode, if one applies
}

func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("%s: offset %#x: %s", e.Path, e.Offset, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// ErrNotBitcode is returned for input without the bitcode magic.
var ErrNotBitcode = errors.New("not LLVM bitcode")

// ErrNoSymtab is wrapped when the file has no symbol table this package can
// read (an old producer or a newer irsymtab layout): use llvm-nm instead.
var ErrNoSymtab = errors.New("no readable bitcode symbol table")

// Magic numbers.
var (
	rawMagic     = [4]byte{'B', 'C', 0xc0, 0xde}
	wrapperMagic = uint32(0x0b17c0de)
)

// IsBitcode reports whether head (the first bytes of a file) starts a
// bitcode object, bare or in the wrapper header.
func IsBitcode(head []byte) bool {
	if len(head) >= 4 && [4]byte(head[:4]) == rawMagic {
		return true
	}
	return len(head) >= 4 && binary.LittleEndian.Uint32(head) == wrapperMagic
}

// Symbol is one entry of the irsymtab.
type Symbol struct {
	Name       string
	Visibility uint8 // 0 default, 1 hidden, 2 protected
	Undefined  bool
	Weak       bool
	Common     bool
	Global     bool // false: a static (internal or private linkage)
	Executable bool // a function
	// FormatSpecific marks symbols the linker never sees by name
	// (llvm.* intrinsics, llvm.used).
	FormatSpecific bool
}

// Module is what one bitcode file declares.
type Module struct {
	Version        uint32 // irsymtab layout version
	Identification string // the producer as the IDENTIFICATION block says, e.g. "LLVM22.1.8"
	Producer       string // LLVM version that wrote the symbol table, e.g. "22.1.8"
	Triple         string
	SourceFileName string // as given to the compiler, e.g. "fs/seq_file.c"
	Symbols        []Symbol
}

// Block and record IDs used here (LLVM's bitc:: enumerations).
const (
	blockIdent   = 13
	blockSymtab  = 25
	blockStrtab  = 23
	recordBlob   = 1
	recordString = 1 // IDENTIFICATION_CODE_STRING
	abbrevEnd    = 0
	abbrevEnter  = 1
	abbrevDefine = 2
	abbrevUnabbr = 3
)

// maxBlockBytes bounds a SYMTAB or STRTAB block read into memory: far above
// anything a kernel object holds (a whole vmlinux LTO link is a few MB).
const maxBlockBytes = 1 << 30

// Read decodes the symbol table of the bitcode object in r (size bytes).
func Read(r io.ReaderAt, size int64, path string) (*Module, error) {
	br := &reader{r: r, size: size, path: path}
	start, end, err := br.payload()
	if err != nil {
		return nil, err
	}
	var symtab, strtab []byte
	var symtabAt int64
	var ident string
	pos := start + 4 // after 'BC' 0xC0DE
	for pos+4 <= end {
		// Top level: abbreviation width 2, and only ENTER_SUBBLOCK.
		head, err := br.bytes(pos, min(16, end-pos))
		if err != nil {
			return nil, err
		}
		bs := &bits{buf: head}
		id, _ := bs.fixed(2)
		if id != abbrevEnter {
			if allZero(head) {
				break // padding after the last block
			}
			return nil, br.errorf(pos, "top-level abbreviation %d, want ENTER_SUBBLOCK", id)
		}
		blockID, ok1 := bs.vbr(8)
		_, ok2 := bs.vbr(4)
		bs.align32()
		words, ok3 := bs.fixed(32)
		if !ok1 || !ok2 || !ok3 {
			return nil, br.errorf(pos, "truncated block header")
		}
		body := pos + int64(bs.pos/8)
		length := int64(words) * 4
		if length > end-body {
			return nil, br.errorf(pos, "block %d claims %d bytes, only %d left", blockID, length, end-body)
		}
		switch blockID {
		case blockIdent:
			if length <= 4096 && ident == "" {
				raw, err := br.bytes(pos, body+length-pos)
				if err != nil {
					return nil, err
				}
				if str, err := blockString(raw, bs.pos); err == nil {
					ident = str
				}
			}
		case blockSymtab, blockStrtab:
			if length > maxBlockBytes {
				return nil, br.errorf(pos, "block %d of %d bytes is beyond any real symbol table", blockID, length)
			}
			raw, err := br.bytes(pos, body+length-pos)
			if err != nil {
				return nil, err
			}
			blob, err := blockBlob(raw, bs.pos)
			if err != nil {
				return nil, br.errorf(pos, "block %d: %v", blockID, err)
			}
			if blockID == blockSymtab {
				symtab, symtabAt, strtab = blob, pos, nil
			} else if symtab != nil && strtab == nil {
				strtab = blob // the string table written after the symbol table
			}
		}
		pos = body + length
	}
	if symtab == nil || strtab == nil {
		return nil, &NoSymtabError{Path: path, Identification: ident, Reason: "no SYMTAB/STRTAB blocks (written by LLVM before 5.0?)"}
	}
	m, err := decodeIRSymtab(symtab, strtab)
	if err != nil {
		if errors.Is(err, ErrNoSymtab) {
			return nil, &NoSymtabError{Path: path, Identification: ident, Reason: err.Error()}
		}
		return nil, &Error{Path: path, Offset: symtabAt, Msg: err.Error()}
	}
	m.Identification = ident
	return m, nil
}

// NoSymtabError says the file is bitcode whose symbol table this package
// cannot read; Identification names the LLVM that wrote it (for choosing
// the matching llvm-nm).
type NoSymtabError struct {
	Path           string
	Identification string
	Reason         string
}

func (e *NoSymtabError) Error() string {
	s := e.Path + ": " + e.Reason
	if e.Identification != "" {
		s += " (producer " + e.Identification + ")"
	}
	return s
}

func (e *NoSymtabError) Unwrap() error { return ErrNoSymtab }

// reader reads a bounded region of the file.
type reader struct {
	r    io.ReaderAt
	size int64
	path string
}

func (br *reader) errorf(off int64, format string, args ...any) error {
	return &Error{Path: br.path, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func (br *reader) bytes(off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off > br.size || n > br.size-off {
		return nil, br.errorf(off, "%d bytes run past the end of the file (%d bytes)", n, br.size)
	}
	buf := make([]byte, n)
	if k, err := br.r.ReadAt(buf, off); k != len(buf) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, &Error{Path: br.path, Offset: off, Msg: "reading: " + err.Error()}
	}
	return buf, nil
}

// payload finds the bitstream: the whole file, or the part the wrapper
// header points at (offset and size, little-endian words 2 and 3).
func (br *reader) payload() (start, end int64, err error) {
	head, err := br.bytes(0, min(20, br.size))
	if err != nil {
		return 0, 0, err
	}
	if len(head) >= 4 && [4]byte(head[:4]) == rawMagic {
		return 0, br.size &^ 3, nil
	}
	if len(head) < 4 || binary.LittleEndian.Uint32(head) != wrapperMagic {
		return 0, 0, &Error{Path: br.path, Offset: 0, Msg: ErrNotBitcode.Error(), Err: ErrNotBitcode}
	}
	if len(head) < 20 {
		return 0, 0, br.errorf(0, "truncated bitcode wrapper header")
	}
	off := int64(binary.LittleEndian.Uint32(head[8:]))
	n := int64(binary.LittleEndian.Uint32(head[12:]))
	if off < 20 || off > br.size || n > br.size-off || n < 4 {
		return 0, 0, br.errorf(8, "wrapper points at %d bytes at offset %d, outside the file (%d bytes)", n, off, br.size)
	}
	magic, err := br.bytes(off, 4)
	if err != nil {
		return 0, 0, err
	}
	if [4]byte(magic) != rawMagic {
		return 0, 0, br.errorf(off, "wrapper payload does not start with the bitcode magic")
	}
	return off, off + n&^3, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// abbrevOp is one operand of an abbreviation definition.
type abbrevOp struct {
	literal  bool
	value    uint64 // literal value or bit width
	encoding uint64 // 1 fixed, 2 vbr, 3 array, 4 char6, 5 blob
}

// blockBlob returns the payload of the first blob record in a block whose
// contents start at bit pos of raw (the raw block includes its header).
// SYMTAB and STRTAB blocks hold one record: an abbreviation [code 1, blob].
func blockBlob(raw []byte, pos int) ([]byte, error) {
	rec, err := firstRecord(raw, pos, func(code uint64, blob []byte, _ []uint64) bool {
		return code == recordBlob && blob != nil
	})
	if err != nil {
		return nil, err
	}
	return rec.blob, nil
}

// blockString returns the string record of an IDENTIFICATION block.
func blockString(raw []byte, pos int) (string, error) {
	rec, err := firstRecord(raw, pos, func(code uint64, _ []byte, arr []uint64) bool {
		return code == recordString
	})
	if err != nil {
		return "", err
	}
	b := make([]byte, 0, len(rec.array))
	for _, c := range rec.array {
		if rec.char6 {
			c = uint64(char6(c))
		}
		if c > 0x7f {
			return "", errors.New("not a string")
		}
		b = append(b, byte(c))
	}
	return string(b), nil
}

// char6 decodes the 6-bit character set of bitcode strings.
func char6(v uint64) byte {
	switch {
	case v < 26:
		return 'a' + byte(v)
	case v < 52:
		return 'A' + byte(v-26)
	case v < 62:
		return '0' + byte(v-52)
	case v == 62:
		return '.'
	}
	return '_'
}

type record struct {
	code  uint64
	blob  []byte
	array []uint64
	char6 bool
}

// firstRecord returns the first abbreviated record of the block that want accepts.
func firstRecord(raw []byte, pos int, want func(code uint64, blob []byte, array []uint64) bool) (record, error) {
	bs := &bits{buf: raw, pos: pos}
	// The block's abbreviation width is in its header, at the start of raw.
	hb := &bits{buf: raw}
	hb.fixed(2)
	hb.vbr(8)
	width, _ := hb.vbr(4)
	if width < 2 || width > 32 {
		return record{}, fmt.Errorf("abbreviation width %d", width)
	}
	var abbrevs [][]abbrevOp
	for steps := 0; steps < 1<<20; steps++ {
		id, ok := bs.fixed(int(width))
		if !ok {
			return record{}, errors.New("truncated block")
		}
		switch id {
		case abbrevEnd:
			return record{}, errors.New("no blob record")
		case abbrevEnter:
			return record{}, errors.New("unexpected nested block")
		case abbrevDefine:
			ops, err := readAbbrev(bs)
			if err != nil {
				return record{}, err
			}
			abbrevs = append(abbrevs, ops)
		case abbrevUnabbr:
			code, ok1 := bs.vbr(6)
			n, ok2 := bs.vbr(6)
			if !ok1 || !ok2 || n > uint64(len(raw))*8 {
				return record{}, errors.New("truncated record")
			}
			for i := uint64(0); i < n; i++ {
				if _, ok := bs.vbr(6); !ok {
					return record{}, errors.New("truncated record")
				}
			}
			_ = code // an unabbreviated record cannot carry a blob
		default:
			k := int(id) - 4
			if k >= len(abbrevs) {
				return record{}, fmt.Errorf("abbreviation %d not defined", id)
			}
			rec, err := readRecord(bs, abbrevs[k])
			if err != nil {
				return record{}, err
			}
			if want(rec.code, rec.blob, rec.array) {
				return rec, nil
			}
		}
	}
	return record{}, errors.New("too many records")
}

func readAbbrev(bs *bits) ([]abbrevOp, error) {
	n, ok := bs.vbr(5)
	if !ok || n == 0 || n > 64 {
		return nil, errors.New("bad abbreviation definition")
	}
	ops := make([]abbrevOp, 0, n)
	for i := uint64(0); i < n; i++ {
		lit, ok := bs.fixed(1)
		if !ok {
			return nil, errors.New("truncated abbreviation")
		}
		if lit == 1 {
			v, ok := bs.vbr(8)
			if !ok {
				return nil, errors.New("truncated abbreviation")
			}
			ops = append(ops, abbrevOp{literal: true, value: v})
			continue
		}
		enc, ok := bs.fixed(3)
		if !ok {
			return nil, errors.New("truncated abbreviation")
		}
		op := abbrevOp{encoding: enc}
		switch enc {
		case 1, 2:
			w, ok := bs.vbr(5)
			if !ok || w > 64 {
				return nil, errors.New("bad operand width")
			}
			op.value = w
		case 3, 4, 5:
		default:
			return nil, fmt.Errorf("unknown operand encoding %d", enc)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// readRecord reads one abbreviated record: its code, and its blob or array
// operand if it has one.
func readRecord(bs *bits, ops []abbrevOp) (record, error) {
	var rec record
	first := true
	scalar := func(op abbrevOp) (uint64, error) {
		switch {
		case op.literal:
			return op.value, nil
		case op.encoding == 1:
			v, ok := bs.fixed(int(op.value))
			if !ok {
				return 0, errors.New("truncated record")
			}
			return v, nil
		case op.encoding == 2:
			v, ok := bs.vbr(int(op.value))
			if !ok {
				return 0, errors.New("truncated record")
			}
			return v, nil
		case op.encoding == 4:
			v, ok := bs.fixed(6)
			if !ok {
				return 0, errors.New("truncated record")
			}
			return v, nil
		}
		return 0, errors.New("array or blob where a scalar belongs")
	}
	for i := 0; i < len(ops); i++ {
		op := ops[i]
		switch {
		case !op.literal && op.encoding == 3: // array of the next operand
			if i+1 >= len(ops) {
				return rec, errors.New("array without element type")
			}
			n, ok := bs.vbr(6)
			if !ok || n > uint64(len(bs.buf))*8 {
				return rec, errors.New("bad array length")
			}
			elem := ops[i+1]
			rec.char6 = !elem.literal && elem.encoding == 4
			rec.array = make([]uint64, 0, min(n, 4096))
			for j := uint64(0); j < n; j++ {
				v, err := scalar(elem)
				if err != nil {
					return rec, err
				}
				rec.array = append(rec.array, v)
			}
			i++
		case !op.literal && op.encoding == 5:
			n, ok := bs.vbr(6)
			if !ok {
				return rec, errors.New("truncated blob length")
			}
			bs.align32()
			start := bs.pos / 8
			if start > len(bs.buf) || n > uint64(len(bs.buf)-start) {
				return rec, fmt.Errorf("blob of %d bytes runs past the block", n)
			}
			rec.blob = bs.buf[start : start+int(n)]
			bs.pos = (start + int(n)) * 8
			bs.align32()
		default:
			v, err := scalar(op)
			if err != nil {
				return rec, err
			}
			if first {
				rec.code = v
			}
		}
		first = false
	}
	return rec, nil
}

// bits reads a bitstream: fields are packed from the least significant bit
// of little-endian 32-bit words.
type bits struct {
	buf []byte
	pos int // in bits
}

func (b *bits) fixed(n int) (uint64, bool) {
	if n == 0 {
		return 0, true
	}
	if n > 64 || b.pos+n > len(b.buf)*8 {
		return 0, false
	}
	var v uint64
	for i := 0; i < n; {
		byteIdx, bit := b.pos/8, b.pos%8
		take := min(8-bit, n-i)
		chunk := uint64(b.buf[byteIdx]>>bit) & (1<<take - 1)
		v |= chunk << i
		i += take
		b.pos += take
	}
	return v, true
}

func (b *bits) vbr(n int) (uint64, bool) {
	if n < 2 || n > 32 {
		return 0, false
	}
	hi := uint64(1) << (n - 1)
	var v uint64
	for shift := 0; shift < 64; shift += n - 1 {
		piece, ok := b.fixed(n)
		if !ok {
			return 0, false
		}
		v |= (piece &^ hi) << shift
		if piece&hi == 0 {
			return v, true
		}
	}
	return 0, false
}

func (b *bits) align32() {
	b.pos = (b.pos + 31) &^ 31
}
