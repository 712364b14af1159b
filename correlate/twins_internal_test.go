package correlate

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"klpcheck/correlate/elfsym"
	"klpcheck/correlate/internal/elfgen"
)

// Shorthands for synthetic symbol tables: locals first, as ELF requires.
func file(name string) elfgen.Symbol {
	return elfgen.Symbol{Name: name, Info: elfgen.Info(elfsym.STBLocal, elfsym.STTFile), Shndx: 0xfff1}
}
func lfunc(name string) elfgen.Symbol {
	return elfgen.Symbol{Name: name, Info: elfgen.Info(elfsym.STBLocal, elfsym.STTFunc), Shndx: elfgen.Text}
}
func lobj(name string) elfgen.Symbol {
	return elfgen.Symbol{Name: name, Info: elfgen.Info(elfsym.STBLocal, elfsym.STTObject), Shndx: elfgen.Data}
}
func lnotype(name string) elfgen.Symbol {
	return elfgen.Symbol{Name: name, Info: elfgen.Info(elfsym.STBLocal, elfsym.STTNotype), Shndx: elfgen.Text}
}
func gfunc(name string) elfgen.Symbol {
	return elfgen.Symbol{Name: name, Info: elfgen.Info(elfsym.STBGlobal, elfsym.STTFunc), Shndx: elfgen.Text}
}
func gnotype(name string) elfgen.Symbol {
	return elfgen.Symbol{Name: name, Info: elfgen.Info(elfsym.STBGlobal, elfsym.STTNotype), Shndx: elfgen.Text}
}
func gabs(name string) elfgen.Symbol {
	return elfgen.Symbol{Name: name, Info: elfgen.Info(elfsym.STBGlobal, elfsym.STTNotype), Shndx: 0xfff1}
}

