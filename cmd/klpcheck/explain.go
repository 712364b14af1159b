package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"klpcheck/correlate"
	"klpcheck/internal/report"
	"klpcheck/lint"
)

// ruleDocs are the documentation of every rule of every command, lint's
// first, in ID order within each: what explain prints and what the pages
// docs/rules/<ID>.md are generated from.
func ruleDocs() []report.RuleDoc {
	return append(lint.RuleDocs(), correlate.RuleDocs()...)
}

// lookupRuleDoc finds a rule of any command by ID, case-insensitively.
func lookupRuleDoc(id string) (report.RuleDoc, bool) {
	for _, d := range ruleDocs() {
		if strings.EqualFold(d.ID, id) {
			return d, true
		}
	}
	return report.RuleDoc{}, false
}

func ruleIDs() string {
	var ids []string
	for _, d := range ruleDocs() {
		ids = append(ids, d.ID)
	}
	return strings.Join(ids, ", ")
}

func explainCommand() *cli.Command {
	return &cli.Command{
		Name:      "explain",
		Usage:     "print the documentation of a rule (LTO001..., COR001...) with a bad and a good example",
		ArgsUsage: "ID",
		Description: `The same text as lint --explain ID and as the rule's page docs/rules/ID.md
(the SARIF rule's helpUri and help).

Examples:
   klpcheck explain LTO003
   klpcheck explain COR001`,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError("explain: one rule ID expected; the rules are %s", ruleIDs())
			}
			d, ok := lookupRuleDoc(c.Args().First())
			if !ok {
				return usageError("explain: unknown rule %q; the rules are %s", c.Args().First(), ruleIDs())
			}
			fmt.Fprint(c.App.Writer, d.Explain())
			return nil
		},
	}
}
