package correlate

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"klpcheck/internal/testenv"
)

// The C unit of the split-DWARF test: a static variable and a static
// function, after a few lines so that their lines are not 1 and 2.
const splitDeclC = `/* a split-DWARF unit */

struct point { int x, y; };
static int counter;

static int bump(int v) { counter += v; return counter; }
int a_entry(int v) { return bump(v); }
`

// splitDeclS defines an assembly global named like the C static.
const splitDeclS = `	.text
	.globl counter
counter:
	ret
`

// buildSplitPair compiles a.c with split DWARF (dwarf: -gdwarf-4 or -5)
// and b.S, and joins them with ld.lld-22 -r as vmlinux.o is made; it
// returns the directory (a.dwo, r.o).
func buildSplitPair(t *testing.T, dwarf, csrc string) string {
	t.Helper()
	clang := testenv.Tool(t, "clang-22")
	lld := testenv.Tool(t, "ld.lld-22")
	dir := t.TempDir()
	for name, text := range map[string]string{"a.c": csrc, "b.S": splitDeclS} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{clang, dwarf, "-gsplit-dwarf", "-O1", "-g", "-c", "a.c", "-o", "a.o"},
		{clang, dwarf, "-g", "-c", "b.S", "-o", "b.o"},
		{lld, "-r", "a.o", "b.o", "-o", "r.o"},
	} {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return dir
}

// dwarfdumpDeclLine is the DW_AT_decl_line llvm-dwarfdump-22 shows for the
// DIE named name with tag in path.
func dwarfdumpDeclLine(t *testing.T, path, tag, name string) int {
	t.Helper()
	out, err := exec.Command(testenv.Tool(t, "llvm-dwarfdump-22"), "--name="+name, path).CombinedOutput()
	if err != nil {
		t.Fatalf("llvm-dwarfdump-22 %s: %v\n%s", path, err, out)
	}
	for _, die := range strings.Split(string(out), "\n\n") {
		if !strings.Contains(die, tag) {
			continue
		}
		if m := regexp.MustCompile(`DW_AT_decl_line\s+\((\d+)\)`).FindStringSubmatch(die); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n
		}
	}
	t.Fatalf("llvm-dwarfdump-22 shows no %s %s with a decl_line in %s:\n%s", tag, name, path, out)
	return 0
}

// TestReadDeclsSplitDWARF: the C statics of a split-DWARF unit are placed
// at the lines their .dwo gives (llvm-dwarfdump-22's), in the file the
// skeleton's line table names, for DWARF 4 (GNU forms) and 5; a missing or
// stale .dwo leaves them unplaced (file level) and the assembly label
// placed.
func TestReadDeclsSplitDWARF(t *testing.T) {
	names := map[string]bool{"counter": true, "bump": true}
	for _, v := range []string{"-gdwarf-4", "-gdwarf-5"} {
		t.Run(v, func(t *testing.T) {
			dir := buildSplitPair(t, v, splitDeclC)
			r, dwo := filepath.Join(dir, "r.o"), filepath.Join(dir, "a.dwo")
			decls := readDecls(r, names, []string{"a.c"})
			for _, c := range []struct{ name, tag string }{{"counter", "DW_TAG_variable"}, {"bump", "DW_TAG_subprogram"}} {
				want := dwarfdumpDeclLine(t, dwo, c.tag, c.name)
				got, ok := decls.pos[declKey{c.name, false}]
				if !ok || got.line != want || filepath.Base(got.file) != "a.c" {
					t.Errorf("%s: %+v (found %v), want a.c line %d", c.name, got, ok, want)
				}
			}
			asmWant := dwarfdumpDeclLine(t, r, "DW_TAG_label", "counter")
			if got := decls.pos[declKey{"counter", true}]; got.line != asmWant || filepath.Base(got.file) != "b.S" {
				t.Errorf("asm counter: %+v, want b.S line %d", got, asmWant)
			}

			// A .dwo of another compilation (one more global: its DWO id,
			// a hash of the unit's DIEs, differs): its lines must not be
			// taken for the skeleton's.
			other := buildSplitPair(t, v, "\n\n\n"+splitDeclC+"int more;\n")
			if err := os.Rename(filepath.Join(other, "a.dwo"), dwo); err != nil {
				t.Fatal(err)
			}
			if got, ok := readDecls(r, names, nil).pos[declKey{"counter", false}]; ok {
				t.Errorf("with a stale a.dwo: counter placed at %+v", got)
			}
			if err := os.Remove(dwo); err != nil {
				t.Fatal(err)
			}
			decls = readDecls(r, names, nil)
			if got, ok := decls.pos[declKey{"counter", false}]; ok {
				t.Errorf("without a.dwo: counter placed at %+v", got)
			}
			if got := decls.pos[declKey{"counter", true}]; got.line != asmWant {
				t.Errorf("without a.dwo the assembly label is lost: %+v", got)
			}
		})
	}
}

// TestLocalForms: the forms debug/dwarf cannot read in a .dwo are replaced
// in as many bytes, and the rest of the table is left as it was.
func TestLocalForms(t *testing.T) {
	abbrev := []byte{
		1, 0x11, 1, // code 1, DW_TAG_compile_unit, children
		0x25, 0x82, 0x3e, // DW_AT_producer, DW_FORM_GNU_str_index
		0x11, 0x1b, // DW_AT_low_pc, DW_FORM_addrx
		0x0b, 0x21, 0x7f, // DW_AT_byte_size, DW_FORM_implicit_const -1
		0x55, 0x23, // DW_AT_ranges, DW_FORM_rnglistx
		0x03, 0x25, // DW_AT_name, DW_FORM_strx1: kept
		0, 0,
		0,          // end of this table
		1, 0x34, 0, // another table: code 1, DW_TAG_variable
		0x11, 0x81, 0x3e, // DW_AT_low_pc, DW_FORM_GNU_addr_index
		0, 0, 0,
	}
	want := append([]byte(nil), abbrev...)
	want[4], want[5] = 0x9a, 0x00 // DW_FORM_strx in two bytes
	want[7] = 0x0f                // DW_FORM_udata
	want[12] = 0x0f
	want[22], want[23] = 0x8f, 0x00
	got := localForms(abbrev)
	if string(got) != string(want) {
		t.Errorf("localForms:\n got % x\nwant % x", got, want)
	}
	if abbrev[7] != 0x1b {
		t.Error("localForms changed its input")
	}
}
