package probe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseKernelConfig(t *testing.T) {
	const cfgText = `#
# Automatically generated file; DO NOT EDIT.
#
CONFIG_CC_IS_CLANG=y
CONFIG_CLANG_VERSION=220108
CONFIG_LD_IS_LLD=y
CONFIG_LLD_VERSION=220108
# CONFIG_LTO_NONE is not set
# CONFIG_LTO_CLANG_FULL is not set
CONFIG_LTO_CLANG_THIN=y
CONFIG_LOCALVERSION="-klp"
`
	cfg, err := ParseKernelConfig(strings.NewReader(cfgText), ".config")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LTOMode != "thin" || cfg.LLDVersion != 220108 || cfg.ClangVersion != 220108 || !cfg.LDIsLLD || !cfg.CCIsClang {
		t.Errorf("got %+v", cfg)
	}
	bad := []struct{ text, want string }{
		{"CONFIG_A=y\nthis is not config\n", ".config:2: not a kernel config line"},
		{"CONFIG_LLD_VERSION=22.1\n", `CONFIG_LLD_VERSION="22.1" is not a number`},
		{"CONFIG_A y\n", ".config:1:"},
	}
	for _, b := range bad {
		_, err := ParseKernelConfig(strings.NewReader(b.text), ".config")
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("ParseKernelConfig(%q) error = %v, want %q", b.text, err, b.want)
		}
	}
}

func TestConfigNotes(t *testing.T) {
	for mode, want := range map[string]string{
		"thin_dist": "distributed ThinLTO",
		"full":      "ThinLTO only",
		"none":      "not applicable",
		"thin":      "",
	} {
		notes := configNotes(&KernelConfig{File: ".config", LTOMode: mode})
		got := strings.Join(notes, "\n")
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("configNotes(%s) = %q, want it to mention %q", mode, got, want)
		}
	}
}

func FuzzParseKernelConfig(f *testing.F) {
	f.Add("CONFIG_LTO_CLANG_THIN=y\nCONFIG_LLD_VERSION=220108\n")
	f.Add("# CONFIG_X is not set\n\nCONFIG_S=\"a=b\"\n")
	f.Add("CONFIG_LLD_VERSION=99999999999999999999999\n")
	f.Add("garbage\n")
	f.Fuzz(func(t *testing.T, s string) {
		cfg, err := ParseKernelConfig(strings.NewReader(s), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz") {
				t.Errorf("error without file name: %v", err)
			}
			return
		}
		_ = configNotes(cfg)
	})
}

func TestBuildLinker(t *testing.T) {
	tests := []struct {
		name, config, recorded string
		want, wantSource       string
		wantRecorded           bool
	}{
		{"recorded LD wins", "CONFIG_LD_IS_LLD=y\nCONFIG_LLD_VERSION=220108\n", "ld.lld-19", "ld.lld-19", "LD=ld.lld-19 recorded in include/config/auto.conf.cmd", true},
		{"else the LLD major", "CONFIG_LD_IS_LLD=y\nCONFIG_LLD_VERSION=220108\n", "", "ld.lld-22", "CONFIG_LLD_VERSION=220108 in", false},
		{"not LLD", "CONFIG_LD_VERSION=24000\n", "ld", "", "", false},
		{"LLD, no version", "CONFIG_LD_IS_LLD=y\n", "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, ".config")
			if err := os.WriteFile(path, []byte(tt.config), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.recorded != "" {
				writeAutoConfCmd(t, dir, tt.recorded)
			}
			cfg, err := ReadKernelConfig(path)
			if err != nil {
				t.Fatal(err)
			}
			name, source, recorded := cfg.BuildLinker()
			if name != tt.want || !strings.Contains(source, tt.wantSource) || recorded != tt.wantRecorded {
				t.Errorf("BuildLinker() = %q, %q, %v; want %q, %q, %v", name, source, recorded, tt.want, tt.wantSource, tt.wantRecorded)
			}
		})
	}
}

// writeAutoConfCmd writes the include/config/auto.conf.cmd a Kconfig run
// leaves in a build directory, recording LD.
func writeAutoConfCmd(t *testing.T, dir, ld string) {
	t.Helper()
	inc := filepath.Join(dir, "include", "config")
	if err := os.MkdirAll(inc, 0o755); err != nil {
		t.Fatal(err)
	}
	body := "deps_config := \\\n\tKconfig\n\nifneq \"$(LD)\" \"" + ld + "\"\ninclude/config/auto.conf: FORCE\nendif\n"
	if err := os.WriteFile(filepath.Join(inc, "auto.conf.cmd"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
