package correlate

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"klpcheck/correlate/dwarfunits"
	"klpcheck/correlate/objects"
)

// Source files are named by their path in the kernel tree ("fs/inode.c"),
// never by a basename: a kernel has eleven core.c and several inode.c.
// STT_FILE symbols carry only the basename (clang writes the file name
// without its directory), so the path comes from the build directory's
// objects or from the DWARF compile units, and an STT_FILE basename only
// picks among the candidates those offer.

// roots are the directories source paths are made relative to: the source
// tree and the object tree (the same directory for an in-tree build).
type roots struct {
	src, obj string
}

// relative makes name relative to the source or object tree when it lies
// inside one; a relative name is already relative to the object tree (the
// compiler ran there).
func (r roots) relative(name string) string {
	if name == "" || !filepath.IsAbs(name) {
		return filepath.Clean(name)
	}
	for _, root := range []string{r.src, r.obj} {
		if root == "" {
			continue
		}
		if rel, err := filepath.Rel(root, name); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return name
}

// buildRoots are the trees of a kbuild build directory: an O= build has a
// "source" link to the source tree; an in-tree build is its own source.
func buildRoots(dir string) roots {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return roots{}
	}
	r := roots{obj: abs, src: abs}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		r.obj = real
	}
	if src, err := filepath.EvalSymlinks(filepath.Join(abs, "source")); err == nil {
		if st, err := os.Stat(src); err == nil && st.IsDir() {
			r.src = src
		}
	}
	return r
}

// dwarfRoots infers the source tree from the compile unit names when no
// build directory says it: kbuild hands the compiler absolute paths into
// the source tree (and paths relative to the object tree for generated
// files), so the tree is the deepest directory holding every absolute
// name. A relative name seen beside them ("fs/configfs/configfs.mod.c" of a
// module) tells how much of that directory is already inside the tree.
func dwarfRoots(names []string) roots {
	var prefix []string
	have := false
	var relDirs []string
	for _, n := range names {
		if n == "" {
			continue
		}
		if !filepath.IsAbs(n) {
			if d := filepath.Dir(filepath.Clean(n)); d != "." {
				relDirs = append(relDirs, d)
			}
			continue
		}
		parts := strings.Split(filepath.Dir(filepath.Clean(n)), string(filepath.Separator))
		if !have {
			prefix, have = parts, true
			continue
		}
		k := 0
		for k < len(prefix) && k < len(parts) && prefix[k] == parts[k] {
			k++
		}
		prefix = prefix[:k]
	}
	if !have {
		return roots{}
	}
	root := strings.Join(prefix, string(filepath.Separator))
	if root == "" {
		root = string(filepath.Separator)
	}
	// The longest relative directory the root ends in is inside the tree.
	sort.Slice(relDirs, func(i, j int) bool { return len(relDirs[i]) > len(relDirs[j]) })
	for _, d := range relDirs {
		if strings.HasSuffix(root, string(filepath.Separator)+d) {
			root = strings.TrimSuffix(root, string(filepath.Separator)+d)
			break
		}
	}
	return roots{src: root}
}

// sameBase keeps the names whose basename is base.
func sameBase(names []string, base string) []string {
	var out []string
	for _, n := range names {
		if filepath.Base(n) == base {
			out = append(out, n)
		}
	}
	return out
}

// isStringLiteral: clang names a string literal ".str", ".str.1", ".str.2"...;
// base is the name without its promotion suffix.
func isStringLiteral(base string) bool {
	if base == ".str" {
		return true
	}
	rest, ok := strings.CutPrefix(base, ".str.")
	if !ok || rest == "" {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; (c < '0' || c > '9') && c != '.' {
			return false
		}
	}
	return true
}

// roots returns the trees source paths are made relative to: the build
// directory's when there is one, else what the DWARF unit names imply.
func (p *provenance) roots() roots {
	if p.rootsDone {
		return p.root
	}
	p.rootsDone = true
	switch {
	case p.opts.BuildDir != "":
		p.root = buildRoots(p.opts.BuildDir)
	case p.dwarf():
		names := make([]string, len(p.units))
		for i := range p.units {
			names[i] = p.units[i].Name
		}
		p.root = dwarfRoots(names)
	}
	return p.root
}

// unitPath is the path in the tree of compile unit i.
func (p *provenance) unitPath(i int) string { return p.roots().relative(p.units[i].Name) }

// objectSource is the path in the tree of a build object's source file, or
// the object's own path when its source is unknown.
func (p *provenance) objectSource(o *objects.Object) string {
	if o.Source == "" {
		return o.Path
	}
	return p.roots().relative(o.Source)
}

