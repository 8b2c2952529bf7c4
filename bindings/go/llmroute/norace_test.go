//go:build !race

package llmroute_test

const raceEnabled = false
