// Package benchgen writes the benchmark's large inputs: assembly with a
// kernel-sized symbol table (1,000,000 symbols, 10% ThinLTO-style), assembled
// with the real clang-22. Nothing it writes is committed.
package benchgen

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Spec sizes the generated file.
type Spec struct {
	Modules   int // source files: one STT_FILE and one promotion hash each
	PerModule int // symbols per module; every tenth is promoted
}

// layout numbers the generator's output: a cached file from an older
// generator is never reused.
const layout = 2

// Million is the benchmark's size: 1000 modules of 1000 symbols.
var Million = Spec{Modules: 1000, PerModule: 1000}

// Files are the generated objects.
type Files struct {
	Orig    string // the "original build"
	Patched string // the same with a tenth of the modules rehashed and a few symbols changed
	Symbols int
}

// hash is a stable stand-in for a module hash.
func hash(module, generation int) uint64 {
	x := uint64(module)*0x9e3779b97f4a7c15 + uint64(generation)*0xbf58476d1ce4e5b9
	x ^= x >> 31
	return x*0x94d049bb133111eb>>1 | 1<<62
}

// chunks is how many objects the modules are assembled in: one assembly
// file cannot define a local name twice, so the same-named statics of
// different modules (m_next, m_stop) live in different objects, joined with
// ld.lld -r the way vmlinux.o is made.
const chunks = 8

// Generate writes, assembles and links both files into dir (kept when they
// are already there).
func Generate(dir, clang, lld string, s Spec) (Files, error) {
	f := Files{
		Orig:    filepath.Join(dir, fmt.Sprintf("bench%d-%dx%d-orig.o", layout, s.Modules, s.PerModule)),
		Patched: filepath.Join(dir, fmt.Sprintf("bench%d-%dx%d-patched.o", layout, s.Modules, s.PerModule)),
		Symbols: s.Modules * s.PerModule,
	}
	for gen, out := range []string{f.Orig, f.Patched} {
		if _, err := os.Stat(out); err == nil {
			continue
		}
		var objs []string
		errs := make(chan error, chunks)
		for c := 0; c < chunks; c++ {
			asm := fmt.Sprintf("%s.%d.s", out, c)
			obj := fmt.Sprintf("%s.%d.o", out, c)
			objs = append(objs, obj)
			go func() {
				if err := writeAsm(asm, s, gen, c); err != nil {
					errs <- err
					return
				}
				cmd := exec.Command(clang, "--target=x86_64-linux-gnu", "-c", asm, "-o", obj)
				b, err := cmd.CombinedOutput()
				os.Remove(asm)
				if err != nil {
					errs <- fmt.Errorf("clang %s: %v\n%.2000s", asm, err, b)
					return
				}
				errs <- nil
			}()
		}
		var first error
		for c := 0; c < chunks; c++ {
			if err := <-errs; err != nil && first == nil {
				first = err
			}
		}
		if first != nil {
			return f, first
		}
		cmd := exec.Command(lld, append([]string{"-r", "-o", out + ".tmp"}, objs...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			return f, fmt.Errorf("ld.lld -r: %v\n%.2000s", err, b)
		}
		for _, o := range objs {
			os.Remove(o)
		}
		if err := os.Rename(out+".tmp", out); err != nil {
			return f, err
		}
	}
	return f, nil
}

// writeAsm lays symbols out as vmlinux.o has them: per source file an
// STT_FILE and its statics (in each object one module has statics named as
// every seq_file user names them),
// the promoted statics as hidden globals named NAME.llvm.<module hash>, and
// plain globals. generation 1 is the patched build: every tenth module has a
// new hash, and a few statics are gone, new, or promoted.
func writeAsm(path string, s Spec, generation, chunk int) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(fh, 1<<20)
	def := func(section, typ, name string, global, hidden bool) {
		fmt.Fprintf(w, "%s\n", section)
		if global {
			fmt.Fprintf(w, ".globl %s\n", name)
		}
		if hidden {
			fmt.Fprintf(w, ".hidden %s\n", name)
		}
		if typ == "function" {
			fmt.Fprintf(w, ".type %s,@function\n%s:\nret\n.size %s,1\n", name, name, name)
		} else {
			fmt.Fprintf(w, ".type %s,@object\n%s:\n.long 0\n.size %s,4\n", name, name, name)
		}
	}
	per := (s.Modules + chunks - 1) / chunks
	for m := chunk * per; m < min((chunk+1)*per, s.Modules); m++ {
		gen := 0
		if generation == 1 && m%10 == 0 {
			gen = 1
		}
		h := hash(m, gen)
		fmt.Fprintf(w, ".file \"drivers/mod%d.c\"\n", m)
		for i := 0; i < s.PerModule; i++ {
			section, typ := ".text", "function"
			if i%4 == 3 || i%20 == 10 { // a quarter of all, half of the promoted
				section, typ = ".data", "object"
			}
			var name string
			global, hidden := false, false
			switch {
			case i%10 == 0:
				name = fmt.Sprintf("f%d_%d.llvm.%d", m, i, h)
				global, hidden = true, true
			case i == 1 && m == chunk*per:
				name = "m_next" // one per object: the same static in several modules
			case i == 2 && m == chunk*per:
				name = "m_stop"
			case i%3 == 0:
				name = fmt.Sprintf("api%d_%d", m, i)
				global = true
			default:
				name = fmt.Sprintf("f%d_%d", m, i)
			}
			if generation == 1 && m%97 == 5 && i == 7 {
				name += "_new" // a static renamed in the patch
			}
			def(section, typ, name, global, hidden)
		}
	}
	if err := w.Flush(); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}
