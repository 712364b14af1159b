package probe

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"klpcheck/internal/testenv"
)

// markedEnv is the process environment with a fresh test marker in it, and
// the marker; leftover processes are killed when the test ends.
func markedEnv(t *testing.T, extra ...string) ([]string, string) {
	t.Helper()
	marker := testenv.Marker(t)
	testenv.KillMarkedAtCleanup(t, marker)
	return append(append(os.Environ(), testenv.MarkerEnv+"="+marker), extra...), marker
}

// TestTempDirWithShellCharacters: the private directory's parent may hold
// spaces, quotes and $; try-run's $TMPOUT must not split on them (it used
// to, and the 23.1 stand-in came out "unsupported").
func TestTempDirWithShellCharacters(t *testing.T) {
	for _, name := range []string{"with space", `quote'd"`, "dollar$HOME", "all of 'them' $x \"\\"} {
		t.Run(name, func(t *testing.T) {
			parent := filepath.Join(t.TempDir(), name)
			if err := os.Mkdir(parent, 0o755); err != nil {
				t.Fatal(err)
			}
			targets, err := Resolve(Selection{Explicit: []string{standin(t, "ld.lld-23.1-standin")}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Probe(context.Background(), targets, Options{TempDir: parent, Env: append(os.Environ(), "TMPDIR="+parent)}, false)
			if err != nil {
				t.Fatal(err)
			}
			r := rep.Linkers[0]
			if r.Error != "" || r.Supported == nil || !*r.Supported {
				t.Errorf("23.1 stand-in under %q: %s, error %q, reason %q; want supported", parent, r.Verdict(), r.Error, r.Reason)
			}
			assertEmptyDir(t, parent)
		})
	}
}

// TestExitedLinkersChildIsKilled: a linker that answers and exits but
// leaves a child behind must not leave it running after the probe.
func TestExitedLinkersChildIsKilled(t *testing.T) {
	env, marker := markedEnv(t)
	r := probeOne(t, standin(t, "ld.lld-forking-standin"), Options{Env: env, Flags: "--lto-whole-program-visibility"})
	if r.Error != "" || r.Supported == nil || !*r.Supported {
		t.Fatalf("forking stand-in: %s, %q", r.Verdict(), r.Error)
	}
	testenv.AssertNoMarked(t, marker)
}

// TestCancelKillsLinkersAndCleansUp: cancelling the probe (what SIGINT and
// SIGTERM do) kills every linker's process group, children included, and
// removes the private directories.
func TestCancelKillsLinkersAndCleansUp(t *testing.T) {
	env, marker := markedEnv(t)
	parent := t.TempDir()
	targets, err := Resolve(Selection{Explicit: []string{standin(t, "ld.lld-hang-standin"), standin(t, "ld.lld-forking-standin")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The forking stand-in answers: it is the hung one's runs that are cut.
	hung := targets[:1]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan *Report)
	go func() {
		rep, err := Probe(ctx, hung, Options{Env: env, TempDir: parent, Timeout: 10 * 60 * 1e9}, false)
		if err != nil {
			t.Error(err)
		}
		done <- rep
	}()
	testenv.WaitForMarked(t, marker, 2) // the linker and its child
	cancel()
	rep := <-done
	if rep == nil {
		t.Fatal("no report")
	}
	if got := rep.Linkers[0].Error; !strings.Contains(got, "cancelled") {
		t.Errorf("error = %q, want the probe cancelled", got)
	}
	testenv.AssertNoMarked(t, marker)
	assertEmptyDir(t, parent)
}

// TestLinkerOutputIsBounded: a linker writing a flood to stderr costs a
// bounded buffer: the first 64 KiB and the last lines are kept, and the
// reason is still its first error.
func TestLinkerOutputIsBounded(t *testing.T) {
	const flood = 64 << 20
	path := standin(t, "ld.lld-noisy-standin")
	sb, err := newSandbox(t.TempDir(), path, append(os.Environ(), "NOISY_BYTES="+strconv.Itoa(flood)), 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.cleanup()
	var linker linkerOutput
	cl, err := newCommandLines(path, []string{"--lto-whole-program-visibility"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := sb.run(context.Background(), cl.full, &linker)
	if err != nil {
		t.Fatal(err)
	}
	if out.status != 1 {
		t.Errorf("status %d, want 1", out.status)
	}
	for name, got := range map[string]string{"run stderr": out.stderr, "linker stderr": linker.stderr.String()} {
		if n := len(got); n > outputHead+outputTail+100 {
			t.Errorf("%s: kept %d bytes of %d, want at most %d", name, n, flood, outputHead+outputTail+100)
		}
		for _, want := range []string{"error: first error line", "bytes of output left out", "error: last error line"} {
			if !strings.Contains(got, want) {
				t.Errorf("%s: %q missing", name, want)
			}
		}
	}
	if n := linker.stderr.retained(); n > outputHead+8*outputTail {
		t.Errorf("the linker's stderr buffer holds %d bytes after a %d-byte flood, want at most %d", n, flood, outputHead+8*outputTail)
	}
	if r := LinkerReason(shellRun{status: 1, stderr: linker.stderr.String()}, Identity{}, nil); r != "first error line" {
		t.Errorf("reason = %q, want the first error line", r)
	}
}

func TestBoundedOutput(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   func(string) bool
	}{
		{"small is kept whole", []string{"a\n", "b\n"}, func(s string) bool { return s == "a\nb\n" }},
		{"head exactly", []string{strings.Repeat("x", outputHead)}, func(s string) bool { return len(s) == outputHead }},
		{"tail fits", []string{strings.Repeat("x", outputHead), strings.Repeat("y", outputTail)}, func(s string) bool { return len(s) == outputHead+outputTail }},
		{"over: head, note, last whole lines", []string{strings.Repeat("x", outputHead), strings.Repeat("noise\n", 3*outputTail), "last\n"}, func(s string) bool {
			return strings.HasPrefix(s, strings.Repeat("x", outputHead)+"\n[klpcheck: ") && strings.HasSuffix(s, "noise\nlast\n") && len(s) <= outputHead+outputTail+64
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b boundedOutput
			for _, w := range tt.writes {
				if n, err := b.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if got := b.String(); !tt.want(got) {
				t.Errorf("String() = %d bytes %.80q...%.80q", len(got), got, got[max(0, len(got)-80):])
			}
		})
	}
}

// TestNamedGroupsAgreeWithRunsAlone: a group the refusal answers for (it
// calls the group an unknown option by name, or it is lld's and its only
// errors name other groups) is not run alone; the oracle, the linker run
// directly with that group alone, must agree, for every real linker and
// for flag sets where lld's refusal does and does not answer for the rest.
func TestNamedGroupsAgreeWithRunsAlone(t *testing.T) {
	linkers := append(append([]string{}, debianLLDs...), "ld.bfd", "ld.gold")
	for _, flags := range []string{
		DefaultFlags + " --no-such-option-x",
		DefaultFlags,
		"--lto-O9 " + DefaultFlags, // an error that names no group: every group runs
	} {
		for _, name := range linkers {
			t.Run(name+" "+flags, func(t *testing.T) {
				path := testenv.Tool(t, name)
				r := probeOne(t, path, Options{Flags: flags})
				if r.Error != "" || r.Supported == nil || *r.Supported {
					t.Fatalf("%s: %s %q", name, r.Verdict(), r.Error)
				}
				named := 0
				for _, g := range r.Groups {
					oracle := realExitStatus(t, path, append(append([]string{}, g.Flags...), "-v")...)
					if g.Supported != (oracle == 0) {
						t.Errorf("group %q: supported = %v (alone %v), but run alone it exits %d", g.Flags, g.Supported, g.Alone, oracle)
					}
					if !g.Alone {
						named++
					}
				}
				if strings.HasPrefix(name, "ld.lld") && named == 0 {
					t.Errorf("no group was answered by the refusal: every group ran alone: %+v", r.Groups)
				}
			})
		}
	}
}
