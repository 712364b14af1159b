package correlate_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/correlate"
	"klpcheck/correlate/internal/fixturetest"
	"klpcheck/internal/report"
	"klpcheck/internal/testenv"
)

// manyInputs are copies of the fixtures' ELF objects under several names
// in one directory, so that a run has more files than workers.
func manyInputs(t *testing.T, copies int) (dir string, files []string) {
	t.Helper()
	set := fixturetest.Get(t)
	orig := set.Variants["orig"]
	dir = t.TempDir()
	for i := 0; i < copies; i++ {
		for j, src := range []string{orig.VmlinuxO, orig.Vmlinux, orig.Objects[0]} {
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, fmt.Sprintf("m%02d-%d.ko", i, j))
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, p)
		}
	}
	return dir, files
}

// TestAnalyzeManyCancelled: a context done before the run, or after the
// first file, stops the run with the context's error; no result.
func TestAnalyzeManyCancelled(t *testing.T) {
	dir, files := manyInputs(t, 4)
	tests := []struct {
		name   string
		cancel func(cancel context.CancelFunc) func(done, total int)
		paths  []string
	}{
		{"before the run", func(cancel context.CancelFunc) func(int, int) { cancel(); return nil }, []string{dir}},
		{"after the first file", func(cancel context.CancelFunc) func(int, int) {
			return func(done, total int) {
				if done == 1 {
					cancel()
				}
			}
		}, files},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			finished := 0
			progress := tt.cancel(cancel)
			m, err := correlate.AnalyzeMany(ctx, tt.paths, correlate.ManyOptions{
				Options: correlate.Options{MaxSuffixed: correlate.NoBudget}, MaxSuffixedTotal: correlate.NoBudget, Workers: 1,
				FilesDone: func(done, total int) {
					finished = done
					if progress != nil {
						progress(done, total)
					}
				},
			})
			if !errors.Is(err, context.Canceled) || m != nil {
				t.Fatalf("AnalyzeMany after cancel: %v, %v; want context.Canceled and no result", m, err)
			}
			if finished > 1 {
				t.Errorf("%d of %d files read after the cancel: the run did not stop", finished, len(files))
			}
		})
	}
	t.Run("AnalyzeContext", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := correlate.AnalyzeContext(ctx, files[0], correlate.Options{MaxSuffixed: correlate.NoBudget}); !errors.Is(err, context.Canceled) {
			t.Errorf("AnalyzeContext with a cancelled context: %v, want context.Canceled", err)
		}
	})
}

