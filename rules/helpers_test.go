package rules

import "github.com/fieldwall/fieldwall/parsers"

// keyField returns a key field whose path is the given keys.
func keyField(keys ...string) parsers.Field {
	path := make(parsers.Path, 0, len(keys))
	for _, k := range keys {
		path = append(path, parsers.KeySegment(k))
	}
	return parsers.Field{Location: parsers.LocationBody, Kind: parsers.KindKey, Depth: len(path), Path: path, Value: keys[len(keys)-1]}
}
