package graphql

import "strings"

// Options configure which requests are GraphQL requests and the limits and
// policies of the analysis. The zero value means the defaults.
//
// An integer limit of zero takes its default, and a negative value switches
// the limit off. A limit counts "more than": a document at the limit passes.
// A policy switch named Allow… turns its finding off when true: the anomaly
// is then not emitted at all, so no rule can report it.
type Options struct {
	// Endpoints are path suffixes of GraphQL endpoints, compared without
	// case and without a trailing slash. Nil means DefaultEndpoints; an
	// empty non-nil slice names no endpoint, so only bodies with the GraphQL
	// shape are recognised.
	Endpoints []string `json:"endpoints,omitempty"`

	// MaxDocumentBytes bounds the text of one document, checked before it
	// is parsed. A larger document is reported and not parsed.
	MaxDocumentBytes int `json:"max_document_bytes,omitempty"`
	// MaxTokens bounds the lexical tokens of one document, comments
	// included, and is enforced by the parser while it reads.
	MaxTokens int `json:"max_tokens,omitempty"`
	// MaxDepth bounds the field nesting of an operation, counted through
	// fragment spreads and inline fragments.
	MaxDepth int `json:"max_depth,omitempty"`
	// MaxAliases bounds the aliased fields written in one document.
	MaxAliases int `json:"max_aliases,omitempty"`
	// MaxRootFields bounds the top-level fields of one operation, counted
	// through fragments.
	MaxRootFields int `json:"max_root_fields,omitempty"`
	// MaxRepeatedFields bounds how often one selection set may request the
	// same field with the same arguments under different aliases.
	MaxRepeatedFields int `json:"max_repeated_fields,omitempty"`
	// MaxMutationRepeats bounds how often one mutation operation may call
	// the same top-level mutation field under different aliases.
	MaxMutationRepeats int `json:"max_mutation_repeats,omitempty"`
	// MaxFieldDirectives bounds the directives on one field, fragment spread
	// or inline fragment.
	MaxFieldDirectives int `json:"max_field_directives,omitempty"`
	// MaxDirectives bounds the directives of one document.
	MaxDirectives int `json:"max_directives,omitempty"`
	// MaxFragments bounds the fragment definitions of one document.
	MaxFragments int `json:"max_fragments,omitempty"`
	// MaxOperations bounds the operation definitions of one document.
	MaxOperations int `json:"max_operations,omitempty"`
	// MaxBatch bounds the requests of one batched (JSON array) body. The
	// requests past the limit are inspected as plain JSON, not as GraphQL.
	MaxBatch int `json:"max_batch,omitempty"`
	// MaxCost bounds the estimated cost of one operation: each field counts
	// 1, multiplied by the page size of every list argument above it.
	MaxCost int `json:"max_cost,omitempty"`
	// DefaultListSize is the page size assumed for a list argument whose
	// value is not an integer literal or a numeric variable.
	DefaultListSize int `json:"default_list_size,omitempty"`
	// ListSizeArguments name the arguments that set a page size. Nil means
	// DefaultListSizeArguments. Names are compared exactly, as GraphQL
	// names are case-sensitive.
	ListSizeArguments []string `json:"list_size_arguments,omitempty"`

	// AllowIntrospection stops reporting __schema and __type fields.
	AllowIntrospection bool `json:"allow_introspection,omitempty"`
	// AllowFederation stops reporting the federation entry points _service
	// and _entities.
	AllowFederation bool `json:"allow_federation,omitempty"`
	// AllowMutationOverGET stops reporting mutations sent with GET or HEAD.
	AllowMutationOverGET bool `json:"allow_mutation_over_get,omitempty"`
	// AllowSimpleRequests stops reporting GraphQL requests that a browser
	// sends cross-site without a CORS preflight: a body of type text/plain,
	// application/x-www-form-urlencoded or multipart/form-data, or of no
	// type, and none of PreflightHeaders.
	AllowSimpleRequests bool `json:"allow_simple_requests,omitempty"`
	// PreflightHeaders name request headers that a browser only sends
	// cross-site after a CORS preflight, so their presence shows that the
	// request is not a cross-site form post. Nil means
	// DefaultPreflightHeaders.
	PreflightHeaders []string `json:"preflight_headers,omitempty"`
}