// TestAnalyzeManyDeterministic: the document does not depend on how many
// workers read the files, the files are in path order, and the hand-written
// JSON is what encoding/json makes of the same value.
func TestAnalyzeManyDeterministic(t *testing.T) {
	dir, files := manyInputs(t, 3)
	var docs []string
	for _, workers := range []int{1, 2, 5} {
		m, err := correlate.AnalyzeMany(context.Background(), []string{dir}, correlate.ManyOptions{
			Options: correlate.Options{MaxSuffixed: 100}, MaxSuffixedTotal: 1000, Workers: workers,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Files) != len(files) {
			t.Fatalf("%d files read, want %d", len(m.Files), len(files))
		}
		for i, r := range m.Files {
			if r.File != files[i] {
				t.Errorf("files[%d] is %s, want %s (path order)", i, r.File, files[i])
			}
		}
		var fast, reflect bytes.Buffer
		if err := correlate.WriteManyJSON(&fast, m); err != nil {
			t.Fatal(err)
		}
		if err := report.WriteJSON(&reflect, m); err != nil {
			t.Fatal(err)
		}
		if fast.String() != reflect.String() {
			t.Errorf("WriteManyJSON differs from encoding/json:\n%s\nwant:\n%s", fast.String(), reflect.String())
		}
		docs = append(docs, fast.String())
	}
	for i := 1; i < len(docs); i++ {
		if docs[i] != docs[0] {
			t.Errorf("the document with %d workers differs from the one with 1", []int{1, 2, 5}[i])
		}
	}
}

// TestKernelManyDistinctConflicts: the planted vmlinux.o and the vmlinux
// linked from it each report the planted hard and latent conflicts, so the
// totals by file count each twice and distinct_conflicts once, named as
// files and as the build directory holding both; the text says both.
func TestKernelManyDistinctConflicts(t *testing.T) {
	k := testenv.Kernel(t)
	for _, tt := range []struct {
		name  string
		paths []string
		opts  correlate.Options
	}{
		{"files", []string{filepath.Join(k.Planted, "vmlinux.o"), filepath.Join(k.Planted, "vmlinux")}, correlate.Options{}},
		{"directory", []string{k.Planted}, correlate.Options{}},
		{"files with --build", []string{filepath.Join(k.Planted, "vmlinux.o"), filepath.Join(k.Planted, "vmlinux")}, correlate.Options{BuildDir: k.Build}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.MaxSuffixed = correlate.NoBudget
			m, err := correlate.AnalyzeMany(context.Background(), tt.paths, correlate.ManyOptions{Options: tt.opts, MaxSuffixedTotal: correlate.NoBudget})
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Files) != 2 {
				t.Fatalf("%d files read, want vmlinux and vmlinux.o", len(m.Files))
			}
			for _, r := range m.Files {
				classes := map[string]string{}
				for _, cf := range r.Conflicts {
					classes[cf.Name] = cf.Class
				}
				if len(r.Conflicts) != 2 || classes[k.PlantedHard] != correlate.ClassHard || classes[k.PlantedLatent] != correlate.ClassLatent {
					t.Errorf("%s: conflicts %+v, want %s hard and %s latent", r.File, r.Conflicts, k.PlantedHard, k.PlantedLatent)
				}
			}
			if want := (correlate.ConflictCounts{Hard: 2, Latent: 2}); m.Totals.Conflicts != want {
				t.Errorf("totals.conflicts %+v, want %+v (by file)", m.Totals.Conflicts, want)
			}
			if want := (correlate.ConflictCounts{Hard: 1, Latent: 1}); m.Totals.DistinctConflicts != want {
				t.Errorf("totals.distinct_conflicts %+v, want %+v", m.Totals.DistinctConflicts, want)
			}
			var b bytes.Buffer
			if err := correlate.WriteManyText(&b, m, correlate.TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if want := "Conflicts in all files: 4 in 2 files, 2 distinct (1 hard, 1 latent, 0 possible)\n"; !strings.Contains(b.String(), want) {
				t.Errorf("text lacks %q:\n%s", want, b.String())
			}
		})
	}
}

// TestKernelManyCensus: the census of each module of the real kernel build,
// read as one directory, equals llvm-nm-22's of that module alone.
func TestKernelManyCensus(t *testing.T) {
	k := testenv.Kernel(t)
	nm := testenv.Tool(t, "llvm-nm-22")
	dir := filepath.Join(k.Orig, "modules")
	m, err := correlate.AnalyzeMany(context.Background(), []string{dir}, correlate.ManyOptions{
		Options: correlate.Options{MaxSuffixed: correlate.NoBudget}, MaxSuffixedTotal: correlate.NoBudget,
	})
	if err != nil {
		t.Fatal(err)
	}
	mods, _ := filepath.Glob(filepath.Join(dir, "*.ko"))
	if len(m.Files) != len(mods) || len(m.Files) == 0 {
		t.Fatalf("%d files read, %d modules in %s", len(m.Files), len(mods), dir)
	}
	total := 0
	for _, r := range m.Files {
		funcs, data, _ := nmCensus(t, nm, r.File)
		if r.Suffixed.Functions != funcs || r.Suffixed.Data != data {
			t.Errorf("%s: census %d functions, %d data; llvm-nm-22 %d, %d", r.File, r.Suffixed.Functions, r.Suffixed.Data, funcs, data)
		}
		total += funcs + data
	}
	if m.Totals.Suffixed != total {
		t.Errorf("totals.suffixed %d, llvm-nm-22 counts %d in all modules", m.Totals.Suffixed, total)
	}
}

