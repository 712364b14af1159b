package kbuild

import (
	"fmt"
	"path/filepath"
	"strings"
)

// LLDName is the lld that Debian-style installs name for a major version:
// ld.lld-22 for CONFIG_LLD_VERSION=220103, what LLVM=-22 picks.
func LLDName(v Version) string { return fmt.Sprintf("ld.lld-%d", v.Major()) }

// InvalidLLVMError is kbuild's "Invalid value for LLVM".
type InvalidLLVMError struct{ Value string }

func (e *InvalidLLVMError) Error() string {
	return fmt.Sprintf("invalid value for LLVM: %q (kbuild accepts 1, a version suffix such as -22, or a directory prefix ending in /)", e.Value)
}

// LD is the linker kbuild's top-level Makefile picks, and the rule that
// chose it: LD= wins, then LLVM= (PREFIX/ -> PREFIX/ld.lld, -SUFFIX ->
// ld.lld-SUFFIX, 1 -> ld.lld), then $(CROSS_COMPILE)ld, else ld.
func LD(ld, llvm, crossCompile string) (name, rule string, err error) {
	switch {
	case ld != "":
		return ld, "LD", nil
	case llvm != "":
		switch {
		case strings.HasSuffix(llvm, "/"):
			return llvm + "ld.lld", "LLVM=" + llvm, nil
		case strings.HasPrefix(llvm, "-"):
			return "ld.lld" + llvm, "LLVM=" + llvm, nil
		case llvm == "1":
			return "ld.lld", "LLVM=1", nil
		}
		return "", "", &InvalidLLVMError{Value: llvm}
	case crossCompile != "":
		return crossCompile + "ld", "CROSS_COMPILE", nil
	}
	return "ld", "default", nil
}

// LLVMForLD is the LLVM= value that makes kbuild pick ld as LD, the inverse
// of LD's LLVM rule: -22 for ld.lld-22, /opt/llvm/bin/ for
// /opt/llvm/bin/ld.lld, 1 for ld.lld; "" when no LLVM= value picks it.
func LLVMForLD(ld string) string {
	dir, base := filepath.Split(ld)
	switch {
	case base == "ld.lld" && dir != "":
		return dir
	case base == "ld.lld":
		return "1"
	case strings.HasPrefix(base, "ld.lld-") && dir == "":
		return strings.TrimPrefix(base, "ld.lld")
	}
	return ""
}
