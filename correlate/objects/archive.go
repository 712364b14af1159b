package objects

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Archive magic strings: a regular archive stores its members, a thin
// archive (kbuild's built-in.a and vmlinux.a) only their paths.
var (
	regularMagic = []byte("!<arch>\n")
	thinMagic    = []byte("!<thin>\n")
)

// Member is one object in an archive.
type Member struct {
	Name string // the member name; for a thin archive a path relative to the archive
	// Offset and Size locate the contents of a regular archive's member;
	// a thin archive's members are files on disk (Offset is -1).
	Offset int64
	Size   int64
}

// ArchiveError is a malformed archive: the file, the offset, the problem.
type ArchiveError struct {
	Path   string
	Offset int64
	Msg    string
}

func (e *ArchiveError) Error() string {
	return fmt.Sprintf("%s: offset %#x: %s", e.Path, e.Offset, e.Msg)
}

const headerSize = 60

// IsArchive reports whether head starts an ar archive, and whether it is thin.
func IsArchive(head []byte) (archive, thin bool) {
	switch {
	case bytes.HasPrefix(head, regularMagic):
		return true, false
	case bytes.HasPrefix(head, thinMagic):
		return true, true
	}
	return false, false
}

// ReadArchive lists the members of the archive in r. The symbol index ("/",
// "/SYM64/", "__.SYMDEF") and the long name table ("//") are not members.
func ReadArchive(r io.ReaderAt, size int64, path string) (members []Member, thin bool, err error) {
	var magic [8]byte
	if n, _ := r.ReadAt(magic[:], 0); n < 8 {
		return nil, false, &ArchiveError{Path: path, Offset: 0, Msg: "not an ar archive (too short)"}
	}
	isAr, thin := IsArchive(magic[:])
	if !isAr {
		return nil, false, &ArchiveError{Path: path, Offset: 0, Msg: "not an ar archive"}
	}
	var longNames []byte
	off := int64(8)
	for off < size {
		if size-off < headerSize {
			if allSpace(r, off, size) {
				break
			}
			return nil, thin, &ArchiveError{Path: path, Offset: off, Msg: "truncated member header"}
		}
		var h [headerSize]byte
		if n, err := r.ReadAt(h[:], off); n < headerSize {
			return nil, thin, &ArchiveError{Path: path, Offset: off, Msg: fmt.Sprintf("reading member header: %v", err)}
		}
		if h[58] != '`' || h[59] != '\n' {
			return nil, thin, &ArchiveError{Path: path, Offset: off, Msg: "bad member header terminator"}
		}
		name := strings.TrimRight(string(h[0:16]), " ")
		sizeField := strings.TrimSpace(string(h[48:58]))
		msize, perr := strconv.ParseInt(sizeField, 10, 64)
		if perr != nil || msize < 0 {
			return nil, thin, &ArchiveError{Path: path, Offset: off + 48, Msg: fmt.Sprintf("bad member size %q", sizeField)}
		}
		data := off + headerSize
		// Special members always carry their data, also in thin archives.
		special := name == "/" || name == "//" || name == "/SYM64/" || strings.HasPrefix(name, "__.SYMDEF")
		stored := !thin || special
		if stored && msize > size-data {
			return nil, thin, &ArchiveError{Path: path, Offset: off, Msg: fmt.Sprintf("member %q of %d bytes runs past the end of the archive", name, msize)}
		}
		member := Member{Offset: data, Size: msize}
		if thin && !special {
			member.Offset = -1
		}
		switch {
		case name == "//":
			if msize > 64<<20 {
				return nil, thin, &ArchiveError{Path: path, Offset: off, Msg: "long name table larger than 64 MiB"}
			}
			longNames = make([]byte, msize)
			if n, _ := r.ReadAt(longNames, data); int64(n) != msize {
				return nil, thin, &ArchiveError{Path: path, Offset: data, Msg: "truncated long name table"}
			}
		case special:
		case strings.HasPrefix(name, "#1/"): // BSD: the name follows the header
			n, perr := strconv.Atoi(strings.TrimSpace(name[3:]))
			if perr != nil || n < 0 || int64(n) > msize {
				return nil, thin, &ArchiveError{Path: path, Offset: off, Msg: fmt.Sprintf("bad BSD member name %q", name)}
			}
			nb := make([]byte, n)
			if k, _ := r.ReadAt(nb, data); k != n {
				return nil, thin, &ArchiveError{Path: path, Offset: data, Msg: "truncated BSD member name"}
			}
			member.Name = strings.TrimRight(string(nb), "\x00")
			member.Offset += int64(n)
			member.Size -= int64(n)
			members = append(members, member)
		case strings.HasPrefix(name, "/"): // GNU: "/offset" into the long name table
			idx, perr := strconv.Atoi(name[1:])
			if perr != nil || idx < 0 || idx >= len(longNames) {
				return nil, thin, &ArchiveError{Path: path, Offset: off, Msg: fmt.Sprintf("member name %q does not point into the long name table", name)}
			}
			rest := longNames[idx:]
			end := bytes.IndexByte(rest, '\n')
			if end < 0 {
				end = len(rest)
			}
			member.Name = strings.TrimSuffix(string(rest[:end]), "/")
			members = append(members, member)
		default:
			member.Name = strings.TrimSuffix(name, "/")
			members = append(members, member)
		}
		if stored {
			off = data + msize
			if off%2 == 1 {
				off++
			}
		} else {
			off = data
		}
	}
	return members, thin, nil
}

// allSpace reports whether the bytes from off to size are padding.
func allSpace(r io.ReaderAt, off, size int64) bool {
	buf := make([]byte, size-off)
	n, _ := r.ReadAt(buf, off)
	for _, c := range buf[:n] {
		if c != '\n' && c != ' ' && c != 0 {
			return false
		}
	}
	return true
}
