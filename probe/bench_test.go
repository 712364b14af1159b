package probe

import (
	"context"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"klpcheck/internal/testenv"
)

// cpuTime is the CPU time (user+sys) of this process and of every child it
// has waited for: the linkers, and the shells of the bare try-runs. Wall
// time is noisy on a machine other jobs load; CPU time is what the probe
// costs.
func cpuTime() time.Duration {
	var total time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if err := syscall.Getrusage(who, &ru); err == nil {
			total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return total
}

// loopWithCPU runs op in the benchmark loop and reports its CPU time per
// operation as cpu-ns/op beside the wall-clock ns/op.
func loopWithCPU(b *testing.B, op func()) {
	b.Helper()
	start, n := cpuTime(), 0
	for b.Loop() {
		op()
		n++
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(n), "cpu-ns/op")
}

// BenchmarkProbeOne is one full probe of ld.lld-22, which refuses the
// flags: the try-run (verdict, identity and reason) and each group alone.
func BenchmarkProbeOne(b *testing.B) {
	path := testenv.Tool(b, "ld.lld-22")
	targets, _ := Resolve(Selection{Explicit: []string{path}}, nil)
	b.ResetTimer()
	loopWithCPU(b, func() {
		if _, err := Probe(context.Background(), targets, Options{}, false); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkBareTryRun is what a user would otherwise run: the ld-option
// command through /bin/sh with output discarded, which gives only the exit
// status.
func BenchmarkBareTryRun(b *testing.B) {
	path := testenv.Tool(b, "ld.lld-22")
	script := path + " " + DefaultFlags + " -v >/dev/null 2>&1"
	loopWithCPU(b, func() { _ = exec.Command("/bin/sh", "-c", script).Run() })
}

// BenchmarkMatrix probes the five Debian llds serially and in parallel.
func BenchmarkMatrix(b *testing.B) {
	var paths []string
	for _, n := range debianLLDs {
		paths = append(paths, testenv.Tool(b, n))
	}
	targets, _ := Resolve(Selection{Explicit: paths}, nil)
	for _, bc := range []struct {
		name     string
		parallel int
	}{{"serial", 1}, {"parallel", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			loopWithCPU(b, func() {
				if _, err := Probe(context.Background(), targets, Options{Parallel: bc.parallel}, false); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkBareMatrix is the reference for the matrix: the bare try-run of
// each of the five Debian llds, one after the other, as a user would check
// them by hand.
func BenchmarkBareMatrix(b *testing.B) {
	var scripts []string
	for _, n := range debianLLDs {
		scripts = append(scripts, testenv.Tool(b, n)+" "+DefaultFlags+" -v >/dev/null 2>&1")
	}
	loopWithCPU(b, func() {
		for _, s := range scripts {
			_ = exec.Command("/bin/sh", "-c", s).Run()
		}
	})
}
