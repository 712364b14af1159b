package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"klpcheck/internal/report"
	"klpcheck/internal/report/reporttest"
)

// copyFile copies src to dst (the fixtures are shared by the subtests).
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCorrelateMany runs "klpcheck correlate" on several files and
// directories built from the real fixtures: the rows, the totals, both
// budgets, the exit statuses, an unreadable file, a FIFO and bitcode in a
// directory, and the JSON document of many against its schema.
func TestCorrelateMany(t *testing.T) {
	set := buildCorrelateFixtures(t)
	orig := set.Variants["orig"]
	// A modules directory: two ELF objects, one LLVM bitcode object, a
	// FIFO named like a module, a text file, and a subdirectory reached
	// through a symbolic link (and one leading back up: a cycle).
	mods := t.TempDir()
	copyFile(t, orig.VmlinuxO, filepath.Join(mods, "a.ko"))
	copyFile(t, orig.Objects[0], filepath.Join(mods, "sub", "entry.o"))
	copyFile(t, filepath.Join(orig.Dir, "core.o"), filepath.Join(mods, "core.o"))
	if err := os.WriteFile(filepath.Join(mods, "README"), []byte("not an object\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(mods, "pipe.ko"), 0o644); err != nil {
		t.Fatal(err)
	}
	linked := t.TempDir()
	if err := os.Symlink(filepath.Join(mods, "sub"), filepath.Join(linked, "sub")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(linked, filepath.Join(linked, "sub", "up")); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	bitcodeOnly := t.TempDir()
	copyFile(t, filepath.Join(orig.Dir, "core.o"), filepath.Join(bitcodeOnly, "core.o"))
	missing := filepath.Join(t.TempDir(), "gone.ko")
	// A distribution's modules directory: compressed modules beside one
	// that is not.
	distro := t.TempDir()
	copyFile(t, orig.Objects[0], filepath.Join(distro, "plain.ko"))
	for _, name := range []string{"a.ko.xz", "b.ko.zst", "c.ko.gz"} {
		if err := os.WriteFile(filepath.Join(distro, name), []byte("compressed"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name   string
		args   []string
		status int
		stdout []string
		absent []string
		stderr string
	}{
		{"two files", []string{"--build", orig.Dir, orig.Vmlinux, orig.VmlinuxO}, report.ExitFindings,
			[]string{"2 files read, 0 could not be read, 0 skipped", orig.Vmlinux + " ", orig.VmlinuxO + " ", "Total ", "hard     clash_hard", "Result: 2 file(s) with findings"}, nil, ""},
		{"directory", []string{"--build", orig.Dir, mods}, report.ExitFindings,
			[]string{"2 files read, 0 could not be read, 3 skipped", filepath.Join(mods, "a.ko"), filepath.Join(mods, "sub", "entry.o"),
				filepath.Join(mods, "pipe.ko") + ": a FIFO (named pipe), not a regular file", filepath.Join(mods, "core.o") + ": LLVM bitcode", "sub/up/sub: symbolic link cycle"}, []string{"README"}, ""},
		{"compressed modules listed as skipped", []string{distro}, report.ExitClean,
			[]string{"1 files read, 0 could not be read, 3 skipped",
				filepath.Join(distro, "a.ko.xz") + ": xz-compressed module, not read: decompress it first (xz -dk)",
				filepath.Join(distro, "b.ko.zst") + ": zstd-compressed module, not read: decompress it first (zstd -d)",
				filepath.Join(distro, "c.ko.gz") + ": gzip-compressed module, not read: decompress it first (gzip -dk)"}, nil, ""},
		{"symlinked directory, cycle skipped", []string{linked}, report.ExitClean,
			[]string{"1 files read", filepath.Join(linked, "sub", "entry.o"), "symbolic link cycle", "Result: clean"}, nil, ""},
		{"per-file budget", []string{"--max-suffixed", "15", "--build", orig.Dir, orig.VmlinuxO, orig.Objects[0]}, report.ExitFindings,
			[]string{"16 suffixed symbols (functions+data) exceed the budget of 15", "1 over the budget"}, nil, ""},
		{"per-file budget met", []string{"--max-suffixed", "16", orig.Objects[0], orig.Objects[0]}, report.ExitClean,
			[]string{"1 files read", "Result: clean"}, nil, ""},
		{"total budget", []string{"--max-suffixed", "16", "--max-suffixed-total", "31", orig.Vmlinux, orig.VmlinuxO}, report.ExitFindings,
			[]string{"32 EXCEEDS the total budget of 31", "in all files exceed the total budget of 31"}, []string{"1 over the budget"}, ""},
		{"total budget of one FILE", []string{"--max-suffixed-total", "15", "--build", orig.Dir, orig.VmlinuxO}, report.ExitFindings,
			[]string{"16 EXCEEDS the budget of 15"}, nil, ""},
		{"total budget met", []string{"--max-suffixed-total", "32", "--build", orig.Dir, orig.Objects[0], filepath.Join(mods, "sub")}, report.ExitClean,
			[]string{"0 within the total budget of 32"}, nil, ""},
		{"unreadable file", []string{orig.Objects[0], missing}, report.ExitError,
			[]string{"1 files read, 1 could not be read", orig.Objects[0] + " ", "Could not be read:\n  " + missing + ": cannot open: no such file or directory"}, nil,
			"correlate: 1 of 2 file(s) could not be read: " + missing},
		{"named bitcode is unreadable", []string{orig.Objects[0], filepath.Join(orig.Dir, "core.o")}, report.ExitError,
			[]string{"core.o: LLVM bitcode (an LTO object before linking), not ELF: pass"}, nil, "could not be read"},
		{"empty directory", []string{empty}, report.ExitError,
			[]string{"0 files read, 1 could not be read", empty + ": no ELF object (*.o, *.ko, vmlinux) below this directory"}, nil, "no ELF object"},
		{"directory of bitcode only", []string{orig.Objects[0], bitcodeOnly}, report.ExitError,
			[]string{bitcodeOnly + ": no ELF object"}, nil, "no ELF object"},
		{"against refused", []string{"--against", orig.VmlinuxO, orig.Vmlinux, orig.VmlinuxO}, report.ExitError, nil, nil, "--against pairs one FILE with one ORIG: give a single FILE, not 2 files\n"},
		{"against refused for a directory", []string{"--against", orig.VmlinuxO, mods}, report.ExitError, nil, nil, "give a single FILE, not the directory " + mods + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			status := run(append([]string{"klpcheck", "correlate"}, tt.args...), &out, &errb)
			if status != tt.status {
				t.Fatalf("status %d, want %d\nstdout:\n%s\nstderr:\n%s", status, tt.status, out.String(), errb.String())
			}
			for _, want := range tt.stdout {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, out.String())
				}
			}
			for _, bad := range tt.absent {
				if strings.Contains(out.String(), bad) {
					t.Errorf("stdout has %q:\n%s", bad, out.String())
				}
			}
			if tt.stderr != "" && !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("stderr %q lacks %q", errb.String(), tt.stderr)
			}
		})
	}

	// The JSON of many: files[] (each the one-file document), the
	// unreadable and skipped files, the totals; valid against its schema
	// with no null list; still one document on exit 2.
	jsonCases := []struct {
		name   string
		args   []string
		status int
		files  int
		check  func(t *testing.T, doc map[string]any)
	}{
		{"directory", []string{"--build", orig.Dir, "--max-suffixed-total", "1", mods}, report.ExitFindings, 2, func(t *testing.T, doc map[string]any) {
			tot := doc["totals"].(map[string]any)
			if tot["files"] != 2.0 || tot["skipped"] != 3.0 || tot["unreadable"] != 0.0 {
				t.Errorf("totals %v: want 2 files, 3 skipped (bitcode, FIFO, cycle), 0 unreadable", tot)
			}
			if tot["functions"] != 10.0 || tot["data"] != 6.0 || tot["suffixed"] != 16.0 {
				t.Errorf("totals %v: want 10 functions, 6 data of a.ko, none of entry.o", tot)
			}
			if c := tot["conflicts"].(map[string]any); c["hard"] != 1.0 {
				t.Errorf("totals.conflicts %v: want the hard conflict of a.ko", c)
			}
			if b := doc["budget"].(map[string]any); b["exceeded"] != true || b["count"] != 16.0 {
				t.Errorf("budget %v", b)
			}
			first := doc["files"].([]any)[0].(map[string]any)
			if first["file"] != filepath.Join(mods, "a.ko") || first["suffixed"] == nil || first["conflicts"] == nil {
				t.Errorf("files[0] is not the one-file document of a.ko: %v", first["file"])
			}
		}},
		{"unreadable", []string{orig.Objects[0], missing}, report.ExitError, 1, func(t *testing.T, doc map[string]any) {
			u := doc["unreadable"].([]any)
			if len(u) != 1 || u[0].(map[string]any)["path"] != missing {
				t.Errorf("unreadable %v: want %s", u, missing)
			}
			if doc["status"] != 2.0 {
				t.Errorf("status %v, want 2", doc["status"])
			}
		}},
		{"empty directory", []string{empty}, report.ExitError, 0, nil},
	}
	for _, tt := range jsonCases {
		t.Run("json "+tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			status := run(append([]string{"klpcheck", "correlate", "--format", "json"}, tt.args...), &out, &errb)
			if status != tt.status {
				t.Fatalf("status %d, want %d\nstderr:\n%s", status, tt.status, errb.String())
			}
			doc := checkJSONDocument(t, "correlate-many", out.String())
			if files := doc["files"].([]any); len(files) != tt.files {
				t.Errorf("%d files, want %d", len(files), tt.files)
			}
			if tt.check != nil {
				tt.check(t, doc)
			}
		})
	}
	t.Run("sarif", func(t *testing.T) {
		var out, errb bytes.Buffer
		status := run([]string{"klpcheck", "correlate", "--format", "sarif", "--build", orig.Dir, orig.Vmlinux, orig.VmlinuxO, missing}, &out, &errb)
		if status != report.ExitError {
			t.Fatalf("status %d, want 2\n%s", status, errb.String())
		}
		reporttest.ValidateSARIF(t, out.Bytes())
		s := out.String()
		if strings.Count(s, `"ruleId": "COR001"`) != 2 || strings.Count(s, `"runs": [`) != 1 {
			t.Errorf("want one run with the hard conflict of each file:\n%s", s)
		}
		if !strings.Contains(s, `"executionSuccessful": false`) || !strings.Contains(s, "gone.ko: cannot open") {
			t.Errorf("the unreadable file is not in the invocation:\n%s", s)
		}
	})
	t.Run("single FILE keeps the one-file document", func(t *testing.T) {
		var out, errb bytes.Buffer
		if status := run([]string{"klpcheck", "correlate", "--format", "json", orig.Objects[0]}, &out, &errb); status != report.ExitClean {
			t.Fatalf("status %d\n%s", status, errb.String())
		}
		doc := checkJSONDocument(t, "correlate", out.String())
		if _, ok := doc["files"]; ok || doc["file"] != orig.Objects[0] {
			t.Errorf("one FILE gave the document of many: %v", doc["file"])
		}
	})
}

// TestFilesProgress: the files line on a terminal (a writer stands in for
// it), at most ten a second but always the last; nothing elsewhere.
func TestFilesProgress(t *testing.T) {
	var term strings.Builder
	p := &progress{w: &term}
	for i := 1; i <= 1000; i++ {
		p.files(i, 1000)
	}
	p.done()
	got := term.String()
	if !strings.Contains(got, "klpcheck: correlate: 1/1000 files") || !strings.Contains(got, "klpcheck: correlate: 1000/1000 files") {
		t.Errorf("progress %q lacks the first and the last count", got)
	}
	if n := strings.Count(got, "files"); n > 10 {
		t.Errorf("%d updates for 1000 files in an instant: not rate-limited", n)
	}
	if !strings.HasSuffix(got, "\r\033[K") {
		t.Errorf("progress %q not cleared before the report", got)
	}
	var pipe strings.Builder
	q := newProgress(&pipe)
	q.files(1, 2)
	q.done()
	if pipe.Len() != 0 {
		t.Errorf("progress written to a non-terminal: %q", pipe.String())
	}
}
