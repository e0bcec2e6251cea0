package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

// The JSON shapes of the generated bodies. Struct fields keep their order
// when marshalled, so the output is deterministic. Fields typed any are
// sometimes null.
type (
	order struct {
		ID        string         `json:"id"`
		Status    string         `json:"status"`
		CreatedAt string         `json:"created_at"`
		Customer  customer       `json:"customer"`
		Items     []orderItem    `json:"items"`
		Totals    orderTotals    `json:"totals"`
		Shipping  shipping       `json:"shipping"`
		Review    any            `json:"review"`
		Tags      []string       `json:"tags"`
		Metadata  map[string]any `json:"metadata"`
		Note      string         `json:"note,omitempty"`
	}
	customer struct {
		ID            int     `json:"id"`
		Name          string  `json:"name"`
		Email         string  `json:"email"`
		Phone         string  `json:"phone"`
		LoyaltyMember bool    `json:"loyalty_member"`
		Address       address `json:"address"`
	}
	address struct {
		Line1      string `json:"line1"`
		Line2      any    `json:"line2"`
		City       string `json:"city"`
		Region     string `json:"region"`
		PostalCode string `json:"postal_code"`
		Country    string `json:"country"`
	}
	orderItem struct {
		SKU        string            `json:"sku"`
		Title      string            `json:"title"`
		Quantity   int               `json:"quantity"`
		UnitPrice  json.Number       `json:"unit_price"`
		Discount   any               `json:"discount"`
		GiftWrap   bool              `json:"gift_wrap"`
		Attributes map[string]string `json:"attributes"`
	}
	orderTotals struct {
		Subtotal json.Number `json:"subtotal"`
		Tax      json.Number `json:"tax"`
		Shipping json.Number `json:"shipping"`
		Total    json.Number `json:"total"`
		Currency string      `json:"currency"`
	}
	shipping struct {
		Method         string `json:"method"`
		Carrier        string `json:"carrier"`
		TrackingNumber any    `json:"tracking_number"`
		Instructions   any    `json:"instructions"`
	}
	review struct {
		Rating           int    `json:"rating"`
		Title            string `json:"title"`
		Body             string `json:"body"`
		VerifiedPurchase bool   `json:"verified_purchase"`
		HelpfulVotes     int    `json:"helpful_votes"`
	}
	// batch is the envelope of the larger bodies: one page of a sync API.
	batch struct {
		BatchID     string     `json:"batch_id"`
		Source      string     `json:"source"`
		GeneratedAt string     `json:"generated_at"`
		Page        batchPage  `json:"page"`
		Records     []rawJSON  `json:"records"`
		Support     []rawJSON  `json:"support_threads"`
		Summary     string     `json:"summary"`
		Checksum    any        `json:"checksum"`
		Flags       batchFlags `json:"flags"`
	}
	batchPage struct {
		Number  int  `json:"number"`
		Size    int  `json:"size"`
		HasMore bool `json:"has_more"`
	}
	batchFlags struct {
		DryRun    bool `json:"dry_run"`
		Overwrite bool `json:"overwrite"`
	}
	supportThread struct {
		Ticket   int    `json:"ticket"`
		Subject  string `json:"subject"`
		Message  string `json:"message"`
		Priority any    `json:"priority"`
		Resolved bool   `json:"resolved"`
	}
)

// rawJSON is an already encoded record, so that a batch can be grown one
// record at a time while its size is tracked.
type rawJSON = json.RawMessage

// money formats cents as a JSON number with two decimals.
func money(cents int) json.Number {
	return json.Number(fmt.Sprintf("%d.%02d", cents/100, cents%100))
}

func (r *rng) timestamp() string {
	return fmt.Sprintf("2025-%02d-%02dT%02d:%02d:%02dZ",
		r.between(1, 12), r.between(1, 28), r.intn(24), r.intn(60), r.intn(60))
}

