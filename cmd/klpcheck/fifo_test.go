package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"klpcheck/fixtures"
	"klpcheck/internal/report"
)

// TestNonRegularInputs: a FIFO or a device given as FILE is exit 2 with
// the reason, and a FIFO inside --build is skipped and listed; neither
// hangs (they used to block in open forever).
func TestNonRegularInputs(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "vmlinux.o")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	build := filepath.Join(dir, "build")
	if err := os.Mkdir(build, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(build, "stuck.o"), 0o644); err != nil {
		t.Fatal(err)
	}
	demo, err := fixtures.Demo.ReadFile("demo/build/vmlinux.o")
	if err != nil {
		t.Fatal(err)
	}
	vmlinux := filepath.Join(dir, "real-vmlinux.o")
	if err := os.WriteFile(vmlinux, demo, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		args           []string
		status         int
		stdout, stderr string
	}{
		{"FIFO as FILE", []string{"correlate", fifo}, report.ExitError, "", "is a FIFO (named pipe), not a regular file"},
		{"FIFO as --against", []string{"correlate", "--against", fifo, vmlinux}, report.ExitError, "", "is a FIFO (named pipe), not a regular file"},
		{"device as FILE", []string{"correlate", "/dev/zero"}, report.ExitError, "", "is a character device, not a regular file"},
		{"FIFO inside --build", []string{"correlate", "--format", "json", "--build", build, vmlinux}, -1, `"stuck.o"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errb := klp(t, tt.args...)
			if tt.status >= 0 && code != tt.status {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.status, errb)
			}
			if !strings.Contains(out, tt.stdout) || !strings.Contains(errb, tt.stderr) {
				t.Errorf("stdout %q\nstderr %q\nwant %q / %q", out, errb, tt.stdout, tt.stderr)
			}
			if tt.stdout != "" && !strings.Contains(out, "not a regular file") {
				t.Errorf("stuck.o listed without its reason: %s", out)
			}
		})
	}
}
