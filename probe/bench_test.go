package probe

import (
	"context"
	"os/exec"
	"testing"

	"klpcheck/internal/testenv"
)

// BenchmarkProbeOne is one full probe of ld.lld-22: the try-run verdict plus
// the explanation runs (--version, the full command with stderr, each group).
func BenchmarkProbeOne(b *testing.B) {
	path := testenv.Tool(b, "ld.lld-22")
	targets, _ := Resolve(Selection{Explicit: []string{path}}, nil)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Probe(context.Background(), targets, Options{}, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareTryRun is what a user would otherwise run: the ld-option
// command through /bin/sh with output discarded, which gives only the exit
// status.
func BenchmarkBareTryRun(b *testing.B) {
	path := testenv.Tool(b, "ld.lld-22")
	script := path + " " + DefaultFlags + " -v >/dev/null 2>&1"
	for b.Loop() {
		_ = exec.Command("/bin/sh", "-c", script).Run()
	}
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
			for b.Loop() {
				if _, err := Probe(context.Background(), targets, Options{Parallel: bc.parallel}, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
