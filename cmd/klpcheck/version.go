package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3";
// otherwise the module version from the build info is used.
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// versionLong is the version plus what a bug report needs: the Go toolchain,
// the VCS revision when the binary was built from a checkout, and dependencies.
func versionLong() string {
	var b strings.Builder
	fmt.Fprintf(&b, "klpcheck %s\n", versionString())
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return strings.TrimSpace(b.String())
	}
	fmt.Fprintf(&b, "go: %s\n", bi.GoVersion)
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision", "vcs.time", "vcs.modified", "GOOS", "GOARCH":
			fmt.Fprintf(&b, "%s: %s\n", s.Key, s.Value)
		}
	}
	for _, d := range bi.Deps {
		fmt.Fprintf(&b, "dep: %s %s\n", d.Path, d.Version)
	}
	return strings.TrimSpace(b.String())
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the klpcheck version and Go build information",
		Description: `Prints the version, the Go toolchain and the module versions klpcheck was
built with: what a bug report needs.

Examples:
   klpcheck version
   klpcheck --version`,
		Action: func(c *cli.Context) error {
			fmt.Fprintln(c.App.Writer, versionLong())
			return nil
		},
	}
}
