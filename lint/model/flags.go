package model

import (
	"strings"

	"klpcheck/internal/kbuild"
)

// The suffix-reduction flags, as kbuild spells them (internal/kbuild).
const (
	VisibilityFlag = kbuild.VisibilityFlag
	Mllvm          = kbuild.Mllvm
	RenameOption   = kbuild.RenameOption
	RenameValue    = kbuild.RenameValue
)

// Spelling classifies a word that looks like one of the two flags.
type Spelling int

// The spellings Classify recognises.
const (
	NotFlag Spelling = iota
	// Visibility is --lto-whole-program-visibility (lld also takes one dash).
	Visibility
	// RenameFalse is -always-rename-promoted-locals=false (or =0).
	RenameFalse
	// RenameDefault is the option with no value, =true or =1: the default,
	// which changes nothing.
	RenameDefault
	// RenameDoubleDash is --always-rename-promoted-locals...
	RenameDoubleDash
	// RenameUnderscore uses underscores: always_rename_promoted_locals.
	RenameUnderscore
	// RenameTypo is any other near miss of the option name or value.
	RenameTypo
	// VisibilityTypo is a near miss of --lto-whole-program-visibility.
	VisibilityTypo
	// MllvmJoined is -mllvm=VALUE: lld's joined spelling of -mllvm.
	MllvmJoined
)

// Classify looks at one word of a flags variable.
func Classify(w string) Spelling {
	if strings.HasPrefix(w, "-mllvm=") || strings.HasPrefix(w, "--mllvm=") {
		return MllvmJoined
	}
	dashes := len(w) - len(strings.TrimLeft(w, "-"))
	body := w[dashes:]
	name, value, hasValue := strings.Cut(body, "=")
	norm := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
	switch {
	case norm == strings.TrimLeft(VisibilityFlag, "-"):
		if strings.Contains(name, "_") || dashes == 0 || dashes > 2 || hasValue || name != norm {
			return VisibilityTypo
		}
		return Visibility
	case norm == RenameOption:
		switch {
		case strings.Contains(name, "_"):
			return RenameUnderscore
		case dashes == 2:
			return RenameDoubleDash
		case dashes != 1 || name != norm:
			return RenameTypo
		case !hasValue:
			return RenameDefault
		}
		switch value {
		case "false", "0", "FALSE", "False":
			return RenameFalse
		case "true", "1", "TRUE", "True":
			return RenameDefault
		}
		return RenameTypo
	}
	if dashes == 0 || len(norm) < 10 {
		return NotFlag
	}
	if near(norm, RenameOption) || strings.Contains(norm, "rename-promoted") || strings.Contains(norm, "renamepromoted") {
		return RenameTypo
	}
	if near(norm, strings.TrimLeft(VisibilityFlag, "-")) || strings.Contains(norm, "whole-program-visib") {
		return VisibilityTypo
	}
	return NotFlag
}

// near reports whether a is within two edits of b.
func near(a, b string) bool {
	if d := len(a) - len(b); d > 2 || d < -2 {
		return false
	}
	return editDistance(a, b, 3) <= 2
}

