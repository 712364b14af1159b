package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"

	"klpcheck/correlate"
	"klpcheck/internal/report"
)

const correlateDescription = `Reads the symbol table of a built kernel (vmlinux, vmlinux.o, *.ko, *.o; any
ELF, 32- or 64-bit, either byte order) and reports:

  - the census: every .llvm.<hash> symbol ThinLTO promoted, functions and
    data, grouped by hash (one hash per source file), and the other compiler
    suffixes (.isra.N, .constprop.N, .part.N, .cold, .lto_priv.N, .localalias)
    counted apart;
  - conflicts: assembly globals that share a name with a C static. "hard": the
    static is already promoted (foo.llvm.<hash>), so with lld's suffix
    reduction the link fails with a duplicate symbol; "latent": the static is
    not promoted yet; "possible": nothing tells whether the global is assembly
    (give --build, or a file with debug info);
  - with --against ORIG: each symbol of ORIG paired with its twin in FILE, the
    way objtool's klp-diff pairs them, and what was renamed, what is ambiguous
    (never guessed) and what has no twin;
  - with --predict: what LLVM 23's suffix reduction would make of this build
    (made with LLVM <= 22): the names that keep .llvm.<hash> and why, the
    promoted statics that collide with a global (assembly: the link fails),
    and with --against how many of today's renames would disappear. Where
    link order picks the copy that keeps the plain name, it says so.

Several FILEs, or a DIR (every ELF *.o, *.ko and vmlinux below it; bitcode,
FIFOs, devices and compressed *.ko.xz/.zst/.gz skipped and listed), give one
report: a row per file and the totals, one JSON document with files[] (each
the one-file document) and totals. Files are read on every core and reported in path order; a file that
cannot be read is named and the others still reported (exit 2). The text
shows the 20 largest entries of each list; --all shows everything.

Examples:
   klpcheck correlate vmlinux.o
   klpcheck correlate --build ~/linux/build --max-suffixed 2 vmlinux.o
   klpcheck correlate --against orig/vmlinux.o --format json patched/vmlinux.o
   klpcheck correlate --predict --build ~/linux/build --against orig/vmlinux.o vmlinux.o
   klpcheck correlate --max-suffixed 0 --max-suffixed-total 50 /lib/modules/6.12.0/kernel

Exit status: 0 clean; 1 budget exceeded (of a file, or of all files with
--max-suffixed-total), a hard conflict, or an ambiguous twin; 2 an input
could not be read or bad usage; 130/143 stopped by SIGINT/SIGTERM.`

func correlateCommand() *cli.Command {
	return &cli.Command{
		Name:        "correlate",
		Usage:       "census of .llvm.<hash> symbols, asm/C conflicts and twins across builds",
		ArgsUsage:   "FILE|DIR...",
		Description: correlateDescription,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output format: text, json or sarif"},
			&cli.StringFlag{Name: "build", Usage: "kernel build tree or objects `DIR`, to tell assembly from C"},
			&cli.StringFlag{Name: "against", Usage: "original build `ORIG` to pair symbols with, as klp-diff does"},
			&cli.IntFlag{Name: "max-suffixed", Value: correlate.NoBudget, Usage: "exit 1 when .llvm.<hash> functions+data of a file exceed `N` (negative: no budget)"},
			&cli.IntFlag{Name: "max-suffixed-total", Value: correlate.NoBudget, Usage: "exit 1 when .llvm.<hash> functions+data of all files together exceed `N` (negative: no budget)"},
			&cli.BoolFlag{Name: "all", Usage: "list every entry of the text report (default: counts and the 20 largest of each list)"},
			&cli.BoolFlag{Name: "predict", Usage: "predict what LLVM 23's suffix reduction makes of this LLVM <= 22 build: names that keep .llvm.<hash>, collisions, renames avoided (with --against)"},
			&cli.StringFlag{Name: "llvm-nm", Usage: "llvm-nm at `PATH` for bitcode the native reader cannot read (default: llvm-nm-<major> of its producer)"},
		},
		Action: runCorrelate,
	}
}

