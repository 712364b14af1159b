package correlate_test

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"klpcheck/correlate"
	"klpcheck/internal/testenv"
)

// The tests in this file run on the real 6.12 ThinLTO kernel builds of
// scripts/kernel-fixtures.sh (testenv.Kernel) and check correlate against
// what llvm-nm-22 and llvm-ar-22 say about the same files.

// withoutDWARF copies path with its .debug_info renamed, for the test of
// what --build alone proves: no DWARF can stand in for the objects.
func withoutDWARF(t *testing.T, path string) string {
	t.Helper()
	objcopy := testenv.Tool(t, "llvm-objcopy-22")
	out := filepath.Join(t.TempDir(), filepath.Base(path))
	if b, err := exec.Command(objcopy, "--rename-section=.debug_info=.nodebug_info", path, out).CombinedOutput(); err != nil {
		t.Fatalf("llvm-objcopy-22: %v\n%s", err, b)
	}
	return out
}

// nmDefined lists llvm-nm-22 --defined-only: name -> type letters.
func nmDefined(t *testing.T, path string) map[string]string {
	t.Helper()
	nm := testenv.Tool(t, "llvm-nm-22")
	out, err := exec.Command(nm, "--defined-only", path).Output()
	if err != nil {
		t.Fatalf("llvm-nm-22 %s: %v", path, err)
	}
	syms := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 {
			syms[f[len(f)-1]] += f[len(f)-2]
		}
	}
	return syms
}

// nmDefinedAll is nmDefined of many files in one llvm-nm-22 run
// (--print-file-name puts the file before each line): the group check
// looks at about 140 objects, and a process each cost two seconds.
func nmDefinedAll(t *testing.T, paths []string) map[string]map[string]string {
	t.Helper()
	all := map[string]map[string]string{}
	if len(paths) == 0 {
		return all
	}
	for _, p := range paths {
		all[p] = map[string]string{}
	}
	args := append([]string{"--defined-only", "--print-file-name"}, paths...)
	out, err := exec.Command(testenv.Tool(t, "llvm-nm-22"), args...).Output()
	if err != nil {
		t.Fatalf("llvm-nm-22 of %d objects: %v", len(paths), err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		file, rest, ok := strings.Cut(line, ": ")
		f := strings.Fields(rest)
		if !ok || all[file] == nil || len(f) < 2 {
			continue
		}
		all[file][f[len(f)-1]] += f[len(f)-2]
	}
	return all
}

var stringLiteral = regexp.MustCompile(`^\.str(\.[0-9]+)*\.llvm\.[0-9]+$`)

// TestKernelCensus: the census of the real vmlinux.o, vmlinux and every
// module equals llvm-nm-22 --defined-only (functions t/T, data d/D/b/B/r/R),
// and the string literals among the data are counted apart.
func TestKernelCensus(t *testing.T) {
	k := testenv.Kernel(t)
	nm := testenv.Tool(t, "llvm-nm-22")
	files := []string{filepath.Join(k.Orig, "vmlinux.o"), filepath.Join(k.Orig, "vmlinux")}
	mods, _ := filepath.Glob(filepath.Join(k.Orig, "modules", "*.ko"))
	if len(mods) == 0 {
		t.Fatalf("no modules in %s", filepath.Join(k.Orig, "modules"))
	}
	files = append(files, mods...)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			opts := correlate.Options{}
			if filepath.Base(path) == "vmlinux.o" {
				// Provenance from the build (the module hashes name every
				// group) rather than the DWARF of 2.2 million relocations:
				// the counts do not depend on it, TestKernelGroupPaths
				// reads that DWARF.
				opts.BuildDir = k.Build
			}
			res := analyze(t, path, opts)
			funcs, data, names := nmCensus(t, nm, path)
			if res.Suffixed.Functions != funcs || res.Suffixed.Data != data {
				t.Errorf("census %d functions, %d data; llvm-nm-22 %d, %d", res.Suffixed.Functions, res.Suffixed.Data, funcs, data)
			}
			strs := 0
			for _, n := range names {
				if stringLiteral.MatchString(n) {
					strs++
				}
			}
			if res.Suffixed.DataStrings != strs {
				t.Errorf("data_strings %d; llvm-nm-22 lists %d .str literals", res.Suffixed.DataStrings, strs)
			}
			var got []string
			for _, s := range res.Suffixed.Symbols {
				got = append(got, s.Name)
			}
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(names, " ") {
				t.Errorf("symbols differ from llvm-nm-22's (%d and %d)", len(got), len(names))
			}
		})
	}
}

