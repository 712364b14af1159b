//go:build unix

package elfsym

import (
	"os"
	"syscall"
)

// mapFile maps a regular file read-only. A file that cannot be mapped
// (empty, a pipe, a file system without mmap) is read with pread instead,
// so a nil result is not an error.
func mapFile(fh *os.File, size int64) []byte {
	if size <= 0 || int64(int(size)) != size {
		return nil
	}
	b, err := syscall.Mmap(int(fh.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	return b
}

func unmapFile(b []byte) error { return syscall.Munmap(b) }
