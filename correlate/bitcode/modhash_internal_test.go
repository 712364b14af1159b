package bitcode

import (
	"bytes"
	"os"
	"testing"

	"klpcheck/correlate/internal/fixturetest"
)

// TestModuleHashWindows reads every fixture object's module hash through
// windows from 8 bytes up: records and sub-block headers that straddle a
// window, and sub-blocks skipped inside and beyond one, must give the hash
// the whole-block read gives (TestModuleHash checks that one against
// llvm-bcanalyzer-22).
func TestModuleHashWindows(t *testing.T) {
	set := fixturetest.Get(t)
	saved := window
	defer func() { window = saved }()
	for _, v := range set.Variants {
		for _, obj := range v.Objects[1:] { // Objects[0] is entry.o, ELF
			data, err := os.ReadFile(obj)
			if err != nil {
				t.Fatal(err)
			}
			window = 1 << 30
			want, ok, err := ModuleHash(bytes.NewReader(data), int64(len(data)), obj)
			if err != nil || !ok {
				t.Fatalf("%s: %v %v", obj, ok, err)
			}
			for _, w := range []int{8, 12, 64, 100, 1000, 4096} {
				window = w
				got, ok, err := ModuleHash(bytes.NewReader(data), int64(len(data)), obj)
				if err != nil || !ok || got != want {
					t.Errorf("%s, window %d: %q %v %v, want %q", obj, w, got, ok, err, want)
				}
			}
		}
	}
}
