package patch

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const original = `line 1
ifdef CONFIG_LTO_CLANG
ifdef CONFIG_LTO_CLANG_THIN
CC_FLAGS_LTO	:= -flto=thin -fsplit-lto-unit
else
CC_FLAGS_LTO	:= -flto
endif
endif
line 9
`

const addLine = `--- a/Makefile
+++ b/Makefile
@@ -2,6 +2,7 @@
 ifdef CONFIG_LTO_CLANG
 ifdef CONFIG_LTO_CLANG_THIN
 CC_FLAGS_LTO	:= -flto=thin -fsplit-lto-unit
+KBUILD_LDFLAGS	+= $(call ld-option,--lto-whole-program-visibility)
 else
 CC_FLAGS_LTO	:= -flto
 endif
`

func parseOne(t *testing.T, text string) *Patch {
	t.Helper()
	ps, err := Parse("test.patch", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 {
		t.Fatalf("%d patches", len(ps))
	}
	return ps[0]
}

func TestApplyAtOffset(t *testing.T) {
	for _, shift := range []int{0, 3, -1} {
		text := original
		switch {
		case shift > 0:
			text = strings.Repeat("pad\n", shift) + text
		case shift < 0:
			text = strings.SplitN(text, "\n", 2)[1]
		}
		docs := map[string]*Doc{"Makefile": NewDoc(text)}
		p := parseOne(t, addLine)
		if f := Apply(docs, p); len(f) != 0 {
			t.Fatalf("shift %d: %v", shift, f[0].Reason)
		}
		d := docs["Makefile"]
		want := 5 + shift
		if d.Lines[want-1] != "KBUILD_LDFLAGS	+= $(call ld-option,--lto-whole-program-visibility)" || d.Origin[want-1] == nil || d.Origin[want-1].Hunk.Index != 1 {
			t.Errorf("shift %d: line %d = %q", shift, want, d.Lines[want-1])
		}
		for i, o := range d.Origin {
			if o != nil && i != want-1 {
				t.Errorf("shift %d: line %d wrongly attributed to the patch", shift, i+1)
			}
		}
	}
}

func TestApplyToleratesMangledWhitespace(t *testing.T) {
	// Mail clients turn tabs into spaces.
	mangled := strings.ReplaceAll(addLine, "CC_FLAGS_LTO	:=", "CC_FLAGS_LTO   :=")
	docs := map[string]*Doc{"Makefile": NewDoc(original)}
	if f := Apply(docs, parseOne(t, mangled)); len(f) != 0 {
		t.Fatal(f[0].Reason)
	}
}

func TestApplyFailures(t *testing.T) {
	t.Run("context missing", func(t *testing.T) {
		docs := map[string]*Doc{"Makefile": NewDoc("something else\n")}
		f := Apply(docs, parseOne(t, addLine))
		if len(f) != 1 || !strings.Contains(f[0].Reason, "does not match") {
			t.Fatalf("%v", f)
		}
	})
	t.Run("file missing", func(t *testing.T) {
		f := Apply(map[string]*Doc{}, parseOne(t, addLine))
		if len(f) != 1 || !strings.Contains(f[0].Reason, "not in the tree") {
			t.Fatalf("%v", f)
		}
	})
	t.Run("overlapping hunks", func(t *testing.T) {
		// The second hunk's context is the line the first hunk removed:
		// it matches only before the end of the first hunk.
		p := `--- a/Makefile
+++ b/Makefile
@@ -4,2 +4,2 @@
-CC_FLAGS_LTO	:= -flto=thin -fsplit-lto-unit
+CC_FLAGS_LTO	:= -flto=thin
 else
@@ -3,2 +3,3 @@
 ifdef CONFIG_LTO_CLANG_THIN
 CC_FLAGS_LTO	:= -flto=thin
+X := 1
`
		docs := map[string]*Doc{"Makefile": NewDoc(original)}
		f := Apply(docs, parseOne(t, p))
		if len(f) != 1 || f[0].Hunk.Index != 2 || !strings.Contains(f[0].Reason, "overlapping") {
			t.Fatalf("%+v", f)
		}
		if got := docs["Makefile"].Lines[3]; got != "CC_FLAGS_LTO	:= -flto=thin" {
			t.Errorf("first hunk not applied: %q", got)
		}
	})
}

func TestCreateFile(t *testing.T) {
	p := "--- /dev/null\n+++ b/arch/Kconfig\n@@ -0,0 +1,2 @@\n+config X\n+\tbool\n"
	docs := map[string]*Doc{}
	if f := Apply(docs, parseOne(t, p)); len(f) != 0 {
		t.Fatal(f[0].Reason)
	}
	if got := docs["arch/Kconfig"].Text(); got != "config X\n\tbool\n" {
		t.Errorf("%q", got)
	}
}

func TestParseMails(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "lint", "patches", "thread.mbox"))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := Parse("thread.mbox", data)
	if err != nil {
		t.Fatal(err)
	}
	// Mail 2 is a reply that quotes mail 1's diff: it is not a patch.
	if len(ps) != 2 || ps[0].Index != 1 || ps[1].Index != 3 {
		t.Fatalf("patches %d", len(ps))
	}
	if !strings.HasPrefix(ps[1].Subject, "[PATCH kbuild v2]") || ps[1].Name() != "thread.mbox#3" {
		t.Errorf("subject %q name %q", ps[1].Subject, ps[1].Name())
	}
	if n := len(ps[0].Files); n != 2 || ps[0].Files[1].Path() != "arch/Kconfig" || ps[0].Files[1].Hunks[0].Index != 2 {
		t.Errorf("v1 has %d files", n)
	}
}

