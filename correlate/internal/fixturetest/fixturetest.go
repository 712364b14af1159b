// Package fixturetest builds the real correlate fixtures once per test
// binary, in a temporary directory that the package's TestMain removes.
package fixturetest

import (
	"os"
	"sync"
	"testing"

	correlatefixtures "klpcheck/fixtures/correlate"
	"klpcheck/internal/testenv"
)

var (
	once sync.Once
	set  *correlatefixtures.Set
	dir  string
	err  error
)

// Get returns the built fixtures, building them on first use. Without
// clang-22/ld.lld-22/llvm-ar-22 the test is skipped (failed in CI).
func Get(t testing.TB) *correlatefixtures.Set {
	t.Helper()
	testenv.Tool(t, correlatefixtures.ToolNames.Clang)
	testenv.Tool(t, correlatefixtures.ToolNames.LLD)
	testenv.Tool(t, correlatefixtures.ToolNames.AR)
	once.Do(func() {
		var tools correlatefixtures.Tools
		tools, err = correlatefixtures.FindTools()
		if err != nil {
			return
		}
		dir, err = os.MkdirTemp("", "klpcheck-correlate-fixtures-")
		if err != nil {
			return
		}
		set, err = correlatefixtures.Build(dir, tools)
	})
	if err != nil {
		t.Fatalf("building the correlate fixtures: %v", err)
	}
	return set
}

// Cleanup removes the fixtures; call it from TestMain after m.Run.
func Cleanup() {
	if dir != "" {
		os.RemoveAll(dir)
	}
}

// Main is a TestMain body: run the tests, remove the fixtures, exit.
func Main(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}
