package main

import (
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/internal/testenv"
)

// check with the link test: a linker that accepts the flags is not enough;
// in the build's ThinLTO mode the link test must show the names kept.
func TestCheckLinkTest(t *testing.T) {
	testenv.Tool(t, "llvm-objcopy-22")
	standin := func(name string) string {
		p, _ := filepath.Abs(filepath.Join("..", "..", "fixtures", "probe", "standin", name))
		return p
	}
	_, thin := kernelBuild(t, "layout-b", "CONFIG_LTO_CLANG_THIN", false)
	_, dist := kernelBuild(t, "layout-c", "CONFIG_LTO_CLANG_THIN_DIST", false)
	tests := []struct {
		name   string
		build  string
		ld     string
		code   int
		wants  []string
		absent []string
	}{
		{"works (stand-in)", thin, "ld.lld-23.1-linking-standin", 0, []string{
			"Suffix reduction: ready", "link-test  ok       the promoted statics keep their names with ld.lld-23.1-linking-standin (in-process)"}, nil},
		{"accepted but ineffective (stand-in)", thin, "ld.lld-23.0.0git-ineffective-linking-standin", 1, []string{
			"Suffix reduction: not ready", "toolchain  ok", "link-test  fail", "ld-option picks flags that do nothing"}, nil},
		{"in-process only, THIN build (stand-in)", thin, "ld.lld-23.0.0git-inprocess-linking-standin", 0, []string{
			"Suffix reduction: ready", "link-test  ok"}, nil},
		{"in-process only, THIN_DIST build (stand-in)", dist, "ld.lld-23.0.0git-inprocess-linking-standin", 1, []string{
			"Suffix reduction: not ready", "link-test  fail", "(distributed)"}, nil},
		{"no matching clang: ld-option alone (stand-in)", thin, "ld.lld-23.1-standin", 0, []string{
			"Suffix reduction: ready", "link test: not run for ld.lld-23.1-standin", "pass --cc PATH"}, []string{"link-test  "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"check", "--build", tc.build, "--ld", standin(tc.ld)}
			if strings.Contains(tc.ld, "linking") {
				args = append(args, "--cc", "clang-22")
			}
			code, stdout, stderr := klp(t, args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, stdout, stderr)
			}
			for _, w := range tc.wants {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range tc.absent {
				if strings.Contains(stdout, w) {
					t.Errorf("output has %q:\n%s", w, stdout)
				}
			}
		})
	}
}