// Default limits. Measured numbers come from 344 operations that four
// open-source GraphQL clients ship: the Saleor apps, the Shopify CLI, the
// Shopify Storefront API examples and the GitHub Pull Requests extension
// for VS Code. Each operation was measured with the fragments it spreads.
const (
	// DefaultMaxDocumentBytes is 64 KiB. The largest measured document is
	// 4,081 bytes with its fragments. Sixteen times that leaves room for
	// generated clients that send large fragment collections, and the bound
	// keeps the parser's allocations per document to a few MiB.
	DefaultMaxDocumentBytes = 64 << 10
	// DefaultMaxTokens is 10,000. The largest measured document has 507
	// tokens, comments included. The parser allocates at least one AST node
	// per token, so the bound caps memory per document whatever its bytes.
	DefaultMaxTokens = 10_000
	// DefaultMaxDepth is 20. The deepest measured operation nests 13
	// fields through its fragments, as deep as the standard introspection
	// query. Seven levels of headroom cover schemas deeper than these
	// clients', while abuse of cyclic relations (user.friends.user…) needs
	// dozens of levels to hurt.
	DefaultMaxDepth = 20
	// DefaultMaxAliases is 30. The maximum in one measured document is 11
	// aliases, in a tax calculation that reads several metafields by key.
	// Batching by alias, which multiplies work or guesses passwords inside
	// one request, uses hundreds.
	DefaultMaxAliases = 30
	// DefaultMaxRootFields is 30. The maximum in one measured operation is
	// 5 top-level fields, and 30 leaves room for dashboards that load many
	// independent lists at once.
	DefaultMaxRootFields = 30
	// DefaultMaxRepeatedFields is 1: no measured selection set requests the
	// same field with the same arguments twice under different aliases.
	// The copies return the same data, so they only multiply server work.
	DefaultMaxRepeatedFields = 1
	// DefaultMaxMutationRepeats is 2. No measured mutation calls one
	// mutation field twice. Two copies allow a client that updates two
	// records in one request. More copies of one mutation per request are
	// how password and one-time-code guessing evades rate limits that count
	// HTTP requests.
	DefaultMaxMutationRepeats = 2
	// DefaultMaxFieldDirectives is 4. No measured selection carries a
	// directive, and @include and @skip on one field plus a client
	// directive such as @defer make 3.
	DefaultMaxFieldDirectives = 4
	// DefaultMaxDirectives is 50 per document. The maximum in one measured
	// document is 1.
	DefaultMaxDirectives = 50
	// DefaultMaxFragments is 50 per document. The maximum in one measured
	// document is 17, and the standard introspection query has 3.
	DefaultMaxFragments = 50
	// DefaultMaxOperations is 10 per document. Every measured document has
	// 1, because clients send one operation per request. A document that
	// bundles a module's operations holds a few.
	DefaultMaxOperations = 10
	// DefaultMaxBatch is 10 requests per batched body, the default batch
	// size (batchMax) of Apollo Client's BatchHttpLink. Larger batches
	// multiply work per HTTP request.
	DefaultMaxBatch = 10
	// DefaultMaxCost is 5,000,000. The costliest measured operation is
	// estimated at 204,347: a pull-request query with page sizes 20, 100
	// and 10 nested, which GitHub's own count puts at about 22,000 nodes,
	// so about 9 resolutions per node. GitHub's API accepts up to 500,000
	// nodes per query, about 5,000,000 resolutions at that ratio. Nesting
	// three lists of 1,000 exceeds the limit by far.
	DefaultMaxCost = 5_000_000
	// DefaultListSize is 10. A list argument set by a variable that the
	// request does not send still multiplies its subtree by this much. A
	// value that the request sends is used as it is.
	DefaultListSize = 10
)

