package bitcode

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Module-level IDs for ModuleHash.
const (
	blockModule = 8
	recordHash  = 17 // MODULE_CODE_HASH: five 32-bit words of the module's SHA-1
)

// ModuleHash returns the ThinLTO module hash of the bitcode object in r, in
// the decimal form ThinLTO appends to the statics it promotes
// (NAME.llvm.<hash>): the first two words of the MODULE_CODE_HASH record,
// high word first. ok is false when the module carries no hash (not built
// for ThinLTO). It is what ties a promoted symbol to its object exactly,
// even a string literal that no symbol table names.
func ModuleHash(r io.ReaderAt, size int64, path string) (hash string, ok bool, err error) {
	br := &reader{r: r, size: size, path: path}
	start, end, err := br.payload()
	if err != nil {
		return "", false, err
	}
	for pos := start + 4; pos+4 <= end; {
		head, err := br.bytes(pos, min(16, end-pos))
		if err != nil {
			return "", false, err
		}
		bs := &bits{buf: head}
		if id, _ := bs.fixed(2); id != abbrevEnter {
			return "", false, nil // padding, or not a block: no module here
		}
		blockID, ok1 := bs.vbr(8)
		_, ok2 := bs.vbr(4)
		bs.align32()
		words, ok3 := bs.fixed(32)
		if !ok1 || !ok2 || !ok3 {
			return "", false, br.errorf(pos, "truncated block header")
		}
		body := pos + int64(bs.pos/8)
		length := int64(words) * 4
		if length > end-body {
			return "", false, br.errorf(pos, "block %d claims %d bytes, only %d left", blockID, length, end-body)
		}
		if blockID == blockModule {
			hb := &bits{buf: head}
			hb.fixed(2)
			hb.vbr(8)
			width, _ := hb.vbr(4)
			return moduleHashRecord(br, body, body+length, int(width))
		}
		pos = body + length
	}
	return "", false, nil
}

// window is how much of the module block is read at a time: its own
// records lie between sub-blocks (functions, constants, metadata) that
// are skipped by their length without being read.
var window = 16 << 10

// moduleHashRecord walks the module block's own records, from body to end,
// to the hash record.
func moduleHashRecord(br *reader, body, end int64, width int) (string, bool, error) {
	if width < 2 || width > 32 {
		return "", false, br.errorf(body, "module block abbreviation width %d", width)
	}
	off, size := body, int64(window)
	load := func(bit int) (*bits, error) {
		buf, err := br.bytes(off, min(size, end-off))
		return &bits{buf: buf, pos: bit}, err
	}
	bs, err := load(0)
	if err != nil {
		return "", false, err
	}
	var abbrevs [][]abbrevOp
	for {
		start := bs.pos
		h, ok, skip, err := moduleEntry(bs, width, &abbrevs)
		switch {
		case err != nil && off+int64(len(bs.buf)) < end:
			// The entry runs past the window: read it again, whole. The
			// window starts on a 32-bit word, as alignment in the stream
			// is counted from its start.
			off += int64(start / 32 * 4)
			size *= 2
			if bs, err = load(start % 32); err != nil {
				return "", false, err
			}
			continue
		case err != nil:
			return "", false, br.errorf(off+int64(start/8), "module block: %v", err)
		case ok || h == "end":
			return h, ok, nil
		case skip > 0 && int64(bs.pos/8)+skip <= int64(len(bs.buf)):
			bs.pos += int(skip) * 8 // still inside the window
		case skip > 0:
			off += int64(bs.pos/8) + skip
			if off > end {
				return "", false, br.errorf(off, "module sub-block runs past the module block")
			}
			size = int64(window)
			if bs, err = load(0); err != nil {
				return "", false, err
			}
		}
	}
}

// moduleEntry reads one entry of the module block: the hash (ok), "end",
// a sub-block to skip (its length in bytes, from the aligned position
// after its header), or anything else.
func moduleEntry(bs *bits, width int, abbrevs *[][]abbrevOp) (hash string, ok bool, skip int64, err error) {
	id, okID := bs.fixed(width)
	if !okID {
		return "", false, 0, errors.New("truncated block")
	}
	switch id {
	case abbrevEnd:
		return "end", false, 0, nil
	case abbrevEnter:
		_, ok1 := bs.vbr(8)
		_, ok2 := bs.vbr(4)
		bs.align32()
		words, ok3 := bs.fixed(32)
		if !ok1 || !ok2 || !ok3 {
			return "", false, 0, errors.New("truncated sub-block header")
		}
		return "", false, int64(words) * 4, nil
	case abbrevDefine:
		ops, err := readAbbrev(bs)
		if err != nil {
			return "", false, 0, err
		}
		*abbrevs = append(*abbrevs, ops)
		return "", false, 0, nil
	case abbrevUnabbr:
		code, ok1 := bs.vbr(6)
		n, ok2 := bs.vbr(6)
		if !ok1 || !ok2 {
			return "", false, 0, errors.New("truncated record")
		}
		var ops [2]uint64
		for i := uint64(0); i < n; i++ {
			v, ok := bs.vbr(6)
			if !ok {
				return "", false, 0, errors.New("truncated record")
			}
			if i < 2 {
				ops[i] = v
			}
		}
		if code == recordHash && n == 5 {
			return strconv.FormatUint(ops[0]<<32|ops[1]&0xffffffff, 10), true, 0, nil
		}
		return "", false, 0, nil
	}
	k := int(id) - 4
	if k >= len(*abbrevs) {
		return "", false, 0, fmt.Errorf("abbreviation %d not defined", id)
	}
	rec, err := readRecord(bs, (*abbrevs)[k])
	if err != nil {
		return "", false, 0, err
	}
	if rec.code == recordHash && len(rec.array) == 5 {
		return strconv.FormatUint(rec.array[0]<<32|rec.array[1]&0xffffffff, 10), true, 0, nil
	}
	return "", false, 0, nil
}
