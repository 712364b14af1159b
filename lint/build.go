package lint

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"klpcheck/lint/model"
)

// autoConf is the file of a configured build that make includes: the
// CONFIG_ symbols that are set, one "CONFIG_NAME=value" line each.
const autoConf = configDir + "auto.conf"

// buildConfig is the configuration of a configured build directory.
type buildConfig struct {
	dir     string            // as the user gave it
	symbols map[string]string // without CONFIG_, values as make sees them
	config  model.Config
}

// loadBuild reads DIR/include/config/auto.conf for the symbols that decide
// the label of the build's configuration (its LTO mode and lld). The
// evaluation itself reads the file through the Makefile's own include.
func loadBuild(dir string, modes []model.Mode) (*buildConfig, error) {
	path := filepath.Join(dir, filepath.FromSlash(autoConf))
	data, err := readFile(path)
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) && errors.Is(ie.Err, os.ErrNotExist) {
			return nil, &InputError{File: path, Err: errors.New("no such file: the build directory is not configured yet (make O=DIR LLVM=1 olddefconfig writes it)")}
		}
		return nil, err
	}
	b := &buildConfig{dir: dir, symbols: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), MaxFileBytes)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		name, value, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") || !strings.HasPrefix(name, "CONFIG_") {
			continue
		}
		b.symbols[strings.TrimPrefix(name, "CONFIG_")] = value
	}
	if err := sc.Err(); err != nil {
		return nil, &InputError{File: path, Err: err}
	}
	b.config.Mode = model.ModeNone
	for _, m := range modes {
		if b.symbols[m.Symbol] == "y" {
			b.config.Mode = m
		}
	}
	lld := 0
	if b.symbols["LD_IS_LLD"] == "y" {
		lld, _ = strconv.Atoi(b.symbols["LLD_VERSION"])
	}
	b.config.Toolchain = model.ForBuild(lld, dir)
	return b, nil
}
