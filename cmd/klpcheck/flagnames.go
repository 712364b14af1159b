package main

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"klpcheck/check"
	"klpcheck/internal/report"
	"klpcheck/internal/style"
	"klpcheck/lint/rules"
	"klpcheck/probe"
)

// The libraries' errors and hints name what to supply ("another linker",
// "the rules to enable"), never a flag: they are also called by check and
// by other programs. The command line puts its flag names back here, so
// what a user reads says which flag to pass.

// withFlagNames renders err with the command line's flag names when it is
// one of the libraries' typed errors; other errors are returned as they are.
func withFlagNames(err error) error {
	var (
		he *probe.HintError
		ur *rules.UnknownRuleError
		fe *report.FormatError
		me *style.ModeError
	)
	switch {
	case errors.As(err, &he):
		return errors.New(he.Hint.Render(probeRemedy))
	case errors.As(err, &ur):
		return fmt.Errorf("unknown rule %q in --%s; the rules are %s", ur.ID, ur.List, strings.Join(rules.IDs(), ", "))
	case errors.As(err, &fe):
		return fmt.Errorf("unknown --format %q: %s", fe.Value, fe.Choices())
	case errors.As(err, &me):
		return fmt.Errorf("unknown --color %q: use auto, always or never", me.Mode)
	}
	return err
}

// flagNamed is args with each error among them rendered by withFlagNames.
func flagNamed(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if err, ok := a.(error); ok {
			a = withFlagNames(err)
		}
		out[i] = a
	}
	return out
}

// probeRemedy names the flag that supplies what a probe hint asks for.
func probeRemedy(s probe.Supply) string {
	switch s {
	case probe.SupplyLinker:
		return "pass --ld PATH"
	case probe.SupplyCompiler:
		return "pass --cc PATH"
	case probe.SupplyTimeout:
		return "raise --timeout"
	}
	return s.String()
}

// checkAsk names the flags that give check what a next step asks for.
func checkAsk(a check.Ask) string {
	switch a {
	case check.AskLinker:
		return "pass --ld PATH"
	case check.AskBuild:
		return "--build DIR"
	case check.AskKernel:
		return "klpcheck check --tree ~/linux --build ~/linux/out"
	}
	return a.String()
}

// Go's flag package, under urfave/cli, words its errors with one dash and
// says "parse error" for a number that is not one; the commands document
// their flags with two dashes and say what a value must be.
var (
	undefinedFlag = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	needsValue    = regexp.MustCompile(`^flag needs an argument: -+(.+)$`)
	badValue      = regexp.MustCompile(`^invalid value "(.*)" for flag -+([^:]+): (.*)$`)
)

// flagErrorText is a usage error of the flag parser in the commands' terms.
func flagErrorText(err error, flags []cli.Flag) string {
	msg := err.Error()
	if m := undefinedFlag.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("unknown flag --%s", m[1])
	}
	if m := needsValue.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("--%s needs a value", m[1])
	}
	if m := badValue.FindStringSubmatch(msg); m != nil {
		why := m[3]
		for _, f := range flags {
			if !slices.Contains(f.Names(), m[2]) {
				continue
			}
			switch f.(type) {
			case *cli.IntFlag:
				why = "want a whole number"
			case *cli.DurationFlag:
				why = "want a duration such as 500ms or 10s"
			}
		}
		return fmt.Sprintf("invalid value %q for --%s: %s", m[1], m[2], why)
	}
	return msg
}
