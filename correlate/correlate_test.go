package correlate_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"klpcheck/correlate"
	"klpcheck/correlate/elfsym"
	"klpcheck/correlate/internal/fixturetest"
	correlatefixtures "klpcheck/fixtures/correlate"
	"klpcheck/internal/report"
	"klpcheck/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestMain(m *testing.M) {
	code := m.Run()
	fixturetest.Cleanup()
	if benchTempDir != "" {
		os.RemoveAll(benchTempDir)
	}
	os.Exit(code)
}

// inFixtures runs the test from the fixture root so that paths in the
// output are relative ("orig/vmlinux.o") and the goldens stable.
func inFixtures(t *testing.T) *correlatefixtures.Set {
	t.Helper()
	set := fixturetest.Get(t)
	t.Chdir(set.Root)
	return set
}

func analyze(t *testing.T, path string, opts correlate.Options) *correlate.Result {
	t.Helper()
	if opts.MaxSuffixed == 0 {
		opts.MaxSuffixed = correlate.NoBudget
	}
	res, err := correlate.Analyze(path, opts)
	if err != nil {
		t.Fatalf("Analyze(%s): %v", path, err)
	}
	return res
}

var promoted = regexp.MustCompile(`\.llvm\.[0-9]+(\.|$)`)

// nmCensus counts what llvm-nm-22 --defined-only shows: promoted names with
// t/T (functions) and b/B/d/D/r/R (data).
func nmCensus(t *testing.T, nm, path string) (funcs, data int, names []string) {
	t.Helper()
	out, err := exec.Command(nm, "--defined-only", path).Output()
	if err != nil {
		t.Fatalf("llvm-nm-22 %s: %v", path, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || !promoted.MatchString(f[2]) {
			continue
		}
		switch f[1] {
		case "t", "T":
			funcs++
		case "b", "B", "d", "D", "r", "R":
			data++
		default:
			continue
		}
		names = append(names, f[2])
	}
	sort.Strings(names)
	return funcs, data, names
}

// TestCensusAgainstLLVMNM: for every ELF fixture (both links of each
// variant, the assembly object, and the assembly fixture on six targets),
// the census counts equal what llvm-nm-22 --defined-only shows.
func TestCensusAgainstLLVMNM(t *testing.T) {
	nm := testenv.Tool(t, "llvm-nm-22")
	set := fixturetest.Get(t)
	var files []string
	for _, name := range correlatefixtures.VariantNames {
		v := set.Variants[name]
		files = append(files, v.Vmlinux, v.VmlinuxO, v.Objects[0])
	}
	for _, a := range set.Arches {
		files = append(files, a.Object, a.Linked, a.Relocatable)
	}
	for _, path := range files {
		name := filepath.Base(filepath.Dir(path)) + "/" + filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			res := analyze(t, path, correlate.Options{})
			funcs, data, names := nmCensus(t, nm, path)
			if res.Suffixed.Functions != funcs || res.Suffixed.Data != data {
				t.Errorf("census %d functions, %d data; llvm-nm-22 %d, %d", res.Suffixed.Functions, res.Suffixed.Data, funcs, data)
			}
			var got []string
			for _, s := range res.Suffixed.Symbols {
				got = append(got, s.Name)
			}
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(names, " ") {
				t.Errorf("symbols\n%v\nllvm-nm-22\n%v", got, names)
			}
		})
	}
}

