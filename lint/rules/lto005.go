package rules

import (
	"fmt"
	"sort"

	"klpcheck/lint/makefile"
)

// LTO005 reports a hard-coded version gate where ld-option would see the
// capability itself.
var LTO005 = &Rule{
	ID:       "LTO005",
	Name:     "version-gate-instead-of-probe",
	Severity: Warning,
	Summary:  "a hard-coded version gate guards flags that only reach in-process ThinLTO, where ld-option sees the capability",
	Doc: `
For in-process ThinLTO the question is whether the linker accepts
-mllvm -always-rename-promoted-locals=false, and $(call ld-option,...) asks
exactly that. A version number answers a different question: LLVM 23.0.0git
is 230000 both before and after the option landed, distributions backport,
and clang-min-version and CONFIG_CLANG_VERSION describe the compiler, not
the linker: with LD= pointing at another lld, a new clang passes the gate and
an old lld fails the link. Reviewers asked for the dynamic check.

A gate that also covers distributed ThinLTO (CONFIG_LTO_CLANG_THIN_DIST) is
justified: there a probe cannot see whether the mode is supported, and
gating on clang-min-version,230100 is the documented way. Such gates are
not reported.`,
	Bad: `
ifdef CONFIG_LTO_CLANG_THIN
ifeq ($(call clang-min-version,230000),y)
KBUILD_LDFLAGS += --lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false
endif
endif`,
	Good: `
ifdef CONFIG_LTO_CLANG_THIN
KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
endif`,
	Run: runLTO005,
}

func runLTO005(p *Pass) error {
	f := p.getFacts()
	type gateUse struct {
		what, subject string
		source        makefile.Pos
		modes         map[string]bool
		configs       []int
		maybe         bool
		why           string
	}
	uses := map[makefile.Pos]*gateUse{}
	for k, c := range p.Configs {
		if p.aborted(k) {
			continue
		}
		for _, o := range f.link[k] {
			if o.Kind != OccRename && o.Kind != OccVisibility {
				continue
			}
			for _, gt := range versionGates(o) {
				u, ok := uses[gt.At]
				if !ok {
					u = &gateUse{what: gt.What, subject: gt.Subject, source: gt.Source, modes: map[string]bool{}, maybe: true}
					uses[gt.At] = u
				}
				u.modes[c.Config.Mode.Name] = true
				if n := len(u.configs); n == 0 || u.configs[n-1] != k {
					u.configs = append(u.configs, k)
				}
				if !o.Maybe {
					u.maybe = false
				} else if u.why == "" {
					u.why = o.Why
				}
			}
		}
	}
	var at []makefile.Pos
	for pos := range uses {
		at = append(at, pos)
	}
	sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
	for _, pos := range at {
		u := uses[pos]
		// Only flags that reach in-process ThinLTO and nothing else: a gate
		// that lets them into THIN_DIST is the justified kind (and a wrong
		// one is LTO003's business), one that lets them into FULL or non-LTO
		// builds is LTO002's.
		if !u.modes["THIN"] || len(u.modes) != 1 {
			continue
		}
		msg := fmt.Sprintf("the hard-coded version gate %s guards flags that only reach in-process ThinLTO, where $(call ld-option,...) sees the capability itself", u.what)
		switch u.subject {
		case "clang":
			msg += "; and a clang version says nothing about a different LD (LD=ld.lld-22 with clang 23 passes the gate and fails to link)"
		case "lld":
			msg += "; CONFIG_LLD_VERSION cannot tell a 23.0.0git snapshot with the option from one without"
		}
		if u.source.IsValid() && u.source.File != pos.File {
			msg += fmt.Sprintf(" (the gate comes from %s)", u.source)
		}
		p.report(pos, u.configs, u.maybe, u.why, msg)
	}
	return nil
}
