package correlate_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"klpcheck/correlate"
	"klpcheck/internal/testenv"
)

// nmRule is the renaming rule worked out from llvm-nm-22 alone: the
// promoted functions and data (t/T, d/D/b/B/r/R with a trailing
// .llvm.<digits>) by plain name, and the defined globals (upper-case
// letters) without a suffix.
type nmRule struct {
	copies  map[string][]string
	globals map[string]bool
}

var nmPromoted = regexp.MustCompile(`^(.*)\.llvm\.[0-9]+$`)

func nmRuleOf(t *testing.T, path string) nmRule {
	t.Helper()
	out, err := exec.Command(testenv.Tool(t, "llvm-nm-22"), "--defined-only", path).Output()
	if err != nil {
		t.Fatalf("llvm-nm-22 %s: %v", path, err)
	}
	r := nmRule{copies: map[string][]string{}, globals: map[string]bool{}}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		letter, name := f[len(f)-2], f[len(f)-1]
		if m := nmPromoted.FindStringSubmatch(name); m != nil && strings.ContainsAny(letter, "tTdDbBrR") {
			r.copies[m[1]] = append(r.copies[m[1]], name)
			continue
		}
		if letter != strings.ToLower(letter) && !strings.Contains(name, ".llvm.") {
			r.globals[name] = true
		}
	}
	return r
}

// name is what the rule gives a symbol: "" when link order, or an
// assembly global (asm names them), decides.
func (r nmRule) name(sym string, asm map[string]bool) string {
	m := nmPromoted.FindStringSubmatch(sym)
	if m == nil {
		return sym
	}
	base := m[1]
	switch {
	case asm[base]:
		return ""
	case r.globals[base]:
		return sym
	case len(r.copies[base]) > 1:
		return ""
	}
	return base
}

// TestKernelPredict: the prediction for the real orig, patched and planted
// vmlinux.o equals the rule applied to llvm-nm-22's listing: every name
// with n promoted copies keeps n-1 suffixes, the only collision is the
// planted assembly global (a link failure), and no other global has a
// promoted name.
func TestKernelPredict(t *testing.T) {
	k := testenv.Kernel(t)
	for _, variant := range []string{"orig", "patched", "planted"} {
		t.Run(variant, func(t *testing.T) {
			path := filepath.Join(k.Dir, variant, "vmlinux.o")
			res := analyze(t, path, correlate.Options{BuildDir: k.Build, Predict: true})
			pr := res.Prediction
			nm := nmRuleOf(t, path)
			asm := map[string]bool{}
			if variant == "planted" {
				asm[k.PlantedHard] = true
			}
			var predicted, strs, plain, today int
			wantStill := map[string]int{}
			wantColl := map[string]string{}
			for base, copies := range nm.copies {
				today += len(copies)
				still := len(copies) - 1
				if nm.globals[base] {
					if !asm[base] {
						t.Fatalf("%s: the promoted %v collide with global %s, which is not the planted one", variant, copies, base)
					}
					wantColl[base] = correlate.OutcomeLinkFailure
				} else {
					plain++
				}
				if still > 0 {
					wantStill[base] = still
				}
				predicted += still
				if strings.HasPrefix(base, ".str") {
					strs += still
				}
			}
			gotStill := map[string]int{}
			for _, g := range pr.StillSuffixed {
				for _, n := range g.Names {
					gotStill[n] = g.StillSuffixed
				}
			}
			if pr.Today != today || pr.Predicted != predicted || pr.PredictedStrings != strs || pr.Plain != plain || pr.LinkFailures != len(asm) || pr.Undecided != 0 {
				t.Errorf("today %d predicted %d (strings %d) plain %d link failures %d undecided %d; llvm-nm-22: %d %d (%d) %d %d 0",
					pr.Today, pr.Predicted, pr.PredictedStrings, pr.Plain, pr.LinkFailures, pr.Undecided, today, predicted, strs, plain, len(asm))
			}
			if fmt.Sprint(gotStill) != fmt.Sprint(wantStill) {
				t.Errorf("still suffixed %d names, llvm-nm-22 %d:\n got %v\nwant %v", len(gotStill), len(wantStill), gotStill, wantStill)
			}
			if got := collisionOutcomes(pr); fmt.Sprint(got) != fmt.Sprint(wantColl) {
				t.Errorf("collisions %v, want %v", got, wantColl)
			}
			checkHardIsLinkFailure(t, res)
			t.Logf("%s: %s", variant, pr.Summary())
		})
	}
}

// TestKernelPredictRenames: against orig, each of today's renames of the
// patched build is sorted by the names llvm-nm-22's rule gives both sides.
func TestKernelPredictRenames(t *testing.T) {
	k := testenv.Kernel(t)
	origPath, patchedPath := filepath.Join(k.Orig, "vmlinux.o"), filepath.Join(k.Patched, "vmlinux.o")
	res := analyze(t, patchedPath, correlate.Options{BuildDir: k.Build, Against: origPath, Predict: true})
	r := res.Prediction.Renames
	origRule, patchedRule := nmRuleOf(t, origPath), nmRuleOf(t, patchedPath)
	var disappear int
	var still, undecided []string
	for _, x := range res.Twins.Renamed {
		po, pp := origRule.name(x.Orig, nil), patchedRule.name(x.Patched, nil)
		switch {
		case po == "" || pp == "":
			undecided = append(undecided, x.Patched)
		case po == pp:
			disappear++
		default:
			still = append(still, x.Patched)
		}
	}
	var gotStill, gotUndecided []string
	for _, x := range r.StillChange {
		gotStill = append(gotStill, x.Patched)
	}
	for _, x := range r.Undecided {
		gotUndecided = append(gotUndecided, x.Patched)
	}
	sort.Strings(still)
	sort.Strings(undecided)
	sort.Strings(gotStill)
	sort.Strings(gotUndecided)
	if r.Today != len(res.Twins.Renamed) || r.Today == 0 || r.Disappear != disappear ||
		fmt.Sprint(gotStill) != fmt.Sprint(still) || fmt.Sprint(gotUndecided) != fmt.Sprint(undecided) {
		t.Errorf("renames: today %d, disappear %d, still %v, undecided %v; llvm-nm-22: %d, %d, %v, %v",
			r.Today, r.Disappear, gotStill, gotUndecided, len(res.Twins.Renamed), disappear, still, undecided)
	}
	t.Logf("renames against orig: %d today, %d disappear (%d binding only), %d still change, %d undecided",
		r.Today, r.Disappear, r.BindingOnly, len(r.StillChange), len(r.Undecided))
}
