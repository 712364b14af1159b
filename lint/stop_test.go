package lint

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"klpcheck/internal/testenv"
	"klpcheck/lint/rules"
)

// makeStop matches GNU make's "FILE:LINE: *** MESSAGE.  Stop." line.
var makeStop = regexp.MustCompile(`(?m)^(.+):(\d+): \*\*\* (.*)\.  Stop\.$`)

// TestMakeDifferentialStops runs GNU make on each configuration of
// Makefiles with $(error ...) calls: make must stop at the very line, with
// the very message, in exactly the configurations where the evaluator says
// it stops.
func TestMakeDifferentialStops(t *testing.T) {
	makePath := testenv.Tool(t, "make")
	for _, name := range []string{"make001.mk", "make001-all.mk"} {
		path, _ := filepath.Abs(filepath.Join("testdata", "make", name))
		s, err := prepare(Options{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		stops := 0
		for _, c := range s.configs {
			_, out, err := readWithMake(t, makePath, dir, path, c.Config.Toolchain, c.Symbols)
			m := makeStop.FindSubmatch(out)
			r := c.Result
			switch {
			case err == nil && r.Aborted != nil:
				t.Errorf("%s, %s: the evaluator stops at %s, GNU make does not", name, c.Config, r.Aborted.Pos)
			case err != nil && m == nil:
				t.Errorf("%s, %s: make failed without a stop line: %v\n%s", name, c.Config, err, out)
			case err != nil && !r.StoppedByError:
				t.Errorf("%s, %s: GNU make stops (%s), the evaluator does not", name, c.Config, m[0])
			case err != nil:
				stops++
				line, _ := strconv.Atoi(string(m[2]))
				if string(m[1]) != path || line != r.Aborted.Pos.Line || string(m[3]) != r.ErrorMsg {
					t.Errorf("%s, %s: GNU make: %s\n evaluator: %s:%d: *** %s", name, c.Config, m[0], r.Aborted.Pos.File, r.Aborted.Pos.Line, r.ErrorMsg)
				}
			}
		}
		if stops == 0 {
			t.Errorf("%s: no configuration stops; the test compares nothing", name)
		}
	}
}

func TestStopFindings(t *testing.T) {
	res, err := Run(Options{Path: filepath.Join("testdata", "make", "make001.mk")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		if f.Rule == rules.MAKE001.ID {
			got = append(got, strconv.Itoa(f.Line)+" "+f.Severity+" "+strconv.Itoa(len(f.Configs)))
		}
	}
	// Line 6 stops FULL with each of the 4 toolchains; line 10 may stop the
	// other 8, under a $(shell) klpcheck does not run.
	want := []string{"6 warning 4", "10 note 8"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("MAKE001 findings %q, want %q", got, want)
	}
	// Everything stops: an input error naming make's message and line.
	_, err = Run(Options{Path: filepath.Join("testdata", "make", "make001-all.mk")})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Line != 5 || !regexp.MustCompile(`source directory cannot contain spaces or colons`).MatchString(err.Error()) {
		t.Errorf("all configurations stop: got %v, want an InputError at line 5 with make's message", err)
	}
}

// copyFile copies src to dst, creating dst's directory.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRealTreeUnderSpace puts the real 6.12 tree's top-level files under a
// directory whose name has a space (and one with a colon): GNU make stops
// at the Makefile's $(error) and so must lint, with exit status 2, make's
// message and its file:line. A symbolic link to the tree from such a
// directory is not a stop: make's CURDIR is the physical directory.
func TestRealTreeUnderSpace(t *testing.T) {
	src := testenv.KernelTree(t, "6.12")
	makePath := testenv.Tool(t, "make")
	for _, dirName := range []string{"with space", "with:colon"} {
		root := filepath.Join(t.TempDir(), dirName, "linux")
		for _, rel := range []string{pathMakefile, pathKconfig, pathCompiler, "scripts/Kbuild.include"} {
			copyFile(t, filepath.Join(src, rel), filepath.Join(root, rel))
		}
		cmd := exec.Command(makePath, "-s", "kernelversion")
		cmd.Dir = root
		cmd.Env = []string{"PATH=/usr/bin:/bin"}
		out, err := cmd.CombinedOutput()
		m := makeStop.FindSubmatch(out)
		if err == nil || m == nil {
			t.Fatalf("%s: GNU make does not stop: %v\n%s", dirName, err, out)
		}
		_, err = Run(Options{Path: root})
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Fatalf("%s: lint: %v, want an InputError (exit 2)", dirName, err)
		}
		line, _ := strconv.Atoi(string(m[2]))
		if ie.File != filepath.Join(root, "Makefile") || ie.Line != line || !regexp.MustCompile(regexp.QuoteMeta(string(m[3]))).MatchString(err.Error()) {
			t.Errorf("%s: lint says %q\n GNU make says %q", dirName, err, m[0])
		}
	}
	link := filepath.Join(t.TempDir(), "with space", "linux")
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(src, link); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(makePath, "-s", "kernelversion")
	cmd.Dir = link
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GNU make through the link: %v\n%s", err, out)
	}
	res, err := Run(Options{Path: link})
	if err != nil {
		t.Fatalf("through a link: %v", err)
	}
	for _, f := range res.Findings {
		if f.Rule == rules.MAKE001.ID {
			t.Errorf("through a link: %s:%d: %s", f.File, f.Line, f.Message)
		}
	}
}
