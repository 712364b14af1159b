package lint

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"klpcheck/lint/eval"
	"klpcheck/lint/makefile"
)

// Invocation is the make that reads the Makefile. A real top-level
// Makefile runs itself again as a sub-make (`__sub-make`) until
// sub_make_done is set and --no-print-directory is in MAKEFLAGS; only that
// final invocation reads the part after `else # need-sub-make`, where the
// LTO block is. lint models that one: `make -C OBJTREE -f SRCTREE/Makefile`
// with the command-line variables of `make [O=BUILD] LLVM=... [ARCH=...]`.
type Invocation struct {
	// Command is the make the user runs, e.g. "make O=build LLVM=1".
	Command string `json:"command"`
	// Final is the invocation evaluated, e.g. "make -C build -f linux/Makefile",
	// with the paths as the user gave them.
	Final string `json:"final"`
	// SrcTree and ObjTree are abs_srctree and abs_objtree (left out of
	// JSON, which names paths as the user gave them).
	SrcTree string `json:"-"`
	ObjTree string `json:"-"`
	// Arch is ARCH as make sees it.
	Arch string `json:"arch"`
	// ArchGiven: ARCH was on the command line (--arch), else it is the
	// host's, as scripts/subarch.include derives it.
	ArchGiven bool   `json:"arch_given"`
	LLVM      string `json:"llvm"`

	build string // O= as given, "" for an in-tree build
}

// DefaultLLVM is the LLVM= of the modelled command line.
const DefaultLLVM = "1"

// hostArch is what scripts/subarch.include makes of `uname -m` on the
// machine klpcheck runs on (x86_64 and i686 give x86...).
func hostArch() string {
	switch runtime.GOARCH {
	case "amd64", "386":
		return "x86"
	case "arm64":
		return "arm64"
	case "arm":
		return "arm"
	case "riscv64":
		return "riscv"
	case "ppc64", "ppc64le":
		return "powerpc"
	case "s390x":
		return "s390"
	case "loong64":
		return "loongarch"
	case "mips", "mipsle", "mips64", "mips64le":
		return "mips"
	}
	return runtime.GOARCH
}

// newInvocation works out the final sub-make for the tree (root "" for a
// single Makefile or stdin, whose directory then stands for the tree).
func newInvocation(t *tree, opts Options) (*Invocation, error) {
	inv := &Invocation{Arch: opts.Arch, ArchGiven: opts.Arch != "", LLVM: opts.LLVM, build: opts.Build}
	if inv.Arch == "" {
		inv.Arch = hostArch()
	}
	if inv.LLVM == "" {
		inv.LLVM = DefaultLLVM
	}
	src := t.root
	switch {
	case src != "":
	case t.display[pathMakefile] == "<stdin>":
		src = "."
	default:
		src = filepath.Dir(t.display[pathMakefile])
	}
	abs, err := filepath.Abs(src)
	if err != nil {
		return nil, &InputError{File: src, Err: err}
	}
	inv.SrcTree = filepath.ToSlash(physical(abs))
	inv.ObjTree = inv.SrcTree
	if opts.Build != "" {
		b, err := filepath.Abs(opts.Build)
		if err != nil {
			return nil, &InputError{File: opts.Build, Err: err}
		}
		inv.ObjTree = filepath.ToSlash(physical(b))
	}
	args := []string{"make"}
	if inv.ObjTree != inv.SrcTree {
		args = append(args, "O="+opts.Build)
	} else {
		inv.build = ""
	}
	args = append(args, "LLVM="+inv.LLVM)
	if inv.ArchGiven {
		args = append(args, "ARCH="+inv.Arch)
	}
	inv.Command = strings.Join(args, " ")
	obj := src
	if inv.build != "" {
		obj = opts.Build
	}
	inv.Final = fmt.Sprintf("make -C %s -f %s with sub_make_done=1 and --no-print-directory in MAKEFLAGS", obj, filepath.Join(src, "Makefile"))
	return inv, nil
}

// physical resolves symbolic links as kbuild's $(realpath ...) and make's
// getcwd() do for abs_srctree, abs_objtree and CURDIR; a path that cannot be
// resolved stays as it is (the read that follows names the problem).
func physical(path string) string {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		return p
	}
	return path
}

// String describes the invocation for the text output.
func (inv *Invocation) String() string {
	return fmt.Sprintf("the final sub-make of `%s`: %s", inv.Command, inv.Final)
}

// vars are GNU make's own variables and the command line of the final
// sub-make, as the first make passes them down.
func (inv *Invocation) vars() map[string]eval.Predefined {
	cmdline := "LLVM=" + inv.LLVM
	if inv.build != "" {
		cmdline += " O=" + inv.build
	}
	if inv.ArchGiven {
		cmdline += " ARCH=" + inv.Arch
	}
	v := map[string]eval.Predefined{
		"MAKE_VERSION":  {Value: "4.3"},
		"MAKE":          {Value: "make"},
		"MAKELEVEL":     {Value: "2"},
		"SHELL":         {Value: "/bin/sh"},
		"CURDIR":        {Value: inv.ObjTree},
		"MAKEFILE_LIST": {Value: inv.SrcTree + "/Makefile"},
		".FEATURES":     {Value: features},
		// The first make adds -rR; the sub-make --no-print-directory.
		"MAKEFLAGS": {Value: "rR --no-print-directory -- " + cmdline},
		// Exported by the first make (environment origin); before 6.2
		// the final invocation does not compute abs_srctree and
		// abs_objtree itself.
		"sub_make_done": {Value: "1"},
		"abs_srctree":   {Value: inv.SrcTree},
		"abs_objtree":   {Value: inv.ObjTree},
		"LLVM":          {Value: inv.LLVM, CommandLine: true},
		// scripts/subarch.include runs uname: the host's ARCH stands in
		// unless --arch gives one (then it is on the command line).
		"ARCH": {Value: inv.Arch, CommandLine: inv.ArchGiven},
	}
	if inv.build != "" {
		v["O"] = eval.Predefined{Value: inv.build, CommandLine: true}
	}
	return v
}

