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
// decoding them.
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
	var cuNames []string
	unnamed := 0
	compDirs := map[string]bool{}
	r := d.Reader()
	for {
		cu, err := r.Next()
		if err != nil || cu == nil {
			break
		}
		if cu.Tag == dwarf.TagSkeletonUnit {
			unnamed++ // split DWARF: the unit's name is in its .dwo
		}
		if cu.Tag != dwarf.TagCompileUnit {
			r.SkipChildren()
			continue
		}
		name, _ := cu.Val(dwarf.AttrName).(string)
		if name != "" {
			cuNames = append(cuNames, name)
		} else {
			unnamed++
		}
		if dir, ok := cu.Val(dwarf.AttrCompDir).(string); ok {
			compDirs[dir] = true
		}
		if lang, _ := cu.Val(dwarf.AttrLanguage).(int64); lang != dwAsm && !namesFile(name, files) {
			r.SkipChildren()
			continue
		}
		if err := unitDecls(d, r, cu, names, out.pos); err != nil {
			break
		}
	}
	if unnamed == 0 {
		// With units whose names are elsewhere (split DWARF), the names
		// seen here (the assembly units': arch/x86/...) would make a
		// subdirectory the tree; the caller knows the tree from every name.
		out.root = dwarfRoots(cuNames).src
	}
	if out.root == "" && unnamed == 0 && len(compDirs) == 1 {
		// An in-tree build: the compiler ran at the top of the tree and
		// named its sources relative to it.
		for dir := range compDirs {
			out.root = dir
		}
	}
	return out
}

// unitDecls reads the children of one compile unit.
func unitDecls(d *dwarf.Data, r *dwarf.Reader, cu *dwarf.Entry, names map[string]bool, pos map[declKey]declPos) error {
	lang, _ := cu.Val(dwarf.AttrLanguage).(int64)
	asm := lang == dwAsm
	var files []*dwarf.LineFile
	if lr, err := d.LineReader(cu); err == nil && lr != nil {
		files = lr.Files()
	}
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
