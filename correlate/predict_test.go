package correlate_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"klpcheck/correlate"
	"klpcheck/correlate/symname"
	"klpcheck/internal/testenv"
)

// The rule's fixture: every name a promoted static can meet. main.c calls
// one small function of every other file, so ThinLTO imports it and
// promotes the statics it uses.
//   - a.c, b.c, c.c: statics m_next and m_stop (the seq_file names) in three
//     files, and seq_pos (data) in a.c and b.c: one copy of each takes the
//     plain name, link order decides which;
//   - cg.c: a static cg_dup, and cglob.c a C global cg_dup: the copy keeps
//     its suffix;
//   - asmuser.c: a static asm_dup, and entry.S an assembly global asm_dup:
//     the link fails;
//   - only.c: a static only_one no other file has: it takes the plain name.
func predictSources(k int) map[string]string {
	seq := func(fn string, withPos bool) string {
		pos, use := "", ""
		if withPos {
			pos, use = "static int seq_pos;\n", " + seq_pos++"
		}
		return fmt.Sprintf(`%sstatic int count;
static __attribute__((noinline)) int m_next(int x) { return x * %d + count; }
static __attribute__((noinline)) int m_stop(int x) { count += x; return count; }
int %s(int x) { return m_next(x) + m_stop(x)%s; }
`, pos, k+len(fn), fn, use)
	}
	return map[string]string{
		"main.c": `int a_use(int), b_use(int), c_use(int), cg_use(int), asm_use(int), only_use(int), cg_dup(int);
int kmain(int x) { return a_use(x) + b_use(x) + c_use(x) + cg_use(x) + asm_use(x) + only_use(x) + cg_dup(x); }
`,
		"a.c":       seq("a_use", true),
		"b.c":       seq("b_use", true),
		"c.c":       seq("c_use", false),
		"cg.c":      fmt.Sprintf("static __attribute__((noinline)) int cg_dup(int x) { return x * %d; }\nint cg_use(int x) { return cg_dup(x) + 1; }\n", k),
		"cglob.c":   "int cg_dup(int x) { return x - 1; }\n",
		"asmuser.c": "static __attribute__((noinline)) int asm_dup(int x) { return x * 5; }\nint asm_use(int x) { return asm_dup(x) + 2; }\n",
		"only.c":    fmt.Sprintf("static __attribute__((noinline)) int only_one(int x) { return x * %d; }\nint only_use(int x) { return only_one(x) + 3; }\n", k+1),
		"entry.S":   ".text\n.globl asm_dup\n.type asm_dup, @function\nasm_dup:\n\tret\n.size asm_dup, .-asm_dup\n",
	}
}

// buildPredictFixture compiles the sources with clang-22 (-O2 -g
// -flto=thin) into dir and links them with ld.lld-22 -r into out, the way
// vmlinux.o is made. Rebuilding in the same dir keeps the hashes of the
// files that did not change.
func buildPredictFixture(t *testing.T, dir, out string, srcs map[string]string) {
	t.Helper()
	clang, lld := testenv.Tool(t, "clang-22"), testenv.Tool(t, "ld.lld-22")
	var objs []string
	names := make([]string, 0, len(srcs))
	for n := range srcs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(srcs[n]), 0o644); err != nil {
			t.Fatal(err)
		}
		obj := strings.TrimSuffix(strings.TrimSuffix(n, ".c"), ".S") + ".o"
		args := []string{"-O2", "-g", "-c", n, "-o", obj}
		if strings.HasSuffix(n, ".c") {
			args = append([]string{"-flto=thin"}, args...)
		}
		run(t, dir, clang, args...)
		objs = append(objs, obj)
	}
	run(t, dir, lld, append([]string{"-r", "-o", out}, objs...)...)
}

func run(t *testing.T, dir, tool string, args ...string) {
	t.Helper()
	cmd := exec.Command(tool, args...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, b)
	}
}

type predictFixture struct {
	dir, orig, patched, stripped string
}

// predictFixtureFiles builds orig.o, then patched.o (a.c, cg.c and only.c
// changed) in the same directory, and stripped.o: patched.o without debug
// info.
func predictFixtureFiles(t *testing.T) predictFixture {
	t.Helper()
	dir := t.TempDir()
	f := predictFixture{dir: dir, orig: filepath.Join(dir, "orig.o"), patched: filepath.Join(dir, "patched.o"), stripped: filepath.Join(dir, "stripped.o")}
	buildPredictFixture(t, dir, f.orig, predictSources(3))
	patched := predictSources(3)
	changed := predictSources(7)
	for _, n := range []string{"a.c", "cg.c", "only.c"} {
		patched[n] = changed[n]
	}
	buildPredictFixture(t, dir, f.patched, patched)
	run(t, dir, testenv.Tool(t, "llvm-objcopy-22"), "--strip-debug", f.patched, f.stripped)
	return f
}

