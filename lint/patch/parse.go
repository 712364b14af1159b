// Package patch reads patches in the shapes reviewers receive them (a
// unified diff, a git format-patch mail, an mbox of several mails with
// replies in between) and applies them in memory with context matching, as
// git apply does. Quoted text in replies ("> " lines) is never a patch.
package patch

import (
	"bytes"
	"fmt"
	"io"
	"mime/quotedprintable"
	"regexp"
	"strconv"
	"strings"
)

// Error is input that cannot be read as a patch, with its position.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// Patch is one patch: a mail with a diff, or a plain diff.
type Patch struct {
	// Source is the file the patch was read from.
	Source string
	// Index is the 1-based number of the mail in Source when Source holds
	// several mails, else 0.
	Index   int
	Subject string
	Files   []*FileDiff
}

// Name identifies the patch in findings: the file, and "#N" for the Nth
// mail of an mbox.
func (p *Patch) Name() string {
	if p.Index > 0 {
		return fmt.Sprintf("%s#%d", p.Source, p.Index)
	}
	return p.Source
}

// FileDiff is the part of a patch for one file.
type FileDiff struct {
	OldPath, NewPath string // without the a/ and b/ prefixes; "/dev/null" when absent
	Line             int    // line of the "---" header in Source
	Hunks            []*Hunk
}

// Path is the file the diff changes (its new name, or old name when it is
// deleted).
func (f *FileDiff) Path() string {
	if f.NewPath == "/dev/null" {
		return f.OldPath
	}
	return f.NewPath
}

// Hunk is one @@ block.
type Hunk struct {
	OldStart, OldLines int
	NewStart, NewLines int
	Header             string // the @@ line
	Line               int    // line of the @@ header in Source
	// Index is the 1-based number of the hunk in its patch, counted over
	// all its files.
	Index int
	Lines []Line
}

// Line is a line of a hunk.
type Line struct {
	Kind byte // ' ', '+' or '-'
	Text string
	// Line is the line number in Source.
	Line int
}

// MaxHunkLines bounds one hunk: a header claiming more lines is treated as
// corrupt rather than read into memory.
const MaxHunkLines = 10_000_000

type srcLine struct {
	text string
	line int
}

// Parse reads the patches in data, which came from the file name.
func Parse(name string, data []byte) ([]*Patch, error) {
	lines := splitLines(data)
	mails := splitMbox(lines)
	var out []*Patch
	for i, m := range mails {
		p, err := parseMail(name, m)
		if err != nil {
			return nil, err
		}
		if p == nil {
			continue
		}
		if len(mails) > 1 {
			p.Index = i + 1
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, &Error{File: name, Msg: "no patch found (a unified diff, a git format-patch mail or an mbox of them; quoted \"> \" text does not count)"}
	}
	for _, p := range out {
		k := 0
		for _, f := range p.Files {
			for _, h := range f.Hunks {
				k++
				h.Index = k
			}
		}
	}
	return out, nil
}

func splitLines(data []byte) []srcLine {
	s := string(data)
	var out []srcLine
	n := 1
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		var l string
		if i < 0 {
			l, s = s, ""
		} else {
			l, s = s[:i], s[i+1:]
		}
		out = append(out, srcLine{strings.TrimSuffix(l, "\r"), n})
		n++
	}
	return out
}

// splitMbox splits at mbox "From " separator lines. A file without them is
// one mail (or a bare diff).
func splitMbox(lines []srcLine) [][]srcLine {
	var mails [][]srcLine
	start := -1
	for i, l := range lines {
		if isMboxSeparator(l.text) && (i == 0 || lines[i-1].text == "" || start < 0) {
			switch {
			case start >= 0:
				mails = append(mails, lines[start:i])
			case i > 0:
				// Text before the first separator is a mail of its own.
				mails = append(mails, lines[:i])
			}
			start = i
		}
	}
	if start < 0 {
		return [][]srcLine{lines}
	}
	return append(mails, lines[start:])
}

// isMboxSeparator recognises "From <sender> <date>", the line that starts
// each mail of an mbox (git format-patch writes "From <sha> Mon Sep 17...").
func isMboxSeparator(s string) bool {
	if !strings.HasPrefix(s, "From ") {
		return false
	}
	f := strings.Fields(s)
	return len(f) >= 3 && !strings.HasSuffix(f[1], ":") && timeOfDay.MatchString(s)
}

