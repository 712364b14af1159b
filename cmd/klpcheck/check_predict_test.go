package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"klpcheck/correlate"
	"klpcheck/internal/testenv"
)

// predictDoc is the part of `check --format json` the prediction tests read.
type predictDoc struct {
	Verdict   string        `json:"verdict"`
	Summary   []areaSummary `json:"summary"`
	Correlate *struct {
		Prediction *correlate.Prediction `json:"prediction"`
	} `json:"correlate"`
}

func predictCheck(t *testing.T, args ...string) (string, predictDoc) {
	t.Helper()
	inDir(t, t.TempDir())
	t.Setenv("LD", "")
	t.Setenv("LLVM", "")
	_, text, errb := klp(t, append([]string{"check"}, args...)...)
	_, out, _ := klp(t, append([]string{"check", "--format", "json"}, args...)...)
	var doc predictDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, errb)
	}
	if doc.Correlate == nil || doc.Correlate.Prediction == nil {
		t.Fatalf("no correlate.prediction in check's JSON:\n%s", out)
	}
	return text, doc
}

// TestCheckDemoPrediction: the build area's details carry the prediction;
// the demo's asm/C conflict is its link failure.
func TestCheckDemoPrediction(t *testing.T) {
	text, doc := predictCheck(t, "--demo")
	pr := doc.Correlate.Prediction
	if pr.LinkFailures != 1 || len(pr.Collisions) != 1 || pr.Collisions[0].Name != "seq_step" || pr.Collisions[0].Outcome != correlate.OutcomeLinkFailure {
		t.Errorf("prediction %+v: want seq_step's link failure", pr)
	}
	if !strings.Contains(text, "Prediction with suffix reduction") || !strings.Contains(text, pr.Summary()) {
		t.Errorf("check's text lacks the prediction summary %q:\n%s", pr.Summary(), text)
	}
}

// TestCheckRealKernelPrediction: on the real planted build against orig,
// the prediction names the planted asm global as the link failure and
// sorts today's renames; the verdict stays what the build area decided
// before (not ready: the hard conflict).
func TestCheckRealKernelPrediction(t *testing.T) {
	k := testenv.Kernel(t)
	testenv.Tool(t, "ld.lld-22")
	text, doc := predictCheck(t, "--build", k.Build, "--orig", filepath.Join(k.Orig, "vmlinux.o"))
	pr := doc.Correlate.Prediction
	if pr.LinkFailures != 1 || pr.Collisions[0].Name != k.PlantedHard || !strings.HasSuffix(pr.Collisions[0].Global.File, k.PlantedAsm) {
		t.Errorf("collisions %+v: want %s of %s as the one link failure", pr.Collisions, k.PlantedHard, k.PlantedAsm)
	}
	if pr.Renames == nil || pr.Renames.Today == 0 {
		t.Errorf("renames %+v: want today's renames against orig", pr.Renames)
	}
	if pr.Predicted >= pr.Today || pr.Predicted != pr.PredictedStrings {
		t.Errorf("predicted %d of %d today, %d strings: the real build keeps only string literals", pr.Predicted, pr.Today, pr.PredictedStrings)
	}
	for _, a := range doc.Summary {
		if a.Area == "build" && (a.Status != areaFail || strings.Contains(a.Text, "predicted")) {
			t.Errorf("build area %+v: the prediction must not decide it", a)
		}
	}
	if doc.Verdict != "not ready" || !strings.Contains(text, pr.Summary()) {
		t.Errorf("verdict %q; text has the summary: %v", doc.Verdict, strings.Contains(text, pr.Summary()))
	}
}
