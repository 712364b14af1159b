package probe

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"klpcheck/internal/testenv"
)

// debianLLDs are the lld packages .ci/run installs.
var debianLLDs = []string{"ld.lld-14", "ld.lld-15", "ld.lld-16", "ld.lld-19", "ld.lld-22"}

// standin is the path of a stand-in linker script in fixtures/probe/standin.
func standin(t testing.TB, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "fixtures", "probe", "standin", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("stand-in missing: %v", err)
	}
	return p
}

// probeOne probes one linker path in a private TempDir parent and checks
// that the parent is empty afterwards: the probe leaves nothing behind.
func probeOne(t *testing.T, path string, opts Options) Result {
	t.Helper()
	parent := t.TempDir()
	opts.TempDir = parent
	targets, err := Resolve(Selection{Explicit: []string{path}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Probe(context.Background(), targets, opts, false)
	if err != nil {
		t.Fatal(err)
	}
	assertEmptyDir(t, parent)
	if len(rep.Linkers) != 1 {
		t.Fatalf("got %d results", len(rep.Linkers))
	}
	return rep.Linkers[0]
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind in the temp dir: %s", e.Name())
	}
}

// realExitStatus is the oracle: the linker run directly, no shell, no probe.
func realExitStatus(t *testing.T, path string, args ...string) int {
	t.Helper()
	err := exec.Command(path, args...).Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("running %s: %v", path, err)
	return -1
}

func TestDebianLLDsRejectTheRenameFlag(t *testing.T) {
	for _, name := range debianLLDs {
		t.Run(name, func(t *testing.T) {
			path := testenv.Tool(t, name)
			r := probeOne(t, path, Options{})
			if r.Error != "" {
				t.Fatalf("error: %s", r.Error)
			}
			oracle := realExitStatus(t, path, append(strings.Fields(DefaultFlags), "-v")...)
			if got := *r.Supported; got != (oracle == 0) {
				t.Errorf("supported = %v, but %s exits %d", got, name, oracle)
			}
			if *r.Supported {
				t.Fatalf("%s supports the flags?", name)
			}
			wantReason := "Unknown command line argument '-always-rename-promoted-locals=false'"
			if !strings.Contains(r.Reason, wantReason) || strings.Contains(r.Reason, "Try:") || strings.Contains(r.Reason, "error:") {
				t.Errorf("reason = %q, want the linker's words %q without prefixes and hints", r.Reason, wantReason)
			}
			major := strings.TrimPrefix(name, "ld.lld-")
			if r.Flavor != "lld" || r.Vendor != "Debian" || !strings.HasPrefix(r.Version, major+".") || r.KbuildVersion/10000 != atoi(t, major) {
				t.Errorf("identity = %s %q %s %d, want Debian lld %s.x", r.Flavor, r.Vendor, r.Version, r.KbuildVersion, major)
			}
			if r.Expected != "no" || !r.Consistent {
				t.Errorf("expected = %s consistent = %v, want no/true", r.Expected, r.Consistent)
			}
			if len(r.Groups) != 2 || !r.Groups[0].Supported || r.Groups[1].Supported {
				t.Errorf("groups = %+v, want visibility accepted alone and the -mllvm group refused", r.Groups)
			}
			if len(r.FailedFlags) != 1 || strings.Join(r.FailedFlags[0], " ") != "-mllvm -always-rename-promoted-locals=false" {
				t.Errorf("failed_flags = %q", r.FailedFlags)
			}
			if vis := realExitStatus(t, path, "--lto-whole-program-visibility", "-v"); vis != 0 {
				t.Errorf("oracle: %s --lto-whole-program-visibility -v exits %d", name, vis)
			}
		})
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("not a number: %q", s)
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func TestGNULinkers(t *testing.T) {
	for _, tt := range []struct {
		name, flavor, reason string
	}{
		{"ld.bfd", "bfd", "GNU bfd reads -mllvm as -m llvm: unrecognised emulation mode: llvm"},
		{"ld.gold", "gold", "--lto-whole-program-visibility: unknown option"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := testenv.Tool(t, tt.name)
			r := probeOne(t, path, Options{})
			if r.Error != "" || r.Supported == nil || *r.Supported {
				t.Fatalf("want unsupported, got %+v", r)
			}
			if r.Flavor != tt.flavor || r.Expected != "no" || !r.Consistent {
				t.Errorf("flavor %s expected %s consistent %v, want %s/no/true", r.Flavor, r.Expected, r.Consistent, tt.flavor)
			}
			if r.Reason != tt.reason {
				t.Errorf("reason = %q, want %q", r.Reason, tt.reason)
			}
			if len(r.Groups) != 2 || r.Groups[0].Supported || r.Groups[1].Supported {
				t.Errorf("groups = %+v, want both refused", r.Groups)
			}
			if !strings.Contains(r.Groups[1].Reason, "reads -mllvm as -m llvm") {
				t.Errorf("-mllvm group reason = %q, want the misreading named", r.Groups[1].Reason)
			}
		})
	}
}

// The positive path with a real linker and a real option, and KBUILD_LDFLAGS
// taking part in the verdict.
func TestRealOptionAndLDFlags(t *testing.T) {
	path := testenv.Tool(t, "ld.lld-22")
	const flags = "-mllvm -import-instr-limit=5"
	r := probeOne(t, path, Options{Flags: flags})
	if r.Error != "" || !*r.Supported || r.Expected != "yes" || !r.Consistent {
		t.Fatalf("-mllvm -import-instr-limit=5: %+v, want supported/yes/consistent", r)
	}
	if oracle := realExitStatus(t, path, "-mllvm", "-import-instr-limit=5", "-v"); oracle != 0 {
		t.Fatalf("oracle exit %d", oracle)
	}

	r = probeOne(t, path, Options{Flags: flags, LDFlags: "--no-such-linker-flag"})
	if r.Error != "" || *r.Supported {
		t.Fatalf("with a bogus KBUILD_LDFLAGS: %+v, want unsupported", r)
	}
	if oracle := realExitStatus(t, path, "--no-such-linker-flag", "-mllvm", "-import-instr-limit=5", "-v"); oracle == 0 {
		t.Fatal("oracle accepts the bogus flag")
	}
	if r.LDFlagsAlone == nil || r.LDFlagsAlone.Supported || !strings.Contains(r.LDFlagsAlone.Reason, "--no-such-linker-flag") {
		t.Errorf("ldflags_alone = %+v, want refused naming the flag", r.LDFlagsAlone)
	}
	if !strings.Contains(r.Command, "--no-such-linker-flag -mllvm") {
		t.Errorf("command = %q, want KBUILD_LDFLAGS before the flags", r.Command)
	}
}

func TestStandins(t *testing.T) {
	tests := []struct {
		file       string
		supported  bool
		expected   string
		consistent bool
		note       string
	}{
		{"ld.lld-23.1-standin", true, "yes", true, ""},
		{"ld.lld-22-backport-standin", true, "no", false, "backport"},
		{"ld.lld-23.0.0git-old-standin", false, "unknown", true, "23.0.0git snapshot"},
		{"ld.lld-23.0.0git-new-standin", true, "unknown", true, "distributed ThinLTO"},
		{"ld.lld-23.1-stripped-standin", false, "yes", false, "without the option"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r := probeOne(t, standin(t, tt.file), Options{})
			if r.Error != "" {
				t.Fatal(r.Error)
			}
			if *r.Supported != tt.supported || r.Expected != tt.expected || r.Consistent != tt.consistent {
				t.Errorf("supported %v expected %s consistent %v; want %v %s %v", *r.Supported, r.Expected, r.Consistent, tt.supported, tt.expected, tt.consistent)
			}
			if !strings.Contains(r.Note, tt.note) {
				t.Errorf("note = %q, want it to mention %q", r.Note, tt.note)
			}
		})
	}
}

func TestHungLinkerTimesOut(t *testing.T) {
	start := time.Now()
	r := probeOne(t, standin(t, "ld.lld-hang-standin"), Options{Timeout: 300 * time.Millisecond})
	if r.Supported != nil || !strings.Contains(r.Error, "did not answer within 300ms") {
		t.Fatalf("want a timeout error, got supported=%v error=%q", r.Supported, r.Error)
	}
	// Not a timing assertion on speed: a bound far above the timeout that
	// only a probe waiting for the hung process (an hour) would break.
	if d := time.Since(start); d > time.Minute {
		t.Errorf("probe took %v for a 300ms timeout", d)
	}
}

func TestExitStatus(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		linkers []Result
		want    int
	}{
		{[]Result{{Supported: &yes}}, 0},
		{[]Result{{Supported: &yes}, {Supported: &no}}, 1},
		{[]Result{{Supported: &no}, {Error: "not found"}}, 2},
		{nil, 0},
	}
	for _, tt := range tests {
		if got := (&Report{Linkers: tt.linkers}).ExitStatus(); got != tt.want {
			t.Errorf("ExitStatus(%+v) = %d, want %d", tt.linkers, got, tt.want)
		}
	}
}

