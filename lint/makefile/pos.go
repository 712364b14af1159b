// Package makefile parses the GNU make dialect that kbuild uses into a syntax
// tree in which every node keeps its file, line and column.
//
// The parser follows GNU make 4.3's reading rules (continuation lines,
// comments, the order in which a line is tried as an assignment, a
// conditional, a directive and a rule) but decides nothing that depends on
// variable values: conditionals are kept as trees with all their branches,
// and references such as $(call ld-option,...) are kept as expressions for an
// evaluator to expand. Lines GNU make would reject or misread are recorded as
// Problems with positions; the parser itself never fails on them.
package makefile

import (
	"fmt"
	"sort"
)

// Pos is a position in a source file. Line and Col are 1-based; Col counts
// bytes, as gcc-style diagnostics do.
type Pos struct {
	File string
	Line int
	Col  int
}

// IsValid reports whether the position points somewhere.
func (p Pos) IsValid() bool { return p.Line > 0 }

func (p Pos) String() string {
	switch {
	case !p.IsValid():
		return p.File
	case p.Col > 0:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	default:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
}

// Before orders positions by file, line and column.
func (p Pos) Before(q Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

// Severity of a Problem, in GNU make's terms.
type Severity int

const (
	// Fatal: GNU make stops reading ("*** missing separator.  Stop.").
	Fatal Severity = iota
	// Misread: GNU make warns and carries on with a meaning the author
	// probably did not intend (text after else or endif is ignored).
	Misread
)

// Problem is a line GNU make rejects or misreads.
type Problem struct {
	Pos      Pos
	Severity Severity
	// Msg is GNU make's own wording where it has one.
	Msg string
	// Suggest is a replacement that GNU make would accept, when obvious.
	Suggest string
}

func (p Problem) String() string {
	s := p.Pos.String() + ": " + p.Msg
	if p.Suggest != "" {
		s += " (did you mean " + p.Suggest + "?)"
	}
	return s
}

// LimitError is returned when input exceeds what the parser accepts
// (nesting deeper than MaxNesting): the input cannot be linted, as opposed
// to a Problem, which is a finding about the input.
type LimitError struct {
	Pos Pos
	Msg string
}

func (e *LimitError) Error() string { return e.Pos.String() + ": " + e.Msg }

// LineMap converts byte offsets in one logical line (after continuation
// lines were joined and comments removed) back to file positions.
type LineMap struct {
	// file is shared by every map of a file: a map per line is kept for
	// each statement, and the name's string header would make a
	// one-line map a size class larger.
	file  *string
	marks []mark // sorted by out
}

// mark says: offset out of the logical text is at line:col of the file,
// and the following bytes continue on the same line. int32 is enough for
// files of at most 64 MiB and halves the map of a line joined from a
// million physical lines.
type mark struct {
	out, line, col int32
}

func newMark(out, line, col int) mark { return mark{int32(out), int32(line), int32(col)} }

// Pos returns the file position of byte offset off of the logical line.
func (m *LineMap) Pos(off int) Pos {
	if m == nil || len(m.marks) == 0 {
		return Pos{}
	}
	i := sort.Search(len(m.marks), func(i int) bool { return int(m.marks[i].out) > off }) - 1
	if i < 0 {
		i = 0
	}
	k := m.marks[i]
	file := ""
	if m.file != nil {
		file = *m.file
	}
	return Pos{File: file, Line: int(k.line), Col: int(k.col) + off - int(k.out)}
}
