package lint

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"klpcheck/internal/testenv"
	"klpcheck/lint/eval"
)

// kernelShaped returns a kernel-shaped top-level Makefile of at least
// lines lines: the fixture's head, sections like the ones between a real
// Makefile's header and its LTO block (flags under CONFIG_ conditionals,
// cc-option and ld-option probes, helper variables, rules), layout C's LTO
// block and the fixture's tail.
func kernelShaped(t testing.TB, lines int) string {
	t.Helper()
	src, err := os.ReadFile(fixtures + "layout-c/Makefile")
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	cut := strings.Index(text, "# Link-time optimisation with Clang")
	head, rest := text[:cut], text[cut:]
	var b strings.Builder
	b.WriteString(head)
	for i := 0; strings.Count(b.String(), "\n")+strings.Count(rest, "\n") < lines; i++ {
		fmt.Fprintf(&b, `
# Section %[1]d: options of subsystem %[1]d.
ifdef CONFIG_SUBSYS_%[1]d
KBUILD_CFLAGS	+= -DSUBSYS_%[1]d=1 $(call cc-option,-fno-stack-protector)
subsys-%[1]d-flags := -fdata-sections
ifeq ($(CONFIG_SUBSYS_%[1]d_DEBUG),y)
KBUILD_CFLAGS	+= -g $(subsys-%[1]d-flags)
else ifneq ($(filter %%_%[1]d,$(KBUILD_EXTMOD)_%[1]d),)
KBUILD_AFLAGS	+= -DSUBSYS_%[1]d_ASM
else
KBUILD_CPPFLAGS	+= -DNDEBUG_%[1]d
endif
endif
LDFLAGS_vmlinux += $(if $(CONFIG_SUBSYS_%[1]d_GC),--gc-sections)

subsys-%[1]d: prepare
	$(Q)$(MAKE) -C subsys/%[1]d
`, i)
	}
	b.WriteString(rest)
	return b.String()
}

