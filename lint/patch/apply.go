package patch

import (
	"fmt"
	"strings"
)

// Doc is a file being patched: its lines, and for each line the hunk that
// added it (nil for lines of the original file). A Doc no patch touched
// keeps its text as read and has no Lines or Origin: splitting a large
// file into lines costs time and memory that only patching needs.
type Doc struct {
	Lines  []string
	Origin []*HunkRef
	text   string
	split  bool
	// applied counts the lines from the start of the file that the
	// current patch's earlier hunks already covered (no overlap).
	floor int
}

// HunkRef names the hunk that added a line.
type HunkRef struct {
	Patch *Patch
	Hunk  *Hunk
}

// NewDoc makes a Doc of text.
func NewDoc(text string) *Doc { return &Doc{text: text} }

// ensureLines splits the text into Lines, once.
func (d *Doc) ensureLines() {
	if d.split {
		return
	}
	d.split = true
	text := d.text
	d.text = ""
	lines := strings.Split(text, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	d.Lines, d.Origin = lines, make([]*HunkRef, len(lines))
}

// Text returns the file's text.
func (d *Doc) Text() string {
	if !d.split {
		return d.text
	}
	if len(d.Lines) == 0 {
		return ""
	}
	return strings.Join(d.Lines, "\n") + "\n"
}

// Failure is a hunk that did not apply.
type Failure struct {
	Patch  *Patch
	File   *FileDiff
	Hunk   *Hunk
	Reason string
}

// Placement is where a hunk applied: Line is the 1-based line of the file
// (as the patch's earlier hunks left it) where the hunk's first context or
// removed line was found, Offset how far that is from where the hunk's
// header put it (git apply's "offset N lines"). For a hunk that only
// adds lines, Line is the line they follow.
type Placement struct {
	Patch  *Patch
	File   *FileDiff
	Hunk   *Hunk
	Line   int
	Offset int
}

// MaxCompares bounds the line comparisons one Apply may make, so that a
// patch crafted to match nowhere in a huge file cannot run for long.
const MaxCompares = 50_000_000

// Apply applies p to docs (keyed by path, as the diff names them; files
// a diff creates are added). Hunks that do not apply are returned; the
// others are applied even so, as git apply --reject would.
func Apply(docs map[string]*Doc, p *Patch) []Failure {
	_, failed := ApplyReport(docs, p)
	return failed
}

// ApplyReport is Apply that also says where each applied hunk went, in
// patch order.
func ApplyReport(docs map[string]*Doc, p *Patch) ([]Placement, []Failure) {
	var placed []Placement
	var failed []Failure
	budget := MaxCompares
	for _, f := range p.Files {
		var d *Doc
		switch {
		case f.OldPath == "/dev/null":
			d = &Doc{split: true}
			docs[f.Path()] = d
		default:
			d = docs[f.OldPath]
		}
		if d == nil {
			for _, h := range f.Hunks {
				failed = append(failed, Failure{p, f, h, fmt.Sprintf("%s is not in the tree being linted", f.OldPath)})
			}
			continue
		}
		d.ensureLines()
		d.floor = 0
		delta := 0
		for _, h := range f.Hunks {
			line, offset, reason := applyHunk(d, p, h, delta, &budget)
			if reason != "" {
				failed = append(failed, Failure{p, f, h, reason})
				continue
			}
			placed = append(placed, Placement{Patch: p, File: f, Hunk: h, Line: line, Offset: offset})
			delta += h.NewLines - h.OldLines
		}
		if f.NewPath == "/dev/null" {
			delete(docs, f.OldPath)
		} else if f.NewPath != f.OldPath && f.OldPath != "/dev/null" {
			delete(docs, f.OldPath)
			docs[f.NewPath] = d
		}
	}
	return placed, failed
}

// applyHunk applies h and returns where (see Placement), or why not.
func applyHunk(d *Doc, p *Patch, h *Hunk, delta int, budget *int) (line, offset int, reason string) {
	var pre []string
	for _, l := range h.Lines {
		if l.Kind != '+' {
			pre = append(pre, l.Text)
		}
	}
	want := h.OldStart - 1
	if h.OldLines == 0 {
		want = h.OldStart // a pure addition goes after line OldStart
	}
	want += delta
	at, how := find(d.Lines, pre, want, d.floor, budget)
	switch how {
	case notFound:
		return 0, 0, "its context does not match the file anywhere"
	case overlaps:
		return 0, 0, "it matches only where an earlier hunk of the same patch already changed the file (overlapping hunks)"
	case outOfBudget:
		return 0, 0, "the search for its context took too long"
	}
	line, offset = at+1, at-want
	if h.OldLines == 0 {
		line = at
	}
	ref := &HunkRef{Patch: p, Hunk: h}
	newLines := make([]string, 0, len(d.Lines)+h.NewLines-h.OldLines)
	newOrigin := make([]*HunkRef, 0, cap(newLines))
	newLines = append(newLines, d.Lines[:at]...)
	newOrigin = append(newOrigin, d.Origin[:at]...)
	k := at
	for _, l := range h.Lines {
		switch l.Kind {
		case ' ':
			newLines = append(newLines, d.Lines[k])
			newOrigin = append(newOrigin, d.Origin[k])
			k++
		case '-':
			k++
		case '+':
			newLines = append(newLines, l.Text)
			newOrigin = append(newOrigin, ref)
		}
	}
	end := len(newLines)
	newLines = append(newLines, d.Lines[k:]...)
	newOrigin = append(newOrigin, d.Origin[k:]...)
	d.Lines, d.Origin = newLines, newOrigin
	d.floor = end
	return line, offset, ""
}

type findResult int

const (
	found findResult = iota
	notFound
	overlaps
	outOfBudget
)

// find looks for pre in lines, starting at want and moving outwards, first
// exactly and then ignoring differences in whitespace. Matches before floor
// overlap an earlier hunk.
func find(lines, pre []string, want, floor int, budget *int) (int, findResult) {
	last := len(lines) - len(pre)
	if last < 0 {
		return 0, notFound
	}
	want = max(0, min(want, last))
	for _, eq := range []func(a, b string) bool{exact, sameWords} {
		overlap := false
		for dist := 0; dist <= last; dist++ {
			cands := []int{want - dist}
			if dist > 0 {
				cands = append(cands, want+dist)
			}
			inRange := false
			for _, at := range cands {
				if at < 0 || at > last {
					continue
				}
				inRange = true
				ok := true
				for i, l := range pre {
					*budget--
					if *budget < 0 {
						return 0, outOfBudget
					}
					if !eq(lines[at+i], l) {
						ok = false
						break
					}
				}
				if !ok {
					continue
				}
				if at < floor {
					overlap = true
					continue
				}
				return at, found
			}
			if !inRange {
				break
			}
		}
		if overlap {
			return 0, overlaps
		}
	}
	return 0, notFound
}

func exact(a, b string) bool { return a == b }

func sameWords(a, b string) bool {
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}
