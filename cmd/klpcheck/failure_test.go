package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"klpcheck/correlate"
	"klpcheck/lint"
)

// TestWriteFailureStatus: the failure document carries the status the
// process exits with, in JSON (status) and in SARIF (the invocation's
// exitCode) alike: 2 when the command could not run, 130/143 after a
// signal.
func TestWriteFailureStatus(t *testing.T) {
	for _, tt := range []struct {
		format string
		code   int
	}{
		{"json", 2}, {"json", 130}, {"json", 143},
		{"sarif", 2}, {"sarif", 130}, {"sarif", 143},
	} {
		t.Run(tt.format, func(t *testing.T) {
			var out bytes.Buffer
			writeFailure(&out, []string{"klpcheck", "correlate", "--format", tt.format, "x"}, tt.code, "correlate: stopped")
			var doc struct {
				Status *int `json:"status"`
				Runs   []struct {
					Invocations []struct {
						ExecutionSuccessful bool `json:"executionSuccessful"`
						ExitCode            *int `json:"exitCode"`
					} `json:"invocations"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
				t.Fatalf("%v:\n%s", err, out.String())
			}
			got := doc.Status
			if tt.format == "sarif" {
				if len(doc.Runs) != 1 || len(doc.Runs[0].Invocations) != 1 || doc.Runs[0].Invocations[0].ExecutionSuccessful {
					t.Fatalf("want one unsuccessful invocation:\n%s", out.String())
				}
				got = doc.Runs[0].Invocations[0].ExitCode
			}
			if got == nil || *got != tt.code {
				t.Errorf("status %v, want %d:\n%s", got, tt.code, out.String())
			}
		})
	}
}

// TestFailureSARIFDeclaresRules: the SARIF log of a run that could not
// finish declares the command's rules, as its log of a finished run does.
func TestFailureSARIFDeclaresRules(t *testing.T) {
	for _, tt := range []struct {
		command string
		rules   int
	}{
		{"lint", len(lint.SARIFRules())},
		{"correlate", len(correlate.SARIFRules())},
		{"check", len(lint.SARIFRules()) + len(correlate.SARIFRules())},
	} {
		t.Run(tt.command, func(t *testing.T) {
			var out bytes.Buffer
			writeFailure(&out, []string{"klpcheck", tt.command, "--format", "sarif", "x"}, 2, tt.command+": x: no such file")
			var doc struct {
				Runs []struct {
					Tool struct {
						Driver struct {
							Rules []struct {
								ID string `json:"id"`
							} `json:"rules"`
						} `json:"driver"`
					} `json:"tool"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
				t.Fatalf("%v:\n%s", err, out.String())
			}
			if len(doc.Runs) != 1 || len(doc.Runs[0].Tool.Driver.Rules) != tt.rules || tt.rules == 0 {
				t.Errorf("%d runs, rules %+v; want %d rules", len(doc.Runs), doc.Runs, tt.rules)
			}
		})
	}
}
