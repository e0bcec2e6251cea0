package graphql

import (
	"math/bits"
	"sort"
	"strconv"
	"strings"

	"github.com/fieldwall/fieldwall/parsers"
	"github.com/vektah/gqlparser/v2/ast"
)

// analyzer walks one parsed document in three passes. The first visits
// every definition once, adds the fields of its literals and counts aliases
// and directives. The second orders the fragments so that each one comes
// after the fragments it spreads. The third measures each fragment once in
// that order, memoizes the measure, and measures each operation from the
// memoized measures. Work is linear in the document size, because no
// fragment is expanded twice, whatever its fan-out.
//
// Recursion is bounded: within one definition by the parser's nesting cap
// (parser.MaxNestingDepth), and across fragments not at all, because the
// fragment order is computed without recursion.
type analyzer struct {
	doc *parsers.Document
	lim *limits
	// loc is the request part that carried the document, for findings
	// about its structure.
	loc    parsers.Location
	method string
	// vars are the request's integer variables, for page sizes.
	vars map[string]int64
	// defaults are the integer default values of the document's variables.
	defaults map[string]int64

	// path is scratch space: the batch prefix, the definition segment, then
	// the names of the fields above the current point.
	path parsers.Path
	base int // segments of path before the definition segment

	fragments     []fragmentInfo
	fragmentIndex map[string]int32
	// spreads holds the fragment indices that each fragment spreads; a
	// fragment owns spreads[first:last].
	spreads []int32
	// inFragment is the fragment being walked, or -1.
	inFragment int32

	aliases           int
	directives        int
	fieldDirectives   int
	fieldDirectivesAt parsers.Path
	fieldsFull        bool
	reported          reportedSet
}

type fragmentInfo struct {
	def         *ast.FragmentDefinition
	first, last int32 // its spreads, as a range of analyzer.spreads
	state       uint8 // visitUnseen, visitOpen or visitDone
	measured    bool
	measure     measure
}

const (
	visitUnseen uint8 = iota
	visitOpen
	visitDone
)

// measure is the size of a selection set, counted through its fragment
// spreads.
type measure struct {
	depth      int    // deepest field nesting
	cost       uint64 // estimated field resolutions, saturating
	rootFields uint64 // fields at the top level of the set, saturating
}

// reportedSet is the set of per-document findings already added, one bit
// per anomaly code, so that a document with 10,000 repeated fields reports
// them once.
type reportedSet [4]uint64

func (r *reportedSet) first(code parsers.AnomalyCode) bool {
	word, bit := code/64, uint64(1)<<(code%64)
	if r[word]&bit != 0 {
		return false
	}
	r[word] |= bit
	return true
}

// analyze adds the fields and findings of the parsed document d. prefix is
// the batch index of the request, or empty.
func (a *analyzer) analyze(d *ast.QueryDocument, prefix parsers.Path) {
	a.path = append(a.path[:0], prefix...)
	a.base = len(prefix)
	a.inFragment = -1

	a.indexFragments(d)
	for i := range a.fragments {
		a.walkFragment(int32(i))
	}
	for _, op := range d.Operations {
		a.walkOperation(op)
	}
	a.reportDocument(d)

	for _, i := range a.fragmentOrder() {
		f := &a.fragments[i]
		f.measure = a.measureSet(f.def.SelectionSet)
		f.measured = true
	}
	for _, op := range d.Operations {
		a.reportOperation(op)
	}
}

func (a *analyzer) indexFragments(d *ast.QueryDocument) {
	a.fragments = a.fragments[:0]
	a.fragmentIndex = make(map[string]int32, len(d.Fragments))
	for _, def := range d.Fragments {
		if def == nil {
			continue
		}
		if _, dup := a.fragmentIndex[def.Name]; !dup {
			a.fragmentIndex[def.Name] = int32(len(a.fragments))
		}
		a.fragments = append(a.fragments, fragmentInfo{def: def})
	}
}

// setDefinition makes the path name a definition: "query-Search",
// "mutation" for an anonymous mutation, or "fragment-UserFields". The
// hyphen keeps the segment one identifier in Path.String, and no GraphQL
// name contains one.
func (a *analyzer) setDefinition(kind, name string) {
	a.path = a.path[:a.base]
	segment := kind
	if name != "" {
		segment = kind + "-" + name
	}
	a.path = append(a.path, parsers.KeySegment(segment))
}

