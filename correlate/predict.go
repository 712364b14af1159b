package correlate

import (
	"fmt"
	"sort"
	"strings"

	"klpcheck/correlate/symname"
)

// PredictRule is the renaming rule --predict applies, as LLVM 23 documents
// it (lld in-process ThinLTO, --lto-whole-program-visibility and
// -mllvm -always-rename-promoted-locals=false).
const PredictRule = "per promoted name, one copy takes the plain name if no global of that name exists; the other same-named copies keep .llvm.<hash>"

// Reasons a promoted name keeps (or cannot be given) its suffix.
const (
	ReasonSameName      = "same-name"      // several modules promote a static of this name
	ReasonCGlobal       = "c-global"       // a C global has the plain name: LLVM sees it
	ReasonAsmGlobal     = "asm-global"     // an assembly global has it: LLVM does not see it
	ReasonUnknownGlobal = "unknown-global" // a global has it, of unknown origin
	ReasonSuffixInside  = "suffix-inside"  // .llvm.<hash> is not the end of the name
)

// Outcomes of a collision with an existing global.
const (
	OutcomeLinkFailure   = "link-failure"
	OutcomeStillSuffixed = "still-suffixed"
	OutcomeUnknown       = "unknown"
)

// Prediction is what LLVM 23's suffix reduction would make of a build
// linked by LLVM <= 22 (--predict). Counts are of functions and data, as
// Census.Total.
type Prediction struct {
	Rule string `json:"rule"`
	// Today is Suffixed.Total(); Predicted how many of them keep their
	// suffix under the rule, PredictedStrings how many of those are
	// string literals. Plain is how many take their plain name.
	Today            int `json:"today"`
	Predicted        int `json:"predicted"`
	PredictedStrings int `json:"predicted_strings"`
	Plain            int `json:"plain"`
	// Undecided copies: a global of unknown origin has the name, or the
	// suffix is not at the end of the name. Neither in Predicted nor Plain.
	// Today = Predicted + Plain + LinkFailures + Undecided: the copy that
	// takes the name of an assembly global is the link failure.
	Undecided int `json:"undecided"`
	// LinkFailures counts the names an assembly global already has: one
	// copy takes the plain name and ld.lld stops with a duplicate symbol.
	LinkFailures int `json:"link_failures"`
	// LinkOrderGroups counts the groups in which link order, not the rule,
	// picks the copy that keeps the plain name.
	LinkOrderGroups int                  `json:"link_order_groups"`
	StillSuffixed   []PredictedGroup     `json:"still_suffixed"`
	Collisions      []PredictedCollision `json:"collisions"`
	// Renames is null unless --against was given.
	Renames *PredictedRenames `json:"renames"`
	Notes   []string          `json:"notes"`
}

// PredictedGroup is a set of promoted names that share a fate and the same
// modules: the seq_file statics m_next and m_stop of the same files are one
// group.
type PredictedGroup struct {
	Names  []string `json:"names"`
	Reason string   `json:"reason"`
	// Copies is how many modules promote each name; StillSuffixed how many
	// of those copies keep the suffix, per name.
	Copies        int               `json:"copies"`
	StillSuffixed int               `json:"still_suffixed"`
	LinkOrder     bool              `json:"link_order"`
	Strings       bool              `json:"strings"` // the names are string literals (.str.N)
	Why           string            `json:"why"`
	Modules       []PredictedModule `json:"modules"`
}

// PredictedModule is one module's copies of a group's names.
type PredictedModule struct {
	Hash    string   `json:"hash"`
	File    string   `json:"file"`
	Symbols []string `json:"symbols"`
}

// PredictedCollision is a promoted name that an existing global already has.
type PredictedCollision struct {
	Name    string     `json:"name"`
	Outcome string     `json:"outcome"`
	Global  Definition `json:"global"`
	Copies  []string   `json:"copies"`
	Why     string     `json:"why"`
}

// PredictedRenames is the prediction applied to today's orig -> patched
// renames (--against): which would not happen under the rule.
type PredictedRenames struct {
	Today int `json:"today"`
	// Disappear: both sides predict the same name. BindingOnly of them
	// still change binding (local <-> global), which names do not show.
	Disappear   int `json:"disappear"`
	BindingOnly int `json:"binding_only"`
	// StillChange: both sides are predicted and differ. Undecided: one
	// side's name depends on link order, a link failure or an unknown
	// origin, so whether it changes is not predicted.
	StillChange []PredictedRename `json:"still_change"`
	Undecided   []PredictedRename `json:"undecided"`
}

