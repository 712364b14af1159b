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