func (a *analyzer) walkFragment(i int32) {
	f := &a.fragments[i]
	a.setDefinition("fragment", f.def.Name)
	a.inFragment = i
	f.first = int32(len(a.spreads))
	a.walkVariables(f.def.VariableDefinition)
	a.walkDirectives(f.def.Directives)
	a.walkSet(f.def.SelectionSet, false)
	f.last = int32(len(a.spreads))
	a.inFragment = -1
}

func (a *analyzer) walkOperation(op *ast.OperationDefinition) {
	if op == nil {
		return
	}
	a.setDefinition(string(op.Operation), op.Name)
	a.walkVariables(op.VariableDefinitions)
	a.walkDirectives(op.Directives)
	a.walkSet(op.SelectionSet, op.Operation == ast.Mutation)
}

// walkVariables adds the default values of variable definitions as
// variable fields under "$name", and keeps integer defaults for page sizes.
func (a *analyzer) walkVariables(defs ast.VariableDefinitionList) {
	for _, def := range defs {
		if def == nil {
			continue
		}
		a.walkDirectives(def.Directives)
		if def.DefaultValue == nil {
			continue
		}
		if def.DefaultValue.Kind == ast.IntValue {
			if n, err := strconv.ParseInt(def.DefaultValue.Raw, 10, 64); err == nil {
				if a.defaults == nil {
					a.defaults = make(map[string]int64)
				}
				if _, seen := a.defaults[def.Variable]; !seen {
					a.defaults[def.Variable] = n
				}
			}
		}
		n := len(a.path)
		a.path = append(a.path, parsers.KeySegment("$"+def.Variable))
		a.addValue(parsers.LocationGraphQLVariable, def.DefaultValue)
		a.path = a.path[:n]
	}
}

// walkDirectives counts directives and adds the literals of their
// arguments under "@name".
func (a *analyzer) walkDirectives(list ast.DirectiveList) {
	a.directives += len(list)
	for _, dir := range list {
		if dir == nil || len(dir.Arguments) == 0 {
			continue
		}
		n := len(a.path)
		a.path = append(a.path, parsers.KeySegment("@"+dir.Name))
		a.addArguments(dir.Arguments)
		a.path = a.path[:n]
	}
}

// countFieldDirectives tracks the most directives on one selection.
func (a *analyzer) countFieldDirectives(n int) {
	if n > a.fieldDirectives {
		a.fieldDirectives = n
		a.fieldDirectivesAt = append(a.fieldDirectivesAt[:0], a.path...)
	}
}

// walkSet visits a selection set once: field names, aliases, directives,
// argument literals, repeated fields and the fragments it spreads.
func (a *analyzer) walkSet(set ast.SelectionSet, mutationRoot bool) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s == nil {
				continue
			}
			n := len(a.path)
			a.path = append(a.path, parsers.KeySegment(s.Name))
			a.checkFieldName(s.Name)
			if s.Alias != s.Name {
				a.aliases++
			}
			a.countFieldDirectives(len(s.Directives))
			a.addArguments(s.Arguments)
			a.walkDirectives(s.Directives)
			a.walkSet(s.SelectionSet, false)
			a.path = a.path[:n]
		case *ast.InlineFragment:
			if s == nil {
				continue
			}
			a.countFieldDirectives(len(s.Directives))
			a.walkDirectives(s.Directives)
			a.walkSet(s.SelectionSet, mutationRoot)
		case *ast.FragmentSpread:
			if s == nil {
				continue
			}
			a.countFieldDirectives(len(s.Directives))
			a.walkDirectives(s.Directives)
			if target, ok := a.fragmentIndex[s.Name]; ok && a.inFragment >= 0 {
				a.spreads = append(a.spreads, target)
			}
		}
	}
	a.checkRepeats(set, mutationRoot)
}

// checkFieldName reports introspection and federation entry points. The
// name is checked, not the alias, so an alias does not hide them;
// __typename is harmless and passes.
func (a *analyzer) checkFieldName(name string) {
	switch name {
	case "__schema", "__type":
		if !a.lim.AllowIntrospection && a.reported.first(parsers.AnomalyGraphQLIntrospection) {
			a.doc.AddAnomaly(parsers.AnomalyGraphQLIntrospection, a.loc, a.path, "introspection field "+name)
		}
	case "_service", "_entities":
		if !a.lim.AllowFederation && a.reported.first(parsers.AnomalyGraphQLFederation) {
			a.doc.AddAnomaly(parsers.AnomalyGraphQLFederation, a.loc, a.path, "federation entry point "+name)
		}
	}
}

