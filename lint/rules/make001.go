package rules

import "fmt"

// MAKE001 reports the configurations in which GNU make stops reading the
// Makefile: nothing after the stop is evaluated there, so no other rule can
// judge them.
var MAKE001 = &Rule{
	ID:       "MAKE001",
	Name:     "make-stops",
	Severity: Warning,
	Summary:  "GNU make stops reading the Makefile in some configurations",
	Doc: `
A $(error ...) that is expanded while make reads the Makefile ends make
with "*** message.  Stop." (a line make cannot parse stops it too: LTO010
reports those). In the configurations where that happens nothing after the
line is read: klpcheck
cannot say whether they get the suffix-reduction flags, and the build would
not start. When every configuration stops there, klpcheck lint cannot lint
at all and exits with status 2 and make's message instead (a kernel tree
whose path holds a space or a colon stops at the top-level Makefile's
"source directory cannot contain spaces or colons").

An $(error ...) reached only under a condition klpcheck does not model is
a note.`,
	Bad: `
ifdef CONFIG_LTO_CLANG_THIN
$(error ThinLTO is not supported here)
endif`,
	Good: `
ifdef CONFIG_LTO_CLANG_THIN
KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
endif`,
	Run: runMAKE001,
}

func runMAKE001(p *Pass) error {
	g := newGrouper()
	msgs := map[*group]string{}
	for k, c := range p.Configs {
		r := c.Result
		if r.StoppedByError {
			e := g.add(r.Aborted.Pos, k, false, "", Occurrence{})
			msgs[e] = fmt.Sprintf("GNU make stops here: %s; nothing after this line is read in these configurations", r.Aborted.Msg)
			continue
		}
		if r.Aborted != nil {
			continue // a line make cannot parse: LTO010 reports it
		}
		for _, m := range r.MaybeStops {
			e := g.add(m.Pos, k, true, m.Why, Occurrence{})
			if msgs[e] == "" {
				msgs[e] = fmt.Sprintf("GNU make may stop here: $(error %s)", m.Msg)
			}
		}
	}
	for _, e := range g.sorted() {
		p.report(e.pos, e.configs, e.allMaybe, e.why, msgs[e])
	}
	return nil
}