// boundedResult is a census of groups with the given sizes, to render.
func boundedResult(sizes []int) *correlate.Result {
	res := &correlate.Result{File: "big.o", ELF: "ELF64", OtherSuffixes: map[string]int{}, ProvenanceComplete: true}
	for g, n := range sizes {
		hash := fmt.Sprintf("%d", 1000+g)
		group := correlate.HashGroup{Hash: hash, File: fmt.Sprintf("f%02d.c", g), FileFrom: correlate.FromSymtab}
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("s%02d_%03d.llvm.%s", g, i, hash)
			group.Symbols = append(group.Symbols, name)
			res.Suffixed.Symbols = append(res.Suffixed.Symbols, correlate.SuffixedSymbol{Name: name, Hash: hash, Kind: correlate.KindFunc, Bind: "global"})
			res.Suffixed.Functions++
		}
		res.Suffixed.ByHash = append(res.Suffixed.ByHash, group)
	}
	for i := 0; i < 30; i++ {
		res.Conflicts = append(res.Conflicts, correlate.Conflict{Name: fmt.Sprintf("c%02d", i), Class: correlate.ClassPossible})
	}
	return res
}

// TestTextBounded: by default the text shows the 20 largest groups, 20
// symbols of each and 20 conflicts, and says how many were left out and
// how to see them; with All, everything.
func TestTextBounded(t *testing.T) {
	// 25 groups: group g has g+1 symbols, group 24 has 30.
	sizes := make([]int, 25)
	for i := range sizes {
		sizes[i] = i + 1
	}
	sizes[24] = 30
	res := boundedResult(sizes)
	tests := []struct {
		name    string
		opts    correlate.TextOptions
		groups  int
		symbols int
		want    []string
		absent  []string
	}{
		{"default", correlate.TextOptions{More: "--all lists everything"}, 20, (6+20)*15/2 + 4*20 + 20,
			[]string{"(the 20 largest of 25 modules):", "... 5 more modules (15 symbols) not shown (--all lists everything)",
				"... 10 more symbols of this module not shown (--all lists everything)", "... 10 more conflicts not shown", "  1024  f24.c [symtab]: 30\n"},
			[]string{"f00.c", "f04.c", "s24_020"}},
		{"all", correlate.TextOptions{All: true, More: "--all lists everything"}, 25, 24*25/2 + 30,
			[]string{"Promoted symbols by module hash:\n", "f00.c", "s24_029", "c29"}, []string{"not shown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := correlate.WriteTextOptions(&b, res, tt.opts); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			groups, symbols := 0, 0
			for _, line := range strings.Split(out, "\n") {
				switch {
				case strings.HasPrefix(line, "  10") && strings.Contains(line, "[symtab]"):
					groups++
				case strings.HasPrefix(line, "      s"):
					symbols++
				}
			}
			if groups != tt.groups || symbols != tt.symbols {
				t.Errorf("%d groups and %d symbols shown, want %d and %d:\n%s", groups, symbols, tt.groups, tt.symbols, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("text lacks %q:\n%s", w, out)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(out, a) {
					t.Errorf("text has %q:\n%s", a, out)
				}
			}
		})
	}
}

// TestKernelTextBounded: the text of the real vmlinux.o (144 modules)
// shows 20 of them unless asked for all.
func TestKernelTextBounded(t *testing.T) {
	k := testenv.Kernel(t)
	res := analyze(t, filepath.Join(k.Orig, "vmlinux.o"), correlate.Options{BuildDir: k.Build})
	for _, all := range []bool{false, true} {
		var b bytes.Buffer
		if err := correlate.WriteTextOptions(&b, res, correlate.TextOptions{All: all}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Count(b.String(), "\n")
		want := len(res.Suffixed.Symbols)
		if all && lines < want {
			t.Errorf("--all: %d lines for %d symbols", lines, want)
		}
		if !all && (lines > 20*21+100 || !strings.Contains(b.String(), fmt.Sprintf("(the 20 largest of %d modules)", len(res.Suffixed.ByHash)))) {
			t.Errorf("bounded: %d lines for %d symbols in %d modules", lines, want, len(res.Suffixed.ByHash))
		}
	}
}
