package activity_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"vanguard/internal/activity"
	"vanguard/internal/i18n"
)

// Every key the package can hand to a page — error keys written in the code, and the
// names of kinds, statuses, attendance, frequencies, leave states, sign-in methods and
// record parts — exists in every language.
func TestEveryKeyIsInTheCatalog(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, k := range activity.Kinds() {
		keys = append(keys, k.Kind.Key())
	}
	for _, s := range []activity.Status{activity.Planned, activity.Held, activity.Cancelled} {
		keys = append(keys, s.Key())
	}
	for _, p := range activity.Presences() {
		keys = append(keys, p.Key())
	}
	for _, f := range activity.Frequencies() {
		keys = append(keys, f.Key())
	}
	for _, l := range []string{activity.LeaveRequested, activity.LeaveApproved, activity.LeaveDeclined} {
		keys = append(keys, "activity.leave."+l)
	}
	for _, m := range []string{activity.MethodQR, activity.MethodRollCall, activity.MethodLeave, activity.MethodHeld} {
		keys = append(keys, "activity.method."+m)
	}
	for _, p := range []string{activity.PartMinutes, activity.PartResolutions, activity.PartTask} {
		keys = append(keys, "activity.part."+p)
	}
	files, _ := filepath.Glob("*.go")
	literal := regexp.MustCompile(`"((?:activity\.)?error\.[a-z_]+)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			keys = append(keys, m[1])
		}
	}
	if len(keys) < 60 {
		t.Fatalf("found only %d keys; is the scan broken?", len(keys))
	}
	for _, k := range keys {
		if !cat.Has(k) {
			t.Errorf("the catalog lacks %q", k)
		}
	}
}
