package correlate_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/correlate"
	"klpcheck/correlate/internal/fixturetest"
	"klpcheck/internal/testenv"
)

// compressDebug writes a copy of path with llvm-objcopy-22
// --compress-debug-sections=algo into a temporary directory.
func compressDebug(t *testing.T, path, algo string) string {
	t.Helper()
	objcopy := testenv.Tool(t, "llvm-objcopy-22")
	out := filepath.Join(t.TempDir(), filepath.Base(path)+"."+algo)
	if b, err := exec.Command(objcopy, "--compress-debug-sections="+algo, path, out).CombinedOutput(); err != nil {
		t.Fatalf("llvm-objcopy-22: %v\n%s", err, b)
	}
	return out
}

// brokenCopy copies path into a temporary directory, changed by breakIt,
// which gets the file's bytes and the file offset of section sec.
func brokenCopy(t *testing.T, path, sec string, breakIt func(b []byte, off uint64)) string {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s := f.Section(sec)
	f.Close()
	if s == nil {
		t.Fatalf("%s has no %s", path, sec)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	breakIt(b, s.Offset)
	out := filepath.Join(t.TempDir(), filepath.Base(path)+".broken")
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFailClosed: the ld -r fixture has a hard conflict that only its DWARF
// shows. Each way of breaking the DWARF must leave the result incomplete,
// say why (naming the file and the section), keep the status at 1, and say
// so in the text and JSON reports.
func TestFailClosed(t *testing.T) {
	set := fixturetest.Get(t)
	obj := set.Variants["orig"].VmlinuxO
	if res := analyze(t, obj, correlate.Options{}); !res.ProvenanceComplete || res.Status != 1 || len(res.Conflicts) == 0 || res.Conflicts[0].Class != correlate.ClassHard {
		t.Fatalf("intact fixture: complete %v, status %d, conflicts %+v", res.ProvenanceComplete, res.Status, res.Conflicts)
	}
	zlib := compressDebug(t, obj, "zlib")
	tests := []struct {
		name  string
		path  func() string
		wants []string
	}{
		{"rela.debug_info symbol index", func() string {
			return brokenCopy(t, obj, ".rela.debug_info", func(b []byte, off uint64) {
				for i := uint64(0); i < 4; i++ { // r_info's symbol of the first four entries
					binary.LittleEndian.PutUint32(b[off+i*24+12:], 0xffffff)
				}
			})
		}, []string{".rela.debug_info", "symbol index 16777215 out of range", "offset 0x"}},
		{"unknown compression", func() string {
			return brokenCopy(t, zlib, ".debug_info", func(b []byte, off uint64) { b[off] = 7 })
		}, []string{`".debug_info"`, "unknown compression type 7"}},
		{"truncated unit", func() string {
			return brokenCopy(t, obj, ".debug_info", func(b []byte, off uint64) {
				binary.LittleEndian.PutUint32(b[off:], 0x7ffffff0)
			})
		}, []string{".debug_info+0x0", "runs past the end"}},
		{"unsupported form", func() string {
			return brokenCopy(t, obj, ".debug_abbrev", func(b []byte, off uint64) { b[off+4] = 0x7f })
		}, []string{".debug_info+0x", "unknown attribute form 0x7f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path()
			res := analyze(t, path, correlate.Options{})
			problems := strings.Join(res.ProvenanceProblems, "\n")
			if res.ProvenanceComplete || len(res.ProvenanceProblems) == 0 {
				t.Fatalf("complete %v, problems %q", res.ProvenanceComplete, res.ProvenanceProblems)
			}
			for _, w := range append(tt.wants, path) {
				if !strings.Contains(problems, w) {
					t.Errorf("problems %q lack %q", problems, w)
				}
			}
			if res.Status != 1 || !strings.Contains(strings.Join(res.Reasons, "\n"), "provenance incomplete") {
				t.Errorf("status %d, reasons %q: want 1 for provenance incomplete", res.Status, res.Reasons)
			}
			var text, js bytes.Buffer
			if err := correlate.WriteText(&text, res); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text.String(), "provenance INCOMPLETE") || !strings.Contains(text.String(), res.ProvenanceProblems[0]) {
				t.Errorf("text report does not say provenance is incomplete:\n%s", text.String())
			}
			if err := correlate.WriteJSON(&js, res); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Complete *bool     `json:"provenance_complete"`
				Problems *[]string `json:"provenance_problems"`
			}
			if err := json.Unmarshal(js.Bytes(), &doc); err != nil || doc.Complete == nil || *doc.Complete || doc.Problems == nil || len(*doc.Problems) == 0 {
				t.Errorf("JSON provenance_complete/provenance_problems: %v %+v", err, doc)
			}
		})
	}
}