func (r *rng) order(id, maxItems int, withReview bool) order {
	first, last := r.pick(firstNames), r.pick(lastNames)
	place := r.pickCity()
	o := order{
		ID:        fmt.Sprintf("ord_%07d", id),
		Status:    r.pick([]string{"pending", "paid", "shipped", "delivered", "refunded"}),
		CreatedAt: r.timestamp(),
		Customer: customer{
			ID:            r.between(10000, 99999),
			Name:          first + " " + last,
			Email:         fmt.Sprintf("%s.%s%d@example.com", lowerLetters(first), lowerLetters(last), r.intn(100)),
			Phone:         fmt.Sprintf("+1 %03d 555 %04d", r.between(201, 989), r.intn(10000)),
			LoyaltyMember: r.chance(40),
			Address: address{
				Line1:      fmt.Sprintf("%d %s", r.between(1, 2400), r.pick(streets)),
				City:       place.city,
				Region:     place.region,
				PostalCode: fmt.Sprintf("%05d", r.intn(100000)),
				Country:    place.country,
			},
		},
		Tags:     nil,
		Metadata: map[string]any{"channel": r.pick(channels), "app_version": fmt.Sprintf("5.%d.%d", r.intn(20), r.intn(10)), "experiment": nil},
	}

	if r.chance(30) {
		o.Customer.Address.Line2 = fmt.Sprintf("Apt %d%c", r.between(1, 30), 'A'+rune(r.intn(6)))
	}

	var subtotal int
	o.Items, subtotal = r.orderItems(maxItems)
	tax := subtotal * 8 / 100
	ship := 0
	if subtotal < 5000 {
		ship = 599
	}
	o.Totals = orderTotals{Subtotal: money(subtotal), Tax: money(tax), Shipping: money(ship), Total: money(subtotal + tax + ship), Currency: "USD"}

	o.Shipping = shipping{Method: r.pick([]string{"standard", "express", "pickup"}), Carrier: r.pick(carriers)}
	if o.Status == "shipped" || o.Status == "delivered" {
		o.Shipping.TrackingNumber = fmt.Sprintf("1Z%06X%010d", r.intn(1<<24), r.intn(1e9))
	}
	if r.chance(40) {
		o.Shipping.Instructions = r.paragraph(noteSentences, r.between(1, 2))
	}
	if withReview {
		o.Review = r.review()
	}

	for range r.intn(3) {
		o.Tags = append(o.Tags, r.pick(tags))
	}
	if o.Tags == nil {
		o.Tags = []string{}
	}
	return o
}

// orderItems returns up to maxItems line items and their subtotal in cents.
func (r *rng) orderItems(maxItems int) ([]orderItem, int) {
	var items []orderItem
	subtotal := 0
	for range r.between(1, maxItems) {
		p := r.pickProduct()
		price := r.between(499, 18999)
		qty := r.between(1, 3)
		item := orderItem{
			SKU: p.sku, Title: p.title, Quantity: qty, UnitPrice: money(price),
			GiftWrap:   r.chance(10),
			Attributes: map[string]string{"color": r.pick(colors), "size": r.pick(sizes)},
		}
		if r.chance(25) {
			item.Discount = json.Number("0." + strconv.Itoa(r.between(5, 30)))
		}
		subtotal += price * qty
		items = append(items, item)
	}
	return items, subtotal
}

func (r *rng) review() review {
	return review{
		Rating:           r.between(1, 5),
		Title:            r.pick([]string{"Does the job", "Better than expected", "Not quite right", "Lovely quality", "Would order again", "Mixed feelings"}),
		Body:             r.paragraph(reviewSentences, r.between(2, 6)),
		VerifiedPurchase: r.chance(85),
		HelpfulVotes:     r.intn(60),
	}
}

func lowerLetters(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z':
			b = append(b, c)
		case 'A' <= c && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}

// marshal encodes v without HTML escaping, the way most JSON clients send it.
func marshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("bench: encode generated payload: %v", err))
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// singleOrderBody returns an order of at most size bytes, filled up to size
// with a free-text note. line2 replaces the address's second line when not
// empty.
func singleOrderBody(seed uint64, size int, line2 string) []byte {
	r := newRNG(seed)
	o := r.order(r.between(1, 9999999), 1, false)
	o.Shipping.Instructions = nil
	if line2 != "" {
		o.Customer.Address.Line2 = line2
	}
	base := len(marshal(o))
	room := size - base - len(`,"note":""`)
	if room > 0 {
		o.Note = r.textOfLength(supportSentences, room)
	}
	return marshal(o)
}