// The default lists. They are never modified: the exported functions below
// return copies, and withDefaults only reads them.
var (
	defaultEndpoints         = [...]string{"/graphql", "/gql", "/graphiql"}
	defaultListSizeArguments = [...]string{"first", "last", "limit", "take", "top", "pageSize", "perPage", "per_page", "count"}
	defaultPreflightHeaders  = [...]string{"X-Requested-With", "Apollo-Require-Preflight", "X-Apollo-Operation-Name"}
)

// DefaultEndpoints returns the path suffixes that Options.Endpoints defaults
// to.
func DefaultEndpoints() []string { return append([]string(nil), defaultEndpoints[:]...) }

// DefaultListSizeArguments returns the argument names that
// Options.ListSizeArguments defaults to: the page sizes of Relay
// connections (first, last) and the names that common schemas use for
// offset pagination.
func DefaultListSizeArguments() []string {
	return append([]string(nil), defaultListSizeArguments[:]...)
}

// DefaultPreflightHeaders returns the header names that
// Options.PreflightHeaders defaults to: X-Requested-With, which JavaScript
// clients set, and the two headers that Apollo Server's CSRF prevention
// accepts (@apollo/server 5, recommendedCsrfPreventionRequestHeaders).
func DefaultPreflightHeaders() []string { return append([]string(nil), defaultPreflightHeaders[:]...) }

// limits are Options with defaults applied, as the analysis reads them: a
// limit of 0 means no limit.
type limits struct {
	Options
}

func (o Options) withDefaults() limits {
	l := limits{o}

	pick := func(v *int, def int) {
		switch {
		case *v == 0:
			*v = def
		case *v < 0:
			*v = 0
		}
	}
	pick(&l.MaxDocumentBytes, DefaultMaxDocumentBytes)
	pick(&l.MaxTokens, DefaultMaxTokens)
	pick(&l.MaxDepth, DefaultMaxDepth)
	pick(&l.MaxAliases, DefaultMaxAliases)
	pick(&l.MaxRootFields, DefaultMaxRootFields)
	pick(&l.MaxRepeatedFields, DefaultMaxRepeatedFields)
	pick(&l.MaxMutationRepeats, DefaultMaxMutationRepeats)
	pick(&l.MaxFieldDirectives, DefaultMaxFieldDirectives)
	pick(&l.MaxDirectives, DefaultMaxDirectives)
	pick(&l.MaxFragments, DefaultMaxFragments)
	pick(&l.MaxOperations, DefaultMaxOperations)
	pick(&l.MaxBatch, DefaultMaxBatch)
	pick(&l.MaxCost, DefaultMaxCost)
	if l.DefaultListSize <= 0 {
		l.DefaultListSize = DefaultListSize
	}

	if l.Endpoints == nil {
		l.Endpoints = defaultEndpoints[:]
	}
	if l.ListSizeArguments == nil {
		l.ListSizeArguments = defaultListSizeArguments[:]
	}
	if l.PreflightHeaders == nil {
		l.PreflightHeaders = defaultPreflightHeaders[:]
	}
	return l
}

// exceeds reports whether n is over limit, where a limit of 0 means none.
func exceeds(n, limit int) bool { return limit > 0 && n > limit }

// isEndpoint reports whether the request path ends with one of the
// endpoint suffixes.
func (l *limits) isEndpoint(path string) bool {
	path = strings.TrimSuffix(path, "/")
	for _, suffix := range l.Endpoints {
		suffix = strings.TrimSuffix(suffix, "/")
		if suffix != "" && len(path) >= len(suffix) && strings.EqualFold(path[len(path)-len(suffix):], suffix) {
			return true
		}
	}
	return false
}

func (l *limits) isListSizeArgument(name string) bool {
	for _, n := range l.ListSizeArguments {
		if n == name {
			return true
		}
	}
	return false
}
