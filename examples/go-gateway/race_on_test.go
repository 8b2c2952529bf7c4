//go:build race

package main

// raceEnabled: the test runs under the race detector, so the gateway binary is built with it too.
const raceEnabled = true
