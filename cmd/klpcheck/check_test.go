package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/internal/testenv"
)

// inDir runs the test from dir (check looks at the current directory).
func inDir(t *testing.T, dir string) {
	t.Helper()
	t.Chdir(dir)
}

func TestCheckDemo(t *testing.T) {
	inDir(t, t.TempDir())
	t.Setenv("LD", "")
	t.Setenv("LLVM", "")
	code, out, errb := klp(t, "check")
	if code != 0 {
		t.Fatalf("demo: exit %d, want 0 (it ran)\n%s%s", code, out, errb)
	}
	for _, want := range []string{
		"DEMO", "Suffix reduction: not ready",
		"makefile   fail", "[LTO001]", // the planted fault
		"build      fail", "seq_step", // the asm/C conflict
		"klpcheck check --tree", // how to point it at a real tree
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	// The demo cleans up after itself.
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "klpcheck-demo-*"))
	for _, m := range matches {
		if info, err := os.Stat(m); err == nil && info.ModTime().After(testStart) {
			t.Errorf("demo left %s behind", m)
		}
	}
}

func TestCheckDemoJSONAndSARIF(t *testing.T) {
	inDir(t, t.TempDir())
	code, out, errb := klp(t, "check", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var doc struct {
		Verdict   string                                      `json:"verdict"`
		Status    int                                         `json:"status"`
		Demo      bool                                        `json:"demo"`
		Summary   []areaSummary                               `json:"summary"`
		Probe     json.RawMessage                             `json:"probe"`
		Lint      *struct{ Findings []struct{ Rule string } } `json:"lint"`
		Correlate *struct {
			Conflicts []struct{ Name, Class string }
		} `json:"correlate"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if doc.Verdict != "not ready" || doc.Status != 1 || !doc.Demo || len(doc.Summary) != 3 || doc.Lint == nil || doc.Correlate == nil || len(doc.Probe) == 0 {
		t.Fatalf("got %+v", doc)
	}
	if len(doc.Correlate.Conflicts) != 1 || doc.Correlate.Conflicts[0].Class != "hard" {
		t.Errorf("conflicts = %+v", doc.Correlate.Conflicts)
	}

	code, out, _ = klp(t, "check", "--format", "sarif")
	if code != 0 {
		t.Fatalf("sarif: exit %d", code)
	}
	var log struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct{ Rules []struct{ ID string } }
			}
			Results []struct {
				RuleID    string
				RuleIndex int
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil || log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("sarif: %v %+v", err, log)
	}
	seen := map[string]bool{}
	rules := log.Runs[0].Tool.Driver.Rules
	for _, r := range log.Runs[0].Results {
		if r.RuleIndex < 0 || r.RuleIndex >= len(rules) || rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s points at rule index %d", r.RuleID, r.RuleIndex)
		}
		seen[r.RuleID] = true
	}
	if !seen["LTO001"] || !seen["COR001"] {
		t.Errorf("SARIF lacks the lint finding or the conflict: %v", seen)
	}
}

// kernelBuild makes a kernel-shaped source tree (a lint fixture) and an O=
// build directory beside it with a .config, the LD its Kconfig run
// recorded, and a real ThinLTO vmlinux.o built with clang-22 and ld.lld-22
// from the demo's C sources (without the conflicting assembly unless asm).
func kernelBuild(t *testing.T, layout, ltoMode string, asm bool) (src, out string) {
	t.Helper()
	clang := testenv.Tool(t, "clang-22")
	lld := testenv.Tool(t, "ld.lld-22")
	root := t.TempDir()
	src, out = filepath.Join(root, "linux"), filepath.Join(root, "out")
	if err := os.CopyFS(src, os.DirFS(filepath.Join("..", "..", "fixtures", "lint", layout))); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"Kconfig", "arch"} {
		if err := os.MkdirAll(filepath.Join(src, p), 0o755); err != nil && !os.IsExist(err) {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(out, "include", "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(src, filepath.Join(out, "source")); err != nil {
		t.Fatal(err)
	}
	config := "CONFIG_CC_IS_CLANG=y\nCONFIG_CLANG_VERSION=220108\nCONFIG_LD_IS_LLD=y\nCONFIG_LLD_VERSION=220108\n" + ltoMode + "=y\n"
	write(t, filepath.Join(out, ".config"), config)
	write(t, filepath.Join(out, "include", "config", "auto.conf.cmd"),
		"deps_config := \\\n\tKconfig\n\nifneq \"$(LD)\" \"ld.lld-22\"\ninclude/config/auto.conf: FORCE\nendif\n")
	demo := filepath.Join("..", "..", "fixtures", "demo", "src")
	objs := []string{}
	for _, f := range []string{"seq.c", "proc.c"} {
		o := filepath.Join(out, strings.TrimSuffix(f, ".c")+".o")
		runTool(t, clang, "-O2", "-g", "-flto=thin", "-c", filepath.Join(demo, f), "-o", o)
		objs = append(objs, o)
	}
	if asm {
		o := filepath.Join(out, "entry.o")
		runTool(t, clang, "-g", "-c", filepath.Join(demo, "entry.S"), "-o", o)
		objs = append(objs, o)
	}
	runTool(t, lld, append([]string{"-r", "-o", filepath.Join(out, "vmlinux.o")}, objs...)...)
	return src, out
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func runTool(t *testing.T, tool string, args ...string) {
	t.Helper()
	if out, err := exec.Command(tool, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
}

func TestCheckRealBuild(t *testing.T) {
	t.Setenv("LD", "")
	t.Setenv("LLVM", "")
	t.Setenv("CROSS_COMPILE", "")
	src, out := kernelBuild(t, "layout-b", "CONFIG_LTO_CLANG_THIN", true)
	standin, _ := filepath.Abs("../../fixtures/probe/standin/ld.lld-23.1-standin")

	tests := []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"O= build uses the recorded LD", []string{"check", "--build", out}, 1, []string{
			"Suffix reduction: not ready", "toolchain  fail", "ld.lld-22 22.1.8 refuses",
			"recorded in include/config/auto.conf.cmd", "makefile   ok", "build      fail", "seq_step"}},
		{"an LLVM 23.1 linker (stand-in)", []string{"check", "--build", out, "--ld", standin}, 1, []string{
			"toolchain  ok", "makefile   ok", "build      fail"}},
		{"from inside the build directory", []string{"check"}, 1, []string{"makefile   ok", "build      fail"}},
		{"tree only", []string{"check", "--tree", src, "--ld", standin}, 1, []string{
			"build      skipped", "pass --build OBJDIR"}},
		{"bad path", []string{"check", "--build", filepath.Join(out, "nope")}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "from inside the build directory" {
				inDir(t, out)
			}
			code, stdout, stderr := klp(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			for _, w := range tt.wants {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, stdout)
				}
			}
		})
	}
}

func TestCheckReadyAndNotApplicable(t *testing.T) {
	standin, _ := filepath.Abs("../../fixtures/probe/standin/ld.lld-23.1-standin")
	_, out := kernelBuild(t, "layout-b", "CONFIG_LTO_CLANG_THIN", false)
	code, stdout, _ := klp(t, "check", "--build", out, "--ld", standin, "--max-suffixed", "5")
	if code != 0 || !strings.Contains(stdout, "Suffix reduction: ready") {
		t.Errorf("clean build, 23.1 linker, layout B: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = klp(t, "check", "--build", out, "--ld", standin, "--max-suffixed", "1")
	if code != 1 || !strings.Contains(stdout, "exceed the budget of 1") {
		t.Errorf("budget 1 with 2 suffixed symbols: exit %d\n%s", code, stdout)
	}

	_, full := kernelBuild(t, "layout-b", "CONFIG_LTO_CLANG_FULL", true)
	code, stdout, _ = klp(t, "check", "--build", full)
	if code != 0 || !strings.Contains(stdout, "Suffix reduction: not applicable") {
		t.Errorf("full LTO: exit %d\n%s", code, stdout)
	}
}

// A fresh machine with only Go: the demo still runs, and the toolchain
// section says how to get a linker instead of failing.
func TestCheckDemoWithoutLinkers(t *testing.T) {
	inDir(t, t.TempDir())
	saved := lldSearchDirs
	defer func() { lldSearchDirs = saved }()
	lldSearchDirs = []string{}
	t.Setenv("PATH", t.TempDir())
	code, out, errb := klp(t, "check")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errb)
	}
	for _, want := range []string{"toolchain  skipped", "apt-get install lld-22", "makefile   fail", "build      fail"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// Progress goes to a terminal only: a pipe or a buffer gets nothing.
func TestProgressOnlyOnATerminal(t *testing.T) {
	var buf strings.Builder
	p := newProgress(&buf)
	p.say("probing")
	p.bytes("vmlinux.o", 50, 100)
	p.done()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	pp := newProgress(w)
	pp.say("probing")
	pp.done()
	if buf.Len() != 0 || pp.w != nil {
		t.Errorf("progress written to a non-terminal: %q", buf.String())
	}
}
