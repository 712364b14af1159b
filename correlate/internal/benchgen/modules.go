package benchgen

import (
	"fmt"
	"os"
	"path/filepath"
)

// moduleSpecs size the distinct module-like objects: a few hundred to a
// thousand symbols each, as the kernel's modules have (configfs.ko has
// 361 symbol table entries).
var moduleSpecs = []Spec{{1, 200}, {2, 300}, {3, 400}, {4, 250}}

// Modules writes a tree of n module-sized ELF objects named *.ko under
// dir/modules, 100 to a directory as a distribution's modules tree has
// them, and returns that directory. The objects are the few distinct
// ones moduleSpecs make (assembled with clang, joined with ld.lld -r),
// hard-linked under n names: no disk for each copy, and every name is
// still a file a census must open and read.
func Modules(dir, clang, lld string, n int) (string, error) {
	var variants []string
	for _, s := range moduleSpecs {
		f, err := Generate(dir, clang, lld, s)
		if err != nil {
			return "", err
		}
		variants = append(variants, f.Orig, f.Patched)
	}
	root := filepath.Join(dir, fmt.Sprintf("modules%d-%d", layout, n))
	if _, err := os.Stat(filepath.Join(root, "done")); err == nil {
		return root, nil
	}
	if err := os.RemoveAll(root); err != nil {
		return "", err
	}
	for i := 0; i < n; i++ {
		sub := filepath.Join(root, fmt.Sprintf("d%03d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return "", err
			}
		}
		if err := os.Link(variants[i%len(variants)], filepath.Join(sub, fmt.Sprintf("mod%05d.ko", i))); err != nil {
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(root, "done"), nil, 0o644); err != nil {
		return "", err
	}
	return root, nil
}
