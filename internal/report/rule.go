package report

import (
	"fmt"
	"strings"
)

// RulesDocURL is where the rule pages (docs/rules/<ID>.md, generated from
// the rules' own documentation) are published; a SARIF rule's helpUri is
// this joined with "<ID>.md".
const RulesDocURL = "https://github.com/klpcheck/klpcheck/blob/main/docs/rules/"

// RulesDocDir is the directory of the rule pages in the repository.
const RulesDocDir = "docs/rules"

// RuleDoc is the documentation of one rule, whichever command reports it:
// what `klpcheck explain ID` prints, the page docs/rules/ID.md, and the
// SARIF rule metadata are all made from it.
type RuleDoc struct {
	ID       string
	Name     string // short kebab-case name
	Severity string // error, warning or note
	Summary  string // one line
	Doc      string // what goes wrong and why
	// Bad and Good are examples; Lang is their language for Markdown
	// ("make", "asm", "c", "text").
	Bad, Good string
	Lang      string
	// Command is the command that reports the rule ("lint", "correlate").
	Command string
}

// Explain is the text `klpcheck explain ID` (and `lint --explain ID`) prints.
func (r RuleDoc) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, %s): %s\n\n", r.ID, r.Name, r.Severity, r.Summary)
	b.WriteString(strings.TrimSpace(r.Doc))
	b.WriteString("\n\nBad:\n\n")
	b.WriteString(indent(r.Bad))
	b.WriteString("\nGood:\n\n")
	b.WriteString(indent(r.Good))
	return b.String()
}

// Markdown is the rule's page, docs/rules/ID.md: the text Explain prints,
// with the examples fenced.
func (r RuleDoc) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %s\n\n", r.ID, r.Name)
	fmt.Fprintf(&b, "Severity: **%s**. Reported by `klpcheck %s`.\n\n", r.Severity, r.Command)
	fmt.Fprintf(&b, "%s\n\n", r.Summary)
	b.WriteString(strings.TrimSpace(r.Doc))
	b.WriteString("\n\n## Bad\n\n")
	b.WriteString(fence(r.Lang, r.Bad))
	b.WriteString("\n## Good\n\n")
	b.WriteString(fence(r.Lang, r.Good))
	fmt.Fprintf(&b, "\n---\n\nGenerated from the rule's documentation in klpcheck; `klpcheck explain %s` prints the same text.\n", r.ID)
	return b.String()
}

// HelpURI is the rule page's address.
func (r RuleDoc) HelpURI() string { return RulesDocURL + r.ID + ".md" }

// SARIFRule is the rule's SARIF metadata: descriptions, the page as
// helpUri, the Explain text and the page as help, and the default level.
func (r RuleDoc) SARIFRule() SARIFRule {
	return SARIFRule{
		ID:                   r.ID,
		Name:                 r.Name,
		ShortDescription:     SARIFMessage{Text: r.Summary},
		FullDescription:      &SARIFMessage{Text: strings.TrimSpace(r.Doc)},
		HelpURI:              r.HelpURI(),
		Help:                 &SARIFMessage{Text: r.Explain(), Markdown: r.Markdown()},
		DefaultConfiguration: &SARIFConfiguration{Level: SARIFLevel(r.Severity)},
	}
}

func fence(lang, s string) string {
	return "```" + lang + "\n" + strings.Trim(s, "\n") + "\n```\n"
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.Trim(s, "\n"), "\n") {
		if l == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}
