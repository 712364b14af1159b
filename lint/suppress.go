package lint

import (
	"fmt"
	"regexp"
	"strings"

	"klpcheck/lint/rules"
)

// Suppressed is a finding that a "# klpcheck: ignore=ID reason" comment
// suppressed: it does not count for the exit status, and the summary and
// the JSON document still show it.
type Suppressed struct {
	Finding
	// SuppressionLine is the line of the comment, in the finding's file.
	SuppressionLine int `json:"suppression_line"`
	// Reason is the comment's text after the IDs; empty when it gives none.
	Reason string `json:"reason"`
}

// suppression is one "# klpcheck: ignore=ID[,ID] reason" comment.
type suppression struct {
	file   string // the file's name, as findings name it
	line   int    // the comment's line
	col    int    // the column of its '#'
	ids    []string
	reason string
	// covers are the lines whose findings it suppresses: its own, or
	// for a comment alone on its line, the next logical line.
	first, last int
	used        map[string]bool // the IDs that suppressed a finding
}

var suppressionComment = regexp.MustCompile(`#\s*klpcheck:\s*ignore=([A-Za-z0-9_,]+)[ \t]*(.*)$`)

// findSuppressions reads the suppression comments of a file's text. The
// text is never run: the comment is found on the physical lines, and its
// '#' must start a make comment there (not escaped with a backslash, not
// inside a $(...) or ${...} reference).
func findSuppressions(file, text string) []*suppression {
	if !strings.Contains(text, "klpcheck:") {
		return nil
	}
	lines := strings.Split(text, "\n")
	var out []*suppression
	for i, l := range lines {
		m := suppressionComment.FindStringSubmatchIndex(l)
		if m == nil || !startsComment(l, m[0]) {
			continue
		}
		s := &suppression{file: file, line: i + 1, col: m[0] + 1, reason: strings.TrimSpace(l[m[4]:m[5]]), used: map[string]bool{}}
		for _, id := range strings.Split(l[m[2]:m[3]], ",") {
			if id != "" {
				s.ids = append(s.ids, strings.ToUpper(id))
			}
		}
		s.first, s.last = s.line, s.line
		if strings.TrimSpace(l[:m[0]]) == "" {
			s.first, s.last = nextLogicalLine(lines, i+1)
		}
		out = append(out, s)
	}
	return out
}

// startsComment reports whether the '#' at l[at] starts a make comment.
func startsComment(l string, at int) bool {
	depth := 0
	for i := 0; i < at; i++ {
		switch {
		case l[i] == '$' && i+1 < at && (l[i+1] == '(' || l[i+1] == '{'):
			depth++
			i++
		case (l[i] == ')' || l[i] == '}') && depth > 0:
			depth--
		case l[i] == '#' && depth == 0 && (i == 0 || l[i-1] != '\\'):
			return true // an earlier comment holds this one
		}
	}
	backslashes := 0
	for j := at - 1; j >= 0 && l[j] == '\\'; j-- {
		backslashes++
	}
	return depth == 0 && backslashes%2 == 0
}

// nextLogicalLine finds the first line from index i on (0-based) that is
// neither blank nor only a comment, and returns its 1-based first and last
// physical lines (backslash continuations included); 0, 0 when none.
func nextLogicalLine(lines []string, i int) (first, last int) {
	for ; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if t != "" && !strings.HasPrefix(t, "#") {
			break
		}
	}
	if i >= len(lines) {
		return 0, 0
	}
	j := i
	for j+1 < len(lines) && strings.HasSuffix(lines[j], "\\") {
		j++
	}
	return i + 1, j + 1
}

// suppresses reports whether s covers f, and marks the ID used.
func (s *suppression) suppresses(f Finding) bool {
	if f.File != s.file || f.Line < s.first || f.Line > s.last {
		return false
	}
	for _, id := range s.ids {
		if id == f.Rule {
			s.used[id] = true
			return true
		}
	}
	return false
}

// unused is the IGNORE001 notes for s: an ID that names no rule, or an
// enabled rule that reported nothing on the lines s covers.
func (s *suppression) unused(enabled map[string]bool) []Finding {
	var out []Finding
	for _, id := range s.ids {
		var msg string
		switch _, known := rules.Lookup(id); {
		case !known:
			msg = fmt.Sprintf("klpcheck: ignore=%s names no rule (the rules are %s)", id, strings.Join(rules.IDs(), ", "))
		case s.used[id] || !enabled[id]:
			continue
		case s.first == 0:
			msg = fmt.Sprintf("klpcheck: ignore=%s suppresses nothing: no statement follows the comment", id)
		default:
			msg = fmt.Sprintf("klpcheck: ignore=%s suppresses nothing: %s reports no finding on line %d; remove the comment", id, id, s.first)
		}
		out = append(out, Finding{Rule: rules.IGNORE001.ID, Severity: string(rules.IGNORE001.Severity),
			File: s.file, Line: s.line, Column: s.col, Message: msg, Configs: []string{}})
	}
	return out
}
