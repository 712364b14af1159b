package rules

import (
	"strings"
	"testing"

	"klpcheck/lint/makefile"
)

// TestMaybeEvidenceIsANote: a rule's finding whose evidence holds only if
// something klpcheck does not model holds is lowered to a note naming
// what it depends on, whatever the rule's severity; sure evidence keeps
// the severity.
func TestMaybeEvidenceIsANote(t *testing.T) {
	for _, sev := range []Severity{Error, Warning} {
		rule := &Rule{ID: "TEST001", Severity: sev, Run: func(p *Pass) {
			p.report(makefile.Pos{File: "Makefile", Line: 1}, nil, false, "", "sure")
			p.report(makefile.Pos{File: "Makefile", Line: 2}, nil, true, "$(wildcard x)", "maybe")
			p.report(makefile.Pos{File: "Makefile", Line: 3}, nil, true, "", "maybe, no reason")
		}}
		diags := (&Pass{}).Run([]*Rule{rule})
		if len(diags) != 3 {
			t.Fatalf("%s: %d diagnostics, want 3", sev, len(diags))
		}
		if d := diags[0]; d.Severity != sev || d.Message != "sure" || d.Rule != rule {
			t.Errorf("%s: sure evidence: %+v", sev, d)
		}
		if d := diags[1]; d.Severity != Note || !strings.HasPrefix(d.Message, "maybe (this depends on $(wildcard x), which klpcheck does not model)") {
			t.Errorf("%s: maybe evidence: %s %q, want a note saying what it depends on", sev, d.Severity, d.Message)
		}
		if d := diags[2]; d.Severity != Note || d.Message != "maybe, no reason" {
			t.Errorf("%s: maybe evidence without a reason: %s %q", sev, d.Severity, d.Message)
		}
	}
}