// TestProvenanceProblemsNeverNull: a complete result writes [] for the
// problems, not null.
func TestProvenanceProblemsNeverNull(t *testing.T) {
	set := fixturetest.Get(t)
	res := analyze(t, set.Variants["orig"].VmlinuxO, correlate.Options{})
	var js bytes.Buffer
	if err := correlate.WriteJSON(&js, res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"provenance_complete": true,`) || !strings.Contains(js.String(), `"provenance_problems": [],`) {
		t.Errorf("JSON lacks the complete provenance fields:\n%s", js.String())
	}
}

// plantedWant checks the planted conflicts of the real kernel: PlantedHard
// (an asm global named like a promoted C static) is hard, PlantedLatent
// (named like an unpromoted one) latent, the C side named by its source
// file, the global known not to be C from the DWARF alone.
func plantedWant(t *testing.T, k *testenv.KernelBuild, res *correlate.Result) {
	t.Helper()
	if res.Provenance.Source != correlate.FromDWARF || !res.ProvenanceComplete {
		t.Fatalf("provenance %+v, complete %v, problems %q", res.Provenance, res.ProvenanceComplete, res.ProvenanceProblems)
	}
	found := map[string]correlate.Conflict{}
	for _, c := range res.Conflicts {
		found[c.Name] = c
	}
	for name, class := range map[string]string{k.PlantedHard: correlate.ClassHard, k.PlantedLatent: correlate.ClassLatent} {
		c, ok := found[name]
		if !ok {
			t.Errorf("no conflict for %s in %+v", name, res.Conflicts)
			continue
		}
		if c.Class != class || c.Asm.From != correlate.FromDWARF || c.C.Origin != "C" {
			t.Errorf("%s: %+v, want %s, the global from dwarf", name, c, class)
		}
		// The planted labels are data in .data, for which the assembler
		// writes no DIE: DWARF says "not C" without naming the .S file.
		if c.Asm.File != "" && !strings.HasSuffix(c.Asm.File, k.PlantedAsm) || c.Asm.File == "" && c.Asm.Origin != correlate.OriginNotC {
			t.Errorf("%s: global %+v, want %s or %q", name, c.Asm, k.PlantedAsm, correlate.OriginNotC)
		}
	}
	if len(res.Conflicts) != 2 {
		t.Errorf("%d conflicts, want the 2 planted ones: %+v", len(res.Conflicts), res.Conflicts)
	}
	if res.Status != 1 {
		t.Errorf("status %d, want 1 for the hard conflict", res.Status)
	}
}

// TestKernelDWARFConflicts runs on the real 6.12 ThinLTO builds: the
// original and patched builds and the modules have no conflict, and the
// planted vmlinux and vmlinux.o exactly the two planted ones, from DWARF
// alone, uncompressed and (vmlinux.o) after zlib and zstd compression of
// its debug sections.
func TestKernelDWARFConflicts(t *testing.T) {
	k := testenv.Kernel(t)
	// The unplanted builds and the real ThinLTO modules: no conflict, all
	// DWARF read (the modules are relocatable, with relocations too).
	clean := []string{filepath.Join(k.Orig, "vmlinux.o"), filepath.Join(k.Orig, "vmlinux"), filepath.Join(k.Patched, "vmlinux.o")}
	mods, _ := filepath.Glob(filepath.Join(k.Orig, "modules", "*.ko"))
	if len(mods) == 0 {
		t.Errorf("no modules in %s", k.Orig)
	}
	for _, path := range append(clean, mods...) {
		res := analyze(t, path, correlate.Options{})
		if len(res.Conflicts) != 0 || !res.ProvenanceComplete || res.Status != 0 || res.Provenance.DWARF == nil || res.Provenance.DWARF.Units == 0 {
			t.Errorf("%s: conflicts %+v, complete %v %q, status %d, dwarf %+v", path, res.Conflicts, res.ProvenanceComplete, res.ProvenanceProblems, res.Status, res.Provenance.DWARF)
		}
	}
	plantedWant(t, k, analyze(t, filepath.Join(k.Planted, "vmlinux"), correlate.Options{}))
	planted := filepath.Join(k.Planted, "vmlinux.o")
	for _, algo := range []string{"", "zlib", "zstd"} {
		t.Run("planted"+map[bool]string{true: "", false: "/" + algo}[algo == ""], func(t *testing.T) {
			path := planted
			if algo != "" {
				path = compressDebug(t, planted, algo)
			}
			plantedWant(t, k, analyze(t, path, correlate.Options{}))
		})
	}
	// The planted objects linked again with split DWARF: the same two
	// conflicts, the C side from the .dwo files.
	t.Run("planted/split", func(t *testing.T) {
		res := analyze(t, filepath.Join(k.Split, "vmlinux.o"), correlate.Options{})
		plantedWant(t, k, res)
		dwos, _ := filepath.Glob(filepath.Join(k.Split, "dwo", "*.dwo"))
		if len(dwos) == 0 || res.Provenance.DWARF == nil || res.Provenance.DWARF.Units < len(dwos)/2 {
			t.Errorf("%d .dwo files, dwarf %+v", len(dwos), res.Provenance.DWARF)
		}
	})
}

// TestKernelFailClosed: the planted vmlinux.o with a corrupt
// .rela.debug_info must not pass.
func TestKernelFailClosed(t *testing.T) {
	k := testenv.Kernel(t)
	bad := brokenCopy(t, filepath.Join(k.Planted, "vmlinux.o"), ".rela.debug_info", func(b []byte, off uint64) {
		binary.LittleEndian.PutUint64(b[off+1000*24:], 1<<40) // r_offset of entry 1000
	})
	res := analyze(t, bad, correlate.Options{})
	problems := strings.Join(res.ProvenanceProblems, "\n")
	if res.ProvenanceComplete || res.Status != 1 || !strings.Contains(problems, bad) || !strings.Contains(problems, "relocation 1000 of \".rela.debug_info\"") {
		t.Errorf("complete %v, status %d, problems %q, reasons %q", res.ProvenanceComplete, res.Status, res.ProvenanceProblems, res.Reasons)
	}
}
