package correlate_test

import (
	"context"
	"os"
	"path/filepath"
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
