package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/correlate"
	"klpcheck/internal/report"
)

// TestCorrelateCommand runs "klpcheck correlate" on the real fixtures, built
// once for all subtests (clang-22, ld.lld-22, llvm-ar-22).
func TestCorrelateCommand(t *testing.T) {
	set := buildCorrelateFixtures(t)
	orig, patched, header := set.Variants["orig"], set.Variants["patched"], set.Variants["header"]
	notELF := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notELF, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A vmlinux.o cut off in the middle, as a full disk leaves it.
	whole, err := os.ReadFile(orig.VmlinuxO)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(t.TempDir(), "vmlinux.o")
	if err := os.WriteFile(truncated, whole[:len(whole)/2], 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		args   []string
		status int
		stdout []string // substrings
		stderr string
	}{
		{"missing file", []string{"--max-suffixed", "16", set.Arches[0].Relocatable + ".missing"}, report.ExitError, nil, "cannot open"},
		{"hard conflict exits 1", []string{"--build", orig.Dir, orig.VmlinuxO}, report.ExitFindings,
			[]string{"Suffixed .llvm.<hash> symbols: 10 functions, 6 data (5 modules)", "hard     clash_hard", "latent   clash_latent", "Result: 1 hard conflict(s)"}, ""},
		{"within budget, clean", []string{"--max-suffixed", "2", "--build", orig.Dir, orig.Objects[0]}, report.ExitClean,
			[]string{"0 within the budget of 2", "Result: clean"}, ""},
		{"budget exceeded", []string{"--max-suffixed", "15", "--build", orig.Dir, orig.VmlinuxO}, report.ExitFindings,
			[]string{"16 EXCEEDS the budget of 15", "16 suffixed symbols (functions+data) exceed the budget of 15"}, ""},
		{"flags after the file", []string{orig.VmlinuxO, "--against", orig.VmlinuxO, "--format", "json"}, report.ExitFindings,
			[]string{`"unmatched_orig": []`, `"renamed": []`}, ""},
		{"ambiguous twins exit 1", []string{"--against", orig.VmlinuxO, header.VmlinuxO}, report.ExitFindings,
			[]string{"4 ambiguous", "symbol(s) with ambiguous twins"}, ""},
		{"renamed twins", []string{"--against", orig.Vmlinux, patched.Vmlinux}, report.ExitFindings,
			[]string{"seq_state -> seq_state.llvm.", "[same-file-demangled; suffix-gained]"}, ""},
		{"sarif", []string{"--format", "sarif", "--build", set.Archives, orig.VmlinuxO}, report.ExitFindings,
			[]string{`"ruleId": "COR001"`, `"uri": "lib.a",`, `"uriBaseId": "BUILDROOT"`, `"text": "the global clash_hard"`, `"startLine": `, `"version": "2.1.0"`}, ""},
		{"predict", []string{"--predict", "--build", orig.Dir, "--against", orig.VmlinuxO, patched.VmlinuxO}, report.ExitFindings,
			[]string{"Prediction with suffix reduction (LLVM 23 rule:", "m_next, m_stop: 3 copies, 2 keep .llvm.<hash> [same-name; link order decides]", "link-failure   clash_hard", "Renames against orig:"}, ""},
		{"no file", nil, report.ExitError, nil, "missing FILE"},
		{"bad format", []string{"--format", "xml", orig.Vmlinux}, report.ExitError, nil, `unknown --format "xml"`},
		{"bad flag", []string{"--nope", orig.Vmlinux}, report.ExitError, nil, "unknown flag --nope"},
		{"not ELF", []string{notELF}, report.ExitError, nil, "not an ELF file"},
		{"bitcode", []string{filepath.Join(orig.Dir, "core.o")}, report.ExitError, nil, "LLVM bitcode (an LTO object before linking)"},
		{"bad against", []string{"--against", notELF, orig.Vmlinux}, report.ExitError, nil, "notes.txt"},
		{"truncated", []string{truncated}, report.ExitError, nil, "vmlinux.o: section header table offset 0x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			status := run(append([]string{"klpcheck", "correlate"}, tt.args...), &out, &errb)
			if status != tt.status {
				t.Fatalf("status %d, want %d\nstdout:\n%s\nstderr:\n%s", status, tt.status, out.String(), errb.String())
			}
			for _, want := range tt.stdout {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, out.String())
				}
			}
			if tt.stderr != "" && !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("stderr %q lacks %q", errb.String(), tt.stderr)
			}
			if tt.status == report.ExitError && out.Len() != 0 {
				t.Errorf("nothing belongs on stdout when the command cannot run: %q", out.String())
			}
		})
	}

	// The command prints exactly what the library writes, and its JSON is
	// the documented document.
	t.Run("same as the library", func(t *testing.T) {
		opts := correlate.Options{Against: orig.VmlinuxO, BuildDir: orig.Dir, MaxSuffixed: 2}
		res, err := correlate.Analyze(patched.VmlinuxO, opts)
		if err != nil {
			t.Fatal(err)
		}
		var lib, cli, errb bytes.Buffer
		if err := correlate.WriteJSON(&lib, res); err != nil {
			t.Fatal(err)
		}
		status := run([]string{"klpcheck", "correlate", "--format=json", "--against", orig.VmlinuxO, "--build", orig.Dir, "--max-suffixed=2", patched.VmlinuxO}, &cli, &errb)
		if status != res.Status || !bytes.Equal(lib.Bytes(), cli.Bytes()) {
			t.Fatalf("status %d (library %d); outputs differ:\n%s\n---\n%s", status, res.Status, cli.String(), lib.String())
		}
		var doc map[string]any
		if err := json.Unmarshal(cli.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if doc["status"] != float64(1) || doc["budget"].(map[string]any)["exceeded"] != true {
			t.Errorf("status %v, budget %v", doc["status"], doc["budget"])
		}
	})
}
