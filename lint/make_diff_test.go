package lint

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"klpcheck/internal/testenv"
	"klpcheck/lint/model"
	"klpcheck/lint/rules"
)

// The differential test: for every fixture and for generated Makefiles,
// and for every configuration of the matrix, GNU make reads the Makefile
// with pure-make stand-ins for the kbuild probes (so nothing from the
// fixture runs) and the CONFIG_ values on its command line; the variables
// it ends with must be what the evaluator computes.

// compared lists the variables compared with make.
var compared = []string{rules.VarLDFLAGS, rules.VarCCFlagsLTO}

// stubPrelude defines ld-option, cc-option and the version helpers as pure
// make functions for toolchain t. It is the test's own statement of the
// model, written independently of model.LinkerAccepts: the words each lld
// accepts are listed, a probe fails when it has a word outside the list or
// when KBUILD_LDFLAGS already holds a word the linker rejects.
func stubPrelude(t model.Toolchain) string {
	accept := []string{
		"--lto-whole-program-visibility", "--no-undefined", "--gc-sections", "--icf=all",
		"--build-id=sha1", "-z", "noexecstack", "-mllvm", "-import-instr-limit=5",
	}
	rename := []string{"-always-rename-promoted-locals=false", "-always-rename-promoted-locals=true"}
	var reject []string
	if t.Rename {
		accept = append(accept, rename...)
	} else {
		reject = rename
	}
	return fmt.Sprintf(`# stand-ins for the kbuild probes: %s
__klp_ld_accept := %s
__klp_ld_reject := %s
__klp_cc_accept := -flto -flto=thin -fsplit-lto-unit -fvisibility=hidden -fno-lto
ld-option = $(if $(strip $(filter-out $(__klp_ld_accept),$(1)) $(filter $(__klp_ld_reject),$(KBUILD_LDFLAGS))),$(2),$(1))
cc-option = $(if $(filter-out $(__klp_cc_accept),$(1)),$(2),$(1))
test-ge = $(if $(filter $(strip $(2))0,$(firstword $(sort $(strip $(1))0 $(strip $(2))0))),y)
clang-min-version = $(call test-ge,$(CONFIG_CLANG_VERSION),$(1))
gcc-min-version =
`, t.Name, strings.Join(accept, " "), strings.Join(reject, " "))
}

const epilogue = `
$(info __KLP__KBUILD_LDFLAGS=$(KBUILD_LDFLAGS))
$(info __KLP__CC_FLAGS_LTO=$(CC_FLAGS_LTO))
__klp_done: ; @:
`

// runMake reads makefile with GNU make under configuration symbols and
// returns the final values of the compared variables.
func runMake(t *testing.T, makePath, dir, makefile string, tc model.Toolchain, symbols map[string]string) map[string]string {
	t.Helper()
	vals, out, err := readWithMake(t, makePath, dir, makefile, tc, symbols)
	if err != nil {
		t.Fatalf("make -f %s: %v\n%s", makefile, err, out)
	}
	return vals
}

// readWithMake is runMake that returns make's failure (and its output)
// instead of failing the test.
func readWithMake(t *testing.T, makePath, dir, makefile string, tc model.Toolchain, symbols map[string]string) (map[string]string, []byte, error) {
	t.Helper()
	pre := filepath.Join(dir, "prelude.mk")
	post := filepath.Join(dir, "epilogue.mk")
	if err := os.WriteFile(pre, []byte(stubPrelude(tc)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(post, []byte(epilogue), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-R", "-r", "-s", "--no-print-directory", "-f", pre, "-f", makefile, "-f", post, "__klp_done"}
	var names []string
	for name := range symbols {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		args = append(args, "CONFIG_"+name+"="+symbols[name])
	}
	cmd := exec.Command(makePath, args...)
	// make runs next to the Makefile, as "make" in a kernel tree does, so
	// that CURDIR is the tree (nothing is written there: the only goal
	// is a no-op rule and no rule remakes a makefile).
	cmd.Dir = filepath.Dir(makefile)
	// A clean environment: nothing from the developer's shell leaks in,
	// and SHELL cannot run anything should a $(shell) slip through.
	cmd.Env = []string{"PATH=/usr/bin:/bin", "SHELL=/bin/false"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, out, err
	}
	vals := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "__KLP__"); ok {
			name, val, _ := strings.Cut(rest, "=")
			vals[name] = normalizeSpace(val)
		}
	}
	return vals, out, nil
}

func normalizeSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// diffOne compares every configuration of one input; it returns how many
// (configuration, variable) pairs were compared and skipped.
func diffOne(t *testing.T, makePath, path string) (done, skipped int) {
	t.Helper()
	s, err := prepare(Options{Path: path})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	makefile := path
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		makefile = filepath.Join(path, "Makefile")
	}
	makefile, _ = filepath.Abs(makefile)
	dir := t.TempDir()
	for _, c := range s.configs {
		if c.Result.ShellModelled > 0 || c.Result.Aborted != nil {
			// make would run the $(shell) (the test forbids it) or stop.
			skipped += len(compared)
			continue
		}
		want := runMake(t, makePath, dir, makefile, c.Config.Toolchain, c.Symbols)
		for _, name := range compared {
			v := c.Values[name]
			if !v.Exact() {
				skipped++
				continue
			}
			got := normalizeSpace(v.String())
			if got != want[name] {
				t.Errorf("%s, %s: %s\n evaluator: %q\n GNU make:  %q", path, c.Config, name, got, want[name])
			}
			done++
		}
	}
	return done, skipped
}

