package engine

import (
	"fmt"
	"strings"

	"github.com/fieldwall/fieldwall/parsers"
)

// Fields parses req as Inspect does, without running rules, and calls fn for
// each field in the order the parsers produced them. Adapters use it to hand
// fieldwall's field list to another rule engine.
//
// The field passed to fn, its path and its value are valid only during the
// call, because they alias pooled state and req.Body. Fields returns the
// anomalies the parsers reported, copied so that they stay valid. A panic in
// a parser is recovered and returned as an error, with the fields passed to
// fn so far.
func (e *Engine) Fields(req *Request, fn func(f *parsers.Field)) (anomalies []parsers.Anomaly, err error) {
	st := e.pool.Get().(*state)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("engine: parsing failed with an internal error: %v", r)
			return // the state may be inconsistent, so it is not pooled
		}
		e.release(st)
	}()

	st.fieldFn = fn
	e.parse(st, req)
	st.fieldFn = nil
	if len(st.doc.Anomalies) == 0 {
		return nil, nil
	}
	anomalies = make([]parsers.Anomaly, len(st.doc.Anomalies))
	for i, a := range st.doc.Anomalies {
		a.Path = append(parsers.Path(nil), a.Path...)
		a.Detail = strings.Clone(a.Detail)
		anomalies[i] = a
	}
	return anomalies, nil
}