func TestQuotedPrintable(t *testing.T) {
	mail := "From: a@example.org\nSubject: [PATCH] qp\nContent-Transfer-Encoding: quoted-printable\n\n" +
		"--- a/Makefile\n+++ b/Makefile\n@@ -1,1 +1,2 @@\n line 1\n+KBUILD_LDFLAGS +=3D --lto-whole-program-=\nvisibility\n"
	p := parseOne(t, mail)
	if got := p.Files[0].Hunks[0].Lines[1].Text; got != "KBUILD_LDFLAGS += --lto-whole-program-visibility" {
		t.Errorf("%q", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text string
		line       int
		msg        string
	}{
		{"no patch", "just a mail\n> --- a/Makefile\n> +++ b/Makefile\n> @@ -1 +1 @@\n", 0, "no patch found"},
		{"bad header", "--- a/Makefile\n+++ b/Makefile\n@@ -x +1 @@\n", 3, "malformed hunk header"},
		{"short hunk", "--- a/Makefile\n+++ b/Makefile\n@@ -1,3 +1,3 @@\n a\n", 3, "ends early"},
		{"stray line", "--- a/Makefile\n+++ b/Makefile\n@@ -1,2 +1,2 @@\n a\n*b\n", 5, "corrupt patch"},
		{"too long", "--- a/Makefile\n+++ b/Makefile\n@@ -1,1 +1,1 @@\n a\n+b\n", 5, "more lines than its header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.patch", []byte(tt.text))
			var pe *Error
			if !errors.As(err, &pe) || pe.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) {
				t.Fatalf("got %v, want line %d %q", err, tt.line, tt.msg)
			}
		})
	}
}

// FuzzParseApply parses any input as patches and applies them to a small
// file: no panic, errors carry a line inside the input, and applying
// keeps the line origins in step with the lines.
func FuzzParseApply(f *testing.F) {
	f.Add([]byte(addLine))
	f.Add([]byte("--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+a\n"))
	f.Add([]byte("From 1 Mon Sep 17 00:00:00 2001\nSubject: x\n\n--- a/Makefile\n+++ b/Makefile\n@@ -1 +1 @@\n-line 1\n+line one\n"))
	files, _ := filepath.Glob(filepath.Join("..", "..", "fixtures", "lint", "patches", "*"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := Parse("fuzz.patch", data)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("not a *patch.Error: %v", err)
			}
			lines := strings.Count(string(data), "\n") + 1
			if pe.Line < 0 || pe.Line > lines {
				t.Fatalf("error at line %d of %d", pe.Line, lines)
			}
			return
		}
		docs := map[string]*Doc{"Makefile": NewDoc(original)}
		for _, p := range ps {
			placed, _ := ApplyReport(docs, p)
			for _, pl := range placed {
				d := docs[pl.File.Path()]
				if d == nil {
					continue // the patch deleted the file
				}
				if pl.Line < 0 || pl.Line > len(d.Lines) {
					t.Fatalf("hunk %d placed at line %d", pl.Hunk.Index, pl.Line)
				}
			}
		}
		for name, d := range docs {
			if len(d.Lines) != len(d.Origin) {
				t.Fatalf("%s: %d lines, %d origins", name, len(d.Lines), len(d.Origin))
			}
		}
	})
}
