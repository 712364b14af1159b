package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"klpcheck/internal/report"
	"klpcheck/lint"
	"klpcheck/lint/rules"
)

const lintDescription = `Evaluates the LTO block of a kernel Makefile (and of patches to it) for
every LTO mode (none, FULL, THIN, THIN_DIST...) and every toolchain of the
matrix (LLVM 22.1, 23.0.0git before and after the option, 23.1), the way GNU
make would, without running anything, and reports where the suffix-reduction
flags (--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)
break a build, miss a build, or are spelled or placed wrong.

PATH is a kernel tree, a single Makefile, or - for standard input. Default:
the current directory. Several PATHs give one report: each PATH's findings
and a line with its counts, then the totals; --format json prints one
document with "paths" (each PATH's document, with "path" and "error") and
"totals", and SARIF one run with every PATH's results. --patch and --build
take a single PATH. lint evaluates what kbuild's final sub-make reads
(make -C OBJTREE -f SRCTREE/Makefile with sub_make_done=1), following the
Makefile's include directives into the tree (scripts/Kbuild.include,
scripts/Makefile.compiler, arch/$(SRCARCH)/Makefile...) and, with --build,
into the build directory (include/config/auto.conf).

Examples:
   klpcheck lint ~/linux
   klpcheck lint --patch v2.mbox ~/linux
   klpcheck lint --build ~/build/thin ~/linux
   git format-patch -1 --stdout | klpcheck lint --patch - ~/linux
   klpcheck lint --format sarif Makefile > lint.sarif
   klpcheck lint ~/linux ~/linux-next ~/stable/Makefile
   klpcheck lint --explain LTO003
   klpcheck lint --disable LTO005,LTO009 --severity warning ~/linux
   klpcheck lint --enable LTO001 --quiet --color never Makefile
   klpcheck lint --list-rules --format json | jq -r '.[].id'

Suppression: a comment "# klpcheck: ignore=ID[,ID] reason" in a file lint
reads suppresses those rules' findings on its own line or, alone on its
line, on the next statement. Suppressed findings do not count; the summary
and the JSON "suppressed" list show them, SARIF as results with an inSource
suppression, and a suppression that matches nothing is an IGNORE001 note. Nothing in the Makefile is ever run.

Exit status: 0 no errors (warnings allowed unless --werror), 1 findings,
2 the input could not be read (with several PATHs: any of them; the others
are still reported).`

func lintCommand() *cli.Command {
	return &cli.Command{
		Name:        "lint",
		Usage:       "check a kernel Makefile's LTO block (and patches to it) for every configuration and toolchain",
		ArgsUsage:   "[PATH...]",
		Description: lintDescription,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "patch", Usage: "apply `FILE` (unified diff, format-patch mail or mbox) in memory first; repeatable"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output `FORMAT`: text, json or sarif"},
			&cli.BoolFlag{Name: "werror", Usage: "warnings make the exit status 1 too"},
			&cli.StringFlag{Name: "explain", Usage: "print the documentation of rule `ID` with a bad and a good example"},
			&cli.BoolFlag{Name: "list-rules", Usage: "list the rules"},
			&cli.StringFlag{Name: "build", Usage: "configured build directory `DIR` (make O=DIR): evaluate the final sub-make there and its include/config/auto.conf besides the matrix"},
			&cli.StringFlag{Name: "arch", Usage: "ARCH on make's command line (default: the host's, as scripts/subarch.include derives it)"},
			&cli.StringFlag{Name: "llvm", Value: "1", Usage: "LLVM= on make's command line (1, -22, /opt/llvm/bin/)"},
			&cli.StringSliceFlag{Name: "enable", Usage: "run only the rules `ID[,ID]` (repeatable; default: all)"},
			&cli.StringSliceFlag{Name: "disable", Usage: "do not run the rules `ID[,ID]` (repeatable)"},
			&cli.StringFlag{Name: "severity", Value: "note", Usage: "report findings of `LEVEL` and above: error, warning or note"},
			quietFlag(),
			colorFlag(),
		},
		Action: runLint,
	}
}

