package report

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// SARIF 2.1.0 types: only the subset klpcheck emits. The schema is
// https://json.schemastore.org/sarif-2.1.0.json; field names follow it.
//
// The types are written here rather than taken from a SARIF library
// (github.com/owenrumney/go-sarif): the subset is small, and the contract
// of klpcheck's output needs exact control over which members are always
// present ("results": [] on a clean run, "rules" listing every rule) and
// which are left out when empty, which the library's pointer-and-omitempty
// types decide for us; it would also add a dependency for a hundred lines.

// SARIFVersion and SARIFSchema identify the log format.
const (
	SARIFVersion = "2.1.0"
	SARIFSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
)

// The uriBaseIds klpcheck declares in originalUriBaseIds: every artifact
// location is relative to one of them (or an absolute file URI when it lies
// in neither). %SRCROOT% is the name GitHub code scanning resolves against
// the checked-out repository.
const (
	SourceRoot = "%SRCROOT%"
	BuildRoot  = "BUILDROOT"
)

// FingerprintKey names klpcheck's partialFingerprints entry; the version
// changes when the fingerprint's inputs change.
const FingerprintKey = "klpcheckFingerprint/v1"

// SARIFLog is the top-level SARIF document.
type SARIFLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []SARIFRun `json:"runs"`
}

// SARIFRun is one tool run.
type SARIFRun struct {
	Tool               SARIFTool                        `json:"tool"`
	Invocations        []SARIFInvocation                `json:"invocations,omitempty"`
	OriginalURIBaseIDs map[string]SARIFArtifactLocation `json:"originalUriBaseIds,omitempty"`
	Results            []SARIFResult                    `json:"results"`
}

// SARIFInvocation says whether the run could do its work: false on exit
// status 2, with the reason as a notification.
type SARIFInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ExitCode                   *int                `json:"exitCode,omitempty"`
	ToolExecutionNotifications []SARIFNotification `json:"toolExecutionNotifications,omitempty"`
}

// SARIFNotification is a message about the run itself (why it could not run).
type SARIFNotification struct {
	Level   string       `json:"level"`
	Message SARIFMessage `json:"message"`
}

// SARIFTool names the tool and the rules it can report.
type SARIFTool struct {
	Driver SARIFDriver `json:"driver"`
}

// SARIFDriver describes klpcheck itself.
type SARIFDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []SARIFRule `json:"rules"`
}

// SARIFRule is the metadata of one rule.
type SARIFRule struct {
	ID                   string              `json:"id"`
	Name                 string              `json:"name,omitempty"`
	ShortDescription     SARIFMessage        `json:"shortDescription"`
	FullDescription      *SARIFMessage       `json:"fullDescription,omitempty"`
	HelpURI              string              `json:"helpUri,omitempty"`
	Help                 *SARIFMessage       `json:"help,omitempty"`
	DefaultConfiguration *SARIFConfiguration `json:"defaultConfiguration,omitempty"`
}

// SARIFConfiguration carries a rule's default level.
type SARIFConfiguration struct {
	Level string `json:"level"`
}

// SARIFMessage is a message in plain text and, optionally, Markdown.
type SARIFMessage struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

// SARIFResult is one finding.
type SARIFResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             SARIFMessage       `json:"message"`
	Locations           []SARIFLocation    `json:"locations,omitempty"`
	RelatedLocations    []SARIFLocation    `json:"relatedLocations,omitempty"`
	PartialFingerprints map[string]string  `json:"partialFingerprints,omitempty"`
	Suppressions        []SARIFSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

// SARIFSuppression says that a result was suppressed and why (SARIF 2.1.0
// §3.35): "inSource" for a comment in the file the result is in, whose
// location it points at. Viewers show such a result as dismissed, not open.
type SARIFSuppression struct {
	Kind          string         `json:"kind"`
	Justification string         `json:"justification,omitempty"`
	Location      *SARIFLocation `json:"location,omitempty"`
}

// SuppressedInSource is the kind of a suppression written in the analysed file.
const SuppressedInSource = "inSource"

// SARIFLocation points at a file region.
type SARIFLocation struct {
	ID               *int                  `json:"id,omitempty"`
	PhysicalLocation SARIFPhysicalLocation `json:"physicalLocation"`
	Message          *SARIFMessage         `json:"message,omitempty"`
}

// SARIFPhysicalLocation is a file and a region in it.
type SARIFPhysicalLocation struct {
	ArtifactLocation SARIFArtifactLocation `json:"artifactLocation"`
	Region           *SARIFRegion          `json:"region,omitempty"`
}

// SARIFArtifactLocation is a URI reference, relative to the root named by
// URIBaseID when it has one.
type SARIFArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

// SARIFRegion is a 1-based line and column.
type SARIFRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// SARIFLevel maps a klpcheck severity ("error", "warning", "note") to a
// SARIF level; anything else is reported as "note".
func SARIFLevel(severity string) string {
	switch severity {
	case "error", "warning", "note":
		return severity
	}
	return "note"
}

