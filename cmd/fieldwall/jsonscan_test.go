package main

import (
	"bufio"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONScannerCopyValue(t *testing.T) {
	cases := []struct {
		name     string
		input    string
		want     string
		wantRest string
		wantLine int
		wantErr  string
	}{
		{name: "string with escaped quotes", input: `"a\"b\\" ,x`, want: `"a\"b\\"`, wantRest: " ,x", wantLine: 1},
		{name: "backslash before a quote at a buffer boundary", input: `"0123456789abcd\"ef" rest`, want: `"0123456789abcd\"ef"`, wantRest: " rest", wantLine: 1},
		{name: "nested object with brackets in strings", input: "{\"a\": [1, {\"b\": \"}]\"}],\n \"c\": null} tail", want: "{\"a\": [1, {\"b\": \"}]\"}],\n \"c\": null}", wantRest: " tail", wantLine: 2},
		{name: "number before a comma", input: `-12.5e3,`, want: `-12.5e3`, wantRest: ",", wantLine: 1},
		{name: "literal at the end of the input", input: `true`, want: `true`, wantLine: 1},
		{name: "leading whitespace", input: "\n\n  [1]", want: "[1]", wantLine: 3},
		{name: "unclosed string", input: `"abc`, wantErr: "the file ends inside the JSON document"},
		{name: "closing bracket", input: `}`, wantErr: "expected a value, found '}'"},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			// The smallest bufio buffer makes values cross buffer
			// boundaries.
			s := newJSONScanner(bufio.NewReaderSize(strings.NewReader(tc.input), 16))
			var got []byte
			err := s.copyValue(&got, 1<<20)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
			rest, err := io.ReadAll(s.br)
			require.NoError(t, err)
			assert.Equal(t, tc.wantRest, string(rest), "the scanner stops after the value")
			assert.Equal(t, tc.wantLine, s.line)
			assert.Equal(t, int64(len(tc.input)-len(tc.wantRest)), s.offset)
		})
	}
	require.Positive(t, ran)
}

func TestJSONScannerValueTooLarge(t *testing.T) {
	s := newJSONScanner(bufio.NewReaderSize(strings.NewReader(`{"a": "`+strings.Repeat("x", 100)+`"}, 1`), 16))
	var got []byte
	err := s.copyValue(&got, 50)
	assert.ErrorIs(t, err, errValueTooLarge)
	assert.Empty(t, got)
	c, err := s.next(',', ']')
	require.NoError(t, err, "the value was read to its end")
	assert.Equal(t, byte(','), c)
}
