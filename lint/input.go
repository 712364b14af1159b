package lint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unsafe"

	"klpcheck/lint/patch"
)

// asString is data as a string without a copy: the buffers read here are
// not written again, and a copy would double a large Makefile's memory.
func asString(data []byte) string { return unsafe.String(unsafe.SliceData(data), len(data)) }

// MaxFileBytes bounds every file lint reads.
const MaxFileBytes = 64 << 20

// InputError is input that could not be read; it maps to exit status 2.
// Line is 0 when the problem is not at a line.
type InputError struct {
	File string
	Line int
	Err  error
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	if e.File != "" {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return e.Err.Error()
}

func (e *InputError) Unwrap() error { return e.Err }

// Paths of the tree files lint reads, relative to the tree.
const (
	pathMakefile = "Makefile"
	pathKconfig  = "arch/Kconfig"
	pathCompiler = "scripts/Makefile.compiler"
)

// tree is the set of files being linted, keyed by their path in the tree.
type tree struct {
	docs    map[string]*patch.Doc
	display map[string]string // how findings name each file
	root    string            // tree directory, "" for a single file or stdin
	// single: PATH was one Makefile (or stdin); only "Makefile" exists.
	single bool
}

func readLimited(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, &InputError{File: name, Err: err}
	}
	if len(data) > MaxFileBytes {
		return nil, &InputError{File: name, Err: fmt.Errorf("larger than %d MiB", MaxFileBytes>>20)}
	}
	return data, nil
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{File: path, Err: unwrapPathError(err)}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() <= MaxFileBytes {
		// One buffer of the file's size: growing one by doubling, as
		// io.ReadAll does, costs a large Makefile more than linting it.
		// ReadFrom wants MinRead bytes free before it sees the end.
		buf := bytes.NewBuffer(make([]byte, 0, st.Size()+bytes.MinRead))
		if _, err := buf.ReadFrom(io.LimitReader(f, MaxFileBytes+1)); err != nil {
			return nil, &InputError{File: path, Err: err}
		}
		if buf.Len() > MaxFileBytes {
			return nil, &InputError{File: path, Err: fmt.Errorf("larger than %d MiB", MaxFileBytes>>20)}
		}
		return buf.Bytes(), nil
	}
	return readLimited(f, path)
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// loadTree reads PATH: a tree directory, a Makefile, or "-" for stdin.
func loadTree(path string, stdin io.Reader) (*tree, error) {
	t := &tree{docs: map[string]*patch.Doc{}, display: map[string]string{}}
	if path == "" {
		path = "."
	}
	if path == "-" {
		if stdin == nil {
			return nil, &InputError{File: "-", Err: errors.New("no standard input")}
		}
		data, err := readLimited(stdin, "<stdin>")
		if err != nil {
			return nil, err
		}
		t.single = true
		t.docs[pathMakefile] = patch.NewDoc(asString(data))
		t.display[pathMakefile] = "<stdin>"
		return t, nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, &InputError{File: path, Err: unwrapPathError(err)}
	}
	if !st.IsDir() {
		data, err := readFile(path)
		if err != nil {
			return nil, err
		}
		t.single = true
		t.docs[pathMakefile] = patch.NewDoc(asString(data))
		t.display[pathMakefile] = path
		return t, nil
	}
	t.root = path
	mk := filepath.Join(path, pathMakefile)
	if _, err := os.Stat(mk); err != nil {
		return nil, &InputError{File: path, Err: errors.New("no Makefile in this directory (give a kernel tree, a Makefile, or - for stdin)")}
	}
	for _, rel := range []string{pathMakefile, pathKconfig, pathCompiler} {
		if err := t.load(rel); err != nil && rel == pathMakefile {
			return nil, err
		}
	}
	return t, nil
}

// load reads a tree file into docs if it exists.
func (t *tree) load(rel string) error {
	if _, ok := t.docs[rel]; ok || t.root == "" {
		return nil
	}
	full := filepath.Join(t.root, filepath.FromSlash(rel))
	if _, err := os.Stat(full); err != nil {
		return &InputError{File: full, Err: unwrapPathError(err)}
	}
	data, err := readFile(full)
	if err != nil {
		return err
	}
	t.docs[rel] = patch.NewDoc(asString(data))
	t.display[rel] = rel
	return nil
}

// name is how findings name a tree file.
func (t *tree) name(rel string) string {
	if n, ok := t.display[rel]; ok {
		return n
	}
	return rel
}

// relevant reports whether lint may read a file a patch touches: the
// top-level Makefile, Kconfig files, and what the top-level Makefile
// includes (scripts/Kbuild.include, scripts/Makefile.*, arch/*/Makefile*).
func relevant(rel string) bool {
	base := filepath.Base(rel)
	dir := filepath.ToSlash(filepath.Dir(rel))
	switch {
	case rel == pathMakefile || strings.HasPrefix(base, "Kconfig"):
		return true
	case dir == "scripts":
		return strings.HasPrefix(base, "Makefile.") || strings.HasSuffix(base, ".include")
	case strings.HasPrefix(dir, "arch/") && strings.Count(dir, "/") == 1:
		return strings.HasPrefix(base, "Makefile")
	}
	return false
}

// kconfigPaths lists the Kconfig files in the tree set, sorted.
func (t *tree) kconfigPaths() []string {
	var out []string
	for rel := range t.docs {
		if strings.HasPrefix(filepath.Base(rel), "Kconfig") {
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out
}

// patchSet is a parsed --patch file.
type patchSet struct {
	path    string
	patches []*patch.Patch
}

func loadPatches(paths []string, stdin io.Reader) ([]patchSet, error) {
	var out []patchSet
	for _, p := range paths {
		var data []byte
		var err error
		if p == "-" {
			if stdin == nil {
				return nil, &InputError{File: "-", Err: errors.New("no standard input")}
			}
			p = "<stdin>"
			data, err = readLimited(stdin, p)
		} else {
			data, err = readFile(p)
		}
		if err != nil {
			return nil, err
		}
		ps, err := patch.Parse(p, data)
		if err != nil {
			var pe *patch.Error
			if errors.As(err, &pe) {
				return nil, &InputError{File: pe.File, Line: pe.Line, Err: errors.New(pe.Msg)}
			}
			return nil, &InputError{File: p, Err: err}
		}
		out = append(out, patchSet{path: p, patches: ps})
	}
	return out, nil
}
