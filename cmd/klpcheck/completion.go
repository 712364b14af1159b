package main

import "github.com/urfave/cli/v2"

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:   "completion",
		Usage:  "(not implemented yet)",
		Hidden: true,
		Action: func(*cli.Context) error {
			return usageError("completion: not implemented yet")
		},
	}
}
