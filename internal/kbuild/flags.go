// Package kbuild holds the facts about the kernel's build system and LLVM
// that probe, lint and check share: how kbuild spells the suffix-reduction
// flags, the Clang LTO modes of arch/Kconfig, the LLVM releases that have
// the rename option, the CONFIG_*_VERSION numbers, and how kbuild's
// top-level Makefile picks LD. One home, so that the capabilities cannot
// disagree about them.
package kbuild

import "strings"

// The suffix-reduction flags, as the kernel patch spells them.
const (
	// VisibilityFlag is lld's whole-program visibility switch.
	VisibilityFlag = "--lto-whole-program-visibility"
	// Mllvm passes the next word to LLVM's option parser.
	Mllvm = "-mllvm"
	// RenameOption is the LLVM option, without dashes or value.
	RenameOption = "always-rename-promoted-locals"
	// RenameFlag is the option as LLVM's parser takes it, without a value.
	RenameFlag = "-" + RenameOption
	// RenameValue is the word that follows -mllvm: suffix reduction on.
	RenameValue = RenameFlag + "=false"
)

// SuffixReductionFlags is the ld-option argument of the kernel's
// suffix-reduction patch: both flags in one call, -mllvm next to its value.
const SuffixReductionFlags = VisibilityFlag + " " + Mllvm + " " + RenameValue

// takesSeparateValue lists linker options whose value is the next word, so
// that a group keeps them together: "-mllvm -x=1" is one unit, never two.
var takesSeparateValue = map[string]bool{
	"-mllvm": true, "--mllvm": true,
	"-plugin-opt": true, "--plugin-opt": true,
	"-z": true, "-m": true, "-o": true, "-L": true, "-T": true,
	"-e": true, "-u": true, "-y": true, "-soname": true, "-rpath": true,
}

// TakesSeparateValue reports whether the linker option w takes the next
// word as its value (-mllvm, -z, -o, ...).
func TakesSeparateValue(w string) bool { return takesSeparateValue[w] }

// Groups splits linker flag words into the units that can be tested alone:
// an option together with its separate value.
func Groups(words []string) [][]string {
	var groups [][]string
	for i := 0; i < len(words); i++ {
		g := []string{words[i]}
		if takesSeparateValue[words[i]] && i+1 < len(words) {
			g = append(g, words[i+1])
			i++
		}
		groups = append(groups, g)
	}
	return groups
}

// IsMllvm reports whether w starts an -mllvm option: -mllvm, --mllvm, or
// the joined -mllvm=VALUE / --mllvm=VALUE.
func IsMllvm(w string) bool {
	return w == "-mllvm" || w == "--mllvm" || strings.HasPrefix(w, "-mllvm=") || strings.HasPrefix(w, "--mllvm=")
}