// TestKernelGroupPaths: every hash group is named by a path in the tree,
// and the object the build made from that file defines, per llvm-nm-22,
// every name of the group. With --build every group is named (the bitcode
// objects' module hashes). From DWARF alone a group of string literals
// carries no name the units know; without an STT_FILE to go by it stays
// unknown, and only such groups may.
func TestKernelGroupPaths(t *testing.T) {
	k := testenv.Kernel(t)
	tests := []struct {
		name, file, build string
	}{
		{"vmlinux dwarf", filepath.Join(k.Orig, "vmlinux"), ""},
		{"vmlinux build", filepath.Join(k.Orig, "vmlinux"), k.Build},
		{"vmlinux.o build", filepath.Join(k.Orig, "vmlinux.o"), k.Build},
		// DWARF of the relocatable vmlinux.o: 2.2 million relocations.
		{"vmlinux.o dwarf", filepath.Join(k.Orig, "vmlinux.o"), ""},
		// Split DWARF of the planted objects: every C unit is a skeleton
		// completed from its .dwo, and an imported function's inlined
		// copy sits in the importing module's unit.
		{"split vmlinux.o dwarf", filepath.Join(k.Split, "vmlinux.o"), ""},
	}
	objSyms := map[string]map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := analyze(t, tt.file, correlate.Options{BuildDir: tt.build})
			named := 0
			var missing []string
			for _, g := range res.Suffixed.ByHash {
				obj := filepath.Join(k.Build, strings.TrimSuffix(g.File, filepath.Ext(g.File))+".o")
				if _, ok := objSyms[obj]; !ok && g.File != "" && !slicesContains(missing, obj) {
					if _, err := os.Stat(obj); err == nil {
						missing = append(missing, obj)
					}
				}
			}
			maps.Copy(objSyms, nmDefinedAll(t, missing))
			for _, g := range res.Suffixed.ByHash {
				var bases []string
				for _, s := range g.Symbols {
					if !stringLiteral.MatchString(s) {
						b, _, _ := strings.Cut(strings.Split(s, ".llvm.")[0], ".")
						bases = append(bases, b)
					}
				}
				if g.File == "" {
					if len(bases) > 0 || tt.build != "" {
						t.Errorf("group %s (%v) has no file", g.Hash, bases)
					}
					continue
				}
				named++
				if !strings.Contains(g.File, "/") || filepath.IsAbs(g.File) {
					t.Errorf("group %s: file %q is not a path in the tree", g.Hash, g.File)
					continue
				}
				if _, err := os.Stat(filepath.Join(k.Src, g.File)); err != nil {
					if _, err := os.Stat(filepath.Join(k.Build, g.File)); err != nil {
						t.Errorf("group %s: %s is in neither tree", g.Hash, g.File)
						continue
					}
				}
				obj := filepath.Join(k.Build, strings.TrimSuffix(g.File, filepath.Ext(g.File))+".o")
				syms, ok := objSyms[obj]
				if !ok {
					syms = nmDefined(t, obj)
					objSyms[obj] = syms
				}
				for _, b := range bases {
					if syms[b] == "" {
						t.Errorf("group %s says %s, but llvm-nm-22 %s does not define %s", g.Hash, g.File, obj, b)
					}
				}
				if len(bases) == 0 && !strings.Contains(bcaHash(t, obj), " "+g.Hash+" ") {
					// String literals alone: only the object's module hash
					// can tie them to it (unless the object was rebuilt
					// since, as the patched file's is).
					if !strings.HasSuffix(obj, strings.TrimSuffix(k.PatchedFile, ".c")+".o") {
						t.Errorf("group %s of string literals says %s, whose HASH record is %s", g.Hash, g.File, bcaHash(t, obj))
					}
				}
			}
			t.Logf("%d of %d groups named by path", named, len(res.Suffixed.ByHash))
			if named < len(res.Suffixed.ByHash)*9/10 {
				t.Errorf("only %d of %d groups named", named, len(res.Suffixed.ByHash))
			}
		})
	}
}

