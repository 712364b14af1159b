// Package eval evaluates a parsed makefile for one configuration the way
// GNU make would read it, without running anything: $(shell ...) bodies are
// interpreted only when they are version tests, kbuild's probes (ld-option,
// cc-option, clang-min-version...) are answered from the toolchain model,
// and whatever is not modelled becomes "unknown" text or "maybe" text
// instead of a guess.
//
// Every piece of an expanded value remembers where it came from (the
// literal in the file, the statement that put it there, the version gates
// and the ld-option probe on its way), which is what the lint rules judge.
package eval

import (
	"strings"

	"klpcheck/lint/makefile"
	"klpcheck/lint/model"
)

// Gate is a version test that decides whether some text is used: a
// conditional or $(if ...) over clang-min-version, CONFIG_CLANG_VERSION, a
// $(shell test ...) or a Kconfig symbol that depends on a version.
type Gate struct {
	// At is the conditional or $(if) that tests the version.
	At makefile.Pos
	// Source is where the version comes in (the clang-min-version call,
	// the Kconfig "depends on" line...).
	Source makefile.Pos
	// Subject is the tool whose version is tested: clang, lld, gcc.
	Subject string
	// What describes the test for messages: "clang-min-version 230100".
	What string
	// Min is the smallest version admitted, 0 when not known.
	Min int
}

// Probe is a kbuild probe (ld-option, cc-option) whose answer chose text.
type Probe struct {
	At      makefile.Pos
	Func    string
	Flags   []string
	Verdict model.Verdict
}

// Info is the provenance shared by the segments of one piece of text.
type Info struct {
	// Stmt is the assignment or define whose text this is, and Var the
	// variable it assigns.
	Stmt makefile.Pos
	Var  string
	// Gates are the version tests on the way to this text.
	Gates []*Gate
	// Probe is the probe that returned this text, if any.
	Probe *Probe
	// Taint marks text computed from a version (CONFIG_CLANG_VERSION, the
	// answer of clang-min-version): conditions over it are version gates.
	Taint *Gate
	// Maybe: the text is there only if a condition klpcheck does not model
	// holds.
	Maybe bool
	// Unknown: the text stands for a value klpcheck cannot compute.
	Unknown bool
	// Why explains Maybe or Unknown.
	Why string
}

// Segment is a run of expanded text.
type Segment struct {
	Text string
	// Lit is the literal the text was copied from, Off the offset of
	// Text[0] in it; nil for computed text, which is placed at At.
	Lit  *makefile.Lit
	Off  int
	At   makefile.Pos
	Info *Info
}

// PosAt returns the file position of byte k of the segment.
func (s Segment) PosAt(k int) makefile.Pos {
	if s.Lit != nil {
		return s.Lit.PosAt(s.Off + k)
	}
	return s.At
}

// Value is expanded text as a list of segments.
type Value []Segment

// String returns the text.
func (v Value) String() string {
	switch len(v) {
	case 0:
		return ""
	case 1:
		return v[0].Text
	}
	var b strings.Builder
	for _, s := range v {
		b.WriteString(s.Text)
	}
	return b.String()
}

// Len is the length of the text.
func (v Value) Len() int {
	n := 0
	for _, s := range v {
		n += len(s.Text)
	}
	return n
}

// Exact reports whether v holds no unknown or maybe text.
func (v Value) Exact() bool {
	for _, s := range v {
		if s.Info != nil && (s.Info.Unknown || s.Info.Maybe) && strings.TrimSpace(s.Text) != "" {
			return false
		}
	}
	return true
}

// HasUnknown reports whether some of v stands for unknown text.
func (v Value) HasUnknown() bool {
	for _, s := range v {
		if s.Info != nil && s.Info.Unknown {
			return true
		}
	}
	return false
}

// uncertain returns the first unknown or maybe segment's Info.
func (v Value) uncertain() *Info {
	for _, s := range v {
		if s.Info != nil && (s.Info.Unknown || s.Info.Maybe) {
			return s.Info
		}
	}
	return nil
}

// taint returns the first version taint in v.
func (v Value) taint() *Gate {
	for _, s := range v {
		if s.Info != nil && s.Info.Taint != nil {
			return s.Info.Taint
		}
	}
	return nil
}

// Word is one whitespace-separated word of a value, with its segments.
type Word struct {
	Segs Value
}

// Text is the word's text.
func (w Word) Text() string { return w.Segs.String() }

// Pos is the position of the word's first byte.
func (w Word) Pos() makefile.Pos {
	if len(w.Segs) == 0 {
		return makefile.Pos{}
	}
	return w.Segs[0].PosAt(0)
}

// Info is the provenance of the word's first segment that has one.
func (w Word) Info() *Info {
	for _, s := range w.Segs {
		if s.Info != nil {
			return s.Info
		}
	}
	return nil
}

// Maybe reports whether any part of the word is maybe or unknown.
func (w Word) Maybe() bool {
	for _, s := range w.Segs {
		if s.Info != nil && (s.Info.Maybe || s.Info.Unknown) {
			return true
		}
	}
	return false
}

func isMakeSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// Words splits v into words at whitespace, as make's word functions do.
func (v Value) Words() []Word {
	var words []Word
	var cur Value
	for _, s := range v {
		start := -1
		for i := 0; i < len(s.Text); i++ {
			if isMakeSpace(s.Text[i]) {
				if start >= 0 {
					cur = append(cur, s.slice(start, i))
					start = -1
				}
				if len(cur) > 0 {
					words = append(words, Word{Segs: cur})
					cur = nil
				}
				continue
			}
			if start < 0 {
				start = i
			}
		}
		if start >= 0 {
			cur = append(cur, s.slice(start, len(s.Text)))
		}
	}
	if len(cur) > 0 {
		words = append(words, Word{Segs: cur})
	}
	return words
}

// eachWord calls fn with the byte offsets of each word in the text of v,
// without building the words: for counting and picking a few.
func (v Value) eachWord(fn func(start, end int) bool) {
	off, start := 0, -1
	for _, s := range v {
		for i := 0; i < len(s.Text); i++ {
			if isMakeSpace(s.Text[i]) {
				if start >= 0 {
					if !fn(start, off+i) {
						return
					}
					start = -1
				}
			} else if start < 0 {
				start = off + i
			}
		}
		off += len(s.Text)
	}
	if start >= 0 {
		fn(start, off)
	}
}

// span returns the part of v from byte offset i to j as a word.
func (v Value) span(i, j int) Word {
	var out Value
	off := 0
	for _, s := range v {
		a, b := max(i-off, 0), min(j-off, len(s.Text))
		if a < b {
			out = append(out, s.slice(a, b))
		}
		off += len(s.Text)
		if off >= j {
			break
		}
	}
	return Word{Segs: out}
}

// slice returns the part of s from byte i to j.
func (s Segment) slice(i, j int) Segment {
	if i == 0 && j == len(s.Text) {
		return s
	}
	t := s
	t.Text = s.Text[i:j]
	if s.Lit != nil {
		t.Off = s.Off + i
	}
	return t
}

// joinWords joins words with single spaces.
func joinWords(words []Word) Value {
	n := 0
	for _, w := range words {
		n += len(w.Segs) + 1
	}
	out := make(Value, 0, n)
	for i, w := range words {
		if i > 0 {
			out = append(out, Segment{Text: " "})
		}
		out = append(out, w.Segs...)
	}
	return out
}

// computed makes a value of text that a function produced at pos.
func computed(text string, pos makefile.Pos, info *Info) Value {
	if text == "" {
		return nil
	}
	return Value{{Text: text, At: pos, Info: info}}
}
