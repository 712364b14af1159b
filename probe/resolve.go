package probe

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"klpcheck/internal/kbuild"
)

// Selection is how the user told klpcheck which linker to probe, in kbuild's
// own terms. Explicit (klpcheck's --ld) wins; then LD (as on make's command line); then
// LLVM; then CROSS_COMPILE; then kbuild's default, plain "ld".
type Selection struct {
	Explicit []string // --ld, repeatable: names looked up on PATH, or paths
	// ExplicitSource says where Explicit came from in reports; "" is
	// "Explicit", the field (the CLI says "--ld").
	ExplicitSource string
	LD             string // LD= (make's command line; klpcheck reads the environment)
	LLVM           string // LLVM=1, LLVM=-22, LLVM=/opt/llvm/bin/
	CrossCompile   string // CROSS_COMPILE=aarch64-linux-gnu-
	All            bool   // every lld on PATH and in the usual LLVM dirs (--all)
	// AllSource says where All's targets came from in reports; "" is
	// "All", the field (the CLI says "--all").
	AllSource string
	// LLVMDirs are the directory globs All searches besides PATH;
	// nil means DefaultLLVMDirs.
	LLVMDirs []string
}

// Target is one linker to probe: what the selection named and how it resolved.
type Target struct {
	Name   string // as named: "ld.lld-22", "/opt/llvm/bin/ld.lld"
	Path   string // absolute path of the executable; empty when Err is set
	Source string // which rule chose it: Selection.ExplicitSource, "LD", "LLVM=-22", "CROSS_COMPILE", "default", Selection.AllSource
	Err    error  // not found or not executable, with the fix in the message
}

// LookPath finds an executable name on PATH; tests substitute their own.
type LookPath func(name string) (string, error)

// KbuildLD returns the LD that kbuild's top-level Makefile computes, and the
// rule that chose it. LLVM values other than 1, "-SUFFIX" and "PREFIX/" are
// an error, as in kbuild ("Invalid value for LLVM").
func KbuildLD(sel Selection) (name, source string, err error) {
	return kbuild.LD(sel.LD, sel.LLVM, sel.CrossCompile)
}

// Resolve turns a selection into targets. Unresolvable names become targets
// with Err set rather than failing the whole probe: the report shows every
// linker, and the exit status says that one could not be run.
func Resolve(sel Selection, look LookPath) ([]Target, error) {
	if look == nil {
		look = exec.LookPath
	}
	var targets []Target
	source := sel.ExplicitSource
	if source == "" {
		source = "Explicit"
	}
	for _, name := range sel.Explicit {
		targets = append(targets, resolveOne(name, source, look))
	}
	if sel.All {
		dirs := sel.LLVMDirs
		if dirs == nil {
			dirs = DefaultLLVMDirs
		}
		all := sel.AllSource
		if all == "" {
			all = "All"
		}
		for _, p := range FindLLDs(os.Getenv("PATH"), dirs) {
			targets = append(targets, Target{Name: p, Path: p, Source: all})
		}
		if len(targets) == 0 {
			return nil, hintError("found no ld.lld on PATH or in "+strings.Join(dirs, ", ")+
				": install lld (Debian: apt-get install lld-22) or ", SupplyLinker, "")
		}
	}
	if len(targets) == 0 {
		name, source, err := KbuildLD(sel)
		if err != nil {
			return nil, err
		}
		targets = append(targets, resolveOne(name, source, look))
	}
	return dedupe(targets), nil
}

func resolveOne(name, source string, look LookPath) Target {
	t := Target{Name: name, Source: source}
	if strings.Contains(name, "/") {
		info, err := os.Stat(name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			t.Err = hintError(fmt.Sprintf("%s: no such file (from %s): check the path, or ", name, source), SupplyLinker, "")
		case err != nil:
			t.Err = fmt.Errorf("%s: %v", name, err)
		case info.IsDir():
			t.Err = fmt.Errorf("%s is a directory, not a linker (from %s); an LLVM= prefix must end in / and name the bin directory", name, source)
		case info.Mode()&0o111 == 0:
			t.Err = hintError(fmt.Sprintf("%s is not executable (from %s): chmod +x it or ", name, source), SupplyLinker, "")
		default:
			abs, err := filepath.Abs(name)
			if err != nil {
				t.Err = err
			}
			t.Path = abs
		}
		return t
	}
	p, err := look(name)
	if err != nil {
		h := installHint(name)
		h.Before = fmt.Sprintf("%s not found on PATH (from %s): %s", name, source, h.Before)
		t.Err = &HintError{h}
		return t
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Err = err
		return t
	}
	t.Path = abs
	return t
}

var lldName = regexp.MustCompile(`^ld\.lld(-\d+)?$`)

// installHint names the package that provides a linker, or asks for
// another one.
func installHint(name string) Hint {
	if m := lldName.FindStringSubmatch(name); m != nil {
		pkg := "lld" + m[1]
		return Hint{Before: "install " + pkg + " (Debian/Ubuntu: apt-get install " + pkg + ") or ", Supply: SupplyLinker}
	}
	if strings.HasSuffix(name, "ld") && name != "ld" {
		return Hint{Before: "install the cross binutils for " + strings.TrimSuffix(name, "ld") + " or fix CROSS_COMPILE, or ", Supply: SupplyLinker}
	}
	if name == "ld" {
		return Hint{Before: "install binutils, or use LLVM=1 for ld.lld (Clang LTO needs it)"}
	}
	return Hint{Before: "install it or ", Supply: SupplyLinker}
}

// dedupe drops targets that resolve to the same file (ld.lld-22 on PATH is
// a symlink to /usr/lib/llvm-22/bin/ld.lld), keeping the first.
func dedupe(targets []Target) []Target {
	seen := map[string]bool{}
	var out []Target
	for _, t := range targets {
		key := "name:" + t.Name
		if t.Err == nil {
			if real, err := filepath.EvalSymlinks(t.Path); err == nil {
				key = real
			} else {
				key = t.Path
			}
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, t)
	}
	return out
}

// DefaultLLVMDirs are the glob patterns of the places LLVM toolchains are
// usually installed besides PATH: Debian/Ubuntu, Fedora, Gentoo, Homebrew,
// and hand-built trees.
var DefaultLLVMDirs = []string{
	"/usr/lib/llvm-*/bin",
	"/usr/lib64/llvm*/bin",
	"/usr/lib/llvm/*/bin",
	"/usr/local/opt/llvm*/bin",
	"/opt/homebrew/opt/llvm*/bin",
	"/opt/llvm*/bin",
	"/usr/local/llvm*/bin",
}

// FindLLDs lists every ld.lld and ld.lld-N executable on path and in the
// directories matched by dirGlobs, deduplicated by resolved path and sorted
// by path (the probe sorts its results by version once it knows them).
func FindLLDs(path string, dirGlobs []string) []string {
	var dirs []string
	dirs = append(dirs, filepath.SplitList(path)...)
	for _, g := range dirGlobs {
		m, _ := filepath.Glob(g)
		dirs = append(dirs, m...)
	}
	seen := map[string]bool{}
	var found []string
	for _, d := range dirs {
		if d == "" {
			continue
		}
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !lldName.MatchString(e.Name()) {
				continue
			}
			p := filepath.Join(d, e.Name())
			info, err := os.Stat(p)
			if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
				continue
			}
			real, err := filepath.EvalSymlinks(p)
			if err != nil || seen[real] {
				continue
			}
			seen[real] = true
			found = append(found, p)
		}
	}
	sort.Strings(found)
	return found
}
