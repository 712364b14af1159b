package main

import (
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"klpcheck/internal/report"
	"klpcheck/internal/style"
	"klpcheck/lint/rules"
	"klpcheck/probe"
)

// cliFlag matches a command-line flag in prose: "--ld", "(--cc", "--enable".
var cliFlag = regexp.MustCompile(`(^|[\s(])--[a-z]`)

// TestLibraryErrorsNameNoFlag takes the typed errors the libraries return
// for bad input that came from a flag: none names the flag, and the CLI's
// rendering of each does.
func TestLibraryErrorsNameNoFlag(t *testing.T) {
	_, selectErr := rules.Select([]string{"NOPE001"}, nil)
	_, disableErr := rules.Select(nil, []string{"NOPE001"})
	_, formatErr := report.ParseFormat("yaml", report.Text, report.JSON)
	_, colorErr := style.Detect("sometimes", io.Discard, func(string) string { return "" })
	targets, _ := probe.Resolve(probe.Selection{Explicit: []string{"ld.lld-99"}}, func(string) (string, error) { return "", errors.New("no") })
	tests := []struct {
		name string
		err  error
		want string // in the CLI's rendering
	}{
		{"rules.Select enable", selectErr, `unknown rule "NOPE001" in --enable`},
		{"rules.Select disable", disableErr, `unknown rule "NOPE001" in --disable`},
		{"report.ParseFormat", formatErr, `unknown --format "yaml": use one of text, json`},
		{"style.Detect", colorErr, `unknown --color "sometimes"`},
		{"probe.Resolve", targets[0].Err, "or pass --ld PATH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("no error")
			}
			if cliFlag.MatchString(tc.err.Error()) {
				t.Errorf("the library's error names a CLI flag: %q", tc.err)
			}
			if got := withFlagNames(tc.err).Error(); !strings.Contains(got, tc.want) {
				t.Errorf("rendered %q, want it to contain %q", got, tc.want)
			}
		})
	}
}

// TestRenderedMessagesNameFlags runs the CLI: what a user reads names the
// flag to pass, in text and in JSON, though the libraries do not.
func TestRenderedMessagesNameFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string // on stdout or stderr
	}{
		{[]string{"lint", "--enable", "NOPE001", "/dev/null"}, `unknown rule "NOPE001" in --enable`},
		{[]string{"lint", "--color", "sometimes", "/dev/null"}, `unknown --color "sometimes"`},
		{[]string{"probe", "--format", "yaml"}, `unknown --format "yaml"`},
		{[]string{"probe", "--ld", "ld.lld-99"}, "apt-get install lld-99) or pass --ld PATH"},
		{[]string{"probe", "--format", "json", "--ld", "ld.lld-99"}, "apt-get install lld-99) or pass --ld PATH"},
		{[]string{"probe", "--ld", "/nonexistent/ld.lld"}, "check the path, or pass --ld PATH"},
		// /bin/true "accepts" the flags, so the link test runs and needs
		// the named clang.
		{[]string{"probe", "--ld", "/bin/true", "--link-test", "--cc", "/nonexistent/clang"}, "install it or pass --cc PATH"},
		// check's next steps: the demo asks for a real kernel, a linker
		// that cannot be run for another one.
		{[]string{"check", "--demo", "--ld", "/bin/true"}, "Point check at a real kernel: klpcheck check --tree ~/linux --build ~/linux/out"},
		{[]string{"check", "--demo", "--ld", "/nonexistent/ld.lld"}, "Make the build's linker available (or pass --ld PATH) and check again."},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errb := klp(t, tc.args...)
			if !strings.Contains(out+errb, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q: want %q", code, out, errb, tc.want)
			}
		})
	}
}

// TestFlagErrorText: the flag parser's errors name the flag with the two
// dashes the help shows, and say what a value must be.
func TestFlagErrorText(t *testing.T) {
	flags := []cli.Flag{&cli.IntFlag{Name: "max-suffixed"}, &cli.DurationFlag{Name: "timeout"}, &cli.StringFlag{Name: "format"}}
	for _, tt := range []struct{ in, want string }{
		{"flag provided but not defined: -nope", "unknown flag --nope"},
		{"flag provided but not defined: --nope", "unknown flag --nope"},
		{"flag needs an argument: -format", "--format needs a value"},
		{`invalid value "abc" for flag -max-suffixed: parse error`, `invalid value "abc" for --max-suffixed: want a whole number`},
		{`invalid value "x" for flag -timeout: parse error`, `invalid value "x" for --timeout: want a duration such as 500ms or 10s`},
		{`invalid value "x" for flag -other: parse error`, `invalid value "x" for --other: parse error`},
		{"something else", "something else"},
	} {
		if got := flagErrorText(errors.New(tt.in), flags); got != tt.want {
			t.Errorf("flagErrorText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
