package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/internal/report/reporttest"
	"klpcheck/lint/rules"
)

const lintFixtures = "../../fixtures/lint/"

func TestLintExitStatuses(t *testing.T) {
	tests := []struct {
		args []string
		code int
		out  string // substring of stdout
	}{
		{[]string{"lint", lintFixtures + "layout-b"}, 0, "klpcheck lint: no findings in 12 configurations"},
		{[]string{"lint", lintFixtures + "layout-c"}, 0, "in 16 configurations"},
		{[]string{"lint", lintFixtures + "lto001.mk"}, 1, "lto001.mk:182:50: error: "},
		{[]string{"lint", lintFixtures + "lto005.mk"}, 0, "warning: the hard-coded version gate"},
		{[]string{"lint", "--werror", lintFixtures + "lto005.mk"}, 1, "[LTO005]"},
		{[]string{"lint", lintFixtures + "lto005.mk", "--werror"}, 1, "[LTO005]"},
		{[]string{"lint", "--patch", lintFixtures + "patches/v2.patch", lintFixtures + "layout-a"}, 0, "no findings"},
		{[]string{"lint", "--patch", lintFixtures + "patches/v1.mbox", lintFixtures + "layout-a"}, 1, "patch: " + lintFixtures + "patches/v1.mbox, hunk 1"},
		{[]string{"lint", lintFixtures + "layout-a", "--patch", lintFixtures + "patches/thin-dist.patch", "--patch", lintFixtures + "patches/v2.patch"}, 0, "[PATCH001]"},
	}
	for _, tt := range tests {
		code, out, errb := klp(t, tt.args...)
		if code != tt.code || !strings.Contains(out, tt.out) {
			t.Errorf("%v: exit %d (want %d), stdout:\n%s\nstderr: %s", tt.args, code, tt.code, out, errb)
		}
	}
}

func TestLintDefaultPathIsCurrentDirectory(t *testing.T) {
	// The test runs in cmd/klpcheck, which has no Makefile.
	code, _, errb := klp(t, "lint")
	if code != 2 || !strings.Contains(errb, "no Makefile in this directory") {
		t.Errorf("exit %d, stderr %q", code, errb)
	}
}

func TestLintJSON(t *testing.T) {
	code, out, _ := klp(t, "lint", "--format", "json", lintFixtures+"lto003.mk")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		Findings []struct {
			Rule, Severity, File, Message string
			Line, Column                  int
			Configs                       []string
			Patch                         *string
			Hunk                          *int
		} `json:"findings"`
		ConfigsEvaluated int `json:"configs_evaluated"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if doc.ConfigsEvaluated != 16 || len(doc.Findings) != 1 {
		t.Fatalf("%+v", doc)
	}
	f := doc.Findings[0]
	if f.Rule != "LTO003" || f.Severity != "error" || f.Line != 184 || f.Patch != nil || f.Hunk != nil ||
		len(f.Configs) != 1 || f.Configs[0] != "THIN_DIST with LLVM 23.0.0git (in-process only)" {
		t.Errorf("%+v", f)
	}
}

func TestLintSARIF(t *testing.T) {
	code, out, _ := klp(t, "lint", lintFixtures+"lto009", "--format", "sarif")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
			OriginalURIBaseIDs map[string]struct {
				URI string `json:"uri"`
			} `json:"originalUriBaseIds"`
		} `json:"runs"`
	}
	reporttest.ValidateSARIF(t, []byte(out))
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "klpcheck" {
		t.Fatalf("%+v", log)
	}
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) != len(rules.All()) || len(run.Results) != 4 {
		t.Fatalf("%d rules, %d results", len(run.Tool.Driver.Rules), len(run.Results))
	}
	for _, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID || len(r.Locations) != 1 || r.Locations[0].PhysicalLocation.Region.StartLine == 0 {
			t.Errorf("%+v", r)
		}
	}
	// The path in the tree, relative to %SRCROOT%, which names the tree
	// given on the command line.
	if loc := run.Results[2].Locations[0].PhysicalLocation.ArtifactLocation; loc.URI != "arch/Kconfig" || loc.URIBaseID != "%SRCROOT%" {
		t.Errorf("location %+v", loc)
	}
	if root := run.OriginalURIBaseIDs["%SRCROOT%"].URI; !strings.HasPrefix(root, "file:///") || !strings.HasSuffix(root, "/fixtures/lint/lto009/") {
		t.Errorf("%%SRCROOT%% = %q", root)
	}
}

func TestLintExplain(t *testing.T) {
	code, out, _ := klp(t, "lint", "--explain", "lto003")
	if code != 0 || !strings.HasPrefix(out, "LTO003 (flags-reach-distributed-thinlto, error)") ||
		!strings.Contains(out, "Bad:") || !strings.Contains(out, "Good:") || !strings.Contains(out, "clang-min-version,230100") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, out, errb := klp(t, "lint", "--explain", "LTO999")
	if code != 2 || out != "" || !strings.Contains(errb, `unknown rule "LTO999"`) || !strings.Contains(errb, "LTO001, LTO002") || !strings.Contains(errb, "PATCH001") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errb)
	}
	code, out, _ = klp(t, "lint", "--list-rules")
	if code != 0 || strings.Count(out, "\n") != len(rules.All()) || !strings.HasPrefix(out, "LTO001     error") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestLintCouldNotRun(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "bad.patch")
	if err := os.WriteFile(corrupt, []byte("--- a/Makefile\n+++ b/Makefile\n@@ -1,3 +1,3 @@\n a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		err  string
	}{
		{[]string{"lint", filepath.Join(dir, "missing")}, "missing: no such file or directory"},
		{[]string{"lint", "--patch", corrupt, lintFixtures + "layout-a"}, corrupt + ":3: corrupt patch"},
		{[]string{"lint", "--format", "xml", lintFixtures + "layout-a"}, `unknown --format "xml"`},
		{[]string{"lint", "--patch", lintFixtures + "patches/v2.patch", "a", "b"}, "--patch takes one PATH, got 2"},
		{[]string{"lint", "a", "--build", "b", "c"}, "--build takes one PATH, got 2"},
		{[]string{"lint", "--patch", "-", "-"}, "standard input (-) can be read once"},
		{[]string{"lint", "-", lintFixtures + "lto001.mk", "-"}, "standard input (-) can be read once"},
	}
	for _, tt := range tests {
		code, out, errb := klp(t, tt.args...)
		if code != 2 || out != "" || !strings.Contains(errb, tt.err) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", tt.args, code, out, errb)
		}
	}
}

func TestLintStdin(t *testing.T) {
	f, err := os.Open(lintFixtures + "lto004.mk")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	saved := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = saved }()
	code, out, errb := klp(t, "lint", "-")
	if code != 1 || !strings.HasPrefix(out, "<stdin>:181:36: error: ") || !strings.Contains(out, "[LTO004]") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errb)
	}
}
