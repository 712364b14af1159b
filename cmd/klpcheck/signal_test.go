package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"klpcheck/internal/testenv"
)

// buildKlpcheck builds the command into a temporary directory: signals
// are about the real process, not run() in the test's own.
func buildKlpcheck(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "klpcheck")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestSignalsStopEverything runs the built binary against a hung stand-in
// linker that has forked a child, sends SIGINT or SIGTERM, and checks the
// exit status, that no process of the run is left, and that the private
// TMPDIR is empty (no klpcheck-probe-*, no klpcheck-demo-*).
func TestSignalsStopEverything(t *testing.T) {
	bin := buildKlpcheck(t)
	hang, err := filepath.Abs(filepath.Join("..", "..", "fixtures", "probe", "standin", "ld.lld-hang-standin"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		sig    syscall.Signal
		status int
	}{
		{"probe SIGTERM", []string{"probe", "--ld", hang, "--timeout", "10m"}, syscall.SIGTERM, 143},
		{"probe SIGINT", []string{"probe", "--ld", hang, "--timeout", "10m"}, syscall.SIGINT, 130},
		{"probe --format json SIGTERM", []string{"probe", "--ld", hang, "--timeout", "10m", "--format", "json"}, syscall.SIGTERM, 143},
		{"check demo SIGTERM", []string{"check", "--demo", "--ld", hang, "--timeout", "10m"}, syscall.SIGTERM, 143},
		{"check demo SIGINT", []string{"check", "--demo", "--ld", hang, "--timeout", "10m"}, syscall.SIGINT, 130},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			marker := testenv.Marker(t)
			testenv.KillMarkedAtCleanup(t, marker)
			cmd := exec.Command(bin, tt.args...)
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp, testenv.MarkerEnv+"="+marker)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			// The hung linker and its child are running.
			testenv.WaitForMarked(t, marker, 2, cmd.Process.Pid)
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			var werr error
			select {
			case werr = <-done:
			case <-time.After(time.Minute):
				_ = cmd.Process.Kill()
				t.Fatalf("klpcheck still running a minute after %v: it hangs", tt.sig)
			}
			var ee *exec.ExitError
			if !errors.As(werr, &ee) || ee.ExitCode() != tt.status {
				t.Errorf("after %v: %v, want exit status %d", tt.sig, werr, tt.status)
			}
			testenv.AssertNoMarked(t, marker)
			entries, _ := os.ReadDir(tmp)
			for _, e := range entries {
				t.Errorf("left in TMPDIR: %s", e.Name())
			}
		})
	}
}

// TestSignalsStopLint sends SIGINT or SIGTERM to the built binary while it
// evaluates a generated Makefile that takes seconds to lint (200,000
// appends to KBUILD_LDFLAGS, evaluated in every configuration). lint must
// stop there: the exit status is the signal's, no report is printed (an
// uninterrupted run prints one; a lint that ignored the context would
// finish first), stderr says it stopped, and TMPDIR is left empty.
func TestSignalsStopLint(t *testing.T) {
	bin := buildKlpcheck(t)
	dir := t.TempDir()
	var mk strings.Builder
	for i := range 200_000 {
		fmt.Fprintf(&mk, "KBUILD_LDFLAGS += -z%d\n", i)
	}
	makefile := filepath.Join(dir, "Makefile")
	if err := os.WriteFile(makefile, []byte(mk.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		sig    syscall.Signal
		status int
	}{
		{"lint SIGINT", []string{"lint", makefile}, syscall.SIGINT, 130},
		{"lint SIGTERM", []string{"lint", makefile}, syscall.SIGTERM, 143},
		{"lint --format json SIGTERM", []string{"lint", "--format", "json", makefile}, syscall.SIGTERM, 143},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin, tt.args...)
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			// Past reading and parsing (a fraction of a second here),
			// well inside the evaluation.
			time.Sleep(time.Second)
			sent := time.Now()
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			var werr error
			select {
			case werr = <-done:
			case <-time.After(time.Minute):
				_ = cmd.Process.Kill()
				t.Fatalf("klpcheck still running a minute after %v: it hangs", tt.sig)
			}
			t.Logf("exited %v after the signal", time.Since(sent).Round(time.Millisecond))
			var ee *exec.ExitError
			if !errors.As(werr, &ee) || ee.ExitCode() != tt.status {
				t.Errorf("after %v: %v, want exit status %d (stderr %q)", tt.sig, werr, tt.status, stderr.String())
			}
			if !strings.Contains(stderr.String(), "lint: stopped before the end") {
				t.Errorf("stderr %q does not say lint stopped: it ran to the end", stderr.String())
			}
			if out := stdout.String(); strings.Contains(out, "configuration") || strings.Contains(out, `"findings"`) {
				t.Errorf("a report was printed after the signal:\n%.300s", out)
			}
			if slices.Contains(tt.args, "json") {
				// One JSON document, whose status is the exit status.
				var doc struct{ Status int }
				if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil || doc.Status != tt.status {
					t.Errorf("stdout %q: status %d (%v), want one JSON document with status %d", stdout.String(), doc.Status, err, tt.status)
				}
			}
			entries, _ := os.ReadDir(tmp)
			for _, e := range entries {
				t.Errorf("left in TMPDIR: %s", e.Name())
			}
		})
	}
}