func runLint(c *cli.Context) error {
	format, err := report.ParseFormat(c.String("format"), report.Text, report.JSON, report.SARIF)
	if err != nil {
		return usageError("lint: %v", err)
	}
	if id := c.String("explain"); id != "" {
		d, ok := lookupRuleDoc(id)
		if !ok {
			return usageError("lint: unknown rule %q; the rules are %s", id, ruleIDs())
		}
		fmt.Fprint(c.App.Writer, d.Explain())
		return nil
	}
	if c.Bool("list-rules") {
		return listRules(c, format)
	}
	opts, err := lintOptions(c)
	if err != nil {
		return err
	}
	textOpts, err := textOptions(c)
	if err != nil {
		return usageError("lint: %v", err)
	}
	if paths := c.Args().Slice(); len(paths) > 1 {
		return lintPaths(c, opts, paths, format, textOpts)
	}
	res, err := lint.RunContext(c.Context, opts)
	if err != nil {
		return couldNotRun(fmt.Errorf("lint: %w", err))
	}
	if err := (reportWriters{
		json:  res.WriteJSON,
		sarif: func(w io.Writer) error { return res.WriteSARIF(w, versionString()) },
		text:  func(w io.Writer) error { return res.WriteTextOptions(w, textOpts) },
	}).write(c.App.Writer, format); err != nil {
		return err
	}
	return withStatus(res.ExitCode(c.Bool("werror")))
}

// lintPaths lints each of several PATHs with opts and prints one report:
// exit status 2 when one could not be evaluated (the others are still
// reported, and stderr names each that failed), else 1 when one has
// findings that count.
func lintPaths(c *cli.Context, opts lint.Options, paths []string, format report.Format, textOpts lint.TextOptions) error {
	var rep lint.PathsReport
	for _, p := range paths {
		if err := c.Context.Err(); err != nil {
			return couldNotRun(fmt.Errorf("lint: %w", err))
		}
		opts.Path = p
		res, err := lint.RunContext(c.Context, opts)
		rep.Add(p, res, err)
	}
	if err := (reportWriters{
		json:  rep.WriteJSON,
		sarif: func(w io.Writer) error { return rep.WriteSARIF(w, versionString()) },
		text:  func(w io.Writer) error { return rep.WriteTextOptions(w, textOpts) },
	}).write(c.App.Writer, format); err != nil {
		return err
	}
	code := rep.ExitCode(c.Bool("werror"))
	if failures := rep.Failures(); len(failures) > 0 {
		return &exitError{code: code, msg: "lint: could not lint " + strings.Join(failures, "\nklpcheck: lint: could not lint ")}
	}
	return withStatus(code)
}

// lintOptions reads lint's flags and arguments; the errors are usage errors.
func lintOptions(c *cli.Context) (lint.Options, error) {
	if n := c.NArg(); n > 1 {
		// A patch and a build directory belong to one tree.
		for _, flag := range []string{"patch", "build"} {
			if c.IsSet(flag) {
				return lint.Options{}, usageError("lint: --%s takes one PATH, got %d (lint each tree on its own)", flag, n)
			}
		}
	}
	opts := lint.Options{Path: c.Args().First(), Patches: c.StringSlice("patch"), Stdin: c.App.Reader,
		Build: c.String("build"), Arch: c.String("arch"), LLVM: c.String("llvm"),
		Enable: c.StringSlice("enable"), Disable: c.StringSlice("disable")}
	if _, err := rules.Select(opts.Enable, opts.Disable); err != nil {
		return opts, usageError("lint: %v", err)
	}
	sev, err := rules.ParseSeverity(c.String("severity"))
	if err != nil {
		return opts, usageError("lint: --severity: %v", err)
	}
	opts.MinSeverity = sev
	stdinUsers := 0
	for _, p := range c.Args().Slice() {
		if p == "-" {
			stdinUsers++
		}
	}
	for _, p := range opts.Patches {
		if p == "-" {
			stdinUsers++
		}
	}
	if stdinUsers > 1 {
		return opts, usageError("lint: standard input (-) can be read once: as one PATH or one --patch")
	}
	return opts, nil
}

// ruleListing is one rule of "klpcheck lint --list-rules --format json".
type ruleListing struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
}

// listRules prints the rules as a table, or as a JSON list.
func listRules(c *cli.Context, format report.Format) error {
	out := c.App.Writer
	if format == report.Text {
		for _, r := range rules.All() {
			fmt.Fprintf(out, "%-9s  %-7s  %s\n", r.ID, r.Severity, r.Summary)
		}
		return nil
	}
	if format != report.JSON {
		return usageError("lint: --list-rules prints text or json, not %s", format)
	}
	list := []ruleListing{}
	for _, r := range rules.All() {
		list = append(list, ruleListing{ID: r.ID, Name: r.Name, Severity: string(r.Severity), Summary: r.Summary})
	}
	if err := report.WriteJSON(out, list); err != nil {
		return couldNotRun(err)
	}
	return nil
}
