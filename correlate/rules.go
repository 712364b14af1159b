package correlate

import "klpcheck/internal/report"

// RuleDocs are the documentation of correlate's rules (COR001..COR005), in
// ID order, in the form lint's rules have: `klpcheck explain COR001`, the
// page docs/rules/COR001.md and the SARIF rule metadata come from it.
func RuleDocs() []report.RuleDoc {
	rule := func(id, name, severity, summary, doc, bad, good string) report.RuleDoc {
		return report.RuleDoc{ID: id, Name: name, Severity: severity, Summary: summary, Doc: doc,
			Bad: bad, Good: good, Lang: "text", Command: "correlate"}
	}
	return []report.RuleDoc{
		rule(RuleHardConflict, "HardConflict", "error",
			"an assembly global and a promoted C static share a name",
			`
The C static is already promoted by ThinLTO (it is named NAME.llvm.<hash>
in the binary because a function of another file uses it). With lld's
suffix reduction (-mllvm -always-rename-promoted-locals=false) the promoted
static keeps its plain name NAME; assembly is not an LTO module, so LLVM does
not see the assembly global of the same name, and the link stops with a
duplicate symbol.

correlate knows a global comes from assembly from the build directory
(--build: the object is not LLVM bitcode) or from DWARF (the compile unit's
language is assembly). Rename one of the two.`,
			`
arch/x86/entry/entry.S:   SYM_FUNC_START(seq_step)   (global)
kernel/seq.c:             static int seq_step(void)  (promoted: seq_step.llvm.1494...)`,
			`
arch/x86/entry/entry.S:   SYM_FUNC_START(asm_seq_step)
kernel/seq.c:             static int seq_step(void)`),
		rule(RuleLatentConflict, "LatentConflict", "warning",
			"an assembly global and an unpromoted C static share a name",
			`
The link works today: the C static is not promoted, so it stays a local
symbol and does not collide. As soon as ThinLTO imports a user of the
static into another file (a change anywhere in the import heuristics, a
new caller, another -import-instr-limit) the static is promoted, keeps its
plain name under suffix reduction, and the link fails as for a hard conflict
(COR001). Rename one of the two before it happens.`,
			`
arch/x86/entry/entry.S:   SYM_FUNC_START(clash_latent)        (global)
kernel/seq.c:             static int clash_latent(void)        (local, not promoted)`,
			`
arch/x86/entry/entry.S:   SYM_FUNC_START(asm_clash_latent)
kernel/seq.c:             static int clash_latent(void)`),
		rule(RulePossibleConflict, "PossibleConflict", "note",
			"a global and a C static share a name; whether the global is assembly is unknown",
			`
Without a build directory (--build) or debug info in the file, correlate
cannot tell whether the global comes from assembly (a conflict under suffix
reduction) or from C (LLVM sees both and renames the static, no conflict).
Give --build DIR, or a file built with debug info, to decide.`,
			`
klpcheck correlate vmlinux.o            (stripped, no --build)`,
			`
klpcheck correlate --build ~/linux/build vmlinux.o`),
		rule(RuleSuffixBudget, "SuffixBudget", "error",
			"more .llvm.<hash> functions and data objects than --max-suffixed allows",
			`
With suffix reduction in effect a kernel keeps .llvm.<hash> only on the
promoted statics whose plain names collide with another symbol: a handful
(about 2). Thousands mean the flags do not reach
the link (a version gate, an ld-option that failed, distributed ThinLTO)
or the toolchain ignores them. --max-suffixed N makes that a CI failure.`,
			`
$ klpcheck correlate --max-suffixed 2 vmlinux.o
  4107 .llvm.<hash> functions and data objects, more than the budget of 2`,
			`
$ klpcheck correlate --max-suffixed 2 vmlinux.o
  2 .llvm.<hash> functions and data objects`),
		rule(RuleAmbiguousTwin, "AmbiguousTwin", "error",
			"a symbol has more than one candidate twin in the other build",
			`
Pairing the symbols of the original build (--against ORIG) with those of the
patched one, the way objtool's klp-diff does, found a symbol with several
candidates (the same base name promoted from several files, or a suffix
that changed on more than one). klp-diff refuses to guess, and so does
correlate: the live patch cannot be built until the names are unique, for
instance with suffix reduction on.`,
			`
orig:    seq_state.llvm.111  (kernel/seq.c)
patched: seq_state.llvm.222  seq_state.llvm.333   (two candidates)`,
			`
orig:    seq_state           (kernel/seq.c)
patched: seq_state           (suffix reduction: the name is kept)`),
	}
}
