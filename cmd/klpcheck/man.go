package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

const manDescription = `Prints klpcheck's manual page in man(7) format, made from the same command
and flag definitions as --help.

Examples:
   klpcheck man | man -l -
   klpcheck man > /usr/local/share/man/man1/klpcheck.1

Exit status: 0 printed, 2 it could not be made.`

func manCommand() *cli.Command {
	return &cli.Command{
		Name:        "man",
		Usage:       "print the manual page (man -l - reads it)",
		Description: manDescription,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError("man takes no arguments (got %q)", c.Args().First())
			}
			page, err := manApp(c.App).ToManWithSection(1)
			if err != nil {
				return couldNotRun(fmt.Errorf("man: %v", err))
			}
			fmt.Fprint(c.App.Writer, page)
			return nil
		},
	}
}

// manApp is app with each command's description (its examples, its exit
// status) in the usage text, which is what the library's man page shows of
// a command besides its flags.
func manApp(app *cli.App) *cli.App {
	out := *app
	out.Commands = nil
	for _, cmd := range app.Commands {
		cp := *cmd
		if cp.UsageText == "" {
			cp.UsageText = strings.TrimSpace(fmt.Sprintf("%s %s [options] %s", app.Name, cp.Name, cp.ArgsUsage))
		}
		if cp.Description != "" {
			cp.UsageText += "\n\n" + cp.Description
		}
		out.Commands = append(out.Commands, &cp)
	}
	return &out
}