func synthetic(t *testing.T, name string, syms ...elfgen.Symbol) *image {
	t.Helper()
	b, _ := elfgen.Write(elfgen.Spec{Class64: true, Symbols: syms})
	f, err := elfsym.New(bytes.NewReader(b), int64(len(b)), name)
	if err != nil {
		t.Fatal(err)
	}
	img, err := scanFile(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestTwinRules exercises each rule of the matching on synthetic tables,
// one behaviour per case.
func TestTwinRules(t *testing.T) {
	tests := []struct {
		name             string
		orig, patched    []elfgen.Symbol
		renamed          []string // "orig -> patched rule changes"
		ambiguous        []string // "side symbol: candidates"
		unmatchedOrig    []string
		unmatchedPatched []string
		skipped          map[string]int
		unchanged        int
	}{
		{
			name:      "exact global names",
			orig:      []elfgen.Symbol{gfunc("kmain"), gfunc("core_api")},
			patched:   []elfgen.Symbol{gfunc("core_api"), gfunc("kmain")},
			unchanged: 2,
		},
		{
			name:    "promotion hash changed",
			orig:    []elfgen.Symbol{gfunc("twice.llvm.111")},
			patched: []elfgen.Symbol{gfunc("twice.llvm.222")},
			renamed: []string{"twice.llvm.111 -> twice.llvm.222 demangled hash"},
		},
		{
			name:    "nested __UNIQUE_ID loses both numbers",
			orig:    []elfgen.Symbol{gfunc("__UNIQUE_ID_addressable___UNIQUE_ID_pci_invalid_bar_694_695")},
			patched: []elfgen.Symbol{gfunc("__UNIQUE_ID_addressable___UNIQUE_ID_pci_invalid_bar_702_703")},
			renamed: []string{"__UNIQUE_ID_addressable___UNIQUE_ID_pci_invalid_bar_694_695 -> __UNIQUE_ID_addressable___UNIQUE_ID_pci_invalid_bar_702_703 demangled name"},
		},
		{
			name:             "NOTYPE symbols are not demangled",
			orig:             []elfgen.Symbol{gnotype("entry.1")},
			patched:          []elfgen.Symbol{gnotype("entry.2")},
			unmatchedOrig:    []string{"entry.1"},
			unmatchedPatched: []string{"entry.2"},
		},
		{
			name:    "static added: global to local",
			orig:    []elfgen.Symbol{gfunc("helper")},
			patched: []elfgen.Symbol{file("a.c"), lfunc("helper")},
			renamed: []string{"helper -> helper global-to-local global-to-local"},
		},
		{
			name:    "promoted by ThinLTO: local to promoted global",
			orig:    []elfgen.Symbol{file("seq.c"), lobj("seq_state")},
			patched: []elfgen.Symbol{gfunc("seq_state.llvm.77")},
			renamed: []string{"seq_state -> seq_state.llvm.77 local-to-global-demangled suffix-gained,local-to-global"},
		},
		{
			name:      "same-named statics of two files pair by file",
			orig:      []elfgen.Symbol{file("a.c"), lfunc("helper"), file("b.c"), lfunc("helper")},
			patched:   []elfgen.Symbol{file("b.c"), lfunc("helper"), file("a.c"), lfunc("helper")},
			unchanged: 2,
		},
		{
			name:    "same-file pairs promoted locals of a final link",
			orig:    []elfgen.Symbol{file("a.c"), lfunc("m_next.llvm.1"), file("b.c"), lfunc("m_next.llvm.2")},
			patched: []elfgen.Symbol{file("a.c"), lfunc("m_next.llvm.3"), file("b.c"), lfunc("m_next.llvm.4")},
			renamed: []string{
				"m_next.llvm.1 -> m_next.llvm.3 same-file-demangled hash",
				"m_next.llvm.2 -> m_next.llvm.4 same-file-demangled hash",
			},
		},
		{
			name:             "two candidates: ambiguous, never guessed",
			orig:             []elfgen.Symbol{gfunc("m_next.llvm.1")},
			patched:          []elfgen.Symbol{gfunc("m_next.llvm.2"), gfunc("m_next.llvm.3")},
			ambiguous:        []string{"orig m_next.llvm.1 demangled: m_next.llvm.2, m_next.llvm.3"},
			unmatchedPatched: nil,
		},
		{
			// The mirror image: two originals for one patched symbol. A
			// guess would pair the first original and call the other gone.
			name:      "two candidates on the original side: ambiguous, never guessed",
			orig:      []elfgen.Symbol{gfunc("m_next.llvm.1"), gfunc("m_next.llvm.2")},
			patched:   []elfgen.Symbol{gfunc("m_next.llvm.3")},
			ambiguous: []string{"orig m_next.llvm.1 demangled: m_next.llvm.3", "orig m_next.llvm.2 demangled: m_next.llvm.3"},
		},
		{
			name:    "the suffix map resolves what demangling cannot",
			orig:    []elfgen.Symbol{gfunc("anchor.llvm.1"), gfunc("m_next.llvm.1"), gfunc("m_next.llvm.5")},
			patched: []elfgen.Symbol{gfunc("anchor.llvm.2"), gfunc("m_next.llvm.2"), gfunc("m_next.llvm.6")},
			renamed: []string{
				"anchor.llvm.1 -> anchor.llvm.2 demangled hash",
				"m_next.llvm.1 -> m_next.llvm.2 suffix-map hash",
				// Once the first pair is made, the other is the only candidate left.
				"m_next.llvm.5 -> m_next.llvm.6 demangled hash",
			},
		},
		{
			name: "a contradicted suffix map is not used",
			orig: []elfgen.Symbol{gfunc("a.llvm.1"), gfunc("bb.llvm.1"), gfunc("m_next.llvm.1"), gfunc("m_next.llvm.5")},
			patched: []elfgen.Symbol{gfunc("a.llvm.2"), gfunc("bb.llvm.3"), gfunc("m_next.llvm.2"), gfunc("m_next.llvm.6"),
				gfunc("m_next.llvm.3")},
			renamed: []string{
				"a.llvm.1 -> a.llvm.2 demangled hash",
				"bb.llvm.1 -> bb.llvm.3 demangled hash",
			},
			ambiguous: []string{
				"orig m_next.llvm.1 demangled: m_next.llvm.2, m_next.llvm.3, m_next.llvm.6",
				"orig m_next.llvm.5 demangled: m_next.llvm.2, m_next.llvm.3, m_next.llvm.6",
			},
		},
		{
			name: "never correlated: skipped and counted",
			orig: []elfgen.Symbol{file("a.c"), lobj("__already_done.12"), lfunc(".Ltmp0"), lnotype("$x"),
				gfunc("__pfx_kmain"), gfunc("__cfi_kmain"), gfunc("__initcall__kmod_a__123_4_init"), gabs("SIZEOF_X"), gfunc("kmain")},
			patched:   []elfgen.Symbol{file("a.c"), lobj("__already_done.13"), gfunc("__pfx_kmain"), gfunc("kmain")},
			unchanged: 1,
			skipped:   map[string]int{"static-local": 2, "local-label": 1, "mapping-symbol": 1, "prefix": 3, "initcall": 1, "absolute": 1},
		},
		{
			name:             "gone and new",
			orig:             []elfgen.Symbol{gfunc("old_api"), gfunc("kmain")},
			patched:          []elfgen.Symbol{gfunc("kmain"), gfunc("new_api")},
			unchanged:        1,
			unmatchedOrig:    []string{"old_api"},
			unmatchedPatched: []string{"new_api"},
		},
		{
			name:          "klp-diff keeps one-character bases whole",
			orig:          []elfgen.Symbol{file("a.c"), lobj("a.1")},
			patched:       []elfgen.Symbol{file("a.c"), lobj("a.2")},
			unmatchedOrig: []string{"a.1"}, unmatchedPatched: []string{"a.2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tw := correlateTwins(synthetic(t, "orig.o", tt.orig...), synthetic(t, "patched.o", tt.patched...))
			var renamed, ambiguous, uo, up []string
			for _, r := range tw.Renamed {
				renamed = append(renamed, fmt.Sprintf("%s -> %s %s %s", r.Orig, r.Patched, r.Rule, strings.Join(r.Changes, ",")))
			}
			for _, a := range tw.Ambiguous {
				ambiguous = append(ambiguous, fmt.Sprintf("%s %s %s: %s", a.Side, a.Symbol, a.Rule, strings.Join(a.Candidates, ", ")))
			}
			for _, s := range tw.UnmatchedOrig {
				uo = append(uo, s.Name)
			}
			for _, s := range tw.UnmatchedPatched {
				up = append(up, s.Name)
			}
			check := func(what string, got, want []string) {
				t.Helper()
				sort.Strings(got)
				sort.Strings(want)
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("%s:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			}
			check("renamed", renamed, tt.renamed)
			check("ambiguous", ambiguous, tt.ambiguous)
			check("unmatched orig", uo, tt.unmatchedOrig)
			check("unmatched patched", up, tt.unmatchedPatched)
			if tw.Unchanged != tt.unchanged {
				t.Errorf("unchanged %d, want %d", tw.Unchanged, tt.unchanged)
			}
			if tt.skipped != nil && fmt.Sprint(tw.SkippedBy) != fmt.Sprint(tt.skipped) {
				t.Errorf("skipped %v, want %v", tw.SkippedBy, tt.skipped)
			}
		})
	}
}
