package lint

import (
	"fmt"

	"klpcheck/lint/eval"
	"klpcheck/lint/makefile"
	"klpcheck/lint/model"
)

// firstVars are the variables of the make the user runs, before kbuild
// re-runs itself: no sub_make_done, no --no-print-directory, CURDIR the
// directory make starts in (the source tree; with O= kbuild's own
// `make -C` comes later, in the sub-make).
func (inv *Invocation) firstVars() map[string]eval.Predefined {
	v := inv.vars()
	delete(v, "sub_make_done")
	delete(v, "abs_srctree")
	delete(v, "abs_objtree")
	v["MAKELEVEL"] = eval.Predefined{Value: "0"}
	v["CURDIR"] = eval.Predefined{Value: inv.SrcTree}
	v["MAKEFLAGS"] = eval.Predefined{Value: ""}
	return v
}

// firstMakeStop evaluates the first make once. The final sub-make, which
// the matrix models, runs only if the first make gets that far: a $(error)
// there (kbuild refuses a source or build path with a space or a colon, or
// an O= it cannot create) stops every configuration, and lint says so with
// make's message instead of linting a make that never runs. The first
// make's part does not depend on the configuration: one evaluation serves.
func (s *session) firstMakeStop(helpers map[string]bool, tc model.Toolchain) error {
	cfg := eval.Config{
		Vars:      s.inv.firstVars(),
		Unknown:   func(name string) bool { return builtinUnknown[name] },
		Toolchain: tc,
		Helpers:   helpers,
		Include:   s.includes.resolver(false),
		Track:     map[makefile.Node]bool{},
		TryRun:    s.tryRun,
		Cancel:    s.stop,
	}
	res, err := eval.Run(s.makefile, cfg)
	if err != nil {
		return limitError(err)
	}
	defer res.Release()
	if !res.StoppedByError || res.Aborted == nil {
		return nil
	}
	return &InputError{File: s.userPath(res.Aborted.Pos.File), Line: res.Aborted.Pos.Line,
		Err: fmt.Errorf("GNU make stops here before kbuild's final sub-make runs, in every configuration (*** %s.  Stop.): there is nothing to lint", res.ErrorMsg)}
}
