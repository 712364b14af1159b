package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/internal/report/reporttest"
)

// sarifSuppressions is the part of a SARIF log the suppression test reads.
type sarifSuppressions struct {
	Runs []struct {
		Results []struct {
			RuleID    string `json:"ruleId"`
			Locations []struct {
				PhysicalLocation struct {
					Region struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			Suppressions []struct {
				Kind          string  `json:"kind"`
				Justification *string `json:"justification"`
				Location      *struct {
					PhysicalLocation struct {
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"location"`
			} `json:"suppressions"`
		} `json:"results"`
	} `json:"runs"`
}

// TestLintSARIFSuppressions: a finding a "# klpcheck: ignore=" comment
// suppresses is a SARIF result with an inSource suppression pointing at
// the comment, its reason the justification (none when the comment gives
// none); the findings left are results without suppressions. Every log
// validates against the official schema.
func TestLintSARIFSuppressions(t *testing.T) {
	const gate = "ifeq ($(call clang-min-version,230000),y)\n"
	const flags = "KBUILD_LDFLAGS += --lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false"
	type want struct {
		rule          string
		line          int
		suppressed    bool
		justification string // "-" for no justification member
		commentLine   int
	}
	tests := []struct {
		name string
		mk   string
		want []want // in result order
	}{
		{"none suppressed", "ifdef CONFIG_LTO_CLANG_THIN\n" + gate + flags + "\nendif\nendif\n",
			[]want{{"LTO005", 2, false, "", 0}, {"LTO001", 3, false, "", 0}}},
		{"line before, with a reason", "ifdef CONFIG_LTO_CLANG_THIN\n# klpcheck: ignore=LTO005 probed in CI\n" + gate + flags + "\nendif\nendif\n",
			[]want{{"LTO001", 4, false, "", 0}, {"LTO005", 3, true, "probed in CI", 2}}},
		{"on the line, no reason", "ifdef CONFIG_LTO_CLANG_THIN\n" + gate + flags + " # klpcheck: ignore=LTO001\nendif\nendif\n",
			[]want{{"LTO005", 2, false, "", 0}, {"LTO001", 3, true, "-", 3}}},
		{"both", "ifdef CONFIG_LTO_CLANG_THIN\n" + strings.TrimSuffix(gate, "\n") + " # klpcheck: ignore=LTO005 a\n" + flags + " # klpcheck: ignore=LTO001 b\nendif\nendif\n",
			[]want{{"LTO005", 2, true, "a", 2}, {"LTO001", 3, true, "b", 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "Makefile")
			if err := os.WriteFile(path, []byte(tt.mk), 0o644); err != nil {
				t.Fatal(err)
			}
			_, out, errb := klp(t, "lint", "--format", "sarif", path)
			reporttest.ValidateSARIF(t, []byte(out))
			var log sarifSuppressions
			if err := json.Unmarshal([]byte(out), &log); err != nil || len(log.Runs) != 1 {
				t.Fatalf("%v: %s%s", err, out, errb)
			}
			got := log.Runs[0].Results
			if len(got) != len(tt.want) {
				t.Fatalf("%d results, want %d:\n%s", len(got), len(tt.want), out)
			}
			for i, w := range tt.want {
				r := got[i]
				if r.RuleID != w.rule || r.Locations[0].PhysicalLocation.Region.StartLine != w.line {
					t.Errorf("result %d: %s at line %d, want %s at %d", i, r.RuleID, r.Locations[0].PhysicalLocation.Region.StartLine, w.rule, w.line)
				}
				if !w.suppressed {
					if r.Suppressions != nil {
						t.Errorf("result %d (%s): suppressions %+v on a finding no comment suppressed", i, r.RuleID, r.Suppressions)
					}
					continue
				}
				if len(r.Suppressions) != 1 || r.Suppressions[0].Kind != "inSource" {
					t.Fatalf("result %d (%s): suppressions %+v, want one inSource", i, r.RuleID, r.Suppressions)
				}
				s := r.Suppressions[0]
				switch {
				case w.justification == "-" && s.Justification != nil:
					t.Errorf("result %d (%s): justification %q for a comment without a reason", i, r.RuleID, *s.Justification)
				case w.justification != "-" && (s.Justification == nil || *s.Justification != w.justification):
					t.Errorf("result %d (%s): justification %v, want %q", i, r.RuleID, s.Justification, w.justification)
				}
				if s.Location == nil || s.Location.PhysicalLocation.Region.StartLine != w.commentLine {
					t.Errorf("result %d (%s): suppression location %+v, want line %d", i, r.RuleID, s.Location, w.commentLine)
				}
			}
		})
	}
}