// fragmentOrder returns the fragment indices so that every fragment comes
// after the fragments it spreads, and reports the first spread that closes
// a cycle. It uses an explicit stack, so a chain of 100,000 fragments costs
// no goroutine stack.
func (a *analyzer) fragmentOrder() []int32 {
	type frame struct{ fragment, next int32 }
	order := make([]int32, 0, len(a.fragments))
	var stack []frame
	for root := range a.fragments {
		if a.fragments[root].state != visitUnseen {
			continue
		}
		a.fragments[root].state = visitOpen
		stack = append(stack[:0], frame{fragment: int32(root), next: a.fragments[root].first})
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			f := &a.fragments[top.fragment]
			if top.next == f.last {
				f.state = visitDone
				order = append(order, top.fragment)
				stack = stack[:len(stack)-1]
				continue
			}
			target := a.spreads[top.next]
			top.next++
			switch a.fragments[target].state {
			case visitUnseen:
				a.fragments[target].state = visitOpen
				stack = append(stack, frame{fragment: target, next: a.fragments[target].first})
			case visitOpen:
				a.reportCycle(f.def.Name, a.fragments[target].def.Name)
			}
		}
	}
	return order
}

func (a *analyzer) reportCycle(from, to string) {
	if !a.reported.first(parsers.AnomalyGraphQLFragmentCycle) {
		return
	}
	a.path = a.path[:a.base]
	a.path = append(a.path, parsers.KeySegment("fragment-"+from))
	a.doc.AddAnomaly(parsers.AnomalyGraphQLFragmentCycle, a.loc, a.path, "fragment "+from+" spreads "+to+", which spreads it back")
}

// measureSet measures a selection set. Spreads of fragments that are not
// measured yet, because they are undefined or on a cycle, count as empty.
func (a *analyzer) measureSet(set ast.SelectionSet) measure {
	var m measure
	for _, sel := range set {
		var inner measure
		switch s := sel.(type) {
		case *ast.Field:
			if s == nil {
				continue
			}
			sub := a.measureSet(s.SelectionSet)
			inner.depth = sub.depth + 1
			inner.cost = saturatingMul(a.listSize(s.Arguments), saturatingAdd(1, sub.cost))
			inner.rootFields = 1
		case *ast.InlineFragment:
			if s == nil {
				continue
			}
			inner = a.measureSet(s.SelectionSet)
		case *ast.FragmentSpread:
			if s == nil {
				continue
			}
			if i, ok := a.fragmentIndex[s.Name]; ok && a.fragments[i].measured {
				inner = a.fragments[i].measure
			}
		}
		m.depth = max(m.depth, inner.depth)
		m.cost = saturatingAdd(m.cost, inner.cost)
		m.rootFields = saturatingAdd(m.rootFields, inner.rootFields)
	}
	return m
}

// listSize returns the page size that a field's arguments ask for: the
// largest list-size argument, or 1 when there is none. A variable takes the
// request's value, then its default, then DefaultListSize.
func (a *analyzer) listSize(args ast.ArgumentList) uint64 {
	size := uint64(1)
	for _, arg := range args {
		if arg == nil || arg.Value == nil || !a.lim.isListSizeArgument(arg.Name) {
			continue
		}
		n := int64(a.lim.DefaultListSize)
		switch arg.Value.Kind {
		case ast.IntValue:
			if v, err := strconv.ParseInt(arg.Value.Raw, 10, 64); err == nil {
				n = v
			} else {
				n = int64(^uint64(0) >> 1) // more digits than int64 holds
			}
		case ast.Variable:
			if v, ok := a.vars[arg.Value.Raw]; ok {
				n = v
			} else if v, ok := a.defaults[arg.Value.Raw]; ok {
				n = v
			}
		}
		if n > 0 && uint64(n) > size {
			size = uint64(n)
		}
	}
	return size
}

func saturatingAdd(x, y uint64) uint64 {
	sum, carry := bits.Add64(x, y, 0)
	if carry != 0 {
		return ^uint64(0)
	}
	return sum
}

func saturatingMul(x, y uint64) uint64 {
	hi, lo := bits.Mul64(x, y)
	if hi != 0 {
		return ^uint64(0)
	}
	return lo
}

