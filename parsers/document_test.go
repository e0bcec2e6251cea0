package parsers

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingSink keeps a copy of every field it receives, since the field
// and its path are valid only during the call.
type recordingSink struct {
	paths  []string
	values []string
}

func (s *recordingSink) Field(f *Field) {
	s.paths = append(s.paths, f.Location.String()+":"+f.Path.String())
	s.values = append(s.values, f.Value)
}

func TestSinkReceivesFieldsInOrder(t *testing.T) {
	var listed, streamed Document
	sink := &recordingSink{}
	streamed.SetSink(sink)
	for _, doc := range []*Document{&listed, &streamed} {
		doc.Reset(Limits{})
		ParseTarget(doc, "/users/1'/x?a[b]=1&c=%27x")
		AddHeader(doc, "user-agent", "curl/8.5.0")
		ParseBody(doc, "application/json", []byte(`{"k":{"n":[true,"v"]}}`))
	}

	require.Empty(t, streamed.Fields, "a document with a sink lists no fields")
	require.Len(t, sink.paths, len(listed.Fields))
	assert.Equal(t, len(listed.Fields), streamed.FieldCount())
	for i, f := range listed.Fields {
		assert.Equal(t, f.Location.String()+":"+f.Path.String(), sink.paths[i], "field %d", i)
		assert.Equal(t, f.Value, sink.values[i], "field %d", i)
	}
}

func TestSinkFieldLimitReported(t *testing.T) {
	var doc Document
	sink := &recordingSink{}
	doc.SetSink(sink)
	doc.Reset(Limits{MaxFields: 3})
	ParseBody(&doc, "application/json", []byte(`{"a":1,"b":2,"c":3}`))

	assert.Len(t, sink.paths, 3)
	require.Len(t, doc.Anomalies, 1)
	assert.Equal(t, AnomalyFieldLimit, doc.Anomalies[0].Code)
}