func runCorrelate(c *cli.Context) error {
	format, err := report.ParseFormat(c.String("format"), report.Text, report.JSON, report.SARIF)
	if err != nil {
		return usageError("correlate: %v", err)
	}
	args := c.Args().Slice()
	if len(args) == 0 {
		return usageError("correlate: missing FILE (a vmlinux, vmlinux.o, *.ko or *.o, or a directory of them; see klpcheck correlate --help)")
	}
	// One FILE keeps the one-file document; several, or a directory, give
	// the document of many.
	many := len(args) > 1
	if !many {
		if st, err := os.Stat(args[0]); err == nil && st.IsDir() {
			many = true
		}
	}
	if many && c.String("against") != "" {
		if len(args) == 1 {
			return usageError("correlate: --against pairs one FILE with one ORIG: give a single FILE, not the directory %s", args[0])
		}
		return usageError("correlate: --against pairs one FILE with one ORIG: give a single FILE, not %d files", len(args))
	}
	if os.Getenv("GOGC") == "" {
		// The command builds its working set once (a million symbol records
		// for a vmlinux.o) and exits: with the default heap target the
		// collector runs while that set grows and costs a third of the run
		// (measured: 0.24 s against 0.17 s for 1,000,000 symbols, 81 MB
		// against 88 MB peak RSS). GOGC in the environment still wins.
		debug.SetGCPercent(200)
	}
	opts := correlate.Options{
		BuildDir:    c.String("build"),
		Against:     c.String("against"),
		MaxSuffixed: c.Int("max-suffixed"),
		LLVMNM:      c.String("llvm-nm"),
		Predict:     c.Bool("predict"),
	}
	text := correlate.TextOptions{All: c.Bool("all"), More: "--all lists everything"}
	prog := newProgress(c.App.ErrWriter)
	if many {
		return runCorrelateMany(c, args, opts, format, text, prog)
	}
	if c.IsSet("max-suffixed-total") {
		// One file: its total is its own count.
		if opts.MaxSuffixed < 0 || c.Int("max-suffixed-total") < opts.MaxSuffixed {
			opts.MaxSuffixed = c.Int("max-suffixed-total")
		}
	}
	opts.Progress = prog.bytes
	res, err := correlate.AnalyzeContext(c.Context, args[0], opts)
	prog.done()
	if err != nil {
		return couldNotRun(stopped(c, err))
	}
	if err := (reportWriters{
		json:  func(w io.Writer) error { return correlate.WriteJSON(w, res) },
		sarif: func(w io.Writer) error { return correlate.WriteSARIF(w, res, versionString()) },
		text:  func(w io.Writer) error { return correlate.WriteTextOptions(w, res, text) },
	}).write(c.App.Writer, format); err != nil {
		return err
	}
	return withStatus(res.Status)
}

// runCorrelateMany is correlate of several files or directories: one
// report, every readable file in it, and exit status 2 naming each file
// that could not be read.
func runCorrelateMany(c *cli.Context, args []string, opts correlate.Options, format report.Format, text correlate.TextOptions, prog *progress) error {
	m, err := correlate.AnalyzeMany(c.Context, args, correlate.ManyOptions{
		Options:          opts,
		MaxSuffixedTotal: c.Int("max-suffixed-total"),
		FilesDone:        prog.files,
	})
	prog.done()
	if err != nil {
		return couldNotRun(stopped(c, err))
	}
	if err := (reportWriters{
		json:  func(w io.Writer) error { return correlate.WriteManyJSON(w, m) },
		sarif: func(w io.Writer) error { return correlate.WriteManySARIF(w, m, versionString()) },
		text:  func(w io.Writer) error { return correlate.WriteManyText(w, m, text) },
	}).write(c.App.Writer, format); err != nil {
		return err
	}
	if len(m.Unreadable) > 0 {
		var parts []string
		for _, u := range m.Unreadable {
			parts = append(parts, u.Path+": "+u.Error)
		}
		return &exitError{code: report.ExitError, msg: fmt.Sprintf("correlate: %d of %d file(s) could not be read: %s",
			len(m.Unreadable), len(m.Unreadable)+len(m.Files), strings.Join(parts, "; "))}
	}
	return withStatus(m.Status)
}

// stopped says that a signal stopped the reading (no half report is
// printed); any other error is named as correlate's, as lint and probe
// name theirs.
func stopped(c *cli.Context, err error) error {
	if c.Context.Err() != nil && errors.Is(err, c.Context.Err()) {
		return errors.New("correlate: stopped before every file was read")
	}
	return fmt.Errorf("correlate: %w", err)
}
