package elfsym

import (
	"fmt"
	"runtime/debug"
)

// ReadMapped runs fn, which reads the bytes of f's mapping (View,
// SectionView), in the calling goroutine, and turns the fault a read
// gets when the file was truncated under the mapping (SIGBUS) into an
// error instead of a crash. Each goroutine that reads mapped bytes runs
// its reads through it.
func (f *File) ReadMapped(fn func() error) (err error) {
	if f.mapped == nil {
		return fn()
	}
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			if _, ok := r.(interface{ Addr() uintptr }); !ok {
				panic(r)
			}
			err = &Error{Path: f.Path, Offset: -1, Msg: fmt.Sprintf("the file changed while it was read (truncated by another process?): %v", r)}
		}
	}()
	return fn()
}
