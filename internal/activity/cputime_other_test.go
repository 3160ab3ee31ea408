//go:build !unix

package activity_test

func processCPU() (int64, bool) { return 0, false }
