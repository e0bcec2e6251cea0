package rules

import (
	"sort"
	"strings"

	"github.com/fieldwall/fieldwall/parsers"
)

// Check is a structural test of one field: its key, its path or its kind
// rather than a signature in its value.
type Check func(in *Input) bool

// checks is the registry of named structural checks that rule files can use.
var checks = map[string]Check{
	"mongo-operator-key":       checkMongoOperatorKey,
	"prototype-pollution-key":  checkPrototypePollutionKey,
	"prototype-pollution-path": checkPrototypePollutionPath,
}

// CheckNames returns the names of the registered checks, sorted.
func CheckNames() []string {
	names := make([]string, 0, len(checks))
	for name := range checks {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// checkMongoOperatorKey accepts a key that is a MongoDB operator. A key, not
// a value, because {"pass": {"$ne": null}} and pass[$ne]=1 turn a value into
// a query only through the key.
func checkMongoOperatorKey(in *Input) bool {
	return in.Field.Kind == parsers.KindKey && isMongoOperator(in.Field.Value)
}

// checkPrototypePollutionKey accepts a key that reaches an object's
// prototype in JavaScript: __proto__, or prototype under constructor. Keys
// written as paths ("__proto__.isAdmin", "constructor[prototype]") count
// too, because merge and set helpers split them.
func checkPrototypePollutionKey(in *Input) bool {
	f := in.Field
	if f.Kind != parsers.KindKey {
		return false
	}
	key := in.Lower
	if strings.Contains(key, "__proto__") {
		return true
	}
	if strings.Contains(key, "constructor") && strings.Contains(key, "prototype") {
		return true
	}
	if key == "prototype" && len(f.Path) >= 2 {
		parent := f.Path[len(f.Path)-2]
		return !parent.IsIndex() && strings.EqualFold(parent.Name, "constructor")
	}
	return false
}

// checkPrototypePollutionPath accepts a string value that is a property path
// through __proto__ or constructor.prototype, as sent to APIs that take a
// path to update ({"path": "__proto__.isAdmin", "value": true}).
func checkPrototypePollutionPath(in *Input) bool {
	s := in.Lower
	if strings.Contains(s, "__proto__") && (strings.ContainsAny(s, ".[") || s == "__proto__") {
		return true
	}
	return strings.Contains(s, "constructor.prototype") || strings.Contains(s, "constructor[prototype]") ||
		strings.Contains(s, `constructor["prototype"]`)
}
