package symname

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitLLVM(t *testing.T) {
	tests := []struct {
		name       string
		base, hash string
		ok         bool
	}{
		{"twice.llvm.2450800438558904657", "twice", "2450800438558904657", true},
		{"counter.llvm.13305949369295292432", "counter", "13305949369295292432", true},
		{"foo.llvm.123.cold", "foo.cold", "123", true},
		{"foo.isra.0.llvm.77", "foo.isra.0", "77", true},
		{"foo.llvm.x", "", "", false},
		{"foo.llvm.", "", "", false},
		{"foo.llvm.12a", "", "", false},
		{"foo.llvm.x.llvm.9", "foo.llvm.x", "9", true},
		{".llvm.5", "", "5", true},
		{"plain", "", "", false},
		{"llvm.5", "", "", false},
	}
	for _, tt := range tests {
		p, ok := SplitLLVM(tt.name)
		if ok != tt.ok || p.Base != tt.base || p.Hash != tt.hash {
			t.Errorf("SplitLLVM(%q) = %+v, %v; want {%q %q}, %v", tt.name, p, ok, tt.base, tt.hash, tt.ok)
		}
	}
}

func TestDemangle(t *testing.T) {
	tests := []struct{ in, want string }{
		{"foo.llvm.123", "foo"},
		{"m_next.llvm.14460341347352036579", "m_next"},
		{"__UNIQUE_ID_addressable___UNIQUE_ID_pci_invalid_bar_694_695", "__UNIQUE_ID_addressable___UNIQUE_ID_pci_invalid_bar"},
		{"__UNIQUE_ID_quirk_amd_nb_node_458", "__UNIQUE_ID_quirk_amd_nb_node"},
		{"__already_done.12", "__already_done"},
		{"foo.isra.0", "foo.isra"},
		{"foo.constprop.0.isra.0", "foo.constprop.0.isra"},
		{"plain_name_1", "plain_name_1"}, // no "." and no __UNIQUE_ID_: untouched
		{"a.1", "a.1"},                   // klp-diff keeps one-character bases whole
		{"ab.1", "ab"},
		{"_.1", "_.1"},
		{".llvm.5", ".llvm.5"},
		{"x.llvm.5", "x"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Demangle(tt.in); got != tt.want {
			t.Errorf("Demangle(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCompilerSuffixes(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"foo.isra.0", []string{"isra"}},
		{"foo.constprop.0.isra.0", []string{"isra", "constprop"}},
		{"foo.part.3", []string{"part"}},
		{"foo.cold", []string{"cold"}},
		{"foo.cold.1", []string{"cold"}},
		{"foo.lto_priv.0", []string{"lto_priv"}},
		{"foo.localalias", []string{"localalias"}},
		{"foo.isra", nil}, // needs its number
		{"foo.llvm.123", nil},
		{"isra.0", nil}, // the suffix must follow a base
		{"foo", nil},
		{"foo.part.1.cold", []string{"part", "cold"}},
	}
	for _, tt := range tests {
		if got := CompilerSuffixes(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("CompilerSuffixes(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzNames checks the invariants every name must keep: no panic, the
// demangled name is a prefix of the name and demangling is idempotent for
// names without ".llvm.", and a split promotion puts the name back together.
func FuzzNames(f *testing.F) {
	for _, s := range []string{
		"twice.llvm.2450800438558904657", "foo.llvm.123.cold", "__UNIQUE_ID_x_1_2",
		"a.1", ".llvm.", ".llvm.1", "foo.isra.0.constprop.1", "x..llvm..1", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		d := Demangle(name)
		if !strings.HasPrefix(name, d) {
			t.Fatalf("Demangle(%q) = %q, not a prefix", name, d)
		}
		if d == "" && name != "" {
			t.Fatalf("Demangle(%q) is empty", name)
		}
		if p, ok := SplitLLVM(name); ok {
			if !strings.Contains(name, ".llvm."+p.Hash) {
				t.Fatalf("SplitLLVM(%q) hash %q not in name", name, p.Hash)
			}
			if len(p.Base)+len(".llvm.")+len(p.Hash) != len(name) {
				t.Fatalf("SplitLLVM(%q) = %+v does not add up", name, p)
			}
		}
		for _, k := range CompilerSuffixes(name) {
			if !strings.Contains(name, "."+k) {
				t.Fatalf("CompilerSuffixes(%q) reports %q", name, k)
			}
		}
	})
}
