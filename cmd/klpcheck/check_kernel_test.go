package main

import (
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/internal/testenv"
)

// checkDoc is the part of `check --format json` the real-kernel tests read.
type checkDoc struct {
	Verdict   string        `json:"verdict"`
	Status    int           `json:"status"`
	Tree      string        `json:"tree"`
	Summary   []areaSummary `json:"summary"`
	Next      []string      `json:"next"`
	Correlate *struct {
		Conflicts []struct {
			Name, Class string
			Asm, C      struct{ File string }
		}
	} `json:"correlate"`
}

func (d *checkDoc) area(t *testing.T, name string) areaSummary {
	t.Helper()
	for _, a := range d.Summary {
		if a.Area == name {
			return a
		}
	}
	t.Fatalf("no %s area in %+v", name, d.Summary)
	return areaSummary{}
}

// TestCheckRealKernelBuild runs check on the real 6.12 ThinLTO O= build
// (planted state: two asm globals in entry_64.S named like C statics). The
// oracles are the build itself: its LD is ld.lld-22, which refuses the flags
// (the probe's verdict is checked against lld's exit status elsewhere), its
// Makefile is 6.12's layout A that never adds them, and the planted names come
// from the fixture script, which picked them from llvm-nm of the build.
func TestCheckRealKernelBuild(t *testing.T) {
	k := testenv.Kernel(t)
	testenv.Tool(t, "ld.lld-22")
	t.Setenv("LD", "")
	t.Setenv("LLVM", "")
	inDir(t, t.TempDir())
	code, out, errb := klp(t, "check", "--build", k.Build, "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (not ready)\n%s\n%s", code, out, errb)
	}
	var doc checkDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if doc.Verdict != "not ready" {
		t.Errorf("verdict %q, want not ready", doc.Verdict)
	}
	if want := filepath.Join(k.Build, "source"); doc.Tree != want {
		t.Errorf("tree %q, want the build's source link %q", doc.Tree, want)
	}
	if tc := doc.area(t, "toolchain"); tc.Status != areaFail || !strings.Contains(tc.Text, "ld.lld-22") {
		t.Errorf("toolchain area: %+v, want fail naming ld.lld-22", tc)
	}
	if mk := doc.area(t, "makefile"); mk.Status != areaFail || !strings.Contains(mk.Text, "never adds the suffix-reduction flags for THIN") {
		t.Errorf("makefile area: %+v, want fail: never adds the flags for THIN (6.12 is layout A)", mk)
	}
	b := doc.area(t, "build")
	if b.Status != areaFail || !strings.Contains(b.Text, k.PlantedHard) || !strings.Contains(b.Text, k.PlantedAsm) {
		t.Errorf("build area: %+v, want fail naming %s and %s", b, k.PlantedHard, k.PlantedAsm)
	}
	if doc.Correlate == nil {
		t.Fatal("no correlate section")
	}
	classes := map[string]string{}
	for _, c := range doc.Correlate.Conflicts {
		classes[c.Name] = c.Class
		if c.Name == k.PlantedHard && (!strings.HasSuffix(c.Asm.File, k.PlantedAsm) || !strings.HasSuffix(c.C.File, ".c")) {
			t.Errorf("hard conflict %s: asm %q, C %q; want %s and its C file", c.Name, c.Asm.File, c.C.File, k.PlantedAsm)
		}
	}
	if classes[k.PlantedHard] != "hard" || classes[k.PlantedLatent] != "latent" {
		t.Errorf("conflicts %v: want %s hard and %s latent", classes, k.PlantedHard, k.PlantedLatent)
	}
	next := strings.Join(doc.Next, "\n")
	for _, want := range []string{"LLVM 23.1", "--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false", "Rename"} {
		if !strings.Contains(next, want) {
			t.Errorf("Next lacks %q:\n%s", want, next)
		}
	}
}

