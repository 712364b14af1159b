package lint

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"klpcheck/lint/rules"
)

// gateBlock gives LTO005 at the ifeq (its line 2) and LTO001 at the flags
// (its line 3) when it starts the Makefile.
const gateBlock = `ifdef CONFIG_LTO_CLANG_THIN
ifeq ($(call clang-min-version,230000),y)
KBUILD_LDFLAGS += --lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false
endif
endif
`

// lintText lints text as a lone Makefile.
func lintText(t *testing.T, text string, opts Options) *Result {
	t.Helper()
	path := filepath.Join(t.TempDir(), "Makefile")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	opts.Path = path
	res, err := Run(opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func ruleLines(fs []Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Rule+":"+itoa(f.Line))
	}
	return out
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestSuppression(t *testing.T) {
	lines := strings.SplitAfter(gateBlock, "\n")
	with := func(at int, extra string) string { // extra inserted before line at (1-based)
		return strings.Join(lines[:at-1], "") + extra + strings.Join(lines[at-1:], "")
	}
	trailing := func(at int, comment string) string {
		l := slices.Clone(lines)
		l[at-1] = strings.TrimSuffix(l[at-1], "\n") + " " + comment + "\n"
		return strings.Join(l, "")
	}
	tests := []struct {
		name           string
		text           string
		opts           Options
		kept, quiet    []string // rule:line
		ignoreMessages []string // substrings of the IGNORE001 notes, in order
		exit           int
	}{
		{name: "none", text: gateBlock, kept: []string{"LTO005:2", "LTO001:3"}, exit: 1},
		{name: "line before", text: with(2, "# klpcheck: ignore=LTO005 probed in CI\n"),
			kept: []string{"LTO001:4"}, quiet: []string{"LTO005:3"}, exit: 1},
		{name: "on the line", text: trailing(3, "# klpcheck: ignore=LTO001 LLVM 23.0.0git is never used here"),
			kept: []string{"LTO005:2"}, quiet: []string{"LTO001:3"}},
		{name: "lower case, two IDs", text: with(3, "# klpcheck: ignore=lto001,LTO005 both\n"),
			kept: []string{"LTO005:2"}, quiet: []string{"LTO001:4"},
			ignoreMessages: []string{"ignore=LTO005 suppresses nothing: LTO005 reports no finding on line 4"}},
		{name: "stacked comments", text: with(2, "# klpcheck: ignore=LTO005 a\n#\n# klpcheck: ignore=LTO001 b\n"),
			kept: []string{"LTO001:6"}, quiet: []string{"LTO005:5"},
			ignoreMessages: []string{"ignore=LTO001 suppresses nothing: LTO001 reports no finding on line 5"}, exit: 1},
		{name: "continued line", text: "ifdef CONFIG_LTO_CLANG_THIN\nifeq ($(call clang-min-version,230000),y)\n# klpcheck: ignore=LTO001 c\nKBUILD_LDFLAGS += --lto-whole-program-visibility \\\n\t-mllvm -always-rename-promoted-locals=false\nendif\nendif\n",
			kept: []string{"LTO005:2"}, quiet: []string{"LTO001:5"}},
		{name: "unknown ID", text: with(2, "# klpcheck: ignore=LTO999 typo\n"),
			kept: []string{"LTO005:3", "LTO001:4"}, ignoreMessages: []string{"ignore=LTO999 names no rule"}, exit: 1},
		{name: "not a comment inside a reference", text: "X := $(info # klpcheck: ignore=LTO005 x)\n" + gateBlock,
			kept: []string{"LTO005:3", "LTO001:4"}, exit: 1},
		{name: "escaped #", text: "X := \\# klpcheck: ignore=LTO005 x\n" + gateBlock,
			kept: []string{"LTO005:3", "LTO001:4"}, exit: 1},
		{name: "nothing follows", text: gateBlock + "# klpcheck: ignore=LTO001 last\n",
			kept: []string{"LTO005:2", "LTO001:3"}, ignoreMessages: []string{"no statement follows"}, exit: 1},
		{name: "a disabled rule's suppression is not judged", text: with(1, "# klpcheck: ignore=LTO005 x\n"),
			opts: Options{Disable: []string{"LTO005"}}, kept: []string{"LTO001:4"}, exit: 1},
		{name: "IGNORE001 disabled", text: with(2, "# klpcheck: ignore=LTO999 typo\n"),
			opts: Options{Disable: []string{"ignore001"}}, kept: []string{"LTO005:3", "LTO001:4"}, exit: 1},
		{name: "enable one", text: gateBlock, opts: Options{Enable: []string{"LTO005"}}, kept: []string{"LTO005:2"}},
		{name: "severity error", text: gateBlock, opts: Options{MinSeverity: rules.Error}, kept: []string{"LTO001:3"}, exit: 1},
		{name: "severity warning drops the IGNORE001 note", text: with(2, "# klpcheck: ignore=LTO999 typo\n"),
			opts: Options{MinSeverity: rules.Warning}, kept: []string{"LTO005:3", "LTO001:4"}, exit: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := lintText(t, tt.text, tt.opts)
			var kept []Finding
			var notes []string
			for _, f := range res.Findings {
				if f.Rule == rules.IGNORE001.ID {
					notes = append(notes, f.Message)
					if f.Severity != "note" {
						t.Errorf("IGNORE001 is a %s", f.Severity)
					}
					continue
				}
				kept = append(kept, f)
			}
			var quiet []Finding
			for _, s := range res.Suppressed {
				quiet = append(quiet, s.Finding)
				if s.SuppressionLine < 1 || s.SuppressionLine > s.Line {
					t.Errorf("%s:%d suppressed by line %d", s.Rule, s.Line, s.SuppressionLine)
				}
			}
			if got, want := ruleLines(kept), orEmpty(tt.kept); !slices.Equal(sortedCopy(got), sortedCopy(want)) {
				t.Errorf("findings %v, want %v\n%s", got, want, tt.text)
			}
			if got, want := ruleLines(quiet), orEmpty(tt.quiet); !slices.Equal(got, want) {
				t.Errorf("suppressed %v, want %v\n%s", got, want, tt.text)
			}
			if len(notes) != len(tt.ignoreMessages) {
				t.Fatalf("IGNORE001 notes %q, want %d", notes, len(tt.ignoreMessages))
			}
			for i, m := range tt.ignoreMessages {
				if !strings.Contains(notes[i], m) {
					t.Errorf("IGNORE001 note %q lacks %q", notes[i], m)
				}
			}
			if got := res.ExitCode(false); got != tt.exit {
				t.Errorf("exit %d, want %d", got, tt.exit)
			}
		})
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// TestSuppressedInReports: the text summary counts the suppressed
// findings, the JSON lists them with the comment's line and reason, and
// --quiet leaves out what was evaluated and read.
func TestSuppressedInReports(t *testing.T) {
	text := strings.Replace(gateBlock, "ifeq", "# klpcheck: ignore=LTO005 probed in CI\nifeq", 1)
	res := lintText(t, strings.Replace(text, "KBUILD", "# klpcheck: ignore=LTO001 x\nKBUILD", 1), Options{})
	var out bytes.Buffer
	if err := res.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "klpcheck lint: no findings in 12 configurations (2 suppressed by klpcheck: ignore= comments)") {
		t.Errorf("summary:\n%s", out.String())
	}
	var js bytes.Buffer
	if err := res.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Findings   []json.RawMessage `json:"findings"`
		Suppressed []struct {
			Rule            string `json:"rule"`
			Line            int    `json:"line"`
			Path            string `json:"path"`
			SuppressionLine int    `json:"suppression_line"`
			Reason          string `json:"reason"`
		} `json:"suppressed"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Findings == nil || len(doc.Findings) != 0 || len(doc.Suppressed) != 2 {
		t.Fatalf("JSON: %s", js.String())
	}
	if s := doc.Suppressed[0]; s.Rule != "LTO005" || s.Line != 3 || s.SuppressionLine != 2 || s.Reason != "probed in CI" || s.Path == "" {
		t.Errorf("suppressed[0] = %+v", s)
	}
	var quiet bytes.Buffer
	plain := lintText(t, gateBlock, Options{})
	if err := plain.WriteTextOptions(&quiet, TextOptions{Quiet: true}); err != nil {
		t.Fatal(err)
	}
	q := quiet.String()
	if strings.Contains(q, "evaluated ") || strings.Contains(q, "files read:") || !strings.Contains(q, "[LTO005]") || !strings.HasSuffix(q, "klpcheck lint: 1 error, 1 warning, 0 notes in 12 configurations\n") {
		t.Errorf("--quiet text:\n%s", q)
	}
}

func TestFindSuppressions(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"# klpcheck: ignore=LTO001 r", true},
		{"X := 1 # klpcheck: ignore=LTO001", true},
		{"X := $(Y) # klpcheck: ignore=LTO001", true},
		{"X := $(Y # klpcheck: ignore=LTO001)", false},
		{"X := ${Y # klpcheck: ignore=LTO001}", false},
		{`X := \# klpcheck: ignore=LTO001`, false},
		{`X := \\# klpcheck: ignore=LTO001`, true},
		{"# a comment # klpcheck: ignore=LTO001", true},
		{"# klpcheck ignore=LTO001", false},
	}
	for _, tt := range tests {
		got := findSuppressions("Makefile", tt.line+"\n") != nil
		if got != tt.want {
			t.Errorf("%q: suppression %v, want %v", tt.line, got, tt.want)
		}
	}
}
