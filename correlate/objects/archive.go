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
	a := &archiveReader{r: r, size: size, path: path, thin: thin}
	off := int64(8)
	for off < size {
		if size-off < headerSize {
			if allSpace(r, off, size) {
				break
			}
			return nil, thin, a.fail(off, "truncated member header")
		}
		name, msize, err := a.memberHeader(off)
		if err != nil {
			return nil, thin, err
		}
		data := off + headerSize
		// Special members always carry their data, also in thin archives.
		special := name == "/" || name == "//" || name == "/SYM64/" || strings.HasPrefix(name, "__.SYMDEF")
		stored := !thin || special
		if stored && msize > size-data {
			return nil, thin, a.fail(off, fmt.Sprintf("member %q of %d bytes runs past the end of the archive", name, msize))
		}
		member, isMember, err := a.member(name, off, msize, special)
		if err != nil {
			return nil, thin, err
		}
		if isMember {
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

// archiveReader reads the members of one archive.
type archiveReader struct {
	r         io.ReaderAt
	size      int64
	path      string
	thin      bool
	longNames []byte // the GNU long name table, once read
}

func (a *archiveReader) fail(off int64, msg string) error {
	return &ArchiveError{Path: a.path, Offset: off, Msg: msg}
}

// memberHeader reads the name and the size of the member header at off.
func (a *archiveReader) memberHeader(off int64) (string, int64, error) {
	var h [headerSize]byte
	if n, err := a.r.ReadAt(h[:], off); n < headerSize {
		return "", 0, a.fail(off, fmt.Sprintf("reading member header: %v", err))
	}
	if h[58] != '`' || h[59] != '\n' {
		return "", 0, a.fail(off, "bad member header terminator")
	}
	name := strings.TrimRight(string(h[0:16]), " ")
	sizeField := strings.TrimSpace(string(h[48:58]))
	msize, perr := strconv.ParseInt(sizeField, 10, 64)
	if perr != nil || msize < 0 {
		return "", 0, a.fail(off+48, fmt.Sprintf("bad member size %q", sizeField))
	}
	return name, msize, nil
}

// member reads the member whose header, at off, gives name and msize. A
// special member is not one (isMember is false); the long name table is
// kept for the members after it.
func (a *archiveReader) member(name string, off, msize int64, special bool) (m Member, isMember bool, err error) {
	data := off + headerSize
	m = Member{Offset: data, Size: msize}
	if a.thin && !special {
		m.Offset = -1
	}
	switch {
	case name == "//":
		if msize > 64<<20 {
			return m, false, a.fail(off, "long name table larger than 64 MiB")
		}
		a.longNames = make([]byte, msize)
		if n, _ := a.r.ReadAt(a.longNames, data); int64(n) != msize {
			return m, false, a.fail(data, "truncated long name table")
		}
		return m, false, nil
	case special:
		return m, false, nil
	case strings.HasPrefix(name, "#1/"): // BSD: the name follows the header
		n, perr := strconv.Atoi(strings.TrimSpace(name[3:]))
		if perr != nil || n < 0 || int64(n) > msize {
			return m, false, a.fail(off, fmt.Sprintf("bad BSD member name %q", name))
		}
		nb := make([]byte, n)
		if k, _ := a.r.ReadAt(nb, data); k != n {
			return m, false, a.fail(data, "truncated BSD member name")
		}
		m.Name = strings.TrimRight(string(nb), "\x00")
		m.Offset += int64(n)
		m.Size -= int64(n)
	case strings.HasPrefix(name, "/"): // GNU: "/offset" into the long name table
		idx, perr := strconv.Atoi(name[1:])
		if perr != nil || idx < 0 || idx >= len(a.longNames) {
			return m, false, a.fail(off, fmt.Sprintf("member name %q does not point into the long name table", name))
		}
		rest := a.longNames[idx:]
		end := bytes.IndexByte(rest, '\n')
		if end < 0 {
			end = len(rest)
		}
		m.Name = strings.TrimSuffix(string(rest[:end]), "/")
	default:
		m.Name = strings.TrimSuffix(name, "/")
	}
	return m, true, nil
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
