package dwarfunits

import (
	"os"

	"klpcheck/correlate/elfsym"
	"klpcheck/correlate/internal/dwopath"
)

// completeSkeleton fills a split-DWARF skeleton unit from its .dwo file:
// the skeleton itself (in the main file) holds no DIEs but the unit's, and
// without the .dwo the names it defines are unknown, which is a problem
// the caller must see, not an empty unit.
func (d *reader) completeSkeleton(h header, st *unitState) error {
	dwo, err := d.resolve(st.dwoName, st)
	if err != nil || dwo == "" {
		return d.errorf(h.off, "split-DWARF skeleton unit without a readable DW_AT_dwo_name (%v)", err)
	}
	compDir, _ := d.resolve(st.compDir, st)
	if st.name.kind != 0 {
		st.u.Name, _ = d.resolve(st.name, st)
	}
	paths := dwopath.Candidates(d.f.Path, compDir, dwo)
	st.u.DWO = paths[0]
	var open error
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err == nil && !fi.Mode().IsRegular() {
			err = &os.PathError{Op: "open", Path: p, Err: os.ErrInvalid} // a FIFO or device would block or never end
		}
		if err != nil {
			if open == nil {
				open = err
			}
			continue
		}
		st.u.DWO = p
		if d.dwoSeen[p] {
			return d.errorf(h.off, "split-DWARF file %s is named by two skeleton units", p)
		}
		d.dwoSeen[p] = true
		return d.fromDWO(h, st, p)
	}
	return d.errorf(h.off, "split-DWARF skeleton unit: its .dwo file %s (DW_AT_comp_dir %q) cannot be read (%v); the names it defines are unknown", dwo, compDir, open)
}

// fromDWO reads the split compile unit of path whose DWO id matches the
// skeleton's.
func (d *reader) fromDWO(h header, st *unitState, path string) error {
	f, err := elfsym.Open(path)
	if err != nil {
		return d.errorf(h.off, "split-DWARF file: %v", err)
	}
	defer f.Close()
	info := f.SectionByName(".debug_info.dwo")
	if info == nil {
		return d.errorf(h.off, "split-DWARF file %s has no .debug_info.dwo", path)
	}
	dd, err := load(f, ".dwo")
	if err != nil {
		return d.errorf(h.off, "split-DWARF file %s: %v", path, err)
	}
	dd.probs = &Problems{}
	buf, rel, err := viewRelocated(f, info)
	if err != nil {
		return d.errorf(h.off, "split-DWARF file %s: %v", path, err)
	}
	dd.infoRel = rel
	units := dd.section(info, buf, nil)
	if err := dd.probs.err(); err != nil {
		return d.errorf(h.off, "split-DWARF file %s: %v", path, err)
	}
	for i := range units {
		u := &units[i]
		if st.hasDWOID && u.dwoID != st.dwoID {
			continue
		}
		name := st.u.Name
		st.u = *u
		st.u.Offset, st.u.DWO = int64(h.off), path
		if st.u.Name == "" {
			st.u.Name = name
		}
		return nil
	}
	return d.errorf(h.off, "split-DWARF file %s holds no unit with DWO id %#x (stale .dwo?)", path, st.dwoID)
}
