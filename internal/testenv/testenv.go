// Package testenv lets tests ask for the real tools they check klpcheck
// against (ld.lld-N, clang-22, llvm-nm-22, GNU make, GNU ld).
//
// A missing tool skips the test on a developer machine, but fails it when
// KLPCHECK_REQUIRE_TOOLS=1, which .ci/run sets after installing them: CI must
// never pass because the tools it was meant to exercise were absent.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// RequireToolsEnv is the variable that turns a missing tool into a failure.
const RequireToolsEnv = "KLPCHECK_REQUIRE_TOOLS"

// Tool returns the absolute path of name on PATH, or skips (fails in CI) the test.
func Tool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" not found on PATH (bash .ci/run installs it)")
	}
	return path
}

// Missing skips the test, or fails it when tools are required.
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(RequireToolsEnv) == "1" {
		t.Fatalf("%s; %s=1 requires it", why, RequireToolsEnv)
	}
	t.Skip(why)
}
