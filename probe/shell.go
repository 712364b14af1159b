package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	named          bool // not a run: the refusal's line naming a group
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
// TMPOUT is relative to the private directory, the script's cwd, as
// kbuild's own .tmp_$$$$ is: the try-run's unquoted $TMPOUT then never
// splits, whatever spaces, quotes or $ the parent directory's name holds.
func newSandbox(parent, linker string, env []string, timeout time.Duration) (*sandbox, error) {
	dir, err := os.MkdirTemp(parent, "klpcheck-probe-")
	if err != nil {
		return nil, fmt.Errorf("cannot create a private temporary directory: %v (set TMPDIR to a writable directory)", err)
	}
	env = append(append([]string{}, env...), "TMPOUT="+tmpOut, "TMP="+tmpOut+"/tmp")
	return &sandbox{linker: linker, dir: dir, env: env, timeout: timeout}, nil
}

// tmpOut is try-run's TMPOUT inside the private directory.
const tmpOut = ".tmp_klpcheck"

func (s *sandbox) cleanup() error { return os.RemoveAll(s.dir) }

// linkerOutput is what the linker itself wrote during one run, whatever
// the script did with it (the try-run discards it): the verdict still
// comes from the exit status only, the explanation from these.
type linkerOutput struct {
	ran            bool
	status         int
	stdout, stderr boundedOutput
}

// run executes script and returns its exit status and output. An error means
// the script could not be run to the end: errTimeout when --timeout cut it
// short, the context's error when the caller cancelled (a signal), or an
// interpreter failure. When linker is not nil, the linker's own output is
// kept there too.
func (s *sandbox) run(ctx context.Context, script string, linker *linkerOutput) (shellRun, error) {
	file, err := syntax.NewParser().Parse(strings.NewReader(script), "try-run")
	if err != nil {
		return shellRun{}, fmt.Errorf("internal error: try-run script does not parse: %v", err)
	}
	runCtx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var stdout, stderr boundedOutput
	r, err := interp.New(
		interp.Dir(s.dir),
		interp.Env(expand.ListEnviron(s.env...)),
		interp.StdIO(nil, &stdout, &stderr),
		interp.ExecHandlers(func(interp.ExecHandlerFunc) interp.ExecHandlerFunc {
			return func(ctx context.Context, args []string) error { return s.exec(ctx, args, linker) }
		}),
	)
	if err != nil {
		return shellRun{}, fmt.Errorf("internal error: shell interpreter: %v", err)
	}
	err = r.Run(runCtx, file)
	res := shellRun{stdout: stdout.String(), stderr: stderr.String()}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if runCtx.Err() != nil {
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
func (s *sandbox) exec(ctx context.Context, args []string, linker *linkerOutput) error {
	hc := interp.HandlerCtx(ctx)
	switch args[0] {
	case "mkdir":
		return s.mkdir(hc, args[1:])
	case "rm":
		return s.rm(hc, args[1:])
	case s.linker:
		return s.startLinker(ctx, hc, args, linker)
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

// startLinker runs the linker in its own process group. When the linker
// exits, is timed out or the probe is cancelled, the whole group is killed:
// no child it started outlives the run, and a hung linker never hangs the
// probe. Its output is copied through bounded buffers.
func (s *sandbox) startLinker(ctx context.Context, hc interp.HandlerContext, args []string, linker *linkerOutput) error {
	if linker == nil {
		linker = &linkerOutput{}
	}
	cmd := exec.Command(s.linker, args[1:]...)
	cmd.Args[0] = args[0]
	cmd.Dir = hc.Dir
	cmd.Env = exported(hc.Env)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Pipes of our own: Wait then returns when the linker exits, and the
	// group is killed before its output is drained, so a child holding the
	// pipe open cannot keep the run alive.
	copies, err := pipeOutput(cmd, io.MultiWriter(hc.Stdout, &linker.stdout), io.MultiWriter(hc.Stderr, &linker.stderr))
	if err != nil {
		return fmt.Errorf("cannot execute: %v", err)
	}
	if err := cmd.Start(); err != nil {
		copies.abort()
		// Not an exit status: a linker that cannot start has no verdict.
		return fmt.Errorf("cannot execute: %v", err)
	}
	copies.started()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	// The leader has exited or is to be killed: kill what is left of its
	// group, children included.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if ctx.Err() != nil {
		<-done
		copies.wait()
		return ctx.Err()
	}
	copies.wait()
	linker.ran = true
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exitErr):
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			linker.status = 128 + int(ws.Signal())
		} else {
			linker.status = exitErr.ExitCode()
		}
		return interp.ExitStatus(linker.status)
	}
	return err
}

// outputCopies drains a child's stdout and stderr pipes.
type outputCopies struct {
	readers, writers []*os.File
	done             chan struct{}
}

// pipeOutput gives cmd a pipe for stdout and one for stderr whose read ends
// are copied to stdout and stderr.
func pipeOutput(cmd *exec.Cmd, stdout, stderr io.Writer) (*outputCopies, error) {
	c := &outputCopies{done: make(chan struct{}, 2)}
	for _, w := range []io.Writer{stdout, stderr} {
		r, pw, err := os.Pipe()
		if err != nil {
			c.abort()
			return nil, err
		}
		c.readers, c.writers = append(c.readers, r), append(c.writers, pw)
		go func() {
			_, _ = io.Copy(w, r)
			c.done <- struct{}{}
		}()
	}
	cmd.Stdout, cmd.Stderr = c.writers[0], c.writers[1]
	return c, nil
}

// started closes the parent's write ends once the child holds its own.
func (c *outputCopies) started() {
	for _, w := range c.writers {
		w.Close()
	}
}

// wait waits for both copies. The process group is dead by now; a process
// that left the group (setsid) and still holds a pipe gets a second, then
// the pipes are closed under it.
func (c *outputCopies) wait() {
	timer := time.NewTimer(time.Second)
	defer timer.Stop()
	for range c.readers {
		select {
		case <-c.done:
		case <-timer.C:
			c.closeReaders()
			<-c.done
		}
	}
	c.closeReaders()
}

func (c *outputCopies) closeReaders() {
	for _, r := range c.readers {
		r.Close()
	}
}

// abort releases the pipes of a child that never started.
func (c *outputCopies) abort() {
	c.started()
	c.closeReaders()
	for range c.readers {
		<-c.done
	}
	c.readers = nil
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
