package main

import "github.com/urfave/cli/v2"

func lintCommand() *cli.Command {
	return &cli.Command{
		Name:  "lint",
		Usage: "(not implemented yet)",
		Action: func(*cli.Context) error {
			return usageError("lint: not implemented yet")
		},
	}
}