// PredictedRename is one of today's renames and what the rule makes of it;
// a predicted name is "" when it is not decided.
type PredictedRename struct {
	Orig             string `json:"orig"`
	Patched          string `json:"patched"`
	PredictedOrig    string `json:"predicted_orig"`
	PredictedPatched string `json:"predicted_patched"`
	Why              string `json:"why"`
}

// baseCopies is every promoted copy of one plain name in an image, and the
// global that already has the name, if any.
type baseCopies struct {
	base    string
	copies  []int // indices into image.syms
	global  int   // index into image.syms; -1: none
	origin  origin
	def     Definition
	defSeen bool
}

// predictModel is the rule's view of one image.
type predictModel struct {
	img    *image
	bases  map[string]*baseCopies
	order  []string // bases, sorted
	inside []int    // promoted symbols whose suffix is not at the end
}

// buildPredictModel groups the promoted functions and data of img by plain
// name and finds the global of each name; prov tells assembly from C.
func buildPredictModel(img *image, prov *provenance) *predictModel {
	m := &predictModel{img: img, bases: map[string]*baseCopies{}}
	n := 0
	for i := range img.syms {
		if img.syms[i].globalScope() {
			n++
		}
	}
	globals := newNameIndex(img, n)
	for i := range img.syms {
		s := &img.syms[i]
		if s.globalScope() && !s.promoted() && canClash(s.typ) {
			globals.add(i)
		}
	}
	for i := range img.syms {
		s := &img.syms[i]
		if !s.promoted() {
			continue
		}
		if k := kindName(s.typ); k != KindFunc && k != KindData {
			continue
		}
		name := img.name(s)
		p, _ := symname.SplitLLVM(name)
		if name != p.Base+".llvm."+p.Hash {
			m.inside = append(m.inside, i)
			continue
		}
		b := m.bases[p.Base]
		if b == nil {
			b = &baseCopies{base: p.Base, global: globals.find(p.Base)}
			m.bases[p.Base] = b
			m.order = append(m.order, p.Base)
		}
		b.copies = append(b.copies, i)
	}
	sort.Strings(m.order)
	for _, base := range m.order {
		if b := m.bases[base]; b.global >= 0 {
			b.def, b.origin = prov.globalOrigin(img, &img.syms[b.global])
			b.defSeen = true
		}
	}
	return m
}

// reason is why copies of b keep their suffix ("" when one takes the
// plain name and no other copy exists).
func (b *baseCopies) reason() string {
	switch {
	case b.global < 0 && len(b.copies) > 1:
		return ReasonSameName
	case b.global < 0:
		return ""
	case b.origin == originC:
		return ReasonCGlobal
	case b.origin == originAsm:
		return ReasonAsmGlobal
	}
	return ReasonUnknownGlobal
}

// stillSuffixed is how many of b's copies keep the suffix under the rule.
func (b *baseCopies) stillSuffixed() int {
	switch b.reason() {
	case ReasonCGlobal:
		return len(b.copies)
	case ReasonUnknownGlobal:
		return 0 // undecided
	case "":
		return 0
	}
	return len(b.copies) - 1 // one copy takes the plain name
}

// predictedName is the name the rule gives symbol name of the model's
// image, or "" and why when the rule does not decide it.
func (m *predictModel) predictedName(name string) (string, string) {
	p, ok := symname.SplitLLVM(name)
	if !ok {
		return name, "" // not promoted: never renamed
	}
	b := m.bases[p.Base]
	if b == nil || name != p.Base+".llvm."+p.Hash {
		return "", "the .llvm.<hash> suffix is not at the end of the name"
	}
	switch b.reason() {
	case "":
		return p.Base, ""
	case ReasonCGlobal:
		return name, ""
	case ReasonSameName:
		return "", fmt.Sprintf("%d copies of %s: link order picks the one that keeps the plain name", len(b.copies), p.Base)
	case ReasonAsmGlobal:
		return "", fmt.Sprintf("%s is an assembly global: the link fails", p.Base)
	}
	return "", fmt.Sprintf("a global %s of unknown origin exists", p.Base)
}

