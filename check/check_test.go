package check

import (
	"strings"
	"testing"

	"klpcheck/correlate"
	"klpcheck/internal/kbuild"
	"klpcheck/lint"
	"klpcheck/lint/rules"
	"klpcheck/probe"
)

// The facts each case is built from: a good input per area, and the ways
// each one goes wrong.

func linker(path, version string, supported *bool, reason string) probe.Result {
	return probe.Result{Path: "/usr/bin/" + path, Version: version, Supported: supported, Reason: reason}
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func accepting() *probe.Report {
	return &probe.Report{Linkers: []probe.Result{linker("ld.lld-23", "23.1.0", yes(), "")}}
}

func refusing() *probe.Report {
	return &probe.Report{Linkers: []probe.Result{linker("ld.lld-22", "22.1.8", no(), "unknown command line argument '-always-rename-promoted-locals=false'")}}
}

func withLinkTest(rep *probe.Report, inProcess, distributed string) *probe.Report {
	for i := range rep.Linkers {
		rep.Linkers[i].LinkTest = &probe.LinkTest{InProcess: probe.LinkMode{Verdict: inProcess}, Distributed: probe.LinkMode{Verdict: distributed}}
	}
	return rep
}

// twoLinkTests is a 23.0 snapshot whose link test is ineffective and a
// 23.1 whose link test works, both accepting the flags.
func twoLinkTests() *probe.Report {
	snap := withLinkTest(&probe.Report{Linkers: []probe.Result{linker("ld.lld-23.0", "23.0.0git", yes(), "")}}, probe.LinkIneffective, probe.LinkIneffective)
	rel := withLinkTest(accepting(), probe.LinkWorks, probe.LinkWorks)
	return &probe.Report{Linkers: append(snap.Linkers, rel.Linkers...)}
}

func config(mode kbuild.LTOMode, lld, clang int) *probe.KernelConfig {
	return &probe.KernelConfig{File: "out/.config", LTOMode: mode.ConfigName(), LLDVersion: lld, ClangVersion: clang, LDIsLLD: true, CCIsClang: true}
}

// evaluation is one configuration of lint's matrix.
func evaluation(mode kbuild.LTOMode, toolchain string, hasOption bool, vis, ren rules.Reach) lint.Evaluation {
	return lint.Evaluation{Config: mode.Label() + " with " + toolchain, LTOSymbol: mode.Symbol(), LTO: mode, Toolchain: toolchain, ToolchainHasOption: hasOption, Visibility: vis, Rename: ren}
}

// matrix is the lint result of a Makefile whose THIN branch adds the
// flags with 23.1: reached is how far they get with LLVM 23.1 in THIN.
func matrix(reached rules.Reach) *lint.Result {
	return &lint.Result{
		Findings: []lint.Finding{},
		Evaluations: []lint.Evaluation{
			evaluation(kbuild.LTONone, "LLVM 23.1", true, rules.ReachNo, rules.ReachNo),
			evaluation(kbuild.LTOFull, "LLVM 23.1", true, rules.ReachNo, rules.ReachNo),
			evaluation(kbuild.LTOThin, "LLVM 22.1", false, rules.ReachNo, rules.ReachNo),
			evaluation(kbuild.LTOThin, "LLVM 23.1", true, reached, reached),
			evaluation(kbuild.LTOThinDist, "LLVM 23.1", true, rules.ReachYes, rules.ReachYes),
		},
	}
}

// withError adds an error finding holding for the configurations k.
func withError(lr *lint.Result, rule string, k ...int) *lint.Result {
	f := lint.Finding{Rule: rule, Severity: "error", File: "Makefile", Line: 7, Message: "planted: details", ConfigIndex: k}
	for _, i := range k {
		f.Configs = append(f.Configs, lr.Evaluations[i].Config)
	}
	lr.Findings = append(lr.Findings, f)
	return lr
}

func stoppedAt(lr *lint.Result, k int) *lint.Result {
	lr.Evaluations[k].Stopped = true
	return lr
}

func clean() *correlate.Result { return &correlate.Result{ProvenanceComplete: true} }

type decideCase struct {
	name string
	in   Inputs
	want Verdict
	// areas is "area=status" for each area the decision must show, and
	// text words that one area's line must hold.
	areas []string
	text  map[AreaID]string
}

func all(cfg *probe.KernelConfig, pr *probe.Report, lr *lint.Result, cr *correlate.Result) Inputs {
	return Inputs{Config: cfg, Probe: pr, Lint: lr, Correlate: cr, LinkerChoice: "the linker named on the command line"}
}

var thin = config(kbuild.LTOThin, 230100, 230100)

func decideCases() []decideCase {
	return []decideCase{
		{name: "every area ok", in: all(thin, accepting(), matrix(rules.ReachYes), clean()), want: Ready,
			areas: []string{"toolchain=ok", "makefile=ok", "build=ok"}, text: map[AreaID]string{AreaMakefile: "both reach KBUILD_LDFLAGS with LLVM 23.1"}},
		{name: "toolchain skipped", in: all(thin, nil, matrix(rules.ReachYes), clean()), want: NotReady, areas: []string{"toolchain=skipped"}},
		{name: "makefile skipped", in: all(thin, accepting(), nil, clean()), want: NotReady, areas: []string{"makefile=skipped"}},
		{name: "build skipped", in: all(thin, accepting(), matrix(rules.ReachYes), nil), want: NotReady, areas: []string{"build=skipped"}},
		{name: "no linker probed", in: all(thin, &probe.Report{}, matrix(rules.ReachYes), clean()), want: NotReady, areas: []string{"toolchain=skipped"}},
		{name: "linker could not run", in: all(thin, &probe.Report{Linkers: []probe.Result{{Path: "ld.lld-23", Error: "ld.lld-23: not found"}}}, matrix(rules.ReachYes), clean()),
			want: NotReady, areas: []string{"toolchain=skipped"}, text: map[AreaID]string{AreaToolchain: "not found"}},
		{name: "linker gave no verdict", in: all(thin, &probe.Report{Linkers: []probe.Result{linker("ld.lld-23", "23.1.0", nil, "")}}, matrix(rules.ReachYes), clean()),
			want: NotReady, areas: []string{"toolchain=skipped"}},
		{name: "linker refuses", in: all(thin, refusing(), matrix(rules.ReachYes), clean()), want: NotReady,
			areas: []string{"toolchain=fail"}, text: map[AreaID]string{AreaToolchain: "ld.lld-22 22.1.8 refuses the flags"}},
		{name: "mixed toolchain: clang 23.1, lld 22", in: all(config(kbuild.LTOThin, 220108, 230100), refusing(), matrix(rules.ReachYes), clean()), want: NotReady,
			areas: []string{"toolchain=fail", "makefile=ok"}},
		{name: "one of every lld accepts", in: Inputs{Config: thin, Probe: &probe.Report{Linkers: append(refusing().Linkers, accepting().Linkers...)}, Lint: matrix(rules.ReachYes), Correlate: clean(), AllLinkers: true, LinkerChoice: "every lld on this machine"},
			want: Ready, areas: []string{"toolchain=ok"}},
		{name: "the named linker refuses, another accepts", in: all(thin, &probe.Report{Linkers: append(refusing().Linkers, accepting().Linkers...)}, matrix(rules.ReachYes), clean()),
			want: NotReady, areas: []string{"toolchain=fail"}},
		{name: "link test works", in: all(thin, withLinkTest(accepting(), probe.LinkWorks, probe.LinkIneffective), matrix(rules.ReachYes), clean()), want: Ready,
			areas: []string{"link-test=ok"}, text: map[AreaID]string{AreaLinkTest: "ld.lld-23 (in-process)"}},
		{name: "link test ineffective", in: all(thin, withLinkTest(accepting(), probe.LinkIneffective, probe.LinkWorks), matrix(rules.ReachYes), clean()), want: NotReady,
			areas: []string{"link-test=fail"}},
		{name: "two named linkers, one link test ineffective", in: all(thin, twoLinkTests(), matrix(rules.ReachYes), clean()), want: NotReady,
			areas: []string{"link-test=fail"}, text: map[AreaID]string{AreaLinkTest: "ld.lld-23.0 (in-process) accept(s)"}},
		{name: "every lld: one whose link test works is enough", in: func() Inputs {
			in := all(thin, twoLinkTests(), matrix(rules.ReachYes), clean())
			in.AllLinkers = true
			return in
		}(), want: Ready, areas: []string{"link-test=ok"}},
		{name: "link test could not run: ld-option alone", in: all(thin, withLinkTest(accepting(), probe.LinkError, probe.LinkError), matrix(rules.ReachYes), clean()), want: Ready,
			areas: []string{"toolchain=ok"}},
		{name: "THIN_DIST: the distributed link test decides", in: all(config(kbuild.LTOThinDist, 230100, 230100), withLinkTest(accepting(), probe.LinkWorks, probe.LinkIneffective), matrix(rules.ReachYes), clean()),
			want: NotReady, areas: []string{"link-test=fail"}},
		{name: "THIN_DIST ready", in: all(config(kbuild.LTOThinDist, 230100, 230100), withLinkTest(accepting(), probe.LinkIneffective, probe.LinkWorks), matrix(rules.ReachNo), clean()),
			want: Ready, areas: []string{"makefile=ok", "link-test=ok"}, text: map[AreaID]string{AreaMakefile: "correctly for THIN_DIST"}},
		{name: "THIN_DIST: an error for THIN only is elsewhere", in: all(config(kbuild.LTOThinDist, 230100, 230100), accepting(), withError(matrix(rules.ReachYes), "LTO004", 3), clean()),
			want: Ready, areas: []string{"makefile=ok"}, text: map[AreaID]string{AreaMakefile: "1 error in other configurations"}},
		{name: "THIN_DIST: an error for THIN_DIST", in: all(config(kbuild.LTOThinDist, 230100, 230100), accepting(), withError(matrix(rules.ReachYes), "LTO003", 4), clean()),
			want: NotReady, areas: []string{"makefile=fail"}, text: map[AreaID]string{AreaMakefile: "for THIN_DIST; first: Makefile:7: planted [LTO003]"}},
		{name: "an error for FULL does not fail THIN", in: all(thin, accepting(), withError(matrix(rules.ReachYes), "LTO004", 1), clean()), want: Ready, areas: []string{"makefile=ok"}},
		{name: "an error with no configuration", in: all(thin, accepting(), withError(matrix(rules.ReachYes), "LTO007"), clean()), want: NotReady, areas: []string{"makefile=fail"}},
		{name: "no .config: every error counts", in: all(nil, accepting(), withError(matrix(rules.ReachYes), "LTO004", 1), clean()), want: NotReady, areas: []string{"makefile=fail"}},
		{name: "flags never added", in: all(thin, accepting(), matrix(rules.ReachNo), clean()), want: NotReady,
			areas: []string{"makefile=fail"}, text: map[AreaID]string{AreaMakefile: "never adds"}},
		{name: "flags undecided", in: all(thin, accepting(), matrix(rules.ReachMaybe), clean()), want: NotReady,
			areas: []string{"makefile=fail"}, text: map[AreaID]string{AreaMakefile: "could not decide"}},
		{name: "evaluation stopped at $(error)", in: all(thin, accepting(), stoppedAt(matrix(rules.ReachYes), 3), clean()), want: NotReady,
			areas: []string{"makefile=fail"}, text: map[AreaID]string{AreaMakefile: "$(error ...)"}},
		{name: "only the toolchain without the option reaches", in: all(thin, accepting(), func() *lint.Result {
			lr := matrix(rules.ReachNo)
			lr.Evaluations[2].Visibility, lr.Evaluations[2].Rename = rules.ReachYes, rules.ReachYes
			return lr
		}(), clean()), want: NotReady, areas: []string{"makefile=fail"}},
		{name: "no THIN configuration evaluated", in: all(thin, accepting(), &lint.Result{Evaluations: matrix(rules.ReachYes).Evaluations[:2]}, clean()), want: NotReady,
			areas: []string{"makefile=fail"}, text: map[AreaID]string{AreaMakefile: "no in-process ThinLTO configuration"}},
		{name: "the build's own configuration does not stand in for the matrix", in: all(thin, accepting(), func() *lint.Result {
			lr := matrix(rules.ReachNo)
			b := evaluation(kbuild.LTOThin, "LLD 23.1.0 as configured in out", true, rules.ReachYes, rules.ReachYes)
			b.Build = true
			lr.Evaluations = append(lr.Evaluations, b)
			return lr
		}(), clean()), want: NotReady, areas: []string{"makefile=fail"}},
		{name: "FULL: not applicable", in: all(config(kbuild.LTOFull, 230100, 230100), refusing(), matrix(rules.ReachNo), clean()), want: NotApplicable},
		{name: "no LTO: not applicable", in: all(config(kbuild.LTONone, 0, 0), nil, nil, nil), want: NotApplicable},
		{name: "hard conflict", in: all(thin, accepting(), matrix(rules.ReachYes), &correlate.Result{ProvenanceComplete: true, Conflicts: []correlate.Conflict{{Name: "foo", Class: correlate.ClassHard, Asm: correlate.Definition{File: "a.S"}}}}),
			want: NotReady, areas: []string{"build=fail"}, text: map[AreaID]string{AreaBuild: "1 hard asm/C conflict (foo: a.S vs an unknown C file)"}},
		{name: "latent conflict only", in: all(thin, accepting(), matrix(rules.ReachYes), &correlate.Result{ProvenanceComplete: true, Conflicts: []correlate.Conflict{{Name: "foo", Class: correlate.ClassLatent}}}),
			want: Ready, areas: []string{"build=ok"}},
		{name: "provenance incomplete with a possible conflict", in: all(thin, accepting(), matrix(rules.ReachYes), &correlate.Result{ProvenanceProblems: []string{"a.o: no .debug_info"}, Conflicts: []correlate.Conflict{{Name: "foo", Class: correlate.ClassPossible}}}),
			want: NotReady, areas: []string{"build=fail"}, text: map[AreaID]string{AreaBuild: "provenance incomplete (a.o: no .debug_info)"}},
		{name: "provenance incomplete, nothing it could hide", in: all(thin, accepting(), matrix(rules.ReachYes), &correlate.Result{ProvenanceProblems: []string{"a.o: no .debug_info"}}),
			want: Ready, areas: []string{"build=ok"}},
		{name: "budget exceeded", in: all(thin, accepting(), matrix(rules.ReachYes), &correlate.Result{ProvenanceComplete: true, Budget: &correlate.Budget{Max: 0, Count: 3, Exceeded: true}}),
			want: NotReady, areas: []string{"build=fail"}, text: map[AreaID]string{AreaBuild: "exceed the budget of 0"}},
		{name: "budget kept", in: all(thin, accepting(), matrix(rules.ReachYes), &correlate.Result{ProvenanceComplete: true, Budget: &correlate.Budget{Max: 5, Count: 3}}),
			want: Ready, areas: []string{"build=ok"}},
		{name: "ambiguous twins", in: func() Inputs {
			in := all(thin, accepting(), matrix(rules.ReachYes), &correlate.Result{ProvenanceComplete: true, Twins: &correlate.Twins{Ambiguous: []correlate.Ambiguity{{Symbol: "m_next.llvm.1"}}}})
			in.Orig = "old/vmlinux.o"
			return in
		}(), want: NotReady, areas: []string{"build=fail"}, text: map[AreaID]string{AreaBuild: "1 ambiguous twin against old/vmlinux.o"}},
	}
}

func TestDecide(t *testing.T) {
	for _, tc := range decideCases() {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.in)
			if d.Verdict != tc.want {
				t.Errorf("verdict %q, want %q; summary %+v", d.Verdict, tc.want, d.Summary)
			}
			wantStatus := map[Verdict]int{Ready: 0, NotApplicable: 0, NotReady: 1}[tc.want]
			if d.Status != wantStatus {
				t.Errorf("status %d, want %d", d.Status, wantStatus)
			}
			got := map[string]Area{}
			for _, a := range d.Summary {
				got[a.Area] = a
			}
			for _, want := range tc.areas {
				area, status, _ := strings.Cut(want, "=")
				if got[area].Status != status {
					t.Errorf("area %s: %+v, want %s", area, got[area], status)
				}
			}
			for area, text := range tc.text {
				if !strings.Contains(got[string(area)].Text, text) {
					t.Errorf("area %s: %q, want it to hold %q", area, got[string(area)].Text, text)
				}
			}
			if d.Verdict == Ready {
				for _, a := range d.Summary {
					if a.Status != string(StatusOK) {
						t.Errorf("ready with area %+v", a)
					}
				}
				if len(d.Summary) < 3 {
					t.Errorf("ready with only %d areas", len(d.Summary))
				}
			}
			if d.Summary == nil || d.Next == nil || d.Skipped == nil {
				t.Errorf("nil list in %+v", d)
			}
		})
	}
}

