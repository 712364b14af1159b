package rules

import (
	"fmt"
	"sort"
	"strings"

	"klpcheck/lint/eval"
	"klpcheck/lint/kconfig"
	"klpcheck/lint/makefile"
	"klpcheck/lint/model"
)

// Variables the rules look at after evaluation.
const (
	VarLDFLAGS       = "KBUILD_LDFLAGS"
	VarLDFLAGSModule = "KBUILD_LDFLAGS_MODULE"
	VarLDFLAGSMod    = "LDFLAGS_MODULE"
	VarCCFlagsLTO    = "CC_FLAGS_LTO"
	VarCFLAGS        = "KBUILD_CFLAGS"
	VarAFLAGS        = "KBUILD_AFLAGS"
	VarLDFLAGSVmlinx = "LDFLAGS_vmlinux"
)

// Watched lists every variable a Pass needs the final value of.
var Watched = []string{VarLDFLAGS, VarLDFLAGSModule, VarLDFLAGSMod, VarCCFlagsLTO, VarCFLAGS, VarAFLAGS, VarLDFLAGSVmlinx}

// Evaluated is one configuration and what evaluating the Makefile under it
// gave.
type Evaluated struct {
	Config model.Config
	Result *eval.Result
	// Values are the final values of the Watched variables.
	Values map[string]eval.Value
	// Symbols are the CONFIG_ values the configuration defined (without
	// the CONFIG_ prefix); a symbol set to n is absent.
	Symbols map[string]string
}

// Input is what the rules inspect, shared by every rule's Pass: the parsed
// files and the evaluation of every configuration, and the flag facts
// computed from them once.
type Input struct {
	Makefile *makefile.File
	// Kconfig are the Kconfig files read (the tree's, patched, and the
	// added lines of hunks that did not apply).
	Kconfig []*kconfig.File
	// Configs are the evaluated configurations; none when linting a
	// fragment (the added lines of a hunk that did not apply).
	Configs []*Evaluated
	// Fragment is set when linting lines out of context.
	Fragment bool
	// Reach, when set, is what ReachWanted returned for Makefile: the
	// rules then look for misspellings only there instead of scanning
	// every literal again.
	Reach map[makefile.Node]bool

	facts *facts
}

// Pass is one rule's run over an Input, as go/analysis gives each
// analyzer its own pass: the rule it reports for and its diagnostics.
type Pass struct {
	*Input
	// Rule is the rule this pass runs.
	Rule  *Rule
	diags []Diagnostic
}

// Diagnostic is one finding of a rule.
type Diagnostic struct {
	Rule     *Rule
	Severity Severity
	Pos      makefile.Pos
	Message  string
	// Configs are indexes into Pass.Configs.
	Configs []int
}

// Run runs each rule on its own Pass over in and returns their
// diagnostics in rule order. A rule's error stops the run: it names the
// rule, and the caller cannot trust a partial result.
func Run(in *Input, rules []*Rule) ([]Diagnostic, error) {
	var diags []Diagnostic
	for _, r := range rules {
		if r.Run == nil {
			continue
		}
		p := &Pass{Input: in, Rule: r}
		if err := r.Run(p); err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.ID, err)
		}
		diags = append(diags, p.diags...)
	}
	return diags, nil
}

// report adds a finding of the running rule. A finding whose evidence is
// only "maybe" (it holds only if something klpcheck does not model holds)
// is lowered to a note: unknown values never produce an error by
// themselves.
func (p *Pass) report(pos makefile.Pos, configs []int, maybe bool, why, msg string) {
	sev := p.Rule.Severity
	if maybe {
		sev = Note
		if why != "" {
			msg += " (this depends on " + why + ", which klpcheck does not model)"
		}
	}
	p.diags = append(p.diags, Diagnostic{Rule: p.Rule, Severity: sev, Pos: pos, Message: msg, Configs: configs})
}

// ConfigNames lists the names of configurations by index.
func (p *Input) ConfigNames(idx []int) []string {
	out := make([]string, len(idx))
	for i, k := range idx {
		out[i] = p.Configs[k].Config.String()
	}
	return out
}

// group collects one finding's evidence over configurations, keyed by the
// position it is reported at.
type group struct {
	pos      makefile.Pos
	configs  []int
	have     map[int]bool
	allMaybe bool
	why      string
	occ      Occurrence
	extra    map[string]bool
}

type grouper struct {
	m map[makefile.Pos]*group
}

func newGrouper() *grouper { return &grouper{m: map[makefile.Pos]*group{}} }

func (g *grouper) add(pos makefile.Pos, ci int, maybe bool, why string, occ Occurrence) *group {
	e, ok := g.m[pos]
	if !ok {
		e = &group{pos: pos, allMaybe: true, occ: occ, extra: map[string]bool{}, have: map[int]bool{}}
		g.m[pos] = e
	}
	if !e.have[ci] {
		e.have[ci] = true
		e.configs = append(e.configs, ci)
		sort.Ints(e.configs)
	}
	if !maybe {
		e.allMaybe = false
		e.occ = occ
	} else if e.why == "" {
		e.why = why
	}
	return e
}

// sorted returns the groups in position order.
func (g *grouper) sorted() []*group {
	out := make([]*group, 0, len(g.m))
	for _, e := range g.m {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].pos.Before(out[j].pos) })
	return out
}

// toolchainNames lists the distinct toolchains of configs.
func (p *Pass) toolchainNames(idx []int) string {
	var names []string
	seen := map[string]bool{}
	for _, k := range idx {
		n := p.Configs[k].Config.Toolchain.Name
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return joinAnd(names)
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// facts are the flag occurrences of every configuration, computed once.
type facts struct {
	link    [][]Occurrence            // every link: KBUILD_LDFLAGS and the module variables
	vmlinux [][]Occurrence            // KBUILD_LDFLAGS alone (vmlinux.o's ThinLTO link)
	other   map[string][][]Occurrence // the variables that never reach the link
}

// MisplacedVars are variables the flags are sometimes put in that never
// reach the ThinLTO link, with the reason.
var MisplacedVars = []struct{ Name, Why string }{
	{VarCCFlagsLTO, "it holds compiler flags for LTO objects"},
	{VarCFLAGS, "it holds compiler flags"},
	{VarAFLAGS, "it holds assembler flags"},
	{VarLDFLAGSVmlinx, "it reaches only the final vmlinux link, after vmlinux.o's ThinLTO link has run"},
}

func (p *Input) getFacts() *facts {
	if p.facts != nil {
		return p.facts
	}
	f := &facts{other: map[string][][]Occurrence{}}
	memo := holdMemo{}
	for _, c := range p.Configs {
		vm := scanFlags(c.Values[VarLDFLAGS], memo)
		link := append([]Occurrence(nil), vm...)
		link = append(link, scanFlags(c.Values[VarLDFLAGSModule], memo)...)
		link = append(link, scanFlags(c.Values[VarLDFLAGSMod], memo)...)
		f.vmlinux = append(f.vmlinux, vm)
		f.link = append(f.link, link)
		for _, mv := range MisplacedVars {
			f.other[mv.Name] = append(f.other[mv.Name], scanFlags(c.Values[mv.Name], memo))
		}
	}
	p.facts = f
	return f
}

// aborted reports whether make stops before the end in configuration k.
func (p *Pass) aborted(k int) bool { return p.Configs[k].Result.Aborted != nil }
