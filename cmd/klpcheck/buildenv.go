package main

import (
	"os"
	"path/filepath"

	"klpcheck/probe"
)

// recordedMakeVars reads the make variables a build's Kconfig run
// recorded in include/config/auto.conf.cmd; nil when there is none.
func recordedMakeVars(buildDir string) (map[string]string, error) {
	vars, err := probe.RecordedMakeVars(buildDir)
	if len(vars) == 0 {
		return nil, err
	}
	return vars, err
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
