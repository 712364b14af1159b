package dwarfunits

import (
	"encoding/binary"
	"errors"
	"fmt"
)

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
	big      bool   // big-endian: c.bo is binary.BigEndian
	base     uint64 // the section offset of buf[0], for relocations
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
	b := c.buf[c.pos : c.pos+n]
	c.pos += n
	switch {
	case n == 4 && !c.big:
		return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24
	case n == 8 && !c.big:
		return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
	}
	var v uint64
	for i := 0; i < n; i++ {
		if c.big {
			v = v<<8 | uint64(b[i])
		} else {
			v |= uint64(b[i]) << (8 * i)
		}
	}
	return v
}

func (c *cursor) offset() uint64 { return c.uint(c.offSize) }

func (c *cursor) uleb() uint64 {
	// Most numbers (abbreviation codes, sizes) fit in one byte.
	if c.err == nil && c.pos < len(c.buf) && c.buf[c.pos] < 0x80 {
		c.pos++
		return uint64(c.buf[c.pos-1])
	}
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
	form := uint64(a.form)
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

// formSize is the size in bytes of a value of form, or -1 when it varies
// (LEB128, strings, blocks, DW_FORM_indirect).
func formSize(form uint64, offSize, addrSize int, version uint16) int {
	switch form {
	case formAddr:
		return addrSize
	case formData1, formRef1, formFlag, formStrx1, formAddrx1:
		return 1
	case formData2, formRef2, formStrx2, formAddrx2:
		return 2
	case formStrx3, formAddrx3:
		return 3
	case formData4, formRef4, formRefSup4, formStrx4, formAddrx4:
		return 4
	case formData8, formRef8, formRefSig8, formRefSup8:
		return 8
	case formData16:
		return 16
	case formStrp, formLineStrp, formStrpSup, formGNUStrpAlt, formGNURefAlt, formSecOffset:
		return offSize
	case formRefAddr:
		if version <= 2 {
			return addrSize
		}
		return offSize
	case formFlagPresent, formImplicitConst:
		return 0
	}
	return -1
}

// skipForm steps over a value of the variable-size forms that make up most
// of a kernel's DWARF (LEB128 numbers, expressions) without decoding it.
// It reports false, having moved nothing, when it does not handle the form
// or the value runs past the end: attr then decodes it, or says what is
// wrong. c.pos may be past the end on entry (a fixed run overran).
func (c *cursor) skipForm(a attrSpec) bool {
	if c.pos > len(c.buf) || c.err != nil {
		return false
	}
	switch a.form {
	case formUdata, formSdata, formRefUdata, formStrx, formAddrx, formLoclistx, formRnglistx:
		for i := c.pos; i < len(c.buf) && i-c.pos < 10; i++ {
			if c.buf[i] < 0x80 {
				c.pos = i + 1
				return true
			}
		}
	case formExprloc, formBlock:
		n, k := uint64(0), 0
		for i := c.pos; i < len(c.buf) && k < 9; i, k = i+1, k+1 {
			n |= uint64(c.buf[i]&0x7f) << (7 * k)
			if c.buf[i] < 0x80 {
				if n <= uint64(len(c.buf)-i-1) {
					c.pos = i + 1 + int(n)
					return true
				}
				return false
			}
		}
	}
	return false
}