// TestCheckRealKernelTwins checks orig -> patched of the real build: the
// patch changed one function of one file, so no ambiguity may make it "not
// ready" on the build area beyond what the planted conflicts already do.
func TestCheckRealKernelTwins(t *testing.T) {
	k := testenv.Kernel(t)
	testenv.Tool(t, "ld.lld-22")
	inDir(t, t.TempDir())
	code, out, errb := klp(t, "check", "--build", k.Build, "--orig", filepath.Join(k.Orig, "vmlinux.o"), "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, errb)
	}
	var doc checkDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if b := doc.area(t, "build"); strings.Contains(b.Text, "ambiguous") {
		t.Errorf("build area reports ambiguity for a one-file change: %s", b.Text)
	}
}

// TestCheckRealKernelFailClosed: the planted vmlinux.o with a corrupt
// .rela.debug_info, in a build directory without objects, leaves DWARF as
// the only evidence; check must then say not ready and why, never ready.
func TestCheckRealKernelFailClosed(t *testing.T) {
	k := testenv.Kernel(t)
	testenv.Tool(t, "ld.lld-22")
	build := t.TempDir()
	data, err := os.ReadFile(filepath.Join(k.Planted, "vmlinux.o"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(filepath.Join(k.Planted, "vmlinux.o"))
	if err != nil {
		t.Fatal(err)
	}
	rela := f.Section(".rela.debug_info")
	f.Close()
	if rela == nil {
		t.Fatal("planted vmlinux.o has no .rela.debug_info")
	}
	binary.LittleEndian.PutUint64(data[rela.Offset+1000*24:], 1<<40) // r_offset of relocation 1000
	config, err := os.ReadFile(filepath.Join(k.Build, ".config"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"vmlinux.o": data, ".config": config} {
		if err := os.WriteFile(filepath.Join(build, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	inDir(t, t.TempDir())
	code, out, errb := klp(t, "check", "--build", build, "--tree", k.Src, "--ld", "ld.lld-22", "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, errb)
	}
	var doc checkDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	b := doc.area(t, "build")
	if doc.Verdict != "not ready" || b.Status != areaFail || !strings.Contains(b.Text, "provenance incomplete") || !strings.Contains(b.Text, ".rela.debug_info") {
		t.Errorf("verdict %q, build area %+v: want not ready naming the incomplete provenance and .rela.debug_info", doc.Verdict, b)
	}
}

// shadowTree is the real tree at src with its Makefile replaced by a copy
// with patchFile applied by GNU patch (the other entries are symbolic
// links: the real tree is never written).
func shadowTree(t *testing.T, src, patchFile string) string {
	t.Helper()
	patchTool := testenv.Tool(t, "patch")
	dir := filepath.Join(t.TempDir(), "linux")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "Makefile" {
			continue
		}
		if err := os.Symlink(filepath.Join(src, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(src, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Makefile"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(patchTool, "-s", "-p1", "-i", patchFile)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("patch %s: %v\n%s", patchFile, err, out)
	}
	return dir
}

// TestCheckRealTreeMakefileArea: on the real 6.12 tree, the Makefile area
// is ok only when lint saw the flags reach THIN's KBUILD_LDFLAGS (the
// seed-shaped v2 patch), and fails with LTO006's reason on the unpatched
// tree and with the rule's error when the flags are split in two calls.
func TestCheckRealTreeMakefileArea(t *testing.T) {
	src := testenv.KernelTree(t, "6.12")
	testenv.Tool(t, "ld.lld-22")
	patches, err := filepath.Abs(filepath.Join("..", "..", "fixtures", "lint", "patches"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, patch, status, text string
	}{
		{"unpatched", "", areaFail, "never adds the suffix-reduction flags for THIN"},
		{"v2", "kbuild-v2.patch", areaOK, "both reach KBUILD_LDFLAGS with LLVM"},
		{"split", "kbuild-split.patch", areaFail, "[LTO004]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tree := src
			if tc.patch != "" {
				tree = shadowTree(t, src, filepath.Join(patches, tc.patch))
			}
			inDir(t, t.TempDir())
			_, out, errb := klp(t, "check", "--tree", tree, "--ld", "ld.lld-22", "--format", "json")
			var doc checkDoc
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, errb)
			}
			if mk := doc.area(t, "makefile"); mk.Status != tc.status || !strings.Contains(mk.Text, tc.text) {
				t.Errorf("makefile area %+v, want %s containing %q", mk, tc.status, tc.text)
			}
		})
	}
}
