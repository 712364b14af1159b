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
			raw, err := br.bytes(pos, body+length-pos)
			if err != nil {
				return "", false, err
			}
			h, ok, err := moduleHashRecord(raw, bs.pos)
			if err != nil {
				return "", false, br.errorf(pos, "module block: %v", err)
			}
			return h, ok, nil
		}
		pos = body + length
	}
	return "", false, nil
}

// moduleHashRecord walks the module block's own records (its sub-blocks
// skipped by their length) to the hash record.
func moduleHashRecord(raw []byte, pos int) (string, bool, error) {
	hb := &bits{buf: raw}
	hb.fixed(2)
	hb.vbr(8)
	width, _ := hb.vbr(4)
	if width < 2 || width > 32 {
		return "", false, fmt.Errorf("abbreviation width %d", width)
	}
	bs := &bits{buf: raw, pos: pos}
	var abbrevs [][]abbrevOp
	for {
		id, ok := bs.fixed(int(width))
		if !ok {
			return "", false, errors.New("truncated block")
		}
		switch id {
		case abbrevEnd:
			return "", false, nil
		case abbrevEnter:
			_, ok1 := bs.vbr(8)
			_, ok2 := bs.vbr(4)
			bs.align32()
			words, ok3 := bs.fixed(32)
			if !ok1 || !ok2 || !ok3 || words*32 > uint64(len(raw)*8-bs.pos) {
				return "", false, errors.New("truncated sub-block")
			}
			bs.pos += int(words) * 32
		case abbrevDefine:
			ops, err := readAbbrev(bs)
			if err != nil {
				return "", false, err
			}
			abbrevs = append(abbrevs, ops)
		case abbrevUnabbr:
			code, ok1 := bs.vbr(6)
			n, ok2 := bs.vbr(6)
			if !ok1 || !ok2 || n > uint64(len(raw))*8 {
				return "", false, errors.New("truncated record")
			}
			ops := make([]uint64, 0, min(n, 8))
			for i := uint64(0); i < n; i++ {
				v, ok := bs.vbr(6)
				if !ok {
					return "", false, errors.New("truncated record")
				}
				if i < 8 {
					ops = append(ops, v)
				}
			}
			if code == recordHash && n == 5 {
				return strconv.FormatUint(ops[0]<<32|ops[1]&0xffffffff, 10), true, nil
			}
		default:
			k := int(id) - 4
			if k >= len(abbrevs) {
				return "", false, fmt.Errorf("abbreviation %d not defined", id)
			}
			rec, err := readRecord(bs, abbrevs[k])
			if err != nil {
				return "", false, err
			}
			if rec.code == recordHash && len(rec.array) == 5 {
				return strconv.FormatUint(rec.array[0]<<32|rec.array[1]&0xffffffff, 10), true, nil
			}
		}
	}
}
