package lint

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"klpcheck/internal/testenv"
	"klpcheck/lint/rules"
)

// The oracle for the invocation model and the include following: GNU make
// reads the real top-level Makefile of Debian's linux-source trees (with
// its sub-make, scripts/Kbuild.include, scripts/Makefile.compiler and the
// arch Makefile, whose ld-option really runs the linker) in a configured
// O= directory, and the KBUILD_LDFLAGS it ends with must be what lint
// evaluates for that build's configuration (--build). Patched variants run
// in a shadow tree: symbolic links to the real tree, with copies of only
// the patched files.

// realVariant is a patch (or none) with the rules lint must report for it.
type realVariant struct {
	name  string
	rules []string // exactly these rule IDs, over the matrix
	dist  bool     // adds the THIN_DIST choice member
	short bool     // also run with -short (then in THIN and THIN_DIST only)
}

var realVariants = []realVariant{
	{name: "unpatched", rules: []string{"LTO006"}, short: true},
	{name: "v1", rules: []string{"LTO001", "LTO005", "LTO009"}},
	{name: "v2", rules: nil, short: true},
	{name: "unguarded", rules: []string{"LTO001"}},
	{name: "split", rules: []string{"LTO004"}, short: true},
	{name: "full", rules: []string{"LTO002", "LTO006"}},
	{name: "misspelled", rules: []string{"LTO006", "LTO007"}},
	{name: "dist-shared", rules: []string{"LTO003"}, dist: true},
	{name: "layout-c", dist: true, short: true},
	{name: "layout-d", dist: true},
}

func (v realVariant) patch() string {
	if v.name == "unpatched" {
		return ""
	}
	abs, _ := filepath.Abs(filepath.Join("..", "fixtures", "lint", "patches", "kbuild-"+v.name+".patch"))
	return abs
}

func (v realVariant) modes() []string {
	if v.dist {
		return []string{"none", "FULL", "THIN", "THIN_DIST"}
	}
	return []string{"none", "FULL", "THIN"}
}

// oracleEnv is the environment of every make the test runs: nothing from
// the developer's shell leaks in.
func oracleEnv() []string {
	return []string{"PATH=/usr/bin:/bin", "HOME=" + os.TempDir(), "LC_ALL=C"}
}

func runCmd(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = oracleEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// shadowTree makes a tree in dir that reads like src, except for the
// files a patch changes, which are copies patched by GNU patch. Only the
// directories on the way to a patched file are real directories.
func shadowTree(t *testing.T, src, dir, patchFile string) {
	t.Helper()
	diff, err := os.ReadFile(patchFile)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, line := range strings.Split(string(diff), "\n") {
		if rest, ok := strings.CutPrefix(line, "+++ b/"); ok {
			files = append(files, rest)
		}
	}
	for _, rel := range files {
		if err := materialize(src, dir, rel); err != nil {
			t.Fatal(err)
		}
	}
	runCmd(t, dir, "patch", "-s", "-p1", "-i", patchFile)
}

// materialize links every entry of each directory on the way to rel, and
// copies rel itself.
func materialize(src, dir, rel string) error {
	parts := strings.Split(rel, "/")
	s, d := src, dir
	for i, p := range parts {
		if err := linkEntries(s, d); err != nil {
			return err
		}
		target := filepath.Join(d, p)
		if err := os.Remove(target); err != nil && !os.IsNotExist(err) {
			return err
		}
		s = filepath.Join(s, p)
		if i == len(parts)-1 {
			data, err := os.ReadFile(s)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, 0o644)
		}
		if err := os.Mkdir(target, 0o755); err != nil {
			return err
		}
		d = target
	}
	return nil
}

func linkEntries(src, dir string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		link := filepath.Join(dir, e.Name())
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join(src, e.Name()), link); err != nil {
			return err
		}
	}
	return nil
}

// configCache keeps the configured O= directories of this test binary:
// one per tree, Kconfig variant, LTO mode and linker.
var configCache struct {
	sync.Mutex
	root string
	dirs map[string]string
	// busy serializes the makes in one O= directory: a shadow tree is
	// another srctree, so make may rebuild the directory's host tools.
	busy map[string]*sync.Mutex
}

