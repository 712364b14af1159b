package objects_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"klpcheck/correlate/objects"
	"klpcheck/internal/testenv"
)

// TestScanSkipsNonRegularFiles: a FIFO named like an object inside the
// build directory (and a link to a device) is skipped and listed, never
// opened for a read that would block forever.
func TestScanSkipsNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.o"), 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "lib.a"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.o")); err != nil {
		t.Fatal(err)
	}
	ix, err := objects.Scan(dir, objects.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"fifo.o": "FIFO", "lib.a": "FIFO", "zero.o": "character device"}
	for _, s := range ix.Skipped {
		if w, ok := want[s.Path]; ok && strings.Contains(s.Reason, w) && strings.Contains(s.Reason, "not a regular file") {
			delete(want, s.Path)
		}
	}
	for p, w := range want {
		t.Errorf("%s not listed as skipped (%s, not a regular file); skipped: %+v", p, w, ix.Skipped)
	}
}

// TestLLVMNMCrash: llvm-nm-22 segfaults on a 4-byte bitcode file; the
// error says so in words, not "signal: segmentation fault".
func TestLLVMNMCrash(t *testing.T) {
	nm := testenv.Tool(t, "llvm-nm-22")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "short.o"), []byte("BC\xc0\xde"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := objects.Scan(dir, objects.Options{NM: nm})
	want := "could not read the bitcode symbol table of short.o (llvm-nm-22 crashed)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
}