// reportDocument adds the findings about the document as a whole.
func (a *analyzer) reportDocument(d *ast.QueryDocument) {
	a.path = a.path[:a.base]
	a.reportLimit(parsers.AnomalyGraphQLAliases, a.path, a.aliases, a.lim.MaxAliases, "aliases")
	a.reportLimit(parsers.AnomalyGraphQLDirectives, a.path, a.directives, a.lim.MaxDirectives, "directives")
	a.reportLimit(parsers.AnomalyGraphQLFragments, a.path, len(d.Fragments), a.lim.MaxFragments, "fragment definitions")
	a.reportLimit(parsers.AnomalyGraphQLOperations, a.path, len(d.Operations), a.lim.MaxOperations, "operation definitions")
	a.reportLimit(parsers.AnomalyGraphQLFieldDirectives, a.fieldDirectivesAt, a.fieldDirectives, a.lim.MaxFieldDirectives, "directives on one selection")
}

// reportOperation adds the findings about one operation's measure and
// method.
func (a *analyzer) reportOperation(op *ast.OperationDefinition) {
	if op == nil {
		return
	}
	a.setDefinition(string(op.Operation), op.Name)
	m := a.measureSet(op.SelectionSet)
	a.reportLimit(parsers.AnomalyGraphQLDepth, a.path, m.depth, a.lim.MaxDepth, "levels of field nesting")
	a.reportLimit(parsers.AnomalyGraphQLRootFields, a.path, clampInt(m.rootFields), a.lim.MaxRootFields, "top-level fields")
	a.reportLimit(parsers.AnomalyGraphQLCost, a.path, clampInt(m.cost), a.lim.MaxCost, "estimated field resolutions")
	if op.Operation == ast.Mutation && isGetLike(a.method) && !a.lim.AllowMutationOverGET &&
		a.reported.first(parsers.AnomalyGraphQLMutationOverGET) {
		a.doc.AddAnomaly(parsers.AnomalyGraphQLMutationOverGET, a.loc, a.path, "mutation sent with "+a.method)
	}
}

// reportLimit adds code once per document when n is over limit.
func (a *analyzer) reportLimit(code parsers.AnomalyCode, path parsers.Path, n, limit int, what string) {
	if !exceeds(n, limit) || !a.reported.first(code) {
		return
	}
	a.doc.AddAnomaly(code, a.loc, path, formatCount(n, what)+", limit "+strconv.Itoa(limit))
}

func formatCount(n int, what string) string {
	if n == maxInt {
		return "more than " + strconv.Itoa(maxInt) + " " + what
	}
	return strconv.Itoa(n) + " " + what
}

const maxInt = int(^uint(0) >> 1)

func clampInt(n uint64) int {
	if n > uint64(maxInt) {
		return maxInt
	}
	return int(n)
}

// checkRepeats reports a selection set that requests one field with the
// same arguments under several aliases, and a mutation root that calls
// one mutation under more aliases than MaxMutationRepeats. Only fields whose
// name occurs more than once in the set are compared, so a set without
// repeats costs one pass.
func (a *analyzer) checkRepeats(set ast.SelectionSet, mutationRoot bool) {
	if len(set) < 2 {
		return
	}
	repeated := repeatedNames(set)
	if len(repeated) == 0 {
		return
	}

	var counter copyCounter
	for _, sel := range set {
		f, ok := sel.(*ast.Field)
		if !ok || f == nil {
			continue
		}
		if _, ok := repeated[f.Name]; !ok {
			continue
		}

		sameArguments, sameName := counter.add(f)
		if exceeds(sameArguments, a.lim.MaxRepeatedFields) && a.reported.first(parsers.AnomalyGraphQLRepeatedField) {
			a.reportAt(parsers.AnomalyGraphQLRepeatedField, f.Name, "field "+f.Name+" requested "+strconv.Itoa(sameArguments)+
				" times with the same arguments, limit "+strconv.Itoa(a.lim.MaxRepeatedFields))
		}
		if mutationRoot && exceeds(sameName, a.lim.MaxMutationRepeats) && a.reported.first(parsers.AnomalyGraphQLMutationRepeat) {
			a.reportAt(parsers.AnomalyGraphQLMutationRepeat, f.Name, "mutation "+f.Name+" called "+strconv.Itoa(sameName)+
				" times, limit "+strconv.Itoa(a.lim.MaxMutationRepeats))
		}
	}
}

