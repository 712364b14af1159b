package rules

// PATCH001 is reported by the driver when a hunk of a --patch does not
// apply; its added lines are then linted on their own.
var PATCH001 = &Rule{
	ID:       "PATCH001",
	Name:     "hunk-does-not-apply",
	Severity: Warning,
	Summary:  "a hunk of a patch does not apply to the tree",
	Doc: `
klpcheck applies --patch files in memory the way git apply does: each
hunk's context and removed lines must match the file, at the line the hunk
header names or at an offset from it (whitespace differences are tolerated,
as mail clients mangle tabs). A hunk that matches nowhere, or only where an
earlier hunk of the same file already changed the text, is reported here.

Its added lines are still checked on their own: misspelled flags, lines
make rejects, and a Kconfig option's default and help. The rules that need
the surrounding Makefile (which configurations get the flags) cannot judge
them.`,
	Bad: `
@@ -1034,6 +1034,7 @@ endif
 ifdef CONFIG_LTO_CLANG_THIN
 CC_FLAGS_LTO	:= -flto=thin
+KBUILD_LDFLAGS += $(call ld-option,...)
 else`,
	Good: `
# A patch made against the tree it is applied to, or refreshed with
# "git rebase" so that its context lines match.`,
}
