package probe

import (
	"fmt"
	"regexp"
	"strings"
)

// programPrefix matches "ld.lld-22: " style prefixes that linkers put before
// their messages (sometimes twice on one line), and lld's "error: ".
var programPrefix = regexp.MustCompile(`(?:^|\s)(?:[\w./+-]*ld[\w.+-]*|error|warning): `)

// LinkerReason reduces a failed run's output to one line in the linker's
// own words: the first error line, without program-name prefixes and
// "Try: --help" hints. For GNU linkers that misread -mllvm (as -m llvm) the
// misreading is named, because their own words do not mention -mllvm.
func LinkerReason(out shellRun, id Identity, flags []string) string {
	msg := ""
	for _, l := range strings.Split(out.stderr+"\n"+out.stdout, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || isBanner(l) {
			continue
		}
		if msg == "" {
			msg = l
		}
		if strings.Contains(strings.ToLower(l), "error") || strings.Contains(l, "unrecogni") || strings.Contains(l, "unknown") {
			msg = l
			break
		}
	}
	if msg == "" {
		return fmt.Sprintf("exit status %d with no message", out.status)
	}
	for prev := ""; prev != msg; {
		prev = msg
		msg = programPrefix.ReplaceAllString(msg, " ")
	}
	if i := strings.Index(msg, "Try: "); i > 0 {
		msg = msg[:i]
	}
	msg = strings.TrimRight(strings.Join(strings.Fields(msg), " "), ". ")
	if value, ok := mllvmValue(flags); ok && (id.Flavor == FlavorBFD || id.Flavor == FlavorGold) {
		if strings.Contains(msg, "emulation") || (value != "" && strings.Contains(msg, value)) {
			msg = fmt.Sprintf("GNU %s reads -mllvm as -m llvm: %s", id.Flavor, msg)
		}
	}
	return msg
}

// isBanner reports whether a line is the version banner some linkers print
// before their errors (lld's -v output).
func isBanner(l string) bool {
	return strings.Contains(l, "(compatible with GNU linkers)") || ParseIdentity(l).Flavor != FlavorUnknown && !strings.Contains(l, ":")
}

// mllvmValue finds -mllvm among flags and returns the word it carries.
func mllvmValue(flags []string) (string, bool) {
	for i, f := range flags {
		switch {
		case f == "-mllvm" && i+1 < len(flags):
			return flags[i+1], true
		case f == "-mllvm":
			return "", true
		case strings.HasPrefix(f, "-mllvm="):
			return strings.TrimPrefix(f, "-mllvm="), true
		}
	}
	return "", false
}
