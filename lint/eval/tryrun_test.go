package eval

import (
	"strings"
	"testing"

	"klpcheck/lint/model"
)

// kbuildProbes is kbuild's try-run and ld-option in their real shape
// (scripts/Makefile.compiler), written here for the test.
const kbuildProbes = `LD = ld.lld
TMPOUT = .tmp_$$$$
try-run = $(shell set -e;		\
	TMP=$(TMPOUT)/tmp;		\
	trap "rm -rf $(TMPOUT)" EXIT;	\
	mkdir -p $(TMPOUT);		\
	if ($(1)) >/dev/null 2>&1;	\
	then echo "$(2)";		\
	else echo "$(3)";		\
	fi)
ld-option = $(call try-run, $(LD) $(KBUILD_LDFLAGS) $(1) -v,$(1),$(2),$(3))
`

func TestTryRunLinker(t *testing.T) {
	unknown := model.Toolchain{Name: "snapshot", Uncertain: true}
	cases := []struct {
		name, prior string
		tc          model.Toolchain
		want        string
		maybe       bool
	}{
		{"23.1 accepts", "-m elf_x86_64", tc23, "-m elf_x86_64 --lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false", false},
		{"22.1 falls back", "-m elf_x86_64", tc22, "-m elf_x86_64 --no-undefined", false},
		{"a rejected word before fails every probe", "-mllvm -always-rename-promoted-locals=false", tc22, "-mllvm -always-rename-promoted-locals=false --no-undefined", false},
		{"unknown: both, maybe", "", unknown, "--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false --no-undefined", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := kbuildProbes + "KBUILD_LDFLAGS := " + c.prior + "\n" +
				"KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false,--no-undefined)\n"
			if c.name == "a rejected word before fails every probe" {
				src = strings.Replace(src, "ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false,", "ld-option,--lto-whole-program-visibility,", 1)
			}
			cfg := config(c.tc, nil)
			cfg.TryRun = true
			r := run(t, src, cfg)
			v := value(t, r, "KBUILD_LDFLAGS")
			if got := strings.Join(strings.Fields(v.String()), " "); got != c.want {
				t.Errorf("KBUILD_LDFLAGS = %q, want %q", got, c.want)
			}
			if r.ShellModelled != 1 {
				t.Errorf("ShellModelled = %d, want 1 (the try-run)", r.ShellModelled)
			}
			for _, w := range v.Words() {
				if w.Text() != "--lto-whole-program-visibility" && w.Text() != "--no-undefined" {
					continue
				}
				if w.Maybe() != c.maybe {
					t.Errorf("%s: maybe %v, want %v", w.Text(), w.Maybe(), c.maybe)
				}
				// The echoed flags keep the place of the ld-option call.
				if p := w.Pos(); p.Line != 13 {
					t.Errorf("%s at %s, want line 13", w.Text(), p)
				}
				if info := w.Info(); info == nil || info.Probe == nil || info.Probe.Func != "ld-option" {
					t.Errorf("%s: no ld-option probe in its provenance", w.Text())
				}
			}
		})
	}
}

