package lint

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/internal/report"
	"klpcheck/internal/style"
)

// pathsCases are lints of several PATHs; a PATH "!" stands for one that
// could not be evaluated.
var pathsCases = []struct {
	name   string
	paths  []string
	exit   int // ExitCode(false)
	totals Totals
}{
	{name: "paths-clean", paths: []string{"layout-b", "layout-d"}, exit: 0,
		totals: Totals{Paths: 2, ConfigsEvaluated: 28}},
	{name: "paths-findings", paths: []string{"lto001.mk", "layout-b", "lto009", "suppressed.mk"}, exit: 1,
		totals: Totals{Paths: 4, Errors: 3, Warnings: 3, Suppressed: 1, ConfigsEvaluated: 48}},
	{name: "paths-failed", paths: []string{"lto005.mk", "!", "lto009"}, exit: 2,
		totals: Totals{Paths: 3, Failed: 1, Errors: 1, Warnings: 4, ConfigsEvaluated: 24}},
}

func lintPaths(t *testing.T, paths []string) *PathsReport {
	t.Helper()
	var rep PathsReport
	for _, p := range paths {
		if p == "!" {
			rep.Add("missing", nil, errors.New("missing: no such file or directory"))
			continue
		}
		res, err := Run(Options{Path: fixtures + p})
		rep.Add(fixtures+p, res, err)
	}
	return &rep
}

// TestPathsGolden compares the text, JSON and SARIF reports of several
// PATHs with testdata/golden (go test -update rewrites them), and checks
// the totals and the exit status.
func TestPathsGolden(t *testing.T) {
	for _, c := range pathsCases {
		t.Run(c.name, func(t *testing.T) {
			rep := lintPaths(t, c.paths)
			if rep.Totals != c.totals {
				t.Errorf("totals %+v, want %+v", rep.Totals, c.totals)
			}
			if got := rep.ExitCode(false); got != c.exit {
				t.Errorf("exit %d, want %d", got, c.exit)
			}
			for _, format := range []report.Format{report.Text, report.JSON, report.SARIF} {
				var got bytes.Buffer
				var err error
				switch format {
				case report.Text:
					err = rep.WriteTextOptions(&got, TextOptions{})
				case report.JSON:
					err = rep.WriteJSON(&got)
				default:
					err = rep.WriteSARIF(&got, "test")
				}
				if err != nil {
					t.Fatal(err)
				}
				if repo, err := filepath.Abs(".."); err == nil {
					got = *bytes.NewBuffer(bytes.ReplaceAll(got.Bytes(), []byte("file://"+filepath.ToSlash(repo)+"/"), []byte("file:///REPO/")))
				}
				compareGolden(t, filepath.Join("testdata", "golden", c.name+"."+string(format)), got.Bytes())
			}
		})
	}
}

func compareGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it): %s", golden, firstDiff(string(got), string(want)))
	}
}

// TestPathsKeepEachDocument: each entry of "paths" is the single PATH's
// document with "path" and "error" added, member for member.
func TestPathsKeepEachDocument(t *testing.T) {
	paths := []string{"lto001.mk", "lto009", "suppressed.mk"}
	rep := lintPaths(t, paths)
	var multi bytes.Buffer
	if err := rep.WriteJSON(&multi); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths []map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(multi.Bytes(), &doc); err != nil || len(doc.Paths) != len(paths) {
		t.Fatalf("%v, %d paths", err, len(doc.Paths))
	}
	for i, p := range paths {
		res, err := Run(Options{Path: fixtures + p})
		if err != nil {
			t.Fatal(err)
		}
		var one bytes.Buffer
		res.WriteJSON(&one)
		var single map[string]json.RawMessage
		if err := json.Unmarshal(one.Bytes(), &single); err != nil {
			t.Fatal(err)
		}
		entry := doc.Paths[i]
		if string(entry["path"]) != `"`+fixtures+p+`"` || string(entry["error"]) != `""` {
			t.Errorf("%s: path %s, error %s", p, entry["path"], entry["error"])
		}
		delete(entry, "path")
		delete(entry, "error")
		if len(entry) != len(single) {
			t.Errorf("%s: %d members, the single document has %d", p, len(entry), len(single))
		}
		for k, v := range single {
			if !jsonEqual(t, v, entry[k]) {
				t.Errorf("%s: member %s differs from the single PATH's document", p, k)
			}
		}
	}
}

