package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/internal/testenv"
)

func TestProbeJSONSchema(t *testing.T) {
	testenv.Tool(t, "ld.lld-22")
	code, out, errb := klp(t, "probe", "--format", "json", "--ld", "ld.lld-22", "--ld", "ld.lld-99")
	if code != 2 {
		t.Fatalf("exit %d, want 2 (ld.lld-99 cannot run); stderr %q", code, errb)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, out)
	}
	if _, ok := doc["flags"].([]any); !ok {
		t.Errorf("flags missing or not a list: %v", doc["flags"])
	}
	linkers, _ := doc["linkers"].([]any)
	if len(linkers) != 2 {
		t.Fatalf("want 2 linkers, got %v", doc["linkers"])
	}
	// The contract: these keys are always present.
	keys := []string{"path", "flavor", "vendor", "version", "kbuild_version", "supported", "reason", "groups", "expected", "consistent", "command", "error"}
	for i, l := range linkers {
		m := l.(map[string]any)
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("linker %d: key %q missing", i, k)
			}
		}
	}
	first, second := linkers[0].(map[string]any), linkers[1].(map[string]any)
	if first["supported"] != false || first["flavor"] != "lld" {
		t.Errorf("ld.lld-22: %v", first)
	}
	if second["supported"] != nil || !strings.Contains(second["error"].(string), "install lld-99") {
		t.Errorf("ld.lld-99: %v", second)
	}
	groups := first["groups"].([]any)
	g := groups[1].(map[string]any)
	for _, k := range []string{"flags", "supported", "reason"} {
		if _, ok := g[k]; !ok {
			t.Errorf("group key %q missing: %v", k, g)
		}
	}
}

func TestProbeExitStatuses(t *testing.T) {
	testenv.Tool(t, "ld.lld-22")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"probe", "--ld", "ld.lld-22"}, 1, "unsupported"},
		{[]string{"probe", "--ld", "ld.lld-22", "--flags", "-mllvm -import-instr-limit=5"}, 0, "supported"},
		{[]string{"probe", "--llvm", "-99"}, 2, "ld.lld-99 not found on PATH (from LLVM=-99): install lld-99"},
		{[]string{"probe", "--ld", "../../fixtures/probe/standin/ld.lld-23.1-standin"}, 0, "23.1.0"},
	}
	for _, tt := range tests {
		code, out, errb := klp(t, tt.args...)
		if code != tt.code || !strings.Contains(out+errb, tt.want) {
			t.Errorf("%v: exit %d, want %d and %q in\n%s%s", tt.args, code, tt.code, tt.want, out, errb)
		}
	}
}

func TestProbeLLVMFromEnvironment(t *testing.T) {
	testenv.Tool(t, "ld.lld-22")
	t.Setenv("LD", "")
	t.Setenv("LLVM", "-22")
	code, out, _ := klp(t, "probe")
	if code != 1 || !strings.Contains(out, "/ld.lld-22") || !strings.Contains(out, "chosen by LLVM=-22") {
		t.Errorf("LLVM=-22 in the environment: exit %d\n%s", code, out)
	}
	t.Setenv("LD", "ld.lld-22")
	t.Setenv("LLVM", "-99")
	code, out, _ = klp(t, "probe")
	if code != 1 || !strings.Contains(out, "chosen by LD") {
		t.Errorf("LD overrides LLVM as on make's command line: exit %d\n%s", code, out)
	}
}

// TestProbeConfigPicksTheBuildsLinker: --config of a .config made with LLD
// probes the linker that build used (the recorded LD, else
// ld.lld-<major of CONFIG_LLD_VERSION>), not GNU ld, and a hint about a
// GNU linker names it.
func TestProbeConfigPicksTheBuildsLinker(t *testing.T) {
	testenv.Tool(t, "ld.lld-19")
	testenv.Tool(t, "ld.lld-16")
	bfd := testenv.Tool(t, "ld.bfd")
	for _, v := range []string{"LD", "LLVM", "CROSS_COMPILE"} {
		t.Setenv(v, "")
	}
	writeConfig := func(recordedLD string) string {
		dir := t.TempDir()
		path := filepath.Join(dir, ".config")
		if err := os.WriteFile(path, []byte("CONFIG_CC_IS_CLANG=y\nCONFIG_LD_IS_LLD=y\nCONFIG_LLD_VERSION=190107\nCONFIG_LTO_CLANG_THIN=y\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if recordedLD != "" {
			inc := filepath.Join(dir, "include", "config")
			if err := os.MkdirAll(inc, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(inc, "auto.conf.cmd"), []byte("ifneq \"$(LD)\" \""+recordedLD+"\"\ninclude/config/auto.conf: FORCE\nendif\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return path
	}
	derived, recorded := writeConfig(""), writeConfig("ld.lld-16")
	tests := []struct {
		name string
		args []string
		want []string
		not  string
	}{
		{"CONFIG_LLD_VERSION", []string{"--config", derived}, []string{"/ld.lld-19 ", "chosen by CONFIG_LLD_VERSION=190107 in " + derived}, "GNU ld"},
		{"recorded LD", []string{"--config", recorded}, []string{"/ld.lld-16 ", "chosen by LD=ld.lld-16 recorded in include/config/auto.conf.cmd"}, "ld.lld-19"},
		{"--ld wins, the hint names the build's linker", []string{"--config", derived, "--ld", bfd}, []string{"is GNU bfd", "probe ld.lld-19 instead"}, "--llvm 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, out, errb := klp(t, append([]string{"probe"}, tt.args...)...)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s%s", w, out, errb)
				}
			}
			if strings.Contains(out, tt.not) {
				t.Errorf("output has %q:\n%s", tt.not, out)
			}
		})
	}
}