// predict applies the rule to img (and, with --against, to today's
// renames between orig and img).
func predict(img, orig *image, prov *provenance, res *Result) *Prediction {
	m := buildPredictModel(img, prov)
	pr := &Prediction{
		Rule: PredictRule, Today: res.Suffixed.Total(),
		StillSuffixed: []PredictedGroup{}, Collisions: []PredictedCollision{}, Notes: []string{},
	}
	files := map[string]string{}
	for _, g := range res.Suffixed.ByHash {
		files[g.Hash] = g.File
	}
	m.count(pr)
	pr.StillSuffixed = m.groups(files)
	for _, g := range pr.StillSuffixed {
		if g.LinkOrder {
			pr.LinkOrderGroups++
		}
	}
	pr.Collisions = m.collisions()
	pr.Notes = predictNotes(pr, res)
	if orig != nil && res.Twins != nil {
		pr.Renames = predictRenames(buildPredictModel(orig, prov), m, res.Twins)
	}
	return pr
}

// count fills in the totals.
func (m *predictModel) count(pr *Prediction) {
	for _, base := range m.order {
		b := m.bases[base]
		switch b.reason() {
		case ReasonUnknownGlobal:
			pr.Undecided += len(b.copies)
			continue
		case ReasonAsmGlobal:
			pr.LinkFailures++
		}
		still := b.stillSuffixed()
		pr.Predicted += still
		if isStringLiteral(base) {
			pr.PredictedStrings += still
		}
		if r := b.reason(); r == "" || r == ReasonSameName {
			pr.Plain++ // the one copy that takes the plain name
		}
	}
	pr.Undecided += len(m.inside)
}

// groups collects the names that keep a suffix, one group per reason and
// set of modules, sorted by first name.
func (m *predictModel) groups(files map[string]string) []PredictedGroup {
	byKey := map[string]*PredictedGroup{}
	var keys []string
	for _, base := range m.order {
		b := m.bases[base]
		reason := b.reason()
		if reason == "" || reason == ReasonUnknownGlobal || b.stillSuffixed() == 0 {
			continue
		}
		hashes := make([]string, 0, len(b.copies))
		for _, i := range b.copies {
			p, _ := symname.SplitLLVM(m.img.name(&m.img.syms[i]))
			hashes = append(hashes, p.Hash)
		}
		sort.Strings(hashes)
		key := reason + " " + strings.Join(hashes, ",")
		g := byKey[key]
		if g == nil {
			g = &PredictedGroup{Reason: reason, Copies: len(b.copies), StillSuffixed: b.stillSuffixed(),
				LinkOrder: reason != ReasonCGlobal, Strings: true, Modules: []PredictedModule{}}
			for _, h := range hashes {
				g.Modules = append(g.Modules, PredictedModule{Hash: h, File: files[h], Symbols: []string{}})
			}
			byKey[key] = g
			keys = append(keys, key)
		}
		g.Names = append(g.Names, base)
		g.Strings = g.Strings && isStringLiteral(base)
		for _, i := range b.copies {
			name := m.img.name(&m.img.syms[i])
			p, _ := symname.SplitLLVM(name)
			for j := range g.Modules {
				if g.Modules[j].Hash == p.Hash {
					g.Modules[j].Symbols = append(g.Modules[j].Symbols, name)
				}
			}
		}
	}
	out := make([]PredictedGroup, 0, len(keys))
	for _, k := range keys {
		g := byKey[k]
		g.Why = groupWhy(g, m.bases[g.Names[0]])
		sort.Slice(g.Modules, func(i, j int) bool {
			if g.Modules[i].File != g.Modules[j].File {
				return g.Modules[i].File < g.Modules[j].File
			}
			return g.Modules[i].Hash < g.Modules[j].Hash
		})
		out = append(out, *g)
	}
	// Named functions and data first (what a live patch refers to), then
	// the string literals; by name within each.
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Strings != out[j].Strings {
			return !out[i].Strings
		}
		return out[i].Names[0] < out[j].Names[0]
	})
	return out
}

func groupWhy(g *PredictedGroup, b *baseCopies) string {
	names := strings.Join(g.Names, ", ")
	switch g.Reason {
	case ReasonCGlobal:
		return fmt.Sprintf("a C global %s exists%s: LLVM sees it among the LTO modules, so every promoted copy keeps .llvm.<hash>",
			names, where(b.def.File))
	case ReasonAsmGlobal:
		return fmt.Sprintf("an assembly global %s exists%s: LLVM does not see it, so one copy takes the plain name (and the link fails, see collisions), the other %d keep .llvm.<hash>; link order decides which",
			names, where(b.def.File), g.StillSuffixed)
	}
	return fmt.Sprintf("%d modules promote a static named %s: one copy takes the plain name, the other %d keep .llvm.<hash>; which copy wins depends on link order, so it is not predicted",
		g.Copies, names, g.StillSuffixed)
}

