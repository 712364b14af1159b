package makefile

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestParseGolden dumps the tree of every testdata/parse/*.mk and compares
// it with the .ast file next to it (go test -update rewrites them).
func TestParseGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/parse/*.mk")
	if err != nil || len(files) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range files {
		t.Run(filepath.Base(in), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(filepath.Base(in), src, 0)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := Dump(&got, f); err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(in, ".mk") + ".ast"
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got.String() != string(want) {
				t.Errorf("dump differs from %s (go test -update rewrites it):\n%s", golden, got.String())
			}
		})
	}
}

func TestProblems(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		line    int
		sev     Severity
		msg     string // substring
		suggest string
	}{
		{"shell if", "if CONFIG_X\nA = 1\nfi\n", 1, Fatal, "'if' is not a make directive", "ifdef CONFIG_X"},
		{"shell fi", "A = 1\nfi\n", 2, Fatal, "'fi' is not a make directive", "endif"},
		{"elif", "ifdef A\nelif B\nendif\n", 2, Fatal, "'elif' is not a make directive", "else ifdef B"},
		{"else if", "ifdef A\nelse if CONFIG_B\nendif\n", 2, Misread, "extraneous text after 'else' directive", "else ifdef CONFIG_B"},
		{"endif junk", "ifdef A\nendif A\n", 2, Misread, "extraneous text after 'endif' directive", "endif"},
		{"endif comment is fine", "ifdef A\nendif # A\n", 0, 0, "", ""},
		{"missing endif", "A = 1\nifdef A\nB = 2\n", 2, Fatal, "missing 'endif'", ""},
		{"extra endif", "endif\n", 1, Fatal, "extraneous 'endif'", ""},
		{"extra else", "else\n", 1, Fatal, "extraneous 'else'", ""},
		{"two elses", "ifdef A\nelse\nelse\nendif\n", 3, Fatal, "only one 'else'", ""},
		{"ifdef two words", "ifdef A B\nendif\n", 1, Fatal, "invalid syntax in conditional", ""},
		{"ifeq no paren", "ifeq a b\nendif\n", 1, Fatal, "invalid syntax in conditional", ""},
		{"ifeq unclosed", "ifeq (a,b\nendif\n", 1, Fatal, "invalid syntax in conditional", ""},
		{"ifeq junk", "ifeq (a,b) c\nendif\n", 1, Misread, "extraneous text after 'ifeq'", ""},
		{"ifeq no space", "ifeq(a,b)\nendif\n", 1, Fatal, "needs a space", "ifeq (a,b)"},
		{"missing endef", "define X\nbody\n", 1, Fatal, "missing 'endef'", ""},
		{"endef junk", "define X\nbody\nendef X\n", 3, Misread, "extraneous text after 'endef'", "endef"},
		{"unterminated ref", "A = $(call f,x\n", 1, Fatal, "unterminated", ""},
		{"recipe first", "\tA B\n", 1, Fatal, "recipe commences before first target", ""},
		{"too few args", "A = $(if x)\n", 1, Fatal, "insufficient number of arguments", ""},
		{"missing separator", "just words\n", 1, Fatal, "missing separator", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("Makefile", []byte(tt.src), 0)
			if err != nil {
				t.Fatal(err)
			}
			if tt.line == 0 {
				if len(f.Problems) != 0 {
					t.Fatalf("unexpected problems: %v", f.Problems)
				}
				return
			}
			for _, p := range f.Problems {
				if p.Pos.Line == tt.line && p.Severity == tt.sev && strings.Contains(p.Msg, tt.msg) && p.Suggest == tt.suggest {
					return
				}
			}
			t.Errorf("want line %d %q (suggest %q), got %v", tt.line, tt.msg, tt.suggest, f.Problems)
		})
	}
}

func TestFragmentModeAllowsUnbalanced(t *testing.T) {
	f, err := Parse("Makefile", []byte("endif\nifdef A\nB = 1\nelse\ndefine X\n"), Fragment)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Problems) != 0 {
		t.Errorf("fragments may be unbalanced, got %v", f.Problems)
	}
}

// TestPositions checks that literal offsets map back to the physical line
// and column, across continuation lines and removed backslashes.
func TestPositions(t *testing.T) {
	src := "A = x\nKBUILD_LDFLAGS += $(call ld-option, \\\n\t--lto-whole-program-visibility \\\n    -mllvm -always-rename-promoted-locals=false)\nB = a\\#b -mllvm\n"
	f, err := Parse("Makefile", []byte(src), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Pos{
		"--lto-whole-program-visibility":       {"Makefile", 3, 2},
		"-mllvm":                               {"Makefile", 4, 5},
		"-always-rename-promoted-locals=false": {"Makefile", 4, 12},
	}
	a := f.Nodes[1].(*Assign)
	a.Value.Walk(func(p Part) bool {
		l, ok := p.(*Lit)
		if !ok {
			return true
		}
		for word, pos := range want {
			if i := strings.Index(l.Text, word); i >= 0 {
				if got := l.PosAt(i); got != pos {
					t.Errorf("%s at %v, want %v", word, got, pos)
				}
				delete(want, word)
			}
		}
		return true
	})
	if len(want) > 0 {
		t.Errorf("not found: %v", want)
	}
	// After the escaped '#' lost its backslash, -mllvm is still at its
	// column in the file.
	b := f.Nodes[2].(*Assign)
	l := b.Value.Parts[0].(*Lit)
	if i := strings.Index(l.Text, "-mllvm"); i < 0 || l.PosAt(i) != (Pos{"Makefile", 5, 10}) {
		t.Errorf("-mllvm in %q at %v", l.Text, l.PosAt(i))
	}
}

func TestRecipeOrAssignment(t *testing.T) {
	// A tab-led line continues a rule's recipe, but is a makefile line
	// once an assignment ended the rule.
	src := "all:\n\tKBUILD_LDFLAGS += recipe\nX = 1\n\tKBUILD_LDFLAGS += assign\n"
	f, err := Parse("Makefile", []byte(src), 0)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := f.Nodes[1].(*Recipe)
	if !ok || r.Rule != f.Nodes[0] || !strings.Contains(r.Text, "recipe") {
		t.Fatalf("node 1 = %#v", f.Nodes[1])
	}
	// Should make not be in the rule's context (a rule in a false branch),
	// the same line is an assignment.
	if a, ok := r.Alt.(*Assign); !ok || a.Op != Append {
		t.Errorf("alternative = %#v", r.Alt)
	}
	// After "X = 1" ended the rule, the tab-led line is still kept both
	// ways: "X = 1" might sit in a branch make does not take.
	if r, ok := f.Nodes[3].(*Recipe); !ok || r.Alt == nil {
		t.Errorf("node 3 = %#v, want a recipe line with an alternative", f.Nodes[3])
	}
}

func TestHugeSingleLine(t *testing.T) {
	// 10 MB on one line: linear time, one literal.
	var b strings.Builder
	b.WriteString("KBUILD_LDFLAGS += ")
	for b.Len() < 10<<20 {
		b.WriteString("--icf=all $(X) ")
	}
	f, err := Parse("Makefile", []byte(b.String()), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Nodes) != 1 || len(f.Problems) != 0 {
		t.Fatalf("nodes %d problems %v", len(f.Nodes), f.Problems)
	}
}

func TestDeepConditionals(t *testing.T) {
	var b strings.Builder
	const depth = 1000
	for i := 0; i < depth; i++ {
		b.WriteString("ifdef CONFIG_LTO_CLANG\n")
	}
	b.WriteString("KBUILD_LDFLAGS += x\n")
	for i := 0; i < depth; i++ {
		b.WriteString("endif\n")
	}
	f, err := Parse("Makefile", []byte(b.String()), 0)
	if err != nil {
		t.Fatal(err)
	}
	n, levels := f.Nodes, 0
	for len(n) == 1 {
		c, ok := n[0].(*Cond)
		if !ok {
			break
		}
		levels++
		n = c.Branches[0].Body
	}
	if levels != depth || len(f.Problems) != 0 {
		t.Errorf("levels %d, problems %v", levels, f.Problems)
	}
}

func TestDeepReferencesLimit(t *testing.T) {
	src := "A = " + strings.Repeat("$(strip ", MaxDepth+10) + strings.Repeat(")", MaxDepth+10) + "\n"
	_, err := Parse("Makefile", []byte(src), 0)
	var le *LimitError
	if !errors.As(err, &le) || le.Pos.Line != 1 {
		t.Fatalf("want a LimitError at line 1, got %v", err)
	}
}

func TestUnbalancedReferences(t *testing.T) {
	// A million unclosed references: one problem, no quadratic scan.
	src := "A = " + strings.Repeat("$(", 1<<20) + "\n"
	f, err := Parse("Makefile", []byte(src), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Problems) != 1 || !strings.Contains(f.Problems[0].Msg, "unterminated") {
		t.Fatalf("problems %v", f.Problems)
	}
}

// FuzzParse checks that any input parses without panicking, and that every
// node and problem points inside the file.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/parse/*.mk")
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err == nil {
			f.Add(src)
		}
	}
	for _, s := range []string{
		"ifdef A\nelse ifeq ($(a),b)\nendif\n",
		"A = $(call f,${x,y},$(if a,b,c))\n",
		"define X\n\tendef\nendef\n",
		"x: ; \\\n\t$(A)\n",
		"A := a\\\\\\\nb\r\n",
		"$(",
		"ifeq \"a\" 'b'\nendif",
		// Continuation lines: blanks before the backslash, lines of
		// blanks only, backslash runs, a CR, a backslash at the end.
		"A := a  \\\n   \\\n\t b \\\\\\\n c\n",
		"X = \\\n\\\n\\\n",
		"B := x \t\\\r\n  y\\",
		"\\\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := Parse("Makefile", src, 0)
		if err != nil {
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("error is not a LimitError: %v", err)
			}
			return
		}
		maxLine := file.Lines + 1
		check := func(p Pos, what string) {
			if p.Line < 1 || p.Line > maxLine || p.File != "Makefile" {
				t.Fatalf("%s at %v outside the file (%d lines)", what, p, file.Lines)
			}
		}
		for _, pr := range file.Problems {
			check(pr.Pos, "problem "+pr.Msg)
		}
		Inspect(file.Nodes, func(n Node) bool {
			check(n.Pos(), "node")
			return true
		})
		if err := Dump(&bytes.Buffer{}, file); err != nil {
			t.Fatal(err)
		}
	})
}

// TestCRLFSameAsLF: GNU make drops the CR before each newline, so a
// makefile with CRLF line ends parses to the same tree, positions
// included, as with LF ends (continuation lines too).
func TestCRLFSameAsLF(t *testing.T) {
	files, _ := filepath.Glob("testdata/parse/*.mk")
	if len(files) == 0 {
		t.Fatal("no parser goldens")
	}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		dump := func(src []byte) string {
			f, err := Parse("Makefile", src, 0)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := Dump(&b, f); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}
		lf := dump(src)
		crlf := dump(bytes.ReplaceAll(src, []byte("\n"), []byte("\r\n")))
		if lf != crlf {
			t.Errorf("%s: CRLF parses differently:\n%s", name, firstLineDiff(lf, crlf))
		}
	}
}

func firstLineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d: LF %q, CRLF %q", i+1, al[i], bl[i])
		}
	}
	return "(lengths differ)"
}
