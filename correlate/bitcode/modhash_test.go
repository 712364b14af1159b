package bitcode_test

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"klpcheck/correlate/bitcode"
	"klpcheck/internal/testenv"
)

var hashRecord = regexp.MustCompile(`<HASH op0=([0-9]+) op1=([0-9]+) op2=[0-9]+ op3=[0-9]+ op4=[0-9]+/>`)

// TestModuleHash: the module hash of every fixture object equals the HASH
// record llvm-bcanalyzer-22 dumps (op0 high, op1 low), and the promoted
// symbols of the links carry it (TestCensusShape and the kernel tests
// check the groups it names).
func TestModuleHash(t *testing.T) {
	bca := testenv.Tool(t, "llvm-bcanalyzer-22")
	for _, obj := range bitcodeObjects(t) {
		out, err := exec.Command(bca, "--dump", obj).Output()
		if err != nil {
			t.Fatalf("llvm-bcanalyzer-22 %s: %v", obj, err)
		}
		m := hashRecord.FindSubmatch(out)
		if m == nil {
			t.Fatalf("%s: llvm-bcanalyzer-22 shows no HASH record", obj)
		}
		hi, _ := strconv.ParseUint(string(m[1]), 10, 64)
		lo, _ := strconv.ParseUint(string(m[2]), 10, 64)
		want := strconv.FormatUint(hi<<32|lo, 10)
		data, err := os.ReadFile(obj)
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := bitcode.ModuleHash(bytes.NewReader(data), int64(len(data)), obj)
		if err != nil || !ok || got != want {
			t.Errorf("%s: hash %q %v %v, llvm-bcanalyzer-22 %s", obj, got, ok, err, want)
		}
	}
}
