package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// asMain makes the test binary run as klpcheck when the completion and
// terminal tests start it: the shell scripts need an executable.
const asMain = "KLPCHECK_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMain) == "1" {
		os.Exit(runWithSignals(os.Args, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestLintConventionUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"lint", "--disable", "LTO005,LTO999", lintFixtures + "lto001.mk"}, `unknown rule "LTO999" in --disable; the rules are`},
		{[]string{"lint", "--enable", "NOPE", lintFixtures + "lto001.mk"}, `unknown rule "NOPE" in --enable`},
		{[]string{"lint", "--severity", "fatal", lintFixtures + "lto001.mk"}, `unknown severity "fatal": use error, warning or note`},
		{[]string{"lint", "--color", "yes", lintFixtures + "lto001.mk"}, `unknown --color "yes": use auto, always or never`},
		{[]string{"check", "--color", "sometimes"}, `unknown --color "sometimes"`},
		{[]string{"lint", "--list-rules", "--format", "sarif"}, "--list-rules prints text or json"},
		{[]string{"man", "extra"}, "man takes no arguments"},
	}
	for _, tt := range tests {
		code, out, errb := klp(t, tt.args...)
		if code != 2 || !strings.Contains(errb, tt.msg) {
			t.Errorf("%v: exit %d, stderr %q (want 2 and %q), stdout %q", tt.args, code, errb, tt.msg, out)
		}
	}
}

func TestLintConventions(t *testing.T) {
	const red = "\033[1;31merror\033[0m"
	tests := []struct {
		name    string
		args    []string
		code    int
		has     []string
		hasNot  []string
		envNoCo bool
	}{
		{name: "disable the error", args: []string{"--disable", "lto001"}, code: 0, hasNot: []string{"[LTO001]"}},
		{name: "disable a comma list", args: []string{"--disable", "LTO001,LTO005"}, code: 0, hasNot: []string{"[LTO001]", "[LTO005]"}},
		{name: "enable one", args: []string{"--enable", "LTO005"}, code: 0, has: []string{"[LTO005]"}, hasNot: []string{"[LTO001]"}},
		{name: "severity error", args: []string{"--severity", "error"}, code: 1, has: []string{"[LTO001]"}, hasNot: []string{"[LTO005]"}},
		{name: "quiet", args: []string{"--quiet"}, code: 1, has: []string{"[LTO001]", "klpcheck lint: 1 error"}, hasNot: []string{"evaluated ", "files read:"}},
		{name: "color always", args: []string{"--color", "always"}, code: 1, has: []string{red, "\033[1;35mwarning\033[0m", "\033[1;31mklpcheck lint: 1 error"}},
		{name: "color always beats NO_COLOR", args: []string{"--color=always"}, code: 1, has: []string{red}, envNoCo: true},
		{name: "color never", args: []string{"--color", "never"}, code: 1, has: []string{": error: "}, hasNot: []string{"\033["}},
		{name: "auto: not a terminal", args: nil, code: 1, has: []string{": error: "}, hasNot: []string{"\033["}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.envNoCo {
				t.Setenv("NO_COLOR", "1")
			}
			args := append(append([]string{"lint"}, tt.args...), lintFixtures+"lto001-gate.mk")
			code, out, errb := klp(t, args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %s", code, tt.code, errb)
			}
			for _, s := range tt.has {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tt.hasNot {
				if strings.Contains(out, s) {
					t.Errorf("output has %q:\n%s", s, out)
				}
			}
		})
	}
}

// TestColorOnTerminal runs klpcheck on a pseudo-terminal (script(1)):
// --color auto colors there, unless NO_COLOR is set or TERM is dumb.
func TestColorOnTerminal(t *testing.T) {
	scriptTool, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) (util-linux) is not installed: no pseudo-terminal to test on")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	fixture, _ := filepath.Abs(lintFixtures + "lto001-gate.mk")
	tests := []struct {
		name  string
		env   []string
		color bool
	}{
		{"pipe", []string{"TERM=xterm-256color"}, false},
		{"terminal", []string{"TERM=xterm-256color"}, true},
		{"NO_COLOR", []string{"TERM=xterm-256color", "NO_COLOR=1"}, false},
		{"TERM=dumb", []string{"TERM=dumb"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(scriptTool, "-qec", self+" lint --quiet "+fixture, "/dev/null")
			if tt.name == "pipe" { // stdout is a pipe to this test, not the terminal
				cmd = exec.Command(self, "lint", "--quiet", fixture)
			}
			cmd.Env = append(append(os.Environ(), asMain+"=1", "NO_COLOR="), tt.env...)
			out, _ := cmd.Output()
			got := strings.Contains(string(out), "\033[1;31merror\033[0m")
			if !strings.Contains(string(out), "[LTO001]") || got != tt.color {
				t.Errorf("colored %v, want %v:\n%q", got, tt.color, out)
			}
		})
	}
}

