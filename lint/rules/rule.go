// Package rules holds the lint rules of klpcheck lint. Each rule is a value
// with a stable ID, a severity, its documentation and a bad and a good
// example; Run inspects a Pass (the parsed files and the evaluation of every
// configuration) and reports Diagnostics.
package rules

import (
	"fmt"
	"sort"
	"strings"

	"klpcheck/internal/report"
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

// All returns the rules in ID order, rules added later at the end (IGNORE001,
// KCFG001) so that the SARIF rule indexes of the others stay what they were.
func All() []*Rule {
	return []*Rule{LTO001, LTO002, LTO003, LTO004, LTO005, LTO006, LTO007, LTO008, LTO009, LTO010, MAKE001, PATCH001, IGNORE001, KCFG001}
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
func (r *Rule) Explain() string { return r.RuleDoc().Explain() }

// RuleDoc is the rule's documentation in the form every command's rules
// share: the --explain text, the docs/rules page and the SARIF metadata.
func (r *Rule) RuleDoc() report.RuleDoc {
	return report.RuleDoc{ID: r.ID, Name: r.Name, Severity: string(r.Severity), Summary: r.Summary,
		Doc: r.Doc, Bad: r.Bad, Good: r.Good, Lang: "make", Command: "lint"}
}

// UnknownRuleError is an ID of Select's enable or disable list that names
// no rule. A CLI names its own flag for List.
type UnknownRuleError struct {
	ID   string
	List string // "enable" or "disable"
}

func (e *UnknownRuleError) Error() string {
	return fmt.Sprintf("unknown rule %q to %s; the rules are %s", e.ID, e.List, strings.Join(IDs(), ", "))
}

// Select returns the rules to run: those of enable (all when it is empty)
// minus those of disable, in All's order. IDs are case-insensitive; one
// that names no rule is an error that lists the rules.
func Select(enable, disable []string) ([]*Rule, error) {
	on := map[string]bool{}
	for _, id := range enable {
		r, ok := Lookup(id)
		if !ok {
			return nil, &UnknownRuleError{ID: id, List: "enable"}
		}
		on[r.ID] = true
	}
	off := map[string]bool{}
	for _, id := range disable {
		r, ok := Lookup(id)
		if !ok {
			return nil, &UnknownRuleError{ID: id, List: "disable"}
		}
		off[r.ID] = true
	}
	var out []*Rule
	for _, r := range All() {
		if (len(on) == 0 || on[r.ID]) && !off[r.ID] {
			out = append(out, r)
		}
	}
	return out, nil
}

// ParseSeverity reads a severity threshold: error, warning or note.
func ParseSeverity(s string) (Severity, error) {
	switch sev := Severity(strings.ToLower(s)); sev {
	case Error, Warning, Note:
		return sev, nil
	}
	return "", fmt.Errorf("unknown severity %q: use error, warning or note", s)
}

// AtLeast reports whether s is as severe as min or more; an empty min
// admits everything.
func (s Severity) AtLeast(min Severity) bool { return s.rank() >= min.rank() }

func (s Severity) rank() int {
	switch s {
	case Error:
		return 2
	case Warning:
		return 1
	}
	return 0
}
