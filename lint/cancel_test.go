package lint

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunContextStops checks that RunContext returns the context's error,
// and no result, when the context is done before or during the run.
func TestRunContextStops(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "Makefile")
	var b strings.Builder
	for range 50_000 {
		b.WriteString("KBUILD_LDFLAGS += -zx\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"cancelled before", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, context.Canceled},
		{"deadline during the evaluation", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), time.Millisecond)
		}, context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := tc.ctx()
			defer cancel()
			res, err := RunContext(ctx, Options{Path: path})
			if !errors.Is(err, tc.want) || res != nil {
				t.Fatalf("RunContext: %v (result %v), want %v and no result", err, res != nil, tc.want)
			}
		})
	}
	if res, err := RunContext(context.Background(), Options{Path: path}); err != nil || res.ConfigsEvaluated == 0 {
		t.Fatalf("RunContext without cancellation: %v", err)
	}
}
