package lint

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"klpcheck/internal/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const fixtures = "../fixtures/lint/"

// fixtureCase is an input and what it must produce.
type fixtureCase struct {
	name    string
	path    string
	patches []string
	rules   []string // error and warning rule IDs, sorted, duplicates removed
	exit    int
}

var fixtureCases = []fixtureCase{
	{name: "layout-a", path: "layout-a", rules: []string{"LTO006"}, exit: 0},
	{name: "layout-b", path: "layout-b", exit: 0},
	{name: "layout-c", path: "layout-c", exit: 0},
	{name: "layout-d", path: "layout-d", exit: 0},
	{name: "lto001", path: "lto001.mk", rules: []string{"LTO001"}, exit: 1},
	{name: "lto001-gate", path: "lto001-gate.mk", rules: []string{"LTO001", "LTO005"}, exit: 1},
	{name: "lto002", path: "lto002.mk", rules: []string{"LTO002"}, exit: 1},
	{name: "lto003", path: "lto003.mk", rules: []string{"LTO003"}, exit: 1},
	{name: "lto004", path: "lto004.mk", rules: []string{"LTO004"}, exit: 1},
	{name: "lto005", path: "lto005.mk", rules: []string{"LTO005"}, exit: 0},
	{name: "lto005-shell", path: "lto005-shell.mk", rules: []string{"LTO005"}, exit: 0},
	{name: "lto006", path: "lto006.mk", rules: []string{"LTO006"}, exit: 0},
	{name: "lto007", path: "lto007.mk", rules: []string{"LTO006", "LTO007"}, exit: 1},
	{name: "lto008", path: "lto008.mk", rules: []string{"LTO008"}, exit: 0},
	{name: "lto009", path: "lto009", rules: []string{"LTO001", "LTO005", "LTO009"}, exit: 1},
	{name: "lto010", path: "lto010.mk", rules: []string{"LTO010"}, exit: 1},
	{name: "lto010-recipe", path: "lto010-recipe.mk", rules: []string{"LTO006", "LTO010"}, exit: 1},
	{name: "suppressed", path: "suppressed.mk", rules: []string{"LTO001"}, exit: 1},
	{name: "v2-on-a", path: "layout-a", patches: []string{"patches/v2.patch"}, exit: 0},
	{name: "v1-on-a", path: "layout-a", patches: []string{"patches/v1.mbox"}, rules: []string{"LTO001", "LTO005", "LTO009"}, exit: 1},
	{name: "v1-on-makefile", path: "layout-a/Makefile", patches: []string{"patches/v1.mbox"}, rules: []string{"LTO001", "LTO005", "LTO009", "PATCH001"}, exit: 1},
	{name: "thread-on-a", path: "layout-a", patches: []string{"patches/thread.mbox"}, rules: []string{"LTO001", "LTO005", "LTO009", "PATCH001"}, exit: 1},
	{name: "thin-dist-on-c", path: "layout-c", patches: []string{"patches/thin-dist.patch"}, rules: []string{"LTO003"}, exit: 1},
}

func (c fixtureCase) options() Options {
	o := Options{Path: fixtures + c.path}
	for _, p := range c.patches {
		o.Patches = append(o.Patches, fixtures+p)
	}
	return o
}

func ruleSet(r *Result) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range r.Findings {
		if f.Severity != "note" && !seen[f.Rule] {
			seen[f.Rule] = true
			out = append(out, f.Rule)
		}
	}
	sort.Strings(out)
	return out
}

func TestFixtures(t *testing.T) {
	for _, c := range fixtureCases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Run(c.options())
			if err != nil {
				t.Fatal(err)
			}
			if got := ruleSet(res); strings.Join(got, ",") != strings.Join(c.rules, ",") {
				var text bytes.Buffer
				res.WriteText(&text)
				t.Errorf("rules %v, want %v\n%s", got, c.rules, text.String())
			}
			if got := res.ExitCode(false); got != c.exit {
				t.Errorf("exit %d, want %d", got, c.exit)
			}
			if len(c.rules) > 0 && c.exit == 0 && res.ExitCode(true) != 1 {
				t.Errorf("--werror must turn the warnings into exit 1")
			}
		})
	}
}

