package makefile

import (
	"strings"
	"unsafe"
)

// rawLine is one logical line as GNU make's reader sees it: physical lines
// ending in an odd number of backslashes are joined, the newlines kept.
// Every newline of text ends a physical line, so where each one starts
// need not be stored.
type rawLine struct {
	text string // physical lines joined with "\n"; a CR before a newline is dropped
	line int    // number of the first physical line
	phys int    // number of physical lines
}

// lineReader splits its text into logical lines, one at a time: the
// parser never holds more than the line it reads. Reading all of a text
// is linear in its length and copies only lines that carry a CR before
// their newline.
type lineReader struct {
	s      string
	lineNo int // number of the next physical line
}

// next returns the next logical line; false at the end of the text.
func (r *lineReader) next() (rawLine, bool) {
	s := r.s
	if len(s) == 0 {
		return rawLine{}, false
	}
	rl := rawLine{line: r.lineNo}
	end := 0  // end of the logical line in s (exclusive of its final newline)
	next := 0 // where the next logical line starts
	crs := false
	for {
		rl.phys++
		nl := strings.IndexByte(s[end:], '\n')
		r.lineNo++
		if nl < 0 {
			end = len(s)
			next = len(s)
			break
		}
		phys := s[end : end+nl]
		if strings.HasSuffix(phys, "\r") {
			crs = true
			phys = phys[:len(phys)-1]
		}
		if trailingBackslashes(phys)%2 == 1 && end+nl+1 < len(s) {
			end += nl + 1
			continue
		}
		end += nl
		next = end + 1
		break
	}
	rl.text = s[:end]
	if crs {
		rl.text = dropCRs(rl.text)
	}
	r.s = s[next:]
	return rl, true
}

// dropCRs removes the CR that precedes each newline (and the final one),
// as GNU make does on POSIX systems.
func dropCRs(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for {
		nl := strings.IndexByte(text, '\n')
		if nl < 0 {
			b.WriteString(strings.TrimSuffix(text, "\r"))
			return b.String()
		}
		b.WriteString(strings.TrimSuffix(text[:nl], "\r"))
		b.WriteByte('\n')
		text = text[nl+1:]
	}
}

func trailingBackslashes(s string) int {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// isSpace is GNU make's ISSPACE: blanks and newlines.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// collapse joins continuation lines the way GNU make does outside recipes:
// the backslash-newline, the blanks before it and the blanks that start the
// next line become one space; of a run of n backslashes before the newline,
// n/2 are kept.
func (rl rawLine) collapse(file *string) (string, *LineMap) {
	if rl.phys == 1 {
		// The map and its one mark in one allocation.
		one := &struct {
			lm LineMap
			m  [1]mark
		}{lm: LineMap{file: file}, m: [1]mark{newMark(0, rl.line, 1)}}
		one.lm.marks = one.m[:]
		return rl.text, &one.lm
	}
	lm := &LineMap{file: file}
	// The output only grows at its end, and blanks before a
	// backslash-newline are cut off its end: a byte slice truncated in
	// place keeps the whole join linear (a rebuilt string would copy the
	// text joined so far at every line).
	b := make([]byte, 0, len(rl.text))
	lm.marks = make([]mark, 0, rl.phys)
	rest := rl.text
	for k := 0; k < rl.phys; k++ {
		last := k+1 == rl.phys
		seg := rest
		if !last {
			nl := strings.IndexByte(rest, '\n')
			seg, rest = rest[:nl], rest[nl+1:]
		}
		skip := 0
		if k > 0 {
			for skip < len(seg) && isBlank(seg[skip]) {
				skip++
			}
		}
		lm.marks = append(lm.marks, newMark(len(b), rl.line+k, skip+1))
		seg = seg[skip:]
		if last {
			b = append(b, seg...)
			break
		}
		n := trailingBackslashes(seg)
		b = append(b, seg[:len(seg)-n]...)
		keep := n / 2
		for i := 0; i < keep; i++ {
			b = append(b, '\\')
		}
		if keep == 0 {
			cut := len(b)
			for cut > 0 && isBlank(b[cut-1]) {
				cut--
			}
			b = b[:cut]
			// Marks past the cut point no longer have text behind them.
			for len(lm.marks) > 1 && int(lm.marks[len(lm.marks)-1].out) > cut {
				lm.marks = lm.marks[:len(lm.marks)-1]
			}
		}
		b = append(b, ' ')
	}
	// b is not written again: the string may share its bytes instead of
	// copying a line that can be megabytes long.
	return unsafe.String(unsafe.SliceData(b), len(b)), lm
}

// removeComment cuts text at the first '#' that starts a comment, following
// GNU make 4.3: a '#' inside a $(...) or ${...} reference does not start a
// comment, and a backslash run before '#' is halved, an odd run quoting it.
func removeComment(text string, lm *LineMap) (string, *LineMap) {
	// Fast path: no '#' at all.
	if strings.IndexByte(text, '#') < 0 {
		return text, lm
	}
	var b strings.Builder
	changed := false
	var runs []copyRun // pieces of text copied to b
	start := 0         // start of the pending copy run in text
	i := 0
	for i < len(text) {
		c := text[i]
		if c == '$' {
			if i+1 >= len(text) {
				break
			}
			open := text[i+1]
			i += 2
			if open == '(' || open == '{' {
				closeCh := byte(')')
				if open == '{' {
					closeCh = '}'
				}
				depth := 1
				for i < len(text) {
					switch text[i] {
					case open:
						depth++
					case closeCh:
						depth--
					}
					i++
					if depth == 0 {
						break
					}
				}
			}
			continue
		}
		if c != '#' {
			i++
			continue
		}
		n := 0
		for j := i - 1; j >= start && text[j] == '\\'; j-- {
			n++
		}
		if n == 0 {
			if !changed {
				return text[:i], lm
			}
			runs = append(runs, copyRun{orig: start, out: b.Len(), n: i - start})
			b.WriteString(text[start:i])
			return finishComment(b.String(), lm, runs, true)
		}
		// Drop the first ceil(n/2) backslashes of the run.
		drop := n - n/2
		bsStart := i - n
		runs = append(runs, copyRun{orig: start, out: b.Len(), n: bsStart - start})
		b.WriteString(text[start:bsStart])
		changed = true
		start = bsStart + drop
		if n%2 == 0 {
			runs = append(runs, copyRun{orig: start, out: b.Len(), n: i - start})
			b.WriteString(text[start:i])
			return finishComment(b.String(), lm, runs, true)
		}
		i++ // the quoted '#' stays
	}
	if !changed {
		return text, lm
	}
	runs = append(runs, copyRun{orig: start, out: b.Len(), n: len(text) - start})
	b.WriteString(text[start:])
	return finishComment(b.String(), lm, runs, true)
}

type copyRun struct{ orig, out, n int }

func finishComment(s string, lm *LineMap, runs []copyRun, changed bool) (string, *LineMap) {
	if !changed {
		return s, lm
	}
	nm := &LineMap{file: lm.file}
	for _, r := range runs {
		p := lm.Pos(r.orig)
		nm.marks = append(nm.marks, newMark(r.out, p.Line, p.Col))
		for _, m := range lm.marks {
			if out := int(m.out); out > r.orig && out < r.orig+r.n {
				nm.marks = append(nm.marks, newMark(r.out+out-r.orig, int(m.line), int(m.col)))
			}
		}
	}
	if len(nm.marks) == 0 {
		nm.marks = lm.marks[:1]
	}
	return s, nm
}
