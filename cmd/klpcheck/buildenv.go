package main

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// autoConfRecord matches the lines Kconfig writes to
// include/config/auto.conf.cmd for each make variable it depended on:
//
//	ifneq "$(LD)" "ld.lld-22"
//
// so a build directory remembers the LD (and CC, LLVM, ...) it was
// configured with, and check can probe the linker that build really used.
var autoConfRecord = regexp.MustCompile(`^ifneq "\$\(([A-Za-z_][A-Za-z0-9_]*)\)" "(.*)"$`)

// recordedMakeVars reads the make variables a build's Kconfig run recorded.
// A missing file is not an error: older trees and hand-made object
// directories do not have one.
func recordedMakeVars(buildDir string) (map[string]string, error) {
	f, err := os.Open(filepath.Join(buildDir, "include", "config", "auto.conf.cmd"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		if m := autoConfRecord.FindStringSubmatch(strings.TrimSpace(sc.Text())); m != nil {
			vars[m[1]] = m[2]
		}
	}
	return vars, sc.Err()
}

// looksLikeKernelTree reports whether dir is a kernel source tree: a
// top-level Makefile next to Kconfig and an arch directory.
func looksLikeKernelTree(dir string) bool {
	for _, p := range []string{"Makefile", "Kconfig", "arch"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			return false
		}
	}
	return true
}

// looksLikeBuildDir reports whether dir holds a configured kernel build:
// a .config, and vmlinux.o or vmlinux or an O= "source" link.
func looksLikeBuildDir(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, ".config")); err != nil {
		return false
	}
	for _, p := range []string{"vmlinux.o", "vmlinux", "source"} {
		if _, err := os.Lstat(filepath.Join(dir, p)); err == nil {
			return true
		}
	}
	return false
}
