package style

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		name string
		mode string
		env  func(string) string
		want bool
	}{
		{"always wins over NO_COLOR", Always, env("NO_COLOR", "1", "TERM", "dumb"), true},
		{"never", Never, env("TERM", "xterm"), false},
		{"auto, not a terminal", Auto, env("TERM", "xterm-256color"), false},
		{"auto, NO_COLOR", Auto, env("TERM", "xterm", "NO_COLOR", "1"), false},
		{"auto, TERM=dumb", Auto, env("TERM", "dumb"), false},
		{"empty mode is auto", "", env("TERM", "xterm"), false},
	}
	for _, tt := range tests {
		for _, w := range []any{&bytes.Buffer{}, devnull} {
			got, err := Detect(tt.mode, w.(interface{ Write([]byte) (int, error) }), tt.env)
			if err != nil || got.Color != tt.want {
				t.Errorf("%s (%T): Color %v, err %v; want %v", tt.name, w, got.Color, err, tt.want)
			}
		}
	}
	if _, err := Detect("yes", &bytes.Buffer{}, env()); err == nil || !strings.Contains(err.Error(), "auto, always or never") {
		t.Errorf("Detect(yes): err %v", err)
	}
}

func TestPaint(t *testing.T) {
	plain, color := Style{}, Style{Color: true}
	for _, sev := range []string{"error", "warning", "note"} {
		if got := plain.Severity(sev); got != sev {
			t.Errorf("plain %s = %q", sev, got)
		}
		got := color.Severity(sev)
		if !strings.HasPrefix(got, "\033[") || !strings.HasSuffix(got, sev+"\033[0m") {
			t.Errorf("colored %s = %q", sev, got)
		}
	}
	if got := color.Verdict("ready", true, false); got != "\033[1;32mready\033[0m" {
		t.Errorf("good verdict = %q", got)
	}
	if got := color.Verdict("not ready", false, true); got != "\033[1;31mnot ready\033[0m" {
		t.Errorf("bad verdict = %q", got)
	}
	if got := plain.Verdict("ready", true, false); got != "ready" {
		t.Errorf("plain verdict = %q", got)
	}
}
