package testenv

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// KernelCacheEnv names the directory where scripts/kernel-fixtures.sh keeps
// the real kernel trees and builds.
const KernelCacheEnv = "KLPCHECK_KERNEL_CACHE"

// kernelHowTo is what a skipped test tells the developer to run.
const kernelHowTo = "build them with `go tool task kernel` (scripts/kernel-fixtures.sh: Debian's linux-source-6.12, make LLVM=-22, about 10 minutes on 2 cores)"

// KernelCache is the cache directory the kernel fixtures script writes.
func KernelCache() string {
	if d := os.Getenv(KernelCacheEnv); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "klpcheck", "kernel")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "klpcheck-kernel")
	}
	return filepath.Join(home, ".cache", "klpcheck", "kernel")
}

// KernelBuild describes the real x86_64 ThinLTO 6.12 builds made by
// scripts/kernel-fixtures.sh (see its header for the layout).
type KernelBuild struct {
	Dir           string // the keyed cache entry
	Src           string // the source tree all builds were made in
	Build         string // the O= build directory, in its last (planted) state
	Orig          string // orig/: vmlinux.o, vmlinux, modules/*.ko of the first build
	Patched       string // patched/: after the one-line change of PatchedFile
	Planted       string // planted/: with asm globals PlantedHard and PlantedLatent in PlantedAsm
	Split         string // split/: Planted's vmlinux.o relinked with split DWARF (dwo/*.dwo beside it)
	PatchedFile   string // path in the tree of the file changed by one line
	PlantedAsm    string // path in the tree of the .S file the asm globals were added to
	PlantedHard   string // asm global named like a promoted C static (NAME.llvm.<hash> in Orig)
	PlantedLatent string // asm global named like an unpromoted C static
	Version       string // kernelversion of the tree
	Env           map[string]string
}

// Kernel returns the real kernel builds, or skips the test (fails it when
// KLPCHECK_REQUIRE_TOOLS=1) with a message saying how to build them.
func Kernel(t testing.TB) *KernelBuild {
	t.Helper()
	dir := filepath.Join(KernelCache(), "linux-6.12-thin")
	env, err := readEnvFile(filepath.Join(dir, "manifest.env"))
	if err != nil {
		Missing(t, fmt.Sprintf("real kernel fixtures not found (%v); %s", err, kernelHowTo))
	}
	k := &KernelBuild{
		Dir: dir, Src: env["SRC"], Build: env["BUILD"],
		Orig: filepath.Join(dir, "orig"), Patched: filepath.Join(dir, "patched"), Planted: filepath.Join(dir, "planted"),
		Split:       filepath.Join(dir, "split"),
		PatchedFile: env["PATCHED_FILE"], PlantedAsm: env["PLANTED_ASM"],
		PlantedHard: env["PLANTED_HARD"], PlantedLatent: env["PLANTED_LATENT"],
		Version: env["KERNEL_VERSION"], Env: env,
	}
	return k
}

// KernelTree returns an extracted Debian linux-source tree ("6.1" or "6.12"),
// or skips (fails under KLPCHECK_REQUIRE_TOOLS=1).
func KernelTree(t testing.TB, version string) string {
	t.Helper()
	dir := filepath.Join(KernelCache(), "src", "linux-source-"+version)
	if _, err := os.Stat(filepath.Join(dir, ".klpcheck-extracted")); err != nil {
		Missing(t, fmt.Sprintf("linux-source-%s tree not found in %s; %s", version, filepath.Dir(dir), kernelHowTo))
	}
	return dir
}

func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok {
			env[k] = v
		}
	}
	return env, sc.Err()
}
