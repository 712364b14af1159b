package correlate

import (
	"debug/dwarf"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"

	"klpcheck/internal/report"
)

// Where a conflict's two definitions are declared, for SARIF: the
// DW_AT_decl_file and DW_AT_decl_line of the C static (a subprogram or
// variable of a C unit) and of the assembly global (a label of an assembly
// unit). The census reads DWARF with its own fast reader, which keeps only
// names; positions are needed for a handful of conflicts, so they are read
// here with the standard library, only when SARIF is asked for and there is
// a conflict to place.

// dwAsm is DW_LANG_Mips_Assembler, what clang and gas write for a .S file.
const dwAsm = 0x8001

// namesFile reports whether a compile unit's name is one of files (paths
// relative to the tree, or basenames); true when files is empty.
func namesFile(unit string, files []string) bool {
	if len(files) == 0 {
		return true
	}
	unit = filepath.ToSlash(filepath.Clean(unit))
	for _, f := range files {
		f = filepath.ToSlash(filepath.Clean(f))
		if unit == f || strings.HasSuffix(unit, "/"+f) {
			return true
		}
	}
	return false
}

// declKey is a name on one side of a conflict.
type declKey struct {
	name string
	asm  bool
}

// declPos is a declaration's absolute (or compile-directory-relative) file
// and 1-based line.
type declPos struct {
	file string
	line int
}

// sourceDecls holds the positions found and the source tree the compile
// unit names point into.
type sourceDecls struct {
	pos  map[declKey]declPos
	root string
}

// readDecls finds the declarations of names in the DWARF of path; an empty
// result when the file has no (readable) DWARF: the locations then stay at
// the file level.
//
// Only the compile units that can hold one are read: those of the files
// the conflicts name (files; every unit when it is empty) and the assembly
// units (named after a header their macros come from, not after the .S).
// The rest are skipped whole, which the standard reader does without
// decoding them. A split-DWARF skeleton unit is followed to its .dwo
// (sarifsplit.go); one whose .dwo cannot be read is left out.
func readDecls(path string, names map[string]bool, files []string) sourceDecls {
	out := sourceDecls{pos: map[declKey]declPos{}}
	if len(names) == 0 {
		return out
	}
	f, err := elf.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	d, err := f.DWARF()
	if err != nil {
		return out
	}
	w := &declWalk{path: path, f: f, d: d, names: names, files: files, pos: out.pos, compDirs: map[string]bool{}}
	r := d.Reader()
	for {
		cu, err := r.Next()
		if err != nil || cu == nil {
			break
		}
		if err := w.unit(r, cu); err != nil {
			break
		}
	}
	if w.unnamed == 0 {
		// With units whose names are elsewhere (split DWARF), the names
		// seen here (the assembly units': arch/x86/...) would make a
		// subdirectory the tree; the caller knows the tree from every name.
		out.root = dwarfRoots(w.cuNames).src
	}
	if out.root == "" && w.unnamed == 0 && len(w.compDirs) == 1 {
		// An in-tree build: the compiler ran at the top of the tree and
		// named its sources relative to it.
		for dir := range w.compDirs {
			out.root = dir
		}
	}
	return out
}

// declWalk is readDecls going through the compile units of one file.
type declWalk struct {
	path  string
	f     *elf.File
	d     *dwarf.Data
	names map[string]bool
	files []string
	pos   map[declKey]declPos
	// What the source tree is inferred from: the names of the units, how
	// many units have no name here (split DWARF), their compile
	// directories.
	cuNames  []string
	unnamed  int
	compDirs map[string]bool
}

// unit reads one top-level unit of the file, r positioned after its entry.
func (w *declWalk) unit(r *dwarf.Reader, cu *dwarf.Entry) error {
	if dwo := skeletonDWO(cu); dwo != "" {
		r.SkipChildren()
		w.unnamed++ // the unit's name is in its .dwo
		w.skeleton(cu, dwo)
		return nil
	}
	if cu.Tag != dwarf.TagCompileUnit {
		r.SkipChildren()
		return nil
	}
	name, _ := cu.Val(dwarf.AttrName).(string)
	if name != "" {
		w.cuNames = append(w.cuNames, name)
	} else {
		w.unnamed++
	}
	if dir, ok := cu.Val(dwarf.AttrCompDir).(string); ok {
		w.compDirs[dir] = true
	}
	asm, wanted := w.wanted(cu, name)
	if !wanted {
		r.SkipChildren()
		return nil
	}
	return unitDecls(r, asm, lineFiles(w.d, cu), w.names, w.pos)
}

// wanted says whether the unit named name (with its DW_AT_language in cu)
// is an assembly unit, and whether it can hold a declaration looked for.
func (w *declWalk) wanted(cu *dwarf.Entry, name string) (asm, wanted bool) {
	lang, _ := cu.Val(dwarf.AttrLanguage).(int64)
	asm = lang == dwAsm
	return asm, asm || namesFile(name, w.files)
}