// TestTreeVersionHelpers: with TryRun, the tree's own clang-min-version
// (and the test-ge it calls) runs, only its $(shell test ...) is modelled,
// and the gate it yields is still a gate on clang, named as the call.
func TestTreeVersionHelpers(t *testing.T) {
	// The definitions of scripts/Makefile.compiler and
	// scripts/Kbuild.include in their real shapes, written for the test.
	const (
		v61  = "clang-min-version = $(shell [ $(CONFIG_CLANG_VERSION)0 -ge $(1)0 ] && echo y)\n"
		v612 = "ifeq ($(intcmp 1,0,,,y),y)\ntest-ge = $(intcmp $(strip $1)0, $(strip $2)0,,y,y)\nelse\n" +
			"test-ge = $(shell test $(strip $1)0 -ge $(strip $2)0 && echo y)\nendif\n" +
			"clang-min-version = $(call test-ge, $(CONFIG_CLANG_VERSION), $1)\n"
	)
	const flags = "-mllvm -always-rename-promoted-locals=false"
	cases := []struct {
		name, defs string
		want       string // KBUILD_LDFLAGS
		gate       bool
		min        int
	}{
		{"6.1 shell [", v61, "-m " + flags, true, 230100},
		{"6.12 test-ge", v612, "-m " + flags, true, 230100},
		// A tree whose clang-min-version is strict: 230100 is not enough.
		{"stricter definition", strings.Replace(v61, "-ge", "-gt", 1), "-m", true, 230101},
		// A definition that tests no version is no gate.
		{"no version tested", "clang-min-version = y\n", "-m " + flags, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := c.defs + "KBUILD_LDFLAGS := -m\n" +
				"ifeq ($(call clang-min-version, 230100),y)\nKBUILD_LDFLAGS += " + flags + "\nendif\n" +
				"V := $(call clang-min-version, 230100)\n"
			cfg := config(tc23, map[string]string{"CONFIG_CLANG_VERSION": "230100"})
			cfg.TryRun = true
			r := run(t, src, cfg)
			if got := strings.Join(strings.Fields(value(t, r, "KBUILD_LDFLAGS").String()), " "); got != c.want {
				t.Errorf("KBUILD_LDFLAGS = %q, want %q", got, c.want)
			}
			v := value(t, r, "V")
			g := v.taint()
			if !c.gate {
				if g != nil {
					t.Errorf("gate %+v from a definition that tests no version", g)
				}
				return
			}
			if g == nil {
				t.Fatalf("V = %q: no version gate", v.String())
			}
			line := strings.Count(c.defs, "\n") + 5
			if g.Subject != "clang" || g.What != "clang-min-version 230100" || g.Min != c.min || g.At.Line != line || g.Source.Line != line {
				t.Errorf("gate %+v, want clang-min-version 230100 on clang, Min %d, at line %d", *g, c.min, line)
			}
			if r.ShellModelled == 0 {
				t.Error("the tree's $(shell test) was not what answered")
			}
		})
	}
}

// kbuildCompilerProbes are cc-option and cc-option-yn in the real shapes
// of the two trees (scripts/Makefile.compiler), written here for the test.
const (
	ccProbes61 = `__cc-option = $(call try-run,\
	$(1) -Werror $(2) $(3) -c -x c /dev/null -o "$$TMP",$(3),$(4))
cc-option = $(call __cc-option, $(CC),\
	$(KBUILD_CPPFLAGS) $(KBUILD_CFLAGS),$(1),$(2))
cc-option-yn = $(call try-run,\
	$(CC) -Werror $(KBUILD_CPPFLAGS) $(KBUILD_CFLAGS) $(1) -c -x c /dev/null -o "$$TMP",y,n)
`
	ccProbes612 = `__cc-option = $(call try-run,\
	$(1) -Werror $(2) $(3:-Wno-%=-W%) -c -x c /dev/null -o "$$TMP",$(3),$(4))
cc-option = $(call __cc-option, $(CC),\
	$(KBUILD_CPPFLAGS) $(KBUILD_CFLAGS),$(1),$(2))
cc-option-yn = $(if $(call cc-option,$1),y,n)
cc-disable-warning = $(call cc-option,-Wno-$(strip $1))
`
)