func TestMakeDifferentialFixtures(t *testing.T) {
	makePath := testenv.Tool(t, "make")
	paths, err := filepath.Glob("../fixtures/lint/*")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, p := range paths {
		if filepath.Base(p) == "patches" {
			continue
		}
		done, skipped := diffOne(t, makePath, p)
		t.Logf("%s: %d compared, %d skipped", filepath.Base(p), done, skipped)
		total += done
	}
	// Every fixture but the $(shell) one is fully modelled: at least 2
	// variables in 12 configurations each.
	if want := 2 * 12 * (len(paths) - 2); total < want {
		t.Errorf("compared %d values, want at least %d", total, want)
	}
}

func TestMakeDifferentialGenerated(t *testing.T) {
	makePath := testenv.Tool(t, "make")
	// KLPCHECK_DIFF_SEED=N explores other Makefiles than the fixed default.
	seed := uint64(3)
	if v := os.Getenv("KLPCHECK_DIFF_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("KLPCHECK_DIFF_SEED: %v", err)
		}
		seed = n
	}
	r := rand.New(rand.NewPCG(seed, 23))
	dir := t.TempDir()
	total := 0
	n := 60
	if testing.Short() {
		n = 8
	}
	for i := 0; i < n; i++ {
		g := &variantGen{r: r, depth: 1 + i%5}
		src := g.makefile()
		path := filepath.Join(dir, fmt.Sprintf("variant%02d.mk", i))
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		done, skipped := diffOne(t, makePath, path)
		if skipped > 0 {
			t.Errorf("variant %d: %d values not exact; the generator only uses modelled constructs\n%s", i, skipped, src)
		}
		if t.Failed() {
			t.Logf("variant %d:\n%s", i, src)
			return
		}
		total += done
	}
	t.Logf("%d generated Makefiles, %d values compared", n, total)
}

// variantGen writes random Makefiles over what the evaluator models:
// nested ifdef/ifndef/ifeq/ifneq with "else ifX" chains, conditions such as
// ifneq ($(A)$(B),), $(if ...), probes, and the assignment operators in
// sequence (+= after :=, ?=, recursive variables expanded later).
type variantGen struct {
	r     *rand.Rand
	depth int
	b     strings.Builder
	vars  []string
}