// dirLock returns the lock of an O= directory.
func dirLock(dir string) *sync.Mutex {
	configCache.Lock()
	defer configCache.Unlock()
	if configCache.busy == nil {
		configCache.busy = map[string]*sync.Mutex{}
	}
	if configCache.busy[dir] == nil {
		configCache.busy[dir] = &sync.Mutex{}
	}
	return configCache.busy[dir]
}

// configured returns an O= directory configured from tree with LLVM=-22
// and LD=ld: tinyconfig (once per tree version, then copied),
// scripts/config for the LTO mode, olddefconfig, and syncconfig for the
// include/config/auto.conf make reads.
func configured(t *testing.T, tree, key, mode, ld string) string {
	t.Helper()
	configCache.Lock()
	defer configCache.Unlock()
	if configCache.dirs == nil {
		root, err := os.MkdirTemp("", "klpcheck-kbuild-")
		if err != nil {
			t.Fatal(err)
		}
		configCache.root, configCache.dirs = root, map[string]string{}
	}
	name := func(id string) string {
		return filepath.Join(configCache.root, strings.NewReplacer("/", "_", ".", "_").Replace(id))
	}
	id := key + "/" + mode + "/" + filepath.Base(ld)
	if d, ok := configCache.dirs[id]; ok {
		return d
	}
	// One tinyconfig per tree version: a Kconfig variant's olddefconfig
	// starts from a copy (the symbols it adds take their defaults).
	version, _, _ := strings.Cut(key, "-")
	base, ok := configCache.dirs[version]
	if !ok {
		base = name(version)
		runCmd(t, tree, "make", "-s", "O="+base, "LLVM=-22", "tinyconfig")
		configCache.dirs[version] = base
	}
	dir := name(id)
	runCmd(t, configCache.root, "cp", "-a", base, dir)
	args := []string{"--file", filepath.Join(dir, ".config"), "-e", "64BIT"}
	if mode != "none" {
		args = append(args, "-d", "LTO_NONE", "-e", "LTO_CLANG_"+mode)
	}
	runCmd(t, tree, filepath.Join(tree, "scripts", "config"), args...)
	for _, target := range []string{"olddefconfig", "syncconfig"} {
		runCmd(t, tree, "make", "-s", "O="+dir, "LLVM=-22", "LD="+ld, target)
	}
	cfg, err := os.ReadFile(filepath.Join(dir, "include", "config", "auto.conf"))
	if err != nil {
		t.Fatal(err)
	}
	want := "CONFIG_LTO_CLANG_" + mode + "=y"
	if mode == "none" {
		want = "CONFIG_LTO_NONE=y"
	}
	if !bytes.Contains(cfg, []byte(want+"\n")) {
		t.Fatalf("%s: the configuration lost %s", dir, want)
	}
	configCache.dirs[id] = dir
	return dir
}

// makeLDFLAGS runs the real Makefile's final sub-make (through the real
// first make) and returns KBUILD_LDFLAGS as the last makefile left it.
func makeLDFLAGS(t *testing.T, tree, build, ld string) string {
	t.Helper()
	out := runCmd(t, tree, "make", "-s", "O="+build, "LLVM=-22", "LD="+ld,
		"--eval=klp-print-ldflags: ; @: $(info __KLP__=$(KBUILD_LDFLAGS))", "klp-print-ldflags")
	val, found := "", false
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "__KLP__="); ok {
			val, found = rest, true
		}
	}
	if !found {
		t.Fatalf("make printed no KBUILD_LDFLAGS:\n%s", out)
	}
	return normalizeSpace(val)
}

