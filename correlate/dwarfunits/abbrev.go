package dwarfunits

import (
	"errors"
	"fmt"
	"math"
)

// attrSpec is one (attribute, form) pair of an abbreviation. Both fit in
// 32 bits in any DWARF a compiler writes; a larger value read from a
// corrupt table is kept as math.MaxUint32, which no form is, so that the
// unit using it reports an unknown form.
type attrSpec struct {
	attr, form uint32
	implicit   int64 // the value of a DW_FORM_implicit_const
}

func newAttrSpec(attr, form uint64) attrSpec {
	return attrSpec{attr: uint32(min(attr, math.MaxUint32)), form: uint32(min(form, math.MaxUint32))}
}

// abbrev is an abbreviation the DIE walk needs more of than its quick
// word: one whose DIEs are decoded (units, and the subprograms, variables
// and labels that may be definitions), or one of variable size.
type abbrev struct {
	tag      uint32
	children bool
	// fixed is the byte size of a DIE of this abbreviation when every form
	// has a size known from the unit header, or -1.
	fixed int32
	// tail is the fixed run after the last of skip's steps, which step
	// over the DIEs of variable size: runs of fixed-size attributes
	// between the variable-size ones.
	tail  int32
	attrs []attrSpec // of a decoded kind only
	skip  []skipStep
}

// skipStep is fixed bytes to step over, then one variable-size form.
type skipStep struct {
	fixed int32
	form  attrSpec
}

// abbrevSet is one abbreviation table. A kernel's 628 tables hold 100,000
// abbreviations, most of fixed size and never decoded: for those the
// table keeps one word, and the whole table is carved from its reader's
// chunks. In a process that starts, reads one kernel and ends, every
// megabyte of heap is also a thousand page faults.
type abbrevSet struct {
	// quick is, by code, what the DIE walk needs to step over a DIE: the
	// quick* bits, for a fixed-size one its size, and in the upper half
	// the index in abbrevs of its abbreviation when it has one (else its
	// tag, for messages); 0 for a code the table lacks.
	quick   []uint64
	abbrevs []abbrev
}

const (
	quickPresent   = 1
	quickChildren  = 2
	quickNamed     = 4 // a direct child of this kind is a definition whose name counts
	quickVariable  = 8 // not fixed-size: skipDIE steps over it
	quickIndexed   = 16
	quickSizeShift = 5
	quickSizeMask  = 1<<27 - 1
	quickHighShift = 32
)

// of is the abbreviation of quick word q; q must have quickIndexed.
func (t *abbrevSet) of(q uint64) *abbrev { return &t.abbrevs[q>>quickHighShift] }

// size is the byte size of a fixed-size DIE of quick word q.
func quickSize(q uint64) int { return int(q >> quickSizeShift & quickSizeMask) }

// tag is the tag of quick word q, for messages.
func (t *abbrevSet) tag(q uint64) uint64 {
	if q&quickIndexed != 0 {
		return uint64(t.of(q).tag)
	}
	return q >> quickHighShift
}

// maxAbbrevCode bounds the table, which is indexed by code.
const maxAbbrevCode = 1 << 20

// maxFixedDIE bounds the size a quick word holds; a fixed-size DIE of
// more (1,024 attributes of 16 bytes at most) cannot be.
const maxFixedDIE = quickSizeMask

// abbrevArena hands out the tables one reader parses: their quick words,
// abbreviations, attribute lists and skip steps are carved from shared
// chunks, so that a table costs what it holds, not a guess-sized slab.
type abbrevArena struct {
	quick   []uint64
	abbrevs []abbrev
	attrs   []attrSpec
	steps   []skipStep
	// The table and abbreviation being parsed.
	scratchQuick   []uint64
	scratchAbbrevs []abbrev
	scratchSteps   []skipStep
	scratch        []attrSpec
}

const arenaChunk = 8192

// carve copies src into chunk, replaced by a fresh one when full, and
// returns the copy, whose capacity is its length so that nothing appended
// to it can overwrite a neighbour.
func carve[T any](chunk *[]T, src []T) []T {
	n := len(src)
	if n == 0 {
		return nil
	}
	if cap(*chunk)-len(*chunk) < n {
		*chunk = make([]T, 0, max(arenaChunk, n))
	}
	start := len(*chunk)
	*chunk = append(*chunk, src...)
	return (*chunk)[start:len(*chunk):len(*chunk)]
}

