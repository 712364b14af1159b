package dwarfunits_test

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"klpcheck/correlate/dwarfunits"
	"klpcheck/correlate/elfsym"
	"klpcheck/correlate/internal/fixturetest"
	"klpcheck/internal/testenv"
)

// The C and assembly sources of the split-DWARF and type-unit fixtures:
// a C static and an assembly global share the name counter.
const (
	splitC = `struct point { int x, y; };
static int counter;
static int bump(int v) { counter += v; return counter; }
int clash_global;
struct point origin = {1, 2};
int a_entry(int v) { return bump(v) + origin.x; }
`
	splitS = `	.text
	.globl asm_entry
	.type asm_entry,@function
asm_entry:
	ret
	.globl counter
counter:
	ret
`
)

// run runs a real tool in dir, failing the test with its output.
func run(t *testing.T, dir string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// buildPair compiles a.c (with cflags too) and b.S with flags and joins
// them with ld.lld-22 -r, the way vmlinux.o is made; it returns the
// directory.
func buildPair(t *testing.T, cflags []string, flags ...string) string {
	t.Helper()
	clang := testenv.Tool(t, "clang-22")
	lld := testenv.Tool(t, "ld.lld-22")
	dir := t.TempDir()
	for name, text := range map[string]string{"a.c": splitC, "b.S": splitS} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// cflags first: -x applies to the inputs after it.
	run(t, dir, clang, append(append(append([]string{}, cflags...), flags...), "-c", "-O1", "-g", "a.c", "-o", "a.o")...)
	run(t, dir, clang, append([]string{"-c", "-g", "b.S", "-o", "b.o"}, flags...)...)
	run(t, dir, lld, "-r", "a.o", "b.o", "-o", "r.o")
	return dir
}

func readUnits(t *testing.T, path string) ([]dwarfunits.Unit, error) {
	t.Helper()
	f, err := elfsym.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return dwarfunits.Read(f)
}

// TestSplitDWARF: with -gsplit-dwarf the C unit in the object is a
// skeleton (DWARF 5: DW_UT_skeleton, tag 0x4a; DWARF 4: a compile unit with
// DW_AT_GNU_dwo_name) and its names are in a.dwo. The units read must equal
// llvm-dwarfdump-22's full units of r.o plus those of a.dwo; without the
// .dwo the result is incomplete and says which file is missing.
func TestSplitDWARF(t *testing.T) {
	tool := testenv.Tool(t, "llvm-dwarfdump-22")
	for _, v := range []string{"-gdwarf-4", "-gdwarf-5"} {
		t.Run(v, func(t *testing.T) {
			dir := buildPair(t, nil, v, "-gsplit-dwarf")
			r := filepath.Join(dir, "r.o")
			want := summary(append(dwarfdumpUnits(t, tool, r), dwarfdumpUnits(t, tool, filepath.Join(dir, "a.dwo"))...))
			units, err := readUnits(t, r)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(units); got != want {
				t.Errorf("units:\n%s\nllvm-dwarfdump-22 of r.o and a.dwo:\n%s", got, want)
			}
			if !strings.Contains(want, "static:counter") || !strings.Contains(want, "asm b.S: asm_entry counter") {
				t.Errorf("fixture lacks the clash: %s", want)
			}
			if err := os.Remove(filepath.Join(dir, "a.dwo")); err != nil {
				t.Fatal(err)
			}
			units, err = readUnits(t, r)
			var probs *dwarfunits.Problems
			if !errors.As(err, &probs) || !strings.Contains(err.Error(), "a.dwo") || !strings.HasPrefix(err.Error(), r+": .debug_info+0x") {
				t.Fatalf("without a.dwo: error %v, want a *Problems naming r.o, the unit offset and a.dwo", err)
			}
			if got := summary(units); !strings.Contains(got, "asm b.S: asm_entry counter") {
				t.Errorf("without a.dwo the assembly unit is lost too: %s", got)
			}
			// A FIFO in the .dwo's place must not block the reader.
			if err := syscall.Mkfifo(filepath.Join(dir, "a.dwo"), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err = readUnits(t, r); err == nil || !strings.Contains(err.Error(), "a.dwo") {
				t.Errorf("with a FIFO for a.dwo: %v", err)
			}
		})
	}
}

// TestTypeUnits: -fdebug-types-section (C++) puts each type in a type unit of
// its own COMDAT group (DWARF 5: one more .debug_info section per type;
// DWARF 4: .debug_types). They are stepped over and the compile units read
// as llvm-dwarfdump-22 reads them, in the object and after ld -r.
func TestTypeUnits(t *testing.T) {
	tool := testenv.Tool(t, "llvm-dwarfdump-22")
	for _, v := range []string{"-gdwarf-4", "-gdwarf-5"} {
		t.Run(v, func(t *testing.T) {
			// Type units are made for C++ types only (they need ODR names).
			dir := buildPair(t, []string{"-x", "c++", "-fdebug-types-section"}, v)
			a := filepath.Join(dir, "a.o")
			if v == "-gdwarf-5" {
				if n := countSections(t, a, ".debug_info"); n < 2 {
					t.Fatalf("a.o has %d .debug_info sections, want a type unit's besides the compile unit's", n)
				}
			}
			for _, path := range []string{a, filepath.Join(dir, "r.o")} {
				units, err := readUnits(t, path)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := summary(units), dwarfdump(t, tool, path); got != want || !strings.Contains(got, "origin") {
					t.Errorf("%s units:\n%s\nllvm-dwarfdump-22:\n%s", filepath.Base(path), got, want)
				}
			}
		})
	}
}

func countSections(t *testing.T, path, name string) int {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for _, s := range f.Sections {
		if s.Name == name {
			n++
		}
	}
	return n
}

// compressed writes a copy of path with its debug sections compressed by
// llvm-objcopy-22 (zlib or zstd) and checks that they are SHF_COMPRESSED.
func compressed(t testing.TB, path, algo string) string {
	t.Helper()
	objcopy := testenv.Tool(t, "llvm-objcopy-22")
	out := filepath.Join(t.TempDir(), filepath.Base(path)+"."+algo)
	if b, err := exec.Command(objcopy, "--compress-debug-sections="+algo, path, out).CombinedOutput(); err != nil {
		t.Fatalf("llvm-objcopy-22: %v\n%s", err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if s := f.Section(".debug_info"); s == nil || s.Flags&elf.SHF_COMPRESSED == 0 {
		t.Fatalf("%s: .debug_info is not SHF_COMPRESSED", out)
	}
	return out
}

// TestCompressed: the units of a zlib- or zstd-compressed copy equal those
// of the original, for the ld -r fixture and a final link, and for the
// relocatable assembly fixture of every target (Elf32_Chdr for i386 and
// ppc, big-endian headers for s390x and ppc, REL relocations on i386).
func TestCompressed(t *testing.T) {
	set := fixturetest.Get(t)
	orig := set.Variants["orig"]
	paths := []string{orig.VmlinuxO, orig.Vmlinux}
	for _, a := range set.Arches {
		paths = append(paths, a.Relocatable)
	}
	for _, path := range paths {
		want, err := readUnits(t, path)
		if err != nil {
			t.Fatal(err)
		}
		for _, algo := range []string{"zlib", "zstd"} {
			t.Run(filepath.Base(filepath.Dir(path))+"/"+filepath.Base(path)+"/"+algo, func(t *testing.T) {
				got, err := readUnits(t, compressed(t, path, algo))
				if err != nil {
					t.Fatal(err)
				}
				if summary(got) != summary(want) || len(got) == 0 {
					t.Errorf("compressed:\n%s\nuncompressed:\n%s", summary(got), summary(want))
				}
			})
		}
	}
}

// TestCompressedKernel is TestCompressed on the real 6.12 ThinLTO vmlinux.o.
func TestCompressedKernel(t *testing.T) {
	k := testenv.Kernel(t)
	path := filepath.Join(k.Orig, "vmlinux.o")
	want, err := readUnits(t, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, algo := range []string{"zlib", "zstd"} {
		t.Run(algo, func(t *testing.T) {
			got, err := readUnits(t, compressed(t, path, algo))
			if err != nil {
				t.Fatal(err)
			}
			if summary(got) != summary(want) || len(got) < 1000 {
				t.Errorf("%d units compressed, %d uncompressed, or they differ", len(got), len(want))
			}
		})
	}
}

// sectionAt is the file offset and size of a section, by debug/elf.
func sectionAt(t testing.TB, path, name string) (off, size uint64) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := f.Section(name)
	if s == nil {
		t.Fatalf("%s has no %s", path, name)
	}
	return s.Offset, s.FileSize
}

// corrupt copies path into a temporary directory and lets breakIt change
// its bytes.
func corrupt(t testing.TB, path string, breakIt func(b []byte)) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	breakIt(b)
	out := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCorrupt breaks real files where a reader that fails open would go on:
// each must give a *Problems naming the file, the section and the offset.
func TestCorrupt(t *testing.T) {
	set := fixturetest.Get(t)
	obj := set.Variants["orig"].VmlinuxO
	zlibObj := compressed(t, obj, "zlib")
	relaOff, _ := sectionAt(t, obj, ".rela.debug_info")
	infoOff, _ := sectionAt(t, obj, ".debug_info")
	abbrevOff, _ := sectionAt(t, obj, ".debug_abbrev")
	zOff, _ := sectionAt(t, zlibObj, ".debug_info")
	tests := []struct {
		name    string
		path    string
		breakIt func(b []byte)
		want    []string
	}{
		{"rela symbol index", obj, func(b []byte) {
			binary.LittleEndian.PutUint32(b[relaOff+5*24+12:], 0xfffffff) // r_info's symbol of entry 5
		}, []string{".rela.debug_info", "relocation 5", "symbol index 268435455 out of range", "offset " + hex(relaOff+5*24)}},
		{"rela offset", obj, func(b []byte) {
			binary.LittleEndian.PutUint64(b[relaOff+3*24:], 1<<40) // r_offset of entry 3
		}, []string{".rela.debug_info", "relocation 3", "runs past the end of the section", "offset " + hex(relaOff+3*24)}},
		{"rela type", obj, func(b []byte) {
			binary.LittleEndian.PutUint32(b[relaOff+24+8:], 200) // r_info's type of entry 1
		}, []string{".rela.debug_info", "unknown relocation type 200"}},
		{"unknown compression", zlibObj, func(b []byte) {
			binary.LittleEndian.PutUint32(b[zOff:], 9) // ch_type
		}, []string{`".debug_info"`, "unknown compression type 9", "offset " + hex(zOff)}},
		{"decompression bomb header", zlibObj, func(b []byte) {
			binary.LittleEndian.PutUint64(b[zOff+8:], 1<<50) // ch_size
		}, []string{`".debug_info"`, "decompression bomb", "offset " + hex(zOff+24)}},
		{"corrupt zlib stream", zlibObj, func(b []byte) {
			for i := zOff + 40; i < zOff+60; i++ {
				b[i] ^= 0xff
			}
		}, []string{`".debug_info"`, "zlib"}},
		{"truncated unit", obj, func(b []byte) {
			binary.LittleEndian.PutUint32(b[infoOff:], 0x7ffffff0) // the first unit's length
		}, []string{".debug_info+0x0:", "runs past the end of .debug_info"}},
		{"unsupported form", obj, func(b []byte) {
			// The first abbreviation's first attribute: code, tag, children,
			// then (attribute, form): make the form one DWARF does not define.
			b[abbrevOff+4] = 0x7f
		}, []string{".debug_info+0x", "unknown attribute form 0x7f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := corrupt(t, tt.path, tt.breakIt)
			_, err := readUnits(t, bad)
			var probs *dwarfunits.Problems
			if !errors.As(err, &probs) {
				t.Fatalf("error %v (%T), want a *dwarfunits.Problems", err, err)
			}
			msg := err.Error()
			for _, w := range append(tt.want, bad) {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
		})
	}
}

func hex(v uint64) string { return fmt.Sprintf("%#x", v) }

// TestKernelAsmUnitNames: on the real vmlinux.o, every assembly unit is
// named by the .S file most of its labels were declared in, as
// llvm-dwarfdump-22 shows each label's DW_AT_decl_file (entry_64.S's unit
// is itself named after a header it includes, idtentry.h).
func TestKernelAsmUnitNames(t *testing.T) {
	k := testenv.Kernel(t)
	tool := testenv.Tool(t, "llvm-dwarfdump-22")
	path := filepath.Join(k.Planted, "vmlinux.o")
	units, err := readUnits(t, path)
	if err != nil {
		t.Fatal(err)
	}
	declFile := regexp.MustCompile(`DW_AT_decl_file\s+\("([^"]+)"\)`)
	asm, entry := 0, false
	for _, u := range units {
		if !u.Asm() {
			continue
		}
		asm++
		entry = entry || strings.HasSuffix(u.Name, k.PlantedAsm)
		if !strings.HasSuffix(u.Name, ".S") {
			t.Errorf("assembly unit at %#x named %q", u.Offset, u.Name)
		}
		// llvm-dwarfdump takes seconds per unit on this file: the first
		// five (head_64.S, named verify_cpu.S, among them) and entry_64.S.
		if asm > 5 && !strings.HasSuffix(u.Name, k.PlantedAsm) {
			continue
		}
		// The unit DIE follows the 12-byte DWARF 5 unit header.
		out, err := exec.Command(tool, fmt.Sprintf("--debug-info=%#x", u.Offset+12), "-c", path).Output()
		if err != nil {
			t.Fatalf("llvm-dwarfdump-22: %v", err)
		}
		count := map[string]int{}
		want := ""
		for _, m := range declFile.FindAllStringSubmatch(string(out), -1) {
			if f := m[1]; strings.HasSuffix(f, ".S") {
				count[f]++
				if count[f] > count[want] || count[f] == count[want] && f < want {
					want = f
				}
			}
		}
		if want != "" && u.Name != want {
			t.Errorf("unit at %#x named %q, its labels are declared in %q", u.Offset, u.Name, want)
		}
	}
	if asm < 10 || !entry {
		t.Errorf("%d assembly units, %s among them: %v", asm, k.PlantedAsm, entry)
	}
}

// TestMappedKernel: the units read from the mapped vmlinux.o, whose
// fields are relocated one by one, are those read through an io.ReaderAt
// (elfsym.New), whose sections are copied and relocated whole.
func TestMappedKernel(t *testing.T) {
	k := testenv.Kernel(t)
	path := filepath.Join(k.Planted, "vmlinux.o")
	mapped, err := readUnits(t, path)
	if err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		t.Fatal(err)
	}
	f, err := elfsym.New(fh, st.Size(), path)
	if err != nil {
		t.Fatal(err)
	}
	copied, err := dwarfunits.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(mapped) < 1000 || !reflect.DeepEqual(mapped, copied) {
		t.Errorf("%d units mapped, %d copied, or they differ", len(mapped), len(copied))
	}
}

// TestTruncatedUnderMapping: a file cut short by another process while it
// is mapped gives an error naming the file, not a crash (SIGBUS).
func TestTruncatedUnderMapping(t *testing.T) {
	k := testenv.Kernel(t)
	b, err := os.ReadFile(filepath.Join(k.Planted, "vmlinux.o"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vmlinux.o")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := elfsym.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info := f.SectionByName(".debug_info")
	if err := os.Truncate(path, int64(info.Offset+info.Size/2)); err != nil {
		t.Fatal(err)
	}
	// Here the copy of .debug_str, after the mapped sections, fails first;
	// elfsym's TestReadMappedTruncated takes the fault itself.
	units, err := dwarfunits.Read(f)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("%d units, error %v; want one naming %s", len(units), err, path)
	}
}
