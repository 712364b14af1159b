package main

import "github.com/urfave/cli/v2"

func correlateCommand() *cli.Command {
	return &cli.Command{
		Name:  "correlate",
		Usage: "(not implemented yet)",
		Action: func(*cli.Context) error {
			return usageError("correlate: not implemented yet")
		},
	}
}
