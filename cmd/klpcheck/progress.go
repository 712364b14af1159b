package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress shows what check is doing on one self-overwriting line of
// stderr, only when stderr is a terminal: pipelines and logs get nothing.
type progress struct {
	mu    sync.Mutex
	w     io.Writer // nil when stderr is not a terminal
	last  time.Time
	shown bool
}

func newProgress(stderr io.Writer) *progress {
	f, ok := stderr.(*os.File)
	if !ok {
		return &progress{}
	}
	info, err := f.Stat()
	if err != nil || info.Mode()&os.ModeCharDevice == 0 {
		return &progress{}
	}
	return &progress{w: f}
}

func (p *progress) say(msg string) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\033[Kklpcheck: %s...", msg)
	p.shown = true
}

// bytes is correlate's Progress callback: at most ten updates a second.
func (p *progress) bytes(stage string, done, total int64) {
	if p.w == nil || total <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond || done == total {
		p.last = now
		fmt.Fprintf(p.w, "\r\033[Kklpcheck: reading %s: %d%%", stage, done*100/total)
		p.shown = true
	}
}

// files is correlate's progress over several files: at most ten updates a
// second.
func (p *progress) files(done, total int) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond || done == total {
		p.last = now
		fmt.Fprintf(p.w, "\r\033[Kklpcheck: correlate: %d/%d files", done, total)
		p.shown = true
	}
}

// done clears the line before the report is printed.
func (p *progress) done() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
