package coraza

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/corazawaf/coraza/v3/collection"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"

	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/parsers"
)

// bodyProcessor fills ARGS_POST from fieldwall's field list.
type bodyProcessor struct{}

func newBodyProcessor() plugintypes.BodyProcessor { return bodyProcessor{} }

// ProcessRequest parses the body with fieldwall's parsers and adds one
// ARGS_POST entry per field of the body, multipart parts and GraphQL
// arguments and variables:
//
//   - a scalar value is added under "location:path" with its decoded value;
//   - a key whose value is an object, an array or missing is added under its
//     own path with an empty value, so that ARGS_NAMES lists every key;
//   - a body that no parser could read is added under "body" whole.
//
// Entries are added, never overwritten, so duplicate keys keep every value.
// The collection is filled before any error is returned, as Coraza's own
// processors do, so rules still see what was read. A body that was not read
// in full returns an error, which sets REQBODY_ERROR and REQBODY_ERROR_MSG;
// coraza.conf-recommended rejects such requests with 400. That is a body
// that does not parse (JSON, multipart, a GraphQL document) or one that hit
// a fieldwall limit (see parsers.AnomalyCode.Incomplete), including
// max_body_bytes, 8 MiB by default, which is below the 13 MB
// SecRequestBodyLimit of coraza.conf-recommended.
func (bodyProcessor) ProcessRequest(reader io.Reader, v plugintypes.TransactionVariables, opts plugintypes.BodyProcessorOptions) error {
	e, err := currentEngine()
	if err != nil {
		return fmt.Errorf("fieldwall: %w", err)
	}
	body, err := io.ReadAll(reader)
	if err != nil {
		return fmt.Errorf("fieldwall: read request body: %w", err)
	}
	req := engine.Request{
		Method: v.RequestMethod().Get(),
		Target: v.RequestURIRaw().Get(),
		Header: http.Header{"Content-Type": {opts.Mime}},
		Body:   body,
	}

	args := argsWriter{col: v.ArgsPost(), limit: opts.ArgumentLimit}
	anomalies, err := e.Fields(&req, args.add)
	args.flush()
	if args.truncated {
		setSingle(v.ArgumentsLimitReached(), "1")
	}
	if err != nil {
		return fmt.Errorf("fieldwall: %w", err)
	}

	var incomplete []string
	for _, a := range anomalies {
		if a.Code.Incomplete() && isBodyLocation(a.Location) {
			incomplete = append(incomplete, a.Code.String()+" at "+fieldName(a.Location, a.Path)+": "+a.Detail)
		}
	}
	if len(incomplete) > 0 {
		return errors.New("fieldwall: body not read in full: " + strings.Join(incomplete, "; "))
	}
	return nil
}

// ProcessResponse returns an error: fieldwall inspects requests only.
func (bodyProcessor) ProcessResponse(io.Reader, plugintypes.TransactionVariables, plugintypes.BodyProcessorOptions) error {
	return errors.New("fieldwall: the fieldwall body processor reads request bodies only: choose another response body processor")
}

// argsWriter turns the field list into ARGS_POST entries. It holds back a
// key until the next field shows whether a scalar value with the same path
// follows.
type argsWriter struct {
	col        collection.Map
	limit      int // SecArgumentsLimit; 0 means none
	count      int
	truncated  bool
	pendingKey string
	hasPending bool
}

func (w *argsWriter) add(f *parsers.Field) {
	if !isBodyLocation(f.Location) {
		return
	}
	name := fieldName(f.Location, f.Path)
	if w.hasPending {
		w.hasPending = false
		if f.Kind != parsers.KindKey && name == w.pendingKey {
			w.put(name, f.Value)
			return
		}
		w.put(w.pendingKey, "")
	}
	if f.Kind == parsers.KindKey {
		w.pendingKey, w.hasPending = name, true
		return
	}
	w.put(name, f.Value)
}

func (w *argsWriter) flush() {
	if w.hasPending {
		w.hasPending = false
		w.put(w.pendingKey, "")
	}
}

func (w *argsWriter) put(name, value string) {
	if w.limit > 0 && w.count >= w.limit {
		w.truncated = true
		return
	}
	w.count++
	// A value may alias pooled parser state that the next request
	// reuses, so it is copied. Names are built anew by fieldName.
	w.col.Add(name, strings.Clone(value))
}

// isBodyLocation reports whether fields at loc come from the body. Coraza
// fills the query, headers and cookies itself.
func isBodyLocation(loc parsers.Location) bool {
	switch loc {
	case parsers.LocationBody, parsers.LocationMultipart,
		parsers.LocationGraphQLArgument, parsers.LocationGraphQLVariable:
		return true
	}
	return false
}

// fieldName returns "location:path" as fieldwall's findings and exclusions
// print a field, or the location alone for an empty path. Path.String quotes
// every key that is not a plain identifier, so two different paths never
// give the same name.
func fieldName(loc parsers.Location, path parsers.Path) string {
	if len(path) == 0 {
		return loc.String()
	}
	return loc.String() + ":" + path.String()
}

// setSingle sets a Coraza single-value variable. The interface that
// plugins see has no setter, but Coraza's implementation has one.
func setSingle(c collection.Single, value string) {
	if s, ok := c.(interface{ Set(string) }); ok {
		s.Set(value)
	}
}
