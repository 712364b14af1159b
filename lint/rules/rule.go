// Package rules holds the lint rules of klpcheck lint. Each rule is a value
// with a stable ID, a severity, its documentation and a bad and a good
// example; Run inspects a Pass (the parsed files and the evaluation of every
// configuration) and reports Diagnostics.
package rules

import (
	"fmt"
	"sort"
	"strings"
)

// Severity of a rule's findings.
type Severity string

// Severities, as the text and SARIF outputs name them.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Note    Severity = "note"
)

// Rule is one lint rule.
type Rule struct {
	ID       string
	Name     string // short kebab-case name
	Severity Severity
	// Summary is one line for listings and SARIF shortDescription.
	Summary string
	// Doc explains the rule: what goes wrong and why.
	Doc string
	// Bad and Good are Makefile (or Kconfig) snippets.
	Bad, Good string
	// Run reports the rule's findings on its own Pass; an error means the
	// rule could not judge the input (the lint cannot be trusted then).
	// Nil for findings the driver itself reports (a patch hunk that does
	// not apply).
	Run func(*Pass) error
}

// All returns the rules in ID order, rules added later at the end so that
// the SARIF rule indexes of the others stay what they were.
func All() []*Rule {
	return []*Rule{LTO001, LTO002, LTO003, LTO004, LTO005, LTO006, LTO007, LTO008, LTO009, LTO010, MAKE001, PATCH001, KCFG001}
}

// Lookup finds a rule by ID, case-insensitively.
func Lookup(id string) (*Rule, bool) {
	for _, r := range All() {
		if strings.EqualFold(r.ID, id) {
			return r, true
		}
	}
	return nil, false
}

// IDs lists the rule IDs.
func IDs() []string {
	var out []string
	for _, r := range All() {
		out = append(out, r.ID)
	}
	sort.Strings(out)
	return out
}

// Explain is the text of "klpcheck lint --explain ID".
func (r *Rule) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, %s): %s\n\n", r.ID, r.Name, r.Severity, r.Summary)
	b.WriteString(strings.TrimSpace(r.Doc))
	b.WriteString("\n\nBad:\n\n")
	b.WriteString(indent(r.Bad))
	b.WriteString("\nGood:\n\n")
	b.WriteString(indent(r.Good))
	return b.String()
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.Trim(s, "\n"), "\n") {
		if l == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}