// TestTryRunCompiler: with TryRun, the tree's own cc-option and
// cc-option-yn run, and only the compile in try-run is answered from the
// model: a known flag is certain, an unknown one leaves both answers as
// maybe, and the answer keeps the place of the call.
func TestTryRunCompiler(t *testing.T) {
	for _, tree := range []struct{ name, defs string }{{"6.1", ccProbes61}, {"6.12", ccProbes612}} {
		t.Run(tree.name, func(t *testing.T) {
			src := strings.Replace(kbuildProbes, "LD = ld.lld\n", "LD = ld.lld\nCC = clang\n", 1) + tree.defs +
				"KBUILD_CPPFLAGS := -D__KERNEL__\nKBUILD_CFLAGS := -O2 -Wall\n" +
				"KNOWN := $(call cc-option,-ffunction-sections,-fno-fallback)\n" +
				"UNKNOWN := $(call cc-option,-fweird-flag,-fno-fallback)\n" +
				"YN := $(call cc-option-yn, -fdata-sections)\n"
			if tree.name == "6.12" {
				src += "WNO := $(call cc-disable-warning, unused-variable)\n"
			}
			cfg := config(tc22, nil)
			cfg.TryRun = true
			r := run(t, src, cfg)
			if r.ShellModelled < 3 {
				t.Errorf("ShellModelled = %d, want the 3 compiles of try-run", r.ShellModelled)
			}
			known := value(t, r, "KNOWN")
			if got := strings.TrimSpace(known.String()); got != "-ffunction-sections" || known.HasUnknown() {
				t.Errorf("KNOWN = %q (unknown %v), want -ffunction-sections", got, known.HasUnknown())
			}
			line := strings.Count(kbuildProbes+tree.defs, "\n") + 4
			for _, w := range known.Words() {
				if w.Maybe() {
					t.Errorf("KNOWN: %s is maybe", w.Text())
				}
				if p := w.Pos(); p.Line != line {
					t.Errorf("KNOWN: %s at %s, want line %d (the cc-option call)", w.Text(), p, line)
				}
				if info := w.Info(); info == nil || info.Probe == nil || info.Probe.Func != "cc-option" {
					t.Errorf("KNOWN: %s has no cc-option probe in its provenance", w.Text())
				}
			}
			unknown := value(t, r, "UNKNOWN")
			words := unknown.Words()
			if len(words) != 2 || words[0].Text() != "-fweird-flag" || words[1].Text() != "-fno-fallback" || !words[0].Maybe() || !words[1].Maybe() {
				t.Errorf("UNKNOWN = %q, want both -fweird-flag and -fno-fallback as maybe", unknown.String())
			}
			if yn := value(t, r, "YN"); strings.TrimSpace(yn.String()) != "y" || yn.HasUnknown() {
				t.Errorf("YN = %q, want y", yn.String())
			}
			if tree.name != "6.12" {
				return
			}
			// 6.12 compiles -Wno-X as -WX; the probe is still about the
			// flag the Makefile asked for.
			for _, w := range value(t, r, "WNO").Words() {
				var flags []string
				if info := w.Info(); info != nil && info.Probe != nil {
					flags = info.Probe.Flags
				}
				if strings.Join(flags, " ") != "-Wno-unused-variable" {
					t.Errorf("WNO: %s: probe flags %q, want -Wno-unused-variable", w.Text(), flags)
				}
			}
		})
	}
}

// TestTryRunCompilerNotOurs: a compile that is not the configuration's
// $(CC), or not cc-option's shape, is left unknown, never guessed.
func TestTryRunCompilerNotOurs(t *testing.T) {
	src := strings.Replace(kbuildProbes, "LD = ld.lld\n", "LD = ld.lld\nCC = clang\n", 1) + ccProbes612 +
		"OTHER := $(call __cc-option,gcc,,-ffunction-sections,-fno-fallback)\n" +
		"SHAPE := $(call try-run,$(CC) -Werror -ffunction-sections -S -o \"$$TMP\",yes,no)\n"
	cfg := config(tc22, nil)
	cfg.TryRun = true
	r := run(t, src, cfg)
	for _, name := range []string{"OTHER", "SHAPE"} {
		if v := value(t, r, name); !v.HasUnknown() {
			t.Errorf("%s = %q: answered, want unknown", name, v.String())
		}
	}
}
