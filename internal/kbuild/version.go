package kbuild

import "fmt"

// Version is kbuild's number for a toolchain release, as in
// CONFIG_CLANG_VERSION and CONFIG_LLD_VERSION: major*10000 + minor*100 +
// patch (22.1.3 is 220103). 0 means unknown or not this tool.
type Version int

// MakeVersion builds the number of major.minor.patch.
func MakeVersion(major, minor, patch int) Version {
	return Version(major*10000 + minor*100 + patch)
}

// Major, Minor and Patch take the number apart.
func (v Version) Major() int { return int(v) / 10000 }
func (v Version) Minor() int { return int(v) / 100 % 100 }
func (v Version) Patch() int { return int(v) % 100 }

// String is "X.Y.Z".
func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major(), v.Minor(), v.Patch()) }

// The LLVM releases that matter for suffix reduction.
const (
	// WholeProgramVisibilitySince: lld has --lto-whole-program-visibility
	// from LLVM 12.
	WholeProgramVisibilitySince Version = 120000
	// RenameSnapshot is what every 23.0.0git snapshot reports, from before
	// and after the rename option landed: its version cannot tell.
	RenameSnapshot Version = 230000
	// RenameRelease is the first release with the rename option, honoured
	// in in-process and distributed ThinLTO alike.
	RenameRelease Version = 230100
)

// Support is what a version tells about a feature.
type Support int

// The answers: no, only a run can tell, yes.
const (
	SupportNo Support = iota
	SupportMaybe
	SupportYes
)

func (s Support) String() string {
	switch s {
	case SupportYes:
		return "yes"
	case SupportMaybe:
		return "maybe"
	}
	return "no"
}

// RenameSupport is what an lld version tells about the rename option:
// releases before 23 lack it, 23.1 and later have it (both ThinLTO modes),
// a 23.0.0git snapshot may or may not. 0 (unknown) is maybe.
func RenameSupport(v Version) Support {
	switch {
	case v <= 0:
		return SupportMaybe
	case v >= RenameRelease:
		return SupportYes
	case v >= RenameSnapshot:
		return SupportMaybe
	}
	return SupportNo
}