// groupFile names the source file of one hash group: the build object
// whose ThinLTO module hash it is, else the module whose statics include
// every base name of the group, from the build objects, then the DWARF
// units. hint is the STT_FILE basename the symbol table
// gives (or ""): it picks among several candidates, and is the answer of
// last resort.
func (p *provenance) groupFile(hash string, bases []string, hint, hintFrom string) (string, string) {
	source := sourceNames(bases)
	if p.build != nil {
		if f, ok := p.buildGroupFile(hash, source, hint); ok {
			return f, FromBuild
		}
	}
	if len(source) == 0 && hint == "" {
		return "", "" // string literals alone: nothing the DWARF units could match
	}
	if p.dwarf() {
		if f, ok := p.dwarfGroupFile(source, hint); ok {
			return f, FromDWARF
		}
	}
	return hint, hintFrom
}

// sourceNames are the names of bases as the source spells them:
// "foo.isra.0" was foo. Names the evidence does not know at all (string
// literals, which neither DWARF nor the bitcode symbol table lists) say
// nothing either way and are left out.
func sourceNames(bases []string) []string {
	source := make([]string, 0, len(bases))
	for _, b := range bases {
		if i := strings.IndexByte(b, '.'); i > 0 {
			b = b[:i]
		}
		if b != "" && b[0] != '.' {
			source = append(source, b)
		}
	}
	return source
}

// knownNames keeps the names ok knows.
func knownNames(names []string, ok func(string) bool) []string {
	var out []string
	for _, n := range names {
		if ok(n) {
			out = append(out, n)
		}
	}
	return out
}

// pickFile is the one file among cands, once hint's basename has picked
// among several.
func pickFile(cands []string, hint string) (string, bool) {
	sort.Strings(cands)
	cands = slices.Compact(cands)
	if len(cands) > 1 && hint != "" {
		cands = sameBase(cands, filepath.Base(hint))
	}
	if len(cands) == 1 {
		return cands[0], true
	}
	return "", false
}

// buildGroupFile is groupFile from the build objects.
func (p *provenance) buildGroupFile(hash string, source []string, hint string) (string, bool) {
	// The module hash names the object outright.
	if objs := p.build.ByModuleHash(hash); len(objs) > 0 {
		var names []string
		for _, o := range objs {
			names = append(names, p.objectSource(o))
		}
		if f, ok := pickFile(names, hint); ok {
			return f, true
		}
	}
	var names []string
	if bn := knownNames(source, func(n string) bool { return len(p.build.Locals(n)) > 0 || len(p.build.Globals(n)) > 0 }); len(bn) > 0 {
		for _, o := range p.build.DefiningAll(bn) {
			names = append(names, p.objectSource(o))
		}
	} else if hint != "" {
		// Nothing the bitcode symbol tables list (string literals):
		// the bitcode object of the STT_FILE's name, if only one has it.
		for _, o := range p.build.Objects {
			if o.LTO && o.Source != "" && filepath.Base(o.Source) == filepath.Base(hint) {
				names = append(names, p.objectSource(o))
			}
		}
	}
	return pickFile(names, hint)
}

// dwarfGroupFile is groupFile from the DWARF units.
func (p *provenance) dwarfGroupFile(source []string, hint string) (string, bool) {
	var names []string
	dn := knownNames(source, func(n string) bool { return p.cStatics.has(n) || p.hasExternal(n) })
	if len(dn) > 0 {
		for _, i := range p.unitsDefining(dn) {
			names = append(names, p.unitPath(i))
		}
	} else if hint != "" {
		// Nothing the units list (a group of string literals): the
		// unit of the STT_FILE's name, if only one has it.
		for i := range p.units {
			if !p.units[i].Asm() && filepath.Base(p.units[i].Name) == filepath.Base(hint) {
				names = append(names, p.unitPath(i))
			}
		}
	}
	return pickFile(names, hint)
}

func (p *provenance) hasExternal(n string) bool {
	_, ok := p.cExternals[n]
	return ok
}

// unitsDefining returns the C units that define every name, as a static or
// as an external: "f.v", a static v inside function f, is known by f.
func (p *provenance) unitsDefining(names []string) []int {
	count := map[int]int{}
	want := 0
	for _, n := range slices.Compact(slices.Sorted(slices.Values(names))) {
		want++
		units := p.cStatics.of(n)
		if i, ok := p.cExternals[n]; ok && !slices.Contains(units, i) {
			units = append(slices.Clip(units), i)
		}
		for _, i := range slices.Compact(slices.Sorted(slices.Values(units))) {
			count[i]++
		}
	}
	var out []int
	for i, c := range count {
		if c == want {
			out = append(out, i)
		}
	}
	sort.Ints(out)
	return out
}

// unitPathOf is unitPath for a unit pointer into p.units.
func (p *provenance) unitPathOf(u *dwarfunits.Unit) string { return p.roots().relative(u.Name) }
