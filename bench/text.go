package bench

import (
	"strconv"
	"strings"
)

// rng is a splitmix64 generator. The bench data is built from it instead of
// math/rand so that the committed files stay byte-identical whatever the Go
// version: the algorithm is fixed here, not in a library.
type rng struct{ state uint64 }

func newRNG(seed uint64) *rng { return &rng{state: seed} }

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// intn returns a number in [0, n). The modulo bias is below 2^-40 for the
// small n used here, which does not matter for test data.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// chance returns true with probability percent/100.
func (r *rng) chance(percent int) bool { return r.intn(100) < percent }

func (r *rng) pick(list []string) string { return list[r.intn(len(list))] }

// The vocabulary of the generated payloads: an online shop's orders, customer
// reviews and delivery notes. Names include apostrophes and the sentences use
// everyday words that are also SQL or shell words (select, order, union,
// drop, update, and, or), as real text does.
var (
	firstNames = []string{
		"Maria", "James", "Aisha", "Tomasz", "Priya", "Daniel", "Mei", "Oluwaseun", "Sofia",
		"Liam", "Hannah", "Mateo", "Grace", "Yusuf", "Chloe", "Noah", "Ingrid", "Kenji",
		"Fatima", "Lucas", "Siobhan", "Arjun", "Elena", "Marcus",
	}
	lastNames = []string{
		"Lopez", "O'Connor", "Nakamura", "Kowalski", "Patel", "Okafor", "Schmidt", "Rossi",
		"Chen", "Andersson", "D'Souza", "Murphy", "Haddad", "Johansson", "Moreau", "Walsh",
		"Fernandes", "Kim", "MacLeod", "Novak",
	}
	streets = []string{
		"Alder Street", "Maple Avenue", "Harbour Road", "Station Lane", "Willow Court",
		"King's Road", "Union Street", "Orchard Way", "Mill Lane", "Cedar Drive",
		"Market Square", "Elm Grove",
	}
	cities = []struct{ city, region, country string }{
		{"Portland", "OR", "US"}, {"Austin", "TX", "US"}, {"Leeds", "West Yorkshire", "GB"},
		{"Toronto", "ON", "CA"}, {"Melbourne", "VIC", "AU"}, {"Dublin", "Leinster", "IE"},
		{"Madison", "WI", "US"}, {"Bristol", "England", "GB"}, {"Halifax", "NS", "CA"},
	}
	products = []struct{ sku, title string }{
		{"KT-2044-SS", "Stainless steel kettle, 1.7 litre"},
		{"MUG-0310-BL", "Stoneware mug, set of two"},
		{"TWL-1188-GR", "Organic cotton bath towel"},
		{"LMP-5021-BR", "Brass reading lamp with linen shade"},
		{"BKP-7730-NV", "Waterproof commuter backpack, 22 L"},
		{"PAN-4410-CI", "Cast iron skillet, 26 cm"},
		{"SCK-0092-MX", "Merino hiking socks (3 pairs)"},
		{"CHR-6605-OK", "Solid oak dining chair"},
		{"JKT-3318-OL", "Insulated rain jacket"},
		{"BTL-2201-ST", "Insulated water bottle, 750 ml"},
		{"PLN-1024-TR", "Terracotta plant pot with saucer"},
		{"BLK-8870-WL", "Wool throw blanket"},
	}
	colors   = []string{"charcoal", "navy", "olive", "sand", "rust", "white", "forest green", "slate"}
	sizes    = []string{"XS", "S", "M", "L", "XL", "one size"}
	carriers = []string{"UPS", "FedEx", "DHL", "Royal Mail", "Canada Post", "USPS"}
	tags     = []string{
		"gift", "repeat-customer", "priority", "fragile", "wholesale", "first-order",
		"subscription", "backorder", "store-pickup",
	}
	channels = []string{"ios", "android", "web", "pos"}

	// Sentences are filled from slots: {product}, {color}, {day}, {carrier},
	// {n}, {name}, {city} and {size}.
	reviewSentences = []string{
		"The {product} arrived on {day} and it's even better than the photos suggested.",
		"I ordered the {color} one and the colour is a little darker than on my screen, but I still like it.",
		"Solid build quality, and the finish hasn't scratched after {n} weeks of daily use.",
		"My only complaint is that the box was too big for what was inside.",
		"I'd buy it again, although I wish there were more colours to select from.",
		"We use it every morning and it has held up well, so no regrets.",
		"It was a gift for my sister and she said it's the nicest one she owns.",
		"Compared with the one I had before, this is lighter and easier to clean.",
		"The instructions were clear, and putting it together took about {n} minutes.",
		"Customer service answered my question within an hour, which I didn't expect.",
		"It's smaller than I imagined, so check the measurements before you order.",
		"After a month the handle feels a bit loose, but it still works fine.",
		"Great value for the price; I ended up ordering a second one for the office.",
		"The smell of the packaging faded after a day or two.",
		"If you're on the fence, read the size guide and then go for it.",
		"Shipping with {carrier} was quick and the tracking updates were accurate.",
		"I was worried it would be flimsy, but it's sturdy and well made.",
		"The stitching came undone near the seam, and the replacement arrived in {n} days.",
		"Honestly it does exactly what it says and nothing more, which is all I wanted.",
		"My partner and I both use it, and neither of us has had any trouble.",
	}
	noteSentences = []string{
		"Please leave the parcel by the side door if nobody answers.",
		"Ring the bell twice, because the doorbell on the left doesn't work.",
		"Deliver after 5 pm on weekdays or any time on {day}.",
		"The building has a buzzer; use code {n} and take the lift to the third floor.",
		"If the gate is closed, hand it to the neighbour at number {n}.",
		"Don't leave it in the rain; the porch is covered on the right-hand side.",
		"This is a birthday present, so please don't include the receipt in the box.",
		"Call {name} on arrival, since the office reception closes at noon.",
		"Drop off at the loading bay behind the store on {city} Road.",
		"Please update the delivery address on my account as well.",
		"We'd prefer a single shipment, even if it means waiting a few more days.",
		"Items can be left with the concierge, who signs for all deliveries.",
	}
	supportSentences = []string{
		"The order status still says processing although {carrier} shows it as delivered.",
		"I was charged twice for the same order and would like one payment refunded.",
		"Could you change the size on my order from {size} to a larger one before it ships?",
		"The discount code from the newsletter wasn't applied at checkout.",
		"I'd like to return one item and keep the rest of the order.",
		"The tracking link in the confirmation email takes me to an error page.",
		"Is it possible to combine this order with the one I placed on {day}?",
		"My account shows an old address, and I can't find where to change it.",
	}
	days = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
)

