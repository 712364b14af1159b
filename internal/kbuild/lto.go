package kbuild

// LTOMode is the member of arch/Kconfig's LTO choice a build selects.
type LTOMode int

// The Clang LTO modes. The zero value is a build without Clang LTO.
const (
	LTONone LTOMode = iota
	LTOFull
	LTOThin
	LTOThinDist
	// LTOOther is a choice member klpcheck does not know (a future mode).
	LTOOther
)

// Modes are the known modes, in arch/Kconfig's order.
var Modes = []LTOMode{LTONone, LTOFull, LTOThin, LTOThinDist}

var modeFacts = map[LTOMode]struct{ symbol, name, config string }{
	LTONone:     {"LTO_NONE", "none", "none"},
	LTOFull:     {"LTO_CLANG_FULL", "FULL", "full"},
	LTOThin:     {"LTO_CLANG_THIN", "THIN", "thin"},
	LTOThinDist: {"LTO_CLANG_THIN_DIST", "THIN_DIST", "thin_dist"},
}

// Symbol is the mode's Kconfig symbol without CONFIG_ (LTO_CLANG_THIN).
func (m LTOMode) Symbol() string { return modeFacts[m].symbol }

// Name is the part of the symbol after LTO_CLANG_ (THIN), or "none".
func (m LTOMode) Name() string {
	if m == LTOOther {
		return "other"
	}
	return modeFacts[m].name
}

// ConfigName is how a parsed .config names the mode: none, full, thin,
// thin_dist (probe's KernelConfig.LTOMode and its JSON).
func (m LTOMode) ConfigName() string {
	if m == LTOOther {
		return "other"
	}
	return modeFacts[m].config
}

// Label is how findings and check name the mode: "no Clang LTO", FULL,
// THIN, THIN_DIST.
func (m LTOMode) Label() string {
	if m == LTONone {
		return "no Clang LTO"
	}
	return m.Name()
}

func (m LTOMode) String() string { return m.Label() }

// ClangLTO reports whether the mode is any Clang LTO.
func (m LTOMode) ClangLTO() bool { return m != LTONone }

// ThinLTO reports whether the mode is ThinLTO, in-process or distributed:
// the modes suffix reduction applies to.
func (m LTOMode) ThinLTO() bool { return m == LTOThin || m == LTOThinDist }

// ModeForSymbol is the mode a choice member's Kconfig symbol selects;
// LTOOther for an LTO_CLANG_* symbol not known here, LTONone otherwise.
func ModeForSymbol(symbol string) LTOMode {
	for m, f := range modeFacts {
		if f.symbol == symbol {
			return m
		}
	}
	if len(symbol) > len("LTO_CLANG_") && symbol[:len("LTO_CLANG_")] == "LTO_CLANG_" {
		return LTOOther
	}
	return LTONone
}

// ModeForConfigName is the inverse of ConfigName ("" is none).
func ModeForConfigName(name string) LTOMode {
	if name == "" {
		return LTONone
	}
	for m, f := range modeFacts {
		if f.config == name {
			return m
		}
	}
	return LTOOther
}