func stillSuffixedNames(pr *correlate.Prediction) map[string]string {
	out := map[string]string{}
	for _, g := range pr.StillSuffixed {
		for _, n := range g.Names {
			out[n] = fmt.Sprintf("%s %d/%d link-order=%v", g.Reason, g.StillSuffixed, g.Copies, g.LinkOrder)
		}
	}
	return out
}

func collisionOutcomes(pr *correlate.Prediction) map[string]string {
	out := map[string]string{}
	for _, c := range pr.Collisions {
		out[c.Name] = c.Outcome
	}
	return out
}

// TestPredictRule: the rule on the built fixture, with the provenance from
// the objects, from DWARF, and from nothing.
func TestPredictRule(t *testing.T) {
	f := predictFixtureFiles(t)
	known := map[string]string{
		"m_next":  "same-name 2/3 link-order=true",
		"m_stop":  "same-name 2/3 link-order=true",
		"seq_pos": "same-name 1/2 link-order=true",
		"cg_dup":  "c-global 1/1 link-order=false",
	}
	tests := []struct {
		name       string
		file       string
		opts       correlate.Options
		still      map[string]string
		collisions map[string]string
		predicted  int
		plain      int
		failures   int
		undecided  int
	}{
		{"build", f.patched, correlate.Options{BuildDir: f.dir}, known,
			map[string]string{"cg_dup": "still-suffixed", "asm_dup": "link-failure"}, 6, 4, 1, 0},
		{"dwarf", f.patched, correlate.Options{}, known,
			map[string]string{"cg_dup": "still-suffixed", "asm_dup": "link-failure"}, 6, 4, 1, 0},
		// Without evidence the two globals' origins are unknown: their
		// copies are undecided, never guessed.
		{"none", f.stripped, correlate.Options{}, map[string]string{
			"m_next":  "same-name 2/3 link-order=true",
			"m_stop":  "same-name 2/3 link-order=true",
			"seq_pos": "same-name 1/2 link-order=true",
		}, map[string]string{"cg_dup": "unknown", "asm_dup": "unknown"}, 5, 4, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Predict = true
			res := analyze(t, tt.file, tt.opts)
			pr := res.Prediction
			if pr == nil {
				t.Fatal("no prediction with Predict set")
			}
			if pr.Today != 11 || pr.Today != res.Suffixed.Total() {
				t.Errorf("today %d, census %d; the fixture promotes 11", pr.Today, res.Suffixed.Total())
			}
			if got := stillSuffixedNames(pr); fmt.Sprint(got) != fmt.Sprint(tt.still) {
				t.Errorf("still suffixed:\n got %v\nwant %v", got, tt.still)
			}
			if got := collisionOutcomes(pr); fmt.Sprint(got) != fmt.Sprint(tt.collisions) {
				t.Errorf("collisions %v, want %v", got, tt.collisions)
			}
			if pr.Predicted != tt.predicted || pr.Plain != tt.plain || pr.LinkFailures != tt.failures || pr.Undecided != tt.undecided {
				t.Errorf("predicted %d plain %d link failures %d undecided %d; want %d %d %d %d",
					pr.Predicted, pr.Plain, pr.LinkFailures, pr.Undecided, tt.predicted, tt.plain, tt.failures, tt.undecided)
			}
			if sum := pr.Predicted + pr.Plain + pr.LinkFailures + pr.Undecided; sum != pr.Today {
				t.Errorf("predicted+plain+link failures+undecided = %d, today %d", sum, pr.Today)
			}
			checkSeqGroup(t, pr, tt.name != "none")
			checkHardIsLinkFailure(t, res)
		})
	}
}

// checkHardIsLinkFailure: the prediction's link failures are exactly
// today's hard conflicts.
func checkHardIsLinkFailure(t *testing.T, res *correlate.Result) {
	t.Helper()
	var hard, failures []string
	for _, c := range res.Conflicts {
		if c.Class == correlate.ClassHard {
			hard = append(hard, c.Name)
		}
	}
	for _, c := range res.Prediction.Collisions {
		if c.Outcome == correlate.OutcomeLinkFailure {
			failures = append(failures, c.Name)
		}
	}
	sort.Strings(hard)
	sort.Strings(failures)
	if fmt.Sprint(hard) != fmt.Sprint(failures) {
		t.Errorf("hard conflicts %v, predicted link failures %v", hard, failures)
	}
}

