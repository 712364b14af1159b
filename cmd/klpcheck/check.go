package main

import "github.com/urfave/cli/v2"

func checkCommand() *cli.Command {
	return &cli.Command{
		Name:  "check",
		Usage: "(not implemented yet)",
		Action: func(*cli.Context) error {
			return usageError("check: not implemented yet")
		},
	}
}
