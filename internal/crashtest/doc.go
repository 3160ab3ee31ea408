// Package crashtest holds the crash-safety harness (in its tests): it builds the real
// vanguard binary, serves from a fresh database, drives writes through the HTTP API
// with retries, kills the server with SIGKILL at random moments, restarts it, and
// checks that every acknowledged write is there exactly once, that the database
// passes its integrity check, and that the server starts cleanly every time.
//
// The writes are a table of kinds (writes_test.go). A capability that adds a write
// path — sign-ins, point events, opinions, votes, uploads — adds a kind there: how to
// send it, how to tell from an answer that it was taken, and how to count it on the
// server afterwards.
package crashtest