// TestCensusShape pins the fixture facts: one hash per module, with every
// promoted function and data object of core.c in one group; same-named
// statics (m_next, m_stop) of three files in three groups.
func TestCensusShape(t *testing.T) {
	set := fixturetest.Get(t)
	for _, path := range []string{set.Variants["orig"].Vmlinux, set.Variants["orig"].VmlinuxO} {
		res := analyze(t, path, correlate.Options{})
		groups := map[string][]string{}
		for _, g := range res.Suffixed.ByHash {
			var bases []string
			for _, s := range g.Symbols {
				bases = append(bases, strings.Split(s, ".llvm.")[0])
			}
			groups[g.File] = bases
		}
		want := map[string]string{
			"core.c":  "core_table counter limits twice",
			"iter.c":  "iter_bump iter_generation iter_pos m_next m_stop",
			"proc.c":  "m_next m_stop",
			"sysfs.c": "m_next m_stop",
			"seq.c":   "clash_hard clash_hard_bias shared_name",
		}
		if len(groups) != len(want) {
			t.Errorf("%s: groups %v", path, groups)
		}
		for file, bases := range want {
			if got := strings.Join(groups[file], " "); got != bases {
				t.Errorf("%s: %s group %q, want %q", path, file, got, bases)
			}
		}
		if res.Suffixed.Functions != 10 || res.Suffixed.Data != 6 {
			t.Errorf("%s: %d functions, %d data", path, res.Suffixed.Functions, res.Suffixed.Data)
		}
		if res.OtherSuffixes["isra"] != 1 || res.OtherSuffixes["cold"] != 1 || res.OtherSuffixes["constprop"] != 0 {
			t.Errorf("%s: other suffixes %v", path, res.OtherSuffixes)
		}
	}
}

func TestOtherArchitectures(t *testing.T) {
	set := fixturetest.Get(t)
	want := map[string]string{
		"x86_64": "ELF64 little-endian x86-64", "aarch64": "ELF64 little-endian aarch64",
		"i386": "ELF32 little-endian i386", "s390x": "ELF64 big-endian s390",
		"ppc64": "ELF64 big-endian ppc64", "ppc": "ELF32 big-endian ppc",
	}
	for _, a := range set.Arches {
		for _, path := range []string{a.Object, a.Linked, a.Relocatable} {
			res := analyze(t, path, correlate.Options{})
			if !strings.HasPrefix(res.ELF, want[a.Name]) {
				t.Errorf("%s: %q, want %q", path, res.ELF, want[a.Name])
			}
			// suffixed.S: twice, m_next x2, m_stop, clash_hard promoted;
			// counter, limits, core_table data; not.llvm.promoted is not one.
			if res.Suffixed.Functions != 5 || res.Suffixed.Data != 3 || len(res.Suffixed.ByHash) != 3 {
				t.Errorf("%s: %d functions, %d data, %d hashes", path, res.Suffixed.Functions, res.Suffixed.Data, len(res.Suffixed.ByHash))
			}
			if res.OtherSuffixes["isra"] != 1 || res.OtherSuffixes["constprop"] != 1 || res.OtherSuffixes["part"] != 1 || res.OtherSuffixes["cold"] != 1 {
				t.Errorf("%s: other suffixes %v", path, res.OtherSuffixes)
			}
			// The assembler's DWARF says clash_hard is assembly, and the
			// same file holds clash_hard.llvm.<hash>.
			if len(res.Conflicts) != 1 || res.Conflicts[0].Class != correlate.ClassHard || res.Conflicts[0].Asm.From != correlate.FromDWARF {
				t.Errorf("%s: conflicts %+v", path, res.Conflicts)
			}
		}
	}
}

// stripped returns a copy of path without debug info (llvm-objcopy-22
// --strip-debug), in a temporary directory.
func stripped(t *testing.T, path string) string {
	t.Helper()
	objcopy := testenv.Tool(t, "llvm-objcopy-22")
	out := filepath.Join(t.TempDir(), filepath.Base(path)+".nodebug")
	if b, err := exec.Command(objcopy, "--strip-debug", path, out).CombinedOutput(); err != nil {
		t.Fatalf("llvm-objcopy-22: %v\n%s", err, b)
	}
	return out
}

type conflictWant struct{ name, class, asmFrom, asmFile, cFrom, cFile string }

