//go:build race

package crashtest

// The server binary is built the way this test binary was, so that under -race it
// reuses the race-instrumented packages the test build already compiled (and the
// server's own races are caught too) instead of compiling everything a second time.
const raceBuild = true
