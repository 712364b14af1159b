package probe

import (
	"regexp"
	"strconv"
	"strings"

	version "github.com/hashicorp/go-version"
)

// Flavor is the linker family, as kbuild's scripts/ld-version.sh tells them apart.
type Flavor string

// The linker flavors klpcheck recognises.
const (
	FlavorLLD     Flavor = "lld"
	FlavorBFD     Flavor = "bfd"
	FlavorGold    Flavor = "gold"
	FlavorUnknown Flavor = "unknown"
)

// Identity is what a linker says about itself on the first line of --version.
type Identity struct {
	Flavor Flavor
	// Vendor is the text the linker prints around its name, e.g. "Debian",
	// "Android (11349228, based on r487747e)", "GNU Binutils for Debian".
	Vendor string
	// Raw is the version token as printed ("22.1.8", "23.0.0git", "2.40").
	Raw string
	// Version is Raw parsed for comparison: distribution revisions
	// ("-1ubuntu2", "+deb12u1") are dropped, a "git" or "rc" tail is a
	// pre-release, so 23.0.0git sorts before 23.0.0. Nil when unparsable.
	Version *version.Version
	// Kbuild is the number kbuild derives (CONFIG_LLD_VERSION):
	// major*10000 + minor*100 + patch of the leading digits and dots.
	Kbuild int
	// Line is the whole first line, for messages.
	Line string
}

// lldVersion matches the token after "LLD": digits and dots, then an optional
// pre-release tail written straight after them ("git", "rc2", "-rc2").
var lldVersion = regexp.MustCompile(`^(\d+(?:\.\d+){0,2})((?:-?rc\d*)|git)?`)

// ParseIdentity reads the first line of `LD --version` (or of `LD -v`).
// Real lines it understands:
//
//	Debian LLD 22.1.8 (compatible with GNU linkers)
//	LLD 23.1.0 (https://github.com/llvm/llvm-project 0123abcd) (compatible with GNU linkers)
//	Android (11349228, +pgo, based on r487747e) LLD 17.0.2 (https://android.googlesource.com/... ) (compatible with GNU linkers)
//	Homebrew LLD 21.1.3 (compatible with GNU linkers)
//	GNU ld (GNU Binutils for Debian) 2.40
//	GNU ld version 2.27-44.base.el7
//	GNU gold (GNU Binutils for Debian 2.40) 1.16
func ParseIdentity(output string) Identity {
	line := firstLine(output)
	id := Identity{Flavor: FlavorUnknown, Line: line}
	fields := strings.Fields(line)
	switch {
	case len(fields) >= 2 && fields[0] == "GNU" && fields[1] == "ld":
		id.Flavor = FlavorBFD
		id.Vendor = parenthesised(line)
		id.Raw = fields[len(fields)-1]
	case len(fields) >= 2 && fields[0] == "GNU" && fields[1] == "gold":
		id.Flavor = FlavorGold
		id.Vendor = parenthesised(line)
		id.Raw = fields[len(fields)-1]
	default:
		for i, f := range fields {
			if f != "LLD" || i+1 >= len(fields) {
				continue
			}
			id.Flavor = FlavorLLD
			id.Vendor = strings.Join(fields[:i], " ")
			id.Raw = fields[i+1]
			break
		}
	}
	if id.Flavor == FlavorUnknown {
		return id
	}
	id.Kbuild = kbuildNumber(id.Raw)
	id.Version = comparable(id.Raw)
	return id
}

// kbuildNumber reproduces ld-version.sh: keep the leading run of digits and
// dots, then major*10000 + minor*100 + patch (missing parts are 0).
func kbuildNumber(raw string) int {
	end := 0
	for end < len(raw) && (raw[end] == '.' || (raw[end] >= '0' && raw[end] <= '9')) {
		end++
	}
	parts := strings.Split(raw[:end], ".")
	n := 0
	for i, scale := range []int{10000, 100, 1} {
		if i >= len(parts) {
			break
		}
		v, err := strconv.Atoi(parts[i])
		if err != nil {
			break
		}
		n += v * scale
	}
	return n
}

// comparable turns a printed version into a go-version value whose ordering
// matches LLVM's release history: 23.0.0git < 23.0.0 < 23.1.0.
func comparable(raw string) *version.Version {
	m := lldVersion.FindStringSubmatch(raw)
	if m == nil {
		return nil
	}
	s := m[1]
	if pre := strings.TrimPrefix(m[2], "-"); pre != "" {
		s += "-" + pre
	}
	v, err := version.NewVersion(s)
	if err != nil {
		return nil
	}
	return v
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}

// parenthesised returns the text inside the first (...) of a GNU binutils
// version line: the vendor's package description.
func parenthesised(line string) string {
	open := strings.IndexByte(line, '(')
	if open < 0 {
		return ""
	}
	close := strings.IndexByte(line[open:], ')')
	if close < 0 {
		return ""
	}
	return line[open+1 : open+close]
}
