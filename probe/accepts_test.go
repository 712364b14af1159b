package probe

import "testing"

// TestLLDAccepts covers when lld's refusal answers for the groups it does
// not name: only lld, only when every error line is a named group's
// unknown option, and not for a group whose option occurs twice.
func TestLLDAccepts(t *testing.T) {
	lld := Identity{Flavor: FlavorLLD}
	mllvm := "ld.lld: error: -mllvm: ld.lld: Unknown command line argument '-always-rename-promoted-locals=false'.  Try: 'ld.lld --help'\nld.lld: Did you mean '--stats=1'?\n"
	groups := [][]string{{"--lto-whole-program-visibility"}, {"-mllvm", "-always-rename-promoted-locals=false"}}
	tests := []struct {
		name    string
		id      Identity
		stderr  string
		groups  [][]string
		ldflags []string
		want    bool
	}{
		{"lld names only the -mllvm group", lld, mllvm, groups, nil, true},
		{"GNU ld", Identity{Flavor: FlavorBFD}, mllvm, groups, nil, false},
		{"another error besides", lld, mllvm + "ld.lld: error: invalid optimization level for LTO: 9\n", groups, nil, false},
		{"refused without an error line", lld, "", groups, nil, false},
		{"too many errors", lld, mllvm + "ld.lld: error: too many errors emitted, stopping now\n", groups, nil, false},
		{"the unnamed group's option also in KBUILD_LDFLAGS", lld, mllvm, groups, []string{"--lto-whole-program-visibility"}, false},
		{"an option given twice with values", lld, mllvm, [][]string{{"--lto-O9"}, {"-mllvm", "-always-rename-promoted-locals=false"}}, []string{"--lto-O9=2"}, false},
		{"an unknown option of KBUILD_LDFLAGS, no group's", lld, mllvm + "ld.lld: error: unknown argument '--bogus'\n", groups, []string{"--bogus"}, false},
		{"unrelated KBUILD_LDFLAGS", lld, mllvm, groups, []string{"--build-id=sha1"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			named := make([]bool, len(tc.groups))
			for i, g := range tc.groups {
				named[i] = unknownOptionLine(tc.stderr, g) != ""
			}
			if got := lldAccepts(tc.id, tc.stderr, tc.groups, tc.ldflags, named); got != tc.want {
				t.Errorf("lldAccepts = %v, want %v", got, tc.want)
			}
		})
	}
}