func parseAbbrevs(buf []byte, key abbrevKey, arena *abbrevArena) (*abbrevSet, error) {
	c := &cursor{buf: buf}
	arena.scratchQuick, arena.scratchAbbrevs = arena.scratchQuick[:0], arena.scratchAbbrevs[:0]
	for {
		code := c.uleb()
		if c.err != nil {
			return nil, errors.New("abbreviation table runs past the end of the section")
		}
		if code == 0 {
			return &abbrevSet{quick: carve(&arena.quick, arena.scratchQuick), abbrevs: carve(&arena.abbrevs, arena.scratchAbbrevs)}, nil
		}
		// Compilers number abbreviations from 1 up; the table is indexed by
		// code, so a sparse one (corrupt input) must not make it huge.
		if code > maxAbbrevCode || code > uint64(len(arena.scratchQuick))+4096 {
			return nil, fmt.Errorf("abbreviation code %d: codes this sparse are not supported", code)
		}
		tag, children := c.uleb(), c.u8() != 0
		if err := arena.parseAttrs(c); err != nil {
			return nil, err
		}
		for uint64(len(arena.scratchQuick)) <= code {
			arena.scratchQuick = append(arena.scratchQuick, 0)
		}
		if arena.scratchQuick[code] != 0 {
			return nil, fmt.Errorf("abbreviation code %d defined twice", code)
		}
		arena.scratchQuick[code] = arena.quickWord(key, min(tag, math.MaxUint32), children)
	}
}

// quickWord is the quick word of the abbreviation whose attributes are in
// scratch, with its abbrev added to the table being parsed when it needs
// one.
func (a *abbrevArena) quickWord(key abbrevKey, tag uint64, children bool) uint64 {
	q := uint64(quickPresent)
	if children {
		q |= quickChildren
	}
	if tag == tagSubprogram || tag == tagVariable || tag == tagLabel {
		q |= quickNamed
	}
	fixed := fixedSize(a.scratch, key)
	if fixed > maxFixedDIE {
		fixed = -1 // stepped over attribute by attribute instead
	}
	if fixed >= 0 {
		q |= uint64(fixed) << quickSizeShift
	} else {
		q |= quickVariable
	}
	var decoded bool
	switch tag {
	case tagCompileUnit, tagPartialUnit, tagSkeletonUnit, tagSubprogram, tagVariable, tagLabel:
		// Only the DIEs of these kinds are decoded; the others are
		// stepped over by size, and most abbreviations are of them.
		decoded = true
	}
	if !decoded && fixed >= 0 {
		return q | tag<<quickHighShift
	}
	ab := abbrev{tag: uint32(tag), children: children, fixed: int32(fixed)}
	if fixed < 0 {
		ab.skip, ab.tail = a.skipSteps(key)
	}
	if decoded {
		ab.attrs = carve(&a.attrs, a.scratch)
	}
	q |= quickIndexed | uint64(len(a.scratchAbbrevs))<<quickHighShift
	a.scratchAbbrevs = append(a.scratchAbbrevs, ab)
	return q
}

// parseAttrs reads the (attribute, form) pairs of one abbreviation into
// the scratch list.
func (a *abbrevArena) parseAttrs(c *cursor) error {
	a.scratch = a.scratch[:0]
	for {
		attr, form := c.uleb(), c.uleb()
		if c.err != nil {
			return errors.New("abbreviation table runs past the end of the section")
		}
		if attr == 0 && form == 0 {
			return nil
		}
		spec := newAttrSpec(attr, form)
		if form == formImplicitConst {
			spec.implicit = c.sleb()
		}
		a.scratch = append(a.scratch, spec)
		if len(a.scratch) > 1024 {
			return errors.New("abbreviation with more than 1024 attributes")
		}
	}
}

// fixedSize is the byte size of the attributes when every form has a
// fixed size, or -1.
func fixedSize(attrs []attrSpec, key abbrevKey) int {
	n := 0
	for _, a := range attrs {
		k := formSize(uint64(a.form), int(key.offSize), int(key.addrSize), key.version)
		if k < 0 {
			return -1
		}
		n += k
	}
	return n
}

// skipSteps splits the scratch attributes into fixed runs and variable
// forms, the steps carved from the arena.
func (a *abbrevArena) skipSteps(key abbrevKey) ([]skipStep, int32) {
	run := 0
	steps := a.scratchSteps[:0]
	for _, at := range a.scratch {
		k := formSize(uint64(at.form), int(key.offSize), int(key.addrSize), key.version)
		if k >= 0 {
			run += k
			continue
		}
		steps = append(steps, skipStep{fixed: int32(run), form: at})
		run = 0
	}
	a.scratchSteps = steps
	return carve(&a.steps, steps), int32(run)
}
