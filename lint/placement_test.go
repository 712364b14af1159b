package lint

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"klpcheck/internal/testenv"
)

// gitHunk matches git apply -v's report of a hunk that applied away from
// its header's line ("Hunk #1 succeeded at 959 (offset 781 lines).");
// hunks that apply where the header says are not mentioned.
var (
	gitChecking = regexp.MustCompile(`^Checking patch (.+)\.\.\.$`)
	gitHunk     = regexp.MustCompile(`^Hunk #(\d+) succeeded at (\d+) \(offset (-?\d+) lines?\)\.$`)
)

// TestPatchPlacementsMatchGitApply applies --patch files the way lint does
// and with git apply -v, the oracle, on copies of fixture trees and of the
// real 6.12 tree's files: every hunk must be placed at git's line and
// offset.
func TestPatchPlacementsMatchGitApply(t *testing.T) {
	git := testenv.Tool(t, "git")
	type tc struct {
		tree  string // a fixture tree, or "6.12"
		patch string
		// shift moves the Makefile's text: lines added at the top
		// (positive) or its first lines removed (negative).
		shift int
	}
	cases := []tc{
		{"layout-a", "patches/v2.patch", 0},
		{"layout-a", "patches/v1.mbox", 0},
		{"layout-a", "patches/v1.mbox", 40},
		{"layout-a", "patches/v2.patch", -6},
		{"layout-c", "patches/thin-dist.patch", 3},
		{"6.12", "patches/v2.patch", 0},
	}
	for _, c := range cases {
		t.Run(c.tree+"/"+filepath.Base(c.patch)+"/"+strconv.Itoa(c.shift), func(t *testing.T) {
			src := fixtures + c.tree
			if c.tree == "6.12" {
				src = testenv.KernelTree(t, "6.12")
			}
			root := filepath.Join(t.TempDir(), "tree")
			for _, rel := range []string{pathMakefile, pathKconfig, pathCompiler} {
				if _, err := os.Stat(filepath.Join(src, rel)); err == nil {
					copyFile(t, filepath.Join(src, rel), filepath.Join(root, rel))
				}
			}
			shiftMakefile(t, filepath.Join(root, pathMakefile), c.shift)
			patchPath, _ := filepath.Abs(fixtures + c.patch)
			cmd := exec.Command(git, "apply", "--check", "-v", patchPath)
			cmd.Dir = root
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("git apply: %v\n%s", err, out)
			}
			// git numbers hunks per file; lint over the whole patch.
			type key struct {
				file string
				n    int
			}
			want := map[key][2]int{}
			file := ""
			for _, l := range strings.Split(string(out), "\n") {
				if m := gitChecking.FindStringSubmatch(l); m != nil {
					file = m[1]
				}
				if m := gitHunk.FindStringSubmatch(l); m != nil {
					n, _ := strconv.Atoi(m[1])
					line, _ := strconv.Atoi(m[2])
					off, _ := strconv.Atoi(m[3])
					want[key{file, n}] = [2]int{line, off}
				}
			}
			res, err := Run(Options{Path: root, Patches: []string{patchPath}})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Patches) != 1 {
				t.Fatalf("%d patch reports, want 1", len(res.Patches))
			}
			perFile := map[string]int{}
			moved := 0
			for _, h := range res.Patches[0].Hunks {
				rel, _ := filepath.Rel(root, h.File)
				perFile[rel]++
				w, ok := want[key{rel, perFile[rel]}]
				if !h.Applied {
					t.Errorf("hunk %d (%s) not applied: %s; git applies it", h.Hunk, rel, h.Reason)
					continue
				}
				if ok {
					moved++
					if h.Line != w[0] || h.Offset != w[1] {
						t.Errorf("hunk %d (%s) at line %d, offset %d; git apply: line %d, offset %d", h.Hunk, rel, h.Line, h.Offset, w[0], w[1])
					}
				} else if h.Offset != 0 {
					t.Errorf("hunk %d (%s) at offset %d; git apply: where the header says", h.Hunk, rel, h.Offset)
				}
			}
			if moved != len(want) {
				t.Errorf("git moved %d hunks, lint reports %d of them", len(want), moved)
			}
		})
	}
}

func shiftMakefile(t *testing.T, path string, shift int) {
	t.Helper()
	if shift == 0 {
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if shift > 0 {
		text = strings.Repeat("# moved\n", shift) + text
	}
	for ; shift < 0; shift++ {
		_, text, _ = strings.Cut(text, "\n")
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPathsAsGiven: text names a tree's files by the path the user gave
// joined with the file's path in the tree (an editor opens
// "/path/to/tree/Makefile:181:1" from anywhere); SARIF by the path in the
// tree relative to %SRCROOT%, the tree; JSON keeps the tree-relative file
// and adds the joined path. Findings of a --patch carry its
// subject in every format.
func TestPathsAsGiven(t *testing.T) {
	abs, err := filepath.Abs(fixtures + "layout-a")
	if err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{abs, fixtures + "layout-a"} {
		res, err := Run(Options{Path: root, Patches: []string{fixtures + "patches/v1.mbox"}})
		if err != nil {
			t.Fatal(err)
		}
		var text, sarif, js strings.Builder
		if err := res.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		if err := res.WriteSARIF(&sarif, "test"); err != nil {
			t.Fatal(err)
		}
		if err := res.WriteJSON(&js); err != nil {
			t.Fatal(err)
		}
		mk := filepath.Join(root, "Makefile")
		subject := "[PATCH kbuild] kbuild: option to keep promoted local names in ThinLTO"
		for _, want := range []string{"\n" + mk + ":181:1: warning:", "patch: " + fixtures + "patches/v1.mbox, hunk 1 (" + subject + ")",
			"hunk 1 at line 178, offset 0 (" + mk + ")"} {
			if !strings.Contains("\n"+text.String(), want) {
				t.Errorf("%s: text without %q:\n%s", root, want, text.String())
			}
		}
		// SARIF names the file in the tree, relative to %SRCROOT%, which
		// is declared as the tree the user gave.
		for _, want := range []string{`"uri": "Makefile",`, `"uriBaseId": "%SRCROOT%"`, `"uri": "file://` + abs + `/"`, `"patch_subject": "` + subject + `"`} {
			if !strings.Contains(sarif.String(), want) {
				t.Errorf("%s: SARIF without %s", root, want)
			}
		}
		for _, want := range []string{`"file": "Makefile"`, `"path": "` + mk + `"`, `"patch_subject": "` + subject + `"`, `"offset": 0`} {
			if !strings.Contains(js.String(), want) {
				t.Errorf("%s: JSON without %s", root, want)
			}
		}
	}
}
