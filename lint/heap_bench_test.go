package lint

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"klpcheck/internal/testenv"
)

// peakLiveHeap runs f with the collector running after every 5% of heap
// growth and returns the largest heap of live-or-not-yet-swept objects
// seen by a sampler every 50 µs: with collections that frequent, that is
// the peak of live memory within a few percent. Peak resident set is the
// wrong yardstick for a small input: the Go runtime and the mapped pages
// of the binary alone are ~9.5 MiB, 60 times the real kernel's 0.16 MiB of
// Makefiles and Kconfig, whatever lint keeps.
func peakLiveHeap(f func()) uint64 {
	old := debug.SetGCPercent(5)
	defer debug.SetGCPercent(old)
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var (
		peak uint64
		wg   sync.WaitGroup
	)
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak {
				peak = v
			}
			select {
			case <-done:
				return
			case <-time.After(50 * time.Microsecond):
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	if peak < base {
		return 0
	}
	return peak - base
}

// inputBytes is the size of the files a lint run read.
func inputBytes(tb testing.TB, root string, res *Result) int64 {
	tb.Helper()
	var n int64
	for _, f := range res.FilesEvaluated {
		if !filepath.IsAbs(f) {
			f = filepath.Join(root, f)
		}
		st, err := os.Stat(f)
		if err != nil {
			tb.Fatal(err)
		}
		n += st.Size()
	}
	return n
}

// BenchmarkRealMakefile612Heap reports the peak live heap of linting the
// real 6.12 tree over the whole matrix, in MiB and as a multiple of the
// input: the Makefile and the files it includes (arch/Kconfig, which lint
// also reads, is counted in "input-with-kconfig").
func BenchmarkRealMakefile612Heap(b *testing.B) {
	src := testenv.KernelTree(b, "6.12")
	var peak uint64
	var res *Result
	for i := 0; i < b.N; i++ {
		p := peakLiveHeap(func() {
			r, err := Run(Options{Path: src})
			if err != nil {
				b.Fatal(err)
			}
			res = r
		})
		peak = max(peak, p)
	}
	in := inputBytes(b, src, res)
	kc, err := os.Stat(filepath.Join(src, "arch", "Kconfig"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-live-MiB")
	b.ReportMetric(float64(peak)/float64(in), "x-input")
	b.ReportMetric(float64(peak)/float64(in+kc.Size()), "x-input-with-kconfig")
}
