//go:build race

package llmroute_test

const raceEnabled = true
