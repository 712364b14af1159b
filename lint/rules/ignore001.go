package rules

// IGNORE001 is reported by the driver for a "# klpcheck: ignore=ID reason"
// comment that suppresses nothing: the rule it names reports nothing on
// that line (any more), or it names no rule at all.
var IGNORE001 = &Rule{
	ID:       "IGNORE001",
	Name:     "unused-suppression",
	Severity: Note,
	Summary:  "a klpcheck: ignore= comment suppresses no finding",
	Doc: `
A comment "# klpcheck: ignore=ID[,ID...] reason" in a file lint reads
suppresses the findings of those rules on its own line, or, when the comment
is alone on its line, on the next line that is not a comment (the whole
logical line, backslash continuations included). Suppressed findings do not
count for the exit status; the summary and the JSON document (its
"suppressed" list) still show them.

A suppression that matches no finding is reported here, so that stale ones
are removed once the Makefile is fixed: the rule no longer fires on that
line, the comment moved away from the line it was meant for, or the ID is
misspelled. A suppression of a rule turned off with --disable or left out of
--enable is not judged. This is a note: it never changes the exit status.`,
	Bad: `
# klpcheck: ignore=LTO005 the option is probed elsewhere
KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)`,
	Good: `
KBUILD_LDFLAGS += $(call ld-option,--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)`,
}
