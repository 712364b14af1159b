// Command klpcheck answers one question for kernel maintainers, distribution
// build pipelines and patch reviewers: is this kernel tree, toolchain and
// build ready for Clang ThinLTO suffix reduction (LLVM 23's
// -always-rename-promoted-locals=false), the mode that makes live patching of
// LTO kernels workable?
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"klpcheck/internal/report"
)

const description = `klpcheck checks a kernel tree, toolchain and build for Clang ThinLTO suffix
reduction (lld --lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false).

Examples:
   klpcheck check                                  # the embedded demo, or the tree in .
   klpcheck probe --all                            # every lld on this machine
   klpcheck probe --llvm -22                       # the linker "make LLVM=-22" uses
   klpcheck probe --ld ld.lld-22 --flags "-mllvm -import-instr-limit=5"
   klpcheck probe --format json --config .config --ld /opt/llvm/bin/ld.lld

Exit status: 0 clean, 1 findings or unsupported, 2 could not run (usage, I/O).`

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

// run is main without the process: tests call it with their own writers.
func run(args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	err := app.Run(interspersed(app, args))
	if err == nil {
		return report.ExitClean
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintf(stderr, "klpcheck: %s\n", ee.msg)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "klpcheck: %v\n", err)
	return report.ExitError
}

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:                 "klpcheck",
		Usage:                "readiness of a kernel tree, toolchain and build for ThinLTO suffix reduction",
		Description:          description,
		Version:              versionString(),
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: true,
		Suggest:              true,
		Commands: []*cli.Command{
			checkCommand(),
			probeCommand(),
			lintCommand(),
			correlateCommand(),
			versionCommand(),
			completionCommand(),
		},
		// Errors are turned into exit statuses by run, never by the library
		// calling os.Exit behind our back.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError("%v (see klpcheck --help)", err)
		},
	}
	for _, c := range app.Commands {
		c.OnUsageError = func(cc *cli.Context, err error, _ bool) error {
			return usageError("%s: %v (see klpcheck %s --help)", cc.Command.Name, err, cc.Command.Name)
		}
	}
	cli.VersionPrinter = func(c *cli.Context) { fmt.Fprintln(c.App.Writer, versionLong()) }
	return app
}

// exitError carries an exit status, and a message for stderr when the
// command has not already said everything on stdout.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usageError is exit status 2 with a message naming the misuse.
func usageError(format string, args ...any) error {
	return &exitError{code: report.ExitError, msg: fmt.Sprintf(format, args...)}
}

// couldNotRun is exit status 2: the input could not be read or a tool could not be run.
func couldNotRun(err error) error {
	return &exitError{code: report.ExitError, msg: err.Error()}
}

// withStatus ends a command that printed its report with the given status.
func withStatus(code int) error {
	if code == report.ExitClean {
		return nil
	}
	return &exitError{code: code}
}
