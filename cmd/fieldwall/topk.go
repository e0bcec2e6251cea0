package main

import (
	"container/heap"
	"sort"
	"unicode/utf8"
)

// topCounter counts keys in bounded memory with the Space-Saving algorithm.
// It tracks at most capacity keys. A new key that arrives when all slots are
// taken replaces the key with the lowest count and starts from that count
// plus one. Counts are exact until the first replacement. After it, a count
// may exceed the true count by at most the count it started from, and every
// key whose true count is above the lowest tracked count is still tracked.
type topCounter struct {
	capacity int
	byKey    map[string]*topEntry
	minHeap  topHeap
	// replaced is set once a key was replaced, from when counts may be
	// estimates.
	replaced bool
}

type topEntry struct {
	key   string
	count int64
	// index is the entry's position in minHeap, kept by topHeap.Swap.
	index int
}

// maxTopKeyBytes bounds a counted key, so that the counter's memory stays
// bounded when request paths are kilobytes long, as in attack traffic. The
// start of a path is enough to distinguish paths in a report.
const maxTopKeyBytes = 200

func newTopCounter(capacity int) *topCounter {
	return &topCounter{capacity: capacity, byKey: make(map[string]*topEntry, capacity)}
}

func (t *topCounter) add(key string) {
	if len(key) > maxTopKeyBytes {
		cut := maxTopKeyBytes
		for cut > 0 && !utf8.RuneStart(key[cut]) {
			cut--
		}
		key = key[:cut]
	}
	if e, ok := t.byKey[key]; ok {
		e.count++
		heap.Fix(&t.minHeap, e.index)
		return
	}
	if len(t.minHeap) < t.capacity {
		e := &topEntry{key: key, count: 1}
		heap.Push(&t.minHeap, e)
		t.byKey[key] = e
		return
	}
	lowest := t.minHeap[0]
	delete(t.byKey, lowest.key)
	lowest.key = key
	lowest.count++
	t.byKey[key] = lowest
	heap.Fix(&t.minHeap, 0)
	t.replaced = true
}

// top returns the n keys with the highest counts, ties in key order.
func (t *topCounter) top(n int) []topEntry {
	entries := make([]topEntry, len(t.minHeap))
	for i, e := range t.minHeap {
		entries[i] = *e
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].count != entries[j].count {
			return entries[i].count > entries[j].count
		}
		return entries[i].key < entries[j].key
	})
	if len(entries) > n {
		entries = entries[:n]
	}
	return entries
}

// topHeap is a min-heap of entries by count, for container/heap.
type topHeap []*topEntry

func (h topHeap) Len() int           { return len(h) }
func (h topHeap) Less(i, j int) bool { return h[i].count < h[j].count }
func (h topHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *topHeap) Push(x any) {
	e := x.(*topEntry)
	e.index = len(*h)
	*h = append(*h, e)
}

func (h *topHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