// skeleton reads the declarations of a split-DWARF skeleton unit from its
// .dwo, with the file names of the skeleton's line table. A .dwo missing,
// unreadable or stale is not an error: the unit's conflicts stay at file
// level, as without DWARF (the census has already said what it lacks).
func (w *declWalk) skeleton(cu *dwarf.Entry, dwo string) {
	compDir, _ := cu.Val(dwarf.AttrCompDir).(string)
	id, haveID := skeletonID(cu, w.f.Section(".debug_info"), w.f.ByteOrder)
	su, err := openSplitUnit(w.path, compDir, dwo, id, haveID)
	if err != nil {
		return
	}
	name, _ := su.cu.Val(dwarf.AttrName).(string)
	asm, wanted := w.wanted(su.cu, name)
	if !wanted {
		return
	}
	_ = unitDecls(su.r, asm, lineFiles(w.d, cu), w.names, w.pos) // what was read before an error is kept
}

// lineFiles is the file table of a unit's line table; nil without one.
func lineFiles(d *dwarf.Data, cu *dwarf.Entry) []*dwarf.LineFile {
	if lr, err := d.LineReader(cu); err == nil && lr != nil {
		return lr.Files()
	}
	return nil
}

// unitDecls reads the children of one compile unit (an assembly unit when
// asm), whose DW_AT_decl_file values index files.
func unitDecls(r *dwarf.Reader, asm bool, files []*dwarf.LineFile, names map[string]bool, pos map[declKey]declPos) error {
	for {
		e, err := r.Next()
		if err != nil {
			return err
		}
		if e == nil || e.Tag == 0 {
			return nil // end of this unit's children
		}
		if e.Children {
			r.SkipChildren()
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		if !names[name] || e.Val(dwarf.AttrDeclaration) != nil {
			continue
		}
		isLabel := e.Tag == dwarf.TagLabel
		isStatic := (e.Tag == dwarf.TagSubprogram || e.Tag == dwarf.TagVariable) && e.Val(dwarf.AttrExternal) == nil
		if (asm && !isLabel) || (!asm && !isStatic) {
			continue
		}
		fi, _ := e.Val(dwarf.AttrDeclFile).(int64)
		line, _ := e.Val(dwarf.AttrDeclLine).(int64)
		if fi < 0 || int(fi) >= len(files) || files[fi] == nil || line <= 0 {
			continue
		}
		key := declKey{name, asm}
		if _, seen := pos[key]; !seen {
			pos[key] = declPos{file: files[fi].Name, line: int(line)}
		}
	}
}

// location is where a declaration is, relative to the source tree (the
// build's, else the one the compile units point into), with its line.
func (s sourceDecls) location(roots report.Roots, key declKey) (report.SARIFArtifactLocation, *report.SARIFRegion, bool) {
	p, ok := s.pos[key]
	if !ok {
		return report.SARIFArtifactLocation{}, nil, false
	}
	src := s.sourceRoot(roots)
	region := &report.SARIFRegion{StartLine: p.line}
	if !filepath.IsAbs(p.file) {
		return report.InTree(p.file), region, true
	}
	if src != "" {
		if rel, err := filepath.Rel(src, p.file); err == nil && rel != "." && !filepath.IsAbs(rel) && !startsWithDotDot(rel) {
			return report.InTree(rel), region, true
		}
	}
	return report.Roots{}.Artifact(p.file), region, true
}

func startsWithDotDot(rel string) bool {
	return rel == ".." || len(rel) > 2 && rel[:3] == ".."+string(filepath.Separator)
}

// sourceRoot is the tree source files are relative to: the one the compile
// units name (they are what the compiler read), else the build's.
func (s sourceDecls) sourceRoot(roots report.Roots) string {
	if s.root != "" {
		return s.root
	}
	return roots.Source
}

// asmDefinitionLine is the line of an assembly source that defines name,
// for a global DWARF has no label of (data, or a file built without
// debug info): the first "name:" label, else the first SYM_*_START(name)
// or .globl/.global name; 0 when the file does not say.
func asmDefinitionLine(path, name string) int {
	data, err := os.ReadFile(path)
	if err != nil || len(data) > 16<<20 {
		return 0
	}
	fallback := 0
	for i, line := range strings.Split(string(data), "\n") {
		l := strings.TrimSpace(line)
		if !strings.Contains(l, name) {
			continue
		}
		if rest, ok := strings.CutPrefix(l, name); ok && strings.HasPrefix(strings.TrimSpace(rest), ":") {
			return i + 1
		}
		if fallback == 0 && (strings.HasPrefix(l, "SYM_") && strings.Contains(l, "("+name+")") || strings.Contains(l, "("+name+",") ||
			isDirective(l, ".globl", name) || isDirective(l, ".global", name)) {
			fallback = i + 1
		}
	}
	return fallback
}

func isDirective(line, directive, name string) bool {
	rest, ok := strings.CutPrefix(line, directive)
	return ok && strings.TrimSpace(rest) == name
}
