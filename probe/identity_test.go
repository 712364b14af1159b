package probe

import (
	"testing"

	version "github.com/hashicorp/go-version"
)

func TestParseIdentity(t *testing.T) {
	tests := []struct {
		line         string
		flavor       Flavor
		vendor, raw  string
		kbuild       int
		comparableTo string // what Version must equal, "" for nil
		prerelease   bool
	}{
		{"Debian LLD 22.1.8 (compatible with GNU linkers)", FlavorLLD, "Debian", "22.1.8", 220108, "22.1.8", false},
		{"Debian LLD 14.0.6 (compatible with GNU linkers)\n", FlavorLLD, "Debian", "14.0.6", 140006, "14.0.6", false},
		{"Ubuntu LLD 18.1.3 (compatible with GNU linkers)", FlavorLLD, "Ubuntu", "18.1.3", 180103, "18.1.3", false},
		{"LLD 23.1.0 (https://github.com/llvm/llvm-project 0123abcd) (compatible with GNU linkers)", FlavorLLD, "", "23.1.0", 230100, "23.1.0", false},
		{"LLD 23.0.0git (https://github.com/llvm/llvm-project 9e8d7c6b) (compatible with GNU linkers)", FlavorLLD, "", "23.0.0git", 230000, "23.0.0-git", true},
		{"Homebrew LLD 21.1.3 (compatible with GNU linkers)", FlavorLLD, "Homebrew", "21.1.3", 210103, "21.1.3", false},
		{"Android (11349228, +pgo, +bolt, +lto, -mlgo, based on r487747e) LLD 17.0.2 (https://android.googlesource.com/toolchain/llvm-project d9f89f4d) (compatible with GNU linkers)",
			FlavorLLD, "Android (11349228, +pgo, +bolt, +lto, -mlgo, based on r487747e)", "17.0.2", 170002, "17.0.2", false},
		{"Fedora LLD 19.1.0-rc3 (compatible with GNU linkers)", FlavorLLD, "Fedora", "19.1.0-rc3", 190100, "19.1.0-rc3", true},
		{"LLD 16.0.6-1ubuntu2 (compatible with GNU linkers)", FlavorLLD, "", "16.0.6-1ubuntu2", 160006, "16.0.6", false},
		{"GNU ld (GNU Binutils for Debian) 2.40", FlavorBFD, "GNU Binutils for Debian", "2.40", 24000, "2.40.0", false},
		{"GNU ld version 2.27-44.base.el7", FlavorBFD, "", "2.27-44.base.el7", 22700, "2.27.0", false},
		{"GNU gold (GNU Binutils for Debian 2.40) 1.16", FlavorGold, "GNU Binutils for Debian 2.40", "1.16", 11600, "1.16.0", false},
		{"@(#)PROGRAM:ld  PROJECT:ld-1053.12", FlavorUnknown, "", "", 0, "", false},
		{"", FlavorUnknown, "", "", 0, "", false},
		{"LLD", FlavorUnknown, "", "", 0, "", false},
		{"Vendor LLD banana (compatible with GNU linkers)", FlavorLLD, "Vendor", "banana", 0, "", false},
	}
	for _, tt := range tests {
		id := ParseIdentity(tt.line)
		if id.Flavor != tt.flavor || id.Vendor != tt.vendor || id.Raw != tt.raw || id.Kbuild != tt.kbuild {
			t.Errorf("ParseIdentity(%q) = flavor %q vendor %q raw %q kbuild %d; want %q %q %q %d",
				tt.line, id.Flavor, id.Vendor, id.Raw, id.Kbuild, tt.flavor, tt.vendor, tt.raw, tt.kbuild)
			continue
		}
		switch {
		case tt.comparableTo == "" && id.Version != nil:
			t.Errorf("ParseIdentity(%q).Version = %v, want nil", tt.line, id.Version)
		case tt.comparableTo != "" && (id.Version == nil || !id.Version.Equal(version.Must(version.NewVersion(tt.comparableTo)))):
			t.Errorf("ParseIdentity(%q).Version = %v, want %s", tt.line, id.Version, tt.comparableTo)
		case id.Version != nil && (id.Version.Prerelease() != "") != tt.prerelease:
			t.Errorf("ParseIdentity(%q).Version = %v, prerelease want %v", tt.line, id.Version, tt.prerelease)
		}
	}
}

