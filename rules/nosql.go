package rules

import (
	"regexp"
	"strings"
)

// mongoOperators are the MongoDB query, update and aggregation operators that
// change what a query matches or run code. A key of this name where the
// backend expects a plain value turns the value into a query.
var mongoOperators = map[string]bool{
	"$ne": true, "$eq": true, "$gt": true, "$gte": true, "$lt": true, "$lte": true, "$in": true,
	"$nin": true, "$not": true, "$nor": true, "$or": true, "$and": true, "$exists": true,
	"$type": true, "$regex": true, "$options": true, "$where": true, "$expr": true,
	"$function": true, "$accumulator": true, "$jsonschema": true, "$mod": true, "$text": true,
	"$search": true, "$all": true, "$elemmatch": true, "$size": true, "$lookup": true,
	"$graphlookup": true, "$unionwith": true, "$merge": true, "$out": true, "$match": true,
	"$group": true, "$project": true, "$set": true, "$unset": true, "$inc": true, "$push": true,
	"$pull": true, "$addtoset": true, "$rename": true, "$comment": true, "$bitsallset": true,
	"$bitsanyset": true, "$bitsallclear": true, "$bitsanyclear": true, "$geowithin": true,
	"$near": true, "$nearsphere": true, "$slice": true, "$where ": true, "$replaceroot": true,
	"$addfields": true, "$facet": true, "$sample": true, "$currentop": true, "$listlocalsessions": true,
}

// isMongoOperator reports whether key is a MongoDB operator, exact-case as the
// server reads it, or with the & and other sigils some drivers map to $.
func isMongoOperator(key string) bool {
	if len(key) < 2 || key[0] != '$' {
		return false
	}
	return mongoOperators[strings.ToLower(key)]
}

// javaScriptAfterQuote finds a quote or number closed early and followed by
// JavaScript that a $where clause or mapReduce would run.
var javaScriptAfterQuote = regexp.MustCompile(
	`(?:^|['"\d)])\s*(?:;|&&|\|\|)\s*(?:sleep\s*\(|return\b|this\.|while\s*\(|db\.|it\s*=|var\s|function\s*\(|['"]?\w*['"]?\s*==|\d+\s*==)`)

// operatorInText finds an operator object or a bracket operator written into
// a string: {$gt: ”}, {"$ne": 1}, [$ne]=1, $where: '...'.
var operatorInText = regexp.MustCompile(`(?:\{\s*["']?|\[|,\s*|^\s*)\$(?:ne|eq|gt|gte|lt|lte|in|nin|regex|where|or|and|not|nor|exists|expr|function|comment|elemmatch)\b["']?\s*[:\]]`)

// regexLiteralObject is an object closed early and reopened with a regular
// expression literal as a value: }, { password: /.*/ }.
var regexLiteralObject = regexp.MustCompile(`\}\s*,\s*\{\s*["']?\w+["']?\s*:\s*/[^/]*/`)

// confirmNoSQLJavaScript accepts a string that carries a MongoDB operator
// object or JavaScript for a server-side $where, as injected through string
// concatenation into a query.
func confirmNoSQLJavaScript(in *Input) bool {
	s := in.Lower
	// Each pattern runs only when the byte it cannot match without occurs,
	// which keeps ordinary text away from the regular expressions.
	if strings.IndexByte(s, '$') >= 0 && operatorInText.MatchString(s) {
		return true
	}
	if strings.HasPrefix(s, "db.") && strings.Contains(s, "(") {
		return true
	}
	if strings.IndexByte(s, '}') >= 0 && regexLiteralObject.MatchString(s) {
		return true
	}
	return strings.ContainsAny(s, ";&|") && javaScriptAfterQuote.MatchString(s)
}
