package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/invopop/jsonschema"

	"klpcheck/correlate"
	"klpcheck/internal/report/reporttest"
	"klpcheck/lint"
	"klpcheck/probe"
)

var updateSchemas = flag.Bool("update", false, "regenerate schema/*.schema.json from the Go types")

// documentSchemas are the --format json documents and the Go types they
// are encoded from; schema/<name>.schema.json is generated from each.
var documentSchemas = []struct {
	name  string
	title string
	value any
}{
	{"probe", "klpcheck probe --format json", &probe.Report{}},
	{"lint", "klpcheck lint --format json", &lint.Result{}},
	{"lint-paths", "klpcheck lint --format json PATH PATH...", &lint.PathsReport{}},
	{"correlate", "klpcheck correlate --format json", &correlate.Result{}},
	{"correlate-many", "klpcheck correlate --format json FILE|DIR... (several files, or a directory)", &correlate.Many{}},
	{"check", "klpcheck check --format json", &checkReport{}},
	{"error", "klpcheck COMMAND --format json when the command could not run (exit status 2, 130, 143)", &failureDocument{}},
}

// schemaPath is the schema file of a document in the repository.
func schemaPath(t testing.TB, name string) string {
	return filepath.Join(reporttest.RepoRoot(t), "schema", name+".schema.json")
}

// generateSchema reflects the Go type of a document into a JSON Schema:
// members without omitempty are required (always present), structs admit
// no other members, a pointer member may be null (the documented "null
// unless asked for"), a list or object never is. Descriptions are the Go
// doc comments of the types and fields.
func generateSchema(t *testing.T, root, name, title string, v any) []byte {
	t.Helper()
	r := &jsonschema.Reflector{
		Namer: func(t reflect.Type) string {
			pkg := t.PkgPath()
			if pkg == "" || t.Name() == "" {
				return t.Name()
			}
			if pkg == "main" || pkg == "klpcheck/cmd/klpcheck" {
				pkg = "check"
			}
			return strings.ReplaceAll(strings.TrimPrefix(pkg, "klpcheck/"), "/", ".") + "." + t.Name()
		},
	}
	for _, dir := range []string{"probe", "lint", "correlate"} {
		if err := addComments(r, root, dir); err != nil {
			t.Fatalf("reading the doc comments of %s: %v", dir, err)
		}
	}
	s := r.Reflect(v)
	s.ID = jsonschema.ID("https://klpcheck.invalid/schema/" + name + ".schema.json")
	s.Title = title
	allowNullPointers(s, reflect.TypeOf(v), r.Namer, map[reflect.Type]bool{})
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// addComments reads the doc comments of one package directory (not its
// tests or subpackages' testdata), named as the module imports it.
func addComments(r *jsonschema.Reflector, root, dir string) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	defer os.Chdir(wd) //nolint:errcheck // back to where the test ran
	if err := os.Chdir(root); err != nil {
		return err
	}
	return r.AddGoComments("klpcheck", dir)
}

// allowNullPointers makes each pointer member of the structs reachable from
// t accept null as well as its schema: the encoder writes a nil pointer as
// null, and the documents use that for "not asked for".
func allowNullPointers(s *jsonschema.Schema, t reflect.Type, namer func(reflect.Type) string, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	nullPointerMembers(s, s.Definitions[namer(t)], t, namer, seen)
}

// nullPointerMembers makes the pointer members of struct t in def accept
// null; the members of an embedded struct are def's own, as the encoder
// writes them.
func nullPointerMembers(s *jsonschema.Schema, def *jsonschema.Schema, t reflect.Type, namer func(reflect.Type) string, seen map[reflect.Type]bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		allowNullPointers(s, f.Type, namer, seen)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			nullPointerMembers(s, def, f.Type, namer, seen)
			continue
		}
		if name == "" || name == "-" || def == nil || def.Properties == nil || f.Type.Kind() != reflect.Pointer {
			continue
		}
		if prop, ok := def.Properties.Get(name); ok {
			def.Properties.Set(name, &jsonschema.Schema{AnyOf: []*jsonschema.Schema{prop, {Type: "null"}}, Description: prop.Description})
			prop.Description = ""
		}
	}
}

// TestSchemasInSync regenerates every schema and compares it with the file
// in schema/; -update writes them.
func TestSchemasInSync(t *testing.T) {
	root := reporttest.RepoRoot(t)
	for _, d := range documentSchemas {
		got := generateSchema(t, root, d.name, d.title, d.value)
		path := schemaPath(t, d.name)
		if *updateSchemas {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./cmd/klpcheck -run Schema -update writes it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: the Go types of klpcheck %s changed; run go test ./cmd/klpcheck -run Schema -update and review the diff", path, d.name)
		}
	}
}
