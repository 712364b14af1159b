package lint

import (
	"klpcheck/internal/kbuild"
	"klpcheck/lint/rules"
)

// Evaluation is one configuration as the evaluation saw it: the typed facts
// `klpcheck check` decides on, so that it never parses finding text.
type Evaluation struct {
	// Config is the configuration's label, as in Finding.Configs.
	Config string `json:"config"`
	// LTOSymbol is the Kconfig symbol of the LTO mode (LTO_NONE,
	// LTO_CLANG_FULL, LTO_CLANG_THIN, LTO_CLANG_THIN_DIST).
	LTOSymbol string `json:"lto_symbol"`
	// LTO is the mode as a value (kbuild.LTOOther for a member of the
	// tree's LTO choice klpcheck does not know).
	LTO kbuild.LTOMode `json:"-"`
	// Toolchain names the toolchain; ToolchainVersion is its kbuild number.
	Toolchain        string `json:"toolchain"`
	ToolchainVersion int    `json:"toolchain_version"`
	// ToolchainHasOption: this toolchain's lld supports the rename option
	// in in-process ThinLTO (LLVM 23.1, a later 23.0.0git snapshot).
	ToolchainHasOption bool `json:"toolchain_has_option"`
	// Build is set for the build's own configuration (--build).
	Build bool `json:"build"`
	// Stopped is set when make stops before the end ($(error ...)).
	Stopped bool `json:"stopped"`
	// Visibility and Rename say whether each flag reaches the final
	// KBUILD_LDFLAGS (the vmlinux.o link): yes, maybe or no.
	Visibility rules.Reach `json:"visibility_in_kbuild_ldflags"`
	Rename     rules.Reach `json:"rename_in_kbuild_ldflags"`
}

// FlagsReached reports whether both flags surely reach KBUILD_LDFLAGS.
func (e Evaluation) FlagsReached() bool {
	return !e.Stopped && e.Visibility == rules.ReachYes && e.Rename == rules.ReachYes
}

// ConfigsOf is the evaluations of the configurations a finding holds for;
// empty for a finding about the text itself.
func (r *Result) ConfigsOf(f Finding) []Evaluation {
	out := make([]Evaluation, 0, len(f.ConfigIndex))
	for _, k := range f.ConfigIndex {
		if k >= 0 && k < len(r.Evaluations) {
			out = append(out, r.Evaluations[k])
		}
	}
	return out
}

// evaluations summarises every evaluated configuration, in matrix order,
// with the flags pass found in each.
func (s *session) evaluations(pass *rules.Input) []Evaluation {
	out := make([]Evaluation, 0, len(s.configs))
	for k, c := range s.configs {
		vis, ren := pass.FlagsReach(k)
		out = append(out, Evaluation{
			Config:             c.Config.String(),
			LTOSymbol:          c.Config.Mode.Symbol,
			LTO:                c.Config.Mode.LTO,
			Toolchain:          c.Config.Toolchain.Name,
			ToolchainVersion:   c.Config.Toolchain.Version,
			ToolchainHasOption: c.Config.Toolchain.Rename,
			Build:              s.isBuildConfig(k),
			Stopped:            c.Result.Aborted != nil,
			Visibility:         vis,
			Rename:             ren,
		})
	}
	return out
}

// isBuildConfig reports whether configuration k is the build's own (it is
// evaluated last, after the matrix).
func (s *session) isBuildConfig(k int) bool {
	return s.build != nil && k == len(s.configs)-1
}
