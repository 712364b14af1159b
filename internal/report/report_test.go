package report

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

type inner struct {
	Names []string          `json:"names"`
	Map   map[string]int    `json:"map"`
	Opt   *inner            `json:"opt"`
	Deep  map[string]*inner `json:"deep"`
}

type outer struct {
	List   []inner  `json:"list"`
	Empty  []string `json:"empty"`
	Nested inner    `json:"nested"`
	Ptr    *inner   `json:"ptr"`
	hidden []string
}

func TestWriteJSONNeverNullLists(t *testing.T) {
	v := &outer{List: []inner{{}}, Ptr: &inner{Deep: map[string]*inner{"k": {}}}}
	var b bytes.Buffer
	if err := WriteJSON(&b, v); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// Only the nil pointers (documented "null when not asked for") stay null.
	if got := strings.Count(out, "null"); got != 4 {
		t.Errorf("%d nulls, want 4 (the nil *inner members):\n%s", got, out)
	}
	for _, want := range []string{`"empty": []`, `"names": []`, `"map": {}`} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %s:\n%s", want, out)
		}
	}
	if v.hidden != nil {
		t.Errorf("unexported field touched")
	}
}

func TestRootsArtifact(t *testing.T) {
	dir := t.TempDir()
	src, build := filepath.Join(dir, "linux"), filepath.Join(dir, "linux", "out")
	tests := []struct {
		roots Roots
		name  string
		want  SARIFArtifactLocation
	}{
		{Roots{Source: src}, filepath.Join(src, "mm", "memory.c"), SARIFArtifactLocation{URI: "mm/memory.c", URIBaseID: SourceRoot}},
		{Roots{Source: src, Build: build}, filepath.Join(build, "vmlinux.o"), SARIFArtifactLocation{URI: "vmlinux.o", URIBaseID: BuildRoot}},
		{Roots{Source: src, Build: build}, filepath.Join(src, "a b.c"), SARIFArtifactLocation{URI: "a%20b.c", URIBaseID: SourceRoot}},
		{Roots{Source: src}, filepath.Join(dir, "elsewhere.o"), SARIFArtifactLocation{URI: "file://" + filepath.ToSlash(filepath.Join(dir, "elsewhere.o"))}},
		{Roots{}, "<stdin>", SARIFArtifactLocation{URI: "stdin"}},
	}
	for _, tt := range tests {
		if got := tt.roots.Artifact(tt.name); got != tt.want {
			t.Errorf("%+v.Artifact(%q) = %+v, want %+v", tt.roots, tt.name, got, tt.want)
		}
	}
	bases := Roots{Source: src, Build: build}.BaseIDs()
	if got := bases[SourceRoot].URI; got != "file://"+filepath.ToSlash(src)+"/" {
		t.Errorf("%%SRCROOT%% = %q", got)
	}
	if (Roots{}).BaseIDs() != nil {
		t.Errorf("no roots must declare nothing")
	}
}

func TestInvocation(t *testing.T) {
	ok := Invocation(true, "")[0]
	failed := Invocation(false, "cannot open")[0]
	if !ok.ExecutionSuccessful || ok.ExitCode != nil || failed.ExecutionSuccessful || *failed.ExitCode != ExitError || failed.ToolExecutionNotifications[0].Message.Text != "cannot open" {
		t.Errorf("ok %+v, failed %+v", ok, failed)
	}
}

func TestNumberFingerprints(t *testing.T) {
	rs := []SARIFResult{{PartialFingerprints: Fingerprints("a")}, {PartialFingerprints: Fingerprints("a")}, {PartialFingerprints: Fingerprints("b")}}
	NumberFingerprints(rs)
	a, a2 := rs[0].PartialFingerprints[FingerprintKey], rs[1].PartialFingerprints[FingerprintKey]
	if a2 != a+":2" || strings.Contains(rs[2].PartialFingerprints[FingerprintKey], ":") {
		t.Errorf("fingerprints %q %q %q", a, a2, rs[2].PartialFingerprints[FingerprintKey])
	}
}
