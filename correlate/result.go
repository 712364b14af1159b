package correlate

// The JSON field names below are a contract (see the README's schema):
// fields may be added, none renamed.

// Kinds of symbols.
const (
	KindFunc  = "func"  // STT_FUNC (and GNU ifuncs)
	KindData  = "data"  // STT_OBJECT (and TLS, common)
	KindOther = "other" // STT_NOTYPE and the rest
)

// Where a piece of provenance came from, best first.
const (
	FromBuild   = "build"   // an object in --build DIR
	FromDWARF   = "dwarf"   // a DWARF compile unit
	FromSymtab  = "symtab"  // the STT_FILE symbol before a local
	FromSection = "section" // the STT_FILE of a global's own section
	FromUnknown = "unknown"
)

// Conflict classes.
const (
	ClassHard     = "hard"
	ClassLatent   = "latent"
	ClassPossible = "possible"
)

// Result is everything correlate found in one file.
type Result struct {
	File string `json:"file"`
	// ELF describes the file: class, byte order, machine, type.
	ELF string `json:"elf"`
	// SymbolEntries counts the symbol table entries (the null entry included).
	SymbolEntries int            `json:"symbol_entries"`
	Suffixed      Census         `json:"suffixed"`
	OtherSuffixes map[string]int `json:"other_suffixes"`
	Conflicts     []Conflict     `json:"conflicts"`
	Provenance    Provenance     `json:"provenance"`
	// ProvenanceComplete is false when some evidence could not be read
	// (corrupt or unsupported DWARF, a missing .dwo, no evidence at all):
	// a conflict it would have shown may be reported as possible or not
	// at all. ProvenanceProblems says what, one line each, naming the
	// file and section offset; [] when complete.
	ProvenanceComplete bool     `json:"provenance_complete"`
	ProvenanceProblems []string `json:"provenance_problems"`
	// Twins is null unless --against was given.
	Twins *Twins `json:"twins"`
	// Budget is null unless --max-suffixed was given.
	Budget *Budget `json:"budget"`
	// Prediction is null unless --predict was given.
	Prediction *Prediction `json:"prediction"`
	// Status is the exit status this result calls for (0, 1).
	Status int `json:"status"`
	// Reasons says why Status is 1, one line each.
	Reasons []string `json:"reasons"`

	// dwarfRoot is the source tree the DWARF compile units name (SARIF's
	// %SRCROOT%), when the analysis read them.
	dwarfRoot string
}

// Census counts the ThinLTO promoted symbols.
type Census struct {
	Functions int `json:"functions"`
	Data      int `json:"data"`
	// DataStrings counts the string literals (".str", ".str.N") among Data.
	DataStrings int              `json:"data_strings"`
	Other       int              `json:"other"` // suffixed symbols of other types (NOTYPE)
	ByHash      []HashGroup      `json:"by_hash"`
	Symbols     []SuffixedSymbol `json:"symbols"`
}

// Total is functions plus data: what --max-suffixed limits.
func (c *Census) Total() int { return c.Functions + c.Data }

// HashGroup is the symbols promoted from one module: they share its hash.
type HashGroup struct {
	Hash     string   `json:"hash"`
	File     string   `json:"file"`      // the source file, "" when unknown
	FileFrom string   `json:"file_from"` // build, dwarf, symtab, section, or unknown
	Symbols  []string `json:"symbols"`
}

// SuffixedSymbol is one promoted symbol.
type SuffixedSymbol struct {
	Name    string `json:"name"`
	Base    string `json:"base"`
	Hash    string `json:"hash"`
	Kind    string `json:"kind"`
	Bind    string `json:"bind"`
	Section string `json:"section"`
	File    string `json:"file,omitempty"`
}

// Conflict is a name that assembly (or another non-LTO object) defines as a
// global while C defines it as a static: with suffix reduction the static is
// promoted under its plain name and the link fails with a duplicate symbol.
type Conflict struct {
	Name       string     `json:"name"`
	Class      string     `json:"class"`
	Asm        Definition `json:"asm"`
	C          Definition `json:"c"`
	Suggestion string     `json:"suggestion"`
}

