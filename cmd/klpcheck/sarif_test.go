package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/internal/report"
	"klpcheck/internal/report/reporttest"
)

type sarifFingerprinted struct {
	Runs []struct {
		Results []struct {
			RuleID              string            `json:"ruleId"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Locations           []struct {
				PhysicalLocation struct {
					Region struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

// TestSARIFFingerprintsSurviveLineShifts lints a Makefile, then the same
// Makefile with lines added above: every result moves down and keeps its
// fingerprint (the message quotes a line number, which moves too). A
// change to the flagged line itself changes the fingerprint.
func TestSARIFFingerprintsSurviveLineShifts(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(lintFixtures, "lto001-gate.mk"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "Makefile")
	lintSARIF := func(text string) sarifFingerprinted {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		_, out, _ := klp(t, "lint", "--format", "sarif", path)
		reporttest.CheckSARIF(t, []byte(out))
		var log sarifFingerprinted
		if err := json.Unmarshal([]byte(out), &log); err != nil {
			t.Fatal(err)
		}
		return log
	}
	before := lintSARIF(string(src))
	after := lintSARIF("# added\n# lines\n# above\n" + string(src))
	a, b := before.Runs[0].Results, after.Runs[0].Results
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%d results before, %d after", len(a), len(b))
	}
	for i := range a {
		if got, want := b[i].Locations[0].PhysicalLocation.Region.StartLine, a[i].Locations[0].PhysicalLocation.Region.StartLine+3; got != want {
			t.Errorf("result %d (%s) at line %d, want %d", i, a[i].RuleID, got, want)
		}
		if fa, fb := a[i].PartialFingerprints[report.FingerprintKey], b[i].PartialFingerprints[report.FingerprintKey]; fa == "" || fa != fb {
			t.Errorf("result %d (%s): fingerprint %q became %q after an unrelated line shift", i, a[i].RuleID, fa, fb)
		}
	}
	// The rule's finding itself changing (another flag spelling) is a new finding.
	changed := lintSARIF(strings.Replace(string(src), "-always-rename-promoted-locals=false", "-always-rename-promoted-locals", 1))
	same := 0
	for _, r := range changed.Runs[0].Results {
		for _, old := range a {
			if r.PartialFingerprints[report.FingerprintKey] == old.PartialFingerprints[report.FingerprintKey] {
				same++
			}
		}
	}
	if same == len(a) {
		t.Errorf("changing the flagged text kept every fingerprint")
	}
}

// TestFingerprintIgnoresLineNumbers pins what a fingerprint leaves out.
func TestFingerprintIgnoresLineNumbers(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"the version gate X at line 12 admits LLVM 22.1", "the version gate X at line 40 admits LLVM 22.1", true},
		{"Makefile:12:3: bad", "Makefile:14:9: bad", true},
		{"admits LLVM 22.1", "admits LLVM 23.1", false},
		{"flag -mllvm", "flag -mllvm -x", false},
	}
	for _, tt := range tests {
		if got := report.Fingerprint("LTO001", tt.a) == report.Fingerprint("LTO001", tt.b); got != tt.same {
			t.Errorf("Fingerprint(%q) == Fingerprint(%q): %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
}

// TestCorrelateSARIFAtSource: the demo build's hard conflict is located at
// the assembly label's DW_AT_decl_file/decl_line (entry.S:11), with the C
// static (seq.c:4) and the binary as related locations, relative to the
// tree the compile units name.
func TestCorrelateSARIFAtSource(t *testing.T) {
	code, out, errb := klp(t, "correlate", "--format", "sarif", "../../fixtures/demo/build/vmlinux.o")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	reporttest.CheckSARIF(t, []byte(out))
	var log report.SARIFLog
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Results) != 1 || run.Results[0].RuleID != "COR001" {
		t.Fatalf("results %+v", run.Results)
	}
	type place struct {
		uri, base string
		line      int
	}
	at := func(l report.SARIFLocation) place {
		p := place{uri: l.PhysicalLocation.ArtifactLocation.URI, base: l.PhysicalLocation.ArtifactLocation.URIBaseID}
		if r := l.PhysicalLocation.Region; r != nil {
			p.line = r.StartLine
		}
		return p
	}
	res := run.Results[0]
	if got, want := at(res.Locations[0]), (place{"entry.S", "%SRCROOT%", 11}); got != want {
		t.Errorf("location %+v, want %+v", got, want)
	}
	if len(res.RelatedLocations) != 2 {
		t.Fatalf("related %+v", res.RelatedLocations)
	}
	if got, want := at(res.RelatedLocations[0]), (place{"seq.c", "%SRCROOT%", 4}); got != want {
		t.Errorf("related %+v, want %+v", got, want)
	}
	if bin := at(res.RelatedLocations[1]); !strings.HasPrefix(bin.uri, "file:///") || !strings.HasSuffix(bin.uri, "/fixtures/demo/build/vmlinux.o") {
		t.Errorf("binary %+v", bin)
	}
	if root := run.OriginalURIBaseIDs[report.SourceRoot].URI; !strings.HasSuffix(root, "/fixtures/demo/src/") {
		t.Errorf("%%SRCROOT%% = %q, want the demo's source directory", root)
	}
	if !run.Invocations[0].ExecutionSuccessful {
		t.Errorf("invocation %+v", run.Invocations)
	}
}