func (g *variantGen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

func (g *variantGen) makefile() string {
	g.b.WriteString("# generated by TestMakeDifferentialGenerated\n")
	g.b.WriteString(g.pick("KBUILD_LDFLAGS :=\n", "KBUILD_LDFLAGS := -z noexecstack\n", "KBUILD_LDFLAGS := --build-id=sha1\n"))
	g.b.WriteString("CC_FLAGS_LTO :=\n")
	g.b.WriteString("EMPTY_FLAGS :=\nEMPTY_REC = $(EMPTY_FLAGS)\n")
	g.block(g.depth, 2+g.r.IntN(3))
	if g.r.IntN(2) == 0 {
		g.b.WriteString("KBUILD_LDFLAGS += -mllvm -import-instr-limit=5\n")
	}
	return g.b.String()
}

func (g *variantGen) flags() string {
	opts := []string{
		"$(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)",
		"$(call ld-option,--lto-whole-program-visibility)",
		"$(call ld-option,-mllvm -always-rename-promoted-locals=false,--no-undefined)",
		"--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false",
		"$(if $(call clang-min-version,230100),--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)",
		"$(if $(CONFIG_LTO_CLANG_THIN),-mllvm -import-instr-limit=5,--gc-sections)",
		"$(filter-out --gc-sections,--gc-sections --icf=all)",
		"$(strip   --build-id=sha1   )",
		"$(subst XX,-mllvm,XX -import-instr-limit=5)",
		"$(call ld-option,-mllvm -always-rename-promoted-locals=true)",
		"$(if $(and $(CONFIG_LTO_CLANG),$(call clang-min-version,230000)),--icf=all)",
		"$(or $(CONFIG_LTO_CLANG_FULL),--no-undefined)",
	}
	if len(g.vars) > 0 && g.r.IntN(3) == 0 {
		return "$(" + g.vars[g.r.IntN(len(g.vars))] + ")"
	}
	return opts[g.r.IntN(len(opts))]
}

func (g *variantGen) condition() string {
	return g.pick(
		"ifdef CONFIG_LTO_CLANG",
		"ifdef CONFIG_LTO_CLANG_THIN",
		"ifndef CONFIG_LTO_CLANG_FULL",
		"ifdef CONFIG_LTO_CLANG_THIN_DIST",
		"ifeq ($(CONFIG_LTO_CLANG_THIN),y)",
		"ifneq ($(CONFIG_LTO_CLANG_THIN)$(CONFIG_LTO_CLANG_THIN_DIST),)",
		"ifeq ($(call clang-min-version,230000),y)",
		"ifneq ($(call clang-min-version,230100),)",
		"ifeq \"$(CONFIG_CC_IS_CLANG)\" \"y\"",
		"ifneq ($(filter 23%,$(CONFIG_CLANG_VERSION)),)",
		"ifeq ($(if $(CONFIG_LTO),yes,no),yes)",
		"ifdef EMPTY_FLAGS",
		"ifdef EMPTY_REC",
	)
}

func (g *variantGen) block(depth, n int) {
	for i := 0; i < n; i++ {
		switch k := g.r.IntN(9); {
		case k == 6:
			// A rule, possibly with a recipe line that looks like an
			// assignment: whether make reads the next tab-led lines as
			// recipe depends on the branches taken.
			g.b.WriteString(g.pick("vmlinux.o: prepare\n", "modules: ; @:\n", "%.lds: %.lds.S\n"))
			if g.r.IntN(2) == 0 {
				g.b.WriteString("\tKBUILD_LDFLAGS += " + g.flags() + "\n")
			}
		case k == 7:
			g.b.WriteString("\tKBUILD_LDFLAGS += " + g.flags() + "\n")
		case k == 8:
			g.b.WriteString(g.pick("export KBUILD_LDFLAGS\n", "$(info reading)\n", "vmlinux: KBUILD_LDFLAGS += --icf=all\n",
				"define FLAGS_D\n"+g.flags()+"\nendef\nKBUILD_LDFLAGS += $(FLAGS_D)\n", "$(eval KBUILD_LDFLAGS += "+g.flags()+")\n",
				// override: later plain assignments leave the variable alone.
				"override KBUILD_LDFLAGS += "+g.flags()+"\n", "override CC_FLAGS_LTO := -flto\n",
				// $(call) of a function that calls another with fewer arguments.
				"inner = $(1) $(2)\nouter = $(call inner,$(2))\nKBUILD_LDFLAGS += $(call outer,--icf=all,--gc-sections)\n"))
		case k <= 1 || depth == 0:
			g.b.WriteString("KBUILD_LDFLAGS += " + g.flags() + "\n")
		case k == 2:
			name := fmt.Sprintf("FLAGS_%d", len(g.vars))
			op := g.pick(":=", "=", "?=")
			g.b.WriteString(name + " " + op + " " + g.flags() + "\n")
			if g.r.IntN(2) == 0 {
				g.b.WriteString(name + " += " + g.flags() + "\n")
			}
			g.vars = append(g.vars, name)
		case k == 3:
			g.b.WriteString("CC_FLAGS_LTO " + g.pick(":=", "+=") + " " + g.pick("-flto=thin -fsplit-lto-unit", "-flto", "-fvisibility=hidden", "$(call cc-option,-fsplit-lto-unit)") + "\n")
		default:
			g.b.WriteString(g.condition() + "\n")
			g.block(depth-1, 1+g.r.IntN(2))
			for e := g.r.IntN(3); e > 0; e-- {
				g.b.WriteString("else " + g.condition() + "\n")
				g.block(depth-1, 1+g.r.IntN(2))
			}
			if g.r.IntN(2) == 0 {
				g.b.WriteString("else\n")
				g.block(depth-1, 1)
			}
			g.b.WriteString("endif\n")
		}
	}
}