// The sandbox runs the linker and nothing else: a script that tries to run
// another program, or to create or remove files outside the private
// directory, is refused.
func TestSandboxRunsOnlyTheLinker(t *testing.T) {
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	sb, err := newSandbox(t.TempDir(), "/bin/true", os.Environ(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.cleanup()
	for _, script := range []string{
		"touch " + victim + ".new",
		"rm -rf " + victim,
		"mkdir -p " + victim + ".dir",
		"/bin/sh -c 'echo hi > " + victim + "'",
	} {
		out, err := sb.run(context.Background(), script, nil)
		if err != nil {
			t.Fatalf("%s: %v", script, err)
		}
		if out.status == 0 {
			t.Errorf("%q: exit 0, want a refusal", script)
		}
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "x" {
		t.Errorf("victim changed: %q, %v", b, err)
	}
	for _, p := range []string{victim + ".new", victim + ".dir"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was created", p)
		}
	}
	if out, err := sb.run(context.Background(), "/bin/true", nil); err != nil || out.status != 0 {
		t.Errorf("the linker itself: status %d, %v", out.status, err)
	}
}

func TestAllFindsDebianLLDsSortedByVersion(t *testing.T) {
	for _, name := range debianLLDs {
		testenv.Tool(t, name)
	}
	targets, err := Resolve(Selection{All: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Probe(context.Background(), targets, Options{TempDir: t.TempDir()}, true)
	if err != nil {
		t.Fatal(err)
	}
	var majors []int
	for _, r := range rep.Linkers {
		if r.Error != "" {
			t.Errorf("%s: %s", r.Path, r.Error)
			continue
		}
		majors = append(majors, r.KbuildVersion/10000)
	}
	for _, name := range debianLLDs {
		found := false
		for _, m := range majors {
			found = found || m == atoi(t, strings.TrimPrefix(name, "ld.lld-"))
		}
		if !found {
			t.Errorf("--all did not find %s (majors %v)", name, majors)
		}
	}
	for i := 1; i < len(majors); i++ {
		if majors[i] < majors[i-1] {
			t.Errorf("not sorted by version: %v", majors)
		}
		if majors[i] == majors[i-1] {
			t.Errorf("the same lld twice (dedupe by resolved path failed): %v", majors)
		}
	}
	if rep.ExitStatus() != 1 {
		t.Errorf("exit status %d, want 1 (none supports the flags)", rep.ExitStatus())
	}
}

func TestConfigWarnings(t *testing.T) {
	path := testenv.Tool(t, "ld.lld-19")
	cfg, err := ParseKernelConfig(strings.NewReader("CONFIG_LTO_CLANG_THIN_DIST=y\nCONFIG_LLD_VERSION=220108\nCONFIG_CLANG_VERSION=230100\nCONFIG_LD_IS_LLD=y\n"), "build/.config")
	if err != nil {
		t.Fatal(err)
	}
	targets, _ := Resolve(Selection{Explicit: []string{path}}, nil)
	rep, err := Probe(context.Background(), targets, Options{Config: cfg, TempDir: t.TempDir()}, false)
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(rep.Linkers[0].Warnings, "\n")
	for _, want := range []string{"CONFIG_LLD_VERSION=220108 (22.1.8) but", "is LLD 19.1.7 (190107)", "mixed toolchain"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings %q do not mention %q", w, want)
		}
	}
	if g := strings.Join(rep.Warnings, "\n"); !strings.Contains(g, "THIN_DIST") {
		t.Errorf("report warnings %q do not mention THIN_DIST", g)
	}
}

// A mix of linkers, one missing: every row is present and the status is 2.
func TestMissingLinkerIsAnErrorEntry(t *testing.T) {
	path := testenv.Tool(t, "ld.lld-22")
	targets, err := Resolve(Selection{Explicit: []string{path, "ld.lld-99"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Probe(context.Background(), targets, Options{TempDir: t.TempDir()}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Linkers) != 2 || rep.Linkers[0].Error != "" || !strings.Contains(rep.Linkers[1].Error, "ld.lld-99 not found on PATH (from Explicit): install lld-99") {
		t.Fatalf("got %+v", rep.Linkers)
	}
	if rep.ExitStatus() != 2 {
		t.Errorf("exit status %d, want 2", rep.ExitStatus())
	}
}
