// Package model describes the configurations klpcheck lint evaluates a
// kernel Makefile under: the Clang LTO modes a tree offers and the LLVM
// toolchains that matter for suffix reduction, and what each toolchain's
// lld and clang accept, so that kbuild's ld-option and cc-option probes can
// be answered without running anything.
package model

import (
	"strconv"

	"klpcheck/internal/kbuild"
)

// Toolchain is clang and lld of one LLVM version.
type Toolchain struct {
	Name string
	// Version is the kbuild number (major*10000 + minor*100 + patch) of
	// both CONFIG_CLANG_VERSION and CONFIG_LLD_VERSION.
	Version int
	// Rename: lld knows -mllvm -always-rename-promoted-locals and honours
	// it in in-process ThinLTO.
	Rename bool
	// Distributed: the option also works in distributed ThinLTO.
	Distributed bool
	// Uncertain: whether lld knows the option cannot be told from its
	// version (a 23.0.0git snapshot, or a linker that is not lld): probes
	// of it are unknown.
	Uncertain bool
}

// ForBuild is the toolchain a configured build names: its lld version
// (CONFIG_LLD_VERSION, 0 when the linker is not lld), labelled with where
// it was configured. Releases before 23 lack the option, 23.1 and later
// have it for both ThinLTO modes, and a 23.0.0git snapshot may or may not.
func ForBuild(lldVersion int, where string) Toolchain {
	t := Toolchain{Version: lldVersion}
	if lldVersion <= 0 {
		t.Name = "the linker configured in " + where
		t.Uncertain = true
		return t
	}
	switch kbuild.RenameSupport(kbuild.Version(lldVersion)) {
	case kbuild.SupportYes:
		t.Rename, t.Distributed = true, true
	case kbuild.SupportMaybe:
		t.Uncertain = true
	}
	t.Name = "LLD " + kbuild.Version(lldVersion).String() + " as configured in " + where
	return t
}

// Toolchains is the matrix of the issue, oldest first: LLVM 22.1 rejects
// the option; a 23.0.0git snapshot from before it rejects it; a later
// snapshot accepts it but only in-process ThinLTO honours it; 23.1 supports
// both modes.
func Toolchains() []Toolchain {
	return []Toolchain{
		{Name: "LLVM 22.1", Version: int(kbuild.MakeVersion(22, 1, 0))},
		{Name: "LLVM 23.0.0git (before the option)", Version: int(kbuild.RenameSnapshot)},
		{Name: "LLVM 23.0.0git (in-process only)", Version: int(kbuild.RenameSnapshot), Rename: true},
		{Name: "LLVM 23.1", Version: int(kbuild.RenameRelease), Rename: true, Distributed: true},
	}
}

// Mode is an LTO mode: the member of arch/Kconfig's LTO choice that is set.
type Mode struct {
	// Name is "none" or the part after LTO_CLANG_: FULL, THIN, THIN_DIST.
	Name string
	// Symbol is the Kconfig symbol, without CONFIG_: LTO_NONE, LTO_CLANG_THIN...
	Symbol string
	// LTO is the mode as a value; kbuild.LTOOther for an LTO_CLANG_*
	// member klpcheck does not know.
	LTO kbuild.LTOMode
}

// ModeNone is a build without Clang LTO.
var ModeNone = Mode{Name: "none", Symbol: kbuild.LTONone.Symbol(), LTO: kbuild.LTONone}

// ModeFor returns the mode a choice member selects.
func ModeFor(symbol string) Mode {
	const prefix = "LTO_CLANG_"
	lto := kbuild.ModeForSymbol(symbol)
	if len(symbol) > len(prefix) && symbol[:len(prefix)] == prefix {
		return Mode{Name: symbol[len(prefix):], Symbol: symbol, LTO: lto}
	}
	return Mode{Name: "none", Symbol: symbol, LTO: kbuild.LTONone}
}

// DefaultModes are the modes used when no arch/Kconfig says otherwise.
func DefaultModes() []Mode {
	return []Mode{ModeNone, ModeFor(kbuild.LTOFull.Symbol()), ModeFor(kbuild.LTOThin.Symbol())}
}

// ClangLTO reports whether the mode is any Clang LTO.
func (m Mode) ClangLTO() bool { return m.LTO.ClangLTO() }

// Full reports whether the mode is full (monolithic) LTO.
func (m Mode) Full() bool { return m.LTO == kbuild.LTOFull }

// InProcessThin reports whether lld runs the ThinLTO backends itself.
func (m Mode) InProcessThin() bool { return m.LTO == kbuild.LTOThin }

// DistributedThin reports whether the ThinLTO backends run outside lld.
func (m Mode) DistributedThin() bool { return m.LTO == kbuild.LTOThinDist }

// Label is how the mode is named in findings.
func (m Mode) Label() string {
	if m.LTO == kbuild.LTONone {
		return kbuild.LTONone.Label()
	}
	return m.Name
}

// Config is one point of the matrix.
type Config struct {
	Mode      Mode
	Toolchain Toolchain
}

// String names the configuration as findings do: "THIN with LLVM 22.1".
func (c Config) String() string { return c.Mode.Label() + " with " + c.Toolchain.Name }

// Matrix combines every mode with every toolchain, mode-major.
func Matrix(modes []Mode, toolchains []Toolchain) []Config {
	var out []Config
	for _, m := range modes {
		for _, t := range toolchains {
			out = append(out, Config{Mode: m, Toolchain: t})
		}
	}
	return out
}

// Symbols returns the Kconfig symbols (without CONFIG_) this configuration
// forces: the toolchain facts and the LTO choice. allModes lists every mode
// of the matrix, so that the members not chosen are "n". Symbols set to "n"
// are undefined for make.
func (c Config) Symbols(allModes []Mode) map[string]string {
	v := strconv.Itoa(c.Toolchain.Version)
	s := map[string]string{
		"CC_IS_CLANG":                  "y",
		"CC_IS_GCC":                    "n",
		"LD_IS_LLD":                    "y",
		"LD_IS_BFD":                    "n",
		"AS_IS_LLVM":                   "y",
		"AS_IS_GNU":                    "n",
		"CLANG_VERSION":                v,
		"LLD_VERSION":                  v,
		"AS_VERSION":                   v,
		"GCC_VERSION":                  "0",
		"ARCH_SUPPORTS_LTO_CLANG":      "y",
		"ARCH_SUPPORTS_LTO_CLANG_THIN": "y",
		"HAS_LTO_CLANG":                "y",
		"LTO_NONE":                     "n",
		"LTO_CLANG":                    "n",
		"LTO":                          "n",
	}
	for _, m := range allModes {
		s[m.Symbol] = "n"
	}
	s[c.Mode.Symbol] = "y"
	if c.Mode.ClangLTO() {
		s["LTO_CLANG"] = "y"
		s["LTO"] = "y"
	}
	return s
}
