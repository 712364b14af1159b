package lint

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/lint/rules"
)

// TestRuleExamples lints each rule's documented bad example, which must
// trigger the rule, and its good example, which must not. They are
// evaluated in a tree whose arch/Kconfig offers none, FULL, THIN and
// THIN_DIST (the Kconfig examples are added to it).
func TestRuleExamples(t *testing.T) {
	kconfig, err := os.ReadFile(fixtures + "layout-c/arch/Kconfig")
	if err != nil {
		t.Fatal(err)
	}
	lintExample := func(t *testing.T, example string) *Result {
		t.Helper()
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "arch"), 0o755)
		mk, kc := example, string(kconfig)
		if strings.Contains(example, "\nconfig ") || strings.HasPrefix(strings.TrimSpace(example), "config ") {
			mk, kc = "KBUILD_LDFLAGS :=\n", kc+"\n"+example+"\n"
		}
		os.WriteFile(filepath.Join(dir, "Makefile"), []byte(mk), 0o644)
		os.WriteFile(filepath.Join(dir, "arch", "Kconfig"), []byte(kc), 0o644)
		res, err := Run(Options{Path: dir})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	fired := func(res *Result, id string) bool {
		for _, f := range res.Findings {
			if f.Rule == id && f.Severity != "note" {
				return true
			}
		}
		return false
	}
	for _, r := range rules.All() {
		if r.Run == nil {
			continue
		}
		t.Run(r.ID, func(t *testing.T) {
			if res := lintExample(t, r.Bad); !fired(res, r.ID) {
				var b bytes.Buffer
				res.WriteText(&b)
				t.Errorf("the bad example does not trigger %s:\n%s\n%s", r.ID, r.Bad, b.String())
			}
			if res := lintExample(t, r.Good); fired(res, r.ID) {
				var b bytes.Buffer
				res.WriteText(&b)
				t.Errorf("the good example triggers %s:\n%s\n%s", r.ID, r.Good, b.String())
			}
		})
	}
}

func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range rules.All() {
		if seen[r.ID] {
			t.Errorf("duplicate %s", r.ID)
		}
		seen[r.ID] = true
		if r.Name == "" || r.Summary == "" || len(r.Doc) < 100 || r.Bad == "" || r.Good == "" {
			t.Errorf("%s is not documented", r.ID)
		}
		switch r.Severity {
		case rules.Error, rules.Warning:
		case rules.Note:
			// Only a note about klpcheck's own comments: a rule of the
			// Makefile that is only ever a note would be noise.
			if r != rules.IGNORE001 {
				t.Errorf("%s: severity note", r.ID)
			}
		default:
			t.Errorf("%s: severity %q", r.ID, r.Severity)
		}
		text := r.Explain()
		if !strings.Contains(text, "Bad:") || !strings.Contains(text, "Good:") || !strings.HasPrefix(text, r.ID) {
			t.Errorf("%s: --explain text:\n%s", r.ID, text)
		}
	}
	for i := 1; i <= 10; i++ {
		if id := fmt.Sprintf("LTO%03d", i); !seen[id] {
			t.Errorf("%s missing", id)
		}
	}
	if r, ok := rules.Lookup("lto003"); !ok || r.ID != "LTO003" {
		t.Error("Lookup is not case-insensitive")
	}
	if _, ok := rules.Lookup("LTO999"); ok {
		t.Error("Lookup found LTO999")
	}
}