func conflictSummary(cs []correlate.Conflict) []conflictWant {
	var out []conflictWant
	for _, c := range cs {
		out = append(out, conflictWant{c.Name, c.Class, c.Asm.From, c.Asm.File, c.C.From, c.C.File})
	}
	return out
}

// TestConflicts classifies the same clashes from each kind of evidence:
// the build objects (loose, or in kbuild-style archives), DWARF (final and
// ld -r links), and nothing at all.
func TestConflicts(t *testing.T) {
	set := fixturetest.Get(t)
	orig := set.Variants["orig"]
	noDebug := stripped(t, orig.VmlinuxO)
	// The promoted static's file is its hash group's: a path from the build
	// objects or the DWARF units, not the STT_FILE basename.
	hardFrom := func(from, file string) conflictWant {
		return conflictWant{"clash_hard", "hard", from, file, from, "seq.c"}
	}
	tests := []struct {
		name  string
		file  string
		build string
		prov  string
		want  []conflictWant
	}{
		{"build objects", orig.VmlinuxO, orig.Dir, "build", []conflictWant{
			hardFrom("build", "entry.o"),
			{"clash_latent", "latent", "build", "entry.o", "build", "seq.c"},
		}},
		{"build archives", orig.VmlinuxO, set.Archives, "build", []conflictWant{
			hardFrom("build", "lib.a(entry.o)"),
			{"clash_latent", "latent", "build", "lib.a(entry.o)", "build", "seq.c"},
		}},
		{"dwarf ld -r", orig.VmlinuxO, "", "dwarf", []conflictWant{
			hardFrom("dwarf", "entry.S"),
			{"clash_latent", "latent", "dwarf", "entry.S", "dwarf", "seq.c"},
		}},
		{"dwarf final link", orig.Vmlinux, "", "dwarf", []conflictWant{
			{"clash_hard", "hard", "dwarf", "entry.S", "dwarf", "seq.c"},
			{"clash_latent", "latent", "dwarf", "entry.S", "dwarf", "seq.c"},
		}},
		// llvm-objcopy --strip-debug drops the STT_FILE symbols too: nothing
		// is left to tell where anything comes from.
		{"no provenance", noDebug, "", "none", []conflictWant{
			{"clash_hard", "possible", "unknown", "", "unknown", ""},
			{"clash_latent", "possible", "unknown", "", "unknown", ""},
			{"shared_name", "possible", "unknown", "", "unknown", ""},
		}},
		{"no debug info, build objects", noDebug, orig.Dir, "build", []conflictWant{
			{"clash_hard", "hard", "build", "entry.o", "build", "seq.c"},
			{"clash_latent", "latent", "build", "entry.o", "build", "seq.c"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := analyze(t, tt.file, correlate.Options{BuildDir: tt.build})
			got := conflictSummary(res.Conflicts)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("conflicts\n%v\nwant\n%v", got, tt.want)
			}
			if res.Provenance.Source != tt.prov {
				t.Errorf("provenance %q, want %q", res.Provenance.Source, tt.prov)
			}
			// Fail closed: without provenance the possible conflicts
			// (clash_hard among them) keep the status at 1.
			complete := tt.prov != "none"
			if res.ProvenanceComplete != complete || (len(res.ProvenanceProblems) == 0) != complete {
				t.Errorf("provenance complete %v, problems %q; want complete %v", res.ProvenanceComplete, res.ProvenanceProblems, complete)
			}
			hard := len(tt.want) > 0 && tt.want[0].class == "hard"
			if wantStatus := map[bool]int{true: 1, false: 0}[hard || !complete]; res.Status != wantStatus {
				t.Errorf("status %d, want %d (%v)", res.Status, wantStatus, res.Reasons)
			}
		})
	}
}

