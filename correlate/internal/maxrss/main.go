// Command maxrss runs a command and prints its wall time and the peak
// resident set size of it and its descendants (getrusage of the reaped
// child), for scripts/bench-correlate.sh on machines without GNU time:
//
//	go run ./correlate/internal/maxrss -- CMD ARGS...
//
// Output, on stderr after the command's own:
// "maxrss: WALL_SECONDS CPU_SECONDS PEAK_RSS_KIB EXIT_STATUS", CPU being
// user plus system time of the command and its descendants.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: maxrss -- CMD ARGS...")
		os.Exit(2)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "maxrss:", err)
		os.Exit(2)
	}
	var kib int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		kib = ru.Maxrss // kilobytes on Linux
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	fmt.Fprintf(os.Stderr, "maxrss: %.3f %.3f %d %d\n", wall.Seconds(), cpu.Seconds(), kib, code)
	os.Exit(code)
}
