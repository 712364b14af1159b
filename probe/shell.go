package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// tryRunScript is kbuild's try-run (scripts/Makefile.compiler) with
// ld-option's command in it, after make has expanded it: set -e, TMP under
// a TMPOUT that an EXIT trap removes, the command in a subshell with all of
// its output discarded, and the flags echoed only when it exits 0.
//
// cmd is already shell-quoted word by word; echoed is the ld-option argument.
func tryRunScript(cmd, echoed string) string {
	return "set -e\n" +
		"TMP=$TMPOUT/tmp\n" +
		"trap \"rm -rf $TMPOUT\" EXIT\n" +
		"mkdir -p $TMPOUT\n" +
		"if (" + cmd + ") >/dev/null 2>&1\n" +
		"then echo " + echoed + "\n" +
		"else echo \"\"\n" +
		"fi\n"
}

// quoteWords renders words as a shell command line that splits back into
// exactly those words.
func quoteWords(words []string) (string, error) {
	quoted := make([]string, len(words))
	for i, w := range words {
		q, err := syntax.Quote(w, syntax.LangPOSIX)
		if err != nil {
			return "", fmt.Errorf("cannot quote %q for the shell: %v", w, err)
		}
		quoted[i] = q
	}
	return strings.Join(quoted, " "), nil
}

// shellRun is the result of one script run.
type shellRun struct {
	status         int
	stdout, stderr string
}

// errTimeout marks a run that the --timeout cut short.
var errTimeout = errors.New("timed out")

// sandbox runs scripts through the mvdan.cc/sh interpreter in a private
// temporary directory. Its exec handler runs only the one linker the probe
// is about; mkdir and rm, which try-run needs, are done in Go and only inside
// the private directory. Nothing else on the machine is executed.
type sandbox struct {
	linker  string // absolute path of the only program that may run
	dir     string // private directory, the script's cwd; TMPOUT lives in it
	env     []string
	timeout time.Duration
}

// newSandbox makes the private directory under parent ("" for the system
// default). The caller must call cleanup, which removes it whatever happened.
func newSandbox(parent, linker string, env []string, timeout time.Duration) (*sandbox, error) {
	dir, err := os.MkdirTemp(parent, "klpcheck-probe-")
	if err != nil {
		return nil, fmt.Errorf("cannot create a private temporary directory: %v (set TMPDIR to a writable directory)", err)
	}
	tmpout := filepath.Join(dir, ".tmp")
	env = append(append([]string{}, env...), "TMPOUT="+tmpout, "TMP="+filepath.Join(tmpout, "tmp"))
	return &sandbox{linker: linker, dir: dir, env: env, timeout: timeout}, nil
}

func (s *sandbox) cleanup() error { return os.RemoveAll(s.dir) }

// run executes script and returns its exit status and output. An error means
// the script could not be run to the end (timeout, interpreter failure).
func (s *sandbox) run(ctx context.Context, script string) (shellRun, error) {
	file, err := syntax.NewParser().Parse(strings.NewReader(script), "try-run")
	if err != nil {
		return shellRun{}, fmt.Errorf("internal error: try-run script does not parse: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	r, err := interp.New(
		interp.Dir(s.dir),
		interp.Env(expand.ListEnviron(s.env...)),
		interp.StdIO(nil, &stdout, &stderr),
		interp.ExecHandlers(func(interp.ExecHandlerFunc) interp.ExecHandlerFunc { return s.exec }),
	)
	if err != nil {
		return shellRun{}, fmt.Errorf("internal error: shell interpreter: %v", err)
	}
	err = r.Run(ctx, file)
	res := shellRun{stdout: stdout.String(), stderr: stderr.String()}
	if ctx.Err() != nil {
		return res, errTimeout
	}
	var status interp.ExitStatus
	switch {
	case err == nil:
	case errors.As(err, &status):
		res.status = int(status)
	default:
		return res, err
	}
	return res, nil
}

// exec is the interpreter's exec handler: the linker, or try-run's mkdir and
// rm inside the private directory, or a refusal.
func (s *sandbox) exec(ctx context.Context, args []string) error {
	hc := interp.HandlerCtx(ctx)
	switch args[0] {
	case "mkdir":
		return s.mkdir(hc, args[1:])
	case "rm":
		return s.rm(hc, args[1:])
	case s.linker:
		return s.startLinker(ctx, hc, args)
	}
	fmt.Fprintf(hc.Stderr, "klpcheck: refusing to run %q: the probe runs only %s\n", args[0], s.linker)
	return interp.ExitStatus(126)
}

// inside resolves p against the script's cwd and reports whether it lies
// within the private directory.
func (s *sandbox) inside(hc interp.HandlerContext, p string) (string, bool) {
	if !filepath.IsAbs(p) {
		p = filepath.Join(hc.Dir, p)
	}
	rel, err := filepath.Rel(s.dir, filepath.Clean(p))
	return p, err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

func (s *sandbox) mkdir(hc interp.HandlerContext, args []string) error {
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			continue // -p: MkdirAll is what try-run asks for
		}
		p, ok := s.inside(hc, a)
		if !ok {
			fmt.Fprintf(hc.Stderr, "klpcheck: refusing mkdir outside the private directory: %s\n", a)
			return interp.ExitStatus(1)
		}
		if err := os.MkdirAll(p, 0o700); err != nil {
			fmt.Fprintf(hc.Stderr, "mkdir: %v\n", err)
			return interp.ExitStatus(1)
		}
	}
	return nil
}

func (s *sandbox) rm(hc interp.HandlerContext, args []string) error {
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			continue // -rf
		}
		p, ok := s.inside(hc, a)
		if !ok {
			fmt.Fprintf(hc.Stderr, "klpcheck: refusing rm outside the private directory: %s\n", a)
			return interp.ExitStatus(1)
		}
		if err := os.RemoveAll(p); err != nil {
			fmt.Fprintf(hc.Stderr, "rm: %v\n", err)
			return interp.ExitStatus(1)
		}
	}
	return nil
}

// startLinker runs the linker in its own process group, so that a timeout
// kills it and anything it started; a hung linker never hangs the probe.
func (s *sandbox) startLinker(ctx context.Context, hc interp.HandlerContext, args []string) error {
	cmd := exec.Command(s.linker, args[1:]...)
	cmd.Args[0] = args[0]
	cmd.Dir = hc.Dir
	cmd.Env = exported(hc.Env)
	cmd.Stdout = hc.Stdout
	cmd.Stderr = hc.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Output pipes held open by an orphaned grandchild must not block Wait.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		// Not an exit status: a linker that cannot start has no verdict.
		return fmt.Errorf("cannot execute: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return ctx.Err()
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exitErr):
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return interp.ExitStatus(128 + int(ws.Signal()))
		}
		return interp.ExitStatus(exitErr.ExitCode())
	case errors.Is(err, exec.ErrWaitDelay):
		return nil
	}
	return err
}

// exported lists the interpreter's exported string variables as KEY=value.
func exported(env expand.Environ) []string {
	var list []string
	for name, vr := range env.Each {
		if vr.IsSet() && vr.Exported && vr.Kind == expand.String {
			list = append(list, name+"="+vr.Str)
		}
	}
	return list
}
