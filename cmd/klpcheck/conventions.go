package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"klpcheck/internal/style"
	"klpcheck/lint"
)

// quietFlag is --quiet of lint and check: the verdict and the findings only.
func quietFlag() cli.Flag {
	return &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print the verdict and the findings only"}
}

// colorFlag is --color of lint and check.
func colorFlag() cli.Flag {
	return &cli.StringFlag{Name: "color", Value: style.Auto,
		Usage: "color severities and the verdict: `WHEN` auto (a terminal, unless NO_COLOR is set or TERM=dumb), always or never"}
}

// outputStyle decides whether the text report on stdout is colored.
func outputStyle(c *cli.Context) (style.Style, error) {
	return style.Detect(c.String("color"), c.App.Writer, os.Getenv)
}

// textOptions are --color and --quiet for lint's text report.
func textOptions(c *cli.Context) (lint.TextOptions, error) {
	st, err := outputStyle(c)
	return lint.TextOptions{Style: st, Quiet: c.Bool("quiet")}, err
}
