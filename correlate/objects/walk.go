package objects

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// walkTree calls visit for every file below dir, following symbolic links
// to directories: a build tree assembled with links (a lib/ linked in from
// elsewhere) must lose none of its archives. A link back to a directory
// on its own path is a cycle: reported through skip, never entered. A
// directory reached a second time through another link is not read again.
// kbuild's "source" link in an O= build directory points at the source
// tree, which holds no objects: it is not followed.
func walkTree(dir string, visit func(path, name string), skip func(path, reason string)) error {
	return walkWith(dir, visit, skip, nil, os.ReadDir)
}

type walker struct {
	root  string
	visit func(path, name string)
	skip  func(path, reason string)
	seen  map[string]string // real path of each directory read -> the path it was read as
	// unreadable, when set, gets each directory below the root that cannot
	// be read, and the walk goes on; when nil such a directory ends the walk
	// with its error (Scan: a build half read is not provenance).
	unreadable func(path string, err error)
	readDir    func(string) ([]os.DirEntry, error) // os.ReadDir; a test makes it fail
}

func (w *walker) rel(p string) string {
	if r, err := filepath.Rel(w.root, p); err == nil {
		return r
	}
	return p
}

func (w *walker) dir(p, real string, ancestors []string) error {
	entries, err := w.readDir(p)
	if err != nil {
		if w.unreadable != nil && p != w.root {
			w.unreadable(p, unwrap(err)) // the path is the caller's to name
			return nil
		}
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		child := filepath.Join(p, e.Name())
		switch {
		case e.IsDir():
			if err := w.enter(child, filepath.Join(real, e.Name()), ancestors); err != nil {
				return err
			}
		case e.Type()&os.ModeSymlink != 0:
			st, err := os.Stat(child)
			if err != nil {
				w.skip(w.rel(child), fmt.Sprintf("dangling symbolic link: %v", unwrap(err)))
				continue
			}
			if !st.IsDir() {
				w.visit(child, e.Name())
				continue
			}
			if p == w.root && e.Name() == "source" && isFile(filepath.Join(p, "Makefile")) {
				continue // kbuild's link to the source tree
			}
			target, err := filepath.EvalSymlinks(child)
			if err != nil {
				w.skip(w.rel(child), fmt.Sprintf("symbolic link: %v", unwrap(err)))
				continue
			}
			if cycleOf(target, ancestors) {
				w.skip(w.rel(child), fmt.Sprintf("symbolic link cycle: %s leads back to %s, not followed", w.rel(child), target))
				continue
			}
			if err := w.enter(child, target, ancestors); err != nil {
				return err
			}
		default:
			w.visit(child, e.Name())
		}
	}
	return nil
}

// enter reads a directory unless it was read already.
func (w *walker) enter(p, real string, ancestors []string) error {
	if _, ok := w.seen[real]; ok {
		return nil
	}
	w.seen[real] = p
	return w.dir(p, real, append(ancestors[:len(ancestors):len(ancestors)], real))
}

// cycleOf reports whether target is one of the directories being read (or
// holds one): entering it would come back to where the walk is.
func cycleOf(target string, ancestors []string) bool {
	for _, a := range ancestors {
		if a == target || strings.HasPrefix(a, target+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func unwrap(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// Walk is the walk Scan makes of a build directory, for callers that look
// for other files below a directory the same way: visit gets every file
// (whatever its type: the caller decides), skip every link not followed,
// unreadable every directory below dir that cannot be read (the walk goes
// on past it). Only dir itself unreadable is an error.
func Walk(dir string, visit func(path, name string), skip func(path, reason string), unreadable func(path string, err error)) error {
	return walkWith(dir, visit, skip, unreadable, os.ReadDir)
}

func walkWith(dir string, visit func(path, name string), skip func(path, reason string), unreadable func(path string, err error), readDir func(string) ([]os.DirEntry, error)) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	w := &walker{root: dir, visit: visit, skip: skip, seen: map[string]string{real: dir}, unreadable: unreadable, readDir: readDir}
	return w.dir(dir, real, []string{real})
}