var timeOfDay = regexp.MustCompile(`\b\d\d:\d\d:\d\d\b`)

// parseMail reads one mail (or bare diff). It returns nil when the mail
// holds no diff, such as a reply.
func parseMail(name string, lines []srcLine) (*Patch, error) {
	p := &Patch{Source: name}
	body := lines
	if len(lines) > 0 && isMboxSeparator(lines[0].text) {
		body = lines[1:]
	}
	// Headers, if the text starts with them.
	if len(body) > 0 && isHeader(body[0].text) {
		qp := false
		i := 0
		for ; i < len(body) && body[i].text != ""; i++ {
			h := body[i].text
			for i+1 < len(body) && (strings.HasPrefix(body[i+1].text, " ") || strings.HasPrefix(body[i+1].text, "\t")) {
				i++
				h += " " + strings.TrimSpace(body[i].text)
			}
			key, val, _ := strings.Cut(h, ":")
			switch strings.ToLower(key) {
			case "subject":
				p.Subject = strings.TrimSpace(val)
			case "content-transfer-encoding":
				qp = strings.EqualFold(strings.TrimSpace(val), "quoted-printable")
			}
		}
		body = body[i:]
		if qp {
			body = decodeQP(body)
		}
	}
	// mboxrd escaping: ">From " in a body stands for "From ".
	for i, l := range body {
		if strings.HasPrefix(l.text, ">") && strings.HasPrefix(strings.TrimLeft(l.text, ">"), "From ") {
			body[i].text = l.text[1:]
		}
	}
	if err := parseDiffs(name, body, p); err != nil {
		return nil, err
	}
	if len(p.Files) == 0 {
		return nil, nil
	}
	return p, nil
}

func isHeader(s string) bool {
	k, _, ok := strings.Cut(s, ":")
	if !ok || k == "" || strings.ContainsAny(k, " \t") {
		return false
	}
	switch strings.ToLower(k) {
	case "from", "subject", "date", "to", "cc", "message-id", "in-reply-to", "references", "mime-version", "content-type", "content-transfer-encoding":
		return true
	}
	return false
}

func decodeQP(lines []srcLine) []srcLine {
	var out []srcLine
	var cur bytes.Buffer
	curLine := 0
	for _, l := range lines {
		if cur.Len() == 0 {
			curLine = l.line
		}
		cur.WriteString(l.text)
		cur.WriteString("\n")
		if strings.HasSuffix(l.text, "=") {
			continue // soft line break: the next line continues this one
		}
		dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(cur.Bytes())))
		text := strings.TrimSuffix(string(dec), "\n")
		if err != nil {
			text = strings.TrimSuffix(cur.String(), "\n")
		}
		out = append(out, srcLine{text, curLine})
		cur.Reset()
	}
	if cur.Len() > 0 {
		out = append(out, srcLine{cur.String(), curLine})
	}
	return out
}

// parseDiffs finds the unified diffs in a mail body.
func parseDiffs(name string, lines []srcLine, p *Patch) error {
	for i := 0; i < len(lines); i++ {
		l := lines[i].text
		if !strings.HasPrefix(l, "--- ") || i+2 >= len(lines) || !strings.HasPrefix(lines[i+1].text, "+++ ") {
			continue
		}
		if !strings.HasPrefix(lines[i+2].text, "@@") {
			continue
		}
		f := &FileDiff{OldPath: diffPath(l[4:]), NewPath: diffPath(lines[i+1].text[4:]), Line: lines[i].line}
		i += 2
		for i < len(lines) && strings.HasPrefix(lines[i].text, "@@") {
			h, next, err := parseHunk(name, lines, i)
			if err != nil {
				return err
			}
			f.Hunks = append(f.Hunks, h)
			i = next
		}
		p.Files = append(p.Files, f)
		i--
	}
	return nil
}

