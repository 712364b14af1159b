package probe

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"klpcheck/internal/testenv"
)

func TestMatchingCC(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"ld.lld", "clang"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	empty := t.TempDir()
	onPath := map[string]string{"clang-22": "/usr/bin/clang-22", "clang": "/usr/bin/clang", "my-clang": "/opt/x/my-clang"}
	look := func(name string) (string, error) {
		if p, ok := onPath[name]; ok {
			return p, nil
		}
		return "", errors.New("not found")
	}
	tests := []struct {
		name, linker, override string
		wantCC, wantRule       string
		wantErr                []string // substrings of the error
	}{
		{name: "LLVM=-22", linker: "ld.lld-22", wantCC: "/usr/bin/clang-22", wantRule: "matches ld.lld-22"},
		{name: "LLVM=1", linker: "ld.lld", wantCC: "/usr/bin/clang", wantRule: "matches ld.lld"},
		{name: "LLVM=prefix", linker: filepath.Join(dir, "ld.lld"), wantCC: filepath.Join(dir, "clang"), wantRule: "matches ld.lld"},
		{name: "prefix without clang", linker: filepath.Join(empty, "ld.lld"), wantErr: []string{filepath.Join(empty, "clang") + " not found", "name another clang"}},
		{name: "version not installed", linker: "ld.lld-19", wantErr: []string{"clang-19 not found on PATH", "apt-get install clang-19", "name another clang"}},
		{name: "override wins", linker: "ld.lld-19", override: "my-clang", wantCC: "/opt/x/my-clang", wantRule: "CC"},
		{name: "override missing", linker: "ld.lld-22", override: "clang-99", wantErr: []string{"the compiler clang-99 cannot be used", "or name another clang"}},
		{name: "not an lld name", linker: "/opt/ld.lld-23.1-standin", wantErr: []string{"cannot tell which clang", "name another clang"}},
		{name: "GNU ld", linker: "ld", wantErr: []string{"cannot tell which clang", "name another clang"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cc, rule, err := MatchingCC(Target{Name: tc.linker, Path: tc.linker}, tc.override, look)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("got %s, want an error", cc)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cc != tc.wantCC || rule != tc.wantRule {
				t.Errorf("got %s (%s), want %s (%s)", cc, rule, tc.wantCC, tc.wantRule)
			}
		})
	}
}

func names(ns ...string) map[string]bool {
	m := map[string]bool{"klp_lt_entry": true, "klp_lt_user": true}
	for _, n := range ns {
		m[n] = true
	}
	return m
}

func TestJudge(t *testing.T) {
	promoted := names("klp_lt_twice.llvm.123", "klp_lt_counter.llvm.123")
	tests := []struct {
		name        string
		base, flags map[string]bool
		rejected    string
		want        string
	}{
		{"renamed", promoted, names("klp_lt_twice", "klp_lt_counter"), "", LinkWorks},
		{"still suffixed", promoted, promoted, "", LinkIneffective},
		{"one still suffixed", promoted, names("klp_lt_twice", "klp_lt_counter.llvm.123"), "", LinkIneffective},
		{"refused", promoted, nil, "Unknown command line argument", LinkRejected},
		{"baseline not promoted", names("klp_lt_twice", "klp_lt_counter"), names("klp_lt_twice", "klp_lt_counter"), "", LinkNoPromotion},
		{"baseline not promoted, refused", names("klp_lt_twice"), nil, "Unknown", LinkNoPromotion},
		{"vanished", promoted, names(), "", LinkError},
		{"a suffix on another name does not count", names("other.llvm.1"), names("other"), "", LinkNoPromotion},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := judge(tc.base, nil, tc.flags, nil, tc.rejected)
			if m.Verdict != tc.want {
				t.Errorf("verdict %s (%s), want %s", m.Verdict, m.Detail, tc.want)
			}
			if m.Baseline == nil || m.WithFlags == nil {
				t.Error("name lists must be [] not null")
			}
		})
	}
}

