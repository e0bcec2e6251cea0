package bench

import (
	"fmt"
	"slices"
	"sync"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
	"github.com/corazawaf/coraza/v3/types"
)

// corazaBodyLimit is the request body limit given to Coraza, in bytes. It
// covers the 1 MB body with room, and the in-memory limit is set to the same
// value so that no body is buffered to a temporary file.
const corazaBodyLimit = 2 << 20

// corazaArgumentsLimit is Coraza's SecArgumentsLimit. Coraza's default of
// 1000 stops collecting body values after the first 1000 and leaves the rest
// of the 100 KB and 1 MB bodies unread, so it is raised to fieldwall's
// default field limit, and both engines read every value.
const corazaArgumentsLimit = 100_000

// corazaDirectives returns the configuration that the benchmarks run:
// Coraza's recommended configuration and the CRS setup example, both
// shipped in coraza-coreruleset, then the changes a blocking deployment
// makes, then the CRS rules. Audit logging is switched off because it
// writes files, and response bodies are not inspected because the
// benchmarks send only requests.
func corazaDirectives(paranoia, argumentsLimit int) string {
	return fmt.Sprintf(`
Include @coraza.conf-recommended
Include @crs-setup.conf.example
SecRuleEngine On
SecRequestBodyAccess On
SecRequestBodyLimit %[1]d
SecRequestBodyInMemoryLimit %[1]d
SecArgumentsLimit %[2]d
SecResponseBodyAccess Off
SecAuditEngine Off
SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=%[3]d"
Include @owasp_crs/*.conf
`, corazaBodyLimit, argumentsLimit, paranoia)
}

// corazaSetup is one Coraza configuration that the benchmarks run.
type corazaSetup struct {
	// name is the impl name in benchmark and test names.
	name     string
	paranoia int
	// argumentsLimit is SecArgumentsLimit.
	argumentsLimit int
	// largeBodiesOnly limits the setup to bodies over 50 KB, the ones with
	// more than 1000 values, where its arguments limit changes anything.
	largeBodiesOnly bool
	// blocksBenign lists the benign requests this setup blocks, with the CRS
	// rules that add up to the block, as measured with Coraza v3.8.1 and
	// CRS v4.25.0 on this request set.
	blocksBenign map[string][]int

	waf func() (coraza.WAF, error)
}

func newCorazaSetup(name string, paranoia, argumentsLimit int, largeBodiesOnly bool, blocksBenign map[string][]int) *corazaSetup {
	s := &corazaSetup{name: name, paranoia: paranoia, argumentsLimit: argumentsLimit,
		largeBodiesOnly: largeBodiesOnly, blocksBenign: blocksBenign}
	s.waf = sync.OnceValues(func() (coraza.WAF, error) {
		cfg := coraza.NewWAFConfig().WithRootFS(coreruleset.FS).
			WithDirectives(corazaDirectives(s.paranoia, s.argumentsLimit))
		waf, err := coraza.NewWAF(cfg)
		if err != nil {
			return nil, fmt.Errorf("build Coraza with the CRS for %s: %w", s.name, err)
		}
		return waf, nil
	})
	return s
}

// appliesTo reports whether the setup runs on req.
func (s *corazaSetup) appliesTo(req *Request) bool {
	return !s.largeBodiesOnly || len(req.Body) > 50<<10
}

// expectBlock returns whether the setup is expected to block req: attacks
// always, benign requests where the CRS is known to block them.
func (s *corazaSetup) expectBlock(req *Request) bool {
	if req.Expect == ExpectAttack {
		return true
	}
	_, known := s.blocksBenign[req.Name]
	return known
}

// corazaInspect runs one full request transaction, the calls an HTTP
// integration makes before passing a request on, and returns the
// interruption, nil when the request is allowed. headerNames is
// req.HeaderNames(), computed once by the caller.
func corazaInspect(waf coraza.WAF, req *Request, headerNames []string) (*types.Interruption, error) {
	tx := waf.NewTransaction()
	defer func() {
		tx.ProcessLogging()
		tx.Close()
	}()
	tx.ProcessURI(req.Target, req.Method, "HTTP/1.1")
	for _, name := range headerNames {
		tx.AddRequestHeader(name, req.Header[name])
	}
	if it := tx.ProcessRequestHeaders(); it != nil {
		return it, nil
	}
	if len(req.Body) > 0 {
		it, _, err := tx.WriteRequestBody(req.Body)
		if err != nil {
			return nil, fmt.Errorf("write request body: %w", err)
		}
		if it != nil {
			return it, nil
		}
	}
	if _, err := tx.ProcessRequestBody(); err != nil {
		return nil, fmt.Errorf("process request body: %w", err)
	}
	return tx.Interruption(), nil
}

// corazaMatchedRules returns the ids of the CRS detection rules that matched
// the request, for messages. It keeps ids from 911100 to 948999 whose last
// three digits are 100 or more, because the CRS numbers its setup rules
// 900000 to 901999, its paranoia-level skips NNN0NN and its scoring rules
// 949000 and up.
func corazaMatchedRules(waf coraza.WAF, req *Request) []int {
	tx := waf.NewTransaction()
	defer tx.Close()
	tx.ProcessURI(req.Target, req.Method, "HTTP/1.1")
	for _, name := range req.HeaderNames() {
		tx.AddRequestHeader(name, req.Header[name])
	}
	tx.ProcessRequestHeaders()
	if len(req.Body) > 0 {
		_, _, _ = tx.WriteRequestBody(req.Body)
	}
	_, _ = tx.ProcessRequestBody()
	var ids []int
	for _, m := range tx.MatchedRules() {
		id := m.Rule().ID()
		if id >= 911000 && id < 949000 && id%1000 >= 100 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// corazaSetups are the Coraza configurations compared with fieldwall. The
// benign requests they block are false positives of the CRS, not properties
// of the requests. The values the rules matched were:
//
//   - 932230 and 932250 (Unix command injection, PL1): delivery notes such
//     as "Deliver after 5 pm on weekdays or any time on Sunday. If the gate
//     is closed, hand it to the neighbour at number 2.";
//   - 932235 (PL1) and 932236 (PL2): the GraphQL query document, the GET
//     parameter fields=id,title,price,rating,thumbnail and address lines
//     such as "Apt 9F";
//   - 942290 (MongoDB injection, PL1): the GraphQL query with its $variables;
//   - 942200, 942361 and 942430 (SQL injection, PL2): review text with
//     commas and apostrophes, the product title "Stainless steel kettle,
//     1.7 litre", the street "598 Union Street" and the GraphQL query.
//
// The verdict checks expect exactly these blocks, so a change in Coraza or
// the CRS shows up as a test failure.
var corazaSetups = []*corazaSetup{
	newCorazaSetup("coraza-pl1", 1, corazaArgumentsLimit, false, map[string][]int{
		"json-1m":    {932230, 932250},
		"graphql-1k": {932235, 942290},
	}),
	newCorazaSetup("coraza-pl2", 2, corazaArgumentsLimit, false, map[string][]int{
		"get-query":  {932236},
		"json-10k":   {932236, 942200, 942361},
		"json-100k":  {932236, 942200},
		"json-1m":    {932236, 942200, 942361},
		"graphql-1k": {932235, 932236, 942290, 942430},
	}),
	// Coraza's default SecArgumentsLimit of 1000, for the large bodies:
	// Coraza then reads only the first 1000 values of the body.
	newCorazaSetup("coraza-pl1-args1000", 1, 1000, true, map[string][]int{}),
}