// TestGolden compares the three output formats of every case with
// testdata/golden (go test -update rewrites them).
func TestGolden(t *testing.T) {
	for _, c := range fixtureCases {
		res, err := Run(c.options())
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range []report.Format{report.Text, report.JSON, report.SARIF} {
			var got bytes.Buffer
			switch format {
			case report.Text:
				err = res.WriteText(&got)
			case report.JSON:
				err = res.WriteJSON(&got)
			default:
				err = res.WriteSARIF(&got, "test")
			}
			if err != nil {
				t.Fatal(err)
			}
			// SARIF declares the tree as an absolute file URI: name the
			// checkout's directory alike wherever it is.
			if repo, err := filepath.Abs(".."); err == nil {
				got = *bytes.NewBuffer(bytes.ReplaceAll(got.Bytes(), []byte("file://"+filepath.ToSlash(repo)+"/"), []byte("file:///REPO/")))
			}
			golden := filepath.Join("testdata", "golden", c.name+"."+string(format))
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -update writes it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("%s differs (go test -update rewrites it): %s", golden, firstDiff(got.String(), string(want)))
			}
		}
	}
}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got  %q\n want %q", i+1, gl, wl)
		}
	}
	return "(same lines)"
}

func caseNamed(t *testing.T, name string) fixtureCase {
	t.Helper()
	for _, c := range fixtureCases {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no case %s", name)
	return fixtureCase{}
}

func TestJSONSchema(t *testing.T) {
	res, err := Run(caseNamed(t, "v1-on-a").options())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := res.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Findings []map[string]any `json:"findings"`
		Configs  int              `json:"configs_evaluated"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Configs != 12 || len(doc.Findings) == 0 {
		t.Fatalf("configs %d findings %d", doc.Configs, len(doc.Findings))
	}
	for _, f := range doc.Findings {
		for _, k := range []string{"rule", "severity", "file", "line", "column", "message", "configs", "patch", "hunk"} {
			if _, ok := f[k]; !ok {
				t.Errorf("finding without %q: %v", k, f)
			}
		}
	}
	// The LTO001 finding names the patch and its first hunk, at the
	// post-image line of the added flags.
	for _, f := range res.Findings {
		if f.Rule == "LTO001" {
			if f.Patch == nil || *f.Patch != fixtures+"patches/v1.mbox" || *f.Hunk != 1 || f.Line != 182 || f.File != "Makefile" {
				t.Errorf("LTO001 at %s:%d patch %v hunk %v", f.File, f.Line, f.Patch, f.Hunk)
			}
			if strings.Join(f.Configs, ";") != "THIN with LLVM 23.0.0git (before the option)" {
				t.Errorf("configs %v", f.Configs)
			}
		}
	}
}

func TestInputErrors(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.patch")
	os.WriteFile(corrupt, []byte("--- a/Makefile\n+++ b/Makefile\n@@ -1,5 +1,5 @@\n a\n"), 0o644)
	tests := []struct {
		name string
		opts Options
		file string
		line int
	}{
		{"missing path", Options{Path: filepath.Join(dir, "nope")}, filepath.Join(dir, "nope"), 0},
		{"dir without Makefile", Options{Path: dir}, dir, 0},
		{"missing patch", Options{Path: fixtures + "layout-a", Patches: []string{filepath.Join(dir, "none.patch")}}, filepath.Join(dir, "none.patch"), 0},
		{"corrupt patch", Options{Path: fixtures + "layout-a", Patches: []string{corrupt}}, corrupt, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(tt.opts)
			var ie *InputError
			if !errors.As(err, &ie) || ie.File != tt.file || ie.Line != tt.line {
				t.Fatalf("got %v, want an InputError at %s:%d", err, tt.file, tt.line)
			}
		})
	}
}

func TestStdin(t *testing.T) {
	src, err := os.ReadFile(fixtures + "lto001.mk")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(Options{Path: "-", Stdin: bytes.NewReader(src)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].File != "<stdin>" || res.Findings[0].Rule != "LTO001" {
		t.Fatalf("%+v", res.Findings)
	}
}

// Hardening: inputs issue 5 will throw at lint. Each must finish with a
// result or an InputError, never hang, panic or exhaust the stack.

func lintSource(t *testing.T, src string) (*Result, error) {
	t.Helper()
	return Run(Options{Path: "-", Stdin: strings.NewReader(src)})
}

func TestHugeSingleLineMakefile(t *testing.T) {
	var b strings.Builder
	b.WriteString("KBUILD_LDFLAGS := ")
	for b.Len() < 10<<20 {
		b.WriteString("--icf=all -mllvm -import-instr-limit=5 ")
	}
	b.WriteString("\n")
	res, err := lintSource(t, b.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 {
		t.Errorf("findings: %+v", res.Findings[0])
	}
}

func TestDeeplyNestedConditionals(t *testing.T) {
	var b strings.Builder
	b.WriteString("KBUILD_LDFLAGS :=\n")
	for i := 0; i < 1000; i++ {
		b.WriteString([]string{"ifdef CONFIG_LTO_CLANG\n", "ifneq ($(CONFIG_LTO_CLANG_THIN),)\n"}[i%2])
	}
	b.WriteString("KBUILD_LDFLAGS += --lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false\n")
	for i := 0; i < 1000; i++ {
		b.WriteString("endif\n")
	}
	res, err := lintSource(t, b.String())
	if err != nil {
		t.Fatal(err)
	}
	// The flags reach THIN (and only THIN), unguarded: LTO001 for the two
	// toolchains whose lld rejects them.
	if got := ruleSet(res); strings.Join(got, ",") != "LTO001" || len(res.Findings[0].Configs) != 2 {
		t.Errorf("rules %v %+v", got, res.Findings)
	}
}

func TestRecursiveDefinitions(t *testing.T) {
	res, err := lintSource(t, "A = $(B)\nB = -mllvm $(A)\nKBUILD_LDFLAGS := $(A)\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Rule != "LTO010" || res.Findings[0].Line != 2 || len(res.Findings[0].Configs) != 12 {
		t.Errorf("%+v", res.Findings)
	}
	// Expansion that doubles forty times is stopped, with a position.
	var b strings.Builder
	b.WriteString("X0 = --icf=all\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "X%d = $(X%d) $(X%d)\n", i, i-1, i-1)
	}
	b.WriteString("KBUILD_LDFLAGS := $(X40)\n")
	_, err = lintSource(t, b.String())
	var ie *InputError
	if !errors.As(err, &ie) || ie.File != "<stdin>" || ie.Line != 42 {
		t.Fatalf("want an InputError at <stdin>:42, got %v", err)
	}
}

func TestOverlappingHunks(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "overlap.patch")
	os.WriteFile(p, []byte(`--- a/Makefile
+++ b/Makefile
@@ -153,2 +153,2 @@
-CC_FLAGS_LTO	:= -flto=thin -fsplit-lto-unit
+CC_FLAGS_LTO	:= -flto=thin
 else
@@ -152,2 +152,3 @@
 ifdef CONFIG_LTO_CLANG_THIN
 CC_FLAGS_LTO	:= -flto=thin
+KBUILD_LDFLAGS += -mllvm -always_rename_promoted_locals=false
`), 0o644)
	res, err := Run(Options{Path: fixtures + "layout-a", Patches: []string{p}})
	if err != nil {
		t.Fatal(err)
	}
	var patchFinding, fragment bool
	for _, f := range res.Findings {
		if f.Rule == "PATCH001" && *f.Hunk == 2 && strings.Contains(f.Message, "overlapping") {
			patchFinding = true
		}
		// The added line of the hunk that did not apply is still linted.
		if f.Rule == "LTO007" && f.Hunk != nil && *f.Hunk == 2 && f.Line == 154 {
			fragment = true
		}
	}
	if !patchFinding || !fragment {
		var text bytes.Buffer
		res.WriteText(&text)
		t.Errorf("PATCH001 %v, fragment LTO007 %v\n%s", patchFinding, fragment, text.String())
	}
}

// FuzzLint runs the whole of lint (parse, evaluate every configuration,
// rules) on any Makefile: it must end in a result or an InputError with a
// position, never a panic.
func FuzzLint(f *testing.F) {
	paths, _ := filepath.Glob(fixtures + "*.mk")
	more, _ := filepath.Glob(filepath.Join("testdata", "make", "*.mk"))
	for _, p := range append(paths, more...) {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(src)
		}
	}
	f.Add([]byte("A = $(A)\nKBUILD_LDFLAGS := $(A) $(call ld-option,-mllvm)\n"))
	f.Add([]byte("ifeq ($(shell test $(CONFIG_CLANG_VERSION) -ge 230000 && echo y),y)\n\tKBUILD_LDFLAGS += x\nendif\n"))
	f.Add([]byte("f = $(call f,$(1)x)\n$(eval $(call f,1))\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		res, err := Run(Options{Path: "-", Stdin: bytes.NewReader(src)})
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.File != "<stdin>" {
				t.Fatalf("not an InputError on <stdin>: %v", err)
			}
			return
		}
		for _, f := range res.Findings {
			if f.Line < 0 || f.Column < 0 || f.Rule == "" {
				t.Fatalf("finding %+v", f)
			}
		}
	})
}
