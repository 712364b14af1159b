package elfsym

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
)

// SHFCompressed marks a section whose contents start with a compression
// header (Elf32_Chdr/Elf64_Chdr) followed by the compressed bytes: what
// -gz=zlib, -gz=zstd and llvm-objcopy --compress-debug-sections write.
const SHFCompressed = 0x800

// Compression types (ch_type).
const (
	CompressZlib = 1
	CompressZstd = 2
)

// maxExpansion bounds the ratio a section may claim beyond 64 MiB: the
// real vmlinux.o's zeroed (RELA) .debug_str_offsets compresses 1075x with
// zstd; a header claiming far more is corrupt or a bomb.
const maxExpansion = 100000

// initialExpansion is the first guess at how much a section grows when
// decompressed (DWARF text compresses 3-10x).
const initialExpansion = 16

// SectionData reads a whole section, decompressed when SHF_COMPRESSED (or
// a GNU .zdebug_ section). The bytes are the caller's: relocations may be
// applied to them in place.
func (f *File) SectionData(s *Section) ([]byte, error) {
	what := fmt.Sprintf("section %q", s.Name)
	raw, err := f.sectionBytes(s, what)
	if err != nil {
		return nil, err
	}
	switch {
	case s.Flags&SHFCompressed != 0:
		return f.decompressELF(s, raw)
	case len(s.Name) > 8 && s.Name[:8] == ".zdebug_" && bytes.HasPrefix(raw, []byte("ZLIB")):
		return f.decompressGNU(s, raw)
	}
	return raw, nil
}

// decompressELF undoes SHF_COMPRESSED: the header says the algorithm and
// the uncompressed size, which the result must match exactly.
func (f *File) decompressELF(s *Section, raw []byte) ([]byte, error) {
	bo := f.ByteOrder
	var typ uint32
	var size uint64
	hdr := 12
	if f.Class == Class64 {
		hdr = 24
	}
	if len(raw) < hdr {
		return nil, f.errorf(int64(s.Offset), "section %q is SHF_COMPRESSED but holds %d bytes, less than the %d-byte compression header", s.Name, len(raw), hdr)
	}
	typ = bo.Uint32(raw)
	if f.Class == Class64 {
		size = bo.Uint64(raw[8:])
	} else {
		size = uint64(bo.Uint32(raw[4:]))
	}
	body := raw[hdr:]
	var dec func(io.Reader) (io.ReadCloser, error)
	switch typ {
	case CompressZlib:
		dec = zlib.NewReader
	case CompressZstd:
		dec = newZstd
	default:
		return nil, f.errorf(int64(s.Offset), "section %q: unknown compression type %d in its compression header (known: 1 zlib, 2 zstd)", s.Name, typ)
	}
	return f.inflate(s, body, size, int64(s.Offset)+int64(hdr), dec)
}

// decompressGNU undoes the older .zdebug_ convention: "ZLIB", the size as
// 8 big-endian bytes, then a zlib stream.
func (f *File) decompressGNU(s *Section, raw []byte) ([]byte, error) {
	if len(raw) < 12 {
		return nil, f.errorf(int64(s.Offset), "section %q: truncated ZLIB header", s.Name)
	}
	return f.inflate(s, raw[12:], binary.BigEndian.Uint64(raw[4:]), int64(s.Offset)+12, zlib.NewReader)
}

func newZstd(r io.Reader) (io.ReadCloser, error) {
	d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(4<<30))
	if err != nil {
		return nil, err
	}
	return d.IOReadCloser(), nil
}

func (f *File) inflate(s *Section, body []byte, size uint64, at int64, dec func(io.Reader) (io.ReadCloser, error)) ([]byte, error) {
	r, err := dec(bytes.NewReader(body))
	if err != nil {
		return nil, f.errorf(at, "section %q: %v", s.Name, err)
	}
	defer r.Close()
	// The header's size is not trusted for the allocation: a zeroed
	// relocatable section compresses a thousandfold, a corrupt header may
	// claim anything. Start from a plausible size and grow, never past
	// what the header says plus one byte (to see a stream that runs over).
	if limit := max(64<<20, uint64(len(body))*maxExpansion); size > limit {
		return nil, f.errorf(at, "section %q claims %d uncompressed bytes from %d compressed, more than %d: corrupt header or a decompression bomb", s.Name, size, len(body), limit)
	}
	var out bytes.Buffer
	out.Grow(int(min(size, uint64(len(body))*initialExpansion+4096)))
	n, err := out.ReadFrom(io.LimitReader(r, int64(size)+1))
	switch {
	case err != nil:
		return nil, f.errorf(at, "section %q: decompressed %d of the %d bytes its header promises: %v", s.Name, n, size, err)
	case uint64(n) > size:
		return nil, f.errorf(at, "section %q: decompresses to more than the %d bytes its header says", s.Name, size)
	case uint64(n) < size:
		return nil, f.errorf(at, "section %q: decompresses to %d bytes, its header says %d", s.Name, n, size)
	}
	return out.Bytes(), nil
}
