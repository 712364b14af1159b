package probe

import (
	"bytes"
	"fmt"
	"sync"
)

// The bounds on what is kept of one run's output: a linker that writes
// hundreds of megabytes must not take klpcheck (or its report) with it.
const (
	outputHead = 64 << 10 // the first bytes, where the first error is
	outputTail = 16 << 10 // the last bytes, cut to whole lines
)

// boundedOutput keeps the first outputHead bytes written to it and the
// last outputTail, and counts what it left out between them.
type boundedOutput struct {
	mu      sync.Mutex
	head    []byte
	tail    []byte
	dropped int64
}

func (b *boundedOutput) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	if room := outputHead - len(b.head); room > 0 {
		take := min(room, len(p))
		b.head = append(b.head, p[:take]...)
		p = p[take:]
	}
	if len(p) >= outputTail {
		// Only the end of a long write can be part of the tail.
		b.dropped += int64(len(b.tail) + len(p) - outputTail)
		b.tail = append(b.tail[:0], p[len(p)-outputTail:]...)
		return n, nil
	}
	b.tail = append(b.tail, p...)
	if over := len(b.tail) - outputTail; over > outputTail {
		// Shift once the tail is twice its bound: amortised, and the
		// buffer stays under 3*outputTail.
		b.dropped += int64(over)
		b.tail = b.tail[:copy(b.tail, b.tail[over:])]
	}
	return n, nil
}

// retained is the memory the buffer holds on to.
func (b *boundedOutput) retained() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return cap(b.head) + cap(b.tail)
}

// Len is how many bytes String returns at most.
func (b *boundedOutput) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.head) + len(b.tail)
}

// String is the output kept: all of it when it fitted, else the head, a
// line saying how much was left out, and the last whole lines.
func (b *boundedOutput) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	tail, dropped := b.tail, b.dropped
	if over := len(tail) - outputTail; over > 0 {
		tail, dropped = tail[over:], dropped+int64(over)
	}
	if dropped == 0 {
		return string(b.head) + string(tail)
	}
	if i := bytes.IndexByte(tail, '\n'); i >= 0 && i+1 < len(tail) {
		tail, dropped = tail[i+1:], dropped+int64(i+1)
	}
	head := b.head
	if len(head) > 0 && head[len(head)-1] != '\n' {
		head = append(head[:len(head):len(head)], '\n')
	}
	return fmt.Sprintf("%s[klpcheck: %d bytes of output left out]\n%s", head, dropped, tail)
}
