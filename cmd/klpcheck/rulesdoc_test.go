package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"klpcheck/internal/report"
	"klpcheck/internal/report/reporttest"
)

// TestRulePagesInSync compares docs/rules/<ID>.md with the page generated
// from each rule's documentation (-update writes them), and checks that
// explain, lint --explain and the SARIF help all say the same.
func TestRulePagesInSync(t *testing.T) {
	dir := filepath.Join(reporttest.RepoRoot(t), report.RulesDocDir)
	want := map[string]bool{}
	for _, d := range ruleDocs() {
		page := d.Markdown()
		path := filepath.Join(dir, d.ID+".md")
		want[d.ID+".md"] = true
		if *updateSchemas {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
				t.Fatal(err)
			}
		} else if got, err := os.ReadFile(path); err != nil || string(got) != page {
			t.Errorf("%s is missing or stale (%v): run go test ./cmd/klpcheck -run RulePages -update", path, err)
		}
		if !strings.Contains(page, strings.TrimSpace(d.Doc)) || !strings.Contains(page, strings.Trim(d.Bad, "\n")) {
			t.Errorf("%s: the page lacks the rule's text", d.ID)
		}
		for _, args := range [][]string{{"explain", d.ID}, {"explain", strings.ToLower(d.ID)}, {"lint", "--explain", d.ID}} {
			code, out, errb := klp(t, args...)
			if code != 0 || out != d.Explain() {
				t.Errorf("%v: exit %d, %q; want the rule's Explain text", args, code, errb)
			}
		}
		rule := d.SARIFRule()
		if rule.HelpURI != report.RulesDocURL+d.ID+".md" || rule.Help.Text != d.Explain() || rule.Help.Markdown != page {
			t.Errorf("%s: SARIF help differs from the page", d.ID)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var extra []string
	for _, e := range entries {
		if !want[e.Name()] {
			extra = append(extra, e.Name())
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("%s has pages of no rule: %v", dir, extra)
	}
	for _, id := range []string{"COR001", "COR002", "COR003", "COR004", "COR005", "LTO001", "PATCH001"} {
		if !want[id+".md"] {
			t.Errorf("no page for %s", id)
		}
	}
	if code, _, errb := klp(t, "explain", "COR999"); code != 2 || !strings.Contains(errb, "COR005") {
		t.Errorf("explain COR999: exit %d, %q", code, errb)
	}
}
