// Package symname takes apart the names compilers give to symbols: the
// ThinLTO promotion suffix ".llvm.<hash>", the other compiler suffixes
// (".isra.N", ".constprop.N", ...), and the demangled name klp-diff matches
// twins by.
package symname

import "strings"

// llvmMarker introduces a ThinLTO promotion suffix.
const llvmMarker = ".llvm."

// Promotion is a name split around its ".llvm.<digits>" suffix.
type Promotion struct {
	Base string // the name without ".llvm.<hash>" (any tail such as ".cold" kept)
	Hash string // the decimal module hash
}

// SplitLLVM finds the first ".llvm.<digits>" in name that is followed by the
// end of the name or by another ".". "twice.llvm.2450800438558904657" splits
// into "twice" and "2450800438558904657"; "foo.llvm.x" and "foo.llvm." do not.
func SplitLLVM(name string) (Promotion, bool) {
	from := 0
	for {
		i := strings.Index(name[from:], llvmMarker)
		if i < 0 {
			return Promotion{}, false
		}
		i += from
		start := i + len(llvmMarker)
		end := start
		for end < len(name) && name[end] >= '0' && name[end] <= '9' {
			end++
		}
		if end > start && (end == len(name) || name[end] == '.') {
			base := name[:i]
			if end < len(name) {
				base += name[end:]
			}
			return Promotion{Base: base, Hash: name[start:end]}, true
		}
		from = i + 1
	}
}

// IsPromoted reports whether SplitLLVM would find a promotion suffix,
// without building the base name.
func IsPromoted(name string) bool {
	if !strings.Contains(name, llvmMarker) {
		return false
	}
	_, ok := SplitLLVM(name)
	return ok
}

// Demangle returns the name klp-diff correlates a FUNC or OBJECT symbol by:
// everything from the first ".llvm." on is dropped; otherwise, for names that
// start with "__UNIQUE_ID_" or contain a ".", the trailing run of digits, "."
// and "_" is dropped (so that the nested
// "__UNIQUE_ID_addressable___UNIQUE_ID_pci_invalid_bar_694_695" loses both
// numbers). A name that would keep one character or none is kept whole.
func Demangle(name string) string {
	if i := strings.Index(name, llvmMarker); i >= 0 {
		if i == 0 {
			return name
		}
		return name[:i]
	}
	if !strings.HasPrefix(name, "__UNIQUE_ID_") && !strings.Contains(name, ".") {
		return name
	}
	end := len(name)
	for end > 0 {
		c := name[end-1]
		if (c >= '0' && c <= '9') || c == '.' || c == '_' {
			end--
			continue
		}
		break
	}
	// klp-diff keeps the name whole when at most its first character would
	// remain ("a.1" stays "a.1"); matching it exactly matters more than
	// tidiness, since a twin found here and not there would be a surprise.
	if end <= 1 {
		return name
	}
	return name[:end]
}

// Suffix kinds other than ThinLTO promotion, in the order they are reported.
const (
	SuffixIsra       = "isra"
	SuffixConstprop  = "constprop"
	SuffixPart       = "part"
	SuffixCold       = "cold"
	SuffixLTOPriv    = "lto_priv"
	SuffixLocalAlias = "localalias"
)

// SuffixKinds lists every kind CompilerSuffixes can report.
var SuffixKinds = []string{SuffixIsra, SuffixConstprop, SuffixPart, SuffixCold, SuffixLTOPriv, SuffixLocalAlias}

// numbered are the suffixes that GCC and LLVM always follow with ".N".
var numbered = map[string]bool{SuffixIsra: true, SuffixConstprop: true, SuffixPart: true, SuffixLTOPriv: true}

// CompilerSuffixes reports which of the other compiler suffixes name carries
// (".isra.N", ".constprop.N", ".part.N", ".lto_priv.N", ".cold" or ".cold.N",
// ".localalias"), each kind at most once, in SuffixKinds order. These come
// from interprocedural optimisation and GCC LTO, not from ThinLTO promotion.
func CompilerSuffixes(name string) []string {
	found := compilerSuffixBits(name)
	if found == 0 {
		return nil
	}
	var kinds []string
	for i, k := range SuffixKinds {
		if found&(1<<i) != 0 {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// CountCompilerSuffixes adds one to counts[kind] for each kind name carries:
// CompilerSuffixes without the allocation, for a million names.
func CountCompilerSuffixes(name string, counts map[string]int) {
	if found := compilerSuffixBits(name); found != 0 {
		for i, k := range SuffixKinds {
			if found&(1<<i) != 0 {
				counts[k]++
			}
		}
	}
}

// compilerSuffixBits walks the "."-separated parts after the base name;
// bit i set means SuffixKinds[i] is present.
func compilerSuffixBits(name string) uint8 {
	dot := strings.IndexByte(name, '.')
	if dot <= 0 {
		return 0
	}
	var found uint8
	rest := name[dot+1:]
	for rest != "" {
		part, after, _ := strings.Cut(rest, ".")
		switch {
		case numbered[part]:
			next, _, _ := strings.Cut(after, ".")
			if isDigits(next) {
				found |= 1 << kindIndex(part)
			}
		case part == SuffixCold || part == SuffixLocalAlias:
			found |= 1 << kindIndex(part)
		}
		rest = after
	}
	return found
}

func kindIndex(kind string) int {
	for i, k := range SuffixKinds {
		if k == kind {
			return i
		}
	}
	return 0
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
