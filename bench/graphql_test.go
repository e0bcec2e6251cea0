package bench

import (
	"net/http"
	"testing"

	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/graphql"
	"github.com/fieldwall/fieldwall/graphql/graphqltest"
)

// benignGraphQLBody is an ordinary operation with a fragment, variables and
// a nested connection, for comparison with the hostile documents.
const benignGraphQLBody = `{"query": "query Repo($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { issues(first: 20, states: OPEN) { nodes { ...Issue } } } } fragment Issue on Issue { number title author { login } labels(first: 5) { nodes { name } } }", "variables": {"owner": "octo", "name": "hello"}}`

// BenchmarkGraphQLHostile inspects each hostile GraphQL body through
// Engine.Inspect with two configurations. With the default options, the
// size and token limits stop most bodies before parsing, and the rejected
// text is scanned by the signature rules. With those two limits off, the
// parser and the structural analysis read the whole document. Record the
// time and allocations per op.
func BenchmarkGraphQLHostile(b *testing.B) {
	configs := []struct {
		name string
		opts graphql.Options
	}{
		{"default", graphql.Options{}},
		{"unlimited", graphqltest.Unlimited()},
	}
	bodies := append([]graphqltest.Hostile{{Name: "benign", Body: []byte(benignGraphQLBody)}}, graphqltest.HostileBodies()...)
	for _, config := range configs {
		e, err := engine.New(engine.Config{GraphQL: config.opts})
		if err != nil {
			b.Fatal(err)
		}
		for _, body := range bodies {
			req := engine.Request{
				Method: http.MethodPost,
				Target: "/graphql",
				Header: http.Header{"Content-Type": {"application/json"}},
				Body:   body.Body,
			}
			b.Run(config.name+"/"+body.Name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(body.Body)))
				for b.Loop() {
					e.Inspect(&req)
				}
			})
		}
	}
}
