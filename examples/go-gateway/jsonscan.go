package main

// Just enough JSON scanning to read one member without decoding a whole document: the request's
// "model" (every request) and a response's "usage" (every non-streamed response). Decoding
// either through encoding/json into a struct walks and allocates for the whole body, a
// measurable share of the gateway's own time (bench/run.sh).

import (
	"bytes"
	"encoding/json"
)

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// valueEnd is the index just past the JSON value that starts at b[i] (a string, object, array,
// number or literal). On malformed input it stops at the end of b; never out of range.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = stringEnd(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	}
	for i < len(b) && !bytes.ContainsRune([]byte(",}] \t\r\n"), rune(b[i])) {
		i++
	}
	return i
}

// stringEnd is the index just past the string that starts with the quote at b[i].
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// topLevelMember is the raw value of the member name of the object b (the last one when the
// name repeats, as encoding/json decides), nil when b is not an object or has no such member.
// b must be valid JSON (json.Valid).
func topLevelMember(b []byte, name string) []byte {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil
	}
	var found []byte
	for i++; ; {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] == '}' {
			return found
		}
		if b[i] == ',' {
			i++
			continue
		}
		keyEnd := valueEnd(b, i)
		key := b[i:keyEnd]
		i = skipSpace(b, keyEnd) + 1 // past the ':'
		i = skipSpace(b, i)
		end := valueEnd(b, i)
		if memberNameIs(key, name) {
			found = b[i:end]
		}
		i = end
	}
}

// memberNameIs: the quoted member name key is name (exactly, escapes decoded).
func memberNameIs(key []byte, name string) bool {
	if len(key) < 2 {
		return false
	}
	if bytes.IndexByte(key, '\\') < 0 {
		return string(key[1:len(key)-1]) == name
	}
	var s string
	return json.Unmarshal(key, &s) == nil && s == name
}