// linkTestOne runs the probe with --link-test on one linker and checks that
// nothing is left in the temp dir.
func linkTestOne(t *testing.T, linker, cc string) *LinkTest {
	t.Helper()
	res := probeOne(t, linker, Options{LinkTest: true, CC: cc})
	if res.LinkTest == nil {
		t.Fatalf("no link test in the result: %+v", res)
	}
	return res.LinkTest
}

func TestLinkTestRealAndStandins(t *testing.T) {
	lld := testenv.Tool(t, "ld.lld-22")
	testenv.Tool(t, "clang-22")
	testenv.Tool(t, "llvm-objcopy-22")
	testenv.Tool(t, "llvm-nm-22")
	tests := []struct {
		name, linker, cc       string
		inProcess, distributed string
		plainWithFlags         bool
	}{
		// Real: LLVM 22's lld refuses the flags in both modes, and the
		// baseline (found by the LLVM= rule: clang-22) really promotes.
		{"ld.lld-22 (real)", "ld.lld-22", "", LinkRejected, LinkRejected, false},
		{"accepts and ignores (stand-in)", standin(t, "ld.lld-23.0.0git-ineffective-linking-standin"), "clang-22", LinkIneffective, LinkIneffective, false},
		{"in-process only (stand-in)", standin(t, "ld.lld-23.0.0git-inprocess-linking-standin"), "clang-22", LinkWorks, LinkIneffective, false},
		{"LLVM 23.1 renaming (stand-in)", standin(t, "ld.lld-23.1-linking-standin"), "clang-22", LinkWorks, LinkWorks, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lt := linkTestOne(t, tc.linker, tc.cc)
			if tc.cc == "" && (lt.CC != "/usr/lib/llvm-22/bin/clang" && !strings.HasSuffix(lt.CC, "/clang-22")) {
				t.Errorf("matching clang for %s is %s, want clang-22", lld, lt.CC)
			}
			for _, m := range []struct {
				mode string
				got  LinkMode
				want string
			}{{"in-process", lt.InProcess, tc.inProcess}, {"distributed", lt.Distributed, tc.distributed}} {
				if m.got.Verdict == LinkRejected && !strings.Contains(m.got.Detail, "Unknown command line argument '-always-rename-promoted-locals=false'") {
					t.Errorf("%s: rejected without lld's reason: %s", m.mode, m.got.Detail)
				}
				if m.got.Verdict != m.want {
					t.Errorf("%s: %s (%s), want %s", m.mode, m.got.Verdict, m.got.Detail, m.want)
				}
				// No no-promotion: the baseline must show both statics promoted.
				if len(m.got.Baseline) != 2 || !strings.Contains(m.got.Baseline[0], "klp_lt_counter.llvm.") || !strings.Contains(m.got.Baseline[1], "klp_lt_twice.llvm.") {
					t.Errorf("%s baseline %v, want klp_lt_counter.llvm.<hash> and klp_lt_twice.llvm.<hash>", m.mode, m.got.Baseline)
				}
			}
			if tc.plainWithFlags && strings.Join(lt.InProcess.WithFlags, " ") != "klp_lt_counter klp_lt_twice" {
				t.Errorf("with the flags: %v, want the plain names", lt.InProcess.WithFlags)
			}
		})
	}
}

func TestLinkTestErrors(t *testing.T) {
	testenv.Tool(t, "ld.lld-22")
	tests := []struct {
		name, cc   string
		ccMissing  bool
		wantDetail []string
	}{
		{"compiler missing", "clang-99", true, []string{"the compiler clang-99 cannot be used", "or name another clang"}},
		{"compiler failing", "/bin/false", false, []string{"compiling the link test's", "/bin/false exited 1", "name another clang"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := probeOne(t, "ld.lld-22", Options{LinkTest: true, CC: tc.cc})
			lt := res.LinkTest
			if lt.CCMissing != tc.ccMissing {
				t.Errorf("cc_missing %v, want %v", lt.CCMissing, tc.ccMissing)
			}
			for _, m := range []LinkMode{lt.InProcess, lt.Distributed} {
				if m.Verdict != LinkError {
					t.Errorf("verdict %s, want error", m.Verdict)
				}
				for _, w := range tc.wantDetail {
					if !strings.Contains(m.Detail, w) {
						t.Errorf("detail %q does not say %q", m.Detail, w)
					}
				}
			}
			rep := &Report{Linkers: []Result{res}}
			if got := rep.ExitStatus(); got != 2 {
				t.Errorf("exit status %d, want 2", got)
			}
		})
	}
}