// writeKernelTree writes a tree with the generated Makefile and layout C's
// arch/Kconfig (none, FULL, THIN, THIN_DIST: with four toolchains, the
// full 16-configuration matrix).
func writeKernelTree(t testing.TB, dir string, lines int) {
	t.Helper()
	kc, err := os.ReadFile(fixtures + "layout-c/arch/Kconfig")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "arch"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Makefile"), []byte(kernelShaped(t, lines)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "arch", "Kconfig"), []byte(kc), 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkLint2500 lints a 2,500-line kernel-shaped Makefile over the full
// matrix (16 configurations), reading and parsing included.
func BenchmarkLint2500(b *testing.B) {
	dir := b.TempDir()
	writeKernelTree(b, dir, 2500)
	res, err := Run(Options{Path: dir})
	if err != nil {
		b.Fatal(err)
	}
	if res.ConfigsEvaluated != 16 {
		b.Fatalf("%d configurations", res.ConfigsEvaluated)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Run(Options{Path: dir}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/16/1e3, "µs/config")
}

// TestWriteKernelShaped writes the benchmark's tree and, for
// scripts/bench-lint.sh, what GNU make needs to read the same Makefile in
// each configuration: the probe stand-ins per toolchain and the CONFIG_
// values. It runs only when KLPCHECK_BENCH_OUT names a directory.
func TestWriteKernelShaped(t *testing.T) {
	out := os.Getenv("KLPCHECK_BENCH_OUT")
	if out == "" {
		t.Skip("KLPCHECK_BENCH_OUT is not set")
	}
	tree := filepath.Join(out, "tree")
	writeKernelTree(t, tree, 2500)
	s, err := prepare(Options{Path: tree})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for k, c := range s.configs {
		pre := fmt.Sprintf("prelude-%d.mk", k)
		if err := os.WriteFile(filepath.Join(out, pre), []byte(stubPrelude(c.Config.Toolchain)), 0o644); err != nil {
			t.Fatal(err)
		}
		var args []string
		for name, v := range c.Symbols {
			args = append(args, "CONFIG_"+name+"="+v)
		}
		sort.Strings(args)
		lines = append(lines, pre+" "+strings.Join(args, " "))
	}
	if err := os.WriteFile(filepath.Join(out, "epilogue.mk"), []byte(epilogue), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "configs.txt"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLimitsLeaveHeadroom checks that the expansion limits, which stop
// runaway Makefiles, are far from what a kernel-shaped Makefile needs.
func TestLimitsLeaveHeadroom(t *testing.T) {
	dir := t.TempDir()
	writeKernelTree(t, dir, 2500)
	s, err := prepare(Options{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range s.configs {
		if c.Result.Steps*100 > eval.DefaultLimits.Steps {
			t.Errorf("%s: %d steps, within 100x of the limit %d", c.Config, c.Result.Steps, eval.DefaultLimits.Steps)
		}
	}
}

// BenchmarkRunawayMakefile measures how long lint takes to give up on a
// Makefile whose expansion never ends (2^30 calls): the step limit, not the
// input, bounds it.
func BenchmarkRunawayMakefile(b *testing.B) {
	src := "f = $(if $(word 30,$(1)),,$(call f,$(1) x)$(call f,$(1) x))\nKBUILD_LDFLAGS := $(call f,x)\n"
	for i := 0; i < b.N; i++ {
		if _, err := Run(Options{Path: "-", Stdin: strings.NewReader(src)}); err == nil {
			b.Fatal("no limit error")
		}
	}
}

// continuationMakefile is one assignment to KBUILD_LDFLAGS spread over
// lines physical lines, each ending in a backslash-newline: what
// GNU make joins into one logical line.
func continuationMakefile(lines int) string {
	var b strings.Builder
	b.WriteString("KBUILD_LDFLAGS := -z noexecstack \\\n")
	for i := 0; i < lines-2; i++ {
		fmt.Fprintf(&b, "  w%d \\\n", i)
	}
	b.WriteString("  --gc-sections\n")
	return b.String()
}

// assignmentsMakefile is n simple assignments, one a line.
func assignmentsMakefile(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "V%d := value%d\n", i, i)
	}
	return b.String()
}

// BenchmarkContinuationLines lints one logical line of 25k to 1M physical
// lines over the whole matrix: joining them is linear, so the time per
// line stays flat.
func BenchmarkContinuationLines(b *testing.B) {
	for _, n := range []int{25_000, 100_000, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			benchFile(b, continuationMakefile(n), n)
		})
	}
}

// BenchmarkAssignments lints n one-line assignments over the whole matrix.
func BenchmarkAssignments(b *testing.B) {
	for _, n := range []int{50_000, 500_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			benchFile(b, assignmentsMakefile(n), n)
		})
	}
}

// benchFile lints src from a file, as the binary reads a Makefile named
// on its command line (standard input would be read by doubling a buffer).
func benchFile(b *testing.B, src string, lines int) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "Makefile.big")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Run(Options{Path: path}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(lines), "ns/line")
}

// BenchmarkRealMakefile612 lints the real top-level Makefile of Debian's
// linux-source-6.12 over the whole matrix, and times one read of it by
// GNU make (make -s --no-print-directory LLVM=-22 kernelversion reads the
// whole Makefile and runs its probes): the "make" sub-benchmark is the
// yardstick for the "lint" one.
func BenchmarkRealMakefile612(b *testing.B) {
	src := testenv.KernelTree(b, "6.12")
	b.Run("lint", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := Run(Options{Path: src}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("make", func(b *testing.B) {
		makePath := testenv.Tool(b, "make")
		for i := 0; i < b.N; i++ {
			cmd := exec.Command(makePath, "-C", src, "-s", "--no-print-directory", "LLVM=-22", "kernelversion")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%v\n%s", err, out)
			}
		}
	})
}
