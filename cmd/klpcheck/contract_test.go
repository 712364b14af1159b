package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	correlatefixtures "klpcheck/fixtures/correlate"
	"klpcheck/internal/report/reporttest"
	"klpcheck/internal/testenv"
)

// nullableMembers are the members documented as "null unless asked for" (or
// "null when unknown"); any other null in a document breaks the contract
// that a documented list is [] and a documented object is present.
var nullableMembers = map[string]bool{
	// probe
	"config": true, "ldflags_alone": true, "supported": true, "link_test": true,
	// lint
	"patch": true, "hunk": true, "invocation": true,
	// correlate
	"twins": true, "budget": true, "prediction": true, "renames": true, "build": true, "dwarf": true,
	// check
	"probe": true, "lint": true, "correlate": true,
}

// walkNulls reports every null in a decoded document that is not a
// documented nullable member, by its path (findings[0].configs).
func walkNulls(v any, path string, bad *[]string) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if x[k] == nil {
				if !nullableMembers[k] {
					*bad = append(*bad, p)
				}
				continue
			}
			walkNulls(x[k], p, bad)
		}
	case []any:
		for i, e := range x {
			p := fmt.Sprintf("%s[%d]", path, i)
			if e == nil {
				*bad = append(*bad, p)
				continue
			}
			walkNulls(e, p, bad)
		}
	}
}

// checkJSONDocument checks that out is exactly one JSON document, valid
// against schema/<schema>.schema.json, with no null where a list or an
// always-present object is documented. It returns the decoded document.
func checkJSONDocument(t *testing.T, schema string, out string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not a JSON document: %v\n%s", err, out)
	}
	if dec.More() {
		t.Fatalf("more than one JSON document:\n%s", out)
	}
	reporttest.Validate(t, schemaPath(t, schema), []byte(out))
	var bad []string
	walkNulls(doc, "", &bad)
	if len(bad) > 0 {
		t.Errorf("null where the %s document promises a list or an object: %s", schema, strings.Join(bad, ", "))
	}
	return doc
}

type contractCase struct {
	name   string
	args   []string
	schema string // JSON schema name, or "sarif"
	codes  []int  // acceptable exit statuses
}

func runContractCases(t *testing.T, cases []contractCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errb := klp(t, tt.args...)
			if !slices.Contains(tt.codes, code) {
				t.Fatalf("%v: exit %d, want one of %v\nstdout:\n%s\nstderr:\n%s", tt.args, code, tt.codes, out, errb)
			}
			if tt.schema == "sarif" {
				reporttest.ValidateSARIF(t, []byte(out))
				return
			}
			doc := checkJSONDocument(t, tt.schema, out)
			if tt.schema == "error" && (doc["error"] == "" || doc["status"] != float64(code)) {
				t.Errorf("error document %v for exit %d", doc, code)
			}
		})
	}
}

// TestJSONContractLintAndCheck: lint on every fixture and the demo check,
// in JSON and SARIF, and each command that cannot run.
func TestJSONContractLintAndCheck(t *testing.T) {
	var cases []contractCase
	entries, err := os.ReadDir(lintFixtures)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "patches" {
			continue
		}
		path := filepath.Join(lintFixtures, e.Name())
		cases = append(cases,
			contractCase{"lint json " + e.Name(), []string{"lint", "--format", "json", path}, "lint", []int{0, 1}},
			contractCase{"lint sarif " + e.Name(), []string{"lint", "--format", "sarif", path}, "sarif", []int{0, 1}})
	}
	patches, _ := filepath.Glob(filepath.Join(lintFixtures, "patches", "*"))
	for _, p := range patches {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			cases = append(cases, contractCase{"lint json patch " + filepath.Base(p), []string{"lint", "--format", "json", "--patch", p, filepath.Join(lintFixtures, "layout-a")}, "lint", []int{0, 1, 2}})
			break
		}
	}
	missing := filepath.Join(t.TempDir(), "missing")
	cases = append(cases,
		contractCase{"lint cannot read", []string{"lint", "--format", "json", missing}, "error", []int{2}},
		contractCase{"lint cannot read sarif", []string{"lint", "--format=sarif", missing}, "sarif", []int{2}},
		contractCase{"correlate cannot read", []string{"correlate", missing, "--format", "json"}, "error", []int{2}},
		contractCase{"correlate usage", []string{"correlate", "--format", "json"}, "error", []int{2}},
		contractCase{"correlate cannot read sarif", []string{"correlate", "--format", "sarif", missing}, "sarif", []int{2}},
		contractCase{"probe bad config", []string{"probe", "--format", "json", "--config", missing}, "error", []int{2}},
		contractCase{"probe usage", []string{"probe", "--format", "json", "--timeout", "-1s"}, "error", []int{2}},
		contractCase{"check usage", []string{"check", "--format", "json", "stray"}, "error", []int{2}},
		contractCase{"check usage sarif", []string{"check", "--format", "sarif", "stray"}, "sarif", []int{2}},
	)
	if _, err := os.Stat(filepath.Join(testenv.Tool(t, "ld.lld-22"))); err == nil {
		cases = append(cases,
			contractCase{"check demo json", []string{"check", "--format", "json"}, "check", []int{0}},
			contractCase{"check demo sarif", []string{"check", "--format", "sarif"}, "sarif", []int{0}})
	}
	runContractCases(t, cases)
}

