package correlate_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"klpcheck/correlate"
	"klpcheck/correlate/internal/benchgen"
	"klpcheck/internal/testenv"
)

// benchModules are the 5,000 module-sized *.ko files of
// BenchmarkCensusManyModules, made once in KLPCHECK_BENCH_DIR when set,
// else in the benchmarks' temporary directory.
func benchModules(b *testing.B) string {
	b.Helper()
	clang := testenv.Tool(b, "clang-22")
	lld := testenv.Tool(b, "ld.lld-22")
	dir := os.Getenv("KLPCHECK_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(b.TempDir())
	}
	root, err := benchgen.Modules(dir, clang, lld, 5000)
	if err != nil {
		b.Fatal(err)
	}
	return root
}

// BenchmarkCensusManyModules is "klpcheck correlate DIR" over 5,000
// module-sized ELF objects: the walk, and the census of each file read on
// every core.
func BenchmarkCensusManyModules(b *testing.B) {
	root := benchModules(b)
	b.ReportAllocs()
	for b.Loop() {
		m, err := correlate.AnalyzeMany(context.Background(), []string{root}, correlate.ManyOptions{
			Options: correlate.Options{MaxSuffixed: correlate.NoBudget}, MaxSuffixedTotal: correlate.NoBudget,
		})
		if err != nil {
			b.Fatal(err)
		}
		if len(m.Files) != 5000 || len(m.Unreadable) != 0 {
			b.Fatalf("%d files read, %d unreadable", len(m.Files), len(m.Unreadable))
		}
	}
}

// BenchmarkRealModulesMany is "klpcheck correlate DIR" over the real 6.12
// build's modules, hard-linked under 5,000 names (what
// scripts/bench-correlate-many.sh measures as a command).
func BenchmarkRealModulesMany(b *testing.B) {
	k := testenv.Kernel(b)
	mods, _ := filepath.Glob(filepath.Join(k.Orig, "modules", "*.ko"))
	if len(mods) == 0 {
		b.Fatalf("no modules in %s", filepath.Join(k.Orig, "modules"))
	}
	root := b.TempDir()
	for i := range 5000 {
		dir := filepath.Join(root, strconv.Itoa(i%50))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		m := mods[i%len(mods)]
		if err := os.Link(m, filepath.Join(dir, strconv.Itoa(i)+"-"+filepath.Base(m))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		m, err := correlate.AnalyzeMany(context.Background(), []string{root}, correlate.ManyOptions{
			Options: correlate.Options{MaxSuffixed: correlate.NoBudget}, MaxSuffixedTotal: correlate.NoBudget,
		})
		if err != nil {
			b.Fatal(err)
		}
		if len(m.Files) != 5000 || len(m.Unreadable) != 0 {
			b.Fatalf("%d files read, %d unreadable", len(m.Files), len(m.Unreadable))
		}
	}
}