// Roots are the directories artifact locations are made relative to.
// Either may be empty.
type Roots struct {
	Source string // the kernel tree: %SRCROOT%
	Build  string // the build directory (make O=): BUILDROOT
}

// BaseIDs is the originalUriBaseIds member for the roots that are set,
// each an absolute file URI ending in a slash as SARIF requires; nil when
// neither is.
func (r Roots) BaseIDs() map[string]SARIFArtifactLocation {
	out := map[string]SARIFArtifactLocation{}
	for id, dir := range map[string]string{SourceRoot: r.Source, BuildRoot: r.Build} {
		if dir == "" {
			continue
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			continue
		}
		slash := filepath.ToSlash(abs)
		if !strings.HasSuffix(slash, "/") {
			slash += "/"
		}
		out[id] = SARIFArtifactLocation{URI: (&url.URL{Scheme: "file", Path: slash}).String()}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Artifact is the location of name: relative to the build directory or the
// source tree when it lies inside one (the build first: an in-tree build's
// objects are the build's; give Roots without Build for a source file),
// else an absolute file URI. A relative name is
// taken relative to the current directory.
func (r Roots) Artifact(name string) SARIFArtifactLocation {
	if name == "<stdin>" || name == "-" {
		return SARIFArtifactLocation{URI: "stdin"}
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return SARIFArtifactLocation{URI: uriPath(name)}
	}
	for _, root := range []struct{ id, dir string }{{BuildRoot, r.Build}, {SourceRoot, r.Source}} {
		if root.dir == "" {
			continue
		}
		dir, err := filepath.Abs(root.dir)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(dir, abs); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			return SARIFArtifactLocation{URI: uriPath(rel), URIBaseID: root.id}
		}
	}
	return SARIFArtifactLocation{URI: (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()}
}

// InTree is the location of name relative to the source tree, for a name
// that is already relative to it (a DWARF or lint path).
func InTree(name string) SARIFArtifactLocation {
	if filepath.IsAbs(name) {
		return SARIFArtifactLocation{URI: (&url.URL{Scheme: "file", Path: filepath.ToSlash(name)}).String()}
	}
	return SARIFArtifactLocation{URI: uriPath(name), URIBaseID: SourceRoot}
}

func uriPath(name string) string {
	return (&url.URL{Path: filepath.ToSlash(filepath.Clean(name))}).String()
}

// lineRefs matches the line numbers a message may quote ("at line 12",
// "lines 3-5", "Makefile:40"): they move when unrelated lines are added,
// so they take no part in a fingerprint.
var lineRefs = regexp.MustCompile(`(?i)\b(lines?\s+)\d+(\s*[-–]\s*\d+)?|:\d+(:\d+)?\b`)

// Fingerprint is a result's partialFingerprints value: a hash of what
// identifies the finding (rule, file, message with its line numbers left
// out, the symbol it is about), never of the line it is on, so that the
// same finding keeps its identity when unrelated lines move it.
func Fingerprint(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(lineRefs.ReplaceAllString(p, "${1}N")))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// NumberFingerprints makes the fingerprints of a run unique: the second
// result with the same fingerprint gets ":2" appended, and so on, in
// result order (which follows the file's order, so it is stable too).
func NumberFingerprints(results []SARIFResult) {
	seen := map[string]int{}
	for i := range results {
		fp := results[i].PartialFingerprints[FingerprintKey]
		if fp == "" {
			continue
		}
		seen[fp]++
		if n := seen[fp]; n > 1 {
			results[i].PartialFingerprints[FingerprintKey] = fp + ":" + strconv.Itoa(n)
		}
	}
}

// Fingerprints is the partialFingerprints map of one result.
func Fingerprints(parts ...string) map[string]string {
	return map[string]string{FingerprintKey: Fingerprint(parts...)}
}

// Invocation is the invocations member of a run: successful when the
// command did its work (exit status 0 or 1), else exit status 2 with the
// reason as a notification.
func Invocation(successful bool, reason string) []SARIFInvocation {
	inv := SARIFInvocation{ExecutionSuccessful: successful}
	if !successful {
		code := ExitError
		inv.ExitCode = &code
	}
	if reason != "" {
		inv.ToolExecutionNotifications = []SARIFNotification{{Level: "error", Message: SARIFMessage{Text: reason}}}
	}
	return []SARIFInvocation{inv}
}

// FailedSARIF is the SARIF log of a command that could not run: no
// results, the reason as a tool execution notification.
func FailedSARIF(version string, rules []SARIFRule, reason string) SARIFLog {
	if rules == nil {
		rules = []SARIFRule{}
	}
	return SARIFLog{Schema: SARIFSchema, Version: SARIFVersion, Runs: []SARIFRun{{
		Tool:        SARIFTool{Driver: SARIFDriver{Name: "klpcheck", Version: version, Rules: rules}},
		Invocations: Invocation(false, reason),
		Results:     []SARIFResult{},
	}}}
}
