// Package coraza plugs fieldwall into Coraza v3 and the OWASP CRS. Importing
// the package registers, through Coraza's experimental/plugins API:
//
//   - the request body processor "fieldwall" (select it with
//     ctl:requestBodyProcessor=FIELDWALL), which fills ARGS_POST, and so
//     ARGS and ARGS_NAMES, from fieldwall's field list: one argument per key
//     and scalar value, named "location:path" with typed paths that never
//     collide, such as body:user.name, body:items[0].id and
//     body:["a.b"];
//   - the operator @fieldwall, which runs the fieldwall engine on the
//     transaction's request and stores the verdict in TX variables, so that
//     a rule can add fieldwall's anomaly score to the CRS inbound score.
//
// The SecLang file fieldwall.conf beside this package (also available as
// Directives) switches both on for JSON and GraphQL requests.
//
// The body processor and @fieldwall without an argument use the engine set
// with SetEngine, or an engine with the default configuration.
package coraza

import (
	_ "embed"
	"sync"
	"sync/atomic"

	"github.com/corazawaf/coraza/v3/experimental/plugins"

	"github.com/fieldwall/fieldwall/engine"
)

// Directives is the content of fieldwall.conf, for
// coraza.NewWAFConfig().WithDirectives between the CRS setup and the CRS
// rules.
//
//go:embed fieldwall.conf
var Directives string

// Name is the name under which the body processor and the operator are
// registered. Coraza looks body processors up in lower case, so
// ctl:requestBodyProcessor=FIELDWALL finds it too.
const Name = "fieldwall"

func init() {
	plugins.RegisterBodyProcessor(Name, newBodyProcessor)
	plugins.RegisterOperator(Name, newOperator)
}

var (
	defaultEngine     atomic.Pointer[engine.Engine]
	defaultEngineOnce sync.Once
	defaultEngineErr  error
)

// SetEngine sets the engine that the body processor and @fieldwall without
// an argument use from then on. It is safe to call while Coraza runs.
func SetEngine(e *engine.Engine) {
	defaultEngine.Store(e)
}

// currentEngine returns the engine set with SetEngine, or compiles the
// default one on first use.
func currentEngine() (*engine.Engine, error) {
	if e := defaultEngine.Load(); e != nil {
		return e, nil
	}
	defaultEngineOnce.Do(func() {
		e, err := engine.New(engine.Config{})
		if err != nil {
			defaultEngineErr = err
			return
		}
		defaultEngine.CompareAndSwap(nil, e)
	})
	if e := defaultEngine.Load(); e != nil {
		return e, nil
	}
	return nil, defaultEngineErr
}
