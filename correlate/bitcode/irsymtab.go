package bitcode

import (
	"encoding/binary"
	"fmt"
)

// The irsymtab is a little-endian table of 32-bit words. Its header:
//
//	Version
//	Producer       {offset, size} into STRTAB
//	Modules        {offset, count} into the table, 3 words each
//	Comdats        {offset, count}
//	Symbols        {offset, count}, 6 words each: name, IR name, comdat, flags
//	Uncommons      {offset, count}
//	TargetTriple   {offset, size}
//	SourceFileName {offset, size}
//	...            (linker options, dependent libraries)
//
// Versions 1 to 3 share this prefix and the symbol layout.
const (
	minVersion     = 1
	maxVersion     = 3
	headerWords    = 15 // the prefix read here
	symbolWords    = 6
	flagVisibility = 0 // two bits
	flagUndefined  = 3
	flagWeak       = 4
	flagCommon     = 5
	flagGlobal     = 10
	flagFormatSpec = 11
	flagExecutable = 13
)

func decodeIRSymtab(tab, strtab []byte) (*Module, error) {
	if len(tab) < headerWords*4 {
		return nil, fmt.Errorf("symbol table of %d bytes is shorter than its header", len(tab))
	}
	word := func(i int) uint32 { return binary.LittleEndian.Uint32(tab[i*4:]) }
	version := word(0)
	if version < minVersion || version > maxVersion {
		return nil, fmt.Errorf("irsymtab version %d (this reader knows %d to %d): %w", version, minVersion, maxVersion, ErrNoSymtab)
	}
	str := func(off, size uint32) (string, error) {
		if uint64(off)+uint64(size) > uint64(len(strtab)) {
			return "", fmt.Errorf("string at %d+%d is outside the string table (%d bytes)", off, size, len(strtab))
		}
		return string(strtab[off : off+size]), nil
	}
	m := &Module{Version: version}
	var err error
	if m.Producer, err = str(word(1), word(2)); err != nil {
		return nil, err
	}
	if m.Triple, err = str(word(11), word(12)); err != nil {
		return nil, err
	}
	if m.SourceFileName, err = str(word(13), word(14)); err != nil {
		return nil, err
	}
	symOff, symCount := uint64(word(7)), uint64(word(8))
	if symOff%4 != 0 || symOff > uint64(len(tab)) || symCount > (uint64(len(tab))-symOff)/(symbolWords*4) {
		return nil, fmt.Errorf("%d symbols at offset %d do not fit in the %d-byte table", symCount, symOff, len(tab))
	}
	m.Symbols = make([]Symbol, 0, symCount)
	for i := uint64(0); i < symCount; i++ {
		w := int(symOff/4 + i*symbolWords)
		name, err := str(word(w), word(w+1))
		if err != nil {
			return nil, fmt.Errorf("symbol %d: %v", i, err)
		}
		flags := word(w + 5)
		m.Symbols = append(m.Symbols, Symbol{
			Name:           name,
			Visibility:     uint8(flags>>flagVisibility) & 3,
			Undefined:      flags&(1<<flagUndefined) != 0,
			Weak:           flags&(1<<flagWeak) != 0,
			Common:         flags&(1<<flagCommon) != 0,
			Global:         flags&(1<<flagGlobal) != 0,
			FormatSpecific: flags&(1<<flagFormatSpec) != 0,
			Executable:     flags&(1<<flagExecutable) != 0,
		})
	}
	return m, nil
}