// TestJSONContractProbe probes real linkers (and one that does not exist)
// with and without --config and --ldflags.
func TestJSONContractProbe(t *testing.T) {
	lld := testenv.Tool(t, "ld.lld-22")
	cfg := filepath.Join(t.TempDir(), ".config")
	if err := os.WriteFile(cfg, []byte("CONFIG_LTO_CLANG_THIN=y\nCONFIG_LD_IS_LLD=y\nCONFIG_LLD_VERSION=220108\nCONFIG_CC_IS_CLANG=y\nCONFIG_CLANG_VERSION=220108\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runContractCases(t, []contractCase{
		{"one linker", []string{"probe", "--format", "json", "--ld", lld}, "probe", []int{1}},
		{"config and ldflags", []string{"probe", "--format", "json", "--ld", lld, "--config", cfg, "--ldflags", "-z noexecstack"}, "probe", []int{1}},
		{"missing linker", []string{"probe", "--format", "json", "--ld", "ld.lld-no-such-version"}, "probe", []int{2}},
	})
}

// TestJSONContractCorrelate runs correlate on the real fixtures in every
// mode, in JSON and SARIF.
func TestJSONContractCorrelate(t *testing.T) {
	set := buildCorrelateFixtures(t)
	orig, patched, header := set.Variants["orig"], set.Variants["patched"], set.Variants["header"]
	var cases []contractCase
	for _, args := range [][]string{
		{orig.VmlinuxO},
		{"--build", orig.Dir, orig.VmlinuxO},
		{"--build", set.Archives, orig.VmlinuxO},
		{"--max-suffixed", "2", "--build", orig.Dir, orig.VmlinuxO},
		{"--against", orig.VmlinuxO, header.VmlinuxO},
		{"--against", orig.Vmlinux, patched.Vmlinux},
		{"--predict", "--build", orig.Dir, "--against", orig.VmlinuxO, patched.VmlinuxO},
		{orig.Objects[0]},
	} {
		name := strings.Join(args, " ")
		cases = append(cases,
			contractCase{"json " + name, append([]string{"correlate", "--format", "json"}, args...), "correlate", []int{0, 1}},
			contractCase{"sarif " + name, append([]string{"correlate", "--format", "sarif"}, args...), "sarif", []int{0, 1}})
	}
	runContractCases(t, cases)
}

// buildCorrelateFixtures builds the correlate fixtures with the real tools.
func buildCorrelateFixtures(t *testing.T) *correlatefixtures.Set {
	t.Helper()
	testenv.Tool(t, correlatefixtures.ToolNames.Clang)
	testenv.Tool(t, correlatefixtures.ToolNames.LLD)
	testenv.Tool(t, correlatefixtures.ToolNames.AR)
	tools, err := correlatefixtures.FindTools()
	if err != nil {
		t.Fatal(err)
	}
	set, err := correlatefixtures.Build(t.TempDir(), tools)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestFailureDocumentOnlyForMachineFormats: text and formats a command does
// not write get no document on stdout, only the reason on stderr.
func TestFailureDocumentOnlyForMachineFormats(t *testing.T) {
	for _, args := range [][]string{
		{"lint", "/nonexistent/klpcheck"},
		{"probe", "--format", "sarif"},
		{"correlate", "--format", "xml", "/nonexistent/klpcheck"},
		{"explain", "NOPE001"},
	} {
		code, out, errb := klp(t, args...)
		if code != 2 || out != "" || errb == "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2, nothing, the reason", args, code, out, errb)
		}
	}
}
