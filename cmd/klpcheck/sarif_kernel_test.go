package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/internal/report"
	"klpcheck/internal/report/reporttest"
	"klpcheck/internal/testenv"
)

// TestCorrelateSARIFRealKernel: correlate's SARIF of the real 6.12 build
// with two planted assembly globals validates against the 2.1.0 schema,
// and the hard conflict is located at the C static's declaration in the
// source tree (relative to %SRCROOT%, declared as the tree the build was
// made from), with the binary under BUILDROOT as a related location.
func TestCorrelateSARIFRealKernel(t *testing.T) {
	k := testenv.Kernel(t)
	vmlinux := filepath.Join(k.Build, "vmlinux.o")
	code, out, errb := klp(t, "correlate", "--format", "sarif", "--build", k.Build, vmlinux)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (the planted hard conflict): %s", code, errb)
	}
	reporttest.ValidateSARIF(t, []byte(out))
	var log report.SARIFLog
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	src, err := filepath.EvalSymlinks(k.Src)
	if err != nil {
		t.Fatal(err)
	}
	if got := run.OriginalURIBaseIDs[report.SourceRoot].URI; got != "file://"+filepath.ToSlash(src)+"/" {
		t.Errorf("%%SRCROOT%% = %q, want the source tree %s", got, src)
	}
	var hard *report.SARIFResult
	for i, r := range run.Results {
		if r.RuleID == "COR001" && strings.Contains(r.Message.Text, k.PlantedHard) {
			hard = &run.Results[i]
		}
	}
	if hard == nil {
		t.Fatalf("no COR001 result for %s", k.PlantedHard)
	}
	// At the planted global's .S file (the build names it; the fixture
	// script restores the source afterwards, so no line can be found in
	// it), the C static's declaration related.
	loc := hard.Locations[0].PhysicalLocation
	if loc.ArtifactLocation.URIBaseID != report.SourceRoot || loc.ArtifactLocation.URI != k.PlantedAsm {
		t.Errorf("hard conflict located at %+v, want %s under %%SRCROOT%%", loc.ArtifactLocation, k.PlantedAsm)
	}
	c := hard.RelatedLocations[0].PhysicalLocation
	if c.ArtifactLocation.URIBaseID != report.SourceRoot || !strings.HasSuffix(c.ArtifactLocation.URI, ".c") || c.Region == nil || c.Region.StartLine <= 0 {
		t.Errorf("C static at %+v %+v, want a .c file under %%SRCROOT%% with its DW_AT_decl_line", c.ArtifactLocation, c.Region)
	}
	last := hard.RelatedLocations[len(hard.RelatedLocations)-1].PhysicalLocation.ArtifactLocation
	if last.URIBaseID != report.BuildRoot || last.URI != "vmlinux.o" {
		t.Errorf("binary at %+v, want vmlinux.o under BUILDROOT", last)
	}
}

// TestCorrelateSARIFSplitDWARFRoot: without --build, %SRCROOT% is the tree
// the compile units name, for the planted vmlinux.o and for the same
// objects relinked with split DWARF alike. The standard DWARF reader sees
// only the skeletons of split units (their names are in the .dwo files)
// and the 19 assembly units' names, which put the root at arch/x86/ and
// made mm/memory.c a path below it; with --build it is the source link.
func TestCorrelateSARIFSplitDWARFRoot(t *testing.T) {
	k := testenv.Kernel(t)
	src, err := filepath.EvalSymlinks(k.Src)
	if err != nil {
		t.Fatal(err)
	}
	want := "file://" + filepath.ToSlash(src) + "/"
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"planted", []string{filepath.Join(k.Planted, "vmlinux.o")}},
		{"split", []string{filepath.Join(k.Split, "vmlinux.o")}},
		{"split with --build", []string{"--build", k.Build, filepath.Join(k.Split, "vmlinux.o")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errb := klp(t, append([]string{"correlate", "--format", "sarif"}, tt.args...)...)
			if code != 1 {
				t.Fatalf("exit %d, want 1 (the planted hard conflict): %s", code, errb)
			}
			var log report.SARIFLog
			if err := json.Unmarshal([]byte(out), &log); err != nil {
				t.Fatal(err)
			}
			if got := log.Runs[0].OriginalURIBaseIDs[report.SourceRoot].URI; got != want {
				t.Errorf("%%SRCROOT%% = %q, want the source tree %q", got, want)
			}
		})
	}
}

// TestCorrelateSARIFSplitDWARFDeclLine: the planted hard conflict's C
// static gets the same source line from split DWARF (its decl_line is in
// a .dwo, its file in the skeleton's line table) as from the planted
// build's whole DWARF, at the same file. (A missing or stale .dwo is
// TestReadDeclsSplitDWARF's: the skeletons here name theirs by absolute
// path, in the shared fixture.)
func TestCorrelateSARIFSplitDWARFDeclLine(t *testing.T) {
	k := testenv.Kernel(t)
	static := func(t *testing.T, file string) report.SARIFPhysicalLocation {
		t.Helper()
		code, out, errb := klp(t, "correlate", "--format", "sarif", file)
		if code != 1 {
			t.Fatalf("exit %d, want 1 (the planted hard conflict): %s", code, errb)
		}
		reporttest.ValidateSARIF(t, []byte(out))
		var log report.SARIFLog
		if err := json.Unmarshal([]byte(out), &log); err != nil {
			t.Fatal(err)
		}
		for _, r := range log.Runs[0].Results {
			if r.RuleID != "COR001" || !strings.Contains(r.Message.Text, k.PlantedHard) {
				continue
			}
			for _, l := range append(r.Locations, r.RelatedLocations...) {
				if l.Message != nil && strings.HasPrefix(l.Message.Text, "the C static ") {
					return l.PhysicalLocation
				}
			}
			t.Fatalf("COR001 of %s has no location of the C static: %+v", k.PlantedHard, r)
		}
		t.Fatalf("no COR001 result for %s", k.PlantedHard)
		return report.SARIFPhysicalLocation{}
	}
	whole := static(t, filepath.Join(k.Planted, "vmlinux.o"))
	if whole.Region == nil || whole.Region.StartLine <= 0 || !strings.HasSuffix(whole.ArtifactLocation.URI, ".c") {
		t.Fatalf("planted (whole DWARF): C static at %+v %+v, want a .c file and its line", whole.ArtifactLocation, whole.Region)
	}
	split := static(t, filepath.Join(k.Split, "vmlinux.o"))
	if split.Region == nil || *split.Region != *whole.Region || split.ArtifactLocation != whole.ArtifactLocation {
		t.Errorf("split DWARF: C static at %+v %+v, want %+v line %d as with whole DWARF", split.ArtifactLocation, split.Region, whole.ArtifactLocation, whole.Region.StartLine)
	}
}