// includer follows include directives into the tree and the build
// directory, parsing each file once for all configurations.
type includer struct {
	mu     sync.Mutex
	t      *tree
	inv    *Invocation
	parsed map[string]*parsedFile // by absolute path
}

type parsedFile struct {
	f       *makefile.File
	display string
	why     string
	err     error
}

// configDir is where make finds the Kconfig output of the build.
const configDir = "include/config/"

// resolver returns the IncludeFunc of one configuration: withBuild says
// whether it reads the build's include/config files (the build's own
// configuration) or stands them in with the matrix's symbols.
func (in *includer) resolver(withBuild bool) eval.IncludeFunc {
	return func(name string) (*makefile.File, string, string, error) {
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(in.inv.ObjTree, p)
		}
		p = filepath.ToSlash(filepath.Clean(p))
		if rel, ok := within(in.inv.ObjTree, p); ok && strings.HasPrefix(rel, configDir) {
			if !withBuild {
				return nil, "", "the configuration comes from the matrix", nil
			}
			return in.fromBuild(p, rel)
		}
		if rel, ok := within(in.inv.SrcTree, p); ok {
			if in.t.root == "" {
				return nil, "", "a single Makefile is linted: give the tree to follow includes", nil
			}
			return in.fromTree(p, rel)
		}
		if rel, ok := within(in.inv.ObjTree, p); ok && in.inv.build != "" {
			return in.fromBuild(p, rel)
		}
		return nil, "", "outside the tree and the build directory", nil
	}
}

func within(dir, p string) (string, bool) {
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") || filepath.IsAbs(rel) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// fromTree parses a tree file, patched if a --patch touched it.
func (in *includer) fromTree(abs, rel string) (*makefile.File, string, string, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if pf, ok := in.parsed[abs]; ok {
		return pf.f, pf.display, pf.why, pf.err
	}
	pf := &parsedFile{}
	in.parsed[abs] = pf
	if err := in.t.load(rel); err != nil {
		var ie *InputError
		if errors.As(err, &ie) && errors.Is(ie.Err, os.ErrNotExist) {
			pf.why = "no such file"
			return nil, "", pf.why, nil
		}
		pf.err = err
		return nil, "", "", err
	}
	pf.display = in.t.name(rel)
	pf.f, pf.err = makefile.Parse(pf.display, []byte(in.t.docs[rel].Text()), 0)
	if pf.err != nil {
		pf.err = limitError(pf.err)
	}
	return pf.f, pf.display, "", pf.err
}

// fromBuild parses a file of the build directory (never patched).
func (in *includer) fromBuild(abs, rel string) (*makefile.File, string, string, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if pf, ok := in.parsed[abs]; ok {
		return pf.f, pf.display, pf.why, pf.err
	}
	pf := &parsedFile{display: filepath.Join(in.inv.build, filepath.FromSlash(rel))}
	in.parsed[abs] = pf
	if in.inv.build == "" {
		pf.display = in.t.name(rel)
	}
	data, err := os.ReadFile(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
		pf.why = "no such file"
		return nil, "", pf.why, nil
	case err != nil:
		pf.err = &InputError{File: pf.display, Err: unwrapPathError(err)}
		return nil, "", "", pf.err
	case len(data) > MaxFileBytes:
		pf.err = &InputError{File: pf.display, Err: fmt.Errorf("larger than %d MiB", MaxFileBytes>>20)}
		return nil, "", "", pf.err
	}
	pf.f, pf.err = makefile.Parse(pf.display, data, 0)
	if pf.err != nil {
		pf.err = limitError(pf.err)
	}
	return pf.f, pf.display, "", pf.err
}

// filesEvaluated lists the files some configuration read, and the include
// directives no configuration followed.
func (s *session) filesEvaluated() ([]string, []IncludeNote) {
	files := []string{s.makefile.Name}
	notes := []IncludeNote{}
	seen := map[string]bool{s.makefile.Name: true}
	followed := map[string]bool{}
	for _, c := range s.configs {
		for _, in := range c.Result.Includes {
			if in.Followed {
				followed[in.At.String()+"\x00"+in.Name] = true
				if !seen[in.File] {
					seen[in.File] = true
					files = append(files, in.File)
				}
			}
		}
	}
	noted := map[string]bool{}
	for _, c := range s.configs {
		for _, in := range c.Result.Includes {
			key := in.At.String() + "\x00" + in.Name
			if in.Followed || followed[key] || noted[key] {
				continue
			}
			noted[key] = true
			notes = append(notes, IncludeNote{File: in.At.File, Line: in.At.Line, Name: in.Name, Why: in.Why})
		}
	}
	return files, notes
}
