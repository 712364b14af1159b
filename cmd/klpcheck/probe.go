package main

import "github.com/urfave/cli/v2"

func probeCommand() *cli.Command {
	return &cli.Command{
		Name:  "probe",
		Usage: "(not implemented yet)",
		Action: func(*cli.Context) error {
			return usageError("probe: not implemented yet")
		},
	}
}