// TestKernelTwins: the one-line change of PatchedFile, rebuilt in place,
// renames exactly that module's promoted symbols (the names llvm-nm-22 shows
// in only one of the two builds), leaves no symbol ambiguous, and changes
// the bytes of the one function the line is in and of none of its
// neighbours in the file.
func TestKernelTwins(t *testing.T) {
	k := testenv.Kernel(t)
	obj := filepath.Join(k.Build, strings.TrimSuffix(k.PatchedFile, ".c")+".o")
	var neighbours []string
	for name, letters := range nmDefined(t, obj) {
		if strings.ContainsAny(letters, "tTdDbBrR") && name != "bad_file_open" {
			neighbours = append(neighbours, name)
		}
	}
	if len(neighbours) < 5 {
		t.Fatalf("%s defines only %v", obj, neighbours)
	}
	for _, name := range []string{"vmlinux.o", "vmlinux"} {
		t.Run(name, func(t *testing.T) {
			origPath, patchedPath := filepath.Join(k.Orig, name), filepath.Join(k.Patched, name)
			res := analyze(t, patchedPath, correlate.Options{Against: origPath})
			tw := res.Twins
			if res.Status != 0 || len(tw.Ambiguous) != 0 {
				t.Errorf("status %d %v, %d ambiguous: %v", res.Status, res.Reasons, len(tw.Ambiguous), tw.Ambiguous)
			}
			before, after := nmDefined(t, origPath), nmDefined(t, patchedPath)
			var gone, come []string
			for n := range before {
				if _, ok := after[n]; !ok {
					gone = append(gone, n)
				}
			}
			for n := range after {
				if _, ok := before[n]; !ok {
					come = append(come, n)
				}
			}
			var ro, rp []string
			for _, r := range tw.Renamed {
				ro, rp = append(ro, r.Orig), append(rp, r.Patched)
				base := strings.Split(r.Orig, ".llvm.")[0]
				if !slicesContains(neighbours, base) && base != "bad_file_open" {
					t.Errorf("renamed %s, which %s does not define", r.Orig, obj)
				}
			}
			sort.Strings(gone)
			sort.Strings(come)
			sort.Strings(ro)
			sort.Strings(rp)
			if len(gone) == 0 || strings.Join(ro, " ") != strings.Join(gone, " ") || strings.Join(rp, " ") != strings.Join(come, " ") {
				t.Errorf("renamed %v -> %v; llvm-nm-22: only in orig %v, only in patched %v", ro, rp, gone, come)
			}
			changed := map[string]bool{}
			for _, c := range tw.Changed {
				changed[strings.Split(c.Patched, ".llvm.")[0]] = true
			}
			if !changed["bad_file_open"] {
				t.Errorf("bad_file_open not among the changed: %v", tw.Changed)
			}
			for _, n := range neighbours {
				if changed[n] {
					t.Errorf("%s of %s is reported changed; only bad_file_open is", n, k.PatchedFile)
				}
			}
			if name == "vmlinux.o" && len(tw.Changed) != 1 {
				t.Errorf("changed %v, want bad_file_open alone", tw.Changed)
			}
			if tw.UnchangedCount < 10000 {
				t.Errorf("unchanged_count %d", tw.UnchangedCount)
			}
		})
	}
}