// editDistance is the Levenshtein distance of a and b, stopping early once
// it must exceed limit.
func editDistance(a, b string, limit int) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > limit {
			return best
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Verdict is what a probe would answer.
type Verdict int

// The answers of a probe.
const (
	Unknown Verdict = iota
	Accepts
	Rejects
)

func (v Verdict) String() string {
	switch v {
	case Accepts:
		return "accepts"
	case Rejects:
		return "rejects"
	}
	return "unknown"
}

// KnownLinkerFlags are lld options every modelled lld (and Debian's lld 14
// to 22, which the tests run) accepts. Words not listed and not recognised
// otherwise make an ld-option probe unknown.
var KnownLinkerFlags = []string{
	"--lto-whole-program-visibility", "-lto-whole-program-visibility",
	"--no-undefined", "--gc-sections", "--no-gc-sections", "--build-id=sha1",
	"--build-id", "--emit-relocs", "--strip-debug", "-X", "-r", "--icf=all",
	"--orphan-handling=warn", "--pack-dyn-relocs=relr", "--pack-dyn-relocs=none",
	"--no-relax", "--hash-style=gnu", "--lto-O2", "--lto-O3", "--thinlto-jobs=1",
	"-Bsymbolic", "--discard-none", "--no-warn-mismatch", "--save-temps",
}

// KnownZKeywords are -z keywords every modelled lld accepts.
var KnownZKeywords = []string{"noexecstack", "norelro", "relro", "now", "max-page-size=4096", "separate-code", "noseparate-code"}

// KnownLLVMOptions are -mllvm options (name only) that LLVM 14 to 23 all
// define, so lld accepts them in any mode.
var KnownLLVMOptions = []string{"import-instr-limit", "import-cold-multiplier", "inline-threshold"}

// LinkerAccepts answers an ld-option probe for flags with this
// toolchain's lld: "$(LD) $(KBUILD_LDFLAGS) flags -v" exits 0 or not.
func (t Toolchain) LinkerAccepts(flags []string) Verdict {
	v := Accepts
	merge := func(x Verdict) {
		switch {
		case x == Rejects || v == Rejects:
			v = Rejects
		case x == Unknown:
			v = Unknown
		}
	}
	for i := 0; i < len(flags); i++ {
		w := flags[i]
		switch {
		case w == "-mllvm" || w == "--mllvm":
			if i+1 >= len(flags) {
				merge(Rejects) // "-mllvm: missing argument"
				continue
			}
			i++
			merge(t.llvmOption(flags[i]))
		case Classify(w) == MllvmJoined:
			_, val, _ := strings.Cut(w, "=")
			merge(t.llvmOption(val))
		case w == "-z":
			if i+1 >= len(flags) {
				merge(Rejects)
				continue
			}
			i++
			if contains(KnownZKeywords, flags[i]) {
				merge(Accepts)
			} else {
				merge(Unknown)
			}
		case contains(KnownLinkerFlags, w):
			merge(Accepts)
		default:
			switch Classify(w) {
			case VisibilityTypo, RenameFalse, RenameDefault, RenameDoubleDash, RenameUnderscore, RenameTypo:
				// Not an lld option: "unknown argument".
				merge(Rejects)
			default:
				merge(Unknown)
			}
		}
	}
	return v
}

// llvmOption judges the word after -mllvm.
func (t Toolchain) llvmOption(w string) Verdict {
	switch Classify(w) {
	case RenameFalse, RenameDefault, RenameDoubleDash:
		// LLVM's option parser takes one or two dashes and any bool value.
		if t.Uncertain {
			return Unknown
		}
		if t.Rename {
			return Accepts
		}
		return Rejects
	case RenameUnderscore, RenameTypo, VisibilityTypo, Visibility:
		return Rejects
	}
	name := strings.TrimLeft(w, "-")
	name, _, _ = strings.Cut(name, "=")
	if contains(KnownLLVMOptions, name) {
		return Accepts
	}
	return Unknown
}

// KnownCompilerFlags are clang flags every modelled clang accepts with
// -Werror (checked against clang-22 by the tests).
var KnownCompilerFlags = []string{
	"-flto", "-flto=thin", "-flto=full", "-fsplit-lto-unit", "-fno-lto",
	"-fvisibility=hidden", "-ffunction-sections", "-fdata-sections",
	"-fno-stack-protector", "-fno-common", "-fno-strict-aliasing",
}

// CompilerAccepts answers a cc-option probe: known flags are accepted,
// anything else is unknown (a probe is "unknown unless obvious").
func (t Toolchain) CompilerAccepts(flags []string) Verdict {
	for _, f := range flags {
		if !contains(KnownCompilerFlags, f) {
			return Unknown
		}
	}
	return Accepts
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