// copyCounter counts the copies of fields in one selection set. A copy is
// a distinct response key (the alias, or the name when there is none),
// because the server merges fields with the same key into one.
type copyCounter struct {
	signatureKeys     map[string]struct{}
	nameKeys          map[string]struct{}
	copiesBySignature map[string]int
	copiesByName      map[string]int
	buf               []byte
}

// add counts field f and returns the copies so far of its name with the
// same arguments, and of its name with any arguments.
func (c *copyCounter) add(f *ast.Field) (sameArguments, sameName int) {
	if c.signatureKeys == nil {
		c.signatureKeys = make(map[string]struct{})
		c.nameKeys = make(map[string]struct{})
		c.copiesBySignature = make(map[string]int)
		c.copiesByName = make(map[string]int)
	}
	c.buf = appendSignature(c.buf[:0], f)
	signature := string(c.buf)
	if key := signature + "\x00" + f.Alias; !contains(c.signatureKeys, key) {
		c.signatureKeys[key] = struct{}{}
		c.copiesBySignature[signature]++
	}
	if key := f.Name + "\x00" + f.Alias; !contains(c.nameKeys, key) {
		c.nameKeys[key] = struct{}{}
		c.copiesByName[f.Name]++
	}
	return c.copiesBySignature[signature], c.copiesByName[f.Name]
}

// reportAt adds an anomaly for the field name below the current path.
func (a *analyzer) reportAt(code parsers.AnomalyCode, name, detail string) {
	n := len(a.path)
	a.path = append(a.path, parsers.KeySegment(name))
	a.doc.AddAnomaly(code, a.loc, a.path, detail)
	a.path = a.path[:n]
}

// repeatedNames returns the field names that occur more than once in set,
// or nil.
func repeatedNames(set ast.SelectionSet) map[string]struct{} {
	var seen map[string]bool
	var repeated map[string]struct{}
	for _, sel := range set {
		f, ok := sel.(*ast.Field)
		if !ok || f == nil {
			continue
		}
		if seen == nil {
			seen = make(map[string]bool, len(set))
		}
		if seen[f.Name] {
			if repeated == nil {
				repeated = make(map[string]struct{})
			}
			repeated[f.Name] = struct{}{}
		}
		seen[f.Name] = true
	}
	return repeated
}

// appendSignature appends the field's name and its arguments sorted by
// name, so that reordered arguments compare equal.
func appendSignature(buf []byte, f *ast.Field) []byte {
	buf = append(buf, f.Name...)
	buf = append(buf, '(')
	args := f.Arguments
	if !sort.SliceIsSorted(args, func(i, j int) bool { return argName(args[i]) < argName(args[j]) }) {
		args = append(ast.ArgumentList(nil), args...)
		sort.Slice(args, func(i, j int) bool { return argName(args[i]) < argName(args[j]) })
	}
	for _, arg := range args {
		if arg == nil {
			continue
		}
		buf = append(buf, arg.Name...)
		buf = append(buf, ':')
		buf = appendValue(buf, arg.Value)
		buf = append(buf, ',')
	}
	return append(buf, ')')
}

func argName(arg *ast.Argument) string {
	if arg == nil {
		return ""
	}
	return arg.Name
}

// appendValue appends a canonical text form of a literal, in one buffer so
// that nested values cost time linear in their size.
func appendValue(buf []byte, v *ast.Value) []byte {
	if v == nil {
		return append(buf, '?')
	}
	switch v.Kind {
	case ast.Variable:
		buf = append(buf, '$')
		return append(buf, v.Raw...)
	case ast.StringValue, ast.BlockValue:
		return strconv.AppendQuote(buf, v.Raw)
	case ast.ListValue:
		buf = append(buf, '[')
		for _, c := range v.Children {
			if c != nil {
				buf = appendValue(buf, c.Value)
			}
			buf = append(buf, ',')
		}
		return append(buf, ']')
	case ast.ObjectValue:
		buf = append(buf, '{')
		for _, c := range v.Children {
			if c != nil {
				buf = append(buf, c.Name...)
				buf = append(buf, ':')
				buf = appendValue(buf, c.Value)
			}
			buf = append(buf, ',')
		}
		return append(buf, '}')
	}
	return append(buf, v.Raw...)
}

func contains(set map[string]struct{}, key string) bool {
	_, ok := set[key]
	return ok
}

// isGetLike reports whether the method is GET or HEAD, which browsers,
// caches and prefetchers send without the user's intent to change state.
func isGetLike(method string) bool {
	return strings.EqualFold(method, "GET") || strings.EqualFold(method, "HEAD")
}
