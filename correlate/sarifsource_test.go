package correlate

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAsmDefinitionLine(t *testing.T) {
	src := `/* x */
	.globl foo
	.globl bar
SYM_FUNC_START(baz)
	ret
foo:
	.quad 0
SYM_DATA(qux, .quad 0)
`
	path := filepath.Join(t.TempDir(), "entry.S")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		want int
	}{
		{"foo", 6}, // the label, not the .globl
		{"bar", 3}, // only a .globl
		{"baz", 4},
		{"qux", 8},
		{"fo", 0},
		{"nothere", 0},
	}
	for _, tt := range tests {
		if got := asmDefinitionLine(path, tt.name); got != tt.want {
			t.Errorf("asmDefinitionLine(%q) = %d, want %d", tt.name, got, tt.want)
		}
	}
}
