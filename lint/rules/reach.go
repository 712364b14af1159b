package rules

// Reach says whether a flag arrives in a variable in one configuration.
type Reach string

// The answers of FlagsReach.
const (
	ReachYes   Reach = "yes"   // every evaluation path adds it
	ReachMaybe Reach = "maybe" // it depends on something the evaluation could not decide
	ReachNo    Reach = "no"
)

// FlagsReach says whether --lto-whole-program-visibility and
// -mllvm -always-rename-promoted-locals=false arrive in the final
// KBUILD_LDFLAGS of c: the vmlinux.o link where vmlinux's ThinLTO runs.
// It reads the same flag occurrences the rules do, so check and LTO006
// never disagree.
func FlagsReach(c *Evaluated) (visibility, rename Reach) {
	occs := scanFlags(c.Values[VarLDFLAGS], holdMemo{})
	return reachOf(occs, OccVisibility), reachOf(occs, OccRename)
}

// FlagsReach is the package's FlagsReach for configuration k of the pass,
// from the occurrences its rules found: scanning a long KBUILD_LDFLAGS
// once for the whole matrix, not again per configuration.
func (p *Input) FlagsReach(k int) (visibility, rename Reach) {
	occs := p.getFacts().vmlinux[k]
	return reachOf(occs, OccVisibility), reachOf(occs, OccRename)
}

func reachOf(occs []Occurrence, kind OccKind) Reach {
	present, definite := hasKind(occs, kind)
	switch {
	case present && definite:
		return ReachYes
	case present:
		return ReachMaybe
	}
	return ReachNo
}