// Definition is one side of a conflict.
type Definition struct {
	Symbol  string `json:"symbol"`
	Kind    string `json:"kind"`
	Bind    string `json:"bind"`
	Section string `json:"section"`
	File    string `json:"file,omitempty"`   // object, compile unit or source file
	Origin  string `json:"origin,omitempty"` // "assembly", "non-LTO ELF", "LLVM bitcode", "C"
	From    string `json:"from"`             // how it is known: build, dwarf, symtab, section, unknown
}

// Provenance says what the conflict classes rest on.
type Provenance struct {
	// Source is the best evidence used: "build", "dwarf", or "none".
	Source   string     `json:"source"`
	BuildDir string     `json:"build_dir,omitempty"`
	Build    *BuildInfo `json:"build,omitempty"`
	DWARF    *DWARFInfo `json:"dwarf,omitempty"`
	Note     string     `json:"note,omitempty"`
}

// BuildInfo summarises the --build scan.
type BuildInfo struct {
	BitcodeObjects int       `json:"bitcode_objects"`
	ELFObjects     int       `json:"elf_objects"`
	Archives       int       `json:"archives"`
	Skipped        []Skipped `json:"skipped"`
	LLVMNM         string    `json:"llvm_nm,omitempty"`
}

// Skipped is a build file left out of the provenance, and why.
type Skipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// DWARFInfo summarises the compile units read.
type DWARFInfo struct {
	Units    int    `json:"units"`
	AsmUnits int    `json:"asm_units"`
	Error    string `json:"error,omitempty"` // why DWARF could not be used
}

// Budget is the --max-suffixed gate.
type Budget struct {
	Max      int  `json:"max"`
	Count    int  `json:"count"`
	Exceeded bool `json:"exceeded"`
}

// Twins pairs the symbols of --against ORIG with those of FILE.
type Twins struct {
	Orig             string         `json:"orig"`
	Matched          int            `json:"matched"`
	Unchanged        int            `json:"unchanged"`
	Rules            map[string]int `json:"rules"`
	Skipped          int            `json:"skipped"`
	SkippedBy        map[string]int `json:"skipped_by"`
	Renamed          []Rename       `json:"renamed"`
	Ambiguous        []Ambiguity    `json:"ambiguous"`
	UnmatchedOrig    []TwinSymbol   `json:"unmatched_orig"`
	UnmatchedPatched []TwinSymbol   `json:"unmatched_patched"`
	// Changed are the paired functions and data objects whose contents
	// differ (relocated fields masked): what a live patch must carry.
	// UnchangedCount is how many compared equal; ChangedNote says what the
	// comparison could not see.
	Changed        []ChangedSymbol `json:"changed"`
	UnchangedCount int             `json:"unchanged_count"`
	ChangedNote    string          `json:"changed_note,omitempty"`
}

// ChangedSymbol is a pair of twins whose contents differ.
type ChangedSymbol struct {
	Orig    string `json:"orig"`
	Patched string `json:"patched"`
	Kind    string `json:"kind"`
	File    string `json:"file,omitempty"`
	Reason  string `json:"reason"` // size, bytes, relocations
}

// Rename is a pair whose name or binding changed.
type Rename struct {
	Orig    string   `json:"orig"`
	Patched string   `json:"patched"`
	Rule    string   `json:"rule"`
	Changes []string `json:"changes"` // hash, suffix-gained, suffix-lost, name, local-to-global, global-to-local
	Kind    string   `json:"kind"`
	File    string   `json:"file,omitempty"`
}

// Ambiguity is a symbol with more than one candidate twin: never guessed.
type Ambiguity struct {
	Symbol     string   `json:"symbol"`
	Side       string   `json:"side"` // "orig" or "patched": where Symbol is
	Rule       string   `json:"rule"`
	Candidates []string `json:"candidates"`
	File       string   `json:"file,omitempty"`
}

// TwinSymbol is a symbol left without a twin.
type TwinSymbol struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	Bind string `json:"bind"`
	File string `json:"file,omitempty"`
}