// The order the predictions rely on: snapshots sort before the release.
func TestVersionOrder(t *testing.T) {
	order := []string{"22.1.8", "23.0.0git", "23.0.0", "23.1.0-rc1", "23.1.0", "24.0.0git"}
	for i := 1; i < len(order); i++ {
		a, b := comparable(order[i-1]), comparable(order[i])
		if a == nil || b == nil || !a.LessThan(b) {
			t.Errorf("want %s < %s (got %v, %v)", order[i-1], order[i], a, b)
		}
	}
}

func TestExpect(t *testing.T) {
	lld := func(v string) Identity { return ParseIdentity("LLD " + v + " (compatible with GNU linkers)") }
	rename := []string{"-mllvm", "-always-rename-promoted-locals=false"}
	tests := []struct {
		id    Identity
		group []string
		want  Expectation
	}{
		{lld("22.1.8"), rename, ExpectNo},
		{lld("14.0.6"), rename, ExpectNo},
		{lld("23.0.0git"), rename, ExpectUnknown},
		{lld("23.1.0"), rename, ExpectYes},
		{lld("24.0.0git"), rename, ExpectYes},
		{lld("22.1.8"), []string{"--lto-whole-program-visibility"}, ExpectYes},
		{lld("11.0.0"), []string{"--lto-whole-program-visibility"}, ExpectUnknown},
		{lld("22.1.8"), []string{"-mllvm", "-import-instr-limit=5"}, ExpectYes},
		{lld("22.1.8"), []string{"-mllvm", "-some-new-option"}, ExpectUnknown},
		{lld("22.1.8"), []string{"--gc-sections"}, ExpectUnknown},
		{ParseIdentity("GNU ld (GNU Binutils for Debian) 2.40"), rename, ExpectNo},
		{ParseIdentity("GNU gold (GNU Binutils for Debian 2.40) 1.16"), []string{"--lto-whole-program-visibility"}, ExpectNo},
		{ParseIdentity("mystery linker 1.0"), rename, ExpectUnknown},
	}
	for _, tt := range tests {
		if got, _ := Expect(tt.id, tt.group); got != tt.want {
			t.Errorf("Expect(%q, %q) = %s, want %s", tt.id.Line, tt.group, got, tt.want)
		}
	}
}

func TestGroupsKeepMLLVMWithItsValue(t *testing.T) {
	got := Groups([]string{"--lto-whole-program-visibility", "-mllvm", "-always-rename-promoted-locals=false", "-z", "now", "--gc-sections", "-mllvm"})
	want := [][]string{{"--lto-whole-program-visibility"}, {"-mllvm", "-always-rename-promoted-locals=false"}, {"-z", "now"}, {"--gc-sections"}, {"-mllvm"}}
	if len(got) != len(want) {
		t.Fatalf("Groups = %q, want %q", got, want)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) || got[i][0] != want[i][0] || got[i][len(got[i])-1] != want[i][len(want[i])-1] {
			t.Errorf("group %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestSplitFlags(t *testing.T) {
	env := func(k string) string { return map[string]string{"EXTRA": "-z now"}[k] }
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{DefaultFlags, []string{"--lto-whole-program-visibility", "-mllvm", "-always-rename-promoted-locals=false"}, false},
		{`-mllvm "-x=a b"`, []string{"-mllvm", "-x=a b"}, false},
		{"$EXTRA --gc-sections", []string{"-z", "now", "--gc-sections"}, false},
		{"", nil, false},
		{"$(touch /tmp/pwned)", nil, true},
		{"`id`", nil, true},
		{`"unterminated`, nil, true},
	}
	for _, tt := range tests {
		got, err := SplitFlags(tt.in, env)
		if (err != nil) != tt.wantErr {
			t.Errorf("SplitFlags(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("SplitFlags(%q) = %q, want %q", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("SplitFlags(%q) = %q, want %q", tt.in, got, tt.want)
			}
		}
	}
}

func FuzzParseIdentity(f *testing.F) {
	for _, s := range []string{
		"Debian LLD 22.1.8 (compatible with GNU linkers)",
		"LLD 23.0.0git (https://github.com/llvm/llvm-project 9e8d7c6b) (compatible with GNU linkers)",
		"GNU ld (GNU Binutils for Debian) 2.40",
		"GNU gold (GNU Binutils for Debian 2.40) 1.16",
		"GNU ld version 2.27-44.base.el7",
		"LLD 99999999999999999999.1.1",
		"LLD .....",
		"GNU ld (",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id := ParseIdentity(s)
		if id.Flavor == FlavorUnknown && (id.Raw != "" || id.Kbuild != 0) {
			t.Errorf("unknown flavor with version %q/%d", id.Raw, id.Kbuild)
		}
		_, _ = Expect(id, []string{"-mllvm", "-always-rename-promoted-locals=false"})
	})
}