// checkSeqGroup: m_next and m_stop come from the same three files and are
// one group, each module listing its two copies; withFiles: named by
// their files (without DWARF or objects a group's file is unknown).
func checkSeqGroup(t *testing.T, pr *correlate.Prediction, withFiles bool) {
	t.Helper()
	for _, g := range pr.StillSuffixed {
		if g.Names[0] != "m_next" {
			continue
		}
		if strings.Join(g.Names, ",") != "m_next,m_stop" || len(g.Modules) != 3 {
			t.Fatalf("m_next group %+v", g)
		}
		files := map[string]bool{}
		for _, m := range g.Modules {
			files[m.File] = true
			if len(m.Symbols) != 2 {
				t.Errorf("module %s lists %v, want its m_next and m_stop", m.File, m.Symbols)
			}
		}
		for _, want := range []string{"a.c", "b.c", "c.c"} {
			if !withFiles {
				break
			}
			found := false
			for f := range files {
				found = found || filepath.Base(f) == want
			}
			if !found {
				t.Errorf("m_next group files %v lack %s", files, want)
			}
		}
		if !strings.Contains(g.Why, "link order") {
			t.Errorf("why %q does not say link order decides", g.Why)
		}
		return
	}
	t.Fatal("no m_next group")
}

// TestPredictRenames: against the original build, the rename of only_one
// disappears, cg_dup's still changes (it keeps the suffix, whose hash
// changed), and a.c's m_next, m_stop and seq_pos are undecided.
func TestPredictRenames(t *testing.T) {
	f := predictFixtureFiles(t)
	res := analyze(t, f.patched, correlate.Options{Against: f.orig, BuildDir: f.dir, Predict: true})
	r := res.Prediction.Renames
	if r == nil || res.Twins == nil {
		t.Fatal("no renames prediction with Against")
	}
	want := map[string]string{"only_one": "disappear", "cg_dup": "still", "m_next": "undecided", "m_stop": "undecided", "seq_pos": "undecided"}
	got := map[string]string{}
	for _, x := range r.StillChange {
		got[baseOf(x.Patched)] = "still"
	}
	for _, x := range r.Undecided {
		got[baseOf(x.Patched)] = "undecided"
		if x.PredictedPatched != "" || !strings.Contains(x.Why, "link order") {
			t.Errorf("undecided %+v: a link-order name predicted, or why not said", x)
		}
	}
	for _, x := range res.Twins.Renamed {
		if _, ok := got[baseOf(x.Patched)]; !ok {
			got[baseOf(x.Patched)] = "disappear"
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("renames:\n got %v\nwant %v", got, want)
	}
	if r.Today != len(res.Twins.Renamed) || r.Disappear+len(r.StillChange)+len(r.Undecided) != r.Today {
		t.Errorf("today %d (twins %d) != %d disappear + %d still + %d undecided", r.Today, len(res.Twins.Renamed), r.Disappear, len(r.StillChange), len(r.Undecided))
	}
}

func baseOf(name string) string {
	if p, ok := symname.SplitLLVM(name); ok {
		return p.Base
	}
	return name
}

// TestPredictOutput: the text section and the JSON (lists [] never null,
// prediction null without --predict).
func TestPredictOutput(t *testing.T) {
	f := predictFixtureFiles(t)
	res := analyze(t, f.patched, correlate.Options{BuildDir: f.dir, Predict: true})
	var text, js bytes.Buffer
	if err := correlate.WriteText(&text, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Prediction with suffix reduction (LLVM 23 rule:",
		"11 suffixed functions+data today -> 6 predicted; 4 copies take the plain name; 1 link failure; 2 groups where link order decides",
		"m_next, m_stop: 3 copies, 2 keep .llvm.<hash> [same-name; link order decides]",
		"cg_dup: 1 copy, 1 keep .llvm.<hash> [c-global]",
		"link-failure   asm_dup",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if err := correlate.WriteJSON(&js, res); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Prediction map[string]json.RawMessage `json:"prediction"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"rule", "today", "predicted", "predicted_strings", "plain", "undecided", "link_failures", "link_order_groups", "still_suffixed", "collisions", "renames", "notes"} {
		v, ok := doc.Prediction[k]
		if !ok {
			t.Errorf("prediction lacks %q", k)
		}
		if k != "renames" && string(v) == "null" {
			t.Errorf("prediction.%s is null", k)
		}
	}
	if string(doc.Prediction["renames"]) != "null" {
		t.Errorf("renames %s without --against, want null", doc.Prediction["renames"])
	}
	off := analyze(t, f.patched, correlate.Options{BuildDir: f.dir})
	js.Reset()
	correlate.WriteJSON(&js, off)
	if off.Prediction != nil || !strings.Contains(js.String(), `"prediction": null`) {
		t.Errorf("prediction without Predict: %v", off.Prediction)
	}
}
