package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalStopsCorrelateMany: SIGINT or SIGTERM while correlate reads
// many files stops it between files with 130 or 143, and, with --format
// json, one error document. The run would take seconds: 20,000 names of a
// real fixture object.
func TestSignalStopsCorrelateMany(t *testing.T) {
	set := buildCorrelateFixtures(t)
	bin := buildKlpcheck(t)
	dir := t.TempDir()
	src := set.Variants["orig"].VmlinuxO
	const files = 10000
	for i := 0; i < files; i++ {
		sub := filepath.Join(dir, fmt.Sprintf("d%02d", i/1000))
		if i%1000 == 0 {
			if err := os.Mkdir(sub, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Link(src, filepath.Join(sub, fmt.Sprintf("m%05d.ko", i))); err != nil {
			t.Fatal(err)
		}
	}
	// How long the whole run takes here, to tell a stop from a finish.
	start := time.Now()
	if err := exec.Command(bin, "correlate", dir).Run(); err == nil {
		t.Fatal("the run of many copies of a file with a hard conflict exited 0")
	}
	whole := time.Since(start)
	for _, tt := range []struct {
		sig    syscall.Signal
		status int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(tt.sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "correlate", "--format", "json", dir)
			var out strings.Builder
			cmd.Stdout = &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			time.Sleep(whole / 10)
			sent := time.Now()
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatalf("signal: %v (the run of %v ended first)", err, whole)
			}
			var werr error
			select {
			case werr = <-done:
			case <-time.After(time.Minute):
				_ = cmd.Process.Kill()
				t.Fatalf("correlate still running a minute after %v", tt.sig)
			}
			var ee *exec.ExitError
			if !errors.As(werr, &ee) || ee.ExitCode() != tt.status {
				t.Fatalf("after %v: %v, want exit status %d", tt.sig, werr, tt.status)
			}
			t.Logf("exited %v after %v; the whole run takes %v", time.Since(sent).Round(time.Millisecond), tt.sig, whole.Round(time.Millisecond))
			// One document, the error document, saying why (a run that
			// read every file prints its report instead); its status is
			// runWithSignals' business (the command's own is 2).
			doc := checkJSONDocument(t, "error", out.String())
			if e, _ := doc["error"].(string); !strings.Contains(e, "correlate: stopped before every file was read") {
				t.Errorf("error document %v does not say the run was stopped", doc)
			}
		})
	}
}
