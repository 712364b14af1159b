package main

import (
	"encoding/json"
	"strings"
	"testing"

	"klpcheck/internal/testenv"
)

// probe --link-test: exit status and JSON, end to end.
func TestProbeLinkTestCLI(t *testing.T) {
	testenv.Tool(t, "ld.lld-22")
	testenv.Tool(t, "clang-22")
	testenv.Tool(t, "llvm-objcopy-22")
	const standins = "../../fixtures/probe/standin/"
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"real lld-22: rejected", []string{"--ld", "ld.lld-22"}, 1, "unsupported  rejected    rejected"},
		{"works (stand-in)", []string{"--ld", standins + "ld.lld-23.1-linking-standin", "--cc", "clang-22"}, 0, "supported  works       works"},
		{"ineffective (stand-in): ld-option says yes, exit 1", []string{"--ld", standins + "ld.lld-23.0.0git-ineffective-linking-standin", "--cc", "clang-22"}, 1, "supported  ineffective  ineffective"},
		{"compiler missing", []string{"--ld", "ld.lld-22", "--cc", "clang-99"}, 2, "the compiler clang-99 cannot be used: not found or not executable: install it or pass --cc PATH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errb := klp(t, append([]string{"probe", "--link-test"}, tc.args...)...)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, want %d and %q in\n%s%s", code, tc.code, tc.want, out, errb)
			}
		})
	}
	code, _, errb := klp(t, "probe", "--ld", "ld.lld-22", "--cc", "clang-22")
	if code != 2 || !strings.Contains(errb, "--cc is for --link-test") {
		t.Errorf("--cc without --link-test: exit %d, %s", code, errb)
	}
}

func TestProbeLinkTestJSON(t *testing.T) {
	testenv.Tool(t, "ld.lld-22")
	testenv.Tool(t, "clang-22")
	code, out, errb := klp(t, "probe", "--format", "json", "--link-test", "--ld", "ld.lld-22")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	var doc struct {
		Linkers []struct {
			LinkTest map[string]json.RawMessage `json:"link_test"`
		} `json:"linkers"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	lt := doc.Linkers[0].LinkTest
	for _, k := range []string{"cc", "cc_rule", "cc_missing", "in_process", "distributed"} {
		if _, ok := lt[k]; !ok {
			t.Errorf("link_test lacks %q: %s", k, out)
		}
	}
	var mode map[string]json.RawMessage
	if err := json.Unmarshal(lt["distributed"], &mode); err != nil {
		t.Fatal(err)
	}
	if string(mode["verdict"]) != `"rejected"` || string(mode["with_flags"]) != "[]" {
		t.Errorf("distributed: %s", lt["distributed"])
	}
	// Without --link-test the key is absent: the old schema is unchanged.
	_, out, _ = klp(t, "probe", "--format", "json", "--ld", "ld.lld-22")
	if strings.Contains(out, "link_test") {
		t.Errorf("link_test present without --link-test")
	}
}
