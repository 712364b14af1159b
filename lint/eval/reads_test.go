package eval

import (
	"fmt"
	"testing"

	"klpcheck/lint/makefile"
)

// observable is what an evaluation shows besides variables: Reads must
// leave all of it as it is.
func observable(t *testing.T, r *Result) string {
	t.Helper()
	v := value(t, r, "OUT")
	return fmt.Sprintf("OUT=%q exact=%v problems=%v aborted=%v error=%q maybe-stops=%v shell=%d steps=%d",
		v.String(), v.Exact(), r.Problems, r.Aborted, r.ErrorMsg, r.MaybeStops, r.ShellModelled, r.Steps)
}

// TestReadsSkipOnlyUnobservable evaluates each makefile with and without
// its ReadSet: the results must be the same, and the variable nothing
// reads (UNREAD) must be gone with it.
//
// Each case was seen to fail with the scan broken: references, ifdef or
// side effects not counted as reads, a skipped assignment not ending a
// recipe.
func TestReadsSkipOnlyUnobservable(t *testing.T) {
	tests := []struct{ name, src string }{
		{"refs and functions", "X := a\nOUT = $(X) $(value Y) $(origin Z) $(flavor W)\nY = b\nZ := c\nW ?= d\nUNREAD := e\n"},
		{"ifdef", "D := 1\nifdef D\nOUT := yes\nendif\nifndef E\nOUT += no-E\nendif\nE = x\nUNREAD = f\n"},
		{"call", "f = <$(1)>\nOUT := $(call f,x)\nUNREAD += g\n"},
		{"foreach", "OUT := $(foreach v,a b,[$(v)])\nv := q\nUNREAD := h\n"},
		{"substitution", "S := a.c\nOUT := $(S:.c=.o)\nUNREAD := $$i\n"},
		{"blank in a name", "X := a\nOUT := $( X)\nUNREAD := j\n"},
		{"probe reads KBUILD_LDFLAGS", "KBUILD_LDFLAGS := --bogus-flag\nOUT := $(call ld-option,--gc-sections)\nUNREAD := k\n"},
		{"side effects stay", "SIDE := $(shell test 1 -ge 2 && echo y)\nSIDE += $(info hi)\nOUT := z\nUNREAD := l\n"},
		{"error in an unread variable", "UNREAD := m\nSTOP := $(error stop here)\nOUT := never\n"},
		{"undefine", "UNREAD := n\nundefine UNREAD\nOUT := o\nUNREAD ?= p\n"},
		{"computed name, literal value", "N := X\n$(N) := q\nOUT := $(X)\nUNREAD := r\n"},
		{"an assignment ends a recipe", "t: ;\nUNREAD := u\n\tOUT := v\n"},
		{"maybe", "ifeq ($(NOT_MODELLED),1)\nUNREAD := s\nOUT := t\nendif\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := makefile.Parse("Makefile", []byte(tt.src), 0)
			if err != nil {
				t.Fatal(err)
			}
			// A Track that records nothing: Run then skips whole
			// statements, not only their variables.
			track := map[makefile.Node]bool{}
			reads := Reads(f, track, "OUT")
			if reads == nil {
				t.Fatal("Reads is nil: every variable is kept")
			}
			cfg := config(tc22, nil)
			cfg.Track = track
			full, err := Run(f, cfg)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Reads = reads
			skipped, err := Run(f, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := observable(t, full), observable(t, skipped); a != b {
				t.Errorf("all variables: %s\nwith Reads:    %s", a, b)
			}
			if skipped.Defined("UNREAD") {
				t.Error("UNREAD, which nothing reads, was stored")
			}
		})
	}
}

// TestReadsUnbounded lists makefiles whose reads cannot be known before
// evaluating them: every variable must be kept.
func TestReadsUnbounded(t *testing.T) {
	for _, src := range []string{
		"$(eval X := 1)\n",
		"OUT := $(call $(F),x)\n",
		"OUT := $($(N))\n",
		"OUT := $(value $(N))\n",
		"include other.mk\n",
		"$(N) := $(shell echo x)\n",
		"ifdef $(N)\nendif\n",
	} {
		f, err := makefile.Parse("Makefile", []byte(src), 0)
		if err != nil {
			t.Fatal(err)
		}
		if Reads(f, nil, "OUT") != nil {
			t.Errorf("%q: Reads is not nil", src)
		}
	}
}