func TestLintListRulesJSON(t *testing.T) {
	code, out, errb := klp(t, "lint", "--list-rules", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var list []struct{ ID, Name, Severity, Summary string }
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	ids := map[string]string{}
	for _, r := range list {
		if r.Name == "" || r.Summary == "" {
			t.Errorf("%+v", r)
		}
		ids[r.ID] = r.Severity
	}
	if ids["LTO001"] != "error" || ids["IGNORE001"] != "note" || ids["PATCH001"] != "warning" {
		t.Errorf("rules: %v", ids)
	}
	_, text, _ := klp(t, "lint", "--list-rules")
	if !strings.Contains(text, "IGNORE001  note") {
		t.Errorf("text listing:\n%s", text)
	}
}

func TestLintSuppressionCLI(t *testing.T) {
	dir := t.TempDir()
	mk := "ifdef CONFIG_LTO_CLANG_THIN\n# klpcheck: ignore=LTO005 probed in CI\nifeq ($(call clang-min-version,230000),y)\n" +
		"KBUILD_LDFLAGS += --lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false # klpcheck: ignore=LTO001 not 23.0.0git\n" +
		"endif\nendif\n"
	path := filepath.Join(dir, "Makefile")
	os.WriteFile(path, []byte(mk), 0o644)
	code, out, errb := klp(t, "lint", path)
	if code != 0 || !strings.Contains(out, "no findings in 12 configurations (2 suppressed") {
		t.Errorf("exit %d:\n%s%s", code, out, errb)
	}
	code, out, _ = klp(t, "lint", "--format", "json", path)
	var doc struct {
		Suppressed []struct{ Rule, Reason string } `json:"suppressed"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || len(doc.Suppressed) != 2 || doc.Suppressed[1].Reason != "not 23.0.0git" {
		t.Errorf("exit %d, %v: %+v", code, err, doc)
	}
}

func TestHelpShowsExamples(t *testing.T) {
	app := newApp(nil, nil)
	for _, c := range app.VisibleCommands() {
		if c.Name == "help" {
			continue
		}
		code, out, _ := klp(t, c.Name, "--help")
		if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "klpcheck "+c.Name) {
			t.Errorf("klpcheck %s --help: exit %d, no examples:\n%s", c.Name, code, out)
		}
	}
}

func TestManPage(t *testing.T) {
	code, out, errb := klp(t, "man")
	if code != 0 || !strings.HasPrefix(out, ".nh\n.TH klpcheck 1") {
		t.Fatalf("exit %d: %q %s", code, out[:min(len(out), 80)], errb)
	}
	// Each command's examples too, not only the flags.
	for _, s := range []string{".SH COMMANDS", "lint", "--severity", "--disable", "correlate", "Examples:", "klpcheck lint --disable LTO005,LTO009", "klpcheck check --tree ~/linux", "klpcheck completion bash >"} {
		if !strings.Contains(out, s) {
			t.Errorf("man page lacks %q", s)
		}
	}
	if man, err := exec.LookPath("man"); err == nil {
		cmd := exec.Command(man, "-l", "-")
		cmd.Stdin = strings.NewReader(out)
		cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "MANWIDTH=80")
		if rendered, err := cmd.Output(); err != nil || !strings.Contains(string(rendered), "klpcheck") {
			t.Errorf("man -l -: %v\n%s", err, rendered)
		}
	}
}

// check --quiet: the verdict, its area lines and lint's findings; --color
// colors the verdict, the area statuses and the severities.
func TestCheckQuietAndColor(t *testing.T) {
	inDir(t, t.TempDir())
	saved := lldSearchDirs
	defer func() { lldSearchDirs = saved }()
	lldSearchDirs = []string{} // no linker: the demo's toolchain area is skipped, quickly
	t.Setenv("PATH", t.TempDir())
	code, out, errb := klp(t, "check", "--quiet", "--color", "always")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errb)
	}
	for _, want := range []string{"Suffix reduction: \033[1;31mnot ready\033[0m\n", "  makefile   \033[1;31mfail   \033[0m  ", "\033[1;31merror\033[0m: ", "[LTO001]"} {
		if !strings.Contains(out, want) {
			t.Errorf("quiet colored output lacks %q:\n%q", want, out)
		}
	}
	for _, unwanted := range []string{"== ", "DEMO", "files read:"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("quiet output has %q:\n%s", unwanted, out)
		}
	}
	_, out, _ = klp(t, "check", "--color", "never")
	if strings.Contains(out, "\033[") || !strings.Contains(out, "== Next") || !strings.Contains(out, "  makefile   fail   ") {
		t.Errorf("plain output:\n%s", out)
	}
}
