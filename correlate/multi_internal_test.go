package correlate

import (
	"bytes"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestDistinctConflicts: a conflict found in several files (vmlinux.o and
// vmlinux) counts once in distinct_conflicts, under its most severe class;
// conflicts that differ in name or in the static's source files, or whose
// static's file is not a source path from the build or DWARF, do not merge.
func TestDistinctConflicts(t *testing.T) {
	c := func(name, class, cfile, from string) Conflict {
		return Conflict{Name: name, Class: class, C: Definition{File: cfile, From: from}}
	}
	hardMem := c("__access_remote_vm", ClassHard, "mm/memory.c", FromDWARF)
	tests := []struct {
		name        string
		files       map[string][]Conflict
		sum, unique ConflictCounts
	}{
		{"one conflict in vmlinux.o and vmlinux", map[string][]Conflict{
			"vmlinux.o": {hardMem}, "vmlinux": {hardMem},
		}, ConflictCounts{Hard: 2}, ConflictCounts{Hard: 1}},
		{"the build's path and DWARF's, cleaned", map[string][]Conflict{
			"vmlinux.o": {c("x", ClassLatent, "mm/./memory.c", FromBuild)}, "vmlinux": {c("x", ClassLatent, "mm/memory.c", FromDWARF)},
		}, ConflictCounts{Latent: 2}, ConflictCounts{Latent: 1}},
		{"several source files, in any order", map[string][]Conflict{
			"a": {c("x", ClassLatent, "a.c, b.c", FromDWARF)}, "b": {c("x", ClassLatent, "b.c, a.c", FromDWARF)},
		}, ConflictCounts{Latent: 2}, ConflictCounts{Latent: 1}},
		{"the most severe class", map[string][]Conflict{
			"vmlinux.o": {c("x", ClassLatent, "mm/memory.c", FromBuild)}, "vmlinux": {c("x", ClassHard, "mm/memory.c", FromDWARF)},
		}, ConflictCounts{Hard: 1, Latent: 1}, ConflictCounts{Hard: 1}},
		{"same name, statics of two files", map[string][]Conflict{
			"vmlinux": {c("x", ClassHard, "mm/memory.c", FromDWARF)}, "a.ko": {c("x", ClassHard, "drivers/a/memory.c", FromDWARF)},
		}, ConflictCounts{Hard: 2}, ConflictCounts{Hard: 2}},
		{"same static, two names", map[string][]Conflict{
			"vmlinux": {c("x", ClassHard, "mm/memory.c", FromDWARF), c("y", ClassHard, "mm/memory.c", FromDWARF)},
		}, ConflictCounts{Hard: 2}, ConflictCounts{Hard: 2}},
		{"a basename from the symbol table is per file", map[string][]Conflict{
			"vmlinux.o": {c("x", ClassLatent, "memory.c", FromSymtab)}, "vmlinux": {c("x", ClassLatent, "memory.c", FromSymtab)},
		}, ConflictCounts{Latent: 2}, ConflictCounts{Latent: 2}},
		{"an unknown file is per file", map[string][]Conflict{
			"vmlinux.o": {c("x", ClassPossible, "", FromUnknown)}, "vmlinux": {c("x", ClassPossible, "", FromUnknown)},
		}, ConflictCounts{Possible: 2}, ConflictCounts{Possible: 2}},
		{"no conflict", map[string][]Conflict{"vmlinux": nil}, ConflictCounts{}, ConflictCounts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Many{}
			for _, file := range slices.Sorted(maps.Keys(tt.files)) {
				m.Files = append(m.Files, &Result{File: file, Conflicts: tt.files[file]})
			}
			m.total(-1)
			if m.Totals.Conflicts != tt.sum || m.Totals.DistinctConflicts != tt.unique {
				t.Errorf("conflicts %+v, distinct %+v; want %+v, %+v", m.Totals.Conflicts, m.Totals.DistinctConflicts, tt.sum, tt.unique)
			}
			var b bytes.Buffer
			if err := WriteManyText(&b, m, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			line := ""
			for _, l := range strings.Split(b.String(), "\n") {
				if strings.HasPrefix(l, "Conflicts in all files:") {
					line = l
				}
			}
			switch {
			case tt.sum.Total() == 0 && line != "":
				t.Errorf("no conflict, yet %q", line)
			case tt.sum.Total() > 0 && !strings.HasPrefix(line, "Conflicts in all files: "+strconv.Itoa(tt.sum.Total())+" in "):
				t.Errorf("text %q: want the sum %d", line, tt.sum.Total())
			case (tt.sum.Total() != tt.unique.Total()) != strings.Contains(line, strconv.Itoa(tt.unique.Total())+" distinct"):
				t.Errorf("text %q: names %d distinct iff it differs from %d", line, tt.unique.Total(), tt.sum.Total())
			}
		})
	}
}