// bcaHash is the module hash llvm-bcanalyzer-22 dumps for a bitcode
// object, as " <decimal> ".
func bcaHash(t *testing.T, obj string) string {
	t.Helper()
	out, err := exec.Command(testenv.Tool(t, "llvm-bcanalyzer-22"), "--dump", obj).Output()
	if err != nil {
		t.Fatalf("llvm-bcanalyzer-22 %s: %v", obj, err)
	}
	m := regexp.MustCompile(`<HASH op0=([0-9]+) op1=([0-9]+) `).FindSubmatch(out)
	if m == nil {
		return " none "
	}
	hi, _ := strconv.ParseUint(string(m[1]), 10, 64)
	lo, _ := strconv.ParseUint(string(m[2]), 10, 64)
	return " " + strconv.FormatUint(hi<<32|lo, 10) + " "
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestKernelConflictsBuild: with --build (the build directory in its
// planted state) the conflicts are exactly the truth llvm-ar-22 and
// llvm-nm-22 give: the names an ELF member of vmlinux.a or lib.a defines as
// a global and a bitcode member as a static; hard when the planted
// vmlinux.o holds the static promoted. The planted ones are among them,
// named with their assembly object.
func TestKernelConflictsBuild(t *testing.T) {
	k := testenv.Kernel(t)
	ar := testenv.Tool(t, "llvm-ar-22")
	var members []string
	for _, a := range []string{"vmlinux.a", "lib/lib.a"} {
		out, err := exec.Command(ar, "t", filepath.Join(k.Build, a)).Output()
		if err != nil {
			t.Fatalf("llvm-ar-22 t %s: %v", a, err)
		}
		for _, m := range strings.Fields(string(out)) {
			if !filepath.IsAbs(m) {
				m = filepath.Join(k.Build, m) // a thin archive's members, as llvm-ar-22 prints them
			}
			members = append(members, m)
		}
	}
	asmGlobals, cStatics := map[string]bool{}, map[string]bool{}
	for _, m := range members {
		head := make([]byte, 4)
		f, err := os.Open(m)
		if err != nil {
			t.Fatalf("member %s: %v", m, err)
		}
		f.Read(head)
		f.Close()
		elf := string(head) == "\x7fELF"
		for name, letters := range nmDefined(t, m) {
			for _, l := range letters {
				switch {
				case elf && l >= 'A' && l <= 'Z':
					asmGlobals[name] = true
				case !elf && l >= 'a' && l <= 'z':
					cStatics[name] = true
				}
			}
		}
	}
	planted := filepath.Join(k.Planted, "vmlinux.o")
	promotedBases := map[string]bool{}
	for name := range nmDefined(t, planted) {
		if i := strings.Index(name, ".llvm."); i > 0 {
			promotedBases[name[:i]] = true
		}
	}
	var want []string
	for name := range asmGlobals {
		if cStatics[name] {
			class := correlate.ClassLatent
			if promotedBases[name] {
				class = correlate.ClassHard
			}
			want = append(want, name+" "+class)
		}
	}
	sort.Strings(want)
	res := analyze(t, withoutDWARF(t, planted), correlate.Options{BuildDir: k.Build})
	var got []string
	for _, c := range res.Conflicts {
		got = append(got, c.Name+" "+c.Class)
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("conflicts\n%s\ntruth from the build tree\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The assembly side is named by its source in the tree: kbuild's .cmd
	// file beside entry_64.o records entry_64.S.
	asmObj := k.PlantedAsm
	for _, p := range []struct{ name, class string }{{k.PlantedHard, correlate.ClassHard}, {k.PlantedLatent, correlate.ClassLatent}} {
		found := false
		for _, c := range res.Conflicts {
			if c.Name == p.name {
				found = true
				if c.Class != p.class || c.Asm.File != asmObj || !strings.Contains(c.C.File, "/") {
					t.Errorf("%s: %s, asm %s, C %s; want %s from %s and a C path", p.name, c.Class, c.Asm.File, c.C.File, p.class, asmObj)
				}
			}
		}
		if !found {
			t.Errorf("planted %s (%s) not found", p.name, p.class)
		}
	}
	if res.Status != 1 {
		t.Errorf("status %d, want 1 for the hard conflict", res.Status)
	}
}
