package rules

import (
	"errors"
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
		rule := &Rule{ID: "TEST001", Severity: sev, Run: func(p *Pass) error {
			p.report(makefile.Pos{File: "Makefile", Line: 1}, nil, false, "", "sure")
			p.report(makefile.Pos{File: "Makefile", Line: 2}, nil, true, "$(wildcard x)", "maybe")
			p.report(makefile.Pos{File: "Makefile", Line: 3}, nil, true, "", "maybe, no reason")
			return nil
		}}
		diags, err := Run(&Input{}, []*Rule{rule})
		if err != nil {
			t.Fatal(err)
		}
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

// TestEachRuleItsOwnPass: every rule runs on a Pass of its own (its
// diagnostics carry it, whatever ran before), sharing one Input; a rule's
// error stops the run and names the rule.
func TestEachRuleItsOwnPass(t *testing.T) {
	in := &Input{}
	var passes []*Pass
	mk := func(id string, sev Severity) *Rule {
		return &Rule{ID: id, Severity: sev, Run: func(p *Pass) error {
			passes = append(passes, p)
			p.report(makefile.Pos{File: "Makefile", Line: 1}, nil, false, "", id)
			return nil
		}}
	}
	a, b := mk("TEST001", Error), mk("TEST002", Warning)
	diags, err := Run(in, []*Rule{a, {ID: "DRIVER"}, b})
	if err != nil {
		t.Fatal(err)
	}
	if len(diags) != 2 || diags[0].Rule != a || diags[0].Severity != Error || diags[1].Rule != b || diags[1].Severity != Warning {
		t.Errorf("diagnostics %+v", diags)
	}
	if len(passes) != 2 || passes[0] == passes[1] || passes[0].Rule != a || passes[1].Rule != b || passes[0].Input != in || passes[1].Input != in {
		t.Errorf("passes %+v", passes)
	}
	broken := &Rule{ID: "TEST003", Run: func(*Pass) error { return errors.New("cannot judge") }}
	if _, err := Run(in, []*Rule{a, broken, b}); err == nil || !strings.Contains(err.Error(), "TEST003: cannot judge") {
		t.Errorf("error %v, want it to name TEST003", err)
	}
}
