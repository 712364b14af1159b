package check

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLayering: dependencies point one way, cmd -> check -> capabilities
// (probe, lint, correlate) -> internal; capabilities never import each
// other, and nothing below cmd imports check or cmd. Read from the import
// lines of every Go file (tests included), so a new file cannot slip by.
func TestLayering(t *testing.T) {
	layer := func(dir string) string {
		top, _, _ := strings.Cut(filepath.ToSlash(dir), "/")
		return top
	}
	allowed := map[string][]string{
		"check":     {"check", "probe", "lint", "correlate", "internal", "fixtures"},
		"probe":     {"probe", "internal", "fixtures"},
		"lint":      {"lint", "internal", "fixtures"},
		"correlate": {"correlate", "internal", "fixtures"},
		"internal":  {"internal", "fixtures"},
	}
	checked := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("..", path)
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.Contains(rel, "testdata") {
			return nil
		}
		from := layer(rel)
		ok, ruled := allowed[from]
		if !ruled {
			return nil // cmd may import anything; fixtures, scripts have no rule
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			inner, isOurs := strings.CutPrefix(p, "klpcheck/")
			if !isOurs {
				continue
			}
			to := layer(inner)
			good := false
			for _, a := range ok {
				good = good || a == to
			}
			if !good {
				t.Errorf("%s imports %s: %s may import only %v", rel, p, from, ok)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Errorf("only %d files checked: the walk missed the tree", checked)
	}
}