func ruleIDs(res *Result) []string {
	seen := map[string]bool{}
	for _, f := range res.Findings {
		seen[f.Rule] = true
	}
	out := []string{}
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func TestRealKernelMakefiles(t *testing.T) {
	testenv.Tool(t, "make")
	testenv.Tool(t, "clang-22")
	realLD := testenv.Tool(t, "ld.lld-22")
	standin, err := filepath.Abs(filepath.Join("..", "fixtures", "probe", "standin", "ld.lld-23.1-standin"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("patch"); err != nil {
		testenv.Missing(t, "GNU patch is needed for the shadow trees")
	}
	start := time.Now()
	var compared atomic.Int64
	defer func() {
		if configCache.root != "" {
			os.RemoveAll(configCache.root)
			configCache.root, configCache.dirs, configCache.busy = "", nil, nil
		}
	}()
	// Two makes at a time: the configure steps serialize on the cache.
	sem := make(chan struct{}, 2)
	t.Run("trees", func(t *testing.T) {
		for _, version := range []string{"6.1", "6.12"} {
			src := testenv.KernelTree(t, version)
			for _, v := range realVariants {
				if testing.Short() && !v.short {
					continue
				}
				t.Run(version+"/"+v.name, func(t *testing.T) {
					t.Parallel()
					tree, opts := realTree(t, src, v)
					checkRules(t, opts, v)
					for _, mode := range v.modes() {
						if testing.Short() && mode != "THIN" && mode != "THIN_DIST" {
							continue
						}
						if mode == "none" && v.name != "unpatched" {
							continue // the LTO block is not read: as unpatched
						}
						key := version
						if mode == "THIN_DIST" {
							key += "-dist" // the patched Kconfig has the mode
						}
						for _, ld := range []string{realLD, standin} {
							if mode == "none" && ld == standin {
								continue // no probe runs without LTO
							}
							sem <- struct{}{}
							compareBuild(t, tree, key, mode, ld, opts)
							<-sem
							compared.Add(1)
						}
					}
				})
			}
		}
	})
	t.Logf("%d configurations: KBUILD_LDFLAGS of lint and GNU make compared; %v", compared.Load(), time.Since(start).Round(time.Second))
}

// realTree returns the tree GNU make reads for v (a shadow tree when v
// is a patch) and lint's options for it (the real tree and the patch).
func realTree(t *testing.T, src string, v realVariant) (string, Options) {
	t.Helper()
	opts := Options{Path: src, LLVM: "-22"}
	p := v.patch()
	if p == "" {
		return src, opts
	}
	opts.Patches = []string{p}
	tree := t.TempDir()
	shadowTree(t, src, tree, p)
	return tree, opts
}

// checkRules lints the tree over the matrix and compares the rules.
func checkRules(t *testing.T, opts Options, v realVariant) {
	t.Helper()
	res, err := Run(opts)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]string{}, v.rules...)
	sort.Strings(want)
	if got := ruleIDs(res); strings.Join(got, " ") != strings.Join(want, " ") {
		var b strings.Builder
		_ = res.WriteText(&b)
		t.Errorf("rules %v, want %v\n%s", got, want, b.String())
	}
}

// compareBuild configures one build and compares KBUILD_LDFLAGS.
func compareBuild(t *testing.T, tree, key, mode, ld string, opts Options) {
	t.Helper()
	build := configured(t, tree, key, mode, ld)
	want := func() string {
		lock := dirLock(build)
		lock.Lock()
		defer lock.Unlock()
		return makeLDFLAGS(t, tree, build, ld)
	}()
	opts.Build = build
	s, err := prepare(opts)
	if err != nil {
		t.Fatal(err)
	}
	c := s.configs[len(s.configs)-1]
	v := c.Values[rules.VarLDFLAGS]
	got := normalizeSpace(v.String())
	label := fmt.Sprintf("%s with %s", mode, filepath.Base(ld))
	switch {
	case !v.Exact():
		t.Errorf("%s: lint's KBUILD_LDFLAGS is not exact: %q (GNU make: %q)", label, got, want)
	case got != want:
		t.Errorf("%s: KBUILD_LDFLAGS\n lint:     %q\n GNU make: %q", label, got, want)
	}
	if c.Config.Mode.Name != mode {
		t.Errorf("%s: lint took the build for %s", label, c.Config)
	}
	if testing.Verbose() {
		t.Logf("%s: %q", label, got)
	}
}