// fill replaces the slots of a sentence with random values.
func (r *rng) fill(sentence string) string {
	if !strings.Contains(sentence, "{") {
		return sentence
	}
	replacer := strings.NewReplacer(
		"{product}", strings.ToLower(r.pickProduct().title),
		"{color}", r.pick(colors),
		"{day}", r.pick(days),
		"{carrier}", r.pick(carriers),
		"{n}", strconv.Itoa(r.between(2, 40)),
		"{name}", r.pick(firstNames),
		"{city}", r.pickCity().city,
		"{size}", r.pick(sizes),
	)
	return replacer.Replace(sentence)
}

func (r *rng) pickProduct() struct{ sku, title string } { return products[r.intn(len(products))] }

func (r *rng) pickCity() struct{ city, region, country string } {
	return cities[r.intn(len(cities))]
}

// paragraph joins n random sentences from list.
func (r *rng) paragraph(list []string, n int) string {
	sentences := make([]string, n)
	for i := range sentences {
		sentences[i] = r.fill(r.pick(list))
	}
	return strings.Join(sentences, " ")
}

// textOfLength returns whole English sentences whose total length is at
// most n bytes. It adds sentences while one of a few random picks still fits,
// so the text ends on a full sentence a few dozen bytes short of n at most.
func (r *rng) textOfLength(list []string, n int) string {
	var b strings.Builder
	for {
		added := false
		for range 20 {
			sentence := r.fill(r.pick(list))
			extra := len(sentence)
			if b.Len() > 0 {
				extra++
			}
			if b.Len()+extra > n {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(sentence)
			added = true
			break
		}
		if !added {
			return b.String()
		}
	}
}
