package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/fieldwall/fieldwall/corpus"
)

// The traffic mix of WriteReplay, in tenths of a percent of the records. The
// mix is an assumption about API traffic, not a measurement: mostly reads
// and small writes, with rare large sync uploads.
const (
	mixSearch  = 400 // GET product searches
	mixOrder   = 300 // POST one order, about 0.6 to 1.2 KB
	mixProfile = 120 // PATCH a customer profile, a few hundred bytes
	mixBatch   = 80  // POST a page of orders, 2 to 20 KB
	mixLarge   = 2   // POST a page of orders, 100 KB
	mixGraphQL = 48  // POST the GraphQL query of the request set
	mixReview  = 40  // POST a product review
	// The remaining 10 (1 %) are attacks, see replayAttack.
)

// WriteReplay writes n request records of mixed API traffic to w as JSON
// Lines in the corpus request-record format, {"id", "class", "request":
// {"method", "path", "headers", "body"}, "expect"}. The same n and seed
// give the same bytes. It returns the number of attack records.
func WriteReplay(w io.Writer, n int, seed uint64) (attacks int, err error) {
	r := newRNG(seed)
	out := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	graphQL := string(graphQLBody())
	for i := range n {
		rec := corpus.Record{ID: "replay-" + strconv.Itoa(i+1), Class: "benign", Expect: corpus.ExpectBenign}
		requestID := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", r.next()>>32, r.intn(1<<16), r.intn(1<<12), r.intn(1<<12), r.next()>>16)
		headers := baseHeaders(requestID)
		var req corpus.RequestRecord
		switch pick := r.intn(1000); {
		case pick < mixSearch:
			req = corpus.RequestRecord{Method: http.MethodGet, Path: r.searchQuery()}
		case pick < mixSearch+mixOrder:
			req = jsonRecord(http.MethodPost, "/api/v1/orders", singleOrderBody(r.next(), r.between(600, 1200), ""))
		case pick < mixSearch+mixOrder+mixProfile:
			req = jsonRecord(http.MethodPatch, "/api/v1/customers/"+strconv.Itoa(r.between(10000, 99999)), r.profileBody())
		case pick < mixSearch+mixOrder+mixProfile+mixBatch:
			req = jsonRecord(http.MethodPost, "/api/v1/sync/orders", batchBody(r.next(), r.between(2<<10, 20<<10)))
		case pick < mixSearch+mixOrder+mixProfile+mixBatch+mixLarge:
			req = jsonRecord(http.MethodPost, "/api/v1/sync/orders", batchBody(r.next(), 100<<10))
		case pick < mixSearch+mixOrder+mixProfile+mixBatch+mixLarge+mixGraphQL:
			req = jsonRecord(http.MethodPost, "/graphql", []byte(graphQL))
		case pick < mixSearch+mixOrder+mixProfile+mixBatch+mixLarge+mixGraphQL+mixReview:
			req = jsonRecord(http.MethodPost, "/api/v1/products/"+r.pickProduct().sku+"/reviews", r.reviewBody())
		default:
			var class string
			class, req = r.replayAttack(attacks)
			rec.Class, rec.Expect = class, corpus.ExpectAttack
			attacks++
		}
		if req.Body != "" {
			headers["Content-Type"] = "application/json"
			headers["Content-Length"] = strconv.Itoa(len(req.Body))
		}
		req.Headers = headers
		rec.Request = &req
		if err := enc.Encode(&rec); err != nil {
			return attacks, err
		}
	}
	return attacks, out.Flush()
}

func jsonRecord(method, path string, body []byte) corpus.RequestRecord {
	return corpus.RequestRecord{Method: method, Path: path, Body: string(body)}
}

var searchWords = []string{
	"kettle", "stoneware mug", "bath towel", "reading lamp", "backpack", "skillet",
	"hiking socks", "oak chair", "rain jacket", "water bottle", "plant pot", "wool blanket",
}

func (r *rng) searchQuery() string {
	q := url.Values{}
	q.Set("q", r.pick(searchWords))
	if r.chance(50) {
		q.Set("color", r.pick(colors))
	}
	if r.chance(40) {
		q.Set("max_price", strconv.Itoa(r.between(20, 300)))
	}
	q.Set("sort", r.pick([]string{"relevance", "price_asc", "price_desc", "rating", "newest"}))
	q.Set("page", strconv.Itoa(r.between(1, 12)))
	return "/api/v1/products/search?" + q.Encode()
}

func (r *rng) profileBody() []byte {
	first, last := r.pick(firstNames), r.pick(lastNames)
	return marshal(map[string]any{
		"display_name":     first + " " + last,
		"email":            lowerLetters(first) + "." + lowerLetters(last) + "@example.com",
		"marketing_opt_in": r.chance(30),
		"preferences":      map[string]any{"language": "en-GB", "currency": r.pick([]string{"GBP", "USD", "EUR", "CAD"}), "dark_mode": r.chance(50)},
		"bio":              r.paragraph(reviewSentences, 1),
		"avatar_url":       nil,
	})
}

func (r *rng) reviewBody() []byte {
	return marshal(review{
		Rating:           r.between(1, 5),
		Title:            r.pick([]string{"Does the job", "Better than expected", "Not quite right", "Lovely quality"}),
		Body:             r.paragraph(reviewSentences, r.between(1, 5)),
		VerifiedPurchase: r.chance(85),
	})
}

// replayAttack returns attack number i of the replay file, cycling through
// five classes, each in a place where an API receives it.
func (r *rng) replayAttack(i int) (class string, req corpus.RequestRecord) {
	switch i % 5 {
	case 0:
		return "sqli", jsonRecord(http.MethodPost, "/api/v1/orders", singleOrderBody(r.next(), 1000, attackLine2))
	case 1:
		q := url.Values{"q": {`"><script>alert(document.cookie)</script>`}, "page": {"1"}}
		return "xss", corpus.RequestRecord{Method: http.MethodGet, Path: "/api/v1/products/search?" + q.Encode()}
	case 2:
		return "path", jsonRecord(http.MethodPost, "/api/v1/files/preview", marshal(map[string]any{"path": "../../../../etc/passwd", "lines": 20}))
	case 3:
		return "nosqli", jsonRecord(http.MethodPost, "/api/v1/login", marshal(map[string]any{"username": "admin", "password": map[string]any{"$ne": nil}}))
	default:
		return "cmdi", jsonRecord(http.MethodPost, "/api/v1/tools/ping", marshal(map[string]any{"host": "localhost; cat /etc/passwd", "count": 3}))
	}
}