func TestDecideSkippedAndNext(t *testing.T) {
	in := all(thin, withLinkTest(accepting(), probe.LinkError, probe.LinkError), nil, nil)
	in.Skipped = []Skip{{Area: AreaMakefile, Why: "no kernel source tree (pass --tree SRC)"}, {Area: AreaToolchain, Why: "x"}, {Why: "out has no .config"}}
	in.Demo = true
	d := Decide(in)
	var skipped []string
	for _, s := range d.Skipped {
		skipped = append(skipped, s.String())
	}
	wantSkipped := "Makefile: no kernel source tree (pass --tree SRC)|toolchain: x|out has no .config|link test: ld.lld-23 in-process could not tell (error): "
	if got := strings.Join(skipped, "|"); got != wantSkipped {
		t.Errorf("skipped\n%s\nwant\n%s", got, wantSkipped)
	}
	next := strings.Join(d.Next, "|")
	if !strings.Contains(next, "Skipped Makefile: no kernel source tree (pass --tree SRC).") || strings.Contains(next, "Skipped toolchain") || !strings.Contains(next, "embedded demo") {
		t.Errorf("next: %s", next)
	}
	na := Decide(all(config(kbuild.LTOFull, 0, 0), nil, nil, nil))
	if len(na.Next) != 1 || na.Next[0] != "out/.config selects FULL: suffix reduction is a ThinLTO feature (CONFIG_LTO_CLANG_THIN)." {
		t.Errorf("not applicable next: %q", na.Next)
	}
}

// TestRefusedLinkerHasNoLinkTestArea: the toolchain area already says a
// linker refuses; its link test (rejected) adds neither an area nor a skip.
func TestRefusedLinkerHasNoLinkTestArea(t *testing.T) {
	d := Decide(all(thin, withLinkTest(refusing(), probe.LinkRejected, probe.LinkRejected), matrix(rules.ReachYes), clean()))
	for _, a := range d.Summary {
		if a.Area == string(AreaLinkTest) {
			t.Errorf("link-test area for a refusing linker: %+v", a)
		}
	}
	if len(d.Skipped) != 0 {
		t.Errorf("skipped %v, want none", d.Skipped)
	}
}