// A compiler that makes native objects: ThinLTO never runs, nothing is
// promoted, and the test says that it proved nothing rather than "works".
func TestLinkTestNoPromotion(t *testing.T) {
	testenv.Tool(t, "ld.lld-22")
	testenv.Tool(t, "clang-22")
	res := probeOne(t, "ld.lld-22", Options{LinkTest: true, CC: standin(t, "clang-22-no-lto-standin")})
	m := res.LinkTest.InProcess
	if m.Verdict != LinkNoPromotion || !strings.Contains(m.Detail, "proves nothing") {
		t.Errorf("in-process: %s (%s), want no-promotion", m.Verdict, m.Detail)
	}
	if strings.Join(m.Baseline, " ") != "klp_lt_counter klp_lt_twice" {
		t.Errorf("baseline %v, want the plain names", m.Baseline)
	}
	// Distributed mode needs bitcode for its backends: the step fails, named.
	if d := res.LinkTest.Distributed; d.Verdict != LinkError || !strings.Contains(d.Detail, "-fthinlto-index=") {
		t.Errorf("distributed: %s (%s), want an error naming the backend step", d.Verdict, d.Detail)
	}
	if got := (&Report{Linkers: []Result{res}}).ExitStatus(); got != 2 {
		t.Errorf("exit status %d, want 2", got)
	}
}

// A compiler that never finishes is killed at the timeout and named.
func TestLinkTestCompilerTimeout(t *testing.T) {
	testenv.Tool(t, "ld.lld-22")
	res := probeOne(t, "ld.lld-22", Options{LinkTest: true, CC: standin(t, "ld.lld-hang-standin"), Timeout: 2 * time.Second})
	if res.Error != "" {
		t.Fatalf("the ld-option part failed: %s", res.Error)
	}
	for _, m := range []LinkMode{res.LinkTest.InProcess, res.LinkTest.Distributed} {
		if m.Verdict != LinkError || !strings.Contains(m.Detail, "did not finish within 2s and was killed") {
			t.Errorf("%s: %s, want error naming the timeout", m.Verdict, m.Detail)
		}
	}
}

func TestLinkTestText(t *testing.T) {
	supported := true
	plain := Result{Path: "/x/ld.lld", Flavor: "lld", Version: "23.1.0", Supported: &supported, Consistent: true}
	tested := plain
	tested.LinkTest = &LinkTest{CC: "/x/clang", CCRule: "matches ld.lld",
		InProcess:   LinkMode{Verdict: LinkWorks, Detail: "kept", Baseline: []string{"klp_lt_twice.llvm.1"}, WithFlags: []string{"klp_lt_twice"}},
		Distributed: LinkMode{Verdict: LinkIneffective, Detail: "still suffixed", Baseline: []string{}, WithFlags: []string{}}}
	tests := []struct {
		name    string
		linkers []Result
		want    []string
		notWant []string
	}{
		{"without --link-test", []Result{plain}, []string{"VERDICT    REASON"}, []string{"IN-PROCESS", "link test"}},
		{"with --link-test", []Result{tested}, []string{
			"VERDICT    IN-PROCESS  DISTRIBUTED  REASON",
			"supported  works       ineffective  -",
			"in-process   works: kept",
			"without the flags: klp_lt_twice.llvm.1",
			"distributed  ineffective: still suffixed",
			"link test: suffix reduction works in 1 of 2 mode(s); 1 accept the flags and still rename",
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteText(&b, &Report{Flags: []string{"-x"}, Linkers: tc.linkers}); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, b.String())
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(b.String(), w) {
					t.Errorf("output has %q:\n%s", w, b.String())
				}
			}
		})
	}
}