func jsonEqual(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	var x, y bytes.Buffer
	if json.Compact(&x, a) != nil || json.Compact(&y, b) != nil {
		return false
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}

// TestPathsSARIFRoots: the same tree twice is one root; Makefiles read
// from the current directory share it; another tree is SRCROOT2, its
// fingerprints distinct from the same file in the first tree.
func TestPathsSARIFRoots(t *testing.T) {
	dir := t.TempDir()
	for _, tree := range []string{"a", "b"} {
		if err := os.MkdirAll(filepath.Join(dir, tree, "arch"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"Makefile", "arch/Kconfig"} {
			src, err := os.ReadFile(filepath.Join(fixtures, "lto009", f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, tree, f), src, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	tests := []struct {
		name  string
		paths []string
		bases []string // the uriBaseIds of the results' locations, in order, deduplicated
		roots map[string]string
	}{
		{"one tree twice", []string{a, a}, []string{"%SRCROOT%"}, map[string]string{"%SRCROOT%": a}},
		{"two trees", []string{a, b}, []string{"%SRCROOT%", "SRCROOT2"}, map[string]string{"%SRCROOT%": a, "SRCROOT2": b}},
		{"a clean tree first", []string{fixtures + "layout-b", b}, []string{"%SRCROOT%"}, map[string]string{"%SRCROOT%": b}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rep PathsReport
			for _, p := range tt.paths {
				res, err := Run(Options{Path: p})
				rep.Add(p, res, err)
			}
			run := rep.SARIFRun("test")
			var bases []string
			fps := map[string]bool{}
			for _, r := range run.Results {
				base := r.Locations[0].PhysicalLocation.ArtifactLocation.URIBaseID
				if len(bases) == 0 || bases[len(bases)-1] != base {
					bases = append(bases, base)
				}
				fp := r.PartialFingerprints[report.FingerprintKey]
				if fps[fp] || (tt.name == "two trees" && strings.Contains(fp, ":")) {
					t.Errorf("fingerprint %s twice (numbered: the trees' files share it)", fp)
				}
				fps[fp] = true
			}
			if !equalStrings(bases, tt.bases) {
				t.Errorf("bases %q, want %q", bases, tt.bases)
			}
			if len(run.OriginalURIBaseIDs) != len(tt.roots) {
				t.Errorf("originalUriBaseIds %v, want %v", run.OriginalURIBaseIDs, tt.roots)
			}
			for id, dir := range tt.roots {
				if got, want := run.OriginalURIBaseIDs[id].URI, "file://"+filepath.ToSlash(dir)+"/"; got != want {
					t.Errorf("%s = %q, want %q", id, got, want)
				}
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestPathsQuietAndColor: quiet keeps the findings, the PATHs that failed
// and the summary; the summary is red when a PATH failed.
func TestPathsQuietAndColor(t *testing.T) {
	rep := lintPaths(t, []string{"lto005.mk", "!"})
	var b bytes.Buffer
	if err := rep.WriteTextOptions(&b, TextOptions{Quiet: true, Style: style.Style{Color: true}}); err != nil {
		t.Fatal(err)
	}
	want := []string{"[LTO005]", "could not lint missing: no such file or directory\n", "\033[1;31mklpcheck lint: 2 paths, 1 could not be linted: 0 errors, 1 warning, 0 notes in 12 configurations\033[0m\n"}
	for _, w := range want {
		if !bytes.Contains(b.Bytes(), []byte(w)) {
			t.Errorf("lacks %q:\n%q", w, b.String())
		}
	}
	for _, unwanted := range []string{"files read:", "lto005.mk: 0 errors"} {
		if bytes.Contains(b.Bytes(), []byte(unwanted)) {
			t.Errorf("quiet report has %q:\n%s", unwanted, b.String())
		}
	}
}
