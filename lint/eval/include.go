package eval

import (
	"strings"

	"klpcheck/lint/makefile"
)

// IncludeFunc resolves the name an include directive expands to, as GNU
// make would look it up from its working directory. It returns the parsed
// file, or nil when the file is not followed (absent, outside the tree, or
// standing for something the configuration already provides); why then
// says which. The files returned are only read, so one parse can serve
// every configuration.
type IncludeFunc func(name string) (f *makefile.File, display string, why string, err error)

// maxIncludeDepth bounds nested includes: GNU make itself would include a
// file that includes itself until it runs out of file descriptors.
const maxIncludeDepth = 64

// Included is one file an include directive names.
type Included struct {
	// Name is the word the directive expanded to; File how findings name
	// the file when it was read.
	Name string `json:"name"`
	File string `json:"file,omitempty"`
	// At is the directive.
	At makefile.Pos `json:"-"`
	// Followed: the file was read. Why says otherwise why not.
	Followed bool   `json:"followed"`
	Why      string `json:"why,omitempty"`
	// Maybe: the directive is reached only if an unmodelled condition
	// holds, so everything the file defines is "maybe" too.
	Maybe bool `json:"maybe,omitempty"`
}

// include reads the files an include, -include or sinclude names, in
// order, as if their text stood in place of the directive.
func (ev *evaluator) include(n *makefile.Include) {
	names := ev.expand(n.Files, ev.certain(ev.context(n.At, "")))
	if !names.Exact() {
		ev.res.Includes = append(ev.res.Includes, Included{Name: strings.TrimSpace(names.String()), At: n.At,
			Why: "the file name is not known: " + whyOf(names.uncertain()), Maybe: ev.maybe > 0})
		return
	}
	for _, w := range names.Words() {
		name := w.Text()
		rec := Included{Name: name, At: n.At, Maybe: ev.maybe > 0}
		if ev.cfg.Include == nil {
			rec.Why = "includes are not followed"
			ev.res.Includes = append(ev.res.Includes, rec)
			continue
		}
		ev.checkCancel(n.At) // per included file: reading one may take a while
		f, display, why, err := ev.cfg.Include(name)
		if err != nil {
			ev.limit(n.At, "%v", err)
		}
		if f == nil {
			rec.Why = why
			ev.res.Includes = append(ev.res.Includes, rec)
			continue
		}
		if ev.includeDepth >= maxIncludeDepth {
			ev.problem(n.At, "includes nest more than %d deep", maxIncludeDepth)
			rec.Why = "includes nest too deeply"
			ev.res.Includes = append(ev.res.Includes, rec)
			continue
		}
		rec.Followed, rec.File = true, display
		ev.res.Includes = append(ev.res.Includes, rec)
		ev.appendMakefileList(name)
		ev.includeDepth++
		saved := ev.cur
		ev.exec(f.Nodes)
		ev.cur = saved
		ev.includeDepth--
	}
}

// appendMakefileList adds name to MAKEFILE_LIST, as make does before it
// reads an included file.
func (ev *evaluator) appendMakefileList(name string) {
	v, ok := ev.vars["MAKEFILE_LIST"]
	if !ok || v.flavor != simple {
		return
	}
	add := Value{{Text: " " + name}}
	v.value = append(append(Value{}, v.value...), add...)
	v.size += len(name) + 1
}
