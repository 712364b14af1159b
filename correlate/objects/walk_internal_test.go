package objects

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWalkPastUnreadableDirectory: a directory below the root that cannot
// be read (permission denied; injected, since the tests may run as root)
// is handed to unreadable and the walk goes on to the files after it; with
// no unreadable callback (Scan) it ends the walk with its error; the root
// itself unreadable is always an error.
func TestWalkPastUnreadableDirectory(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"a.ko", "bad/in.ko", "c/d.ko", "z.ko"} {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	failing := func(bad string) func(string) ([]os.DirEntry, error) {
		return func(p string) ([]os.DirEntry, error) {
			if p == bad {
				return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrPermission}
			}
			return os.ReadDir(p)
		}
	}
	for _, tc := range []struct {
		name           string
		bad            string
		withUnreadable bool
		wantVisited    string
		wantUnreadable string
		wantErr        bool
	}{
		{"sub-directory, reported and passed", filepath.Join(root, "bad"), true, "a.ko c/d.ko z.ko", "bad: permission denied", false},
		{"sub-directory, Scan's walk stops", filepath.Join(root, "bad"), false, "a.ko", "", true},
		{"the root itself", root, true, "", "", true},
		{"nothing unreadable", "", true, "a.ko bad/in.ko c/d.ko z.ko", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var visited, unreadable []string
			rel := func(p string) string {
				r, _ := filepath.Rel(root, p)
				return r
			}
			var onUnreadable func(string, error)
			if tc.withUnreadable {
				onUnreadable = func(p string, err error) {
					if !errors.Is(err, fs.ErrPermission) {
						t.Errorf("error %v, want permission denied", err)
					}
					unreadable = append(unreadable, rel(p)+": "+err.Error())
				}
			}
			err := walkWith(root, func(p, _ string) { visited = append(visited, rel(p)) },
				func(p, reason string) { t.Errorf("skipped %s: %s", p, reason) }, onUnreadable, failing(tc.bad))
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			if got := strings.Join(visited, " "); got != tc.wantVisited {
				t.Errorf("visited %q, want %q", got, tc.wantVisited)
			}
			if got := strings.Join(unreadable, "; "); got != tc.wantUnreadable {
				t.Errorf("unreadable %q, want %q", got, tc.wantUnreadable)
			}
		})
	}
}
