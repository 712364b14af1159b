package testenv

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// MarkerEnv is the environment variable that tags the processes a test
// starts: every child inherits it, so /proc tells which are still alive.
const MarkerEnv = "KLPCHECK_TEST_MARKER"

// Marker returns a value for MarkerEnv unique to this test run.
func Marker(t testing.TB) string {
	t.Helper()
	return fmt.Sprintf("%s-%d-%d", filepath.Base(t.Name()), os.Getpid(), time.Now().UnixNano())
}

// MarkedProcesses lists the live processes (zombies excluded) whose
// environment holds MarkerEnv=marker, except the ones in except.
func MarkedProcesses(marker string, except ...int) []int {
	want := []byte(MarkerEnv + "=" + marker + "\x00")
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() || contains(except, pid) {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(append(env, 0), want) {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil {
			if i := bytes.LastIndexByte(stat, ')'); i > 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
				continue
			}
		}
		pids = append(pids, pid)
	}
	return pids
}

// WaitForMarked polls until at least n marked processes are alive, and
// fails the test after a minute: it is a precondition, not a timing claim.
func WaitForMarked(t testing.TB, marker string, n int, except ...int) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if len(MarkedProcesses(marker, except...)) >= n {
			return
		}
	}
	t.Fatalf("fewer than %d processes with %s=%s started within a minute", n, MarkerEnv, marker)
}

// AssertNoMarked fails the test if a marked process is alive. Killed
// processes can take a moment to be reaped, so it looks for a few seconds
// before it complains.
func AssertNoMarked(t testing.TB, marker string, except ...int) {
	t.Helper()
	var left []int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if left = MarkedProcesses(marker, except...); len(left) == 0 {
			return
		}
	}
	for _, pid := range left {
		cmdline, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
		t.Errorf("process %d left running: %s", pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
	}
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// KillMarkedAtCleanup kills, when the test ends, every process still
// carrying the marker: a failing test must not leave its linkers running.
func KillMarkedAtCleanup(t testing.TB, marker string) {
	t.Helper()
	t.Cleanup(func() {
		for _, pid := range MarkedProcesses(marker) {
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Kill()
			}
		}
	})
}
