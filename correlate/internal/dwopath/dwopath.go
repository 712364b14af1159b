// Package dwopath says where the .dwo file of a split-DWARF skeleton unit
// may be. The census (correlate/dwarfunits) and the SARIF source locations
// (correlate) both follow skeleton units, and must look in the same places.
package dwopath

import "path/filepath"

// Candidates are the places a .dwo may be, in order: where the compiler
// wrote it (compDir/dwo, or dwo itself when absolute), then beside file
// (the object being read), for a build directory that was moved.
func Candidates(file, compDir, dwo string) []string {
	var out []string
	if filepath.IsAbs(dwo) {
		out = append(out, dwo)
	} else if compDir != "" {
		out = append(out, filepath.Join(compDir, dwo))
	}
	here := filepath.Dir(file)
	out = append(out, filepath.Join(here, dwo), filepath.Join(here, filepath.Base(dwo)))
	return out
}
