// Package reporttest validates klpcheck's outputs in tests: SARIF logs
// against the official SARIF 2.1.0 schema, JSON documents against the
// schemas in schema/, and every documented list for null.
package reporttest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"klpcheck/internal/testenv"
)

// SARIFSchemaEnv names a SARIF 2.1.0 schema file to use instead of
// ../shared/schemas/sarif-schema-2.1.0.json beside the repository.
const SARIFSchemaEnv = "KLPCHECK_SARIF_SCHEMA"

// RepoRoot is the directory of the module's go.mod, found upwards from the
// test's working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// SARIFSchemaPath is the SARIF 2.1.0 schema file: $KLPCHECK_SARIF_SCHEMA,
// else ../shared/schemas/sarif-schema-2.1.0.json from the repository root.
// When it is absent the test is skipped: in CI (CI set; a clone whose
// parent has no shared/) with a message, elsewhere as a missing tool
// (a failure under KLPCHECK_REQUIRE_TOOLS=1).
func SARIFSchemaPath(t testing.TB) string {
	t.Helper()
	path := os.Getenv(SARIFSchemaEnv)
	if path == "" {
		path = filepath.Join(RepoRoot(t), "..", "shared", "schemas", "sarif-schema-2.1.0.json")
	}
	if _, err := os.Stat(path); err != nil {
		why := fmt.Sprintf("SARIF 2.1.0 schema not found at %s (set %s to the file): SARIF outputs not validated", path, SARIFSchemaEnv)
		if os.Getenv("CI") != "" {
			t.Skip(why)
		}
		testenv.Missing(t, why)
	}
	return path
}

var compiled sync.Map // path -> *jsonschema.Schema

func compile(t testing.TB, path string) *jsonschema.Schema {
	t.Helper()
	if s, ok := compiled.Load(path); ok {
		return s.(*jsonschema.Schema)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile(path)
	if err != nil {
		t.Fatalf("compiling schema %s: %v", path, err)
	}
	compiled.Store(path, s)
	return s
}

// ValidateSARIF checks that out is one SARIF log valid against the 2.1.0
// schema and that it has what GitHub code scanning needs: every result a
// partialFingerprints entry, every rule a helpUri and help.markdown, every
// run an invocation, every relative artifact a declared or %SRCROOT% base.
func ValidateSARIF(t testing.TB, out []byte) {
	t.Helper()
	Validate(t, SARIFSchemaPath(t), out)
	CheckSARIF(t, out)
}

// CheckSARIF checks what ValidateSARIF does beyond the schema, for tests
// that must run where the schema file is absent.
func CheckSARIF(t testing.TB, out []byte) {
	t.Helper()
	doc := decode(t, out)
	for _, run := range list(doc, "runs") {
		checkRun(t, run.(map[string]any))
	}
}

func checkRun(t testing.TB, run map[string]any) {
	t.Helper()
	if len(list(run, "invocations")) != 1 {
		t.Errorf("SARIF run without exactly one invocation")
	}
	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	for _, r := range list(driver, "rules") {
		rule := r.(map[string]any)
		help, _ := rule["help"].(map[string]any)
		if rule["helpUri"] == nil || help == nil || help["markdown"] == nil || help["text"] == nil {
			t.Errorf("SARIF rule %v without helpUri, help.text or help.markdown", rule["id"])
		}
	}
	bases, _ := run["originalUriBaseIds"].(map[string]any)
	seen := map[string]bool{}
	for _, r := range list(run, "results") {
		res := r.(map[string]any)
		fp, _ := res["partialFingerprints"].(map[string]any)
		if len(fp) == 0 {
			t.Errorf("SARIF result %v without partialFingerprints", res["ruleId"])
		}
		for _, v := range fp {
			if seen[v.(string)] {
				t.Errorf("SARIF fingerprint %v used twice", v)
			}
			seen[v.(string)] = true
		}
		locs := append(list(res, "locations"), list(res, "relatedLocations")...)
		for _, l := range locs {
			art := l.(map[string]any)["physicalLocation"].(map[string]any)["artifactLocation"].(map[string]any)
			uri, _ := art["uri"].(string)
			base, _ := art["uriBaseId"].(string)
			switch {
			case strings.HasPrefix(uri, "file:///") || uri == "stdin":
			case base == "":
				t.Errorf("SARIF location %q relative without a uriBaseId", uri)
			case base != "%SRCROOT%" && bases[base] == nil:
				t.Errorf("SARIF location %q relative to %s, not declared in originalUriBaseIds", uri, base)
			}
		}
	}
}

// Validate checks out against the JSON Schema file at schemaPath.
func Validate(t testing.TB, schemaPath string, out []byte) {
	t.Helper()
	s := compile(t, schemaPath)
	if err := s.Validate(decode(t, out)); err != nil {
		t.Errorf("output does not validate against %s:\n%v\noutput:\n%s", schemaPath, err, clip(out))
	}
}

// decode reads out as exactly one JSON document.
func decode(t testing.TB, out []byte) any {
	t.Helper()
	r := bytes.NewReader(out)
	v, err := jsonschema.UnmarshalJSON(r)
	if err != nil {
		t.Fatalf("output is not one JSON document: %v\n%s", err, clip(out))
	}
	return v
}

func list(m any, key string) []any {
	obj, _ := m.(map[string]any)
	l, _ := obj[key].([]any)
	return l
}

func clip(b []byte) string {
	if len(b) > 4000 {
		return string(b[:4000]) + "..."
	}
	return string(b)
}