// TestTwinsPatched: a one-line change in core.c changes core.c's hash and
// makes seq.c's untouched static seq_state gain a suffix (ThinLTO now
// imports seq_peek into core.c), while seq.c's own hash stays: the module
// hash depends on the module's bitcode alone.
func TestTwinsPatched(t *testing.T) {
	set := fixturetest.Get(t)
	orig, patched := set.Variants["orig"], set.Variants["patched"]
	for _, tt := range []struct {
		name, origFile, patchedFile string
		want                        []string
	}{
		{"ld -r", orig.VmlinuxO, patched.VmlinuxO, []string{
			"counter.llvm.C -> counter.llvm.C' demangled [hash]",
			"limits.llvm.C -> limits.llvm.C' demangled [hash]",
			"seq_state -> seq_state.llvm.S local-to-global-demangled [suffix-gained local-to-global]",
			"twice.llvm.C -> twice.llvm.C' demangled [hash]",
		}},
		{"final link", orig.Vmlinux, patched.Vmlinux, []string{
			"core_table.llvm.C -> core_table.llvm.C' same-file-demangled [hash]",
			"counter.llvm.C -> counter.llvm.C' same-file-demangled [hash]",
			"limits.llvm.C -> limits.llvm.C' same-file-demangled [hash]",
			"seq_state -> seq_state.llvm.S same-file-demangled [suffix-gained]",
			"twice.llvm.C -> twice.llvm.C' same-file-demangled [hash]",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := analyze(t, tt.origFile, correlate.Options{})
			res := analyze(t, tt.patchedFile, correlate.Options{Against: tt.origFile})
			hashOf := func(r *correlate.Result, file string) string {
				for _, g := range r.Suffixed.ByHash {
					if g.File == file {
						return g.Hash
					}
				}
				t.Fatalf("no group for %s", file)
				return ""
			}
			names := map[string]string{hashOf(o, "core.c"): "C", hashOf(res, "core.c"): "C'", hashOf(o, "seq.c"): "S"}
			if hashOf(o, "core.c") == hashOf(res, "core.c") {
				t.Error("core.c changed but kept its hash")
			}
			if hashOf(o, "seq.c") != hashOf(res, "seq.c") {
				t.Error("seq.c did not change but its hash did")
			}
			got := renames(res.Twins, names)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("renamed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			tw := res.Twins
			if len(tw.Ambiguous) != 0 || len(tw.UnmatchedOrig) != 0 || len(tw.UnmatchedPatched) != 0 {
				t.Errorf("ambiguous %v, unmatched %v / %v", tw.Ambiguous, tw.UnmatchedOrig, tw.UnmatchedPatched)
			}
			if tw.Matched != tw.Unchanged+len(tw.Renamed) || tw.Unchanged < 20 {
				t.Errorf("matched %d, unchanged %d, renamed %d", tw.Matched, tw.Unchanged, len(tw.Renamed))
			}
			// The changed line is in core_api, which ThinLTO also inlines
			// into kmain. seq_peek and clash_latent refer to seq_state,
			// now promoted: by name instead of through .bss.seq_state,
			// the same reference, not a change.
			if tt.name == "ld -r" {
				var changed []string
				for _, c := range tw.Changed {
					changed = append(changed, c.Patched)
				}
				if strings.Join(changed, " ") != "core_api kmain" {
					t.Errorf("changed %v, want core_api and kmain", tw.Changed)
				}
			}
		})
	}
}

// renames renders the renamed pairs with hashes replaced by names.
func renames(tw *correlate.Twins, hashNames map[string]string) []string {
	var out []string
	for _, r := range tw.Renamed {
		o, p := r.Orig, r.Patched
		for h, n := range hashNames {
			o = strings.ReplaceAll(o, h, n)
			p = strings.ReplaceAll(p, h, n)
		}
		out = append(out, fmt.Sprintf("%s -> %s %s %v", o, p, r.Rule, r.Changes))
	}
	return out
}

// TestTwinsHeader: a one-line change in a header changes the hash of every
// file including it. In the ld -r link the promoted symbols are global:
// iter.c's m_next/m_stop pair through the suffix map (iter.c has uniquely
// named promoted statics), proc.c's and sysfs.c's cannot be told apart and
// are reported ambiguous, never guessed. In the final link they are locals
// under their STT_FILE and pair by file.
func TestTwinsHeader(t *testing.T) {
	set := fixturetest.Get(t)
	orig, header := set.Variants["orig"], set.Variants["header"]
	o := analyze(t, orig.VmlinuxO, correlate.Options{})
	res := analyze(t, header.VmlinuxO, correlate.Options{Against: orig.VmlinuxO})
	before, after := map[string]string{}, map[string]string{}
	for _, g := range o.Suffixed.ByHash {
		before[g.File] = g.Hash
	}
	for _, g := range res.Suffixed.ByHash {
		after[g.File] = g.Hash
	}
	for _, f := range []string{"core.c", "iter.c", "proc.c", "sysfs.c"} {
		if before[f] == after[f] {
			t.Errorf("%s includes klp.h but kept its hash", f)
		}
	}
	if before["seq.c"] != after["seq.c"] {
		t.Error("seq.c does not include klp.h but its hash changed")
	}
	tw := res.Twins
	rules := map[string]string{}
	for _, r := range tw.Renamed {
		rules[strings.Split(r.Orig, ".llvm.")[0]+"/"+r.File] += r.Rule
	}
	if tw.Rules[correlate.RuleSuffixMap] != 2 {
		t.Errorf("suffix-map pairs: %d, want 2 (iter.c's m_next and m_stop); rules %v", tw.Rules[correlate.RuleSuffixMap], tw.Rules)
	}
	var amb []string
	for _, a := range tw.Ambiguous {
		amb = append(amb, fmt.Sprintf("%s %s %d", a.Side, strings.Split(a.Symbol, ".llvm.")[0], len(a.Candidates)))
	}
	want := "orig m_next 2,orig m_next 2,orig m_stop 2,orig m_stop 2"
	if strings.Join(amb, ",") != want {
		t.Errorf("ambiguous %v, want %s", amb, want)
	}
	if res.Status != report.ExitFindings || !strings.Contains(strings.Join(res.Reasons, ";"), "ambiguous") {
		t.Errorf("status %d %v, want 1 for the ambiguity", res.Status, res.Reasons)
	}

	final := analyze(t, header.Vmlinux, correlate.Options{Against: orig.Vmlinux})
	if n := len(final.Twins.Ambiguous); n != 0 {
		t.Errorf("final link: %d ambiguous: %v", n, final.Twins.Ambiguous)
	}
	if n := len(final.Twins.Renamed); n != 13 {
		t.Errorf("final link: %d renamed, want 13 (every promoted symbol of core, iter, proc, sysfs)", n)
	}
}

func TestTwinsSelf(t *testing.T) {
	set := fixturetest.Get(t)
	for _, path := range []string{set.Variants["orig"].Vmlinux, set.Variants["orig"].VmlinuxO} {
		res := analyze(t, path, correlate.Options{Against: path})
		tw := res.Twins
		if len(tw.Renamed)+len(tw.Ambiguous)+len(tw.UnmatchedOrig)+len(tw.UnmatchedPatched) != 0 || tw.Matched != tw.Unchanged {
			t.Errorf("%s against itself: %+v", path, tw)
		}
	}
}

func TestBudget(t *testing.T) {
	set := fixturetest.Get(t)
	// 8 functions+data; without debug info its conflict is only "possible".
	path := stripped(t, set.Arches[0].Object)
	for _, tt := range []struct {
		max      int
		exceeded bool
	}{{8, false}, {7, true}, {0, true}} {
		res, err := correlate.Analyze(path, correlate.Options{MaxSuffixed: tt.max})
		if err != nil {
			t.Fatal(err)
		}
		if res.Budget == nil || res.Budget.Exceeded != tt.exceeded || res.Budget.Count != 8 {
			t.Errorf("max %d: budget %+v", tt.max, res.Budget)
		}
		// The budget reason comes and goes with the budget; the file's
		// possible conflict, without provenance, keeps the status at 1
		// either way (fail closed).
		budgetReason := strings.Contains(strings.Join(res.Reasons, ";"), "exceed the budget")
		if budgetReason != tt.exceeded || res.Status != 1 || res.ProvenanceComplete {
			t.Errorf("max %d: status %d, complete %v, reasons %v", tt.max, res.Status, res.ProvenanceComplete, res.Reasons)
		}
	}
	res := analyze(t, path, correlate.Options{MaxSuffixed: correlate.NoBudget})
	if res.Budget != nil {
		t.Errorf("no budget asked, got %+v", res.Budget)
	}
}

func TestErrors(t *testing.T) {
	set := fixturetest.Get(t)
	strip := testenv.Tool(t, "llvm-strip-22")
	dir := t.TempDir()
	strippedAll := filepath.Join(dir, "vmlinux.stripped")
	if out, err := exec.Command(strip, "--strip-all", set.Variants["orig"].Vmlinux, "-o", strippedAll).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	orig := set.Variants["orig"]
	tests := []struct {
		name string
		file string
		opts correlate.Options
		want string
	}{
		{"stripped", strippedAll, correlate.Options{}, "stripped"},
		{"not ELF", text, correlate.Options{}, "not an ELF file"},
		{"bitcode", filepath.Join(orig.Dir, "core.o"), correlate.Options{}, "LLVM bitcode"},
		{"missing", filepath.Join(dir, "nope"), correlate.Options{}, "cannot open"},
		{"bad against", orig.VmlinuxO, correlate.Options{Against: text}, "not an ELF file"},
		{"bad build", orig.VmlinuxO, correlate.Options{BuildDir: text}, "is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := correlate.Analyze(tt.file, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
	_, err := correlate.Analyze(strippedAll, correlate.Options{})
	if !errors.Is(err, elfsym.ErrNoSymtab) {
		t.Errorf("stripped: %v does not wrap ErrNoSymtab", err)
	}
}

func TestProgress(t *testing.T) {
	set := fixturetest.Get(t)
	var stages []string
	last := map[string][2]int64{}
	_, err := correlate.Analyze(set.Variants["patched"].VmlinuxO, correlate.Options{
		Against: set.Variants["orig"].VmlinuxO,
		Progress: func(stage string, done, total int64) {
			stages = append(stages, stage)
			last[stage] = [2]int64{done, total}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(last) != 2 {
		t.Fatalf("progress for %v, want both files", stages)
	}
	for stage, v := range last {
		if v[0] != v[1] || v[1] == 0 {
			t.Errorf("%s ended at %d of %d", stage, v[0], v[1])
		}
	}
}

// hashRE finds module hashes wherever they appear in a report.
var hashRE = regexp.MustCompile(`\b[0-9]{6,20}\b`)

// normalize replaces each distinct module hash by <H1>, <H2>... in order
// of first appearance, so that goldens do not depend on the exact clang
// build (the hash covers the module's bitcode).
func normalize(b []byte) []byte {
	names := map[string]string{}
	return hashRE.ReplaceAllFunc(b, func(h []byte) []byte {
		n, ok := names[string(h)]
		if !ok {
			n = fmt.Sprintf("<H%d>", len(names)+1)
			names[string(h)] = n
		}
		return []byte(n)
	})
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	got = normalize(got)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./correlate -run %s -update)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output:\n%s\n(run go test ./correlate -run %s -update to accept)", path, got, t.Name())
	}
}

var goldenDir = func() string {
	wd, _ := os.Getwd()
	return filepath.Join(wd, "testdata")
}()

// TestGolden checks the text, JSON and SARIF reports of the main scenarios.
func TestGolden(t *testing.T) {
	inFixtures(t)
	tests := []struct {
		name string
		file string
		opts correlate.Options
	}{
		{"census-build", "orig/vmlinux.o", correlate.Options{BuildDir: "orig", MaxSuffixed: 2}},
		{"final-dwarf", "orig/vmlinux", correlate.Options{}},
		{"twins-patched", "patched/vmlinux.o", correlate.Options{Against: "orig/vmlinux.o", BuildDir: "archives"}},
		{"twins-header", "header/vmlinux.o", correlate.Options{Against: "orig/vmlinux.o"}},
		{"predict-twins", "patched/vmlinux.o", correlate.Options{Against: "orig/vmlinux.o", BuildDir: "archives", Predict: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := analyze(t, tt.file, tt.opts)
			var text, js, sarif bytes.Buffer
			if err := correlate.WriteText(&text, res); err != nil {
				t.Fatal(err)
			}
			if err := correlate.WriteJSON(&js, res); err != nil {
				t.Fatal(err)
			}
			if err := correlate.WriteSARIF(&sarif, res, "test"); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name+".txt", text.Bytes())
			golden(t, tt.name+".json", js.Bytes())
			golden(t, tt.name+".sarif", sarif.Bytes())
			var back correlate.Result
			if err := json.Unmarshal(js.Bytes(), &back); err != nil {
				t.Fatalf("JSON does not read back: %v", err)
			}
			var log report.SARIFLog
			if err := json.Unmarshal(sarif.Bytes(), &log); err != nil || log.Version != "2.1.0" || len(log.Runs) != 1 {
				t.Fatalf("SARIF: %v %+v", err, log)
			}
		})
	}
}

// TestJSONSchema checks the field names the issue fixes, on a live result.
func TestJSONSchema(t *testing.T) {
	set := fixturetest.Get(t)
	res := analyze(t, set.Variants["header"].VmlinuxO, correlate.Options{Against: set.Variants["orig"].VmlinuxO, BuildDir: set.Variants["orig"].Dir})
	var buf bytes.Buffer
	if err := correlate.WriteJSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	has := func(m map[string]any, keys ...string) {
		t.Helper()
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("missing %q in %v", k, keys)
			}
		}
	}
	has(doc, "file", "suffixed", "other_suffixes", "conflicts", "provenance", "twins")
	suffixed := doc["suffixed"].(map[string]any)
	has(suffixed, "functions", "data", "data_strings", "by_hash", "symbols")
	has(suffixed["by_hash"].([]any)[0].(map[string]any), "hash", "file", "symbols")
	has(suffixed["symbols"].([]any)[0].(map[string]any), "name", "base", "hash", "kind", "bind", "section")
	has(doc["conflicts"].([]any)[0].(map[string]any), "name", "class", "asm", "c")
	twins := doc["twins"].(map[string]any)
	has(twins, "renamed", "ambiguous", "unmatched_orig", "unmatched_patched", "changed", "unchanged_count")
	has(twins["renamed"].([]any)[0].(map[string]any), "orig", "patched", "rule")
}

// TestAnalyzeReader: a file held in memory (the embedded demo) gives the
// same result as the same file on disk.
func TestAnalyzeReader(t *testing.T) {
	set := fixturetest.Get(t)
	path := set.Variants["orig"].Vmlinux
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fromDisk := analyze(t, path, correlate.Options{})
	fromMemory, err := correlate.AnalyzeReader(path, bytes.NewReader(data), int64(len(data)), correlate.Options{MaxSuffixed: correlate.NoBudget})
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	correlate.WriteJSON(&a, fromDisk)
	correlate.WriteJSON(&b, fromMemory)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatalf("in memory:\n%s\non disk:\n%s", b.String(), a.String())
	}
	if _, err := correlate.AnalyzeReader("demo", bytes.NewReader([]byte("x")), 1, correlate.Options{}); err == nil || !strings.Contains(err.Error(), "demo") {
		t.Fatalf("error %v", err)
	}
}