// diffPath strips a timestamp and the a/ or b/ prefix of a ---/+++ path.
func diffPath(s string) string {
	if t := strings.IndexByte(s, '\t'); t >= 0 {
		s = s[:t]
	}
	s = strings.TrimSpace(s)
	if s == "/dev/null" {
		return s
	}
	if strings.HasPrefix(s, "a/") || strings.HasPrefix(s, "b/") {
		return s[2:]
	}
	return s
}

// parseHunk reads the hunk whose header is lines[i]; it returns the index
// of the line after the hunk.
func parseHunk(name string, lines []srcLine, i int) (*Hunk, int, error) {
	hl := lines[i]
	h := &Hunk{Header: hl.text, Line: hl.line}
	if err := parseHunkHeader(hl.text, h); err != nil {
		return nil, 0, &Error{File: name, Line: hl.line, Msg: "malformed hunk header: " + err.Error()}
	}
	oldLeft, newLeft := h.OldLines, h.NewLines
	i++
	for oldLeft > 0 || newLeft > 0 {
		if i >= len(lines) {
			return nil, 0, &Error{File: name, Line: hl.line, Msg: fmt.Sprintf("corrupt patch: the hunk ends early (%d old and %d new lines missing)", oldLeft, newLeft)}
		}
		l := lines[i]
		kind := byte(' ')
		text := ""
		switch {
		case l.text == "":
			// Mailers strip the space of an empty context line.
		case l.text[0] == ' ' || l.text[0] == '+' || l.text[0] == '-':
			kind, text = l.text[0], l.text[1:]
		case l.text[0] == '\\':
			i++ // "\ No newline at end of file"
			continue
		default:
			return nil, 0, &Error{File: name, Line: l.line, Msg: fmt.Sprintf("corrupt patch: line %q in a hunk (%d old and %d new lines still expected)", clip(l.text), oldLeft, newLeft)}
		}
		switch kind {
		case ' ':
			oldLeft--
			newLeft--
		case '-':
			oldLeft--
		case '+':
			newLeft--
		}
		if oldLeft < 0 || newLeft < 0 {
			return nil, 0, &Error{File: name, Line: l.line, Msg: "corrupt patch: the hunk has more lines than its header says"}
		}
		h.Lines = append(h.Lines, Line{Kind: kind, Text: text, Line: l.line})
		i++
	}
	for i < len(lines) && strings.HasPrefix(lines[i].text, "\\") {
		i++
	}
	// A change line right after the hunk means the header undercounts.
	if i < len(lines) {
		if t := lines[i].text; strings.HasPrefix(t, "+") && !strings.HasPrefix(t, "+++ ") ||
			strings.HasPrefix(t, "-") && t != "-- " && !strings.HasPrefix(t, "--- ") {
			return nil, 0, &Error{File: name, Line: lines[i].line, Msg: "corrupt patch: the hunk has more lines than its header says"}
		}
	}
	return h, i, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// parseHunkHeader reads "@@ -a[,b] +c[,d] @@[ section]".
func parseHunkHeader(s string, h *Hunk) error {
	rest, ok := strings.CutPrefix(s, "@@ -")
	if !ok {
		return fmt.Errorf("expected \"@@ -\"")
	}
	oldPart, rest, ok := strings.Cut(rest, " +")
	if !ok {
		return fmt.Errorf("expected \" +\"")
	}
	newPart, _, ok := strings.Cut(rest, " @@")
	if !ok {
		return fmt.Errorf("expected \" @@\"")
	}
	var err error
	if h.OldStart, h.OldLines, err = parseRange(oldPart); err != nil {
		return err
	}
	if h.NewStart, h.NewLines, err = parseRange(newPart); err != nil {
		return err
	}
	if h.OldLines > MaxHunkLines || h.NewLines > MaxHunkLines {
		return fmt.Errorf("more than %d lines", MaxHunkLines)
	}
	return nil
}

func parseRange(s string) (start, n int, err error) {
	a, b, has := strings.Cut(s, ",")
	start, err = strconv.Atoi(a)
	if err != nil || start < 0 {
		return 0, 0, fmt.Errorf("bad line number %q", a)
	}
	n = 1
	if has {
		n, err = strconv.Atoi(b)
		if err != nil || n < 0 {
			return 0, 0, fmt.Errorf("bad line count %q", b)
		}
	}
	return start, n, nil
}
