package correlate_test

import (
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"klpcheck/correlate"
	"klpcheck/correlate/elfsym"
	"klpcheck/correlate/internal/benchgen"
	"klpcheck/internal/testenv"
)

// The benchmark inputs (1,000,000 symbols, 10% ThinLTO-style, assembled
// with clang-22 and joined with ld.lld-22 -r) are made once per test binary,
// in KLPCHECK_BENCH_DIR when set (scripts/bench-correlate.sh reuses them for
// llvm-nm), else in a temporary directory that TestMain removes.
var (
	benchOnce    sync.Once
	benchFiles   benchgen.Files
	benchErr     error
	benchTempDir string
)

func benchInputs(b *testing.B) benchgen.Files {
	b.Helper()
	clang := testenv.Tool(b, "clang-22")
	lld := testenv.Tool(b, "ld.lld-22")
	benchOnce.Do(func() {
		dir := os.Getenv("KLPCHECK_BENCH_DIR")
		if dir == "" {
			if dir, benchErr = os.MkdirTemp("", "klpcheck-bench-"); benchErr != nil {
				return
			}
			benchTempDir = dir
		}
		benchFiles, benchErr = benchgen.Generate(dir, clang, lld, benchgen.Million)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchFiles
}

// BenchmarkCensus is what "klpcheck correlate FILE" does on a million
// symbols: census, other suffixes, conflict candidates.
func BenchmarkCensus(b *testing.B) {
	f := benchInputs(b)
	b.ReportAllocs()
	for b.Loop() {
		res, err := correlate.Analyze(f.Orig, correlate.Options{MaxSuffixed: correlate.NoBudget})
		if err != nil {
			b.Fatal(err)
		}
		if res.Suffixed.Functions+res.Suffixed.Data != f.Symbols/10 {
			b.Fatalf("census %d+%d, want %d", res.Suffixed.Functions, res.Suffixed.Data, f.Symbols/10)
		}
	}
}

// BenchmarkCensusJSON adds writing the JSON report.
func BenchmarkCensusJSON(b *testing.B) {
	f := benchInputs(b)
	b.ReportAllocs()
	for b.Loop() {
		res, err := correlate.Analyze(f.Orig, correlate.Options{MaxSuffixed: correlate.NoBudget})
		if err != nil {
			b.Fatal(err)
		}
		if err := correlate.WriteJSON(io.Discard, res); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTwins pairs two such files.
func BenchmarkTwins(b *testing.B) {
	f := benchInputs(b)
	b.ReportAllocs()
	for b.Loop() {
		res, err := correlate.Analyze(f.Patched, correlate.Options{Against: f.Orig, MaxSuffixed: correlate.NoBudget})
		if err != nil {
			b.Fatal(err)
		}
		if res.Twins.Matched < f.Symbols*99/100 {
			b.Fatalf("only %d pairs", res.Twins.Matched)
		}
	}
}

// BenchmarkReadSymbols is the bare reader: every symbol decoded, names
// included.
func BenchmarkReadSymbols(b *testing.B) {
	f := benchInputs(b)
	b.ReportAllocs()
	for b.Loop() {
		file, err := elfsym.Open(f.Orig)
		if err != nil {
			b.Fatal(err)
		}
		it, err := file.Symbols()
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for it.Next() {
			n += len(it.Symbol().Name)
		}
		if it.Err() != nil || n == 0 {
			b.Fatal(it.Err())
		}
		file.Close()
	}
}

// BenchmarkDebugELFSymbols is the standard library's reader on the same
// file, for comparison: it allocates every symbol and name up front.
func BenchmarkDebugELFSymbols(b *testing.B) {
	f := benchInputs(b)
	b.ReportAllocs()
	for b.Loop() {
		file, err := elf.Open(f.Orig)
		if err != nil {
			b.Fatal(err)
		}
		syms, err := file.Symbols()
		if err != nil || len(syms) == 0 {
			b.Fatal(err)
		}
		file.Close()
	}
}

// BenchmarkCensusText adds writing the text report, what the command
// prints by default.
func BenchmarkCensusText(b *testing.B) {
	f := benchInputs(b)
	b.ReportAllocs()
	for b.Loop() {
		res, err := correlate.Analyze(f.Orig, correlate.Options{MaxSuffixed: correlate.NoBudget})
		if err != nil {
			b.Fatal(err)
		}
		if err := correlate.WriteText(io.Discard, res); err != nil {
			b.Fatal(err)
		}
	}
}

// kernelFile is the real 6.12 ThinLTO vmlinux.o of the planted build (it
// has DWARF 5 and two conflicts); benchmarks skip without it.
func kernelFile(b *testing.B, which string) string {
	b.Helper()
	k := testenv.Kernel(b)
	dir := map[string]string{"orig": k.Orig, "patched": k.Patched, "planted": k.Planted}[which]
	return filepath.Join(dir, "vmlinux.o")
}

// BenchmarkKernelCorrelate is "klpcheck correlate vmlinux.o" on the real
// kernel: census, DWARF provenance (1,682 units, 2.2 M relocations) and
// conflicts.
func BenchmarkKernelCorrelate(b *testing.B) {
	path := kernelFile(b, "planted")
	b.ReportAllocs()
	for b.Loop() {
		res, err := correlate.Analyze(path, correlate.Options{MaxSuffixed: correlate.NoBudget})
		if err != nil {
			b.Fatal(err)
		}
		if res.Provenance.Source != correlate.FromDWARF || len(res.Conflicts) != 2 {
			b.Fatalf("provenance %s, %d conflicts", res.Provenance.Source, len(res.Conflicts))
		}
	}
}

// BenchmarkKernelCorrelateZstd is the same after
// llvm-objcopy-22 --compress-debug-sections=zstd.
func BenchmarkKernelCorrelateZstd(b *testing.B) {
	path := kernelFile(b, "planted")
	objcopy := testenv.Tool(b, "llvm-objcopy-22")
	out := filepath.Join(b.TempDir(), "vmlinux.o.zstd")
	if msg, err := exec.Command(objcopy, "--compress-debug-sections=zstd", path, out).CombinedOutput(); err != nil {
		b.Fatalf("%v\n%s", err, msg)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := correlate.Analyze(out, correlate.Options{MaxSuffixed: correlate.NoBudget})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Conflicts) != 2 {
			b.Fatalf("%d conflicts", len(res.Conflicts))
		}
	}
}

// BenchmarkKernelTwins pairs the real orig and patched vmlinux.o.
func BenchmarkKernelTwins(b *testing.B) {
	orig, patched := kernelFile(b, "orig"), kernelFile(b, "patched")
	b.ReportAllocs()
	for b.Loop() {
		res, err := correlate.Analyze(patched, correlate.Options{Against: orig, MaxSuffixed: correlate.NoBudget})
		if err != nil {
			b.Fatal(err)
		}
		if res.Twins == nil || res.Twins.Matched == 0 {
			b.Fatal("no twins")
		}
	}
}
