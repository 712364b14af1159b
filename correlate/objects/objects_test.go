package objects_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"klpcheck/correlate/internal/fixturetest"
	"klpcheck/correlate/objects"
	"klpcheck/internal/testenv"
)

func TestMain(m *testing.M) { fixturetest.Main(m) }

func paths(objs []*objects.Object) string {
	var s []string
	for _, o := range objs {
		s = append(s, o.Path+"["+o.Kind()+"]")
	}
	sort.Strings(s)
	return strings.Join(s, " ")
}

// TestScanBuildDir scans a variant directory as built: six bitcode objects,
// one assembly object, and the two links (vmlinux, vmlinux.o) recognised as
// outputs, not objects.
func TestScanBuildDir(t *testing.T) {
	set := fixturetest.Get(t)
	orig := set.Variants["orig"]
	ix, err := objects.Scan(orig.Dir, objects.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bc, elf := ix.Counts()
	if bc != 6 || elf != 1 {
		t.Fatalf("%d bitcode and %d ELF objects, want 6 and 1: %s", bc, elf, paths(ix.Objects))
	}
	var skipped []string
	for _, s := range ix.Skipped {
		skipped = append(skipped, s.Path+": "+s.Reason)
	}
	sort.Strings(skipped)
	want := []string{"vmlinux.o: an LTO link output (holds .llvm. promoted symbols)"}
	if strings.Join(skipped, "\n") != strings.Join(want, "\n") {
		t.Errorf("skipped:\n%s\nwant:\n%s", strings.Join(skipped, "\n"), strings.Join(want, "\n"))
	}
	checks := []struct {
		name    string
		globals string
		locals  string
	}{
		{"clash_hard", "entry.o[assembly]", "seq.o[LLVM bitcode]"},
		{"clash_latent", "entry.o[assembly]", "seq.o[LLVM bitcode]"},
		{"shared_name", "core.o[LLVM bitcode]", "seq.o[LLVM bitcode]"},
		{"m_next", "", "iter.o[LLVM bitcode] proc.o[LLVM bitcode] sysfs.o[LLVM bitcode]"},
		{"copy_page.isra.0", "", "entry.o[assembly]"},
		{"asm_table", "entry.o[assembly]", ""},
	}
	for _, c := range checks {
		if got := paths(ix.Globals(c.name)); got != c.globals {
			t.Errorf("globals %s: %q, want %q", c.name, got, c.globals)
		}
		if got := paths(ix.Locals(c.name)); got != c.locals {
			t.Errorf("locals %s: %q, want %q", c.name, got, c.locals)
		}
	}
	if got := paths(ix.DefiningAllLocals([]string{"twice", "counter", "limits"})); got != "core.o[LLVM bitcode]" {
		t.Errorf("module of twice+counter+limits: %q", got)
	}
	if got := paths(ix.DefiningAllLocals([]string{"m_next", "m_stop"})); got != "iter.o[LLVM bitcode] proc.o[LLVM bitcode] sysfs.o[LLVM bitcode]" {
		t.Errorf("modules of m_next+m_stop: %q", got)
	}
	for _, o := range ix.Objects {
		if o.LTO && o.Source != strings.TrimSuffix(o.Path, ".o")+".c" {
			t.Errorf("%s: source %q", o.Path, o.Source)
		}
	}
}

// TestScanExclude: the file under analysis is never one of the objects,
// even when it is an ELF relocatable inside the build directory.
func TestScanExclude(t *testing.T) {
	set := fixturetest.Get(t)
	orig := set.Variants["orig"]
	ix, err := objects.Scan(orig.Dir, objects.Options{Exclude: []string{orig.Objects[0]}})
	if err != nil {
		t.Fatal(err)
	}
	if got := paths(ix.Globals("clash_hard")); got != "" {
		t.Fatalf("excluded entry.o still indexed: %s", got)
	}
	found := false
	for _, s := range ix.Skipped {
		found = found || (s.Path == "entry.o" && s.Reason == "the file being analysed")
	}
	if !found {
		t.Fatalf("entry.o not reported as skipped: %+v", ix.Skipped)
	}
}

// TestScanArchives: a directory holding only kbuild-style archives (a thin
// vmlinux.a naming ../orig/*.o, a regular lib.a holding entry.o) gives the
// same provenance as the objects themselves.
func TestScanArchives(t *testing.T) {
	set := fixturetest.Get(t)
	ix, err := objects.Scan(set.Archives, objects.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bc, elf := ix.Counts()
	if bc != 6 || elf != 1 || ix.Archives != 2 {
		t.Fatalf("%d bitcode, %d ELF, %d archives: %s", bc, elf, ix.Archives, paths(ix.Objects))
	}
	if got := paths(ix.Globals("clash_hard")); got != "lib.a(entry.o)[assembly]" {
		t.Errorf("clash_hard from %q", got)
	}
	if got := paths(ix.Locals("clash_hard")); !strings.HasSuffix(got, filepath.Join("orig", "seq.o")+"[LLVM bitcode]") {
		t.Errorf("static clash_hard from %q", got)
	}
}

// TestArchiveFormats reads archives written by llvm-ar-22 and GNU ar in the
// GNU, BSD and thin formats, with long member names, and compares the
// member lists with what the archivers list.
func TestArchiveFormats(t *testing.T) {
	llvmAR := testenv.Tool(t, "llvm-ar-22")
	gnuAR := testenv.Tool(t, "ar")
	dir := t.TempDir()
	names := []string{"a.o", "a_member_name_longer_than_sixteen.o", "b.o"}
	for i, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), bytes.Repeat([]byte{byte('x' + i)}, 3+i), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		tool string
		args []string
		thin bool
	}{
		{"llvm-gnu", llvmAR, []string{"rc", "--format=gnu"}, false},
		{"llvm-bsd", llvmAR, []string{"rc", "--format=bsd"}, false},
		{"llvm-thin", llvmAR, []string{"rcT"}, true},
		{"gnu", gnuAR, []string{"rc"}, false},
		{"gnu-thin", gnuAR, []string{"rcT"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ar := filepath.Join(dir, tt.name+".a")
			cmd := exec.Command(tt.tool, append(append(tt.args, ar), names...)...)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			data, err := os.ReadFile(ar)
			if err != nil {
				t.Fatal(err)
			}
			members, thin, err := objects.ReadArchive(bytes.NewReader(data), int64(len(data)), ar)
			if err != nil {
				t.Fatal(err)
			}
			if thin != tt.thin {
				t.Fatalf("thin = %v", thin)
			}
			var got []string
			for i, m := range members {
				got = append(got, filepath.Base(m.Name))
				if !thin {
					content := data[m.Offset : m.Offset+m.Size]
					if want := bytes.Repeat([]byte{byte('x' + i)}, 3+i); !bytes.Equal(content, want) {
						t.Errorf("member %s: contents %q, want %q", m.Name, content, want)
					}
				} else if m.Offset != -1 {
					t.Errorf("thin member %s has an offset", m.Name)
				}
			}
			if strings.Join(got, " ") != strings.Join(names, " ") {
				t.Errorf("members %q, want %q", got, names)
			}
		})
	}
}

