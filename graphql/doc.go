// Package graphql recognises GraphQL requests, analyses their documents and
// turns them into the fields that fieldwall's detectors read.
//
// # Carriers
//
// [Parse] reads every GraphQL-over-HTTP carrier into one request model:
//
//   - a JSON body with query, operationName, variables and extensions;
//   - a JSON array of such bodies (a batch);
//   - a query string or form body with the same parameters;
//   - an application/graphql body;
//   - a multipart/form-data body with operations and map parts (the GraphQL
//     multipart request convention);
//   - a persisted-document request, which sends an id or hash instead of
//     the text.
//
// The method does not matter. Which paths are endpoints is configured by
// [Options.Endpoints]; a JSON body of the GraphQL shape is recognised on
// any path.
//
// A parameter sent twice, or spelled in another case (QUERY for query), is
// reported, because servers disagree on which copy they execute, and every
// copy is analysed.
//
// # Documents
//
// A document is checked for its size and for valid UTF-8, then parsed by
// gqlparser (github.com/vektah/gqlparser/v2) with a token limit. A document
// that fails any of these is reported and added as one raw field; it is
// never walked. A parsed document is walked once per definition: fragments
// are measured once each, in an order computed without recursion, so the
// analysis is linear in the document size even for fragment chains and
// fan-out, and a cycle of fragment spreads is reported. gqlparser's
// validator is not used, because it needs a schema and its overlap checks
// are super-linear on chains of fragments.
//
// The analysis measures per document the aliases, directives (per
// selection and in total), fragments and operations, and per operation the
// field depth, the top-level fields and an estimated cost, all through
// fragments; it reports fields repeated under aliases, introspection,
// federation entry points, mutations sent with GET, and requests a browser
// sends cross-site without a CORS preflight. [Options] holds each limit and
// policy switch.
//
// # Fields
//
// String, block-string and enum literals of arguments at every depth
// become fields at parsers.LocationGraphQLArgument, and the keys of input
// objects become KindKey fields. The path names the definition, the fields
// and the argument: the argument q of the root field search in the
// operation "query Search" has the path query-Search.search.q, and a
// directive argument has "@include" and its name as the last segments.
// Variables are parsed as JSON at parsers.LocationGraphQLVariable, as are
// variable default values under "$name". Extensions, operation names,
// persisted-document ids and the body's other members keep the location of
// their carrier. The text of a parsed document is not a field, so GraphQL
// syntax cannot trigger signatures meant for the values inside it.
//
// The package keeps no state between calls and never panics on any input.
package graphql
