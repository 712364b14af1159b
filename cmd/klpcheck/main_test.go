package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// klp runs the CLI in-process and returns exit status, stdout and stderr.
func klp(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"klpcheck"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestInterspersedFlags(t *testing.T) {
	app := newApp(&bytes.Buffer{}, &bytes.Buffer{})
	tests := []struct{ in, want string }{
		{"klpcheck probe --ld x", "klpcheck probe --ld x"},
		{"klpcheck probe extra --ld x --all", "klpcheck probe --ld x --all -- extra"},
		{"klpcheck probe extra --llvm -22", "klpcheck probe --llvm -22 -- extra"},
		{"klpcheck probe extra --format=json", "klpcheck probe --format=json -- extra"},
		{"klpcheck probe a -- --ld", "klpcheck probe -- a --ld"},
		{"klpcheck --help", "klpcheck --help"},
		{"klpcheck nosuch a --b", "klpcheck nosuch a --b"},
	}
	for _, tt := range tests {
		got := strings.Join(interspersed(app, strings.Fields(tt.in)), " ")
		if got != tt.want {
			t.Errorf("interspersed(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, _ := klp(t, args...)
		if code != 0 || !strings.HasPrefix(out, "klpcheck ") || !strings.Contains(out, "go: go1.") {
			t.Errorf("%v: exit %d, output %q", args, code, out)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"nosuchcommand"},
		{"probe", "--no-such-flag"},
		{"probe", "--format", "yaml"},
		{"probe", "--timeout", "-1s"},
		{"probe", "--llvm", "yes"},
		{"probe", "stray-argument"},
		{"probe", "--config", "/nonexistent/.config"},
	} {
		code, out, errb := klp(t, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (stdout %q stderr %q)", args, code, out, errb)
		}
		if strings.TrimSpace(errb) == "" {
			t.Errorf("%v: nothing on stderr to say why", args)
		}
	}
}

func TestCompletion(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, out, errb := klp(t, "completion", sh)
		if code != 0 || !strings.Contains(out, "klpcheck") {
			t.Errorf("completion %s: exit %d, %q %q", sh, code, out, errb)
		}
	}
	if code, _, _ := klp(t, "completion", "tcsh"); code != 2 {
		t.Errorf("completion tcsh: exit %d, want 2", code)
	}
	// The protocol the bash and zsh scripts use. The CLI library reads
	// os.Args for it, so the test sets them as a shell would.
	saved := os.Args
	defer func() { os.Args = saved }()
	os.Args = []string{"klpcheck", "--generate-bash-completion"}
	_, out, _ := klp(t, "--generate-bash-completion")
	for _, c := range []string{"check", "probe", "lint", "correlate"} {
		if !strings.Contains(out, c+"\n") {
			t.Errorf("command completion lacks %s: %q", c, out)
		}
	}
	os.Args = []string{"klpcheck", "probe", "--fo", "--generate-bash-completion"}
	_, out, _ = klp(t, "probe", "--fo", "--generate-bash-completion")
	if !strings.Contains(out, "--format") {
		t.Errorf("flag completion lacks --format: %q", out)
	}
}

// testStart is when the test binary started; files older than it are not ours.
var testStart = time.Now()
