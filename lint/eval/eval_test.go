package eval

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"klpcheck/internal/testenv"
	"klpcheck/lint/makefile"
	"klpcheck/lint/model"
)

func config(tc model.Toolchain, vars map[string]string) Config {
	pre := map[string]Predefined{}
	for k, v := range vars {
		p := Predefined{Value: v}
		if k == "CONFIG_CLANG_VERSION" {
			p.Taint = &Gate{Subject: "clang", What: k}
		}
		pre[k] = p
	}
	helpers := map[string]bool{}
	for _, h := range Helpers {
		helpers[h] = true
	}
	return Config{
		Vars:      pre,
		Unknown:   func(n string) bool { return strings.Contains(n, "NOT_MODELLED") },
		Toolchain: tc,
		Helpers:   helpers,
	}
}

func run(t *testing.T, src string, cfg Config) *Result {
	t.Helper()
	f, err := makefile.Parse("Makefile", []byte(src), 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(f, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func value(t *testing.T, r *Result, name string) Value {
	t.Helper()
	v, err := r.Value(name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var tc23 = model.Toolchains()[3]
var tc22 = model.Toolchains()[0]

func TestValues(t *testing.T) {
	vars := map[string]string{"CONFIG_LTO_CLANG": "y", "CONFIG_LTO_CLANG_THIN": "y", "CONFIG_CLANG_VERSION": "230100"}
	tests := []struct {
		name, src, want string
	}{
		{"append after simple", "X := a\nX += b\nV := $(X)", "a b"},
		{"recursive sees later value", "X = $(Y)\nY = late\nV := $(X)", "late"},
		{"append to empty", "X :=\nX += b\nV := $(X)", "b"},
		{"conditional assign", "X = a\nX ?= b\nY ?= c\nV := $(X)$(Y)", "ac"},
		{"else if chain", "ifdef CONFIG_LTO_CLANG_FULL\nV = full\nelse ifdef CONFIG_LTO_CLANG_THIN\nV = thin\nelse\nV = none\nendif", "thin"},
		{"concatenated ifneq", "ifneq ($(CONFIG_LTO_CLANG_THIN)$(CONFIG_LTO_CLANG_THIN_DIST),)\nV = thin\nendif", "thin"},
		{"if function", "V := $(if $(CONFIG_LTO_CLANG),yes,no)", "yes"},
		{"ld-option accepted", "V := $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false,no)", "--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false"},
		{"clang-min-version", "V := $(call clang-min-version,230100)$(call clang-min-version,240000)", "y"},
		{"shell version test", "V := $(shell test $(CONFIG_CLANG_VERSION) -ge 230000; echo $$?)", "0"},
		{"filter and patsubst", "V := $(patsubst %.c,%.o,$(filter %.c,a.c b.h c.c))", "a.o c.o"},
		{"subst ref", "X := a.c b.c\nV := $(X:.c=.o)", "a.o b.o"},
		{"foreach and call", "f = <$(1)>\nV := $(foreach x,a b,$(call f,$(x)))", "<a> <b>"},
		{"words", "V := $(words a b c) $(word 2,a b c) $(lastword a b c)", "3 b c"},
		{"strip and sort", "V := $(sort  c  a  b a )", "a b c"},
		{"or and", "V := $(or ,x)$(and a,b)", "xb"},
		{"value and flavor", "X = $(Y)\nV := $(value X) $(flavor X) $(origin X) $(origin NOPE)", "$(Y) recursive file undefined"},
		{"eval", "$(eval X := made)\nV := $(X)", "made"},
		{"override", "override X := a\nX := b\nV := $(X)", "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.src+"\n", config(tc23, vars))
			v := value(t, r, "V")
			if got := v.String(); got != tt.want || !v.Exact() {
				t.Errorf("V = %q (exact %v), want %q", got, v.Exact(), tt.want)
			}
		})
	}
}

func TestProbeUsesPriorLDFLAGS(t *testing.T) {
	// A flag the linker rejects already in KBUILD_LDFLAGS fails every
	// later probe, as "$(LD) $(KBUILD_LDFLAGS) flags -v" would.
	src := "KBUILD_LDFLAGS := -mllvm -always-rename-promoted-locals=false\nKBUILD_LDFLAGS += $(call ld-option,--icf=all,fallback)\n"
	for _, tc := range []model.Toolchain{tc22, tc23} {
		v := value(t, run(t, src, config(tc, nil)), "KBUILD_LDFLAGS").String()
		want := "--icf=all"
		if !tc.Rename {
			want = "fallback"
		}
		if !strings.HasSuffix(v, want) {
			t.Errorf("%s: %q, want it to end in %s", tc.Name, v, want)
		}
	}
}

func TestUnknownNeverDecides(t *testing.T) {
	src := `ifdef CONFIG_NOT_MODELLED
KBUILD_LDFLAGS += --lto-whole-program-visibility
endif
X := $(shell uname -r)
ifeq ($(X),6.1)
Y := a
endif
`
	r := run(t, src, config(tc23, nil))
	v := value(t, r, "KBUILD_LDFLAGS")
	if v.Exact() || len(v) == 0 || !v[0].Info.Maybe {
		t.Errorf("KBUILD_LDFLAGS %q should be there only maybe", v.String())
	}
	if x := value(t, r, "X"); !x.HasUnknown() {
		t.Errorf("$(shell uname -r) must stay unknown, got %q", x.String())
	}
	if len(r.Problems) != 0 {
		t.Errorf("unknown values must not produce problems: %v", r.Problems)
	}
}

func TestGates(t *testing.T) {
	vars := map[string]string{"CONFIG_CLANG_VERSION": "230100"}
	for _, src := range []string{
		"ifeq ($(call clang-min-version,230100),y)\nKBUILD_LDFLAGS += -mllvm -always-rename-promoted-locals=false\nendif\n",
		"KBUILD_LDFLAGS += $(if $(call clang-min-version,230100),-mllvm -always-rename-promoted-locals=false)\n",
		"ifeq ($(shell test $(CONFIG_CLANG_VERSION) -ge 230100; echo $$?),0)\nKBUILD_LDFLAGS += -mllvm -always-rename-promoted-locals=false\nendif\n",
		"X = -mllvm -always-rename-promoted-locals=false\nifneq ($(call test-ge,$(CONFIG_CLANG_VERSION),230100),)\nKBUILD_LDFLAGS += $(X)\nendif\n",
	} {
		v := value(t, run(t, src, config(tc23, vars)), "KBUILD_LDFLAGS")
		words := v.Words()
		if len(words) != 2 {
			t.Fatalf("%s: %q", src, v.String())
		}
		info := words[1].Info()
		if info == nil || len(info.Gates) != 1 {
			t.Fatalf("%s: no gate on %q", src, words[1].Text())
		}
		if g := info.Gates[0]; g.Subject != "clang" || g.At.Line < 1 {
			t.Errorf("%s: gate %+v", src, g)
		}
	}
}

func TestSelfReference(t *testing.T) {
	for _, src := range []string{
		"A = $(A)\nKBUILD_LDFLAGS := $(A)\n",
		"A = $(B)\nB = x $(A)\nKBUILD_LDFLAGS := $(A)\n",
		"f = $(call f,$(1))\nKBUILD_LDFLAGS := $(call f,x)\n",
	} {
		r := run(t, src, config(tc23, nil))
		if len(r.Problems) == 0 || !strings.Contains(r.Problems[0].Msg, "references itself") {
			t.Errorf("%q: problems %v", src, r.Problems)
		}
	}
}

func TestExpansionLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("X0 = abcdefgh\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "X%d = $(X%d)$(X%d)\n", i, i-1, i-1)
	}
	b.WriteString("KBUILD_LDFLAGS := $(X40)\n")
	f, err := makefile.Parse("Makefile", []byte(b.String()), 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(f, config(tc23, nil))
	var le *LimitError
	if !errors.As(err, &le) || le.Pos.Line != 42 {
		t.Fatalf("want a LimitError at line 42, got %v", err)
	}
}

func TestErrorStopsMake(t *testing.T) {
	src := "A := 1\n$(error no LTO for you)\nB := 2\n"
	r := run(t, src, config(tc23, nil))
	if r.Aborted == nil || r.Aborted.Pos.Line != 2 || r.Defined("B") || !r.Defined("A") {
		t.Errorf("aborted %v, A %v, B %v", r.Aborted, r.Defined("A"), r.Defined("B"))
	}
}

// TestShellModelAgainstSh runs version tests through the interpreter and
// through /bin/sh; the commands are the test's own, not a fixture's.
func TestShellModelAgainstSh(t *testing.T) {
	sh := testenv.Tool(t, "sh")
	var cmds []string
	for _, v := range []string{"220100", "230000", "230100", ""} {
		for _, op := range []string{"-ge", "-gt", "-lt", "-le", "-eq", "-ne"} {
			cmds = append(cmds,
				fmt.Sprintf("test %s %s 230000; echo $?", v, op),
				fmt.Sprintf("[ %s0 %s 2300000 ] && echo y", v, op),
				fmt.Sprintf("test %s0 %s 2301000 && echo y || echo n", v, op),
				fmt.Sprintf("if [ \"%s\" = 230100 ]; then echo yes; else echo no; fi", v),
			)
		}
	}
	cmds = append(cmds, "true; echo $?", "false || echo failed", "! test 1 -eq 2 && echo negated",
		"test -n \"\" ; echo $?", "test -z '' && echo empty", "echo -n a; echo b", "test abc; echo $?",
		"echo x >/dev/null; echo y", "{ echo a; echo b; }", "(test 1 -lt 2) && echo sub")
	for _, c := range cmds {
		s := &shellRun{}
		got, ok := s.run(c)
		if !ok {
			t.Errorf("%q: not modelled", c)
			continue
		}
		out, _ := exec.Command(sh, "-c", c).Output()
		if got != string(out) {
			t.Errorf("%q: model %q, sh %q", c, got, out)
		}
	}
	for _, c := range []string{"uname -r", "cat /etc/passwd", "test -f /etc/passwd && echo y", "echo $(id)", "echo *", "X=1 echo $X", "echo a | tr a b"} {
		if _, ok := (&shellRun{}).run(c); ok {
			t.Errorf("%q must not be modelled", c)
		}
	}
}

// TestAgainstMake compares values whose whitespace matters (the
// differential test in package lint normalises it) with GNU make.
func TestAgainstMake(t *testing.T) {
	makePath := testenv.Tool(t, "make")
	for _, src := range []string{
		"E :=\nA = $(E)\nA += x\nB := $(E)\nB += y\nC = a\nC += $(E)\nD := d\nD += $(E)\nF = f\nF +=   \nF += g\n",
		"A = a\nA +=\nB := b\nB +=\nC =\nC += c\nD ?= d\nD += e\n",
		"A := $(strip  a  b )\nB := $(subst a,,aaa)x\nC := $(if  ,t, e )\nD := $(sort b a b)$(words )\n",
		"X = 1\nifeq ($(X), 1)\nA := spaced\nendif\nifeq ( $(X),1)\nB := leading\nendif\n",
	} {
		f, err := makefile.Parse("Makefile", []byte(src), 0)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Run(f, config(tc23, nil))
		if err != nil {
			t.Fatal(err)
		}
		var mk strings.Builder
		var got strings.Builder
		mk.WriteString(src)
		for _, name := range []string{"A", "B", "C", "D", "F"} {
			fmt.Fprintf(&mk, "$(info %s=[$(%s)])\n", name, name)
			fmt.Fprintf(&got, "%s=[%s]\n", name, value(t, r, name).String())
		}
		mk.WriteString("all: ; @:\n")
		dir := t.TempDir()
		path := dir + "/Makefile"
		if err := os.WriteFile(path, []byte(mk.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(makePath, "-R", "-r", "-s", "-f", path)
		cmd.Env = []string{"PATH=/usr/bin:/bin"}
		want, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != string(want) {
			t.Errorf("%q:\nevaluator:\n%sGNU make:\n%s", src, got.String(), want)
		}
	}
}

// TestStoredLimit: a chain of := that each copy the value before grows the
// stored text quadratically and stops at the Stored budget, with the
// statement; as many one-piece assignments as the budget, and more, do not.
func TestStoredLimit(t *testing.T) {
	limits := DefaultLimits
	limits.Stored = 5000
	chain := func(n int) string {
		var b strings.Builder
		b.WriteString("A0 := x\n")
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, "A%d := $(A%d) x\n", i, i-1)
		}
		return b.String()
	}
	flat := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "V%d := v%d\n", i, i)
		}
		return b.String()
	}
	for _, tt := range []struct {
		name, src string
		stopLine  int // 0: no limit error
	}{
		// 1+2+...+n pieces: 99*100/2 = 4950 <= 5000, and one more line
		// takes it over.
		{"chain of 99", chain(99), 0},
		{"chain of 100", chain(100), 100},
		{"chain of 1000", chain(1000), 100},
		// One piece a line: under 4 per line, whatever the budget.
		{"20000 assignments", flat(20000), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := makefile.Parse("Makefile", []byte(tt.src+"KBUILD_LDFLAGS := $(A1)\n"), 0)
			if err != nil {
				t.Fatal(err)
			}
			cfg := config(tc23, nil)
			cfg.Limits = limits
			_, err = Run(f, cfg)
			var le *LimitError
			switch {
			case tt.stopLine == 0 && err != nil:
				t.Fatalf("want no error, got %v", err)
			case tt.stopLine != 0 && (!errors.As(err, &le) || le.Pos.Line != tt.stopLine || !strings.Contains(le.Msg, "pieces of text in all")):
				t.Fatalf("want the Stored limit at line %d, got %v", tt.stopLine, err)
			}
		})
	}
}