// collisions lists the promoted names an existing global already has.
func (m *predictModel) collisions() []PredictedCollision {
	out := []PredictedCollision{}
	for _, base := range m.order {
		b := m.bases[base]
		if b.global < 0 {
			continue
		}
		c := PredictedCollision{Name: base, Global: b.def, Copies: []string{}}
		for _, i := range b.copies {
			c.Copies = append(c.Copies, m.img.name(&m.img.syms[i]))
		}
		sort.Strings(c.Copies)
		switch b.reason() {
		case ReasonAsmGlobal:
			c.Outcome = OutcomeLinkFailure
			c.Why = fmt.Sprintf("assembly is not an LTO module, so LLVM does not see the global %s%s: a promoted copy takes the plain name and ld.lld stops with a duplicate symbol (today's hard conflict)",
				base, where(b.def.File))
		case ReasonCGlobal:
			c.Outcome = OutcomeStillSuffixed
			c.Why = fmt.Sprintf("the global %s%s is C: LLVM sees it and keeps .llvm.<hash> on the promoted copies", base, where(b.def.File))
		default:
			c.Outcome = OutcomeUnknown
			c.Why = fmt.Sprintf("the origin of the global %s is unknown (pass --build DIR or a file with DWARF): a C global keeps the suffix, an assembly global fails the link", base)
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return outcomeRank(out[i].Outcome) < outcomeRank(out[j].Outcome)
	})
	return out
}

func outcomeRank(o string) int {
	switch o {
	case OutcomeLinkFailure:
		return 0
	case OutcomeUnknown:
		return 1
	}
	return 2
}

func predictNotes(pr *Prediction, res *Result) []string {
	notes := []string{}
	if pr.Today == 0 {
		notes = append(notes, "no .llvm.<hash> functions or data: nothing to predict (not a ThinLTO build, or one already made with suffix reduction)")
	}
	if pr.PredictedStrings > 0 {
		notes = append(notes, fmt.Sprintf("%d of the predicted are string literals (.str.N): clang numbers them per module, so most modules have a .str.1; the rule is applied to them as to any name", pr.PredictedStrings))
	}
	if !res.ProvenanceComplete || res.Provenance.Source == "none" {
		notes = append(notes, "provenance incomplete: a global of unknown origin leaves its name undecided")
	}
	return notes
}

// predictRenames compares, for each of today's renames, the names the rule
// gives both sides.
func predictRenames(orig, patched *predictModel, tw *Twins) *PredictedRenames {
	out := &PredictedRenames{Today: len(tw.Renamed), StillChange: []PredictedRename{}, Undecided: []PredictedRename{}}
	for _, r := range tw.Renamed {
		po, whyO := orig.predictedName(r.Orig)
		pp, whyP := patched.predictedName(r.Patched)
		pr := PredictedRename{Orig: r.Orig, Patched: r.Patched, PredictedOrig: po, PredictedPatched: pp}
		switch {
		case po == "" || pp == "":
			var why []string
			if whyO != "" {
				why = append(why, "orig: "+whyO)
			}
			if whyP != "" {
				why = append(why, "patched: "+whyP)
			}
			pr.Why = strings.Join(why, "; ")
			out.Undecided = append(out.Undecided, pr)
		case po == pp:
			out.Disappear++
			for _, c := range r.Changes {
				if c == "local-to-global" || c == "global-to-local" {
					out.BindingOnly++
					break
				}
			}
		default:
			pr.Why = renameWhy(po, pp)
			out.StillChange = append(out.StillChange, pr)
		}
	}
	return out
}

func renameWhy(po, pp string) string {
	_, o := symname.SplitLLVM(po)
	_, p := symname.SplitLLVM(pp)
	switch {
	case o && p:
		return "both keep .llvm.<hash> (a C global has the plain name) and the module's hash changed"
	case o || p:
		return "one side keeps .llvm.<hash> (a C global has the plain name), the other does not"
	}
	return "the plain names differ"
}