// batchBody returns one page of an order sync API of at most size bytes:
// orders with reviews and support threads, then a summary text that fills
// the page up to size.
func batchBody(seed uint64, size int) []byte {
	r := newRNG(seed)
	b := batch{
		BatchID:     fmt.Sprintf("bat_%012x", r.next()>>16),
		Source:      "storefront-sync",
		GeneratedAt: r.timestamp(),
		Page:        batchPage{Number: r.between(1, 40), HasMore: true},
		Records:     []rawJSON{},
		Support:     []rawJSON{},
		Checksum:    nil,
	}

	// Records are added while the page, with room for its summary, fits.
	// The running size counts each element and its comma, and allows for the
	// digits of the page size.
	const summaryRoom = 120
	used := len(marshal(b)) + 8
	for id := r.between(1000, 90000); ; id++ {
		var element rawJSON
		isThread := r.chance(15)
		if isThread {
			element = marshal(supportThread{
				Ticket: r.between(100000, 999999), Subject: r.pick([]string{"Refund request", "Delivery question", "Wrong size", "Account help"}),
				Message: r.paragraph(supportSentences, r.between(1, 3)), Resolved: r.chance(50),
			})
		} else {
			element = marshal(r.order(id, 4, r.chance(60)))
		}

		if used+len(element)+1+summaryRoom > size {
			break
		}
		used += len(element) + 1
		if isThread {
			b.Support = append(b.Support, element)
		} else {
			b.Records = append(b.Records, element)
		}
	}
	b.Page.Size = len(b.Records)

	room := size - len(marshal(b))
	b.Summary = r.textOfLength(supportSentences, room)
	return marshal(b)
}

// graphQLBody is a 1 KB GraphQL-over-HTTP POST body: a named query with
// variables, a fragment and nested selections, as a storefront sends it.
func graphQLBody() []byte {
	query := `query OrderHistory($customerId: ID!, $first: Int = 20, $after: String, $status: [OrderStatus!], $withReviews: Boolean = false) {
  customer(id: $customerId) {
    id
    displayName
    email
    orders(first: $first, after: $after, filter: {status: $status}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          ...OrderSummary
          lineItems(first: 5) {
            nodes { sku title quantity unitPrice { amount currencyCode } }
          }
          review @include(if: $withReviews) { rating title }
        }
      }
    }
  }
}

fragment OrderSummary on Order {
  id
  number
  createdAt
  status
  total { amount currencyCode }
  shippingAddress { city region country }
}`
	body := struct {
		OperationName string         `json:"operationName"`
		Query         string         `json:"query"`
		Variables     map[string]any `json:"variables"`
	}{
		OperationName: "OrderHistory",
		Query:         query,
		Variables: map[string]any{
			"customerId":  "gid://shop/Customer/58213",
			"first":       20,
			"after":       "YXJyYXljb25uZWN0aW9uOjE5",
			"status":      []string{"SHIPPED", "DELIVERED"},
			"withReviews": true,
		},
	}
	return marshal(body)
}

// searchTarget is the request-target of a product search with the filters
// of a typical storefront.
func searchTarget() string {
	q := url.Values{}
	q.Set("q", "stainless steel kettle")
	q.Set("category", "kitchen & dining")
	q.Set("brand", "O'Neill Home")
	q.Set("min_price", "15.00")
	q.Set("max_price", "80")
	q.Set("in_stock", "true")
	q.Set("sort", "price_asc")
	q.Set("page", "2")
	q.Set("per_page", "48")
	q.Set("fields", "id,title,price,rating,thumbnail")
	return "/api/v1/products/search?" + q.Encode()
}

// attackLine2 is the SQL injection placed in the nested address of the
// attack request: a UNION SELECT that reads another table.
const attackLine2 = "Apt 4B' UNION SELECT card_number, expiry_date FROM payment_methods--"