func TestArchiveMalformed(t *testing.T) {
	hdr := func(name, size string) string {
		return padRight(name, 16) + padRight("0", 12) + padRight("0", 6) + padRight("0", 6) + padRight("644", 8) + padRight(size, 10) + "`\n"
	}
	tests := []struct{ name, data, want string }{
		{"short", "!<arch>", "too short"},
		{"not archive", "!<arhc>\nxxxxxxxx", "not an ar archive"},
		{"truncated header", "!<arch>\nabc.o/    0", "truncated member header"},
		{"bad size", "!<arch>\n" + hdr("a.o/", "12x"), "bad member size"},
		{"size past end", "!<arch>\n" + hdr("a.o/", "999999") + "abc", "runs past the end"},
		{"bad terminator", "!<arch>\n" + hdr("a.o/", "3")[:58] + "xx", "terminator"},
		{"long name without table", "!<thin>\n" + hdr("/0", "10"), "does not point into the long name table"},
		{"bsd name too long", "!<arch>\n" + hdr("#1/50", "4") + "abcd", "bad BSD member name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := objects.ReadArchive(strings.NewReader(tt.data), int64(len(tt.data)), "bad.a")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "bad.a") {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func padRight(s string, n int) string {
	for len(s) < n {
		s += " "
	}
	return s
}

// TestNMFallback: bitcode whose symbol table layout the native reader does
// not know is read with the llvm-nm of the LLVM that wrote it; without that
// llvm-nm the error names the package to install.
func TestNMFallback(t *testing.T) {
	testenv.Tool(t, "llvm-nm-22")
	set := fixturetest.Get(t)
	seq, err := os.ReadFile(filepath.Join(set.Variants["orig"].Dir, "seq.o"))
	if err != nil {
		t.Fatal(err)
	}
	// Make the irsymtab claim a layout version from the future.
	patched := false
	for i := 0; i+12 <= len(seq); i += 4 {
		v := binary.LittleEndian.Uint32(seq[i:])
		if v >= 1 && v <= 3 && binary.LittleEndian.Uint32(seq[i+8:]) == uint32(len("22.1.8")) {
			binary.LittleEndian.PutUint32(seq[i:], 77)
			patched = true
			break
		}
	}
	if !patched {
		t.Fatal("irsymtab header not found")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "seq.o"), seq, 0o644); err != nil {
		t.Fatal(err)
	}
	ix, err := objects.Scan(dir, objects.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(ix.NM, "llvm-nm-22") {
		t.Errorf("used %q, want llvm-nm-22", ix.NM)
	}
	if got := paths(ix.Locals("clash_hard")); got != "seq.o[LLVM bitcode]" {
		t.Errorf("static clash_hard from %q", got)
	}
	if got := paths(ix.Globals("seq_clash")); got != "seq.o[LLVM bitcode]" {
		t.Errorf("seq_clash from %q", got)
	}
	_, err = objects.Scan(dir, objects.Options{NM: "/nonexistent/llvm-nm-77"})
	if err == nil || !strings.Contains(err.Error(), "install the Debian package llvm-22") || !strings.Contains(err.Error(), "seq.o") {
		t.Fatalf("error %v, want one naming seq.o and the llvm-22 package", err)
	}
}

// FuzzReadArchive: any bytes give members or an *ArchiveError, never a
// panic, and every member of a regular archive lies inside the file.
func FuzzReadArchive(f *testing.F) {
	f.Add([]byte("!<arch>\na.o/           0           0     0     644     3         `\nabc\n"))
	f.Add([]byte("!<thin>\n//                                              8         `\nlong.o/\n/0              0           0     0     644     100       `\n"))
	f.Add([]byte("!<arch>\n#1/8            0           0     0     644     12        `\nname.o\x00\x00abcd"))
	f.Fuzz(func(t *testing.T, data []byte) {
		members, thin, err := objects.ReadArchive(bytes.NewReader(data), int64(len(data)), "fuzz.a")
		if err != nil {
			return
		}
		for _, m := range members {
			if !thin && (m.Offset < 0 || m.Size < 0 || m.Offset+m.Size > int64(len(data))) {
				t.Fatalf("member %+v outside the %d-byte archive", m, len(data))
			}
		}
	})
}

// TestScanSymlinkedTree: a kbuild-style build directory assembled with
// symbolic links (its lib/ a link to a directory elsewhere, linked in
// twice, with a link inside it back to the build directory) gives the
// same objects as the archives themselves, reads lib.a once, and reports
// the cycle instead of following it.
func TestScanSymlinkedTree(t *testing.T) {
	set := fixturetest.Get(t)
	tmp := t.TempDir()
	build := filepath.Join(tmp, "build")
	realLib := filepath.Join(tmp, "elsewhere", "lib")
	for _, d := range []string{build, realLib} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile := func(from, to string) {
		t.Helper()
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The thin vmlinux.a names ../orig/*.o.
	copyFile(filepath.Join(set.Archives, "vmlinux.a"), filepath.Join(build, "vmlinux.a"))
	copyFile(filepath.Join(set.Archives, "lib.a"), filepath.Join(realLib, "lib.a"))
	links := map[string]string{
		filepath.Join(tmp, "orig"):      set.Variants["orig"].Dir,
		filepath.Join(build, "lib"):     realLib,
		filepath.Join(build, "lib2"):    realLib,
		filepath.Join(realLib, "loop"):  build,
		filepath.Join(realLib, "stale"): filepath.Join(tmp, "gone"),
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	ix, err := objects.Scan(build, objects.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bc, elf := ix.Counts()
	if bc != 6 || elf != 1 || ix.Archives != 2 {
		t.Fatalf("%d bitcode, %d ELF, %d archives, want 6, 1, 2: %s", bc, elf, ix.Archives, paths(ix.Objects))
	}
	if got := paths(ix.Globals("clash_hard")); got != "lib/lib.a(entry.o)[assembly]" {
		t.Errorf("clash_hard from %q", got)
	}
	var reasons []string
	for _, s := range ix.Skipped {
		reasons = append(reasons, s.Path+": "+s.Reason)
	}
	got := strings.Join(reasons, "\n")
	if !strings.Contains(got, "lib/loop: symbolic link cycle") || !strings.Contains(got, "lib/stale: dangling symbolic link") || len(reasons) != 2 {
		t.Errorf("skipped:\n%s\nwant the cycle lib/loop and the dangling lib/stale", got)
	}
}
