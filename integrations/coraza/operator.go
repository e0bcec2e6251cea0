package coraza

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/corazawaf/coraza/v3/collection"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"

	"github.com/fieldwall/fieldwall/engine"
)

// The TX variables that @fieldwall sets on every evaluation.
const (
	// TXAction is allow, log or block: the fieldwall engine's own action.
	TXAction = "fieldwall_action"
	// TXScore is the sum of the anomaly scores of every class, the amount
	// that fieldwall.conf adds to tx.inbound_anomaly_score_pl1.
	TXScore = "fieldwall_score"
	// TXScorePrefix followed by a class name, such as fieldwall_score_sqli,
	// is that class's anomaly score. It is set only for classes with
	// findings.
	TXScorePrefix = "fieldwall_score_"
	// TXRuleIDs lists the distinct rule ids that fired, separated by spaces.
	TXRuleIDs = "fieldwall_rule_ids"
	// TXFindings is the number of findings.
	TXFindings = "fieldwall_findings"
)

// operator is @fieldwall. It ignores the value of the rule's variable and
// inspects the whole request: method, raw URI, headers and body.
type operator struct {
	engine *engine.Engine // nil means currentEngine()
}

// newOperator creates @fieldwall. With no argument it uses the engine set by
// SetEngine or the default one. An argument names a JSON file with engine
// settings (paranoia, threshold, limits, disabled_rules, exclusions,
// headers). The file is found as @pmFromFile finds its files: an absolute
// path in the WAF's root file system, or a path relative to the directory of
// the file that contains the rule.
func newOperator(opts plugintypes.OperatorOptions) (plugintypes.Operator, error) {
	name := strings.TrimSpace(opts.Arguments)
	if name == "" {
		return &operator{}, nil
	}
	data, err := readOperatorFile(name, opts.Path, opts.Root)
	if err != nil {
		return nil, fmt.Errorf("@fieldwall: read config %s: %w", name, err)
	}
	var cfg engine.Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("@fieldwall: config %s: %w", name, err)
	}
	e, err := engine.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("@fieldwall: config %s: %w", name, err)
	}
	return &operator{engine: e}, nil
}

// readOperatorFile reads name from root (the OS file system when root is
// nil): as given when absolute, else from the first of dirs that has it.
func readOperatorFile(name string, dirs []string, root fs.FS) ([]byte, error) {
	read := func(p string) ([]byte, error) {
		if root == nil {
			return os.ReadFile(p)
		}
		return fs.ReadFile(root, p)
	}
	if path.IsAbs(name) || len(dirs) == 0 {
		return read(name)
	}
	var notFound error
	for _, dir := range dirs {
		data, err := read(path.Join(dir, name))
		if err == nil {
			return data, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		notFound = err
	}
	return nil, notFound
}

// Evaluate inspects the transaction's request, stores the verdict in TX and
// reports whether there was any finding. The rule's actions then decide
// what the findings cost, usually by adding TX:fieldwall_score to the CRS
// inbound anomaly score.
func (o *operator) Evaluate(tx plugintypes.TransactionState, _ string) bool {
	e := o.engine
	if e == nil {
		var err error
		if e, err = currentEngine(); err != nil {
			tx.DebugLogger().Error().Err(err).Msg("@fieldwall: no engine")
			return false
		}
	}
	req, err := requestOf(tx, e.Limits().MaxBodyBytes)
	if err != nil {
		// Inspect what was read: the headers and URI still count.
		tx.DebugLogger().Error().Err(err).Msg("@fieldwall: read request body")
	}
	v := e.Inspect(&req)
	storeVerdict(tx.Variables().TX(), &v)
	return len(v.Findings) > 0
}

// requestOf rebuilds the request from the transaction: REQUEST_METHOD,
// REQUEST_URI_RAW, REQUEST_HEADERS and the buffered body, read up to one byte
// past maxBody so that the engine reports a larger body.
func requestOf(tx plugintypes.TransactionState, maxBody int) (engine.Request, error) {
	vars := tx.Variables()
	req := engine.Request{
		Method: vars.RequestMethod().Get(),
		Target: vars.RequestURIRaw().Get(),
		Header: http.Header{},
	}
	for _, h := range vars.RequestHeaders().FindAll() {
		req.Header.Add(h.Key(), h.Value())
	}
	// The body buffer is not part of the TransactionState interface, but
	// Coraza's transactions expose it, and each reader starts at the
	// beginning without disturbing other readers.
	bodied, ok := tx.(interface{ RequestBodyReader() (io.Reader, error) })
	if !ok {
		return req, errors.New("the transaction does not expose its request body")
	}
	r, err := bodied.RequestBodyReader()
	if err != nil {
		return req, err
	}
	req.Body, err = io.ReadAll(io.LimitReader(r, int64(maxBody)+1))
	return req, err
}

// storeVerdict writes the verdict into the TX collection.
func storeVerdict(txVars collection.Map, v *engine.Verdict) {
	total := 0
	for class, score := range v.Scores {
		txVars.Set(TXScorePrefix+class, []string{strconv.Itoa(score)})
		total += score
	}
	txVars.Set(TXAction, []string{string(v.Action)})
	txVars.Set(TXScore, []string{strconv.Itoa(total)})
	txVars.Set(TXRuleIDs, []string{strings.Join(v.RuleIDs(), " ")})
	txVars.Set(TXFindings, []string{strconv.Itoa(len(v.Findings))})
}
