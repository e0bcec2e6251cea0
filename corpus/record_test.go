package corpus

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHeaderOrderIsStable(t *testing.T) {
	rec := RequestRecord{Headers: map[string]string{"a": "2", "A": "1", "X-B": "3"}}
	for range 20 {
		req := rec.ToEngineRequest()
		assert.Equal(t, []string{"1", "2"}, req.Header["A"])
		assert.Equal(t, []string{"3"}, req.Header["X-B"])
	}
}
