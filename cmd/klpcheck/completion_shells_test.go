package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"klpcheck/internal/testenv"
)

// shellTimeout bounds a shell driving the completion: a completion that
// hangs fails the test instead of hanging it.
const shellTimeout = 2 * time.Minute

// klpcheckOnPath puts a "klpcheck" that is the test binary (TestMain runs
// it as klpcheck) first on PATH, as zsh and fish look the command up by
// name; it returns the environment to run a shell in.
func klpcheckOnPath(t *testing.T) []string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(self, filepath.Join(bin, "klpcheck")); err != nil {
		t.Fatal(err)
	}
	return append(os.Environ(), asMain+"=1", "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+t.TempDir(), "ZDOTDIR="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir())
}

// runShell runs a shell script in dir within shellTimeout.
func runShell(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), shellTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish within %s:\n%s", name, shellTimeout, out)
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	return string(out)
}

// zshDriver runs an interactive zsh in a pseudo-terminal (the zsh/zpty
// module), loads compinit and klpcheck's script, and presses TAB after
// each line. compadd is wrapped so that every match the completion
// offers (ours and _files' alike, after zsh's own prefix matching) is
// also written to the file $OUT. It waits for the prompt before typing a
// line, so that ZLE, not the terminal's line discipline, reads the TAB.
// Arguments: the script, the output file prefix, the lines.
const zshDriver = `zmodload zsh/zpty || exit 3
script=$1 out=$2
shift 2
zpty z zsh -f -i
zpty -w z 'stty kill undef 2>/dev/null; PS1="PR""MT> "; autoload -U compinit; compinit -u -D; source '${(q)script}
zpty -w z 'compadd() { local -a hits; if [[ -n ${(M)@:#-[OAD]*} ]]; then builtin compadd "$@"; return; fi; builtin compadd -A hits "$@"; local r=$?; print -rl -- "${hits[@]}" >> $OUT; builtin compadd "$@"; return r; }'
zpty -r z got '*PRMT> *PRMT> '
i=0
for line in "$@"; do
	i=$((i+1))
	zpty -w z "OUT=${(q)out}.$i; : > \$OUT"
	zpty -r z got '*PRMT> '
	zpty -w -n z "$line"$'\t'
	zpty -w -n z $'\x15'
	zpty -w z "print END\$(($i))"
	zpty -r z got "*END${i}*PRMT> "
done
zpty -d z
`

// TestZshCompletion drives the zsh script in a real interactive zsh, the
// way a person's TAB does, and reads what it offers.
func TestZshCompletion(t *testing.T) {
	zsh := testenv.Tool(t, "zsh")
	dir := completionFixture(t)
	env := klpcheckOnPath(t)
	_, script, _ := klp(t, "completion", "zsh")
	work := t.TempDir()
	scriptPath := filepath.Join(work, "klpcheck.zsh")
	if err := os.WriteFile(scriptPath, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	var cases []completionCase
	args := []string{"-f", "-c", zshDriver, "zsh", scriptPath, filepath.Join(work, "out")}
	for _, tt := range completionCases() {
		if tt.bashOnly {
			continue
		}
		cases = append(cases, tt)
		args = append(args, "klpcheck "+strings.Join(tt.words, " "))
	}
	runShell(t, dir, env, zsh, args...)
	replies := make([]string, len(cases))
	for i := range cases {
		b, err := os.ReadFile(filepath.Join(work, fmt.Sprintf("out.%d", i+1)))
		if err != nil {
			t.Fatalf("zsh did not complete line %d: %v", i+1, err)
		}
		replies[i] = string(b)
	}
	checkCompletions(t, "zsh", cases, replies)
}

// TestFishCompletion loads the fish script and asks fish what it would
// offer for each line (complete -C, the query behind fish's TAB).
func TestFishCompletion(t *testing.T) {
	fish := testenv.Tool(t, "fish")
	dir := completionFixture(t)
	env := klpcheckOnPath(t)
	_, script, _ := klp(t, "completion", "fish")
	var b strings.Builder
	b.WriteString(script)
	var cases []completionCase
	for _, tt := range completionCases() {
		if tt.bashOnly {
			continue
		}
		cases = append(cases, tt)
		fmt.Fprintf(&b, "complete -C %s; echo '<end>'\n", fishQuote("klpcheck "+strings.Join(tt.words, " ")))
	}
	out := runShell(t, dir, env, fish, "--no-config", "-c", b.String())
	replies := strings.Split(strings.TrimSuffix(out, "<end>\n"), "<end>\n")
	if len(replies) != len(cases) {
		t.Fatalf("%d replies for %d lines:\n%s", len(replies), len(cases), out)
	}
	checkCompletions(t, "fish", cases, replies)
}

// fishQuote quotes s for fish: in single quotes only \ and ' are special.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
