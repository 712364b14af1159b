// Command klpcheck answers one question for kernel maintainers, distribution
// build pipelines and patch reviewers: is this kernel tree, toolchain and
// build ready for Clang ThinLTO suffix reduction (LLVM 23's
// -always-rename-promoted-locals=false), the mode that makes live patching of
// LTO kernels workable?
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"klpcheck/correlate"
	"klpcheck/internal/report"
	"klpcheck/lint"
)

const description = `klpcheck checks a kernel tree, toolchain and build for Clang ThinLTO suffix
reduction (lld --lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false).

Examples:
   klpcheck check                                  # the embedded demo, or the tree in .
   klpcheck probe --all                            # every lld on this machine
   klpcheck probe --llvm -22                       # the linker "make LLVM=-22" uses
   klpcheck probe --ld ld.lld-22 --flags "-mllvm -import-instr-limit=5"
   klpcheck probe --format json --config .config --ld /opt/llvm/bin/ld.lld
   klpcheck explain COR001                         # what a rule means, bad and good examples

Exit status: 0 clean, 1 findings or unsupported, 2 could not run (usage, I/O),
130 interrupted (SIGINT), 143 terminated (SIGTERM).`

func main() {
	os.Exit(runWithSignals(os.Args, os.Stdout, os.Stderr))
}

// runWithSignals is run with SIGINT and SIGTERM turned into a cancelled
// context: every linker process group is killed, the commands return and
// remove their temporary directories, and the exit status is 128 plus the
// signal (130, 143), as a shell reports a command a signal ended. A second
// signal ends klpcheck at once.
func runWithSignals(args []string, stdout, stderr io.Writer) int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	done := make(chan int, 1)
	go func() { done <- runContext(ctx, args, stdout, stderr) }()
	var got os.Signal
	for {
		select {
		case code := <-done:
			if got == nil {
				return code
			}
			fmt.Fprintf(stderr, "klpcheck: %s: stopped; every process it started was killed, its temporary files removed\n", signalName(got))
			return signalStatus(got)
		case s := <-sigs:
			if got != nil {
				fmt.Fprintf(stderr, "klpcheck: %s again: leaving at once\n", signalName(s))
				return signalStatus(s)
			}
			got = s
			cancel(signalled{s})
		}
	}
}

// signalled is the cause of a context a signal cancelled.
type signalled struct{ s os.Signal }

func (e signalled) Error() string { return signalName(e.s) }

// signalStatus is the shell's exit status for a command ended by s.
func signalStatus(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return report.ExitError
}

func signalName(s os.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "interrupted (SIGINT)"
	case syscall.SIGTERM:
		return "terminated (SIGTERM)"
	}
	return s.String()
}

// run is main without the process: tests call it with their own writers.
func run(args []string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdout, stderr)
}

// runContext is run under a context that a signal cancels.
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	out := &countingWriter{w: stdout}
	app := newApp(out, stderr)
	if len(args) > 1 && args[1] == completeCommand {
		return runComplete(app, args[2:], stdout)
	}
	err := app.RunContext(ctx, interspersed(app, args))
	if err == nil {
		return report.ExitClean
	}
	code, msg := report.ExitError, err.Error()
	var ee *exitError
	if errors.As(err, &ee) {
		code, msg = ee.code, ee.msg
	}
	var sig signalled
	if errors.As(context.Cause(ctx), &sig) && code == report.ExitError {
		code = signalStatus(sig.s) // the status the process exits with
	}
	if msg != "" {
		fmt.Fprintf(stderr, "klpcheck: %s\n", msg)
	}
	if code != report.ExitClean && code != report.ExitFindings && out.n == 0 {
		writeFailure(stdout, args, code, msg)
	}
	return code
}

// countingWriter counts what a command wrote, so that a command that could
// not run and printed nothing can still give a machine-readable answer.
type countingWriter struct {
	w io.Writer
	n int64
}

// Unwrap returns the writer underneath (a terminal decides on color).
func (c *countingWriter) Unwrap() io.Writer { return c.w }

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// failureDocument is what --format json prints when the command could not
// run (exit status 2, or 130/143 after a signal): one JSON document, as on
// success, so that a pipeline's jq never reads an empty stream.
type failureDocument struct {
	Error   string `json:"error"`
	Command string `json:"command"`
	Status  int    `json:"status"`
}

// writeFailure prints the failure document of the format args ask for:
// JSON, or a SARIF log whose invocation failed; nothing for text.
func writeFailure(w io.Writer, args []string, code int, msg string) {
	command, format := requestedFormat(args)
	if !offersFormat(command, format) {
		return // text, or a format the command does not write (a usage error)
	}
	if msg == "" {
		msg = fmt.Sprintf("exit status %d", code)
	}
	switch format {
	case string(report.JSON):
		_ = report.WriteJSON(w, failureDocument{Error: msg, Command: command, Status: code})
	case string(report.SARIF):
		log := report.FailedSARIF(versionString(), sarifRulesOf(command), msg)
		// The exit status the process ends with: 130/143 after a signal,
		// as the JSON document's status says.
		log.Runs[0].Invocations[0].ExitCode = &code
		_ = report.WriteJSON(w, log)
	}
}

// sarifRulesOf are the rules a command's SARIF declares, also in the log
// of a run that could not finish: a consumer keyed on rule IDs finds the
// same tool description either way.
func sarifRulesOf(command string) []report.SARIFRule {
	switch command {
	case "lint":
		return lint.SARIFRules()
	case "correlate":
		return correlate.SARIFRules()
	case "check":
		return append(lint.SARIFRules(), correlate.SARIFRules()...)
	}
	return nil
}

// offersFormat reports whether command writes format: every command with
// --format writes JSON; lint, correlate and check also SARIF.
func offersFormat(command, format string) bool {
	switch command {
	case "probe":
		return format == string(report.JSON)
	case "lint", "correlate", "check":
		return format == string(report.JSON) || format == string(report.SARIF)
	}
	return false
}

// requestedFormat is the subcommand and the --format value on the command
// line (after interspersed has put the flags first), "" when not given.
func requestedFormat(args []string) (command, format string) {
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if command == "" && !strings.HasPrefix(a, "-") {
			command = a
			continue
		}
		switch {
		case a == "--format" || a == "-format":
			if i+1 < len(args) {
				format = args[i+1]
				i++
			}
		case strings.HasPrefix(a, "--format="), strings.HasPrefix(a, "-format="):
			_, format, _ = strings.Cut(a, "=")
		}
	}
	return command, format
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
			explainCommand(),
			versionCommand(),
			completionCommand(),
			manCommand(),
		},
		// Errors are turned into exit statuses by run, never by the library
		// calling os.Exit behind our back.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError("%s (see klpcheck --help)", flagErrorText(err, nil))
		},
	}
	for _, c := range app.Commands {
		c.OnUsageError = func(cc *cli.Context, err error, _ bool) error {
			return usageError("%s: %s (see klpcheck %s --help)", cc.Command.Name, flagErrorText(err, cc.Command.Flags), cc.Command.Name)
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
	return &exitError{code: report.ExitError, msg: fmt.Sprintf(format, flagNamed(args)...)}
}

// couldNotRun is exit status 2: the input could not be read or a tool could not be run.
func couldNotRun(err error) error {
	return &exitError{code: report.ExitError, msg: withFlagNames(err).Error()}
}

// withStatus ends a command that printed its report with the given status.
func withStatus(code int) error {
	if code == report.ExitClean {
		return nil
	}
	return &exitError{code: code}
}
