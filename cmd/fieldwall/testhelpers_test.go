package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// testRecord is a record that a reader passed to its sink, decoded.
type testRecord struct {
	pos     position
	capture capture
}

// testFailure is a record that could not be read or decoded.
type testFailure struct {
	pos position
	err error
}

// collectingSink decodes each record as it arrives and keeps the results.
type collectingSink struct {
	records  []testRecord
	failures []testFailure
}

func (s *collectingSink) record(pos position, size int, decode func() (capture, error)) error {
	c, err := decode()
	if err != nil {
		s.failures = append(s.failures, testFailure{pos: pos, err: err})
		return nil
	}
	c.client = clientAddress(c.req.Header, c.client)
	s.records = append(s.records, testRecord{pos: pos, capture: c})
	return nil
}

func (s *collectingSink) unreadable(pos position, err error) error {
	s.failures = append(s.failures, testFailure{pos: pos, err: err})
	return nil
}

// readTestRecords detects the format of the file at path and reads it. The
// error is the reader's: the rest of the file could not be read.
func readTestRecords(t *testing.T, path string) (inputFormat, []testRecord, []testFailure, error) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	br, format, _, err := openCapture(f)
	require.NoError(t, err, "detect the format of %s", path)
	sink := &collectingSink{}
	err = readerFor(format)(br, sink)
	return format, sink.records, sink.failures, err
}

// readTestInput is readTestRecords for input given as a string.
func readTestInput(t *testing.T, input string) (inputFormat, []testRecord, []testFailure, error) {
	t.Helper()
	br, format, _, err := openCapture(strings.NewReader(input))
	require.NoError(t, err, "detect the format")
	sink := &collectingSink{}
	err = readerFor(format)(br, sink)
	return format, sink.records, sink.failures, err
}
