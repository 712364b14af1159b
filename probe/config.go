package probe

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"klpcheck/internal/kbuild"
)

// KernelConfig is what the probe needs from a kernel .config.
type KernelConfig struct {
	File         string `json:"file"`
	LTOMode      string `json:"lto_mode"` // "thin", "thin_dist", "full", "none"
	LLDVersion   int    `json:"lld_version"`
	ClangVersion int    `json:"clang_version"`
	LDIsLLD      bool   `json:"ld_is_lld"`
	CCIsClang    bool   `json:"cc_is_clang"`
	// RecordedLD is the LD the build's Kconfig run recorded in
	// include/config/auto.conf.cmd beside the .config; "" when absent.
	RecordedLD    string `json:"recorded_ld"`
	symbolsByName map[string]string
}

// BuildLinker is the linker a .config made with LLD was built with: the
// recorded LD, else ld.lld-<major of CONFIG_LLD_VERSION>; how it was found;
// and whether it was recorded (which outranks LD/LLVM in the environment,
// as a configured build directory does) or only derived. "" when the
// .config does not select LLD or says nothing about its version.
func (c *KernelConfig) BuildLinker() (name, source string, recorded bool) {
	switch {
	case !c.LDIsLLD:
		return "", "", false
	case c.RecordedLD != "":
		return c.RecordedLD, "LD=" + c.RecordedLD + " recorded in include/config/auto.conf.cmd beside " + c.File, true
	case c.LLDVersion > 0:
		name := kbuild.LLDName(kbuild.Version(c.LLDVersion))
		return name, fmt.Sprintf("CONFIG_LLD_VERSION=%d in %s", c.LLDVersion, c.File), false
	}
	return "", "", false
}

// LTO is the .config's LTO mode as a value.
func (c *KernelConfig) LTO() kbuild.LTOMode { return kbuild.ModeForConfigName(c.LTOMode) }

// ReadKernelConfig parses a kernel .config file, and the LD its Kconfig
// run recorded in include/config/auto.conf.cmd beside it.
func ReadKernelConfig(path string) (*KernelConfig, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, err := ParseKernelConfig(f, path)
	if err != nil {
		return nil, err
	}
	vars, err := RecordedMakeVars(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	cfg.RecordedLD = vars["LD"]
	return cfg, nil
}

// autoConfRecord matches the lines Kconfig writes to
// include/config/auto.conf.cmd for each make variable it depended on:
//
//	ifneq "$(LD)" "ld.lld-22"
//
// so a build directory remembers the LD (and CC, LLVM, ...) it was
// configured with.
var autoConfRecord = regexp.MustCompile(`^ifneq "\$\(([A-Za-z_][A-Za-z0-9_]*)\)" "(.*)"$`)

// RecordedMakeVars reads the make variables a build directory's Kconfig
// run recorded. A missing file is not an error: older trees and hand-made
// object directories do not have one.
func RecordedMakeVars(buildDir string) (map[string]string, error) {
	path := filepath.Join(buildDir, "include", "config", "auto.conf.cmd")
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
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
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return vars, nil
}

// ParseKernelConfig reads "CONFIG_X=value" lines and "# CONFIG_X is not set"
// comments. Any other non-comment line is an error naming file and line: a
// truncated or hand-edited .config should not be half-read in silence.
func ParseKernelConfig(r io.Reader, name string) (*KernelConfig, error) {
	cfg := &KernelConfig{File: name, LTOMode: "none", symbolsByName: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		if !ok || !strings.HasPrefix(key, "CONFIG_") || strings.ContainsAny(key, " \t") {
			return nil, fmt.Errorf("%s:%d: not a kernel config line (want CONFIG_NAME=value): %.60q", name, line, text)
		}
		cfg.symbolsByName[key] = strings.Trim(value, `"`)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %v", name, line+1, err)
	}
	for _, m := range kbuild.Modes {
		if m.ClangLTO() && cfg.symbolsByName["CONFIG_"+m.Symbol()] == "y" {
			cfg.LTOMode = m.ConfigName()
		}
	}
	var err error
	if cfg.LLDVersion, err = cfg.number("CONFIG_LLD_VERSION"); err != nil {
		return nil, err
	}
	if cfg.ClangVersion, err = cfg.number("CONFIG_CLANG_VERSION"); err != nil {
		return nil, err
	}
	cfg.LDIsLLD = cfg.symbolsByName["CONFIG_LD_IS_LLD"] == "y"
	cfg.CCIsClang = cfg.symbolsByName["CONFIG_CC_IS_CLANG"] == "y"
	return cfg, nil
}

func (c *KernelConfig) number(sym string) (int, error) {
	v, ok := c.symbolsByName[sym]
	if !ok || v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %s=%q is not a number", c.File, sym, v)
	}
	return n, nil
}

// KbuildVersionString renders major*10000+minor*100+patch as "X.Y.Z".
func KbuildVersionString(n int) string {
	return kbuild.Version(n).String()
}

// configWarnings compares a .config with what was probed.
func configWarnings(cfg *KernelConfig, r *Result) []string {
	var w []string
	if cfg.LLDVersion != 0 && r.Flavor == string(FlavorLLD) && r.KbuildVersion != 0 && cfg.LLDVersion != r.KbuildVersion {
		w = append(w, fmt.Sprintf("%s has CONFIG_LLD_VERSION=%d (%s) but %s is LLD %s (%d): the .config was made with another linker, and kbuild links with the one in LD",
			cfg.File, cfg.LLDVersion, KbuildVersionString(cfg.LLDVersion), r.Name, r.Version, r.KbuildVersion))
	}
	if cfg.LDIsLLD && r.Flavor != "" && r.Flavor != string(FlavorLLD) && r.Flavor != string(FlavorUnknown) {
		fix := "probe the LLD the build links with"
		if name, source, _ := cfg.BuildLinker(); name != "" {
			fix = fmt.Sprintf("probe %s instead, the linker this build links with (%s)", name, source)
		}
		w = append(w, fmt.Sprintf("%s selects LLD (CONFIG_LD_IS_LLD=y) but %s is GNU %s (from %s): %s", cfg.File, r.Name, r.Flavor, r.Source, fix))
	}
	if kbuild.Version(cfg.ClangVersion) >= kbuild.RenameRelease && r.Supported != nil && !*r.Supported {
		w = append(w, fmt.Sprintf("%s has CONFIG_CLANG_VERSION=%d, so a clang-min-version,230100 gate passes, yet %s rejects the flags: a mixed toolchain that a version gate lets through fails at link time",
			cfg.File, cfg.ClangVersion, r.Name))
	}
	return w
}

// configNotes are the warnings about a .config that do not depend on a linker.
func configNotes(cfg *KernelConfig) []string {
	switch cfg.LTOMode {
	case "thin_dist":
		return []string{cfg.File + " selects CONFIG_LTO_CLANG_THIN_DIST (distributed ThinLTO): ld-option only shows in-process support; LLVM supports the rename option in distributed mode from 23.1 (23.0 snapshots may not), so a passing probe does not prove this build works - gate it on clang-min-version,230100"}
	case "full":
		return []string{cfg.File + " selects CONFIG_LTO_CLANG_FULL: suffix reduction applies to ThinLTO only; the flags are not added for full LTO"}
	case "none":
		return []string{cfg.File + " selects no Clang ThinLTO: suffix reduction is not applicable to this build"}
	}
	return nil
}
