package kconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseFixture(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "lint", "lto009", "arch", "Kconfig"))
	if err != nil {
		t.Fatal(err)
	}
	f := Parse("arch/Kconfig", src)
	if len(f.Problems) != 0 {
		t.Fatalf("problems: %v", f.Problems)
	}
	if len(f.Choices) != 1 || len(f.Choices[0].Members) != 3 || f.Choices[0].Prompt != "Link-time optimisation" {
		t.Fatalf("choices %+v", f.Choices)
	}
	var sr *Symbol
	for _, s := range f.Symbols {
		if s.Name == "LTO_CLANG_THIN_SUFFIX_REDUCTION" {
			sr = s
		}
	}
	if sr == nil {
		t.Fatal("option not found")
	}
	if sr.Type != "bool" || len(sr.Depends) != 2 || len(sr.Defaults) != 1 || sr.Choice != nil {
		t.Errorf("%+v", sr)
	}
	if !strings.HasSuffix(sr.Help, "If unsure, say N.") || !strings.HasPrefix(sr.Help, "ThinLTO renames") {
		t.Errorf("help %q", sr.Help)
	}
	if sr.Depends[1].Pos.Line != 59 || sr.Defaults[0].Pos.Line != 60 {
		t.Errorf("positions %v %v", sr.Depends[1].Pos, sr.Defaults[0].Pos)
	}
}

func TestEvaluate(t *testing.T) {
	src := `
config LTO_CLANG
	bool
	select LTO
config LTO
	bool
config HAS
	def_bool y
	depends on CC_IS_CLANG && LD_IS_LLD
if LTO_CLANG
config OPT
	bool "opt"
	depends on CLANG_VERSION >= 230000
	default y
endif
config INT
	int
	default 5 if HAS
	default 3
config UNSURE
	bool
	default y if SOMETHING_UNKNOWN
`
	f := Parse("Kconfig", []byte(src))
	model := map[string]string{"CC_IS_CLANG": "y", "LD_IS_LLD": "y", "LTO_CLANG": "y", "CLANG_VERSION": "230000"}
	ev := NewEvaluator([]*File{f}, func(n string) (string, bool) { v, ok := model[n]; return v, ok })
	for name, want := range map[string]string{"LTO": "y", "HAS": "y", "OPT": "y", "INT": "5"} {
		if v, ok := ev.Value(name); !ok || v != want {
			t.Errorf("%s = %q (%v), want %q", name, v, ok, want)
		}
	}
	if _, ok := ev.Value("UNSURE"); ok {
		t.Error("UNSURE depends on an unknown symbol and must be unknown")
	}
	model["CLANG_VERSION"] = "220100"
	ev = NewEvaluator([]*File{f}, func(n string) (string, bool) { v, ok := model[n]; return v, ok })
	if v, _ := ev.Value("OPT"); v != "n" {
		t.Errorf("OPT with clang 22 = %q", v)
	}
	gates := ev.Gates("OPT")
	if len(gates) != 1 || gates[0].Bound.Symbol != "CLANG_VERSION" || gates[0].Bound.Min() != 230000 {
		t.Errorf("gates %+v", gates)
	}
}

func TestExpr(t *testing.T) {
	lookup := func(n string) (string, bool) {
		v, ok := map[string]string{"A": "y", "B": "n", "M": "m", "V": "230100"}[n]
		return v, ok
	}
	tests := []struct {
		src  string
		want Tri
	}{
		{"A && !B", Yes},
		{"A && B", No},
		{"M || B", Mod},
		{"V >= 230000", Yes},
		{"V < 230100", No},
		{"230000 <= V", Yes},
		{"(A || B) && V != 230100", No},
		{"U && B", No},
		{"U || A", Yes},
		{"U", Unknown},
		{`A = "y"`, Yes},
	}
	for _, tt := range tests {
		e, err := ParseExpr(tt.src)
		if err != nil {
			t.Fatalf("%s: %v", tt.src, err)
		}
		if got := Eval(e, lookup); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.src, got, tt.want)
		}
	}
	for _, bad := range []string{"A &&", "(A", "A = ", "\"x"} {
		if _, err := ParseExpr(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestUnparsableConditionsAreUnknown: a condition that does not parse is
// a problem at its line and evaluates to unknown, never to true, in
// "depends on", "if" blocks, "select ... if" and "default ... if".
func TestUnparsableConditionsAreUnknown(t *testing.T) {
	src := `config DEP
	bool
	default y
	depends on A &&
if (A
config IN_IF
	bool
	default y
endif
config SEL_BY
	bool
	default y
	select SELECTED if A ||
config SELECTED
	bool
config DEF
	bool
	default y if A (
	default n
config GOOD
	bool
	default y
	depends on A
`
	f := Parse("Kconfig", []byte(src))
	var lines []int
	for _, p := range f.Problems {
		lines = append(lines, p.Pos.Line)
	}
	if len(lines) != 4 || lines[0] != 4 || lines[1] != 5 || lines[2] != 13 || lines[3] != 18 {
		t.Errorf("problems at lines %v (%+v), want 4, 5, 13, 18", lines, f.Problems)
	}
	ev := NewEvaluator([]*File{f}, func(n string) (string, bool) {
		v, ok := map[string]string{"A": "y"}[n]
		return v, ok
	})
	for _, name := range []string{"DEP", "IN_IF", "SELECTED", "DEF"} {
		if v, ok := ev.Value(name); ok {
			t.Errorf("%s = %q, want unknown: its condition does not parse", name, v)
		}
	}
	if v, ok := ev.Value("GOOD"); !ok || v != "y" {
		t.Errorf("GOOD = %q (%v), want y", v, ok)
	}
}
